"""The open lists and search answer from indexes SQLite and PostgreSQL use with bound parameters,
and search finds the same complaints on both databases (issue #16)."""

from datetime import timedelta

import pytest

from complaints import briefs, listing
from complaints.listing import Filters, open_complaints
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from core.models import Client
from tests.support.db import save_all, using
from tests.support.factories import build_complaint
from tests.support.queries import count_statements, generic_plan_of, plan_of, statements_of
from tests.support.web import as_read


def _plan_for(app, client, url: str, marker: str, **pricing) -> str:
    """The plan of the statement of GET ``url`` that contains ``marker``, bound as the app bound it
    (``pricing``: what ``plan_of`` prices out)."""
    return plan_of(app, *_recorded(app, client, url, marker), **pricing)


def _recorded(app, client, url: str, marker: str) -> tuple[str, dict]:
    """The first statement of GET ``url`` that contains ``marker``, and its parameters."""
    recorded = [
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url)
        if marker in statement
    ]
    assert recorded, f"no statement with {marker!r} for {url}"
    return recorded[0]


def _uses(plan: str, index: str) -> bool:
    """SQLite names the index it walks. PostgreSQL, on a tiny test table, may pick any index that
    serves the query's leading condition (sequential scans priced out): ``is_open``, or for one
    person's list the owner, where ``(owner_id, status)`` and ``(owner_id, is_open, due_at)`` tie and
    the planner's pick flips with the table's statistics. What matters is that one can serve."""
    if "Index Cond" not in plan:  # SQLite
        return index in plan
    leading = "owner_id = " if index.startswith("ix_complaints_owner_id") else "is_open = true"
    return "Seq Scan on complaints" not in plan and leading in plan


@pytest.fixture
def some_complaints(make_complaint, make_user):
    someone = make_user("manager")
    for i in range(6):
        make_complaint(summary=f"Parcel {i} lost", owner_id=someone.id if i % 2 else None)
    make_complaint(summary="Closed one", status="closed")


@pytest.fixture
def mostly_closed(app, some_complaints, make_client):
    """Most complaints closed, and the newest and soonest due: as on a desk with some history.

    On six rows, PostgreSQL's pick between walking the open index and walking ``opened_at`` (or
    ``due_at``) while testing ``is_open`` is a tie that the indexes' sizes decide, and earlier tests
    grow those (their rolled-back rows stay in the files). Here only the open index is cheap.
    """
    client = make_client()
    soon = utcnow() - timedelta(minutes=30)
    save_all(
        app,
        (
            build_complaint(soon, soon + timedelta(hours=1), client=client, status="closed")
            for _ in range(300)
        ),
    )


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/complaints/", "ix_complaints_is_open_due_at"),
        ("/complaints/?sort=newest", "ix_complaints_is_open_opened_at"),
        ("/complaints/?view=mine", "ix_complaints_owner_id_is_open_due_at"),
    ],
)
def test_the_open_list_walks_an_is_open_index_with_bound_parameters(
    app, client, login_as, mostly_closed, url, index
):
    login_as("manager")
    plan = _plan_for(app, client, url, "is_open", ordered=True)
    assert _uses(plan, index), plan
    assert "SCAN complaints\n" not in plan + "\n" and "Seq Scan on complaints" not in plan


def test_the_api_list_of_open_complaints_walks_its_index(app, client, api_headers, mostly_closed):
    url = "/api/v1/complaints?status=open"
    client.get(url, headers=api_headers)
    with count_statements(app) as counter:
        assert client.get(url, headers=api_headers).status_code == 200
    found = next(
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if "is_open" in statement and "FROM complaints" in statement
    )
    plan = plan_of(app, *found, ordered=True)
    assert _uses(plan, "ix_complaints_is_open_opened_at"), plan


@pytest.mark.parametrize("status", ["closed", "new"])
@pytest.mark.parametrize("cursor", [False, True], ids=["first-page", "next-page"])
def test_the_api_list_of_one_status_walks_its_index_newest_first(
    app, client, api_headers, mostly_closed, status, cursor
):
    """Of one status, the API read every complaint in it and sorted them all by date to send the
    newest 50 (2.5 s at 1M for "resolved"). It walks (status, opened_at, id) and stops."""
    url = f"/api/v1/complaints?status={status}&limit=2"
    if cursor:
        url += "&cursor=" + client.get(url, headers=api_headers).json["next_cursor"]
    found = next(
        (statement, parameters)
        for statement, parameters in statements_of(app, client, url, api_headers)
        if "complaints.status = " in statement and "FROM complaints" in statement
    )
    plan = plan_of(app, *found, ordered=True)
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    assert "ix_complaints_status_opened_at" in plan, plan


def test_a_short_search_of_my_list_looks_up_the_complaints_of_the_clients_it_names(
    app, client, login_as, make_complaint, make_client
):
    """A query under three characters reads the few clients whose name starts with it first, then
    their complaints by client: joined to the clients' name ranges instead, SQLite walked one
    manager's open complaints and read every "Be…" client again for each (74 s at a million)."""
    me = login_as("manager")
    with using(app):
        named = [Client(external_id=f"be-{n}", name=f"Beatriz {n}") for n in range(3)]
        db.session.add_all(named)
        db.session.commit()
        named_ids = [person.id for person in named]
    for client_id in named_ids:
        make_complaint(owner_id=me.id, client_id=client_id)
    for _ in range(5):
        make_complaint(owner_id=me.id)
    url = "/complaints/?q=Be&view=mine"
    assert client.get(url).text.count("Beatriz ") == 3
    ran = statements_of(app, client, url)
    matches = [
        (statement, parameters)
        for statement, parameters in ran
        if "complaints.client_id" in statement
        and "UNION" not in statement
        and "FROM complaints" in statement
        and "clients.name >=" not in statement
    ]
    assert matches, ran
    assert not any(
        "clients.name >=" in statement and "complaints" in statement for statement, _ in ran
    ), "a complaints read joined to the clients' name ranges"
    plan = plan_of(app, *matches[0])
    assert "clients" not in plan, plan  # the clients were read once, before


# sqlite_stat1 as ANALYZE wrote it at a million complaints and 500,000 clients (scripts/bench.py)
MILLION_STATISTICS = [
    ("clients", "ix_clients_name", "500000 1 1"),
    ("clients", "sqlite_autoindex_clients_1", "500000 1"),
    ("complaints", "ix_complaints_client_id_status", "1000000 2 2"),
    ("complaints", "ix_complaints_is_open_due_at", "1000000 500000 1 1"),
    ("complaints", "ix_complaints_is_open_opened_at", "1000000 500000 1 1"),
    ("complaints", "ix_complaints_status_due_at", "1000000 500000 1"),
    ("complaints", "ix_complaints_owner_id_is_open_due_at", "1000000 90910 45455 1"),
]


def test_a_short_search_that_starts_many_names_walks_the_list_whatever_the_statistics(
    app, client, login_as, make_complaint, make_client, monkeypatch
):
    """More clients' names start with a short query than are read first (``FEW_NAMES``): the
    list is walked for its page, testing each row's client name. Huddle never runs ``ANALYZE``;
    an operator may (or ``PRAGMA optimize``, which SQLite recommends), and so does
    ``scripts/bench.py`` after seeding: given a million's statistics, SQLite drove from the
    clients' name ranges instead, read every "Be…" client's complaints and sorted them all for
    one page (2.6 s at a million; walked, 6.6 ms)."""
    login_as("manager")
    for n in range(3):
        make_complaint(client_id=make_client(name=f"Beatriz {n}").id)
    make_complaint(client_id=make_client(name="Carla").id)
    monkeypatch.setattr(listing, "FEW_NAMES", 1)
    url = "/complaints/?q=Be"
    with using(app):
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
            for row in MILLION_STATISTICS:
                connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
            connection.exec_driver_sql("ANALYZE sqlite_schema")  # SQLite re-reads its statistics
            db.session.commit()  # kept past the requests' own savepoints
    assert client.get(url).text.count("Beatriz ") == 3
    walked = [
        recorded
        for recorded in statements_of(app, client, url)
        if recorded[0].startswith("SELECT complaints.id, clients.name")
    ]
    assert len(walked) == 1, walked
    plan = plan_of(app, *walked[0])
    if "SEARCH" in plan or "SCAN" in plan:  # SQLite: the list's index, in order, no sort
        assert plan.splitlines()[0].startswith("SEARCH complaints USING INDEX"), plan
        assert "ix_clients_name" not in plan and "TEMP B-TREE" not in plan, plan


def test_today_loads_my_complaints_once_from_the_owner_index(app, client, login_as, make_complaint):
    me = login_as("manager")
    make_complaint(owner_id=me.id, due_at=utcnow())
    client.get("/")
    with count_statements(app) as counter:
        assert client.get("/").status_code == 200
    owned = [
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if "complaints.owner_id =" in statement and "is_open" in statement
    ]
    assert len(owned) == 1  # "Complaints I own" and "My follow-ups" share one load
    assert _uses(plan_of(app, *owned[0]), "ix_complaints_owner_id_is_open_due_at")


def test_search_uses_the_search_indexes(app, client, login_as, some_complaints):
    login_as("manager")
    plan = _plan_for(app, client, "/complaints/?q=parcel", "is_open", conditions_only=True)
    if "fts_" not in plan:  # PostgreSQL names the trigram indexes, SQLite the FTS5 tables
        pytest.fail(plan)
    # PostgreSQL's index of the summaries holds the open complaints only (migration 0021)
    summaries = (
        "fts_open_complaint_summaries" if "Index Cond" in plan else "fts_complaint_summaries"
    )
    assert summaries in plan, plan
    # The clients found by name: PostgreSQL reads them on their own first (the list binds their
    # ids), SQLite's read of the matches asks FTS5 for them in the same statement
    names = "FROM clients \nWHERE" if "Index Cond" in plan else "is_open"
    plan = _plan_for(app, client, "/complaints/?q=parcel", names, conditions_only=True)
    assert "fts_client_names" in plan, plan


def test_the_matches_are_read_from_the_index_of_open_summaries_in_any_plan(
    app, client, login_as, some_complaints
):
    """Migration 0021: PostgreSQL's index of the summaries holds the open complaints only, and
    the read of the matches proves its condition from its own text, so a plan made once for any
    value (a statement prepared and run often ends up with one) still reads it; the full index is
    gone. SQLite's FTS5 table holds every summary, as before."""
    login_as("manager")
    statement, parameters = _recorded(app, client, "/complaints/?q=parcel", "UNION ALL")
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            assert "SCAN fts_complaint_summaries" in plan_of(app, statement, parameters)
            return
        indexes = connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaints'"
        )
        summaries = {name: definition for name, definition in indexes if "summary" in definition}
        assert list(summaries) == ["fts_open_complaint_summaries"], summaries
        assert summaries["fts_open_complaint_summaries"].endswith("WHERE ((is_open)::integer = 1)")
        plan = generic_plan_of(connection, statement, parameters)
    assert "Bitmap Index Scan on fts_open_complaint_summaries" in plan, plan


# --- same results on both databases -----------------------------------------------------------

SUMMARIES = [
    "Order arrived late",
    "Café frio na entrega",
    "CAFÉ QUENTE DEMAIS",
    "Доставка опоздала на час",
    "курьер был груб",
    "Wrong size, 50% refund asked",
    "Late again, third time",
]
NAMES = ["José Álvarez", "Ёлка Петрова", "Ana Lima", "Bob Stone", "Zoë Müller", "Иван", "Eve"]
QUERIES = [
    "late", "LATE", "café", "CAFÉ", "cafe", "доставка", "КУРЬЕР", "álvarez", "ЁЛКА", "zoë",
    "50% refund", "refund", "ar", "Li", 'say "hi"', "\\", "an", "ИВ", "e", "zo", "\U0010ffff",
]  # fmt: skip


def expected(q: str) -> set[int]:
    """The search's meaning: summary or client name contains the query in any letter case (no
    accent folding); ``%`` and ``_`` are dropped from the query. Under three characters (no
    trigram index can serve it) the client's name starts with the query instead."""
    q = q.replace("%", "").replace("_", "").lower()
    if len(q) < 3:
        return {i for i, name in enumerate(NAMES) if name.lower().startswith(q)}
    return {i for i, text in enumerate(SUMMARIES) if q in text.lower() or q in NAMES[i].lower()}


def test_the_search_examples_cover_case_accents_and_cyrillic():
    assert expected("CAFÉ") == {1, 2} and expected("cafe") == set()
    assert expected("КУРЬЕР") == {4} and expected("ЁЛКА") == {1} and expected("álvarez") == {0}
    assert expected("50% refund") == set() and expected("ar") == set()
    assert expected("an") == {2} and expected("ИВ") == {5} and expected("Li") == set()


@pytest.fixture
def searchable(app, db_session, make_client, make_complaint):
    ids = []
    for i, summary in enumerate(SUMMARIES):
        owner_client = make_client(name=NAMES[i])
        ids.append(make_complaint(summary=summary, client_id=owner_client.id).id)
    return ids


@pytest.mark.parametrize("q", QUERIES)
def test_search_finds_the_same_complaints_on_both_databases(app, db_session, searchable, q):
    page = open_complaints(Filters(q=q), viewer_id=0, now=utcnow())
    assert {item.id for item in page.items} == {searchable[i] for i in expected(q)}


def test_search_follows_changes_to_summaries_and_client_names(app, db_session, searchable):
    complaint = db.session.get(Complaint, searchable[0])
    complaint.summary = "Box crushed in transit"
    db.session.get(Client, complaint.client_id).name = "Renamed Person"
    db.session.commit()
    now = utcnow()

    def found(q):
        return {item.id for item in open_complaints(Filters(q=q), 0, now).items}

    assert searchable[0] in found("crushed") and searchable[0] in found("renamed person")
    assert searchable[0] not in found("arrived late") and searchable[0] not in found("josé")


def test_the_digest_loads_what_it_shows_and_counts_the_rest(app, db_session, make_complaint):
    for _ in range(7):
        make_complaint(owner_id=None)
    digest = briefs.digest(utcnow(), limit=3)
    assert len(digest.unowned) == 3 and digest.totals[1] == 7
    assert len(digest.new_since_yesterday) == 3 and digest.totals[0] == 7


def test_a_short_search_finds_names_from_the_client_name_index(app, client, login_as, make_client):
    """Under three characters no trigram index helps; the name's plain index must (no scan)."""
    login_as("manager")
    # The statement that reads the matches (the first; the page is then cut from their ids).
    marker = "clients.name >="
    plan = _plan_for(app, client, "/complaints/?q=an", marker, conditions_only=True)
    assert "SCAN clients" not in plan and "Seq Scan on clients" not in plan, plan
    assert "SCAN complaints\n" not in plan + "\n" and "Seq Scan on complaints" not in plan, plan
    # SQLite walks the name's index. PostgreSQL on these few rows may as well start from the open
    # complaints and test each one's client by primary key: either way no table is scanned.
    by_key = "Index Cond: (id = complaints.client_id)" in plan
    assert "ix_clients_name" in plan or ("Index Cond" in plan and by_key), plan
    assert "whose name starts with “an”" in as_read(client.get("/complaints/?q=an").text)
    assert "whose name starts with" not in client.get("/complaints/?q=ana").text
