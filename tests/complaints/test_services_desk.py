"""The desk's rules, called directly: the same rules hold for the pages, Slack and jobs."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from complaints import pages, root_causes, services
from complaints.models import Compensation, Complaint, Contact, SurveyLink
from core.audit import AuditEvent, history
from core.database import utcnow
from core.extensions import db


@pytest.fixture
def manager(make_user):
    return make_user("manager", name="Marta Souza")


def fresh(complaint_id) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, complaint_id)


def test_take_ownership_names_the_manager_and_records_it(db_session, manager, make_complaint):
    complaint = make_complaint()
    services.take_ownership(complaint.id, manager)
    assert fresh(complaint.id).owner_id == manager.id
    (event,) = history("complaint", complaint.id)
    assert (event.action, event.details["to"]) == ("owner_changed", "Marta Souza")
    # Taking it again is harmless and records nothing more.
    services.take_ownership(complaint.id, manager)
    assert len(history("complaint", complaint.id)) == 1


def test_only_managers_own_complaints(db_session, make_user, make_complaint):
    complaint = make_complaint()
    with pytest.raises(services.ComplaintError, match="Only managers own complaints"):
        services.take_ownership(complaint.id, make_user("agent"))
    assert fresh(complaint.id).owner_id is None


def test_taking_never_silently_steals_someone_elses_complaint(
    db_session, manager, make_user, make_complaint
):
    complaint = make_complaint(owner_id=manager.id)
    other = make_user("manager", name="Mikhail")
    with pytest.raises(services.ComplaintError, match="Marta Souza already owns"):
        services.take_ownership(complaint.id, other)  # from Slack or the list: no version seen
    assert fresh(complaint.id).owner_id == manager.id
    # From the complaint page, knowing the current version, it is a deliberate take-over.
    services.take_ownership(complaint.id, other, fresh(complaint.id).version)
    assert fresh(complaint.id).owner_id == other.id


def test_closed_complaints_cannot_be_taken(db_session, manager, make_complaint):
    complaint = make_complaint(status="closed")
    with pytest.raises(services.ComplaintError, match="no longer open"):
        services.take_ownership(complaint.id, manager)
    with pytest.raises(services.NotFound):
        services.take_ownership(999_999, manager)


def test_assign_accepts_only_active_managers(db_session, manager, make_user, make_complaint):
    complaint = make_complaint()
    version = complaint.version
    for owner in (make_user("agent"), make_user("manager", active=False)):
        with pytest.raises(services.ComplaintError, match="active manager") as refused:
            services.assign(complaint.id, manager, owner.id, version)
        assert refused.value.field == "owner_id"
    services.assign(complaint.id, manager, manager.id, version)
    assert fresh(complaint.id).owner_id == manager.id


def test_agents_log_contacts_and_first_contact_comes_from_the_log(
    db_session, make_user, make_complaint
):
    agent = make_user("agent")
    complaint = make_complaint()
    earlier = utcnow() - timedelta(hours=1)
    services.log_contact(complaint.id, agent, "call", "no_answer", "  ", at=utcnow())
    services.log_contact(complaint.id, agent, "email", "reached", "Wrote back", at=earlier)
    assert fresh(complaint.id).status == "contacting"
    assert pages.first_contact_at(complaint.id) == earlier
    notes = db.session.scalars(sa.select(Contact.notes).order_by(Contact.at)).all()
    assert notes == ["Wrote back", None]  # blank notes are stored as nothing, not spaces


@pytest.mark.parametrize(
    ("channel", "outcome", "at", "field"),
    [
        ("pigeon", "reached", None, "channel"),
        ("call", "delighted", None, "outcome"),
        ("call", "reached", timedelta(hours=2), "at"),
        ("call", "reached", -timedelta(days=30), "at"),
    ],
)
def test_bad_contacts_are_refused_and_nothing_is_logged(
    db_session, manager, make_complaint, channel, outcome, at, field
):
    complaint = make_complaint()
    when = utcnow() + at if at is not None else None
    with pytest.raises(services.ComplaintError) as refused:
        services.log_contact(complaint.id, manager, channel, outcome, None, at=when)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0


def test_resolve_needs_a_contact_that_reached_the_client(
    db_session, manager, make_complaint, make_contact
):
    complaint = make_complaint(owner_id=manager.id)
    make_contact(complaint, user=manager, outcome="no_answer")
    make_contact(complaint, user=manager, outcome="call_back_later")
    with pytest.raises(services.ComplaintError, match="Log a contact that reached the client"):
        services.change_status(complaint.id, manager, "resolved", fresh(complaint.id).version)
    db.session.rollback()
    assert fresh(complaint.id).status == "new"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyLink)) == 0

    make_contact(complaint, user=manager, outcome="reached")
    change = services.change_status(complaint.id, manager, "resolved", fresh(complaint.id).version)
    assert change.follow_up_token
    link = db.session.scalar(sa.select(SurveyLink))
    assert (link.purpose, link.complaint_id) == ("follow_up", complaint.id)


def test_status_walks_the_lifecycle_and_reopening_clears_the_outcome(
    db_session, manager, make_complaint, make_contact
):
    complaint = make_complaint(owner_id=manager.id)
    make_contact(complaint, user=manager)

    def move(status):
        return services.change_status(complaint.id, manager, status, fresh(complaint.id).version)

    for status in ("contacting", "resolving", "resolved"):
        move(status)
    services.record_client_outcome(complaint.id, manager, "ordered_again")
    move("closed")
    assert fresh(complaint.id).closed_at is not None
    with pytest.raises(services.ComplaintError, match="cannot go from"):
        move("contacting")
    db.session.rollback()
    move("reopened")
    after = fresh(complaint.id)
    assert (after.status, after.resolved_at, after.closed_at, after.client_outcome) == (
        "reopened",
        None,
        None,
        None,
    )
    moves = [
        (e.details["from"], e.details["to"])
        for e in history("complaint", complaint.id)
        if e.action == "status_changed"
    ]
    assert moves[-1] == ("closed", "reopened") and len(moves) == 5


def test_agents_cannot_change_status_edit_or_give_compensation(
    db_session, make_user, make_complaint
):
    agent = make_user("agent")
    complaint = make_complaint()
    version = complaint.version
    for call in (
        lambda: services.change_status(complaint.id, agent, "contacting", version),
        lambda: services.edit(complaint.id, agent, version, summary="Changed"),
        lambda: services.add_compensation(complaint.id, agent, "refund", Decimal(5), None),
        lambda: services.apply_playbook(complaint.id, agent, 1, version),
        lambda: services.record_client_outcome(complaint.id, agent, "left"),
    ):
        with pytest.raises(services.ComplaintError, match="Only managers"):
            call()
    assert fresh(complaint.id).version == version


def test_client_outcome_only_after_resolution(db_session, manager, make_complaint):
    complaint = make_complaint()
    with pytest.raises(services.ComplaintError, match="after the complaint is resolved"):
        services.record_client_outcome(complaint.id, manager, "left")
    resolved = make_complaint(status="resolved")
    with pytest.raises(services.ComplaintError) as refused:
        services.record_client_outcome(resolved.id, manager, "vanished")
    assert refused.value.field == "outcome"
    services.record_client_outcome(resolved.id, manager, "rated_again")
    assert fresh(resolved.id).client_outcome == "rated_again"


def test_compensation_limit_is_the_owners(db_session, make_user, make_complaint):
    owner = make_user("manager", compensation_limit=Decimal("100"))
    helper = make_user("manager")  # no limit of their own
    complaint = make_complaint(owner_id=owner.id)
    within = services.add_compensation(complaint.id, helper, "discount", Decimal("80"), None)
    above = services.add_compensation(complaint.id, helper, "refund", Decimal("120"), "Full")
    assert (within.status, above.status) == ("approved", "pending")
    assert within.decided_by_id == helper.id and above.decided_by_id is None

    unowned = make_complaint()
    assert (
        services.add_compensation(unowned.id, helper, "refund", Decimal("1"), None).status
        == "pending"
    )
    admin = make_user("admin")
    assert (
        services.add_compensation(unowned.id, admin, "refund", Decimal("500"), None).status
        == "approved"
    )


def test_only_an_admin_decides_and_only_once(db_session, make_user, make_complaint):
    manager = make_user("manager", compensation_limit=Decimal("10"))
    complaint = make_complaint(owner_id=manager.id)
    pending = services.add_compensation(complaint.id, manager, "refund", Decimal("50"), None)
    with pytest.raises(services.ComplaintError, match="head of support"):
        services.decide_compensation(pending.id, manager, True)
    admin = make_user("admin")
    services.decide_compensation(pending.id, admin, False)
    assert db.session.get(Compensation, pending.id).status == "rejected"
    with pytest.raises(services.ComplaintError, match="already decided"):
        services.decide_compensation(pending.id, admin, True)
    with pytest.raises(services.NotFound):
        services.decide_compensation(999_999, admin, True)
    actions = [e.action for e in history("complaint", complaint.id)]
    assert actions == ["compensation_requested", "compensation_rejected"]


@pytest.mark.parametrize("amount", [None, Decimal("0"), Decimal("-3"), Decimal("1e11")])
def test_compensation_amount_must_be_sensible(db_session, manager, make_complaint, amount):
    complaint = make_complaint()
    with pytest.raises(services.ComplaintError) as refused:
        services.add_compensation(complaint.id, manager, "refund", amount, None)
    assert refused.value.field == "amount"
    with pytest.raises(services.ComplaintError) as refused:
        services.add_compensation(complaint.id, manager, "voucher", Decimal(5), None)
    assert refused.value.field == "kind"


def test_playbook_sets_category_budget_deadline_and_a_fresh_checklist(
    db_session, manager, make_complaint, make_playbook
):
    playbook = make_playbook(suggested_compensation=Decimal("12.50"), follow_up_hours=6)
    complaint = make_complaint(checklist_done=[0, 1])
    before = utcnow()
    services.apply_playbook(complaint.id, manager, playbook.id, complaint.version)
    after = fresh(complaint.id)
    assert after.category_id == playbook.category_id and after.budget == Decimal("12.50")
    assert before + timedelta(hours=6) <= after.due_at <= utcnow() + timedelta(hours=6)
    assert after.checklist_done == []
    services.toggle_step(complaint.id, manager, 2)
    services.toggle_step(complaint.id, manager, 0)
    services.toggle_step(complaint.id, manager, 2)
    assert fresh(complaint.id).checklist_done == [0]


def test_retired_playbooks_cannot_be_applied(db_session, manager, make_complaint, make_playbook):
    playbook = make_playbook(active=False)
    complaint = make_complaint()
    with pytest.raises(services.ComplaintError, match="active playbook"):
        services.apply_playbook(complaint.id, manager, playbook.id, complaint.version)
    assert fresh(complaint.id).playbook_id is None


def test_edit_checks_the_version_it_started_from(db_session, manager, make_complaint):
    complaint = make_complaint(summary="Original")
    version = complaint.version
    services.edit(complaint.id, manager, version, summary="First")
    with pytest.raises(services.ChangedMeanwhile) as stale:
        services.edit(complaint.id, manager, version, summary="Second")
    assert stale.value.complaint.summary == "First"
    assert stale.value.complaint.version == version + 1
    with pytest.raises(services.ComplaintError, match="Reload"):
        services.edit(complaint.id, manager, None, summary="No version")
    assert fresh(complaint.id).summary == "First"


def test_a_write_racing_past_the_version_check_is_caught_at_flush(
    db_session, manager, make_complaint
):
    """Someone commits between our check and our UPDATE: version_id_col makes the UPDATE miss."""
    complaint = make_complaint(summary="Original")
    loaded = db.session.get(Complaint, complaint.id)  # this request's copy, version 1
    db.session.connection().execute(
        sa.text("UPDATE complaints SET version = version + 1, summary = 'Theirs' WHERE id = :id"),
        {"id": complaint.id},
    )
    assert loaded.version == complaint.version  # our copy has not seen their write
    with pytest.raises(services.ChangedMeanwhile):
        services.edit(complaint.id, manager, loaded.version, summary="Ours")


def test_every_change_is_an_audit_event(db_session, manager, make_complaint, make_playbook):
    playbook = make_playbook()
    complaint = make_complaint()
    services.take_ownership(complaint.id, manager)
    services.log_contact(complaint.id, manager, "call", "reached", "Talked")
    services.apply_playbook(complaint.id, manager, playbook.id, fresh(complaint.id).version)
    services.toggle_step(complaint.id, manager, 0)
    due = utcnow().replace(microsecond=0) + timedelta(days=2)
    services.edit(complaint.id, manager, fresh(complaint.id).version, budget=Decimal(7), due_at=due)
    services.add_compensation(complaint.id, manager, "discount", Decimal("5"), None)
    services.change_status(complaint.id, manager, "resolved", fresh(complaint.id).version)
    actions = [e.action for e in history("complaint", complaint.id)]
    assert actions == [
        "owner_changed",
        "contact_logged",
        "playbook_applied",
        "step_checked",
        "edited",
        "compensation_requested",  # Marta has no limit set: it waits for the head of support
        "status_changed",
    ]
    assert fresh(complaint.id).due_at == due
    assert all(e.actor_id == manager.id for e in db.session.scalars(sa.select(AuditEvent)))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"summary": "x" * 301}, "summary"),
        ({"category_id": 999_999}, "category_id"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"due_at": None}, "due_at"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    db_session, manager, make_complaint, fields, field
):
    complaint = make_complaint(summary="Original")
    with pytest.raises(services.ComplaintError) as refused:
        services.edit(complaint.id, manager, complaint.version, **fields)
    assert refused.value.field == field
    db.session.rollback()
    after = fresh(complaint.id)
    assert (after.summary, after.version) == ("Original", complaint.version)


def test_categories_and_playbooks_are_written_by_admins_and_never_deleted(
    db_session, make_user, manager
):
    admin = make_user("admin")
    with pytest.raises(services.ComplaintError, match="Only admins"):
        root_causes.save_category(manager, "Late delivery")
    late = root_causes.save_category(admin, "  Late delivery ")
    assert late.name == "Late delivery"
    with pytest.raises(services.ComplaintError, match="already a category"):
        root_causes.save_category(admin, "late DELIVERY")
    root_causes.save_category(admin, "Late or lost delivery", late.id)
    assert db.session.get(type(late), late.id).name == "Late or lost delivery"

    playbook = root_causes.save_playbook(
        admin,
        category="Late or lost delivery",
        title="Late parcel",
        steps=["Apologise", "", "  Track it  "],
        suggested_compensation=Decimal("5"),
        follow_up_hours=8,
        active=True,
    )
    assert playbook.category_id == late.id and playbook.steps == ["Apologise", "Track it"]
    with pytest.raises(services.ComplaintError, match="already has a playbook") as twice:
        root_causes.save_playbook(
            admin,
            category="late or lost delivery",
            title="Another",
            steps=["x"],
            suggested_compensation=None,
            follow_up_hours=8,
            active=True,
        )
    assert twice.value.field == "category"
    db.session.rollback()
    root_causes.set_playbook_active(admin, playbook.id, False)
    assert pages.playbook(playbook.id).active is False
    assert [e.action for e in history("playbook", playbook.id)] == ["saved", "deactivated"]


@pytest.mark.parametrize(
    ("first", "again"),
    [("Доставка", "доставка"), ("ENTREGA ATRASADA", "Entrega atrasada"), ("Straße", "STRASSE")],
)
def test_a_category_name_is_taken_in_any_case_in_every_script(db_session, make_user, first, again):
    """SQL's ``lower()`` folds ASCII only on SQLite (and on a PostgreSQL with the C locale): a
    Russian admin could add "доставка" beside "Доставка". Names are compared casefolded."""
    admin = make_user("admin")
    kept = root_causes.save_category(admin, first)
    with pytest.raises(services.ComplaintError, match="already a category") as refused:
        root_causes.save_category(admin, again)
    assert refused.value.field == "name"
    db.session.rollback()
    playbook = root_causes.save_playbook(
        admin,
        category=again,
        title="Script",
        steps=["Call"],
        suggested_compensation=None,
        follow_up_hours=8,
        active=True,
    )
    assert playbook.category_id == kept.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(kept))) == 1


def test_editing_keeps_the_clients_original_words_in_the_history(
    db_session, manager, make_complaint
):
    """#12: a manager rewriting the summary and details cannot erase what the client said."""
    complaint = make_complaint()
    original_summary, original_details = complaint.summary, complaint.details
    services.edit(
        complaint.id, manager, fresh(complaint.id).version, summary="Rewritten", details="New"
    )
    services.edit(complaint.id, manager, fresh(complaint.id).version, summary="Again")
    edits = [e.details for e in history("complaint", complaint.id) if e.action == "edited"]
    assert edits[0]["before_summary"] == original_summary
    assert edits[0]["before_details"] == original_details
    assert (edits[0]["summary"], edits[1]["before_summary"], edits[1]["summary"]) == (
        "Rewritten",
        "Rewritten",
        "Again",
    )
