"""Insights' bounded queries (each period, channel, category and local day counted over its own
index range) give the figures a plain Python count of the raw rows gives, on SQLite and PostgreSQL:
for every team choice, in zones with daylight saving and half-hour offsets, and after edits."""

import random
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from complaints import milestones
from complaints.models import (
    REACHED_OUTCOMES,
    Compensation,
    Complaint,
    Contact,
    Rating,
)
from core.extensions import db
from dashboard.insights import metrics, periods
from dashboard.insights.periods import CURRENT, PREVIOUS, Period, percentile
from tests.support.db import using
from tests.support.factories import build_complaint, build_contact
from tests.support.insights import at
from tests.support.queries import plan_of, statements_of

NOW = at("2024-04-20 12:00")
# A Berlin period crosses the end of March's daylight-saving jump; Kolkata is UTC+5:30.
PERIODS = [
    Period(date(2024, 3, 1), date(2024, 3, 28), "UTC"),
    Period(date(2024, 3, 10), date(2024, 4, 6), "Europe/Berlin"),
    Period(date(2024, 3, 5), date(2024, 3, 25), "Asia/Kolkata"),
    Period(date(2024, 2, 20), date(2024, 4, 5), "America/Sao_Paulo"),
]
CHANNELS = ("phone", "email", "chat", "web_form", "fax")  # "fax": a channel no longer offered


@pytest.fixture
def rows(app, make_team, make_category, make_client, make_user, owner):
    """Complaints, contacts, ratings and compensation at random instants (seeded), some of them
    exactly on a local midnight of the periods above."""
    rng = random.Random(16)  # noqa: S311  (seeded test data, not a secret)
    teams = [make_team().id, make_team().id, None]
    categories = [make_category("Late").id, make_category("Billing").id, None]
    owners = [owner.id, make_user("manager", name="Olga Other").id, None]
    clients = [make_client().id for _ in range(12)]
    start = at("2024-01-15 00:00")
    # Local midnights: where periods start and end, and between two days inside them.
    edges = [
        at(text)
        for text in (
            "2024-03-01 00:00", "2024-03-15 00:00", "2024-03-29 00:00",  # UTC
            "2024-03-09 23:00", "2024-03-20 23:00", "2024-04-01 22:00",  # Berlin (CET, CEST)
            "2024-03-04 18:30", "2024-03-14 18:30",  # Kolkata
            "2024-03-10 03:00",  # São Paulo
        )
    ]  # fmt: skip

    def instant():
        if rng.random() < 0.2:
            return rng.choice(edges)
        return start + timedelta(seconds=rng.randrange(95 * 86400))

    complaints = []
    for n in range(90):
        opened = instant()
        resolved = opened + timedelta(hours=rng.randrange(1, 200)) if n % 3 else None
        complaints.append(
            build_complaint(
                opened,
                opened + timedelta(hours=rng.choice((4, 24, 72))),
                client_id=rng.choice(clients),
                team_id=rng.choice(teams),
                channel=rng.choice(CHANNELS),
                category_id=rng.choice(categories),
                owner_id=rng.choice(owners),
                status="resolved" if resolved else "contacting",
                resolved_at=resolved,
                client_outcome=rng.choice((None, None, "ordered_again", "left")),
            )
        )
    with using(app):
        db.session.add_all(complaints)
        db.session.flush()
        db.session.add_all(_around(complaints, rng, owner.id, clients, instant))
        db.session.flush()
        milestones.rebuild()
        db.session.commit()
    return {"teams": teams, "rng": rng}


def _around(complaints, rng, owner_id, clients, instant) -> list:
    """Contacts and compensation for the complaints, and ratings from their clients."""
    extra = []
    for complaint in complaints:
        for _ in range(rng.randrange(3)):
            outcome = rng.choice(("reached", "resolved", "no_answer"))
            when = complaint.opened_at + timedelta(minutes=rng.randrange(1, 5000))
            extra.append(build_contact(complaint, when, outcome, user_id=owner_id))
        if rng.random() < 0.4:
            extra.append(
                Compensation(
                    complaint_id=complaint.id,
                    kind="discount",
                    amount=Decimal(rng.randrange(100, 9000)) / 100,
                    status=rng.choice(("approved", "approved", "pending")),
                    requested_by_id=owner_id,
                    requested_at=complaint.opened_at + timedelta(hours=rng.randrange(1, 300)),
                )
            )
    for _ in range(150):
        received = instant()
        score = rng.randrange(1, 6)
        extra.append(
            Rating(client_id=rng.choice(clients), score=score, channel="api",
                   occurred_at=received, received_at=received)
        )  # fmt: skip
    return extra


def _raw(app):
    """Every row Insights reads, as plain Python values (milestones worked out here, from the
    contacts and ratings themselves)."""
    with using(app):
        complaints = db.session.scalars(sa.select(Complaint)).all()
        contacts = db.session.scalars(sa.select(Contact)).all()
        ratings = db.session.scalars(sa.select(Rating)).all()
        compensations = db.session.scalars(sa.select(Compensation)).all()
        names = {c.id: c.category.name for c in complaints if c.category is not None}
        owners = {c.id: c.owner.name for c in complaints if c.owner is not None}
        first = {}
        for contact in contacts:
            if contact.outcome in REACHED_OUTCOMES:
                known = first.get(contact.complaint_id)
                first[contact.complaint_id] = min(known or contact.at, contact.at)
        found = []
        for c in complaints:
            kept_by_rating = c.resolved_at is not None and any(
                r.client_id == c.client_id and r.received_at > c.resolved_at and r.score >= 4
                for r in ratings
            )
            found.append(
                {
                    "id": c.id,
                    "opened_at": c.opened_at,
                    "team_id": c.team_id,
                    "channel": c.channel,
                    "category": names.get(c.id),
                    "owner": owners.get(c.id),
                    "due_at": c.due_at,
                    "first": first.get(c.id),
                    "resolved_at": c.resolved_at,
                    "kept": c.client_outcome in metrics.KEPT_OUTCOMES or kept_by_rating,
                }
            )
        spent = [
            (x.complaint_id, x.amount, x.requested_at)
            for x in compensations
            if x.status == "approved"
        ]
        rated = [(r.received_at, r.score) for r in ratings]
    return found, spent, rated


def _expected(raw, period: Period, team_id, low_max: int) -> dict:
    complaints, spent, rated = raw
    mine = [c for c in complaints if team_id is None or c["team_id"] == team_id]
    bounds = {
        CURRENT: (period.start_at, period.end_at),
        PREVIOUS: (period.previous().start_at, period.start_at),
    }

    def within(when, bucket):
        return when is not None and bounds[bucket][0] <= when < bounds[bucket][1]

    figures = {}
    for bucket in (CURRENT, PREVIOUS):
        opened = [c for c in mine if within(c["opened_at"], bucket)]
        reached = [c for c in opened if c["first"] is not None]
        seconds = sorted(round((c["first"] - c["opened_at"]).total_seconds()) for c in reached)
        resolved = [c for c in mine if within(c["resolved_at"], bucket)]
        by_id = {c["id"]: c for c in mine}
        money_by_category, money_by_owner = {}, {}
        for complaint_id, amount, when in spent:
            if complaint_id in by_id and within(when, bucket):
                c = by_id[complaint_id]
                money_by_category[c["category"]] = money_by_category.get(c["category"], 0) + amount
                money_by_owner[c["owner"]] = money_by_owner.get(c["owner"], 0) + amount
        figures[bucket] = {
            "opened": len(opened),
            "channels": _tally(c["channel"] for c in opened),
            "categories": _tally(c["category"] for c in opened),
            "reached": len(reached),
            "within": sum(1 for c in reached if c["first"] <= c["due_at"]),
            "judged": sum(1 for c in opened if c["first"] is not None or c["due_at"] <= NOW),
            "median": percentile(seconds, 0.5),
            "p90": percentile(seconds, 0.9),
            "resolved": len(resolved),
            "by_contact": sum(1 for c in resolved if c["first"] is not None),
            "kept": sum(1 for c in resolved if c["kept"]),
            "by_category": {k: v for k, v in money_by_category.items() if v},
            "by_owner": {k: v for k, v in money_by_owner.items() if v},
            "ratings": sum(1 for when, _ in rated if within(when, bucket)),
            "low": sum(1 for when, score in rated if within(when, bucket) and score <= low_max),
        }
    zone = ZoneInfo(period.timezone)
    local = [c["opened_at"].astimezone(zone).date() for c in mine]
    low_days = [when.astimezone(zone).date() for when, score in rated if score <= low_max]
    figures["daily"] = [(day, local.count(day), low_days.count(day)) for day in period.day_list()]
    return figures


def _tally(values) -> dict:
    found: dict = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return found


def _shown(insights) -> dict:
    """The same figures as the page computed them."""
    heard, reached, kept, causes = (
        insights.heard,
        insights.reached,
        insights.kept,
        insights.causes,
    )
    figures = {}
    for bucket, side in ((CURRENT, "current"), (PREVIOUS, "previous")):
        figures[bucket] = {
            "opened": getattr(heard.complaints, side),
            "channels": {c.channel: getattr(c, side) for c in heard.by_channel if getattr(c, side)},
            "categories": (
                {c.category: c.count for c in causes.pareto}
                if bucket == CURRENT
                else {c.category: c.previous for c in causes.pareto if c.previous}
            ),
            "reached": getattr(reached.reached, side),
            "within": getattr(reached.within_deadline, side),
            "judged": None,  # compared through the share below
            "median": getattr(reached.median_seconds, side),
            "p90": getattr(reached.p90_seconds, side),
            "resolved": getattr(reached.resolved, side),
            "by_contact": None,
            "kept": getattr(kept.kept, side),
            "by_category": {
                s.label: getattr(s, side) for s in kept.compensation_by_category if getattr(s, side)
            },
            "by_owner": {
                s.label: getattr(s, side) for s in kept.compensation_by_owner if getattr(s, side)
            },
            "ratings": getattr(heard.ratings, side),
            "low": getattr(heard.low_ratings, side),
        }
    figures["daily"] = [(d.day, d.complaints, d.low_ratings) for d in heard.daily]
    return figures


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.timezone)
def test_every_figure_equals_a_count_of_the_raw_rows(app, rows, period):
    low_max = app.config["LOW_RATING_MAX"]
    raw = _raw(app)
    for team_id in rows["teams"]:
        with using(app):
            insights = metrics.compute(period, team_id, NOW)
        shown, expected = _shown(insights), _expected(raw, period, team_id, low_max)
        assert shown["daily"] == expected["daily"]
        for bucket in (CURRENT, PREVIOUS):
            side = "current" if bucket == CURRENT else "previous"
            want = expected[bucket]
            assert want["opened"] > 0 or team_id is not None  # the data reach every period
            assert getattr(insights.reached.within_deadline_share, side) == (
                want["within"] / want["judged"] if want["judged"] else None
            )
            assert getattr(insights.reached.resolved_by_contact_share, side) == (
                want["by_contact"] / want["resolved"] if want["resolved"] else None
            )
            if bucket == PREVIOUS:  # the Pareto lists this period's causes only
                want["categories"] = {
                    k: v for k, v in want["categories"].items() if k in shown[CURRENT]["categories"]
                }
            for name in ("judged", "by_contact"):
                del shown[bucket][name], want[name]
            assert shown[bucket] == want, (period, team_id, bucket)


def test_figures_follow_edits_of_channel_category_team_and_contacts(app, rows, owner):
    period = PERIODS[1]
    low_max = app.config["LOW_RATING_MAX"]
    rng = rows["rng"]
    with using(app):
        complaints = db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()
        for complaint in rng.sample(complaints, 25):
            complaint.channel = rng.choice(CHANNELS)
            complaint.category_id = None
            complaint.team_id = rows["teams"][0]
            complaint.opened_at = complaint.opened_at + timedelta(hours=rng.randrange(-30, 30))
        db.session.commit()
        for complaint in rng.sample(complaints, 10):
            db.session.add(build_contact(complaint, complaint.opened_at, user_id=owner.id))
        db.session.flush()
        milestones.rebuild()
        db.session.commit()
    raw = _raw(app)
    for team_id in rows["teams"]:
        with using(app):
            shown = _shown(metrics.compute(period, team_id, NOW))
        expected = _expected(raw, period, team_id, low_max)
        assert shown["daily"] == expected["daily"]
        assert shown[CURRENT]["channels"] == expected[CURRENT]["channels"]
        assert shown[CURRENT]["categories"] == expected[CURRENT]["categories"]
        assert shown[CURRENT]["median"] == expected[CURRENT]["median"]


def test_counts_past_one_statements_columns_give_the_same_figures(app, rows, monkeypatch):
    period = PERIODS[0]
    with using(app):
        whole = metrics.compute(period, None, NOW)
        monkeypatch.setattr(periods, "COUNTED_COLUMNS", 3)  # 9 channels x 2 periods: 6 statements
        assert metrics.compute(period, None, NOW) == whole


def test_a_teams_insights_are_read_over_the_periods_ranges_not_the_teams_complaints(
    app, client, login_as, rows
):
    """Each figure of one team is read over its period's index range, testing the team there: a
    team's index walked every complaint the team ever had, once per day of the period (9.4 s for
    28 days of a team of 500k complaints, SQLite)."""
    with using(app):
        team_id = db.session.scalar(
            sa.select(Complaint.team_id).where(Complaint.team_id.is_not(None))
        )
    login_as("manager")
    url = f"/insights/?team={team_id}&start=2024-03-01&end=2024-03-28"
    reads = [
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url)
        if "FROM complaints" in statement and "team_id" in statement
    ]
    assert len(reads) > 5
    for statement, parameters in reads:
        plan = plan_of(app, statement, parameters)
        assert "ix_complaints_team_id" not in plan, plan
