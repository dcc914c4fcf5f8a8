"""Pages our clients use without logging in: the survey link and "write to the head of support"."""

import re

import pytest

from complaints.intake.survey import issue_link
from complaints.models import Complaint, Rating, SurveyLink
from core.extensions import db
from tests.support.db import count, using


@pytest.fixture
def survey_url(app, make_client):
    client_row = make_client(name="Pedro")
    with using(app):
        _, token = issue_link(client_row.id, order_ref="ORD-7")
        db.session.commit()
    return f"/s/{token}"


def test_survey_link_asks_for_a_score_without_login(client, survey_url):
    page = client.get(survey_url)
    assert page.status_code == 200 and "How did we do, Pedro?" in page.text and "ORD-7" in page.text


def test_low_score_through_the_link_opens_one_complaint_and_thanks(app, client, survey_url):
    response = client.post(survey_url, data={"score": "1", "comment": "Nobody came"})
    assert response.status_code == 200 and "Thank you!" in response.text
    assert count(app, Complaint) == 1 and count(app, Rating) == 1
    with using(app):
        assert db.session.scalar(db.select(Rating.channel)) == "survey"


def test_second_use_of_the_link_says_already_answered_and_records_nothing(app, client, survey_url):
    client.post(survey_url, data={"score": "2"})
    again = client.post(survey_url, data={"score": "1"})
    assert "already answered" in again.text
    assert client.get(survey_url).text.count("already answered") == 1
    assert count(app, Rating) == 1 and count(app, Complaint) == 1


def test_forged_link_is_refused(app, client, survey_url):
    assert client.get(survey_url[:-3] + "abc").status_code == 404
    assert client.post("/s/forged-token", data={"score": "1"}).status_code == 404
    assert count(app, Rating) == 0


def test_high_score_opens_no_complaint(app, client, survey_url):
    client.post(survey_url, data={"score": "5"})
    assert count(app, Complaint) == 0 and count(app, Rating) == 1


def test_missing_score_is_explained_and_the_comment_kept(app, client, survey_url):
    response = client.post(survey_url, data={"comment": "Keep this text"})
    assert response.status_code == 400
    assert "Choose a score from 1 to 5" in response.text and "Keep this text" in response.text
    assert count(app, SurveyLink, SurveyLink.used_at.is_(None)) == 1


def test_write_to_us_opens_a_complaint_owned_by_the_head_of_support(app, client, make_user):
    head = make_user("admin", name="Head Of Support")
    response = client.post(
        "/write-to-us",
        data={
            "name": "Irina",
            "contact": "irina@example.com",
            "message": "Courier was rude.\nPlease call.",
        },
    )
    assert response.status_code == 200 and "Thank you for writing" in response.text
    with using(app):
        complaint = db.session.scalar(db.select(Complaint))
        assert (complaint.owner_id, complaint.channel, complaint.summary) == (
            head.id,
            "web_form",
            "Courier was rude.",
        )


def test_honeypot_filled_by_a_bot_creates_nothing(app, client):
    response = client.post(
        "/write-to-us",
        data={
            "name": "Bot",
            "contact": "bot@example.com",
            "message": "Buy now",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 200
    assert count(app, Complaint) == 0


def test_write_to_us_is_rate_limited_per_address(app, client):
    app.config["WRITE_TO_US_PER_HOUR"] = 2
    data = {"name": "A", "contact": "a@example.com", "message": "Hello"}
    for _ in range(2):
        assert client.post("/write-to-us", data=data).status_code == 200
    limited = client.post("/write-to-us", data=data)
    assert limited.status_code == 429 and "wait a little" in limited.text
    assert count(app, Complaint) == 2


def test_write_to_us_bad_input_keeps_what_was_typed(app, client):
    response = client.post(
        "/write-to-us", data={"name": "Typed Name", "contact": "", "message": ""}
    )
    assert response.status_code == 400
    assert 'value="Typed Name"' in response.text
    assert len(re.findall("field-error", response.text)) == 2
    assert count(app, Complaint) == 0
