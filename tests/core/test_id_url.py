"""``id_url`` (issue #16): a link built once for many rows writes what ``url_for`` writes."""

from flask import url_for

from core.urls import id_url


def test_an_id_url_writes_what_url_for_writes(app):
    with app.test_request_context("/"):
        detail = id_url("complaints.detail", "complaint_id")
        timebox = id_url("standup.timebox", "item_id", slug="team-7", on="2026-12-01")
        for row_id in (1, 7, 42, 1234567891, 2_147_483_647):
            assert detail(row_id) == url_for("complaints.detail", complaint_id=row_id)
            assert timebox(row_id) == url_for(
                "standup.timebox", slug="team-7", on="2026-12-01", item_id=row_id
            )
