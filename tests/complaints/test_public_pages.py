"""Pages our clients use without logging in: the survey link and "write to the head of support"."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.intake.survey import _serializer, issue_link
from complaints.models import Complaint, Rating, SurveyLink
from core.database import utcnow
from core.extensions import db
from core.throttle import ThrottleHit
from tests.support.db import all_rows, count, using


@pytest.fixture
def survey_link(app, make_client):
    """Issue a survey link to a new client, Pedro; returns (the link's id, its path)."""

    def issue(locale=None, **options):
        person = make_client(name="Pedro", locale=locale)
        with using(app):
            link, token = issue_link(person.id, **options)
            db.session.commit()
            return link.id, f"/s/{token}"

    return issue


@pytest.fixture
def survey_url(survey_link):
    return survey_link(order_ref="ORD-7")[1]


def test_survey_asks_for_a_score_without_login_on_a_phone_friendly_page(client, survey_url):
    page = client.get(survey_url)
    assert page.status_code == 200
    assert "How did we do, Pedro?" in page.text and "ORD-7" in page.text
    assert len(re.findall(r'type="radio"', page.text)) == 5
    assert 'name="viewport"' in page.text and "Log out" not in page.text


def test_low_score_opens_one_complaint_and_thanks(app, client, survey_url):
    response = client.post(survey_url, data={"score": "1", "comment": "Nobody came"})
    assert response.status_code == 200 and "Thank you!" in response.text
    (rating,) = all_rows(app, Rating)
    (complaint,) = all_rows(app, Complaint)
    assert (rating.channel, rating.order_ref, rating.comment) == ("survey", "ORD-7", "Nobody came")
    assert rating.complaint_id == complaint.id and complaint.channel == "survey"
    (link,) = all_rows(app, SurveyLink)
    assert link.used_at is not None and link.rating_id == rating.id


def test_high_score_opens_no_complaint(app, client, survey_url):
    assert "Thank you!" in client.post(survey_url, data={"score": "5"}).text
    assert count(app, Complaint) == 0 and count(app, Rating) == 1


def test_link_cannot_be_reused(app, client, survey_url):
    client.post(survey_url, data={"score": "2"})
    again = client.post(survey_url, data={"score": "1", "comment": "again"})
    assert again.status_code == 200 and "already answered" in again.text
    assert "<title>You have already answered · " in again.text  # as its heading, not "Thank you"
    # what the second answer said is not recorded: it comes back in the write-to-us form
    assert 'action="/write-to-us"' in again.text and ">\r\nagain</textarea>" in again.text
    assert "already answered" in client.get(survey_url).text
    assert count(app, Rating) == 1 and count(app, Complaint) == 1


def test_forged_tampered_or_unknown_links_are_404_and_record_nothing(app, client, survey_url):
    token = survey_url.removeprefix("/s/")
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    with app.test_request_context():
        unknown = _serializer().dumps("a-nonce-we-never-issued")
    for bad in ("forged-token", tampered, unknown, "x" * 500):
        page = client.get(f"/s/{bad}")
        assert page.status_code == 404 and "not valid" in page.text
        assert client.post(f"/s/{bad}", data={"score": "1"}).status_code == 404
    assert count(app, Rating) == 0


def test_expired_link_is_410_with_a_way_to_write_to_us(app, client, survey_link):
    link_id, url = survey_link(valid_days=1)
    with using(app):
        db.session.get(SurveyLink, link_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page = client.get(url)
    assert page.status_code == 410 and "expired" in page.text and "/write-to-us" in page.text
    assert "<title>This link has expired · " in page.text  # not "Link not valid" over it
    assert client.post(url, data={"score": "1"}).status_code == 410
    assert count(app, Rating) == 0


def test_an_expired_link_speaks_the_clients_language(app, client, survey_link):
    """Only a valid link set the client's language: an expired one answered in the browser's."""
    link_id, url = survey_link(locale="ru", valid_days=1)
    with using(app):
        db.session.get(SurveyLink, link_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page = client.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 410 and '<html lang="ru">' in page.text
    assert "This link has expired" not in page.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "Keep this text"}, "Choose a score from 1 to 5"),
        ({"score": "9", "comment": "Keep this text"}, "Not a valid choice"),
        ({"score": "3", "comment": "Keep this text" + "x" * 5000}, "Use at most 5,000 characters."),
    ],
)
def test_bad_answers_are_explained_the_comment_kept_and_nothing_recorded(
    app, client, survey_url, data, message
):
    response = client.post(survey_url, data=data)
    assert response.status_code == 400
    assert message in response.text and "Keep this text" in response.text
    assert count(app, Rating) == 0 and count(app, SurveyLink, SurveyLink.used_at.is_(None)) == 1


def test_a_survey_answered_after_the_session_has_gone_is_recorded(app, client, survey_url):
    """The link is the proof: a phone that closed the browser, or cookies blocked, sends no CSRF
    token, and the answer used to end on a 400 page with the comment lost, however often sent."""
    response = client.post(survey_url, data={"score": "2", "comment": "Late again"}, csrf=False)
    assert response.status_code == 200 and "Thank you" in response.text
    [rating] = all_rows(app, Rating)
    assert (rating.score, rating.comment) == (2, "Late again")


def test_switching_language_keeps_the_score_the_mail_chose(app, client, survey_url):
    page = client.get(f"{survey_url}?score=2&lang=en").text
    switch = re.search(r'<a href="([^"]+)" lang="es"', page)[1]
    assert switch == "?score=2&amp;lang=es"  # lang replaced, not repeated
    spanish = client.get(f"{survey_url}?score=2&lang=es").text
    assert '<html lang="es">' in spanish
    assert re.search(r'<input[^>]*checked[^>]*value="2"|<input[^>]*value="2"[^>]*checked', spanish)


def test_a_follow_up_survey_asks_what_its_mail_asked(app, client, survey_link):
    """The mail asks "Did we put things right?"; the page it opens asked "How did we do?"."""
    _link_id, url = survey_link(purpose="follow_up")
    page = client.get(url).text
    assert "Did we put things right, Pedro?" in page and "How did we do, Pedro?" not in page
    _link_id, url = survey_link()
    assert "How did we do, Pedro?" in client.get(url).text


def assert_leads_nowhere_inside(page) -> None:
    """A client's page, an error one included, offers no way into Huddle and never names it."""
    html = page.text
    assert "Back to Today" not in html and 'href="/today' not in html and "/auth/" not in html
    assert "Huddle could not be reached" not in html and "<strong>Huddle</strong>" not in html
    # What huddle.js says when the connection drops: neutral, and in the client's language.
    assert "The page could not be reached. Nothing was sent" in html


def test_bad_expired_or_refused_survey_pages_lead_nowhere_inside(app, client, survey_link):
    link_id, url = survey_link(valid_days=1)
    assert_leads_nowhere_inside(client.get("/s/forged-token"))  # 404, not valid
    refused = client.post(url, data={"score": "1", "comment": "\x00"})  # 400 through the error page
    assert refused.status_code == 400
    assert_leads_nowhere_inside(refused)
    with using(app):
        db.session.get(SurveyLink, link_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert_leads_nowhere_inside(client.get(url))  # 410, expired
    assert_leads_nowhere_inside(client.get("/write-to-us"))
    portuguese = client.get("/s/forged-token?lang=pt_BR").text
    assert "Huddle" not in portuguese.replace("huddle.", "").replace("huddle-", "")


def test_unsubscribe_and_cut_short_links_lead_nowhere_inside(app, client):
    """The unsubscribe page and its errors showed "Huddle", whose brand led to the staff login; so
    did a mail's link cut short ("/s/", "/s/abc/def"), with "Back to Today" besides."""
    for path in ("/unsubscribe/not-a-token", "/unsubscribe/%00", "/s/", "/s/abc/def", "/nowhere"):
        page = client.get(path)
        assert page.status_code in (400, 404), path
        assert_leads_nowhere_inside(page)


def test_staff_error_pages_still_lead_back_to_today(app, client, login_as, make_user):
    login_as(make_user("agent"))
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Back to Today" in page.text
    assert "Huddle could not be reached" in page.text


def _resolved_with_follow_up_link(app, person) -> tuple[int, str]:
    """A resolved complaint of ``person`` and the follow-up survey link it sends them."""
    with using(app):
        complaint = Complaint(
            client_id=person.id,
            summary="Late",
            channel="api",
            status="resolved",
            opened_at=utcnow(),
            due_at=utcnow(),
        )
        db.session.add(complaint)
        db.session.flush()
        _link_row, token = issue_link(person.id, purpose="follow_up", complaint_id=complaint.id)
        db.session.commit()
        return complaint.id, token


def test_follow_up_link_records_the_new_rating_for_the_complaints_client(app, client, make_client):
    person = make_client(name="Rosa")
    complaint_id, token = _resolved_with_follow_up_link(app, person)
    assert "Thank you!" in client.post(f"/s/{token}", data={"score": "4"}).text
    (rating,) = all_rows(app, Rating)
    assert rating.client_id == person.id
    with using(app):
        assert db.session.get(Complaint, complaint_id).client_outcome == "rated_again"


WRITE = {
    "name": "Irina",
    "contact": "irina@example.com",
    "message": "Courier was rude.\nPlease call.",
}


def test_write_to_us_opens_a_complaint_owned_by_the_head_of_support(app, client, make_user):
    head = make_user("admin", name="Head Of Support")
    page = client.get("/write-to-us")
    assert page.status_code == 200 and 'class="honeypot"' in page.text
    response = client.post("/write-to-us", data=WRITE)
    assert response.status_code == 200 and "Thank you for writing" in response.text
    (complaint,) = all_rows(app, Complaint)
    assert (complaint.owner_id, complaint.channel, complaint.summary) == (
        head.id,
        "web_form",
        "Courier was rude.",
    )
    assert complaint.details == WRITE["message"] and complaint.client.email == "irina@example.com"


def test_a_limit_is_written_as_the_reader_writes_numbers(client, survey_url):
    """WTForms wrote a length limit as a bare number: "5000 caracteres", "5000 символов"."""
    too_long = {"score": "3", "comment": "x" * 5001}
    spanish = client.post(f"{survey_url}?lang=es", data=too_long).text
    assert "Usa como máximo 5.000 caracteres." in spanish
    russian = client.post(f"{survey_url}?lang=ru", data=too_long).text
    assert "Максимум 5\xa0000 символов." in russian


def test_write_to_us_says_why_it_asks_for_a_contact(client):
    """The contact field's description was never shown: the form macro ignored it."""
    page = client.get("/write-to-us").text
    hint = re.search(r'<small id="contact-hint">([^<]+)</small>', page)
    assert hint and hint[1] == "So that the head of support can answer you personally."
    assert 'aria-describedby="contact-hint"' in page


def test_write_to_us_with_a_phone_number(app, client):
    client.post("/write-to-us", data={**WRITE, "contact": "+7 (999) 123-45-67"})
    (complaint,) = all_rows(app, Complaint)
    assert complaint.client.phone == "+7 (999) 123-45-67" and complaint.client.email is None
    assert complaint.owner_id is None  # no admin yet: it waits, unowned, in the open list


def test_honeypot_filled_by_a_bot_gets_a_thank_you_and_creates_nothing(app, client):
    response = client.post("/write-to-us", data={**WRITE, "website": "http://spam.example"})
    assert response.status_code == 200 and "Thank you for writing" in response.text
    assert count(app, Complaint) == 0 and count(app, Rating) == 0
    assert count(app, ThrottleHit) == 1  # bots count against the limit too


def test_write_to_us_is_rate_limited_per_address(app, client):
    app.config["WRITE_TO_US_PER_HOUR"] = 2
    for _ in range(2):
        assert client.post("/write-to-us", data=WRITE).status_code == 200
    limited = client.post("/write-to-us", data=WRITE)
    assert limited.status_code == 429 and "wait a little" in limited.text
    assert 'value="Irina"' in limited.text
    assert count(app, Complaint) == 2
    other = client.post("/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200 and count(app, Complaint) == 3


def test_write_to_us_counts_an_ipv6_sender_by_its_64_network(app, client):
    """A host gets a whole /64 and may send from any address in it: counted per address, a
    flood (a complaint and a mail to the head of support each) never reached the limit."""
    app.config["WRITE_TO_US_PER_HOUR"] = 2
    answers = [
        client.post(
            "/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"}
        )
        for n in range(1, 5)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 429, 429]
    assert count(app, Complaint) == 2
    mapped = client.post(
        "/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": "::ffff:10.9.9.9"}
    )
    assert mapped.status_code == 200
    same = client.post("/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert same.status_code == 200
    limited = client.post("/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert limited.status_code == 429  # the mapped address and the IPv4 one are one sender
    other = client.post("/write-to-us", data=WRITE, environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"})
    assert other.status_code == 200 and count(app, Complaint) == 5


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"name": "Typed Name", "contact": "", "message": ""}, 2),
        ({"name": "Typed Name", "contact": "not a contact", "message": "Hello"}, 1),
        ({"name": "Typed Name", "contact": "a@b", "message": "Hello"}, 1),
        ({"name": "Typed Name", "contact": "a@example.com", "message": "x" * 10001}, 1),
        ({"name": "", "contact": "a@example.com", "message": "Hello"}, 1),
    ],
)
def test_write_to_us_bad_input_is_explained_and_kept(app, client, data, fields):
    response = client.post("/write-to-us", data=data)
    assert response.status_code == 400
    assert len(re.findall('class="field-error"', response.text)) == fields
    if data["name"]:
        assert 'value="Typed Name"' in response.text
    assert count(app, Complaint) == 0 and count(app, ThrottleHit) == 0


def test_write_to_us_without_csrf_is_refused(app, client):
    assert client.post("/write-to-us", data=WRITE, csrf=False).status_code == 400
    assert count(app, Complaint) == 0


def test_public_pages_never_show_contact_details_to_others(app, client, survey_url):
    with using(app):
        for person in db.session.scalars(sa.select(SurveyLink)):
            person.client.email = "secret@example.com"
        db.session.commit()
    assert "secret@example.com" not in client.get(survey_url).text


def test_staff_cannot_answer_a_clients_survey_for_them(app, client, login_as, make_client):
    """#12: a logged-in person sees no answer form and a POST records nothing."""
    person = make_client(name="Rosa")
    complaint_id, token = _resolved_with_follow_up_link(app, person)
    login_as("manager")
    page = client.get(f"/s/{token}")
    assert page.status_code == 403 and 'name="score"' not in page.text
    assert "only the client answers" in page.text
    assert client.post(f"/s/{token}", data={"score": "5"}).status_code == 403
    assert count(app, Rating) == 0
    with using(app):
        assert db.session.get(Complaint, complaint_id).client_outcome is None
