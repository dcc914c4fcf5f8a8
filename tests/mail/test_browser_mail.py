"""The issue's walk in the real browser: a service posted through the API, the survey mail in the
local SMTP server, its "2" opens the page, the client confirms, a complaint opens, the manager
resolves it after a call, and the follow-up mail arrives."""

from datetime import timedelta

import pytest

from complaints.intake.mailing import send_due_surveys
from core.api.tokens import create_token
from core.database import utcnow
from core.extensions import db
from core.mail.delivery import dispatch
from tests.mail.conftest import SENDER
from tests.support.browser import log_in, log_reached_call, take_rated_complaint
from tests.support.factories import build_user
from tests.support.slack import FakeClock

CLIENT_EMAIL = "lucia.walk@example.com"


@pytest.fixture(scope="module")
def mail_walk(live_app, live_server, smtp_server):
    live_app.config.update(BASE_URL=live_server.url, MAIL_URL=smtp_server.url, MAIL_FROM=SENDER)
    with live_app.app_context():
        db.session.add(build_user("manager", email="mail.manager@example.com", name="Mail Manager"))
        db.session.commit()
        token = create_token("browser-mail")
    return {"headers": {"Authorization": f"Bearer {token}"}}


def run_jobs(app):
    """What the scheduler does: surveys that are due, then the outbox."""
    with app.app_context():
        send_due_surveys(utcnow())
        clock = FakeClock()
        dispatch(clock=clock, sleep=clock.sleep)
        db.session.remove()


def test_service_to_survey_mail_to_complaint_to_follow_up_mail(
    page, live_app, mail_walk, smtp_server
):
    smtp_server.reset()
    api = live_app.test_client()
    response = api.post(
        "/api/v1/services",
        json={
            "client": {"external_id": "walk-mail-1", "name": "Lucia Walk", "email": CLIENT_EMAIL},
            "order_ref": "WM-1",
            "completed_at": (utcnow() - timedelta(hours=2)).isoformat(),
        },
        headers=mail_walk["headers"],
    )
    assert response.status_code == 201
    run_jobs(live_app)
    (survey,) = smtp_server.to(CLIENT_EMAIL)
    two = next(link for link in survey.links() if link.endswith("score=2"))

    page.goto(two)
    page.get_by_text("How did we do, Lucia Walk?").wait_for()
    assert page.locator("input[type=radio][value='2']").is_checked()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you!").wait_for()

    log_in(page, "mail.manager@example.com")
    take_rated_complaint(page, "Lucia Walk", "Mail Manager", 2)
    log_reached_call(page, "Apologised and re-sent the order")
    page.get_by_role("button", name="Resolve").click()
    page.locator(".status", has_text="resolved").wait_for()
    page.locator(".survey-state", has_text="sent").wait_for()

    run_jobs(live_app)
    follow_up = smtp_server.to(CLIENT_EMAIL)[-1]
    assert len(smtp_server.to(CLIENT_EMAIL)) == 2
    assert follow_up.message["Subject"] == "Did we put things right?"
    assert "settled a problem" in follow_up.text
