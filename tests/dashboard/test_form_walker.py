"""The form walker (issue #11): every POST route of the app, as every role and anonymous, gets garbage.

Every field name of every form is sent with one nasty value at a time (NUL, numbers beyond any
column, non-ASCII digits, sNaN, dates at year 1 and 9999, 10 kB of text, odd Unicode and control
characters, nothing), URL arguments are real ids of the demo data, and no answer may be a 5xx. ``/slack/`` (signed requests) and
``/api/`` (covered by the API's own tests) are left out.
"""

import io

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from complaints.intake import survey
from complaints.models import Category, Compensation, Complaint, Playbook
from core.extensions import db
from core.models import Client, Team, User
from dashboard.demo import seed_all
from dashboard.slack.models import OutboxMessage
from standup.models import ActionItem, AgendaItem, AwayDay, Standup
from tests.support.db import using
from wishes.models import Callback, Wish

NASTY = [
    "",
    "\x00",
    "9223372036854775808",
    "2147483648",
    "-1",
    "²",
    "sNaN",
    "1e999999",
    "0001-01-01T00:00",
    "9999-12-31",
    "x" * 10_000,
    "\u202e\ufeff\u0301😀\U0010ffff",  # right-to-left override, BOM, lone combining mark, astral
    "\x1b[31m\x7f\r\n\t",  # terminal escapes and other control characters
]
SKIPPED = ("/slack/", "/api/", "/auth/logout")
# Bodies no page sends: JSON of every shape (Flask-WTF would read it as the form), broken
# multipart, another charset, broken percent-escapes, thousands of fields, NUL as plain text.
ODD_BODIES = [
    ("application/json", b"5"),
    ("application/json", b'[["a", "b", "c"]]'),
    ("application/json", b'{"summary": "x", "amount": 1e999999, "on": {"day": [1]}}'),
    ("application/json", b"[" * 5000),
    (
        "multipart/form-data; boundary=zzz",
        b'--zzz\r\nContent-Disposition: form-data; name="file"; '
        b'filename="\x00.csv"\r\n\r\n\xff\xfe\x00\r\n--zzz--\r\n',
    ),
    ("multipart/form-data", b"no boundary"),
    ("application/x-www-form-urlencoded; charset=utf-16", "summary=x".encode("utf-16")),
    ("application/x-www-form-urlencoded", b"%ff%fe=%ff&summary=%%%" + b"&x=1" * 20_000),
    ("text/plain", b"\x00" * 1000),
]
EXTRA_FIELDS = {"slug", "on", "version", "present", "next", "status", "decision"}


def _form_classes(cls=FlaskForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def _field_names() -> set[str]:
    names = set(EXTRA_FIELDS)
    for form in _form_classes():
        fields = [n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)]
        names.update(fields)
        if prefix := getattr(form, "PREFIX", ""):  # a board form's fields are posted prefixed
            names.update(f"{prefix}-{n}" for n in fields)
    return names


def _max_id(model, *where):
    return db.session.scalar(sa.select(sa.func.max(model.id)).where(*where)) or 1


def _url_values(app) -> dict:
    """Real ids and keys of the demo data for every URL argument the POST routes take."""
    with using(app):
        seed_all()
        team = db.session.scalar(sa.select(Team).where(Team.slug == "sao-paulo"))
        standup = db.session.scalar(
            sa.select(Standup).where(Standup.team_id == team.id).order_by(Standup.on.desc())
        )
        agent = db.session.scalar(sa.select(User).where(User.email == "agent@huddle.example"))
        customer = db.session.scalar(sa.select(Client).limit(1))
        _link, token = survey.issue_link(customer.id)
        db.session.commit()
        return {
            "complaint_id": _max_id(Complaint),
            "step": 0,
            "compensation_id": _max_id(Compensation),
            "playbook_id": _max_id(Playbook),
            "category_id": _max_id(Category),
            "wish_id": _max_id(Wish),
            "callback_id": _max_id(Callback),
            "agenda_item_id": _max_id(AgendaItem),
            "item_id": _max_id(ActionItem),
            "user_id": agent.id,
            "away_id": _max_id(AwayDay),
            "message_id": _max_id(OutboxMessage),
            "team_id": team.id,
            "slug": team.slug,
            "on": standup.on.isoformat() if standup else "2026-12-01",
            "token": token,
            "job_id": "no-such-job",
            "decision": "approve",
        }


def _post_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and not rule.rule.startswith(SKIPPED):
            yield rule


def _url(app, rule, values) -> str:
    args = {name: values.get(name, 1) for name in rule.arguments}  # a new argument: id 1
    if "timebox" in rule.rule:
        args["item_id"] = values["agenda_item_id"]
    with app.test_request_context():
        return app.url_for(rule.endpoint, **args)


def _people(app) -> list[User | None]:
    emails = ["agent@huddle.example", "manager@huddle.example", "admin@huddle.example"]
    with using(app):
        users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    return [None, *sorted(users, key=lambda u: emails.index(u.email))]


def visits(app, rules):
    """Each rule's URL (real ids of the demo data) with a fresh client logged in as each person in
    turn: (url, who, client)."""
    values = _url_values(app)
    people = _people(app)
    for rule in rules:
        url = _url(app, rule, values)
        for person in people:
            client = app.test_client()
            if person is not None:
                client.log_in(person)
            yield url, person.role if person else "anonymous", client


def failure(send, *args, **kwargs) -> str | None:
    """What went wrong when ``send(*args, **kwargs)`` answered 5xx (the test app re-raises what
    would be a 500), else None."""
    try:
        status = send(*args, **kwargs).status_code
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:120]}"
    return str(status) if status >= 500 else None


def test_no_form_answers_5xx_to_garbage(app):
    names = sorted(_field_names())
    failures = []
    for url, who, client in visits(app, _post_rules(app)):
        for number, value in enumerate(NASTY):
            headers = {"HX-Request": "true"} if number % 2 else {}
            data = dict.fromkeys(names, value)
            if wrong := failure(client.post, url, data=data, headers=headers):
                failures.append(f"{url} as {who} with {value[:20]!r}: {wrong}")
    assert failures == []


def test_no_form_answers_5xx_to_a_body_of_another_kind(app):
    failures = []
    for url, who, client in visits(app, _post_rules(app)):
        for number, (kind, body) in enumerate(ODD_BODIES):
            headers = {"HX-Request": "true"} if number % 2 else {}
            wrong = failure(client.post, url, data=body, content_type=kind, headers=headers)
            if wrong:
                failures.append(f"{url} as {who} with {kind} {body[:20]!r}: {wrong}")
    assert failures == []


def test_no_form_answers_5xx_to_a_file_where_it_takes_text(app):
    """Flask-WTF reads a multipart body's files as the form's data: each text field sent as a file
    answered 500 on 56 routes, the login page and "write to us" among them."""
    names = sorted(_field_names())
    failures = []
    for url, who, client in visits(app, _post_rules(app)):
        data = {name: (io.BytesIO(b"Ana"), "name.txt") for name in names}
        if wrong := failure(client.post, url, data=data, content_type="multipart/form-data"):
            failures.append(f"{url} as {who}: {wrong}")
    assert failures == []
