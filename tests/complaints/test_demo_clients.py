"""Issue #17: ``huddle demo`` makes each demo person one client, however often it runs."""

import sqlalchemy as sa

from complaints.models import Complaint, Rating
from core.extensions import db
from core.mail.models import MailMessage
from core.models import Client
from dashboard.slack.models import OutboxMessage
from wishes.models import WishRequest


def test_the_demo_has_no_two_clients_with_the_same_name_or_email(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        first = db.session.scalar(sa.select(sa.func.count()).select_from(Client))
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent: nobody new the second time
    with app.app_context():
        names = db.session.scalars(sa.select(Client.name)).all()
        emails = db.session.scalars(sa.select(Client.email).where(Client.email.is_not(None))).all()
        mariana = db.session.scalar(sa.select(Client).where(Client.name == "Mariana Lopes"))
        rafael = db.session.scalar(sa.select(Client).where(Client.name == "Rafael Lima"))
        has = {
            "complaint": db.session.scalar(
                sa.select(Complaint.id).where(Complaint.client_id == mariana.id).limit(1)
            ),
            "wish": db.session.scalar(
                sa.select(WishRequest.id).where(WishRequest.client_id == mariana.id).limit(1)
            ),
        }
        rafael_ratings = db.session.scalar(
            sa.select(sa.func.count()).select_from(Rating).where(Rating.client_id == rafael.id)
        )
    assert len(names) == first
    duplicated = sorted({n for n in names if names.count(n) > 1})
    assert duplicated == []
    assert len(emails) == len({e.lower() for e in emails})
    assert all(has.values()), has  # her page shows her complaint and her wish
    assert rafael_ratings > 1  # one client who rated several times


def test_the_demo_clients_read_their_own_language_and_are_written_to_in_it(app):
    """The stories are told in Portuguese, Spanish, Russian and English: each client reads theirs,
    so the demo's survey mails (and the pages they open) speak it, not the app's default."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        locale_of = dict(db.session.execute(sa.select(Client.name, Client.locale)).all())
        mailed = set(
            db.session.execute(
                sa.select(Client.locale, MailMessage.language).join(
                    MailMessage, MailMessage.client_id == Client.id
                )
            ).all()
        )
    assert locale_of["Mariana Lopes"] == "pt_BR" and locale_of["Lucía Fernández"] == "es"
    assert locale_of["Анна Смирнова"] == "ru" and locale_of["Peter Walsh"] == "en"
    assert None not in locale_of.values()
    assert mailed and all(client == mail for client, mail in mailed)
    assert {mail for _client, mail in mailed} >= {"pt_BR", "en"}


def test_the_demo_teams_channels_speak_the_teams_language(app):
    """São Paulo's channel reads Portuguese and Moscow's Russian (the team's language, #6), so the
    Slack outbox of the demo shows messages as each team would get them."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        texts = dict(
            db.session.execute(
                sa.select(OutboxMessage.channel, OutboxMessage.text).where(
                    OutboxMessage.kind == "standup-summary",
                    OutboxMessage.thread_parent_key.is_(None),
                )
            ).all()
        )
    assert texts["#support-sp"].startswith("Reunião diária"), texts["#support-sp"]
    assert texts["#support-msk"].startswith("Летучка"), texts["#support-msk"]
