"""The intake services every channel goes through (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.intake import services as intake
from complaints.intake import survey
from complaints.models import Complaint, Rating
from core import clients
from core.audit import AuditEvent, history
from core.database import utcnow
from core.models import Client
from core.signals import rating_received


@pytest.fixture
def signals():
    """Collect what the intake announces, to prove the signal is sent once, inside the change."""
    seen = []

    def on_rating(sender, rating, complaint):
        seen.append(("rating", rating.id, complaint.id if complaint else None))

    rating_received.connect(on_rating)
    yield seen
    rating_received.disconnect(on_rating)


def test_upsert_client_creates_then_updates_without_erasing(db_session):
    first = clients.upsert_client("crm-1", "Ana", "ana@example.com", "+55 11 1234 5678")
    again = clients.upsert_client("crm-1", "Ana Souza")
    assert again.id == first.id
    assert (again.name, again.email, again.phone) == (
        "Ana Souza",
        "ana@example.com",
        "+55 11 1234 5678",
    )
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1


def test_find_or_create_client_matches_by_email_then_phone(db_session):
    known = clients.upsert_client("crm-7", "Olga", "olga@example.com", "+7 999 123 45 67")
    assert clients.find_or_create_client(None, "Olga P.", "OLGA@example.com", None).id == known.id
    assert clients.find_or_create_client(None, "Olga", None, "+7 999 123 45 67").id == known.id
    stranger = clients.find_or_create_client(None, "Someone", "new@example.com", None)
    assert stranger.id != known.id and stranger.external_id.startswith("huddle-")


def test_low_rating_opens_a_complaint_with_deadline_audit_and_signals(app, db_session, signals):
    now = utcnow()
    client = clients.upsert_client("crm-2", "Bruno")
    rating = intake.record_rating(client, 1, comment="Cold pizza\nand late", channel="api", now=now)
    complaint = db_session.get(Complaint, rating.complaint_id)
    assert complaint.summary == "Rated 1/5: Cold pizza"
    assert complaint.details == "Cold pizza\nand late"
    assert complaint.due_at == now + timedelta(hours=app.config["FOLLOW_UP_HOURS"])
    assert complaint.status == "new" and complaint.channel == "api"
    assert [event.action for event in history("complaint", complaint.id)] == ["opened"]
    assert signals == [("rating", rating.id, complaint.id)]


def test_high_rating_opens_nothing_and_still_announces_the_rating(db_session, signals):
    client = clients.upsert_client("crm-3", "Carla")
    rating = intake.record_rating(client, 3, channel="api")
    assert rating.complaint_id is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0
    assert signals == [("rating", rating.id, None)]


def test_threshold_follows_config(app, db_session):
    app.config["LOW_RATING_MAX"] = 3
    client = clients.upsert_client("crm-4", "Dina")
    assert intake.record_rating(client, 3, channel="api").complaint_id is not None


def test_second_low_rating_joins_the_open_complaint(db_session, signals):
    client = clients.upsert_client("crm-5", "Edu")
    first = intake.record_rating(client, 2, channel="api")
    second = intake.record_rating(client, 1, channel="survey")
    assert first.complaint_id == second.complaint_id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
    actions = [event.action for event in history("complaint", first.complaint_id)]
    assert actions == ["opened", "rating_added"]
    joined = first.complaint_id
    assert signals == [("rating", first.id, joined), ("rating", second.id, joined)]


def test_low_rating_after_the_complaint_was_resolved_opens_a_new_one(db_session):
    client = clients.upsert_client("crm-6", "Fabi")
    first = intake.record_rating(client, 1, channel="api")
    db_session.get(Complaint, first.complaint_id).status = "resolved"
    second = intake.record_rating(client, 1, channel="api")
    assert second.complaint_id != first.complaint_id


def test_head_of_support_is_configured_or_the_first_active_admin(app, db_session, make_user):
    make_user("admin", email="retired@example.com", active=False)
    first = make_user("admin", email="first.admin@example.com")
    make_user("admin", email="second.admin@example.com")
    chosen = make_user("manager", email="Head@Example.com")
    assert intake.head_of_support().id == first.id
    app.config["HEAD_OF_SUPPORT_EMAIL"] = "head@example.com"
    assert intake.head_of_support().id == chosen.id


def test_answer_survey_claims_the_link_once(app, db_session):
    client = clients.upsert_client("crm-8", "Gil")
    link, _token = survey.issue_link(client.id, order_ref="A-9")
    db_session.commit()
    rating = intake.answer_survey(link, 2, "Rude courier")
    assert (rating.channel, rating.order_ref, rating.complaint_id is not None) == (
        "survey",
        "A-9",
        True,
    )
    assert link.used_at is not None and link.rating_id == rating.id
    with pytest.raises(survey.SurveyLinkError) as error:
        intake.answer_survey(link, 1, None)
    assert error.value.reason == "used"
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1


def test_follow_up_answer_rates_again_against_the_complaints_client(app, db_session):
    client = clients.upsert_client("crm-9", "Hugo")
    complaint = db_session.get(
        Complaint, intake.record_rating(client, 1, channel="api").complaint_id
    )
    complaint.status = "resolved"
    link, _token = survey.issue_link(client.id, purpose="follow_up", complaint_id=complaint.id)
    db_session.commit()
    rating = intake.answer_survey(link, 5, "All good now")
    assert rating.client_id == client.id and rating.complaint_id is None
    assert complaint.client_outcome == "rated_again"
    assert history("complaint", complaint.id)[-1].action == "client_outcome"


def test_unhappy_follow_up_answer_opens_a_new_complaint_and_leaves_the_outcome(db_session):
    client = clients.upsert_client("crm-10", "Inês")
    first = intake.record_rating(client, 1, channel="api")
    complaint = db_session.get(Complaint, first.complaint_id)
    complaint.status = "resolved"
    link, _token = survey.issue_link(client.id, purpose="follow_up", complaint_id=complaint.id)
    db_session.commit()
    rating = intake.answer_survey(link, 1, "Still broken")
    assert rating.complaint_id not in (None, complaint.id)
    assert complaint.client_outcome is None


def test_web_message_is_owned_by_the_head_of_support_and_counted(app, db_session, make_user):
    head = make_user("admin", team_id=None)
    result = intake.receive_web_message(
        "Irina", " irina@example.com ", "Courier was rude.\nPlease call me.", address="10.0.0.1"
    )
    complaint = result.complaint
    assert (complaint.owner_id, complaint.channel, complaint.summary) == (
        head.id,
        "web_form",
        "Courier was rude.",
    )
    assert complaint.client.email == "irina@example.com" and complaint.client.phone is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


def test_staff_complaint_is_held_by_the_agents_team(db_session, make_user, make_team):
    team = make_team()
    agent = make_user("agent", team_id=team.id)
    complaint = intake.record_staff_complaint(
        external_id=None,
        name="Jorge",
        email=None,
        phone="+34 600 111 222",
        channel="phone",
        summary="Waited 40 minutes on the line",
        details=None,
        actor=agent,
    )
    assert (complaint.team_id, complaint.channel, complaint.owner_id) == (team.id, "phone", None)
    assert history("complaint", complaint.id)[0].actor_id == agent.id


def test_summary_is_shortened_to_fit(db_session):
    client = clients.upsert_client("crm-11", "Kátia")
    complaint = intake.open_complaint(client, "x" * 400, channel="api")
    assert len(complaint.summary) == 300 and complaint.summary.endswith("…")


def test_make_client_helper_commits(make_client):
    assert make_client().id
