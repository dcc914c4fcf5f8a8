"""Pages answer in a fixed number of queries, however many complaints there are."""

from core.database import utcnow
from tests.support.queries import statements_for


def seed(make_complaint, make_contact, manager, n):
    for i in range(n):
        complaint = make_complaint(summary=f"Complaint {i}", owner_id=manager.id if i % 2 else None)
        make_contact(complaint, user=manager)


def test_open_list_query_count_does_not_grow_with_rows(
    app, client, login_as, make_complaint, make_contact
):
    manager = login_as("manager")
    seed(make_complaint, make_contact, manager, 3)
    few = statements_for(app, client, "/complaints/")
    seed(make_complaint, make_contact, manager, 27)
    many = statements_for(app, client, "/complaints/")
    assert few == many
    assert many <= 6


def test_today_and_detail_query_counts_are_fixed(
    app, client, login_as, make_complaint, make_contact
):
    manager = login_as("admin")
    seed(make_complaint, make_contact, manager, 3)
    few = statements_for(app, client, "/")
    target = make_complaint(owner_id=manager.id)
    for _ in range(3):
        make_contact(target, user=manager)
    detail_few = statements_for(app, client, f"/complaints/{target.id}")
    seed(make_complaint, make_contact, manager, 27)
    for _ in range(20):
        make_contact(target, user=manager)
    assert statements_for(app, client, "/") == few
    assert statements_for(app, client, f"/complaints/{target.id}") == detail_few


def test_follow_ups_client_page_and_playbooks_load_in_fixed_queries(
    app, client, login_as, make_client, make_complaint, make_contact, make_playbook
):
    me = login_as("admin")
    ours = make_client()

    def seed(n):
        for i in range(n):
            complaint = make_complaint(client_id=ours.id, owner_id=me.id, due_at=utcnow())
            make_contact(complaint, user=me)
            make_playbook(name=f"Cause {i}")

    seed(3)
    urls = ("/complaints/mine", f"/complaints/clients/{ours.id}", "/complaints/playbooks")
    few = [statements_for(app, client, url) for url in urls]
    seed(27)
    assert [statements_for(app, client, url) for url in urls] == few
