"""The read models other packages use: agenda, digest, follow-up watch."""

from datetime import UTC, datetime, timedelta

import pytest

from complaints import briefs

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def seed(db_session, make_team, make_user, make_client, make_complaint, make_contact, make_rating):
    team, other = make_team(), make_team()
    owner = make_user("manager", name="Marta Owner", team_id=team.id)
    client = make_client(
        external_id="c-1", name="Ana Client", email="ana@example.com", phone="+5511"
    )

    def complaint(opened_hours_ago, due_in_hours, **fields):
        opened_at, due_at = (
            NOW - timedelta(hours=opened_hours_ago),
            NOW + timedelta(hours=due_in_hours),
        )
        fields.setdefault("summary", "Late delivery")
        return make_complaint(opened_at, due_at, client=client, channel="api", **fields)

    overnight_one = complaint(5, 19, team_id=team.id, owner_id=owner.id, summary="Overnight")
    old_overdue = complaint(72, -48, team_id=team.id, summary="Old overdue")
    contacted_overdue = complaint(50, -2, team_id=None, summary="Contacted overdue")
    other_team = complaint(3, 21, team_id=other.id, summary="Other team")
    resolved = complaint(
        40, -16, team_id=team.id, status="resolved", resolved_at=NOW - timedelta(hours=3)
    )
    make_contact(contacted_overdue, NOW - timedelta(hours=1), "no_answer", user=owner)
    make_rating(NOW - timedelta(hours=5), 1, client=client, complaint_id=overnight_one.id)
    make_rating(NOW - timedelta(hours=4), 5, client=client)
    make_rating(NOW - timedelta(hours=30), 2, client=client)
    return {
        "team": team,
        "other": other,
        "owner": owner,
        "overnight": overnight_one,
        "old": old_overdue,
        "contacted": contacted_overdue,
        "other_team": other_team,
        "resolved": resolved,
    }


def test_overnight_counts_complaints_and_low_ratings_for_the_team(seed):
    result = briefs.overnight(seed["team"].id, NOW - timedelta(hours=16), NOW)
    assert result.complaints_opened == 1
    assert result.low_ratings == 1
    assert [b.summary for b in result.top] == ["Overnight"]
    assert result.top[0].owner_name == "Marta Owner"


def test_follow_ups_due_lists_overdue_and_near_deadline_most_overdue_first(seed):
    due = briefs.follow_ups_due(seed["team"].id, NOW, within_hours=4)
    assert [b.summary for b in due] == ["Old overdue", "Contacted overdue"]
    assert due[0].age_days == 3 and due[0].is_overdue(NOW)
    assert due[1].last_contact_at == NOW - timedelta(hours=1)


def test_digest_and_overdue_without_contact(seed):
    digest = briefs.digest(NOW)
    assert {b.summary for b in digest.new_since_yesterday} == {"Overnight", "Other team"}
    assert {b.summary for b in digest.unowned} == {"Old overdue", "Contacted overdue", "Other team"}
    assert {b.summary for b in digest.overdue} == {"Old overdue", "Contacted overdue"}
    assert [b.summary for b in digest.resolved_yesterday] == ["Late delivery"]
    assert [b.summary for b in briefs.overdue_without_contact(NOW)] == ["Old overdue"]


def test_briefs_carry_no_client_contact_details(seed):
    brief = briefs.follow_ups_due(None, NOW)[0]
    text = repr(brief)
    assert "ana@example.com" not in text and "+5511" not in text


def test_follow_ups_with_a_limit_are_the_first_of_the_whole_list(
    db_session, make_team, make_complaint
):
    """The bounded read (a few per status and team) gives exactly the head of the full sort."""
    team, other = make_team(), make_team()
    statuses = ("new", "contacting", "resolving", "reopened", "resolved")
    for n in range(30):
        make_complaint(
            NOW - timedelta(days=5),
            NOW + timedelta(hours=(n * 7) % 23 - 15),  # interleaved deadlines, some the same
            team_id=(team.id, other.id, None)[n % 3],
            status=statuses[n % 5],
            summary=f"C{n}",
        )
    for team_id in (team.id, other.id, None):
        full = [b.id for b in briefs.follow_ups_due(team_id, NOW)]
        for limit in (1, 3, 5, 11):
            bounded = [b.id for b in briefs.follow_ups_due(team_id, NOW, limit=limit)]
            assert bounded == full[:limit]
    assert len(full) > 11
