"""The survey link, without logging in (writing to the head of support is in ``test_public_pages.py``)."""

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
    assert client.get(survey_url).text.count("<h1>You have already answered</h1>") == 1
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
