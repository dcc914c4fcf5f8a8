"""Moving a client's ratings, complaints and survey links to another client (a merge of duplicates).

The merge itself (aliases, audit, roles) belongs to the client directory; each feature moves its
own rows, so a new table with a client in it is moved where its model lives.
"""

import sqlalchemy as sa

from complaints.models import Complaint, Rating, SurveyLink
from core.extensions import db


def move_client_history(from_id: int, to_id: int) -> dict[str, int]:
    """Give every rating, complaint and survey link of ``from_id`` to ``to_id``; counts per kind.

    A helper inside the merge's transaction: it does not commit.
    """
    moved = {}
    for name, model in (
        ("ratings", Rating),
        ("complaints", Complaint),
        ("survey_links", SurveyLink),
    ):
        result = db.session.execute(
            sa.update(model)
            .where(model.client_id == from_id)
            .values(client_id=to_id)
            .execution_options(synchronize_session=False)
        )
        moved[name] = result.rowcount
    return moved
