"""The Insights page: who may see it, the picker, htmx fragments, CSV downloads, query counts."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from complaints.models import Compensation, Rating
from dashboard.insights.report import CHART_NAMES
from tests.support.db import save_all, using
from tests.support.factories import build_complaint, build_contact
from tests.support.insights import at
from tests.support.queries import count_statements

MARCH = {"start": "2024-03-01", "end": "2024-03-28"}


@pytest.fixture
def march(make_category, make_complaint, make_contact, make_rating, make_compensation, owner):
    late = make_category("Late delivery", playbook=True)
    formula = make_category('=HYPERLINK("http://evil.example")')
    first = make_complaint(at("2024-03-02 10:00"), category=late, owner=owner)
    make_contact(first, at("2024-03-02 12:00"))
    make_complaint(at("2024-03-03 10:00"), category=formula, channel="email")
    make_rating(at("2024-03-04 10:00"), 1)
    make_compensation(first, "40.00", at("2024-03-05 10:00"))


def test_agents_may_not_open_insights(client, login_as):
    login_as("agent")
    assert client.get("/insights/").status_code == 403
    assert client.get("/insights/causes.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, make_user):
    make_user("agent")  # someone exists: otherwise the first-run set-up page comes first
    response = client.get("/insights/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_nav_link_only_for_managers(client, login_as, make_user):
    agent = login_as("agent")
    assert "/insights/" not in client.get("/").text
    client.log_in(make_user("manager"))
    assert agent and 'href="/insights/"' in client.get("/").text


def test_manager_sees_every_section_with_charts_and_their_data(client, login_as, march):
    login_as("manager")
    response = client.get("/insights/", query_string=MARCH)
    assert response.status_code == 200
    page = response.text
    for heading in ("Heard", "Reached", "Kept", "Causes"):
        assert f">{heading}</h2>" in page
    assert page.count('role="img"') == len(CHART_NAMES)
    assert page.count('<details class="chart-data"') == len(CHART_NAMES) and "Show data" in page
    for name in CHART_NAMES:
        assert f"/insights/{name}.csv?start=2024-03-01&amp;end=2024-03-28&amp;team=0" in page
    assert "1 playbook covers 50% of complaints." in page
    assert "<title" in page and "Complaints heard, by channel" in page
    assert 'style="' not in page and "<script>" not in page  # the CSP allows neither
    assert 'href="/static/insights.css' in page
    # The formula-looking category is escaped in the page, never markup.
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in page


def test_each_viewer_reads_the_cards_in_their_own_language(client, login_as, march):
    """The cards' and charts' words came in whichever language first opened Insights since the
    process started: the macros were imported without context, and Jinja kept them so."""
    login_as("manager", locale="ru")
    assert "предыдущий период" in client.get("/insights/").text
    login_as("manager", locale="en")
    english = client.get("/insights/").text
    assert "previous period" in english and "предыдущий период" not in english


def test_default_period_is_the_last_28_days_in_the_viewers_timezone(client, login_as, app):
    login_as("manager", timezone="America/Sao_Paulo")
    response = client.get("/insights/")
    assert response.status_code == 200
    start, end = (
        re.search(rf'name="{name}"[^>]*value="([0-9-]+)"', response.text).group(1)
        for name in ("start", "end")
    )
    assert (date.fromisoformat(end) - date.fromisoformat(start)).days == 27


def test_picker_with_htmx_returns_the_fragment_only(client, login_as, make_team, march):
    login_as("manager")
    team = make_team(name="North Desk")
    response = client.get(
        "/insights/", query_string={**MARCH, "team": team.id}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="insights"' in response.text
    assert "North Desk" in response.text and "HX-Request" in response.headers["Vary"]
    assert "Ratings belong to no team" in response.text
    # A history restore needs the whole page.
    restore = client.get(
        "/insights/",
        query_string=MARCH,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start": "2024-03-28", "end": "2024-03-01"}, "The last day comes before the first."),
        ({"start": "2020-01-01", "end": "2024-03-01"}, "Choose at most 731 days."),
        ({"start": "1999-12-31", "end": "2000-01-02"}, "Choose a day from 2000-01-01"),
        ({"start": "2024-03-01", "end": "9999-12-31"}, "Choose a day from 2000-01-01"),
        ({"start": "not-a-date", "end": "2024-03-01"}, "Not a valid date value."),
        ({"start": "2024-03-01", "end": "2024-03-28", "team": "9999"}, "Not a valid choice"),
        ({"start": "2024-03-01", "end": "2024-03-28", "team": "abc"}, "Invalid Choice"),
    ],
)
def test_bad_picker_input_explains_next_to_the_field_and_keeps_it(client, login_as, args, message):
    login_as("manager")
    response = client.get("/insights/", query_string=args, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert 'class="field-error"' in response.text and message in response.text
    if args["start"] == "not-a-date":
        assert 'value="not-a-date"' in response.text
    assert 'role="img"' not in response.text
    csv_response = client.get("/insights/causes.csv", query_string=args)
    assert csv_response.status_code == 400 and csv_response.mimetype == "text/plain"


def test_csv_download_has_the_table_and_neutralises_formulas(client, login_as, march):
    login_as("manager")
    response = client.get("/insights/causes.csv", query_string=MARCH)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="huddle-causes-2024-03-01-2024-03-28.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Category",
        "Complaints",
        "Share",
        "Cumulative share",
        "Playbook",
        "Previous period",
    ]
    assert rows[1:] == [
        ['\'=HYPERLINK("http://evil.example")', "1", "0.5000", "0.5000", "no", "0"],
        ["Late delivery", "1", "0.5000", "1.0000", "yes", "0"],
    ]
    money = client.get("/insights/compensation-by-owner.csv", query_string=MARCH).text
    assert "Marta Owner,40.00,0.00" in money
    daily = list(
        csv.reader(io.StringIO(client.get("/insights/daily.csv", query_string=MARCH).text))
    )
    assert len(daily) == 29 and daily[2] == ["2024-03-02", "1", "0"]


def test_every_chart_has_a_csv_and_unknown_charts_are_404(client, login_as):
    login_as("manager")
    for name in CHART_NAMES:
        assert client.get(f"/insights/{name}.csv", query_string=MARCH).status_code == 200
    assert client.get("/insights/secrets.csv").status_code == 404


def _seed(app, make_client, make_category, owner, how_many: int, team_id) -> None:
    """``how_many`` complaints, each with a contact, a rating and a compensation."""
    with using(app):
        categories = [make_category() for _ in range(3)]
        clients = [make_client() for _ in range(3)]
        rows = []
        for n in range(how_many):
            opened = at("2024-03-01 08:00") + timedelta(minutes=97 * n)
            rows.append(
                build_complaint(
                    opened, client=clients[n % 3], category=categories[n % 3], owner=owner,
                    channel=("phone", "email", "chat")[n % 3], status="resolved",
                    resolved_at=opened + timedelta(hours=3), team_id=team_id,
                )
            )  # fmt: skip
        save_all(app, rows)
        extra = []
        for n, item in enumerate(rows):
            extra += [
                build_contact(item, item.opened_at + timedelta(minutes=n), user=owner),
                Rating(
                    client_id=item.client_id, score=1 + n % 5, occurred_at=item.opened_at,
                    received_at=item.opened_at + timedelta(hours=4),
                ),
                Compensation(
                    complaint_id=item.id, kind="refund", amount=Decimal("5.00"),
                    requested_by_id=owner.id, requested_at=item.opened_at,
                ),
            ]  # fmt: skip
        save_all(app, extra)


@pytest.mark.parametrize("team", [0, "own"])
def test_page_runs_a_fixed_number_of_queries(
    app, client, login_as, make_client, make_category, make_team, owner, team
):
    manager = login_as("manager", team_id=make_team().id)
    query = {**MARCH, "team": manager.team_id if team == "own" else 0}
    _seed(app, make_client, make_category, owner, 3, manager.team_id)
    with count_statements(app) as few:
        assert client.get("/insights/", query_string=query).status_code == 200
    _seed(app, make_client, make_category, owner, 300, manager.team_id)
    with count_statements(app) as many:
        response = client.get("/insights/", query_string=query)
    assert response.status_code == 200 and "303" in response.text  # 3 + 300 complaints heard
    # 13 for the complaint figures, 8 for Rituals (23 before, when the test transaction's
    # SAVEPOINT and ROLLBACK TO around the request were counted too).
    assert len(few) == len(many) <= 21, many.statements
