"""Issue #16: the open list without a search runs one statement per shape of filters, built once
with its values bound (``listing._plain_page``), and its rows are read without the ORM
(``core.database.read_rows``), which still sees what the session has not yet written."""

from datetime import timedelta

from complaints import listing
from complaints.briefs import brief_select, fetch_briefs
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db


def _ids(filters, viewer_id, now):
    return [brief.id for brief in listing.open_complaints(filters, viewer_id, now).items]


def test_the_plain_list_is_built_once_per_shape_and_binds_its_values(
    app, make_user, make_complaint
):
    rita, otto = make_user("manager"), make_user("manager")
    now = utcnow()
    late = make_complaint(owner_id=rita.id, due_at=now - timedelta(hours=1), channel="phone")
    soon = make_complaint(owner_id=otto.id, due_at=now + timedelta(hours=5), channel="email")
    with app.test_request_context():
        first, first_values = listing._list_statement(listing.Filters(view="mine"), rita.id, now)
        again, again_values = listing._list_statement(
            listing.Filters(view="mine", page=3), otto.id, now
        )
        assert again is first  # the same statement object: built and keyed once
        assert (first_values["viewer_id"], again_values["viewer_id"]) == (rita.id, otto.id)
        assert again_values["offset"] == 2 * listing.PAGE_SIZE
        other, _ = listing._list_statement(listing.Filters(view="mine", channel="x"), rita.id, now)
        assert other is not first
        # Each bound value still narrows the list as its filter says
        assert _ids(listing.Filters(view="mine"), rita.id, now) == [late.id]
        assert _ids(listing.Filters(view="mine"), otto.id, now) == [soon.id]
        assert _ids(listing.Filters(view="overdue"), rita.id, now) == [late.id]
        assert _ids(listing.Filters(view="overdue"), rita.id, now - timedelta(hours=2)) == []
        assert _ids(listing.Filters(channel="email"), rita.id, now) == [soon.id]
        assert _ids(listing.Filters(sort="newest"), rita.id, now) == [soon.id, late.id]


def test_a_read_of_rows_sees_what_the_session_has_not_written_yet(app, make_complaint):
    complaint = make_complaint(summary="Parcel lost")
    with app.app_context():
        db.session.get(Complaint, complaint.id).summary_words = "Parcel lost twice"
        statement = brief_select().where(Complaint.id == complaint.id)
        (brief,) = fetch_briefs(statement, utcnow())
        assert brief.summary == "Parcel lost twice"
        db.session.rollback()
