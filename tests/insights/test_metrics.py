"""Every Insights figure on data sets whose answers are known by construction (SQLite and PostgreSQL)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dashboard.insights import metrics, periods
from dashboard.insights.periods import (
    CURRENT,
    PREVIOUS,
    Compared,
    Period,
    percentile,
)
from tests.support.db import using
from tests.support.insights import at
from tests.support.queries import count_statements

MARCH = Period(date(2024, 3, 1), date(2024, 3, 28), "UTC")
NOW = at("2024-04-01 12:00")


@pytest.fixture
def known(
    app,
    make_user,
    make_client,
    make_category,
    make_complaint,
    make_contact,
    make_rating,
    make_compensation,
    owner,
):
    """March 2024 (and February before it) with every figure worked out by hand in the tests."""
    late = make_category("Late delivery", playbook=True)
    billing = make_category("Billing error", playbook=True)
    rude = make_category("Rude courier")
    old = make_category("Old cause", playbook=False)  # an inactive playbook covers nothing
    make_category("Unused cause")
    other = make_user("manager", name="Otto Other")

    c1 = make_complaint(
        at("2024-03-02 10:00"), category=late, owner=owner, status="resolved",
        resolved_at=at("2024-03-04 10:00"),
    )  # fmt: skip
    make_contact(c1, at("2024-03-02 11:00"), "no_answer")
    make_contact(c1, at("2024-03-02 12:00"), "reached")  # 2 h, within the deadline
    make_rating(at("2024-03-05 09:00"), 5, client=c1.client)  # rated again after: kept

    c2 = make_complaint(
        at("2024-03-05 10:00"), channel="email", category=late, owner=other, status="resolved",
        resolved_at=at("2024-03-07 10:00"), client_outcome="ordered_again",
    )  # fmt: skip
    make_contact(c2, at("2024-03-06 14:00"), "resolved")  # 28 h: after the deadline

    c3 = make_complaint(
        at("2024-03-10 10:00"), category=billing, status="resolved",
        resolved_at=at("2024-03-12 10:00"),
    )  # fmt: skip
    make_contact(c3, at("2024-03-10 14:00"))  # 4 h
    make_rating(at("2024-03-11 09:00"), 5, client=c3.client)  # before the resolution: not kept

    c4 = make_complaint(
        at("2024-03-12 10:00"), channel="chat", category=rude, status="resolved",
        resolved_at=at("2024-03-14 10:00"),
    )  # fmt: skip
    make_contact(c4, at("2024-03-13 12:00"), "no_answer")  # never reached, deadline passed
    make_rating(at("2024-03-15 09:00"), 3, client=c4.client)  # after, but only a 3: not kept

    make_complaint(at("2024-03-20 10:00"), due_at=at("2024-04-10 10:00"))  # not due yet
    c6 = make_complaint(at("2024-03-15 10:00"), category=old, status="contacting")
    make_contact(c6, at("2024-03-15 16:00"))  # 6 h

    p1 = make_complaint(
        at("2024-02-10 10:00"), channel="web_form", category=late, owner=owner,
        status="resolved", resolved_at=at("2024-02-11 10:00"),
    )  # fmt: skip
    make_contact(p1, at("2024-02-10 11:00"))  # 1 h
    # Outside both periods (the end is exclusive, the start inclusive):
    make_complaint(at("2024-03-29 00:00"))
    make_complaint(at("2024-02-01 23:59"))

    make_rating(at("2024-03-01 00:00"), 1)  # first instant of the period: counted
    make_rating(at("2024-03-28 23:59"), 2)
    make_rating(at("2024-03-29 00:00"), 1)  # after the period
    make_rating(at("2024-02-15 12:00"), 2)  # previous period

    make_compensation(c1, "50.00", at("2024-03-03 10:00"))
    make_compensation(c2, "25.50", at("2024-03-06 10:00"))
    make_compensation(c3, "100.00", at("2024-03-11 10:00"), status="pending")
    make_compensation(c3, "70.00", at("2024-03-11 11:00"), status="rejected")
    make_compensation(c4, "10.10", at("2024-03-14 10:00"))
    make_compensation(p1, "20.00", at("2024-02-11 10:00"))
    return {"late": late, "owner": owner, "other": other}


def test_period_bounds_previous_period_and_days():
    assert MARCH.days == 28
    assert (MARCH.start_at, MARCH.end_at) == (at("2024-03-01 00:00"), at("2024-03-29 00:00"))
    assert MARCH.previous() == Period(date(2024, 2, 2), date(2024, 2, 29), "UTC")
    sp = Period(date(2024, 3, 10), date(2024, 3, 10), "America/Sao_Paulo")
    assert (sp.start_at, sp.end_at) == (at("2024-03-10 03:00"), at("2024-03-11 03:00"))
    assert Period.last_days(date(2024, 3, 28), "UTC") == MARCH


def test_heard(app, known):
    with using(app):
        heard = metrics.heard(MARCH, None)
    assert (heard.ratings.current, heard.ratings.previous) == (5, 1)
    assert (heard.low_ratings.current, heard.low_ratings.previous) == (2, 1)
    assert (heard.low_share.current, heard.low_share.previous) == (0.4, 1.0)
    assert (heard.complaints.current, heard.complaints.previous) == (6, 1)
    assert [(c.channel, c.current, c.previous) for c in heard.by_channel] == [
        ("phone", 4, 0),
        ("chat", 1, 0),
        ("email", 1, 0),
        ("web_form", 0, 1),
    ]
    per_day = {
        d.day: (d.complaints, d.low_ratings) for d in heard.daily if d.complaints or d.low_ratings
    }
    assert len(heard.daily) == 28
    assert per_day == {
        date(2024, 3, 1): (0, 1),
        date(2024, 3, 2): (1, 0),
        date(2024, 3, 5): (1, 0),
        date(2024, 3, 10): (1, 0),
        date(2024, 3, 12): (1, 0),
        date(2024, 3, 15): (1, 0),
        date(2024, 3, 20): (1, 0),
        date(2024, 3, 28): (0, 1),
    }
    # More complaints heard is never shown as bad news.
    assert heard.complaints.direction == "up" and heard.complaints.tone == "neutral"


def test_reached(app, known):
    with using(app):
        reached = metrics.reached(MARCH, None, NOW)
    assert (reached.complaints.current, reached.reached.current) == (6, 4)
    # Durations 2 h, 4 h, 6 h, 28 h: median halfway between 4 h and 6 h; p90 at 2.7 of 3.
    assert reached.median_seconds.current == 18000
    assert reached.p90_seconds.current == pytest.approx(21600 + 0.7 * (100800 - 21600))
    assert (reached.median_seconds.previous, reached.p90_seconds.previous) == (3600, 3600)
    assert reached.median_seconds.tone == "bad"  # slower than before
    # Judged: reached (4) or past the deadline (c4); the one not due yet is not a miss.
    assert (reached.within_deadline.current, reached.within_deadline_share.current) == (3, 0.6)
    assert reached.within_deadline_share.previous == 1.0
    assert (reached.resolved.current, reached.resolved_by_contact_share.current) == (4, 0.75)
    assert reached.resolved_by_contact_share.previous == 1.0


def test_kept(app, known):
    with using(app):
        kept = metrics.kept(MARCH, None)
    assert (kept.resolved.current, kept.kept.current, kept.kept_share.current) == (4, 2, 0.5)
    assert (kept.kept_share.previous, kept.kept_share.tone) == (0.0, "good")
    assert kept.compensation_total == Compared(Decimal("85.60"), Decimal("20.00"))
    assert [(s.label, s.current, s.previous) for s in kept.compensation_by_category] == [
        ("Late delivery", Decimal("75.50"), Decimal("20.00")),
        ("Rude courier", Decimal("10.10"), Decimal("0.00")),
    ]
    assert [(s.label, s.current, s.previous) for s in kept.compensation_by_owner] == [
        ("Marta Owner", Decimal("50.00"), Decimal("20.00")),
        ("Otto Other", Decimal("25.50"), Decimal("0.00")),
        (None, Decimal("10.10"), Decimal("0.00")),
    ]


def test_causes(app, known):
    with using(app):
        causes = metrics.causes(MARCH, None)
    assert causes.total == 6
    assert [(c.category, c.count, c.previous, c.has_playbook) for c in causes.pareto] == [
        ("Late delivery", 2, 1, True),
        ("Billing error", 1, 0, True),
        ("Old cause", 1, 0, False),
        ("Rude courier", 1, 0, False),
        (None, 1, 0, False),
    ]
    assert [c.cumulative_share for c in causes.pareto] == pytest.approx(
        [2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]
    )
    assert (causes.playbooks, causes.covered, causes.covered_share) == (2, 3, 0.5)
    assert causes.without_playbook == [("Old cause", 1), ("Rude courier", 1), ("Unused cause", 0)]


def test_team_filter_counts_only_that_teams_complaints(
    app, make_team, make_complaint, make_contact
):
    north, south = make_team(), make_team()
    make_complaint(at("2024-03-02 10:00"), team=north, channel="email")
    reached_south = make_complaint(at("2024-03-03 10:00"), team=south)
    make_contact(reached_south, at("2024-03-03 11:00"))
    make_complaint(at("2024-03-04 10:00"))  # no team yet: only in "all teams"
    with using(app):
        assert metrics.heard(MARCH, north.id).complaints.current == 1
        assert metrics.heard(MARCH, None).complaints.current == 3
        south_reached = metrics.reached(MARCH, south.id, NOW)
        assert (south_reached.complaints.current, south_reached.median_seconds.current) == (1, 3600)
        assert metrics.causes(MARCH, north.id).total == 1


def test_empty_period_gives_zeros_and_dashes_not_errors(app):
    with using(app):
        everything = metrics.compute(MARCH, None, NOW)
    heard, reached, kept, causes = (
        everything.heard, everything.reached, everything.kept, everything.causes,
    )  # fmt: skip
    assert (heard.ratings.current, heard.low_share.current, heard.complaints.current) == (
        0,
        None,
        0,
    )
    assert heard.by_channel == [] and sum(d.complaints for d in heard.daily) == 0
    assert (reached.median_seconds.current, reached.p90_seconds.current) == (None, None)
    assert (reached.within_deadline_share.current, reached.resolved_by_contact_share.current) == (
        None,
        None,
    )
    assert reached.median_seconds.tone == "neutral"
    assert (kept.kept_share.current, kept.compensation_total.current) == (None, Decimal("0.00"))
    assert kept.compensation_by_category == [] and kept.compensation_by_owner == []
    assert (causes.total, causes.pareto, causes.covered_share) == (0, [], None)


def test_one_item_period(app, make_complaint, make_contact, make_rating, make_compensation):
    only = make_complaint(
        at("2024-03-09 08:00"), status="resolved", resolved_at=at("2024-03-09 12:00")
    )
    make_contact(only, at("2024-03-09 09:30"))
    make_rating(at("2024-03-10 08:00"), 4, client=only.client)
    make_compensation(only, "12.34", at("2024-03-09 10:00"))
    with using(app):
        everything = metrics.compute(MARCH, None, NOW)
    assert (everything.heard.ratings.current, everything.heard.low_share.current) == (1, 0.0)
    reached = everything.reached
    assert (reached.median_seconds.current, reached.p90_seconds.current) == (5400, 5400)
    assert (reached.within_deadline_share.current, reached.resolved_by_contact_share.current) == (
        1.0,
        1.0,
    )
    assert everything.kept.kept_share.current == 1.0
    assert everything.kept.compensation_total.current == Decimal("12.34")
    causes = everything.causes
    assert [(c.category, c.count, c.cumulative_share) for c in causes.pareto] == [(None, 1, 1.0)]


def test_day_edge_in_sao_paulo(app, make_complaint, make_rating):
    """23:30 local belongs to that day, 00:30 the next day belongs to the next (UTC−3)."""
    make_complaint(at("2024-03-10 02:30"))  # 23:30 on 9 March local: before the period
    make_complaint(at("2024-03-10 03:30"))  # 00:30 on 10 March
    make_complaint(at("2024-03-11 02:30"))  # 23:30 on 10 March
    make_complaint(at("2024-03-11 03:30"))  # 00:30 on 11 March: after the one-day period
    make_rating(at("2024-03-11 02:59"), 1)  # 23:59 on 10 March
    one_day = Period(date(2024, 3, 10), date(2024, 3, 10), "America/Sao_Paulo")
    two_days = Period(date(2024, 3, 10), date(2024, 3, 11), "America/Sao_Paulo")
    with using(app):
        heard = metrics.heard(one_day, None)
        assert (heard.complaints.current, heard.complaints.previous) == (2, 1)
        assert [(d.day, d.complaints, d.low_ratings) for d in heard.daily] == [
            (date(2024, 3, 10), 2, 1)
        ]
        assert [(d.day, d.complaints) for d in metrics.heard(two_days, None).daily] == [
            (date(2024, 3, 10), 2),
            (date(2024, 3, 11), 1),
        ]
        # In UTC the same rows fall on other days.
        utc = metrics.heard(Period(date(2024, 3, 10), date(2024, 3, 11), "UTC"), None)
        assert [(d.day, d.complaints) for d in utc.daily] == [
            (date(2024, 3, 10), 2),
            (date(2024, 3, 11), 2),
        ]


def test_days_across_a_daylight_saving_jump_at_midnight(app, make_complaint):
    """São Paulo jumped from 00:00 to 01:00 on 4 November 2018: that day began at 03:00 UTC."""
    make_complaint(at("2018-11-04 02:30"))  # 23:30 on 3 Nov (UTC−3)
    make_complaint(at("2018-11-04 03:30"))  # 01:30 on 4 Nov (UTC−2)
    make_complaint(at("2018-11-05 01:30"))  # 23:30 on 4 Nov
    make_complaint(at("2018-11-05 02:30"))  # 00:30 on 5 Nov
    period = Period(date(2018, 11, 3), date(2018, 11, 5), "America/Sao_Paulo")
    assert period.day_ranges()[1] == (
        date(2018, 11, 4),
        at("2018-11-04 03:00"),  # its local midnight came at 01:00 (UTC−2)
        at("2018-11-05 02:00"),
    )
    with using(app):
        daily = metrics.heard(period, None).daily
    assert [(d.day, d.complaints) for d in daily] == [
        (date(2018, 11, 3), 1),
        (date(2018, 11, 4), 2),
        (date(2018, 11, 5), 1),
    ]


def test_percentile_matches_postgresql_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == pytest.approx(46.0)


def test_percentiles_in_sql_and_in_python_agree(app, backend, make_complaint, make_contact):
    """PostgreSQL computes percentiles in SQL; SQLite in Python; on PostgreSQL both must agree."""
    minutes = [7, 13, 13, 59, 61, 240, 241, 1000, 1439, 2881, 10]
    for n, delay in enumerate(minutes):
        opened = at("2024-03-02 10:00") + timedelta(hours=n * 30)
        make_contact(make_complaint(opened), opened + timedelta(minutes=delay, seconds=n))
    previous = make_complaint(at("2024-02-20 10:00"))
    make_contact(previous, at("2024-02-20 10:45"))
    with using(app):
        python = metrics.reach_percentiles(MARCH, None, in_sql=False)
        chosen = metrics.reach_percentiles(MARCH, None)
        if backend == "postgresql":
            assert metrics.reach_percentiles(MARCH, None, in_sql=True) == python
    expected = sorted(delay * 60 + n for n, delay in enumerate(minutes))
    assert python[CURRENT] == (percentile(expected, 0.5), percentile(expected, 0.9))
    assert python[CURRENT] == (61 * 60 + 4, 1439 * 60 + 8)
    assert python[PREVIOUS] == (2700.0, 2700.0)
    assert chosen == python


def test_counts_built_once_are_run_with_each_periods_and_teams_values(app, known, make_team):
    # The per-value counts are built once per column and values, the ranges and team bound
    with using(app):
        march = metrics.heard(MARCH, None).complaints
        february = metrics.heard(MARCH.previous(), None).complaints
        assert february.current == march.previous
        assert metrics.heard(MARCH, make_team().id).complaints.current == 0
        assert metrics.heard(MARCH, None).complaints == march


def test_causes_past_the_columns_one_statement_holds(app, known, monkeypatch):
    # Six categories (None too) in two periods: 12 counts, 3 to a statement past the limit
    with using(app):
        whole = metrics.causes(MARCH, None)
        with count_statements(app) as before:
            metrics.causes(MARCH, None)
        monkeypatch.setattr(periods, "COUNTED_COLUMNS", 3)
        metrics._opened_counting.cache_clear()  # built again, in statements of three
        try:
            with count_statements(app) as split:
                assert metrics.causes(MARCH, None) == whole
        finally:
            metrics._opened_counting.cache_clear()
    assert len(split) == len(before) + 3
