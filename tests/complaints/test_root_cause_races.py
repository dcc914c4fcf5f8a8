"""Admins writing root causes at once (issue #11: no 5xx, races included): the same category
added twice, two categories renamed to one name, two playbooks for one category. Through the real
app on real threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets each request look for the name or the category's playbook before the other
commits: both found none and both wrote, and the unique constraint answered the second with an
IntegrityError (a 500). The losers are told what the check says a moment later; nothing doubles.
"""

import html

import pytest
import sqlalchemy as sa

from complaints.models import Category, Playbook
from core.extensions import db
from tests.support.factories import build_user
from tests.support.races import AT_ONCE, count, posts_at_once, rows

HX = {"HX-Request": "true"}
TAKEN = "There is already a category with this name."


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
    return [people[n % 2] for n in range(AT_ONCE)]


def _text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


@pytest.mark.parametrize("round_", range(3))
def test_adding_one_category_at_once_adds_it_once(committed_app, admins, round_):
    name = f"Late courier {round_}"
    answers = posts_at_once(committed_app, admins, "/complaints/categories", {"name": name})

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] + [422] * (AT_ONCE - 1), statuses
    assert all(TAKEN in _text(answer) for answer in answers if answer.status_code == 422)
    assert count(committed_app, Category, Category.name == name) == 1


@pytest.mark.parametrize("round_", range(3))
def test_renaming_categories_to_one_name_at_once_renames_one(committed_app, admins, round_):
    name = f"Same name {round_}"
    with committed_app.app_context():
        before = [Category(name=f"Before {round_}.{n}") for n in range(AT_ONCE)]
        db.session.add_all(before)
        db.session.commit()
        urls = [f"/complaints/categories/{category.id}" for category in before]
        db.session.remove()
    answers = posts_at_once(committed_app, admins, urls, {"name": name}, HX)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [422] * (AT_ONCE - 1), statuses
    assert all(TAKEN in _text(answer) for answer in answers if answer.status_code == 422)
    assert count(committed_app, Category, Category.name == name) == 1


@pytest.mark.parametrize("known", [True, False], ids=["known-category", "new-category"])
@pytest.mark.parametrize("round_", range(3))
def test_writing_playbooks_for_one_category_at_once_writes_one(
    committed_app, admins, round_, known
):
    """The category exists already, or each playbook names it for the first time (saving a
    playbook adds the category it names)."""
    name = f"Broken item {round_} {known}"
    if known:
        with committed_app.app_context():
            db.session.add(Category(name=name))
            db.session.commit()
            db.session.remove()
    forms = [
        {
            "category": name,
            "title": f"Script {n}",
            "steps": "Apologise\nSend a new one",
            "follow_up_hours": "24",
            "active": "y",
        }
        for n in range(AT_ONCE)
    ]
    answers = posts_at_once(committed_app, admins, "/complaints/playbooks", forms)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] + [422] * (AT_ONCE - 1), statuses
    refused = f"“{name}” already has a playbook: edit that one."
    assert all(refused in _text(answer) for answer in answers if answer.status_code == 422)
    found = rows(
        committed_app,
        sa.select(Category.id, Playbook.id)
        .outerjoin(Playbook, Playbook.category_id == Category.id)
        .where(Category.name == name),
    )
    assert len(found) == 1 and found[0][1] is not None
