"""The client directory (search, pages, fixed queries) and merging duplicates (SQLite, PostgreSQL)."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from complaints.models import Complaint, Rating, SurveyLink
from core.audit import AuditEvent
from core.database import utcnow
from core.extensions import db
from core.mail.models import MailMessage
from core.mail.subscriptions import unsubscribe_token
from core.models import Client, ClientAlias
from dashboard.clients import pages as client_pages
from tests.support.api import post_json
from tests.support.db import all_rows, count, reloaded, save_all, using
from tests.support.queries import statements_for
from wishes.models import Callback, WishRequest


@pytest.fixture
def app_config(tmp_path):
    return {"IMPORT_INLINE": True, "IMPORT_DIR": str(tmp_path / "imports")}


def test_directory_searches_name_email_phone_and_id(client, login_as, make_client):
    login_as("agent")
    make_client(name="Mariana Lopes", email="mari@example.com", phone="+55 11 5555-0001")
    make_client(name="Rafael Lima", external_id="crm-rafa", email="rafa@example.com")
    make_client(name="Marta_Ruiz", phone="+34 600 000 000")
    make_client(name="Ирина Петрова", email="irina@example.com")

    def names(q):
        page = client.get("/clients/", query_string={"q": q})
        assert page.status_code == 200
        known = ("Mariana Lopes", "Rafael Lima", "Marta_Ruiz", "Ирина Петрова")
        return [n for n in known if n in page.text]

    assert names("mar") == ["Mariana Lopes", "Marta_Ruiz"]
    assert names("MARI") == ["Mariana Lopes"]
    assert names("rafa@") == ["Rafael Lima"]
    assert names("+34") == ["Marta_Ruiz"]
    assert names("crm-rafa") == ["Rafael Lima"]
    assert names("marta_") == ["Marta_Ruiz"]
    assert names("mart%") == []  # typed wildcards are text, not patterns
    assert names("nobody") == []
    assert names("ири") == names("ИРИНА") == ["Ирина Петрова"]  # not only ASCII folds
    assert names("\U0010ffff") == []  # no character sorts after the last one
    assert "No client matches." in client.get("/clients/?q=nobody").text
    fragment = client.get("/clients/?q=rafa", headers={"HX-Request": "true"})
    assert "Rafael Lima" in fragment.text and "<html" not in fragment.text


def test_directory_pages_and_counts_queries_however_many_clients(app, client, login_as):
    login_as("agent")

    def seed(start, n):
        save_all(
            app,
            (
                Client(external_id=f"bulk-{i}", name=f"Bulk {i:04d}", email=f"b{i}@example.com")
                for i in range(start, start + n)
            ),
        )

    seed(0, 5)
    few = [statements_for(app, client, url) for url in ("/clients/", "/clients/?q=bulk")]
    seed(5, 120)
    many = [statements_for(app, client, url) for url in ("/clients/", "/clients/?q=bulk")]
    assert few == many
    first = client.get("/clients/?q=bulk").text
    assert "Bulk 0000" in first and "Bulk 0050" not in first and "page=2" in first
    second = client.get("/clients/?q=bulk&page=2").text
    assert "Bulk 0050" in second and "Bulk 0000" not in second
    assert client.get("/clients/?page=999999").status_code == 200


def test_a_search_pages_through_names_and_emails_together_in_name_order(app, client, login_as):
    """Each way of matching gives only its first clients for the page asked (a common start no
    longer reads every client it matches): together they still page in name order, none lost."""
    login_as("agent")
    save_all(
        app,
        [
            *(Client(external_id=f"name-{i}", name=f"Mix {i:04d}") for i in range(60)),
            *(
                Client(external_id=f"mail-{i}", name=f"Zed {i:04d}", email=f"mix.{i}@example.com")
                for i in range(60)
            ),
        ],
    )
    shown = []
    for page in (1, 2, 3):
        text = client.get(f"/clients/?q=mix&page={page}").text
        shown.append([n for n in re.findall(r"(?:Mix|Zed) \d{4}", text)])
    expected = [f"Mix {i:04d}" for i in range(60)] + [f"Zed {i:04d}" for i in range(60)]
    assert [len(names) for names in shown] == [50, 50, 20]
    assert [name for names in shown for name in names] == expected


def _history_of(app, ask, decide_wish, make_complaint, make_rating, person, shared_wish=None):
    """A rating, a complaint, a survey link, a wish request and a callback for ``person``."""
    rating = make_rating(utcnow() - timedelta(days=2), 2, client_id=person.id)
    complaint = make_complaint(client_id=person.id, summary=f"Complaint of {person.name}")
    save_all(
        app,
        [
            SurveyLink(
                nonce=f"nonce-{person.id}",
                client_id=person.id,
                expires_at=utcnow() + timedelta(days=3),
            )
        ],
    )
    own_wish = ask(f"Wish of {person.name}", client=person)
    if shared_wish is not None:
        ask(wish_id=shared_wish, client=person)
    decide_wish(own_wish)
    return rating, complaint, own_wish


def test_merge_moves_every_kind_of_history_and_keeps_the_id_as_alias(
    app, client, login_as, make_client, make_complaint, make_rating, ask, decide_wish, api_headers
):
    manager = login_as("manager")
    kept = make_client(name="Mariana Lopes", external_id="crm-1", email="mari@example.com")
    gone = make_client(name="Mariana Lopez", external_id="shop-9", phone="+55 11 5555-0001")
    shared = ask("Dark mode", client=kept)
    _history_of(app, ask, decide_wish, make_complaint, make_rating, kept)
    _, gone_complaint, gone_wish = _history_of(
        app, ask, decide_wish, make_complaint, make_rating, gone, shared_wish=shared
    )

    answer = client.post(f"/clients/{kept.id}/merge", data={"other": "shop-9"})
    assert answer.status_code == 302, answer.text

    assert count(app, Client, Client.id == gone.id) == 0
    for model in (Rating, Complaint, SurveyLink, Callback):
        assert {row.client_id for row in all_rows(app, model)} == {kept.id}, model
    requests = all_rows(app, WishRequest)
    assert {r.client_id for r in requests} == {kept.id}
    assert sorted(r.wish_id for r in requests).count(shared) == 1  # asked once, counted once
    assert gone_wish in {r.wish_id for r in requests}
    merged = reloaded(app, Client, kept.id)
    assert (merged.email, merged.phone) == ("mari@example.com", "+55 11 5555-0001")
    (alias,) = all_rows(app, ClientAlias)
    assert (alias.external_id, alias.client_id, alias.former_client_id, alias.merged_by_id) == (
        "shop-9",
        kept.id,
        gone.id,
        manager.id,
    )
    (event,) = all_rows(app, AuditEvent, AuditEvent.action == "merged")
    assert (event.entity_type, event.entity_id, event.details["external_id"]) == (
        "client",
        kept.id,
        "shop-9",
    )
    assert event.details["moved"]["complaints"] == 1

    page = client.get(f"/clients/{kept.id}")
    assert "Merged records" in page.text and "shop-9" in page.text
    assert gone_complaint.summary in page.text
    assert client.get(f"/clients/{gone.id}").headers["Location"].endswith(f"/clients/{kept.id}")
    assert "Mariana Lopes" in client.get("/clients/?q=shop-9").text

    # The old id keeps finding the kept client: the API...
    rating = post_json(
        client,
        "/api/v1/ratings",
        {"client": {"external_id": "shop-9", "name": "Mariana L."}, "score": 5},
        api_headers,
    )
    assert rating.status_code in (200, 201), rating.text
    assert count(app, Client, Client.external_id == "shop-9") == 0  # no new stranger
    assert {r.client_id for r in all_rows(app, Rating)} == {kept.id}


def test_a_merge_keeps_the_duplicates_opt_out_and_moves_its_mail(
    app, client, login_as, make_client, api_headers
):
    """The duplicate had unsubscribed: merged, its address went to the kept client, who was
    still subscribed, and our mail went again to someone who had said no. A duplicate that had
    ever been mailed could not be merged at all (its mail named the row the merge deletes)."""
    login_as("manager")
    kept = make_client(name="Mariana Lopes", external_id="crm-1")
    gone = make_client(name="Mariana Lopez", external_id="shop-9", email="mari@example.com")
    link = post_json(
        client,
        "/api/v1/survey-links",
        {"client": {"external_id": "shop-9", "name": "Mariana Lopez"}, "send": True},
        api_headers,
    )
    assert link.json["sent"] is True
    (mail,) = all_rows(app, MailMessage)
    unsubscribe = mail.unsubscribe_url.split("://", 1)[1].split("/", 1)[1]
    assert client.post(f"/{unsubscribe}", csrf=False).status_code == 200
    opted_out = reloaded(app, Client, gone.id).unsubscribed_at

    assert client.post(f"/clients/{kept.id}/merge", data={"other": "shop-9"}).status_code == 302
    merged = reloaded(app, Client, kept.id)
    assert (merged.email, merged.unsubscribed_at) == ("mari@example.com", opted_out)
    assert [row.client_id for row in all_rows(app, MailMessage)] == [kept.id]
    again = post_json(
        client,
        "/api/v1/survey-links",
        {"client": {"external_id": "crm-1", "name": "Mariana Lopes"}, "send": True},
        api_headers,
    )
    assert again.json["sent"] is False and count(app, MailMessage) == 1


def _unsubscribe_path(app, client_id: int) -> str:
    with using(app):
        return f"/unsubscribe/{unsubscribe_token(db.session.get(Client, client_id))}"


def test_an_unsubscribe_link_mailed_before_a_merge_unsubscribes_the_kept_client(
    app, client, login_as, make_client
):
    """Its row is gone: the link answered "not valid", and the person could not opt out of
    mail that still came. On SQLite a later client may be given the duplicate's id again, and
    the old link opted that stranger out instead."""
    login_as("manager")
    kept = make_client(name="Mariana Lopes", external_id="crm-1")
    gone = make_client(name="Mariana Lopez", external_id="shop-9", email="mari@example.com")
    mailed = _unsubscribe_path(app, gone.id)
    assert client.post(f"/clients/{kept.id}/merge", data={"other": "shop-9"}).status_code == 302
    later = make_client(name="Somebody Else", external_id="crm-2", email="else@example.com")

    assert client.get(mailed).status_code == 200
    assert client.post(mailed, csrf=False).status_code == 200
    assert reloaded(app, Client, kept.id).unsubscribed_at is not None
    assert reloaded(app, Client, later.id).unsubscribed_at is None

    with using(app):  # the merge an hour ago: a link signed since names the row of its id
        alias = db.session.scalar(sa.select(ClientAlias))
        alias.merged_at -= timedelta(hours=1)
        db.session.commit()
    assert client.post(_unsubscribe_path(app, later.id), csrf=False).status_code == 200
    assert reloaded(app, Client, later.id).unsubscribed_at is not None


def test_csv_import_finds_the_kept_client_by_an_alias(app, client, login_as, make_client):
    login_as("manager")
    kept = make_client(name="Rafael Lima", external_id="crm-7")
    make_client(name="Rafael Lima", external_id="old-7")
    assert client.post(f"/clients/{kept.id}/merge", data={"other": "old-7"}).status_code == 302
    csv = (
        "external_id,name,email,phone,score,comment,order_ref,occurred_at\n"
        "old-7,Rafael Lima,rafa@example.com,,4,Fine,O-1,2025-06-01T10:00:00Z\n"
    )
    uploaded = client.post(
        "/complaints/import",
        data={"file": (io.BytesIO(csv.encode()), "ratings.csv")},
        content_type="multipart/form-data",
    )
    job = uploaded.headers["Location"].rsplit("/", 1)[1]
    assert "new to Huddle: 0." in client.get(f"/complaints/import/{job}").text
    assert client.post(f"/complaints/import/{job}/run").status_code == 302
    assert [r.client_id for r in all_rows(app, Rating)] == [kept.id]
    assert count(app, Client) == 1
    assert reloaded(app, Client, kept.id).email == "rafa@example.com"


def test_only_managers_merge_and_mistakes_are_explained(client, login_as, make_client):
    login_as("agent")
    one, other = make_client(), make_client()
    assert (
        client.post(f"/clients/{one.id}/merge", data={"other": other.external_id}).status_code
        == 403
    )
    login_as("manager")
    same = client.post(f"/clients/{one.id}/merge", data={"other": one.external_id})
    assert same.status_code == 422 and "This is the same client." in same.text
    unknown = client.post(f"/clients/{one.id}/merge", data={"other": "nobody-here"})
    assert unknown.status_code == 422 and "No client has this id." in unknown.text
    assert (
        client.post("/clients/999999/merge", data={"other": other.external_id}).status_code == 404
    )


def test_a_clients_page_shows_the_latest_ratings_and_complaints_and_says_when_there_are_more(
    client, login_as, make_client, make_rating, make_complaint, monkeypatch
):
    monkeypatch.setattr(client_pages, "RATINGS_SHOWN", 2)
    monkeypatch.setattr(client_pages, "COMPLAINTS_SHOWN", 2)
    login_as("agent")
    ours = make_client(name="Often Back")
    now = utcnow()
    for n in range(3):
        make_rating(now - timedelta(days=n), 4, client=ours, comment=f"Visit {n}")
    page = client.get(f"/clients/{ours.id}").text
    assert "Visit 0" in page and "Visit 1" in page and "Visit 2" not in page  # the latest
    assert page.count("Only the first 2 are shown here.") == 1  # the ratings; the complaints all
    for n in range(3):
        make_complaint(client=ours, summary=f"Issue {n}", opened_at=now - timedelta(days=n))
    page = client.get(f"/clients/{ours.id}").text
    assert "Issue 0" in page and "Issue 1" in page and "Issue 2" not in page
    assert page.count("Only the first 2 are shown here.") == 2


@pytest.mark.parametrize(
    ("locale", "decision"), [("en", "Will do if paid"), ("pt_BR", "Faremos se for pago")]
)
def test_a_clients_page_says_each_wish_decision_in_words(
    client, login_as, make_client, ask, decide_wish, locale, decision
):
    login_as("agent", locale=locale)
    person = make_client()
    decide_wish(
        ask("Pay by cheque", client=person), outcome="will_do_if_paid", terms="3 instalments"
    )
    wishes = client.get(f"/clients/{person.id}").text.split('<ul class="wishes">')[1]
    assert decision in wishes.split("</ul>")[0] and "will_do_if_paid" not in wishes
