"""``huddle demo`` includes wishes: several languages, a request, a decided one with callbacks."""

import sqlalchemy as sa

from core.database import utcnow
from core.demo import DEMO_PASSWORD
from core.extensions import db
from wishes import briefs
from wishes.models import Callback, Wish


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_demo_wishes_are_made_once_and_every_page_opens(app, client):
    assert invoke(app, "demo").exit_code == 0
    assert invoke(app, "demo").exit_code == 0
    with app.app_context():
        titles = db.session.scalars(sa.select(Wish.title)).all()
        statuses = dict(db.session.execute(sa.select(Wish.title, Wish.status)).all())
        calls = db.session.scalars(sa.select(Callback)).all()
        sp = db.session.scalar(sa.select(Wish.team_id).where(Wish.title.startswith("Exportar")))
        on_review = briefs.wishes_for_review(sp, utcnow().date())
        first = db.session.scalar(sa.select(Wish.id).order_by(Wish.id))
    assert len(titles) == len(set(titles)) == 7
    assert any("Выгрузка" in t for t in titles) and any("oscuro" in t for t in titles)
    assert statuses["Pay invoices in monthly instalments"] == "decided"
    assert statuses["Export reports to a spreadsheet"] == "merged"
    assert statuses["Receive the receipt by e-mail"] == "already_possible"
    assert [w.title for w in on_review] == ["Exportar relatórios para Excel"]
    assert on_review[0].distinct_clients == 5  # four asked, and one more through the merge
    assert len(calls) == 6 and sum(c.done_at is not None for c in calls) == 1
    client.post("/auth/login", data={"email": "manager@huddle.example", "password": DEMO_PASSWORD})
    for url in ("/wishes/", "/wishes/review", "/wishes/calls?who=team", f"/wishes/{first}"):
        assert client.get(url).status_code == 200, url
