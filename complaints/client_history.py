"""Moving a client's ratings, complaints and survey links to another client (a merge of duplicates).

The merge itself (aliases, audit, roles) belongs to the client directory; each feature moves its
own rows, so a new table with a client in it is moved where its model lives.
"""

from complaints import milestones
from complaints.models import Complaint, Rating, SurveyLink
from core.clients import move_client_rows


def move_client_history(from_id: int, to_id: int) -> dict[str, int]:
    """Give every rating, complaint and survey link of ``from_id`` to ``to_id``; counts per kind.

    A helper inside the merge's transaction: it does not commit.
    """
    kinds = {"ratings": Rating, "complaints": Complaint, "survey_links": SurveyLink}
    moved = {name: move_client_rows(model, from_id, to_id) for name, model in kinds.items()}
    milestones.refresh_clients([to_id])  # each side's complaints now see the other's ratings
    return moved
