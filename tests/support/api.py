"""Calling the JSON API as another system does: a bearer token and JSON bodies."""

import itertools

from core.api.tokens import create_token
from tests.support.db import using

# A client as a CRM sends it with a rating or a complaint.
CLIENT = {
    "external_id": "crm-42",
    "name": "Joana Silva",
    "email": "joana@example.com",
    "phone": "+351 912 345 678",
}

_tokens = itertools.count(1)


def token_headers(app) -> dict:
    """The Authorization header of a new API token (each call makes another token)."""
    with using(app):
        token = create_token(f"test-token-{next(_tokens)}")
    return {"Authorization": f"Bearer {token}"}


def post_json(client, url, body, headers, **extra):
    """POST ``body`` as JSON with ``headers`` and any ``extra`` ones (an Idempotency-Key...)."""
    return client.post(url, json=body, headers={**headers, **extra})
