"""Issue #17 in the browser: a manager on "Calls to make" gives the call of someone away today to a
team member who is present, in one click: the row changes in place, the focus stays in it, the
hand-over is said in the live region, and a reload shows the call with its new owner."""

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AwayDay, Client, Team, User
from tests.support.browser import log_in
from tests.support.standup import seed_crew
from tests.support.wishes import REVIEW_DAY
from wishes import briefs
from wishes import services as wishes
from wishes.models import Callback


@pytest.fixture(scope="module")
def away_call(live_app):
    """One open callback of Lucas, who marked today as a day away; Mia is present."""
    crew = {
        "manager": ("manager", "Zoe Lead"),
        "lucas": ("agent", "Lucas Away"),
        "mia": ("agent", "Mia Here"),
    }
    email = "hand.{}@example.com".format
    seed = [(role, email(key), name) for key, (role, name) in crew.items()]
    team_id = seed_crew(live_app, "hand-walk", "Hand Walk Team", seed, "America/Sao_Paulo").id
    with live_app.app_context():
        team = db.session.get(Team, team_id)
        people = {
            key: db.session.scalar(sa.select(User).where(User.email == email(key))) for key in crew
        }
        client = Client(external_id="hand-1", name="Ana Hand")
        db.session.add(client)
        db.session.commit()
        recorded = wishes.record_wish(
            client, title="Export to Excel", problem="Re-types reports", agent=people["lucas"]
        )
        wishes.decide(
            recorded.wish.id,
            people["manager"],
            team=team,
            outcome="will_do",
            reason="Planned for spring",
            review_on=REVIEW_DAY,
        )
        today = briefs.user_today(people["manager"])
        db.session.add(AwayDay(user_id=people["lucas"].id, on=today))
        db.session.commit()
        [call] = db.session.scalars(sa.select(Callback).where(Callback.client_id == client.id))
        return {"call_id": call.id, "mia_id": people["mia"].id}


def test_a_manager_gives_the_call_of_someone_away_to_someone_present(page, live_app, away_call):
    call_id = away_call["call_id"]
    log_in(page, "hand.manager@example.com")
    page.goto("/wishes/calls?who=team")
    row = page.locator(f"#call-{call_id}")
    row.get_by_text("owner away: Lucas Away").wait_for()

    row.get_by_role("button", name="Give it to Mia Here").click()

    page.locator("#huddle-status").filter(has_text="Call handed over.").wait_for()
    assert row.get_by_text("owner away").count() == 0  # the same row, swapped in place by htmx
    assert row.get_by_text("Mia Here").is_visible()
    assert page.evaluate(
        """(id) => {
          const active = document.activeElement;
          return active !== document.body && active.isConnected
            && document.getElementById(id).contains(active);
        }""",
        f"call-{call_id}",
    )

    page.reload()
    row.wait_for()
    assert row.get_by_text("Mia Here").is_visible() and row.get_by_text("owner away").count() == 0
    with live_app.app_context():
        assert db.session.get(Callback, call_id).agent_id == away_call["mia_id"]
