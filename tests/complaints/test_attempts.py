"""Issue #17: calls that did not reach the client are counted on the complaint's page and the list."""

from datetime import timedelta

from complaints.briefs import attempts_among, unanswered_attempts
from complaints.pages import contacts_of
from core.database import utcnow
from tests.support.db import using
from tests.support.web import htmx


def log(client, complaint, outcome, at):
    fields = {"channel": "call", "outcome": outcome, "at": at.strftime("%Y-%m-%dT%H:%M")}
    response = htmx(client, f"/complaints/{complaint.id}/contacts", fields)
    assert response.status_code == 200, response.text
    return response.text


def test_each_unanswered_call_adds_an_attempt_until_one_reaches_the_client(
    app, client, login_as, make_complaint
):
    manager = login_as("manager", timezone="UTC")
    complaint = make_complaint(owner_id=manager.id, summary="Parcel lost")
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=5)

    page = log(client, complaint, "no_answer", start)
    assert "1 attempt so far" in page
    page = log(client, complaint, "call_back_later", start + timedelta(hours=1))
    assert "2 attempts so far" in page
    page = log(client, complaint, "no_answer", start + timedelta(hours=2))
    assert "3 attempts so far" in page
    listed = client.get("/complaints/").text
    assert "3 attempts so far" in listed

    page = log(client, complaint, "reached", start + timedelta(hours=3))
    assert "attempts so far" not in page and "attempt so far" not in page
    assert "attempt" not in client.get("/complaints/").text.split("Parcel lost", 1)[1]
    page = log(client, complaint, "no_answer", start + timedelta(hours=4))
    assert "1 attempt so far" in page  # counted again from the last call that reached them


def test_attempts_are_counted_from_the_contacts_since_the_last_that_reached(
    app, make_complaint, make_contact
):
    now = utcnow()
    never = make_complaint()
    tried = make_complaint()
    reached = make_complaint()
    for hours in (3, 2, 1):
        make_contact(never, now - timedelta(hours=hours), "no_answer")
    make_contact(tried, now - timedelta(hours=3), "reached")
    make_contact(tried, now - timedelta(hours=2), "call_back_later")
    make_contact(reached, now - timedelta(hours=2), "no_answer")
    make_contact(reached, now - timedelta(hours=1), "resolved")
    with using(app):
        found = unanswered_attempts([never.id, tried.id, reached.id])
        # The complaint's page counts its loaded contacts by the same rule, without the query.
        counted = {c.id: attempts_among(contacts_of(c.id)) for c in (never, tried, reached)}
    assert found == {never.id: 3, tried.id: 1}
    assert counted == {never.id: 3, tried.id: 1, reached.id: 0}
