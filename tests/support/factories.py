"""Every factory the tests use, once: a pytest plugin that the root conftest loads.

A factory fixture commits its row through the real session, inside the test's rolled-back
transaction, and returns it loaded (readable after the app context ends). Defaults make a valid
row; a test passes what its assertions depend on. Related rows may be given as objects
(``client=``, ``team=``, ``owner=``, ``category=``) or as ids (``client_id=``...).

The ``build_*`` functions make the same rows unsaved, for tests that add many at once or seed the
live app of the browser tests.
"""

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from complaints import milestones
from complaints.models import Category, Compensation, Complaint, Contact, Playbook, Rating
from core.database import utcnow
from core.extensions import db
from core.models import Client, Team, User
from standup.models import AwayDay, Holiday, RotationEntry
from tests.support import PASSWORD
from tests.support.api import token_headers
from tests.support.db import save, using
from tests.support.wishes import REVIEW_DAY
from wishes import services as wishes

_n = itertools.count(1)


def _ids(fields: dict, *names: str) -> dict:
    """``team=<Team>`` → ``team_id=<id>`` (None stays None), for each of ``names``."""
    for name in names:
        if name in fields:
            value = fields.pop(name)
            fields[f"{name}_id"] = value.id if value is not None else None
    return fields


def build_user(role: str = "agent", password: str = PASSWORD, **fields) -> User:
    n = next(_n)
    user = User(
        email=fields.pop("email", f"user{n}@example.com"),
        name=fields.pop("name", f"User {n:04d}"),
        role=role,
        **_ids(fields, "team"),
    )
    user.set_password(password)
    return user


def build_complaint(opened_at: datetime | None = None, due_at=None, **fields) -> Complaint:
    """A complaint opened two hours ago (unless told), due a day after it was opened."""
    opened_at = opened_at or utcnow() - timedelta(hours=2)
    fields.setdefault("summary", "Order arrived late")
    fields.setdefault("channel", "phone")
    return Complaint(
        opened_at=opened_at,
        due_at=due_at or opened_at + timedelta(hours=24),
        **_ids(fields, "client", "category", "team", "owner"),
    )


def build_contact(complaint, when: datetime | None = None, outcome="reached", **fields) -> Contact:
    """A call to the client that reached them, five minutes ago unless told."""
    fields.setdefault("channel", "call")
    return Contact(
        complaint_id=complaint.id,
        at=when or utcnow() - timedelta(minutes=5),
        outcome=outcome,
        **_ids(fields, "user"),
    )


def build_playbook(category: str, **fields) -> Playbook:
    """A playbook for a new category named ``category``: three steps, follow-up in 8 hours."""
    fields.setdefault("title", f"{category} script")
    fields.setdefault("steps", ["Apologise", "Check the courier", "Offer a discount"])
    fields.setdefault("follow_up_hours", 8)
    return Playbook(category=Category(name=category), **fields)


# --- core: teams, people, clients, API tokens ------------------------------------------------


def _numbered(app, model, **defaults: str):
    """A factory of saved ``model`` rows whose unique fields default to ``defaults`` with a fresh
    number in place of ``{n}`` (``slug="team-{n}"``), so two rows of one test never clash."""

    def make(**fields):
        n = next(_n)
        for name, template in defaults.items():
            fields.setdefault(name, template.format(n=n))
        return save(app, model(**fields))

    return make


@pytest.fixture
def make_team(app):
    return _numbered(app, Team, slug="team-{n}", name="Team {n}")


@pytest.fixture
def make_user(app):
    """``make_user("manager", team_id=team.id)``: a person who can log in with PASSWORD."""

    def make(role: str = "agent", password: str = PASSWORD, **fields) -> User:
        return save(app, build_user(role, password, **fields))

    return make


@pytest.fixture
def owner(make_user):
    """The manager who owns, calls and compensates when a test does not say who."""
    return make_user("manager", name="Marta Owner")


@pytest.fixture
def make_client(app):
    """One of our clients (the person who rates and complains)."""
    return _numbered(app, Client, external_id="client-{n}", name="Client {n}")


@pytest.fixture
def api_headers(app) -> dict:
    """The Authorization header of a fresh API token."""
    return token_headers(app)


# --- complaints ------------------------------------------------------------------------------


def _milestones_kept(app, row, client_id: int | None = None):
    """What the services do after each write (``complaints.milestones``), for rows made here."""
    with using(app):
        if client_id is None:
            milestones.refresh_complaint(getattr(row, "complaint_id", None) or row.id)
        else:
            milestones.refresh_clients([client_id])
        db.session.commit()
        if row in db.session:  # loaded again, so it stays readable (as ``save`` leaves it)
            db.session.refresh(row)
    return row


@pytest.fixture
def make_complaint(app, make_client):
    """``make_complaint(opened_at, due_at, client=..., owner=..., team=..., category=...)``.

    Every argument is optional: a new client, opened two hours ago, due a day after opening.
    """

    def make(opened_at: datetime | None = None, due_at=None, **fields) -> Complaint:
        if fields.get("client") is None and fields.get("client_id") is None:
            fields["client"] = make_client()
        return _milestones_kept(app, save(app, build_complaint(opened_at, due_at, **fields)))

    return make


@pytest.fixture
def make_rating(app, make_client):
    def make(received_at: datetime, score: int, **fields) -> Rating:
        if fields.get("client") is None and fields.get("client_id") is None:
            fields["client"] = make_client()
        fields.setdefault("occurred_at", received_at)
        rating = save(app, Rating(score=score, received_at=received_at, **_ids(fields, "client")))
        return _milestones_kept(app, rating, client_id=rating.client_id)

    return make


@pytest.fixture
def make_contact(app, request):
    """A call to the client: ``make_contact(complaint, when, outcome, user=...)``, by ``owner``
    unless told."""

    def make(complaint, when: datetime | None = None, outcome="reached", **fields) -> Contact:
        if fields.get("user") is None and fields.get("user_id") is None:
            fields["user"] = request.getfixturevalue("owner")
        return _milestones_kept(app, save(app, build_contact(complaint, when, outcome, **fields)))

    return make


@pytest.fixture
def make_compensation(app, request):
    """Compensation for a complaint, approved and requested by ``owner`` unless told."""

    def make(complaint, amount: str, requested_at: datetime, **fields) -> Compensation:
        if fields.get("requested_by") is None and fields.get("requested_by_id") is None:
            fields["requested_by"] = request.getfixturevalue("owner")
        fields.setdefault("kind", "discount")
        fields.setdefault("status", "approved")
        return save(
            app,
            Compensation(
                complaint_id=complaint.id,
                amount=Decimal(amount),
                requested_at=requested_at,
                **_ids(fields, "requested_by"),
            ),
        )

    return make


@pytest.fixture
def make_category(app):
    def make(name: str | None = None, playbook: bool | None = None) -> Category:
        """``playbook``: None none, True an active one, False an inactive one."""
        category = save(app, Category(name=name or f"Cause {next(_n)}"))
        if playbook is not None:
            save(app, Playbook(category_id=category.id, title=f"Playbook {name}", active=playbook))
        return category

    return make


@pytest.fixture
def make_playbook(app):
    """A playbook titled "<name> script", for a new category named after it."""

    def make(name="Late delivery", **fields) -> Playbook:
        fields.setdefault("title", f"{name} script")
        return save(app, build_playbook(f"{name} {next(_n)}", **fields))

    return make


# --- stand-ups -------------------------------------------------------------------------------


@pytest.fixture
def set_rotation(app):
    def make(team: Team, users: list[User]) -> None:
        for position, user in enumerate(users):
            save(app, RotationEntry(team_id=team.id, user_id=user.id, position=position))

    return make


@pytest.fixture
def make_away(app):
    def make(user: User, on) -> AwayDay:
        return save(app, AwayDay(user_id=user.id, on=on))

    return make


@pytest.fixture
def make_holiday(app):
    def make(team: Team, on, name="Holiday") -> Holiday:
        return save(app, Holiday(team_id=team.id, on=on, name=name))

    return make


# --- wishes ----------------------------------------------------------------------------------


@pytest.fixture
def ask(app, make_client):
    """Record that a client (a new one unless given) asked for a wish; returns the wish id."""

    def record(title="Export reports to Excel", client=None, agent=None, wish_id=None, **kw):
        client = client or make_client()
        with using(app):
            client = db.session.get(Client, client.id)
            agent = db.session.get(User, agent.id) if agent is not None else None
            recorded = wishes.record_wish(
                client,
                title=None if wish_id else title,
                wish_id=wish_id,
                problem=kw.pop("problem", f"Problem of {client.name}"),
                agent=agent,
                **kw,
            )
            return recorded.wish.id

    return record


@pytest.fixture
def wish_with_clients(ask):
    """A wish asked for by ``n`` distinct clients (heard by ``agent``); returns the wish id."""

    def make(n=3, title="Export reports to Excel", agent=None):
        wish_id = ask(title, agent=agent)
        for _ in range(n - 1):
            ask(wish_id=wish_id, agent=agent)
        return wish_id

    return make


@pytest.fixture
def decide_wish(app, make_user, make_team):
    """Decide a wish at a review (a new manager and team unless given); returns ``Decided``."""

    def decide(wish_id, outcome="wont_do", reason="Not for now", *, manager=None, team=None, **kw):
        team = team or make_team()
        manager = manager or make_user("manager", team_id=team.id)  # a review is its team's
        kw.setdefault("review_on", REVIEW_DAY)
        with using(app):
            return wishes.decide(wish_id, manager, team=team, outcome=outcome, reason=reason, **kw)

    return decide
