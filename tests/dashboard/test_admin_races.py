"""Admins clicking at once (issue #11: no 5xx, races included), through the real app on real
threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets every request look for the e-mail address first, find nothing
and insert: the unique constraint then stopped all but one with an IntegrityError (a 500). The
losers are told what they would have been told a moment later, next to the field, and nothing is
doubled.
"""

import pytest

from core.extensions import db
from core.models import User
from tests.support.factories import build_user
from tests.support.races import AT_ONCE, count, posts_at_once

HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def admins(committed_app):
    with committed_app.app_context():
        people = [build_user("admin", name=f"Admin {n}") for n in range(2)]
        db.session.add_all(people)
        db.session.commit()
        for person in people:
            db.session.refresh(person)
            db.session.expunge(person)
        db.session.remove()
    return people


def _screens(admins):
    """Two admins, each on several screens (a double-click, a second tab)."""
    return [admins[n % 2] for n in range(AT_ONCE)]


@pytest.mark.parametrize("round_", range(3))
def test_inviting_the_same_address_at_once_invites_once(committed_app, admins, round_):
    email = f"new-person-{round_}@example.com"
    form = {"email": email, "name": "New Person", "role": "agent", "team_id": "0"}
    answers = posts_at_once(committed_app, _screens(admins), "/admin/users", form, HX)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [400] * (AT_ONCE - 1), statuses
    for answer in answers:
        if answer.status_code == 400:
            assert "Someone already has this e-mail address." in answer.get_data(as_text=True)
    assert count(committed_app, User, User.email == email) == 1
