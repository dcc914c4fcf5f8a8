"""Pages answer in a fixed number of queries, however many complaints there are."""

from tests.support.queries import count_statements


def statements_for(app, client, url):
    client.get(
        url
    )  # warm up: first-request work (e.g. loading the user) is the same for both sizes
    with count_statements(app) as counter:
        assert client.get(url).status_code == 200
    return len(counter)


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
