"""Issue #17: a complaint whose owner is away today says so on the open list."""

from datetime import timedelta

from core.database import utcnow
from tests.support.web import as_read


def test_the_open_list_flags_complaints_whose_owner_is_away_today(
    client, login_as, make_user, make_complaint, make_away
):
    login_as("agent", timezone="UTC")
    away, present = make_user("manager", name="Rita"), make_user("manager", name="Otto")
    make_complaint(summary="Parcel lost", owner_id=away.id)
    make_complaint(summary="Wrong size", owner_id=present.id)
    make_away(away, utcnow().date())
    make_away(present, utcnow().date() + timedelta(days=1))  # away tomorrow: not flagged today

    page = as_read(client.get("/complaints/").text)
    assert page.count("owner away: Rita") == 1
    assert "owner away: Otto" not in page and "Otto" in page
    fragment = as_read(client.get("/complaints/?sort=newest", headers={"HX-Request": "true"}).text)
    assert "<html" not in fragment and fragment.count("owner away: Rita") == 1
