from datetime import timedelta

import pytest

from complaints.intake.survey import SurveyLinkError, issue_link, link_from_token
from core.database import utcnow
from core.extensions import db
from core.models import Client


@pytest.fixture
def client_row(db_session):
    client = Client(external_id="x-1", name="Rui")
    db.session.add(client)
    db.session.commit()
    return client


def test_issued_link_resolves_from_its_token(client_row):
    link, token = issue_link(client_row.id, order_ref="ord-9")
    db.session.commit()
    assert link_from_token(token).id == link.id
    assert link_from_token(token).order_ref == "ord-9"


def test_forged_and_tampered_tokens_are_refused(client_row):
    _, token = issue_link(client_row.id)
    db.session.commit()
    for bad in ("made-up", token[:-2] + "xx"):
        with pytest.raises(SurveyLinkError) as error:
            link_from_token(bad)
        assert error.value.reason == "forged"


def test_expired_link_is_refused(client_row):
    _, token = issue_link(client_row.id, valid_days=1)
    db.session.commit()
    with pytest.raises(SurveyLinkError, match="expired"):
        link_from_token(token, now=utcnow() + timedelta(days=2))
