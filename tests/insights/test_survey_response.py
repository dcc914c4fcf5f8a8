"""Insights: the survey response rate (surveys e-mailed → answered) per period."""

from datetime import date, timedelta

from complaints.models import SurveyLink
from dashboard.insights import metrics
from dashboard.insights.periods import Period
from tests.support.db import save_all, using
from tests.support.insights import at

MARCH = Period(date(2024, 3, 1), date(2024, 3, 28), "UTC")


def link(client, n: int, sent: str | None, answered: str | None = None) -> SurveyLink:
    issued = at(sent) if sent else at("2024-03-01 00:00")
    return SurveyLink(
        nonce=f"survey-rate-{n}",
        client_id=client.id,
        issued_at=issued,
        expires_at=issued + timedelta(days=14),
        sent_at=at(sent) if sent else None,
        used_at=at(answered) if answered else None,
    )


def test_response_rate_counts_mailed_surveys_and_their_answers_by_period(
    app, make_client, client, login_as
):
    who = make_client()
    save_all(
        app,
        [
            link(who, 1, "2024-03-02 10:00", "2024-03-02 12:00"),
            link(who, 2, "2024-03-05 10:00", "2024-03-20 09:00"),
            link(who, 3, "2024-03-06 10:00"),
            link(who, 4, "2024-03-27 10:00"),
            link(who, 5, "2024-02-10 10:00", "2024-02-11 10:00"),  # the previous period
            link(who, 6, "2024-02-12 10:00"),
            link(who, 7, None, "2024-03-03 10:00"),  # never e-mailed (a printed link): not counted
        ],
    )
    with using(app):
        heard = metrics.heard(MARCH, None)
    assert (heard.surveys_sent.current, heard.surveys_sent.previous) == (4, 2)
    assert (heard.survey_response.current, heard.survey_response.previous) == (0.5, 0.5)
    login_as("manager")
    page = client.get("/insights/?start=2024-03-01&end=2024-03-28").text
    assert "Survey response rate" in page and "of 4 surveys e-mailed" in page


def test_one_survey_e_mailed_reads_in_the_singular_and_russian_in_its_own_form(
    app, make_client, client, login_as
):
    save_all(app, [link(make_client(), 1, "2024-03-02 10:00")])
    login_as("manager")
    page = client.get("/insights/?start=2024-03-01&end=2024-03-28").text
    assert "of 1 survey e-mailed in the period" in page
    login_as("manager", locale="ru")
    page = client.get("/insights/?start=2024-03-01&end=2024-03-28").text
    assert "по e-mail отправлен 1 опрос;" in page
