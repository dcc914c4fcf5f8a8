"""A caller or a public message is matched to the client we know by e-mail (any case), else phone:
from an index, so a new client's lookup does not read every client (issue #16), and the very same
e-mail always finds its client, in every script (SQLite and PostgreSQL)."""

import pytest
import sqlalchemy as sa

from core import clients
from core.models import Client
from tests.support.queries import count_statements, plan_of


@pytest.mark.parametrize(
    ("kept", "typed"),
    [
        ("Olga.Petrova@Example.com", "olga.petrova@example.COM"),
        ("Иван@почта.рф", "Иван@почта.рф"),  # SQLite's lower() leaves "И": ours must too
        ("Ana@Exemplo.com.br", "ANA@EXEMPLO.COM.BR"),
    ],
)
def test_the_same_email_in_any_ascii_case_finds_the_client(db_session, kept, typed):
    known = clients.upsert_client("crm-mail", "Known", kept)
    db_session.flush()
    assert clients.find_or_create_client(None, "Caller", typed, None).id == known.id
    public = clients.client_from_public_input("Writer", typed, None, source="form", team_id=None)
    assert public.id == known.id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1


def test_a_phone_finds_the_client_as_typed(db_session):
    known = clients.upsert_client("crm-phone", "Known", None, "+7 999 123 45 67")
    db_session.flush()
    assert clients.find_or_create_client(None, "Caller", None, "+7 999 123 45 67").id == known.id
    assert clients.find_or_create_client(None, "Other", None, "+7 999 000 00 00").id != known.id


def test_a_new_clients_lookup_reads_the_contact_indexes_not_every_client(app, db_session):
    for n in range(40):
        clients.upsert_client(
            f"crm-{n}", f"Client {n}", f"Client.{n}@Example.com", f"+1 555 {n:04d}"
        )
    db_session.flush()
    with count_statements(app) as counter:
        clients.find_or_create_client(None, "Stranger", "Nobody@Example.com", "+1 555 9999")
    lookups = [
        (statement, parameters)
        for statement, parameters in zip(counter.statements, counter.parameters, strict=True)
        if statement.lstrip().upper().startswith("SELECT")
        and "FROM clients" in statement
        and ("email" in statement.split("WHERE")[-1] or "phone" in statement.split("WHERE")[-1])
    ]
    assert len(lookups) == 2, counter.statements  # by e-mail, then by phone
    for statement, parameters in lookups:
        plan = plan_of(app, statement, parameters)
        assert "SCAN clients" not in plan and "Seq Scan on clients" not in plan, plan
        assert "ix_clients_email_lower" in plan or "ix_clients_phone" in plan, plan
