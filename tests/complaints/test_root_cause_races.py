"""Admins writing root causes at once (issue #11: no 5xx, races included): the same category
added twice, two categories renamed to one name, two playbooks for one category. Through the real
app on real threads, on SQLite and on PostgreSQL, committed for real.

PostgreSQL lets each request look for the name or the category's playbook before the other
commits: both found none and both wrote, and the unique constraint answered the second with an
IntegrityError (a 500). The losers are told what the check says a moment later; nothing doubles.
"""

import pytest
import sqlalchemy as sa

from complaints.models import Category, Playbook
from core.extensions import db
from tests.support.races import (
    AT_ONCE,
    admin_screens,
    count,
    one_won,
    posts_at_once,
    rows,
)

HX = {"HX-Request": "true"}
TAKEN = "There is already a category with this name."


@pytest.fixture(scope="module")
def admins(committed_app):
    return admin_screens(committed_app)


@pytest.mark.parametrize("round_", range(3))
def test_adding_one_category_at_once_adds_it_once(committed_app, admins, round_):
    name = f"Late courier {round_}"
    answers = posts_at_once(committed_app, admins, "/complaints/categories", {"name": name})

    one_won(answers, 302, 422, TAKEN)
    assert count(committed_app, Category, Category.name == name) == 1


@pytest.mark.parametrize("round_", range(3))
def test_adding_one_category_in_different_cases_at_once_adds_it_once(committed_app, admins, round_):
    """No unique constraint holds a name in any case: the same name typed in other cases (and
    scripts) at the same instant was added once per case on PostgreSQL."""
    spellings = ["Доставка опоздала", "доставка опоздала", "ДОСТАВКА ОПОЗДАЛА", "Доставка Опоздала"]
    names = [f"{spellings[n % len(spellings)]} {round_}" for n in range(AT_ONCE)]
    forms = [{"name": name} for name in names]
    answers = posts_at_once(committed_app, admins, "/complaints/categories", forms)

    one_won(answers, 302, 422, TAKEN)
    added = rows(committed_app, sa.select(Category.name))
    assert sum(name.casefold() == names[0].casefold() for (name,) in added) == 1, added


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

    one_won(answers, 200, 422, TAKEN)
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

    one_won(answers, 302, 422, f"“{name}” already has a playbook: edit that one.")
    found = rows(
        committed_app,
        sa.select(Category.id, Playbook.id)
        .outerjoin(Playbook, Playbook.category_id == Category.id)
        .where(Category.name == name),
    )
    assert len(found) == 1 and found[0][1] is not None
