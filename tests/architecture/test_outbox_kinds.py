"""Every kind of message the code queues has words on the admin outbox pages (no code shown there).

The kinds are string literals at each call that queues a message; this reads them from the source,
so a new kind without a label fails here, not on an admin's screen in Russian.
"""

import ast
from pathlib import Path

from dashboard.mail import KIND_LABELS as MAIL_KINDS
from dashboard.slack.admin import KIND_LABELS as SLACK_KINDS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("complaints", "core", "dashboard", "standup", "wishes")
# The function queueing a message: which outbox, and the position of its kind among the arguments
CALLS = {
    "enqueue_message": ("slack", 1),
    "tell_managers": ("slack", 0),
    "to_user": ("mail", 1),
    "to_client": ("mail", 1),
    "mail_survey": ("mail", 3),
    "enqueue": ("either", 1),  # the Slack outbox's and the mail outbox's own
}


def queued_kinds() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"slack": set(), "mail": set(), "either": set()}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in CALLS:
                    where, position = CALLS[name]
                    _note(found[where], node, position)
    return found


def _note(kinds: set[str], call: ast.Call, position: int) -> None:
    if len(call.args) > position:
        argument = call.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            kinds.add(argument.value)


def test_every_kind_queued_has_a_label():
    found = queued_kinds()
    assert found["slack"] >= {"standup-summary", "low-rating-alert"}  # the scan sees the calls
    assert found["mail"] >= {"invitation", "survey-reminder"}
    assert found["slack"] - SLACK_KINDS.keys() == set()
    assert found["mail"] - MAIL_KINDS.keys() == set()
    assert found["either"] - SLACK_KINDS.keys() - MAIL_KINDS.keys() == set()


def test_no_label_names_a_kind_nothing_queues():
    found = queued_kinds()
    queued = found["slack"] | found["mail"] | found["either"]
    assert SLACK_KINDS.keys() - queued == set()
    assert MAIL_KINDS.keys() - queued == set()
