"""Wish pages: intake with suggestions, the list, a wish, the review (SQLite and PostgreSQL)."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from core.extensions import db
from core.models import Client
from tests.support.db import count, using
from tests.support.web import as_read
from tests.support.wishes import wish
from wishes import briefs, calendar
from wishes.briefs import PROBLEMS_SHOWN
from wishes.models import Callback, Wish, WishDecision, WishRequest, WishReview

FORM = {
    "external_id": "crm-100",
    "name": "Joana Silva",
    "title": "Export reports to Excel",
    "problem": "Her accountant re-types every report into a spreadsheet",
}


def errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', html)


def test_an_agent_records_a_wish_and_hears_when_it_is_reviewed(app, client, login_as, make_team):
    team = make_team(timezone="Europe/Moscow")
    login_as("agent", team_id=team.id)
    with using(app):
        review_on = calendar.next_review_on(team)
    day = f"{review_on:%A}, {review_on:%B} {review_on.day}"  # "Tuesday, December 1"
    form = client.get("/wishes/new")
    assert form.status_code == 200 and f"decided at the review on {day}" in form.text
    response = client.post("/wishes/new", data=FORM, follow_redirects=True)
    assert response.status_code == 200
    assert f"Next review: {day}." in response.text
    assert "Saved: 1 distinct client asked for this wish." in response.text
    assert count(app, Wish, Wish.team_id == team.id) == 1


def test_missing_problem_is_refused_next_to_the_field_and_input_kept(app, client, login_as):
    login_as("agent")
    response = client.post("/wishes/new", data={**FORM, "problem": "  "})
    assert response.status_code == 400
    assert errors(response.text) == [
        "Ask what they are trying to achieve: often we already solve it."
    ]
    assert 'value="Export reports to Excel"' in response.text and 'value="crm-100"' in response.text
    assert count(app, Wish) == 0 and count(app, Client) == 0


def test_a_wish_needs_a_title_or_a_chosen_wish(app, client, login_as):
    login_as("agent")
    response = client.post("/wishes/new", data={**FORM, "title": ""})
    assert response.status_code == 400
    assert "Say what the client wishes for" in " ".join(errors(response.text))
    gone = client.post("/wishes/new", data={**FORM, "title": "", "wish_id": "999999"})
    assert gone.status_code == 422 and "does not exist" in gone.text
    assert count(app, Wish) == 0 and count(app, WishRequest) == 0


def test_similar_wishes_are_suggested_while_typing_and_can_be_chosen(app, client, login_as, ask):
    existing = ask("Export reports to Excel spreadsheet")
    ask("Dark mode")
    login_as("agent")
    fragment = client.get(
        "/wishes/similar",
        query_string={"title": "exporting the report"},
        headers={"HX-Request": "true"},
    ).text
    assert "Export reports to Excel spreadsheet" in fragment and "Dark mode" not in fragment
    assert f'value="{existing}"' in fragment and "<html" not in fragment
    response = client.post("/wishes/new", data={**FORM, "title": "", "wish_id": str(existing)})
    assert response.status_code == 302
    with using(app):
        assert briefs.distinct_clients(existing) == 2
    assert count(app, Wish) == 2


def test_the_intake_form_for_one_of_our_clients_is_filled_in(client, login_as, make_client):
    joana = make_client(external_id="crm-55", name="Joana Client")
    login_as("agent")
    page = client.get(f"/wishes/new/for-client?client_id={joana.id}")
    assert page.status_code == 200
    assert 'value="crm-55"' in page.text and 'value="Joana Client"' in page.text
    fragment = client.get(
        f"/wishes/new/for-client?client_id={joana.id}", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text and 'value="crm-55"' in fragment.text
    assert client.get("/wishes/new/for-client?client_id=999999").status_code == 404
    assert client.get("/wishes/new/for-client").status_code == 404


def test_the_list_searches_in_every_language_and_keeps_declined_wishes(
    client, login_as, ask, decide_wish
):
    declined = ask("Pagamento com cheque")
    ask("Выгрузка отчётов в Excel")
    ask("Dark mode")
    decide_wish(declined, reason="Os bancos estão acabando com o cheque")
    login_as("agent")
    listing = client.get("/wishes/", query_string={"q": "cheques"}).text
    assert "Pagamento com cheque" in listing and "Os bancos estão acabando com o cheque" in listing
    assert "Dark mode" not in listing
    assert "Выгрузка отчётов в Excel" in client.get("/wishes/?q=выгрузку").text
    fragment = client.get("/wishes/?show=declined", headers={"HX-Request": "true"}).text
    assert "Pagamento com cheque" in fragment and "Dark mode" not in fragment
    assert "<html" not in fragment
    assert client.get("/wishes/?show=nonsense&page=-3").status_code == 200


def test_the_wish_page_shows_clients_problems_and_history(app, client, login_as, ask, make_client):
    wish_id = ask("Dark mode", client=make_client(name="Ana Night"), problem="Works at night")
    login_as("agent")
    page = as_read(client.get(f"/wishes/{wish_id}").text)
    assert "Ana Night" in page and "Works at night" in page
    assert "recorded the wish" in page and "Ana Night asked for it" in page
    assert client.get("/wishes/999999").status_code == 404


def test_adding_a_wish_to_the_review_and_answering_already_possible(app, client, login_as, ask):
    wish_id = ask("Export to CSV")
    login_as("agent")
    response = client.post(f"/wishes/{wish_id}/review", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "The team added it to the review" in response.text
    assert wish(app, wish_id).added_to_review_at is not None
    empty = client.post(f"/wishes/{wish_id}/already-possible", data={"how": ""})
    assert empty.status_code == 400 and "Explain how the client can already do it." in empty.text
    response = client.post(
        f"/wishes/{wish_id}/already-possible",
        data={"how": "Reports → Download → CSV"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Already possible" in response.text
    assert count(app, Callback) == 1
    again = client.post(f"/wishes/{wish_id}/already-possible", data={"how": "Again"})
    assert again.status_code == 422 and count(app, WishDecision) == 1


def test_agents_view_the_review_and_managers_decide(
    app, client, login_as, wish_with_clients, make_team
):
    team = make_team(slug="rv-team")
    wish_id = wish_with_clients(3, "Export reports to Excel")
    agent = login_as("agent", team_id=team.id)
    page = client.get("/wishes/review").text
    assert "Export reports to Excel" in page and "Record the decision" not in page
    with using(app):
        on = calendar.next_review_on(team).isoformat()
    url = f"/wishes/review/rv-team/{on}/wishes/{wish_id}"
    decision = {f"wish-{wish_id}-outcome": "will_do", f"wish-{wish_id}-reason": "Planned for Q1"}
    assert client.post(url, data=decision).status_code == 403
    assert agent.id
    login_as("manager", team_id=team.id)
    page = client.get("/wishes/review").text
    assert "Record the decision" in page
    bad = client.post(
        url,
        data={f"wish-{wish_id}-outcome": "will_do_if_paid", f"wish-{wish_id}-reason": "Costly"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 400 and "write the price or the paid period" in bad.text
    assert 'id="review-wish-' in bad.text and "<html" not in bad.text
    assert count(app, WishDecision) == 0
    ok = client.post(url, data=decision, headers={"HX-Request": "true"})
    assert ok.status_code == 200 and "Will do" in ok.text and "3 clients to call back" in ok.text
    assert count(app, Callback) == 3
    closed = client.post(f"/wishes/review/rv-team/{on}/close", headers={"HX-Request": "true"})
    assert closed.status_code == 200 and "Closed" in closed.text
    assert client.post(f"/wishes/review/rv-team/{on}/close").status_code == 422
    assert client.post(f"/wishes/review/nowhere/{on}/close").status_code == 404
    assert client.post("/wishes/review/rv-team/not-a-date/close").status_code == 404
    reviews = count(app, WishReview)
    for day in ("1900-01-01", "2999-12-31", (date.fromisoformat(on) + timedelta(days=14))):
        assert client.post(f"/wishes/review/rv-team/{day}/close").status_code == 404
        other_wish = f"/wishes/review/rv-team/{day}/wishes/{wish_id}"
        assert client.post(other_wish, data=decision).status_code == 404
    assert count(app, WishReview) == reviews  # no review of any day of the calendar was opened


def test_state_changes_need_the_csrf_token(app, client, login_as, ask):
    wish_id = ask("Dark mode")
    login_as("admin")
    assert client.post(f"/wishes/{wish_id}/review", csrf=False).status_code == 400
    assert client.post("/wishes/new", data=FORM, csrf=False).status_code == 400
    assert wish(app, wish_id).added_to_review_at is None and count(app, Wish) == 1


def test_pages_need_a_login(client):
    for url in ("/wishes/", "/wishes/new", "/wishes/review", "/wishes/calls"):
        assert client.get(url).status_code == 302


def test_no_page_labels_our_clients_as_a_problem(app, client, login_as, wish_with_clients):
    wish_id = wish_with_clients(3)
    login_as("admin")
    for url in ("/wishes/", f"/wishes/{wish_id}", "/wishes/review", "/wishes/calls", "/wishes/new"):
        text = client.get(url).text.lower()
        assert "problem client" not in text and "difficult client" not in text


def test_a_caller_without_their_id_is_found_by_e_mail_or_phone_or_made_one(
    app, client, login_as, make_client
):
    """A caller rarely knows the id our systems gave them: the wish form asked for it anyway, so an
    agent could not record the wish. As on a complaint, an empty id finds the client by e-mail or
    phone, else a Huddle id is made up (one client, one history)."""
    login_as("agent")
    known = make_client(external_id="crm-555", name="Rita Melo", email="rita@example.com")
    by_mail = {**FORM, "external_id": "", "name": "Rita", "email": "RITA@example.com"}
    assert client.post("/wishes/new", data=by_mail).status_code == 302
    stranger = {**FORM, "external_id": " ", "name": "Caio", "phone": "+55 11 5555 0101"}
    assert client.post("/wishes/new", data=stranger).status_code == 302
    with using(app):
        asking = sa.select(Client.name, Client.external_id).join(
            WishRequest, WishRequest.client_id == Client.id
        )
        asked = dict(db.session.execute(asking).all())
    assert asked["Rita Melo"] == known.external_id  # her known details kept, not "Rita"
    assert asked["Caio"].startswith("huddle-")
    assert count(app, Client) == 2
    without_the_field = {k: v for k, v in by_mail.items() if k != "external_id"}
    assert client.post("/wishes/new", data=without_the_field).status_code == 302  # was a 500
    assert count(app, Client) == 2


def test_a_real_request_is_named_apart_from_its_count(app, client, login_as, wish_with_clients):
    """The list read "3 request" ("3 petición", "6 запрос"): a badge next to the count."""
    wish_with_clients(3, "Export reports to Excel")
    login_as("agent", locale="ru")
    page = client.get("/wishes/").text
    assert "3 · <mark>реальный запрос</mark>" in page


def test_the_review_says_where_the_problems_it_leaves_out_are(
    app, client, login_as, wish_with_clients, make_team
):
    """A wish of six clients showed three problems behind it, and nothing said there were more."""
    team = make_team(slug="pb-team")
    wish_id = wish_with_clients(PROBLEMS_SHOWN + 1, "Export reports to Excel")
    login_as("manager", team_id=team.id)
    page = client.get("/wishes/review").text
    assert "Every client's problem, on the wish's page" in page
    assert f'href="/wishes/{wish_id}"' in page
