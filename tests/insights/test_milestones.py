"""Each complaint's milestones (first reached, rated again), kept by the writes that change them
and filled by migration 0017 for the complaints already there (SQLite and PostgreSQL)."""

from datetime import UTC, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from complaints import services
from complaints.client_history import move_client_history
from complaints.intake import csv_import
from complaints.intake import services as intake
from complaints.intake.csv_bulk import stored_text
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from tests.support.app import make_app
from tests.support.insights import at


def milestones_of(complaint_id: int) -> tuple:
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint_id)
    return complaint.first_reached_at, complaint.rated_again_at


def reach_seconds(complaint_id: int) -> int | None:
    return db.session.get(Complaint, complaint_id).reach_seconds


def test_logging_contacts_keeps_the_first_that_reached_the_client(
    db_session, owner, make_complaint
):
    opened = utcnow() - timedelta(days=5)
    complaint = make_complaint(opened)
    services.log_contact(complaint.id, owner, "call", "no_answer", None, at=opened + timedelta(1))
    assert milestones_of(complaint.id) == (None, None)
    services.log_contact(complaint.id, owner, "call", "reached", None, at=opened + timedelta(2))
    assert milestones_of(complaint.id)[0] == opened + timedelta(2)
    assert reach_seconds(complaint.id) == 2 * 86400
    version = db.session.get(Complaint, complaint.id).version
    services.log_contact(complaint.id, owner, "email", "resolved", None, at=opened + timedelta(3))
    assert milestones_of(complaint.id)[0] == opened + timedelta(2)  # a later one changes nothing
    # Written down afterwards, but it happened earlier: that one was the first.
    services.log_contact(
        complaint.id, owner, "meeting", "reached", None, at=opened + timedelta(0.5)
    )
    assert milestones_of(complaint.id)[0] == opened + timedelta(0.5)
    assert reach_seconds(complaint.id) == 43200
    # Derived data is no edit: a form opened before the contact still saves.
    assert db.session.get(Complaint, complaint.id).version == version


def test_a_good_rating_after_the_resolution_counts_and_a_reopening_forgets_it(
    db_session, owner, make_client, make_complaint
):
    client = make_client()
    opened = utcnow() - timedelta(days=10)
    complaint = make_complaint(opened, client=client, owner_id=owner.id)
    services.log_contact(complaint.id, owner, "call", "reached", None, at=opened)
    intake.record_rating(client, 5, channel="api", now=opened + timedelta(0.5))
    services.change_status(complaint.id, owner, "resolved", None, now=opened + timedelta(1))
    assert milestones_of(complaint.id) == (opened, None)  # rated before the resolution: not yet
    intake.record_rating(client, 3, channel="api", now=opened + timedelta(2))  # below a 4
    assert milestones_of(complaint.id)[1] is None
    intake.record_rating(client, 4, channel="api", now=opened + timedelta(3))
    assert milestones_of(complaint.id)[1] == opened + timedelta(3)
    intake.record_rating(client, 5, channel="api", now=opened + timedelta(4))
    assert milestones_of(complaint.id)[1] == opened + timedelta(3)  # the first one stays

    services.change_status(complaint.id, owner, "reopened", None, now=opened + timedelta(5))
    assert milestones_of(complaint.id) == (opened, None)
    services.change_status(complaint.id, owner, "resolved", None, now=opened + timedelta(6))
    assert milestones_of(complaint.id)[1] is None  # the earlier ratings came before this one
    intake.record_rating(client, 5, channel="api", now=opened + timedelta(7))
    assert milestones_of(complaint.id)[1] == opened + timedelta(7)


def test_imported_and_merged_ratings_count_for_resolved_complaints(
    db_session, make_client, make_complaint, make_rating
):
    opened = utcnow() - timedelta(days=30)
    kept, duplicate = make_client(), make_client()
    complaint = make_complaint(
        opened, client=kept, status="resolved", resolved_at=opened + timedelta(1)
    )
    make_rating(opened + timedelta(2), 5, client=duplicate)
    assert milestones_of(complaint.id)[1] is None  # another client's rating
    move_client_history(duplicate.id, kept.id)
    assert milestones_of(complaint.id)[1] == opened + timedelta(2)

    other = make_client()
    resolved = make_complaint(
        opened, client=other, status="resolved", resolved_at=opened + timedelta(1)
    )
    occurred = (opened + timedelta(1.5)).replace(microsecond=0)
    row = [2, other.external_id, other.name, None, None, 4, None, None, stored_text(occurred), None]
    csv_import.import_rows([row], actor_id=None, now=utcnow())
    assert milestones_of(resolved.id)[1] == occurred


# --- migration 0017 fills them for the complaints already there ----------------------------------

CLIENT = "INSERT INTO clients (id, external_id, name, created_at) VALUES (:id, :ext, 'C', :at)"
COMPLAINT = (
    "INSERT INTO complaints (id, client_id, summary, channel, status, opened_at, due_at, "
    "resolved_at, checklist_done, version) "
    "VALUES (:id, :client, 'Late', 'api', :status, :at, :at, :resolved, '[]', 1)"
)
CONTACT = (
    "INSERT INTO contacts (complaint_id, user_id, channel, outcome, at) "
    "VALUES (:complaint, 1, 'call', :outcome, :at)"
)
RATING = (
    "INSERT INTO ratings (client_id, score, channel, occurred_at, received_at) "
    "VALUES (:client, :score, 'api', :at, :at)"
)
USER = (
    "INSERT INTO users (id, email, name, role, active, created_at) "
    "VALUES (1, 'a@example.com', 'A', 'manager', true, :at)"
)
# How Insights found them per request before 0016 (a grouped outer join, an EXISTS per complaint).
OLD_FIRST_REACHED = (
    "SELECT complaints.id, min(contacts.at) FROM complaints LEFT OUTER JOIN contacts "
    "ON contacts.complaint_id = complaints.id AND contacts.outcome IN ('reached', 'resolved') "
    "GROUP BY complaints.id ORDER BY complaints.id"
)
OLD_RATED_AGAIN = (
    "SELECT id, EXISTS (SELECT 1 FROM ratings WHERE ratings.client_id = complaints.client_id "
    "AND ratings.received_at > complaints.resolved_at AND ratings.score >= 4) "
    "FROM complaints ORDER BY id"
)


def _when(connection, text: str):
    """A time as the backend stores it (UTC text on SQLite)."""
    if connection.dialect.name == "sqlite":
        return at(text).strftime("%Y-%m-%d %H:%M:%S.%f")
    return at(text)


def test_the_migration_fills_them_as_insights_used_to_compute_them(make_database_url):
    app = make_app(make_database_url())
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.begin() as connection:
            t = lambda text: _when(connection, text)  # noqa: E731
            connection.execute(sa.text(USER), {"at": t("2024-01-01")})
            for client_id in (1, 2):
                connection.execute(
                    sa.text(CLIENT),
                    {"id": client_id, "ext": f"c{client_id}", "at": t("2024-01-01")},
                )
            for complaint_id, client_id, resolved in (
                (1, 1, "2024-03-02 10:00"),  # reached twice, rated 5 after: kept
                (2, 1, "2024-03-09 10:00"),  # same client, resolved after that rating
                (3, 2, None),  # never reached, open
                (4, 2, "2024-03-02 10:00"),  # only a 3 after, and a 5 before
            ):
                connection.execute(
                    sa.text(COMPLAINT),
                    {
                        "id": complaint_id,
                        "client": client_id,
                        "status": "resolved" if resolved else "contacting",
                        "at": t("2024-03-01 10:00"),
                        "resolved": resolved and t(resolved),
                    },
                )
            for complaint_id, outcome, when in (
                (1, "no_answer", "2024-03-01 11:00"),
                (1, "reached", "2024-03-01 15:00"),
                (1, "resolved", "2024-03-01 12:00"),
                (2, "reached", "2024-03-03 09:00"),
                (3, "call_back_later", "2024-03-01 11:00"),
                (4, "reached", "2024-03-01 10:30"),
            ):
                connection.execute(
                    sa.text(CONTACT), {"complaint": complaint_id, "outcome": outcome, "at": t(when)}
                )
            for client_id, score, when in (
                (1, 5, "2024-03-05 10:00"),
                (1, 4, "2024-03-04 10:00"),
                (1, 2, "2024-03-03 10:00"),
                (2, 5, "2024-03-01 12:00"),
                (2, 3, "2024-03-06 10:00"),
            ):
                connection.execute(
                    sa.text(RATING), {"client": client_id, "score": score, "at": t(when)}
                )
            old_first = connection.execute(sa.text(OLD_FIRST_REACHED)).all()
            old_kept = connection.execute(sa.text(OLD_RATED_AGAIN)).all()

        upgrade(revision="0017")
        with app.test_request_context():
            stored = db.session.execute(
                sa.select(
                    Complaint.id, Complaint.first_reached_at, Complaint.rated_again_at
                ).order_by(Complaint.id)
            ).all()
            seconds = db.session.scalars(
                sa.select(Complaint.reach_seconds).order_by(Complaint.id)
            ).all()
            db.session.remove()
        assert [(row.id, row.first_reached_at) for row in stored] == [
            (1, at("2024-03-01 12:00")),
            (2, at("2024-03-03 09:00")),
            (3, None),
            (4, at("2024-03-01 10:30")),
        ]
        assert [(row.id, row.rated_again_at) for row in stored] == [
            (1, at("2024-03-04 10:00")),
            (2, None),
            (3, None),
            (4, None),
        ]
        assert seconds == [7200, 47 * 3600, None, 1800]
        # The same answers as the per-request computation they replace.
        assert [(i, first) for i, first, _ in stored] == [(i, _normal(v)) for i, v in old_first]
        assert [(i, kept is not None) for i, _, kept in stored] == [
            (i, bool(kept)) for i, kept in old_kept
        ]

        downgrade(revision="0016")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("complaints")}
        assert not {"first_reached_at", "rated_again_at", "reach_seconds"} & columns
        db.engine.dispose()


def _normal(value):
    """A time read raw (SQLite text or a PostgreSQL datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return at(value[:19])
    return value.astimezone(UTC)
