"""The admin outbox page: previews as Slack would show them, dead messages with Retry (admins only:
checked with the mail outbox in ``tests/mail/test_outbox_page.py``)."""

import pytest

from complaints.briefs import RatingBrief
from core.database import utcnow
from core.extensions import db
from core.outbox import error_note
from dashboard.slack import outbox
from dashboard.slack.messages import low_rating_alert
from dashboard.slack.models import OutboxMessage
from tests.support.db import using
from tests.support.outbox import (
    add_messages,
    assert_page_queries_fixed,
    assert_page_reads_bounded,
)

ALERT_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Complaints digest"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Bold* <https://huddle.example/complaints/1|Parcel late> &lt;script&gt;",
        },
    },
    {"type": "section", "fields": [{"type": "mrkdwn", "text": "*New*\n3"}]},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "I'll call them"},
                "action_id": "take_ownership",
                "value": "1:1",
            }
        ],
    },
]


def add(app, n: int = 1, status: str = "pending", **fields) -> list[int]:
    return add_messages(
        app,
        lambda i, status: outbox.enqueue(
            "#managers", "test", f"k-{status}-{i}", "fallback", ALERT_BLOCKS
        ),
        n,
        status,
        **fields,
    )


@pytest.fixture
def app_config():
    return {"SLACK_BOT_TOKEN": None, "BASE_URL": "https://huddle.example"}


def test_the_preview_renders_blocks_roughly_as_slack_does(app, client, login_as):
    add(app)
    login_as("admin")
    page = client.get("/admin/slack/outbox").get_data(as_text=True)
    assert "Slack is not connected" in page
    assert "<h4>Complaints digest</h4>" in page
    assert '<a href="https://huddle.example/complaints/1" rel="noopener">Parcel late</a>' in page
    assert "<strong>Bold</strong>" in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "I&#39;ll call them</button>" in page or "I'll call them</button>" in page
    assert 'href="/admin/slack/outbox"' in page  # the nav link


def test_a_dead_message_can_be_retried_by_htmx(app, client, login_as):
    (dead,) = add(app, status="dead", attempts=30, last_error="500 internal_error")
    login_as("admin")
    page = client.get("/admin/slack/outbox?status=dead").get_data(as_text=True)
    assert "500 internal_error" in page and "Retry" in page
    response = client.post(f"/admin/slack/outbox/{dead}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="outbox-' in response.get_data(as_text=True)
    with app.app_context():
        message = db.session.get(OutboxMessage, dead)
        assert message.status == "pending" and message.attempts == 0


def test_a_stored_error_code_is_explained_in_the_readers_language(app, client, login_as):
    """``last_error`` holds Slack's code; the page adds what it means and when the next try is."""
    add(app, status="pending", last_error="429 ratelimited")
    login_as("admin")
    page = client.get("/admin/slack/outbox").get_data(as_text=True)
    with app.test_request_context():
        note = error_note("429 ratelimited")
    assert note and note in page.replace("&#39;", "'") and "429 ratelimited" in page
    assert "next " in page
    assert error_note("500 internal_error") is None  # an unknown code is shown as it came


def test_retrying_a_sent_message_is_refused(app, client, login_as):
    (sent,) = add(app, status="sent")
    login_as("admin")
    response = client.post(f"/admin/slack/outbox/{sent}/retry", headers={"HX-Request": "true"})
    assert response.status_code == 409 and "Only a failed or dead" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(OutboxMessage, sent).status == "sent"


def test_retry_needs_csrf(app, client, login_as):
    (dead,) = add(app, status="dead")
    login_as("admin")
    assert client.post(f"/admin/slack/outbox/{dead}/retry", csrf=False).status_code == 400


def test_the_page_loads_in_a_fixed_number_of_queries(app, client, login_as):
    login_as("admin")
    assert_page_queries_fixed(app, client, add, "/admin/slack/outbox")


def test_the_page_reads_what_it_shows_however_many_were_sent(app, client, login_as):
    login_as("admin")
    assert_page_reads_bounded(app, client, add, OutboxMessage, "/admin/slack/outbox")


def test_the_preview_keeps_a_client_name_that_looks_like_a_link_as_text(app, client, login_as):
    """#12: Slack shows ``&lt;https://…|…&gt;`` as text; the preview must not make it a live link."""
    with using(app), app.test_request_context():
        alert = low_rating_alert(
            RatingBrief(9, 1, "fine", "<https://evil.example|Open in Huddle>", 42, utcnow())
        )
        outbox.enqueue("#managers", "test", "k-evil", alert.text, alert.blocks)
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/slack/outbox").get_data(as_text=True)
    assert 'href="https://evil.example"' not in page
    assert "&lt;https://evil.example|Open in Huddle&gt;" in page


def test_the_preview_shows_people_s_markers_as_typed_as_slack_does(app, client, login_as):
    """Slack shows an escaped ``*Maria*`` as typed; the preview made it bold again from the date
    token's fallback, and italicised ``_Silva_``."""
    with using(app), app.test_request_context():
        alert = low_rating_alert(RatingBrief(9, 1, "not _ever_", "*Maria* _Silva_", 42, utcnow()))
        outbox.enqueue("#managers", "test", "k-marked", alert.text, alert.blocks)
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/slack/outbox").get_data(as_text=True)
    assert "<strong>★☆☆☆☆ 1/5 from &#42;Maria&#42; &#95;Silva&#95;</strong>" in page
    assert "<blockquote>not &#95;ever&#95;</blockquote>" in page
    assert "<em>" not in page and "<strong>Maria</strong>" not in page


def test_each_message_says_its_kind_in_the_admins_words(app, client, login_as):
    with using(app):
        outbox.enqueue("#managers", "complaints-digest", "digest-1", "fallback", ALERT_BLOCKS)
        db.session.commit()
    login_as("admin", locale="es")
    page = client.get("/admin/slack/outbox").get_data(as_text=True)
    assert "#managers</strong> · Resumen de quejas" in page
    assert "complaints-digest" not in page.split('class="outbox-message')[1]
