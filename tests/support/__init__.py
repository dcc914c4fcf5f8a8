"""Test infrastructure: throw-away servers, a CSRF-aware client, the live app for the browser."""

import os

import pytest

REQUIRE_ALL = os.environ.get("HUDDLE_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str):
    """Skip a test whose real dependency is missing; in CI (HUDDLE_REQUIRE_ALL=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (HUDDLE_REQUIRE_ALL=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)
