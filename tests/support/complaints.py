"""Reading complaints back in the complaint tests."""

from complaints.models import Complaint
from tests.support.db import reloaded


def fetch(app, complaint_id) -> Complaint:
    """The complaint as the database has it now, readable after the context ends."""
    return reloaded(app, Complaint, complaint_id)
