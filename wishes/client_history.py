"""Moving a client's wish requests and callbacks to another client (a merge of duplicates).

A wish counts each asking client once, and a decision calls each client back once: where both
duplicates asked for the same wish (or wait for the same call), the kept client's row stays and
the other is dropped, so the counts stay true after the merge.
"""

import sqlalchemy as sa

from core.extensions import db
from wishes.models import Callback, WishRequest


def move_client_history(from_id: int, to_id: int) -> dict[str, int]:
    """Give every wish request and callback of ``from_id`` to ``to_id``; counts per kind.

    A helper inside the merge's transaction: it does not commit.
    """
    moved = {}
    for name, model, key in (
        ("wish_requests", WishRequest, WishRequest.wish_id),
        ("callbacks", Callback, Callback.decision_id),
    ):
        kept_already = sa.select(key).where(model.client_id == to_id)
        dropped = db.session.execute(
            sa.delete(model)
            .where(model.client_id == from_id, key.in_(kept_already))
            .execution_options(synchronize_session=False)
        ).rowcount
        result = db.session.execute(
            sa.update(model)
            .where(model.client_id == from_id)
            .values(client_id=to_id)
            .execution_options(synchronize_session=False)
        )
        moved[name] = result.rowcount
        if dropped:
            moved[f"{name}_already_kept"] = dropped
    return moved
