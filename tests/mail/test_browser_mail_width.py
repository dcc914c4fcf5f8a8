"""A client mail fits a phone, whatever the client's name or order reference: a word with no
break in it (a name made of one 150-character run, an order reference of 120) is broken inside
the mail's own cells, rendered in the real Chromium at 375 px as a phone's mail program would."""

from datetime import timedelta

import sqlalchemy as sa

from complaints.intake.mailing import send_due_surveys
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from tests.support.api import post_json
from tests.support.db import using

PHONE = {"width": 375, "height": 740}
NAME = "Ana" + "x" * 147  # 150 characters, no break
ORDER = "S-" + "9" * 118  # 120 characters, no break


def survey_html(app, client, api_headers) -> str:
    """The survey mail's HTML as queued (``POST /services``, then the survey job)."""
    body = {
        "client": {"external_id": "crm-1", "name": NAME, "email": "ana@example.com"},
        "order_ref": ORDER,
        "completed_at": (utcnow() - timedelta(hours=2)).isoformat(),
    }
    assert post_json(client, "/api/v1/services", body, api_headers).status_code == 201
    with using(app):
        assert send_due_surveys(utcnow()) == (1, 0)
        return db.session.scalar(sa.select(MailMessage.html_body))


def test_a_survey_with_an_unbroken_name_and_order_is_no_wider_than_a_phone(
    app, client, api_headers, chromium
):
    html = survey_html(app, client, api_headers)
    assert NAME in html and ORDER in html
    context = chromium.new_context(viewport=PHONE, java_script_enabled=True)
    try:
        page = context.new_page()
        page.set_content(html)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        # Broken where it must be, yet all there: the name and the order are read whole.
        text = page.evaluate("document.body.innerText")
        assert NAME in text and ORDER in text
    finally:
        context.close()
