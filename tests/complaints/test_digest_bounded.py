"""The Slack digest's lists walk an index in the order they show and stop at their cap, and its
counts take an index range: its cost does not grow with the number of open complaints (issue #16)."""

from datetime import timedelta

from complaints import briefs
from core.database import utcnow
from tests.support.queries import count_statements, plan_of


def _digest_statements(app, now, limit):
    with count_statements(app) as counter:
        digest = briefs.digest(now, limit=limit)
    return digest, list(zip(counter.statements, counter.parameters, strict=True))


def test_the_overdue_list_walks_the_open_index_in_its_order(app, db_session, make_complaint):
    now = utcnow()
    for n in range(6):
        make_complaint(
            opened_at=now - timedelta(days=10 - n),
            due_at=now - timedelta(days=n, hours=1),
            owner_id=None,
        )
    digest, recorded = _digest_statements(app, now, limit=3)
    assert [b.id for b in digest.overdue] == [b.id for b in digest.unowned]
    overdue = [
        (statement, parameters)
        for statement, parameters in recorded
        if "due_at <" in statement and "ORDER BY" in statement
    ]
    assert len(overdue) == 1
    plan = plan_of(app, *overdue[0])
    if "Index Cond" in plan or "Seq Scan" in plan or "Sort" in plan:  # PostgreSQL
        assert "Seq Scan on complaints" not in plan, plan
    else:  # SQLite: in (opened_at, id) order from the index, no sort of every overdue complaint
        assert "ix_complaints_is_open_opened_at" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_digest_runs_a_fixed_number_of_statements(app, db_session, make_complaint):
    now = utcnow()

    def statements():
        digest, recorded = _digest_statements(app, now, limit=2)
        sections = (
            digest.new_since_yesterday,
            digest.unowned,
            digest.overdue,
            digest.resolved_yesterday,
        )
        assert all(len(section) <= 2 for section in sections)
        return len(recorded), digest.totals

    for n in range(3):
        make_complaint(opened_at=now - timedelta(hours=n + 1), due_at=now - timedelta(hours=1))
    few, totals = statements()
    for n in range(12):
        make_complaint(opened_at=now - timedelta(hours=n + 1), due_at=now - timedelta(hours=1))
    many, more_totals = statements()
    assert few == many <= 8
    assert more_totals[0] == totals[0] + 12 and more_totals[2] == totals[2] + 12
