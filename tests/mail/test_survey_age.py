"""A service completed long ago asks no survey: ``POST /api/v1/services`` records it (once, as
ever) and says no survey is scheduled; a survey whose service grew too old while it waited (the
job stopped for weeks) is not sent late, nor a reminder about a service past that age. The bound
is ``HUDDLE_SURVEY_MAX_AGE_DAYS`` (30 by default)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.intake.mailing import send_due_surveys
from complaints.models import Service
from core.config import ConfigError
from core.database import utcnow
from core.extensions import db
from tests.support.api import post_json
from tests.support.app import make_app
from tests.support.db import count, using
from tests.support.smtp import deliver

CLIENT = {"external_id": "crm-7", "name": "Joana Silva", "email": "joana@example.com"}


def post_service(client, api_headers, completed_at: str, order: str = "S-1"):
    body = {"client": CLIENT, "order_ref": order, "completed_at": completed_at}
    answer = post_json(client, "/api/v1/services", body, api_headers)
    assert answer.status_code == 201, answer.json
    return answer.json


def ago(**delta) -> str:
    return (utcnow() - timedelta(**delta)).isoformat()


def surveys(app, at):
    with using(app):
        return send_due_surveys(at)


def test_a_service_completed_long_ago_is_recorded_with_no_survey(
    app, client, api_headers, smtp, clock
):
    first = post_service(client, api_headers, "2025-01-01T10:00:00Z")
    assert first["created"] is True
    assert (first["survey_due_at"], first["survey_scheduled"]) == (None, False)
    again = post_service(client, api_headers, "2025-01-01T10:00:00Z")  # idempotent as ever
    assert (again["id"], again["created"], again["survey_scheduled"]) == (first["id"], False, False)
    assert count(app, Service) == 1
    now = utcnow()
    assert surveys(app, now) == (0, 0)
    assert surveys(app, now + timedelta(hours=49)) == (0, 0)  # and no reminder
    deliver(app, clock)
    assert smtp.received == []


def test_a_service_within_the_bound_is_asked_as_before(app, client, api_headers, smtp, clock):
    answer = post_service(client, api_headers, ago(days=29))
    assert answer["survey_scheduled"] is True and answer["survey_due_at"] is not None
    assert surveys(app, utcnow()) == (1, 0)
    deliver(app, clock)
    assert len(smtp.to("joana@example.com")) == 1


def test_a_due_survey_whose_service_grew_too_old_waiting_is_not_sent_late(
    app, client, api_headers, smtp, clock
):
    post_service(client, api_headers, ago(days=29, hours=12), order="OLD")
    post_service(client, api_headers, ago(hours=2), order="NEW")
    # The job did not run for a day: the first service is now 30.5 days old, the second a day.
    assert surveys(app, utcnow() + timedelta(days=1)) == (1, 0)
    deliver(app, clock)
    (mail,) = smtp.received
    assert "NEW" in mail.text and "OLD" not in mail.text
    old = post_service(client, api_headers, ago(days=29, hours=12), order="OLD")
    assert (old["created"], old["survey_due_at"], old["survey_scheduled"]) == (False, None, False)
    with using(app):
        assert (
            db.session.scalar(sa.select(Service.survey_sent_at).where(Service.order_ref == "OLD"))
            is None
        )
    assert surveys(app, utcnow() + timedelta(days=2)) == (0, 0)  # not looked at again


def test_no_reminder_about_a_service_past_the_bound(app, client, api_headers, smtp, clock):
    post_service(client, api_headers, ago(days=29))
    now = utcnow()
    assert surveys(app, now) == (1, 0)
    # 48 hours on the service is 31 days old: the survey went, its reminder does not.
    assert surveys(app, now + timedelta(hours=49)) == (0, 0)


def test_the_bound_must_leave_time_for_the_survey():
    with pytest.raises(ConfigError, match="HUDDLE_SURVEY_MAX_AGE_DAYS must be longer"):
        make_app("sqlite://", SURVEY_MAX_AGE_DAYS=1, SURVEY_DELAY_MINUTES=24 * 60)
