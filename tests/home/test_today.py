"""Today shows each person the blocks of their role, and each block refreshes alone."""

import pytest


def test_agent_sees_agent_blocks_only(client, login_as):
    login_as("agent")
    page = client.get("/").text
    assert "Complaints I own" in page
    assert "Complaints waiting for an owner" not in page
    assert "Low ratings since yesterday" not in page


def test_manager_sees_follow_ups_unowned_and_low_ratings(client, login_as):
    login_as("manager")
    page = client.get("/").text
    for title in (
        "Complaints I own",
        "My follow-ups due today and overdue",
        "Complaints waiting for an owner",
        "Low ratings since yesterday",
    ):
        assert title in page
    assert "Compensation awaiting approval" not in page


def test_admin_sees_compensation_awaiting_approval(client, login_as):
    login_as("admin")
    assert "Compensation awaiting approval" in client.get("/").text


@pytest.mark.parametrize(("role", "status"), [("agent", 404), ("manager", 200)])
def test_a_block_refreshes_alone_for_those_who_may_see_it(client, login_as, role, status):
    login_as(role)
    response = client.get("/today/unowned", headers={"HX-Request": "true"})
    assert response.status_code == status
    if status == 200:
        assert response.text.lstrip().startswith('<article id="block-unowned"')
        assert "<html" not in response.text
