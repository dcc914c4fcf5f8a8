"""What the tests import: everything but fixtures (those live in the conftests and in ``factories``).

``app`` builds and migrates the app; ``db`` reads and writes rows in a test's transaction;
``factories`` is the plugin with every factory fixture; ``api``, ``slack``, ``fake_slack`` talk to
Huddle as other systems do; ``web`` and ``browser`` drive it as a person does; ``postgres`` is the
throw-away server; ``queries`` counts SQL statements; ``standup``, ``insights``, ``wishes`` hold
the constants and read-backs of one feature's tests.
"""

import os

import pytest

REQUIRE_ALL = os.environ.get("HUDDLE_REQUIRE_ALL") == "1"

# Every person the factories make logs in with it (through the test client or the real form).
PASSWORD = "correct horse battery"


def skip_or_fail(reason: str):
    """Skip a test whose real dependency is missing; in CI (HUDDLE_REQUIRE_ALL=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (HUDDLE_REQUIRE_ALL=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)
