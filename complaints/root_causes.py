"""Root causes and their playbooks: the categories complaints are filed under and the script a
manager follows for each, written by admins, retired and never deleted (complaints that used one
still show its steps). Each public function makes the one commit of its request.
"""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from complaints.models import Category, Playbook
from complaints.services import ComplaintError, NotFound
from core import audit
from core.database import hold_key
from core.errors import refused_if_taken
from core.extensions import db
from core.models import User


def _admins_only(actor: User, message: str) -> None:
    if not actor.has_role("admin"):
        raise ComplaintError(message)


def _category_named(name: str) -> Category | None:
    """The category of this name in any case, in any script: "доставка" is "Доставка".

    Compared casefolded in Python: SQL's ``lower()`` folds ASCII only on SQLite (and on a
    PostgreSQL in the C locale). Root causes are a few dozen words that admins write.
    Holds the name first (``core.database.hold_key``): no unique constraint can hold a name in
    any case, so two admins adding it at once take turns, and the second finds the first's.
    """
    key = name.strip().casefold()
    hold_key(db.session, "category name", key)
    return next(
        (
            category
            for category in db.session.scalars(sa.select(Category).order_by(Category.id))
            if category.name.casefold() == key
        ),
        None,
    )


def _name_kept():
    """``core.errors.refused_if_taken`` for a category's name (PostgreSQL: two admins at once)."""
    return refused_if_taken(
        ComplaintError(_("There is already a category with this name."), "name")
    )


def save_category(actor: User, name: str, category_id: int | None = None) -> Category:
    """Add a root cause, or rename one (renaming keeps every complaint filed under it)."""
    _admins_only(actor, _("Only admins write categories."))
    name = (name or "").strip()
    if not name:
        raise ComplaintError(_("Name the category."), "name")
    if len(name) > 120:
        raise ComplaintError(_("Keep the name under 120 characters."), "name")
    same = _category_named(name)
    if same is not None and same.id != category_id:
        raise ComplaintError(_("There is already a category with this name."), "name")
    if category_id is None:
        category = Category(name=name)
        with _name_kept():
            db.session.add(category)
        audit.record(actor.id, "category", category.id, "created", name=name)
    else:
        category = db.session.get(Category, category_id)
        if category is None:
            raise NotFound(_("This category does not exist."))
        audit.record(
            actor.id, "category", category.id, "renamed", **{"from": category.name, "to": name}
        )
        with _name_kept():
            category.name = name
    db.session.commit()
    return category


def save_playbook(
    actor: User,
    *,
    category: str,
    title: str,
    steps: list[str],
    suggested_compensation: Decimal | None,
    follow_up_hours: int,
    active: bool,
    playbook_id: int | None = None,
) -> Playbook:
    """Write a new playbook or update one; one script per root cause, never deleted (deactivate).

    A category named here that does not exist yet is created, so an admin writes both at once.
    """
    _admins_only(actor, _("Only admins write playbooks."))
    steps = [step.strip() for step in steps if step and step.strip()]
    if not steps:
        raise ComplaintError(_("Write at least one step."), "steps")
    if any(len(step) > 500 for step in steps):
        raise ComplaintError(_("Keep each step under 500 characters."), "steps")
    if suggested_compensation is not None and suggested_compensation < 0:
        raise ComplaintError(_("A compensation cannot be negative."), "suggested_compensation")
    if not 1 <= follow_up_hours <= 720:
        raise ComplaintError(_("Between 1 and 720 hours."), "follow_up_hours")
    title, category = (title or "").strip(), (category or "").strip()
    if not title:
        raise ComplaintError(_("Give the playbook a title."), "title")
    if not category:
        raise ComplaintError(_("Name the category this playbook is for."), "category")
    if playbook_id is not None:
        playbook = db.session.get(Playbook, playbook_id)
        if playbook is None:
            raise NotFound(_("This playbook does not exist."))
    else:
        playbook = None
    found = _category_named(category)
    if found is None:
        try:
            with db.session.begin_nested():  # a savepoint: a clash undoes only this insert
                found = Category(name=category)
                db.session.add(found)
        except IntegrityError:
            # Another admin's playbook added it a moment ago (PostgreSQL let both look first):
            # theirs is committed now, so this one is for that category (and finds its playbook).
            found = _category_named(category)
        else:
            audit.record(actor.id, "category", found.id, "created", name=category)
    taken = ComplaintError(
        _("“%(category)s” already has a playbook: edit that one.", category=found.name),
        "category",
    )
    holder = db.session.scalar(sa.select(Playbook).where(Playbook.category_id == found.id))
    if holder is not None and holder is not playbook:
        raise taken
    # One playbook per category: another admin's for this category, saved since the check
    # above (PostgreSQL), stops this one at the unique category; said as the check says it.
    with refused_if_taken(taken):
        if playbook is None:
            playbook = Playbook(category_id=found.id)
            db.session.add(playbook)
        playbook.category_id = found.id
        playbook.title = title
        playbook.steps = steps
        playbook.suggested_compensation = suggested_compensation
        playbook.follow_up_hours = follow_up_hours
        playbook.active = active
    audit.record(actor.id, "playbook", playbook.id, "saved", title=title, active=active)
    db.session.commit()
    return playbook


def set_playbook_active(actor: User, playbook_id: int, active: bool) -> Playbook:
    """Playbooks are retired, not deleted: complaints that used one still show its steps."""
    _admins_only(actor, _("Only admins write playbooks."))
    playbook = db.session.get(Playbook, playbook_id)
    if playbook is None:
        raise NotFound(_("This playbook does not exist."))
    if playbook.active != active:
        playbook.active = active
        audit.record(actor.id, "playbook", playbook.id, "activated" if active else "deactivated")
    db.session.commit()
    return playbook
