"""What the complaint pages show: one complaint with its forms and history, and the admin lists.

The open list and a manager's follow-ups are in ``complaints.listing``; the rules that change
anything are in ``complaints.services``. A page here loads in a fixed number of queries, however
many contacts or compensations a complaint has.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from complaints import services
from complaints.briefs import attempts_among
from complaints.forms import (
    AssignForm,
    ClientOutcomeForm,
    CompensationForm,
    ContactForm,
    EditComplaintForm,
    PlaybookChoiceForm,
    StatusForm,
    utc_to_local,
)
from complaints.intake import survey
from complaints.models import (
    REACHED_OUTCOMES,
    Category,
    Compensation,
    Complaint,
    Contact,
    Playbook,
    SurveyLink,
)
from core import audit
from core.database import read_rows, utcnow
from core.extensions import db
from core.inputs import MAX_ID
from core.mail import outbox as mail
from core.models import User
from core.urls import external_url


def _existing(model, row_id: int, message):
    """The row, or ``NotFound`` with ``message`` (answered 404 by the core handler). A lazy string,
    translated only when it is said: each page opens with this look-up (issue #16)."""
    found = db.session.get(model, row_id)
    if found is None:
        raise services.NotFound(str(message))
    return found


def complaint(complaint_id: int) -> Complaint:
    return _existing(Complaint, complaint_id, _l("This complaint does not exist."))


def complaint_of_compensation(compensation_id: int) -> Complaint:
    compensation = _existing(Compensation, compensation_id, _l("This compensation does not exist."))
    return complaint(compensation.complaint_id)


# The complaint page's statements are built once, the complaint's id bound when run: building a
# select costs more Python than SQLite takes to answer it (issue #16).
_CONTACTS = (
    sa.select(Contact)
    .where(Contact.complaint_id == sa.bindparam("complaint_id"))
    .order_by(Contact.at.desc(), Contact.id.desc())
)
_COMPENSATIONS = (
    sa.select(Compensation)
    .where(Compensation.complaint_id == sa.bindparam("complaint_id"))
    .order_by(Compensation.requested_at, Compensation.id)
)


def contacts_of(complaint_id: int) -> list[Contact]:
    return list(db.session.scalars(_CONTACTS, {"complaint_id": complaint_id}))


def first_contact_at(complaint_id: int) -> datetime | None:
    """Derived from the log, never stored, so it cannot disagree with the contacts themselves."""
    return db.session.scalar(
        sa.select(sa.func.min(Contact.at)).where(Contact.complaint_id == complaint_id)
    )


def compensations_of(complaint_id: int) -> list[Compensation]:
    return list(db.session.scalars(_COMPENSATIONS, {"complaint_id": complaint_id}))


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.name)))


def category(category_id: int) -> Category:
    return _existing(Category, category_id, _l("This category does not exist."))


def all_playbooks() -> list[Playbook]:
    """The admin's list: those in use first, retired ones after."""
    return list(
        db.session.scalars(sa.select(Playbook).order_by(Playbook.active.desc(), Playbook.title))
    )


def playbook(playbook_id: int) -> Playbook:
    return _existing(Playbook, playbook_id, _l("This playbook does not exist."))


def playbook_form_data(found: Playbook) -> dict:
    """A playbook as its edit form shows it: the steps one per line."""
    return {
        "category": found.category.name,
        "title": found.title,
        "steps": "\n".join(found.steps),
        "suggested_compensation": found.suggested_compensation,
        "follow_up_hours": found.follow_up_hours,
        "active": found.active,
    }


def managers() -> list[User]:
    """Who can own a complaint: active managers and admins."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_(("manager", "admin")))
            .order_by(User.name)
        )
    )


# --- The choices of the complaint page's forms (the same when shown and when posted back) ---------


# Two columns each, not whole rows: a complaint page builds all three (a user row joins its team).


def _pairs(statement) -> list[tuple[int, str]]:
    return [tuple(row) for row in read_rows(db.session, statement)]


# Built once (they take no values): each complaint page runs all three.
_CATEGORY_CHOICES = sa.select(Category.id, Category.name).order_by(Category.name)
_PLAYBOOK_CHOICES = (
    sa.select(Playbook.id, Playbook.title).where(Playbook.active.is_(True)).order_by(Playbook.title)
)
_OWNER_CHOICES = (
    sa.select(User.id, User.name)
    .where(User.active.is_(True), User.role.in_(("manager", "admin")))
    .order_by(User.name)
)


def category_names() -> list[tuple[int, str]]:
    """Each category's id and name, for the open list's filter (it read whole objects, issue #16)."""
    return _pairs(_CATEGORY_CHOICES)


def category_choices() -> list[tuple[int, str]]:
    return [(0, _("Not categorised yet")), *category_names()]


def playbook_choices() -> list[tuple[int, str]]:
    return _pairs(_PLAYBOOK_CHOICES)


def owner_choices() -> list[tuple[int, str]]:
    return [(0, _("Nobody yet")), *_pairs(_OWNER_CHOICES)]


# --- One complaint ---------------------------------------------------------------------------------

# The details by which a complaint's events name a category or a person: by id, since a name can
# change (``forms.detail_value`` shows the name the row has now).
_NAMED_BY_ID = {"category_id": Category, "before_category_id": Category, "owner_id": User}


def names_in(history: list) -> dict[str, dict[str, str]]:
    """For each detail in ``_NAMED_BY_ID``, the names of the rows the ``history``'s events name,
    by id as text: one query per kind of row named, none when no event names one."""
    wanted: dict = {model: set() for model in _NAMED_BY_ID.values()}
    for event in history:
        for key, value in (event.details or {}).items():
            if key in _NAMED_BY_ID and str(value).isdigit() and int(value) <= MAX_ID:
                wanted[_NAMED_BY_ID[key]].add(int(value))
    names = {
        model: {
            str(row_id): name
            for row_id, name in read_rows(
                db.session, sa.select(model.id, model.name).where(model.id.in_(ids))
            )
        }
        for model, ids in wanted.items()
        if ids
    }
    return {key: names.get(model, {}) for key, model in _NAMED_BY_ID.items()}


def detail_forms(found: Complaint, **overrides) -> dict:
    """Every form of the complaint page, filled from the complaint, except those given (with input).

    A form given in ``overrides`` is the one the person just posted: it keeps what they typed and
    the errors next to its fields. The others are built when the page first shows them: which it
    shows depends on the role and the status, and a form with its choices costs a few hundred
    calls and maybe a query (issue #16).
    """
    version = {"version": found.version}
    blank = {
        "edit": lambda: EditComplaintForm(
            formdata=None,
            data={
                **version,
                "summary": found.summary,
                "details": found.details,
                "category_id": found.category_id or 0,
                "budget": found.budget,
                "constructive": {True: "yes", False: "no"}.get(found.constructive, ""),
                "due_at": utc_to_local(found.due_at),
            },
        ),
        "contact": lambda: ContactForm(formdata=None),
        "playbook": lambda: PlaybookChoiceForm(
            formdata=None, data={**version, "playbook_id": found.playbook_id or 0}
        ),
        "assign": lambda: AssignForm(
            formdata=None, data={**version, "owner_id": found.owner_id or 0}
        ),
        "compensation": lambda: CompensationForm(formdata=None),
        "outcome": lambda: ClientOutcomeForm(formdata=None),
        "status": lambda: StatusForm(formdata=None, data=version),
    }
    return _PageForms(blank, overrides)


def _with_choices(name: str, form):
    """A form of the complaint page with the choices its selects offer (the same when shown and
    when posted back)."""
    if name == "edit":
        form.category_id.choices = category_choices()
    elif name == "playbook":
        # Nothing preselected but the playbook the complaint follows (issue #15): the first active
        # one is rarely the right one, and applying must not snap the picker back to it.
        playbooks = playbook_choices()
        form.playbook_id.choices = [(0, _("Choose a playbook…")), *playbooks] if playbooks else []
    elif name == "assign":
        form.owner_id.choices = owner_choices()
    return form


class _PageForms(dict):
    """The complaint page's forms by name: those given as posted, the others built on first use."""

    def __init__(self, blank: dict, given: dict) -> None:
        super().__init__({name: _with_choices(name, form) for name, form in given.items()})
        self._blank = blank

    def __missing__(self, name: str):
        if name not in self._blank:
            raise KeyError(name)
        form = self[name] = _with_choices(name, self._blank[name]())
        return form


def resolve_warnings(found: Complaint, compensations) -> list[str]:
    """What is still open before resolving: said beside "Resolve" and asked about, never blocking."""
    warnings = []
    if found.playbook is not None:
        left = len(found.playbook.steps) - len(set(found.checklist_done or []))
        if left > 0:
            warnings.append(
                ngettext(
                    "%(num)d playbook step is not ticked.",
                    "%(num)d playbook steps are not ticked.",
                    left,
                )
            )
    waiting = sum(1 for c in compensations if c.status == "pending")
    if waiting:
        warnings.append(
            ngettext(
                "%(num)d compensation is still waiting for approval.",
                "%(num)d compensations are still waiting for approval.",
                waiting,
            )
        )
    return warnings


def _follow_up(complaint_id: int, token: str | None) -> tuple[SurveyLink | None, str | None]:
    """The follow-up survey (sent / opened / answered) and its link to hand the client: the one
    just issued, or the unanswered one."""
    link = survey.latest_follow_up(complaint_id)
    if token is None and link is not None and link.used_at is None:
        token = survey.token_for(link)
    return link, external_url("public.survey", token=token) if token else None


def complaint_page(
    found: Complaint,
    *,
    error: str | None = None,
    notice: str | None = None,
    follow_up_token: str | None = None,
    **forms,
) -> dict:
    """Everything the complaint page shows: contacts, compensation, history, forms, next steps.

    ``error`` is a refusal to show above the forms; ``forms`` are posted forms to show as typed.
    """
    contacts = contacts_of(found.id)
    history = audit.history("complaint", found.id)
    follow_up, follow_up_url = _follow_up(found.id, follow_up_token)
    compensations = compensations_of(found.id)
    return {
        "complaint": found,
        "contacts": contacts,
        "first_contact_at": min((c.at for c in contacts), default=None),
        "reached": any(c.outcome in REACHED_OUTCOMES for c in contacts),
        "attempts": attempts_among(contacts),
        "compensations": compensations,
        "resolve_warnings": resolve_warnings(found, compensations),
        "history": history,
        "history_names": names_in(history),
        "forms": detail_forms(found, **forms),
        "error": error,
        "notice": notice,
        "follow_up_url": follow_up_url,
        "follow_up": follow_up,
        "follow_up_mailable": mail.reachable(found.client),
        "now": utcnow(),
        "transitions": services.TRANSITIONS,
    }
