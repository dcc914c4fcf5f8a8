"""A NUL pasted into a complaint's note, in the real browser: the htmx answer is swapped in place
with the message under Notes, the note kept (without the NUL) and the focus on it; nothing logged."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.models import Contact
from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.browser import follow, log_in
from tests.support.factories import build_complaint, build_user

SAID = "This held characters that cannot be saved (such as NUL)"


@pytest.fixture(scope="module")
def complaint(live_app):
    with live_app.app_context():
        agent = build_user("agent", email="nul.agent@example.com", name="Nul Agent")
        client = Client(external_id="nul-1", name="Olga Pasted")
        db.session.add_all([agent, client])
        db.session.flush()
        opened = build_complaint(
            utcnow() - timedelta(hours=1), client=client, summary="Parcel lost", channel="email"
        )
        db.session.add(opened)
        db.session.commit()
    return {"email": "nul.agent@example.com"}


def test_a_pasted_nul_in_a_note_is_said_in_place_and_the_note_kept(page, complaint, live_app):
    log_in(page, complaint["email"])
    page.goto("/complaints/?q=Parcel")
    follow(page, page.get_by_role("link", name="Parcel lost"))
    page.evaluate("window.__noReload = true")
    page.get_by_label("Call", exact=True).check()
    page.get_by_label("Reached them").check()
    notes = page.get_by_label("Notes")
    notes.fill("Called at 9\u0000, she was out")  # as pasted: Chromium keeps the NUL
    page.get_by_role("button", name="Log contact").click()
    page.locator("#notes-error", has_text=SAID).wait_for()
    assert page.evaluate("window.__noReload") is True  # swapped by htmx, not a 400 page
    assert notes.input_value() == "Called at 9, she was out"
    assert page.evaluate("document.activeElement.id") == "notes"
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
