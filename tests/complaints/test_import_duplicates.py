"""The CSV import skips ratings Huddle already holds, and says so (SQLite and PostgreSQL).

A rating is the same for the import when its client (by ``external_id``), the instant it occurred,
its score and its order reference (none equal to none) are: the same file imported twice, two
overlapping exports, a line given twice, a rating sent by the API before the export came. Each
was stored twice, and Insights counted it twice.
"""

import io
import re
from datetime import UTC, datetime

import pytest

from complaints.intake import csv_bulk, csv_stored
from complaints.models import Complaint, Rating
from core.database import utcnow
from core.extensions import db
from tests.support.api import post_json
from tests.support.db import all_rows, count
from tests.support.queries import generic_plan_of

HEADER = "external_id,name,email,phone,score,comment,order_ref,occurred_at\n"
A = "c1,Ana,,,5,Great,O-1,2025-06-01T10:00:00Z\n"
B = "c1,Ana,,,4,,,2025-06-02T10:00:00Z\n"  # no order reference
C = "c2,Bia,,,3,,O-3,2025-06-03T10:00:00Z\n"
D = "c3,Caio,,,2,,O-4,2025-06-04T10:00:00Z\n"


@pytest.fixture
def app_config(tmp_path):
    return {"IMPORT_INLINE": True, "IMPORT_DIR": str(tmp_path / "imports")}


def words(page) -> str:
    """The page's text as read: tags gone, any run of spaces (Babel's no-break ones too) one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def preview(client, text: str) -> tuple[str, str]:
    """Upload ``text``: the job and its preview's words."""
    response = client.post(
        "/complaints/import",
        data={"file": (io.BytesIO(text.encode()), "ratings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    job = response.headers["Location"].rsplit("/", 1)[1]
    return job, words(client.get(f"/complaints/import/{job}"))


def imported(client, text: str) -> tuple[str, str]:
    """Upload and import ``text``: its preview's words and its result's."""
    job, said = preview(client, text)
    assert client.post(f"/complaints/import/{job}/run").status_code == 302
    return said, words(client.get(f"/complaints/import/{job}"))


@pytest.fixture
def manager(login_as):
    return login_as("manager")


def stored(app) -> list[tuple]:
    """(client, occurred at, score, order) of every rating, in that order (no order first)."""
    found = [
        (r.client.external_id, r.occurred_at.isoformat(), r.score, r.order_ref)
        for r in all_rows(app, Rating)
    ]
    return sorted(found, key=lambda rating: (*rating[:3], rating[3] or ""))


def test_the_same_file_twice_imports_nothing_the_second_time_and_says_so(app, client, manager):
    text = HEADER + A + B + C
    _said, result = imported(client, text)
    assert "Imported 3 ratings." in result and "already in Huddle" not in result
    first = stored(app)

    job, said = preview(client, text)
    assert "All 3 ratings of the file are already in Huddle: there is nothing to import." in said
    assert "Import 0" not in said and "/run" not in client.get(f"/complaints/import/{job}").text
    refused = client.post(f"/complaints/import/{job}/run", follow_redirects=True)
    assert "This import has already started or cannot run." in refused.text
    assert stored(app) == first and len(first) == 3


def test_an_overlapping_file_imports_only_the_new_ratings(app, client, manager):
    imported(client, HEADER + A + B + C)
    said, result = imported(client, HEADER + B + C + D)
    assert "2 ratings are already in Huddle and will be skipped." in said
    assert "Import 1 rating" in said and "Import 3" not in said
    assert "Imported 1 rating." in result
    assert "2 ratings were already in Huddle and were skipped." in result
    assert [r[:3] for r in stored(app)] == [
        ("c1", "2025-06-01T10:00:00+00:00", 5),
        ("c1", "2025-06-02T10:00:00+00:00", 4),
        ("c2", "2025-06-03T10:00:00+00:00", 3),
        ("c3", "2025-06-04T10:00:00+00:00", 2),
    ]


def test_a_line_given_twice_in_a_file_is_one_rating(app, client, manager):
    same_later = B.replace("Ana,", "Ana Souza,")  # another spelling, the same rating
    other_ref = B.replace(",,,2025", ",,O-9,2025")  # an order reference: another rating
    other_time = B.replace("10:00:00Z", "10:00:01Z")
    said, result = imported(client, HEADER + A + B + A + same_later + other_ref + other_time)
    assert "Lines of ratings: 6;" in said
    assert (
        "2 lines give the same rating as an earlier line of the file and will be skipped." in said
    )
    assert "Import 4 ratings" in said and "already in Huddle" not in said
    assert "Imported 4 ratings." in result
    assert "2 lines giving the same rating as an earlier line were skipped." in result
    assert [r[3] for r in stored(app)] == ["O-1", None, "O-9", None]


def test_a_rating_the_api_sent_is_not_imported_again(app, client, manager, api_headers):
    body = {
        "client": {"external_id": "c1", "name": "Ana"},
        "score": 4,
        "occurred_at": "2025-06-02T10:00:00Z",
        "channel": "survey",
    }
    assert post_json(client, "/api/v1/ratings", body, api_headers).status_code == 201
    low = {**body, "score": 1, "occurred_at": "2025-06-05T09:00:00Z", "order_ref": "O-7"}
    assert post_json(client, "/api/v1/ratings", low, api_headers).status_code == 201
    complaints = count(app, Complaint)
    # B is the first rating (no order reference on either side); the second line is the low one
    again_low = "c1,Ana,,,1,Cold,O-7,2025-06-05T09:00:00Z\n"
    not_it = "c1,Ana,,,1,Cold,O-8,2025-06-05T09:00:00Z\n"  # another order: another rating
    said, result = imported(client, HEADER + B + again_low + not_it)
    assert "2 ratings are already in Huddle and will be skipped." in said
    assert "Imported 1 rating." in result
    assert [(r[3], r[2]) for r in stored(app)] == [(None, 4), ("O-7", 1), ("O-8", 1)]
    assert {r.order_ref: r.channel for r in all_rows(app, Rating)} == {
        None: "survey",
        "O-7": "survey",
        "O-8": "import",
    }
    assert count(app, Complaint) == complaints  # the skipped low rating opened nothing more


def test_a_skipped_recent_low_rating_neither_opens_nor_joins_a_complaint(app, client, manager):
    recent = "c9,Eva,,,1,Cold food,O-1," + utcnow().isoformat() + "\n"
    _said, result = imported(client, HEADER + recent)
    assert "Complaints opened: 1; joined to an open one: 0" in result
    said, result = imported(client, HEADER + recent + D)
    assert "1 rating is already in Huddle and will be skipped." in said
    assert "recent enough to open a complaint (or join the client's open one): 0." in said
    assert "Complaints opened: 0; joined to an open one: 0" in result
    assert count(app, Complaint) == 1 and count(app, Rating) == 2


def test_the_preview_says_it_in_the_viewers_language(app, client, login_as):
    """Russian has three plural forms; 1 001 takes the first one, grouped the Russian way."""
    login_as("manager", locale="ru")
    lines = [f"c{n % 40},Olga,,,{n % 5 + 1},,R-{n},2025-06-01T10:00:00Z\n" for n in range(1001)]
    imported(client, HEADER + "".join(lines))
    _job, said = preview(client, HEADER + "".join(lines))
    assert "1 001 оценка из файла уже есть в Huddle: импортировать нечего." in said
    _job, said = preview(client, HEADER + "".join(lines[:3]) + D)
    assert "3 оценки уже есть в Huddle и будут пропущены." in said
    assert "Импортировать 1 оценку" in said
    _job, said = preview(client, HEADER + "".join(lines[:5]) + D + D)
    assert "5 оценок уже есть в Huddle и будут пропущены." in said
    assert "1 строка повторяет оценку из строки выше и будет пропущена." in said


def test_the_check_seeks_the_new_index_on_both_databases(app, db_session):
    """Each line asks for one client's ratings at one instant: with the values bound as the
    import binds them (PostgreSQL: a generic plan, which knows none), both databases seek
    ``ix_ratings_occurred_at_client_id`` and read no more of ``ratings`` than that."""
    connection = db.session.connection()
    lines = '[[2, 1, "2025-06-01 10:00:00.000000", 5, null]]'
    if connection.dialect.name == "postgresql":
        arrays = [[2], [1], [datetime(2025, 6, 1, 10, tzinfo=UTC)], [5], [None]]
        parameters = dict(zip(csv_stored.ARRAYS, arrays, strict=True))
        plans = [generic_plan_of(connection, csv_stored.STORED[True], parameters)]
    else:
        csv_bulk.stage([])  # the staging table the import's check reads
        plans = [
            "\n".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args)
            )
            for sql, args in ((csv_stored.STORED[False], (lines,)), (csv_stored.DROP_STAGED, ()))
        ]
    for plan in plans:
        assert "ix_ratings_occurred_at_client_id" in plan, plan
        assert "Seq Scan on ratings" not in plan and "SCAN r\n" not in plan + "\n", plan


def test_order_references_of_any_text_are_matched_as_they_are(app, client, manager):
    """PostgreSQL gets the references as one array literal: a quote, a backslash, a comma, a
    brace, a space or the word NULL must arrive as the text itself, and none as none."""
    refs = ['A"B', "C\\D", "E,F", "{G}", "H I", "NULL", "ação"]
    written = ['A"B', "C\\D", '"E,F"', "{G}", "H I", "NULL", "ação"]  # a quote mid-value is text
    lines = "".join(f"c1,Ana,,,5,,{ref},2025-06-01T10:00:00Z\n" for ref in written)
    text = HEADER + lines + "c1,Ana,,,5,,,2025-06-01T10:00:00Z\n"
    imported(client, text)
    assert sorted(r[3] or "" for r in stored(app)) == sorted([*refs, ""])
    _job, said = preview(client, text + "c1,Ana,,,5,,NULL,2025-06-01T10:00:01Z\n")
    assert "8 ratings are already in Huddle and will be skipped." in said
    assert "Import 1 rating" in said


@pytest.fixture
def merged(app, client, manager, make_client):
    """Client c1 kept, old-1 and old-2 merged into it: the CRM still sends both old ids."""
    kept = make_client(external_id="c1", name="Ana")
    for old in ("old-1", "old-2"):
        make_client(external_id=old, name="Ana Old")
        assert client.post(f"/clients/{kept.id}/merge", data={"other": old}).status_code == 302
    return kept


def test_a_line_by_an_alias_and_one_by_the_clients_own_id_are_one_rating(app, client, merged):
    """The parse compares the ids as written; an alias is the client it joined: "old-1" and
    "c1" giving the same instant, score and order are one rating, which was stored twice."""
    by_alias = A.replace("c1,", "old-1,")
    other_alias = A.replace("c1,", "old-2,")
    same_no_ref = B.replace("c1,", "old-2,")  # B's rating, its own line by another alias
    said, result = imported(client, HEADER + by_alias + B + A + other_alias + same_no_ref + C)
    assert "Lines of ratings: 6;" in said
    assert "clients: 2, new to Huddle: 1." in said  # c1 and its aliases are one client; c2
    assert (
        "3 lines give the same rating as an earlier line of the file and will be skipped." in said
    )
    assert "Import 3 ratings" in said and "already in Huddle" not in said
    assert "Imported 3 ratings." in result
    assert "3 lines giving the same rating as an earlier line were skipped." in result
    assert [r[:3] for r in stored(app)] == [
        ("c1", "2025-06-01T10:00:00+00:00", 5),
        ("c1", "2025-06-02T10:00:00+00:00", 4),
        ("c2", "2025-06-03T10:00:00+00:00", 3),
    ]
    # The same file again: every rating is in Huddle, each counted once
    _job, said = preview(client, HEADER + by_alias + B + A + other_alias + same_no_ref + C)
    assert "All 3 ratings of the file are already in Huddle: there is nothing to import." in said


def test_an_alias_repeating_a_recent_low_rating_opens_one_complaint_with_one_rating(
    app, client, merged
):
    recent = "c1,Ana,,,1,Cold food,O-1," + utcnow().isoformat() + "\n"
    said, result = imported(client, HEADER + recent.replace("c1,", "old-1,") + recent)
    assert "1 line gives the same rating as an earlier line of the file" in said
    assert "recent enough to open a complaint (or join the client's open one): 1." in said
    assert "Imported 1 rating." in result
    assert "Complaints opened: 1; joined to an open one: 0" in result
    assert count(app, Rating) == 1 and count(app, Complaint) == 1


def test_an_alias_and_its_client_giving_other_ratings_are_both_kept(app, client, merged):
    """Another order, instant or score is another rating, whichever id the line names."""
    lines = [
        A.replace("c1,", "old-1,"),
        A.replace("O-1", "O-2"),
        A.replace("10:00:00Z", "10:00:01Z"),
        A.replace(",5,", ",4,").replace("c1,", "old-2,"),
    ]
    said, result = imported(client, HEADER + "".join(lines))
    assert "same rating as an earlier line" not in said and "Imported 4 ratings." in result
    assert count(app, Rating) == 4
