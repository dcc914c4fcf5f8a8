"""One survey answered from several screens at the same instant (two tabs, a double tap without
JavaScript, a mail program's preview and the browser), through the real app on real threads and
both databases: one rating, every other screen told "already answered" in the client's language
with its comment given back, never an error page."""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from complaints.intake.survey import issue_link
from complaints.models import Complaint, Rating
from core import clients
from core.extensions import db

AT_ONCE = 6


def test_a_survey_sent_from_several_screens_at_once_is_one_rating(committed_app):
    app = committed_app
    with app.app_context():
        client = clients.upsert_client("race-1", "Ирина", email="race@example.com", locale="ru")
        _link, token = issue_link(client.id, order_ref="RACE-1")
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(AT_ONCE)

    def answer(number: int):
        screen = app.test_client()
        barrier.wait(10)
        return screen.post(f"/s/{token}", data={"score": "1", "comment": f"экран {number}"})

    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(answer, range(AT_ONCE)))

    assert sorted(a.status_code for a in answers) == [200] * AT_ONCE
    thanked = [a for a in answers if "<h1>Спасибо!</h1>" in a.text]
    assert len(thanked) == 1
    for number, other in enumerate(answers):
        if other is not thanked[0]:  # told so, and their own comment given back to send to us
            assert "<h1>Вы уже ответили</h1>" in other.text
            assert f"экран {number}</textarea>" in other.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
        db.session.remove()
