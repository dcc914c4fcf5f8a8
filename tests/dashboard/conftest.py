"""The demo data and every page's address, shared by the browser tests of the whole app (issue #15).

Today's stand-up of the demo's first team is live (started by its facilitator; every day is its
workday here, weekends included) and its last finished one is linked too, so the board is seen in
both states.
"""

import pytest
import sqlalchemy as sa
from flask import url_for

from complaints.intake import survey
from complaints.models import Complaint
from core.database import utcnow
from core.extensions import db
from core.models import Client, Team, User
from dashboard.demo import seed_all
from standup import schedule, services
from standup.models import Standup


def _start_todays_standup(team: Team) -> None:
    now = utcnow()
    standup = services.open_board(team, schedule.local_date(team, now), now)
    if standup is not None and standup.status == "planned":
        services.start_standup(standup, db.session.get(User, standup.facilitator_id), now)


@pytest.fixture(scope="module")
def urls(live_app):
    """Seed the demo and work out every page's address once."""
    with live_app.app_context():
        seed_all()
        # Everyone reads English here, so the tests can find things by their English names.
        db.session.execute(sa.update(User).values(locale="en"))
        db.session.commit()
        complaint_id = db.session.scalar(sa.select(Complaint.id).order_by(Complaint.id))
        client_id = db.session.scalar(sa.select(Client.id).order_by(Client.id))
        _link, token = survey.issue_link(client_id)
        db.session.commit()
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@huddle.example"))
        team = manager.team
        # Every day a workday, so the board is live whatever day the tests run (on a Saturday
        # the demo team has no stand-up, and the board no check-in form)
        team.workdays = "1234567"
        _start_todays_standup(team)
        ended_on = db.session.scalar(
            sa.select(Standup.on)
            .where(Standup.team_id == team.id, Standup.status == "ended")
            .order_by(Standup.on.desc())
        )
        db.session.commit()
        slug = team.slug
        with live_app.test_request_context():
            main = {
                "today": url_for("home.today"),
                "complaints": url_for("complaints.open_list"),
                "complaint": url_for("complaints.detail", complaint_id=complaint_id),
                "board": url_for("standup.board", slug=slug),
                "ended-board": url_for("standup.board", slug=slug, on=ended_on),
                "wishes": url_for("wishes.index"),
                "calls": url_for("wishes.calls"),
            }
            managers = {
                "follow-ups": url_for("complaints.my_follow_ups"),
                "insights": url_for("insights.page"),
            }
            admin = {
                "people": url_for("admin.users"),
                "teams": url_for("admin_teams.index"),
                "outbox": url_for("slack_admin.outbox_page"),
                "playbooks": url_for("complaints.playbooks"),
            }
            log_contact = url_for("complaints.log_contact", complaint_id=complaint_id)
            public = {
                "login": url_for("auth.login"),
                "write": url_for("public.write_to_head"),
                "survey": url_for("public.survey", token=token),
            }
    return {
        "agent": main,
        "manager": {**main, **managers},
        "admin": {**main, **managers, **admin},
        "public": public,
        "log-contact": log_contact,
        "team": slug,
        "ended-on": ended_on,
    }
