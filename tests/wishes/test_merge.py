"""Admins merge duplicate wishes: the clients move over, the history stays (SQLite and PostgreSQL)."""

import pytest

from core import audit
from tests.support.db import count, using
from tests.support.wishes import REVIEW_DAY, wish
from wishes import briefs, services
from wishes.models import WishRequest


def test_merge_moves_clients_and_counts_a_shared_client_once(app, ask, make_client, make_user):
    admin = make_user("admin")
    both = make_client(name="Asked for both")
    keep = ask("Export reports to Excel", client=both)
    ask(wish_id=keep)
    duplicate = ask("Excel export of the monthly report", client=both)
    ask(wish_id=duplicate)
    ask(wish_id=duplicate)
    with using(app):
        services.merge(duplicate, keep, admin)
        assert briefs.distinct_clients(keep) == 4  # 2 + 3 − the one who asked for both
        history = [e.action for e in audit.history("wish", duplicate)]
        [brief] = briefs.wishes_for_review(None, REVIEW_DAY)
    assert brief.id == keep and brief.distinct_clients == 4
    merged = wish(app, duplicate)
    assert merged.status == "merged" and merged.merged_into_id == keep
    assert history[-1] == "merged_into"
    # The shared client's own request stays on the duplicate: its history is not rewritten.
    assert count(app, WishRequest, WishRequest.wish_id == duplicate) == 1
    assert count(app, WishRequest, WishRequest.moved_from_wish_id == duplicate) == 2


def test_a_merged_wish_stands_for_the_one_it_joined(app, ask, make_client, make_user):
    admin = make_user("admin")
    keep, duplicate, third = ask("Dark mode"), ask("Night theme"), ask("Black background")
    with using(app):
        services.merge(duplicate, keep, admin)
        services.merge(keep, third, admin)  # keep itself becomes a duplicate later
    assert wish(app, duplicate).merged_into_id == third  # always one step from the live wish
    joana = make_client()
    assert ask(wish_id=duplicate, client=joana) == third
    with using(app):
        assert [b.id for b in briefs.client_wishes(joana.id)] == [third]
        assert briefs.distinct_clients(third) == 4


@pytest.mark.parametrize("case", ["self", "decided", "missing"])
def test_merge_refuses_what_makes_no_sense(app, ask, make_user, decide_wish, case):
    admin = make_user("admin")
    source, target = ask("Dark mode"), ask("Night theme")
    if case == "decided":
        decide_wish(target, "will_do", "Soon", manager=admin)
    with using(app):
        target_id = {"self": source, "decided": target, "missing": 999_999}[case]
        with pytest.raises(services.WishError) as refused:
            services.merge(source, target_id, admin)
    assert refused.value.field == "target_id"
    assert wish(app, source).status == "open"


def test_only_admins_merge_and_bad_input_is_shown_next_to_the_field(
    app, client, login_as, ask, make_user
):
    source, target = ask("Dark mode"), ask("Night theme")
    login_as("manager")
    assert client.post(f"/wishes/{source}/merge", data={"target_id": target}).status_code == 403
    login_as("admin")
    response = client.post(f"/wishes/{source}/merge", data={"target_id": "abc"})
    assert response.status_code == 400
    response = client.post(f"/wishes/{source}/merge", data={"target_id": source})
    assert response.status_code == 422
    assert "cannot be merged into itself" in response.text
    assert wish(app, source).status == "open"
    response = client.post(f"/wishes/{source}/merge", data={"target_id": target})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/wishes/{target}"
    )
    page = client.get(f"/wishes/{source}").text
    assert "This wish was merged into" in page and "Night theme" in page


def test_the_merge_service_itself_refuses_anyone_but_an_admin(app, ask, make_user):
    """Only the route checked the role: any caller of the service (a job, a command, a future
    route) merged another team's wishes for a manager or an agent."""
    source, target = ask("Dark mode"), ask("Night theme")
    for role in ("manager", "agent"):
        person = make_user(role)
        with using(app), pytest.raises(services.NotAllowed):
            services.merge(source, target, person)
    assert wish(app, source).status == "open"
    assert count(app, WishRequest, WishRequest.moved_from_wish_id == source) == 0
