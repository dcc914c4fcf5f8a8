"""Every message kind within Block Kit limits, for 10,000 items; links back; no contact details."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from complaints.briefs import ComplaintBrief, Digest, RatingBrief
from core.i18n import speaking
from dashboard.slack import check_in_modal, messages
from dashboard.slack.mrkdwn import LOOK_ALIKES
from standup.briefs import ReminderBrief, StandupSummary
from tests.support.app import make_app
from tests.support.slack import BASE_URL, as_typed, formatting_left, read_back
from wishes.briefs import DecisionBrief, WishBrief
from wishes.forms import OUTCOME_LABELS

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


N = 10_000


@pytest.fixture(scope="module")
def plain_app():
    """Builders need an app (links, translations) but no database."""
    app = make_app("sqlite://", BASE_URL=BASE_URL)
    with app.app_context():
        yield app


def brief(i: int, **fields) -> ComplaintBrief:
    values = dict(
        id=i,
        client_name=f"Client {i} <!channel> & co",
        summary=f"Parcel {i} arrived late and the box was damaged " * 3,
        status="new",
        channel="api",
        category="Delivery",
        owner_id=i % 7 or None,
        owner_name=f"Manager {i % 7}" if i % 7 else None,
        team_id=1,
        opened_at=NOW - timedelta(days=i % 30),
        due_at=NOW - timedelta(hours=i % 50),
        last_contact_at=None,
        age_days=i % 30,
    )
    values.update(fields)
    return ComplaintBrief(**values)


def assert_within_limits(message: messages.SlackMessage) -> list[dict]:
    """Slack's limits, checked on the JSON that is sent, for the message and every reply."""
    payloads = message.all_payloads()
    for payload in payloads:
        blocks = payload["blocks"]
        assert 0 < len(blocks) <= messages.MAX_BLOCKS
        assert payload["text"] and len(payload["text"]) <= 3000
        assert len(json.dumps(payload)) < 40_000  # Slack's message size, with room to spare
        for block in blocks:
            Block.parse(block).validate_json()  # the SDK's own validators
            if block["type"] == "section":
                if "text" in block:
                    assert len(block["text"]["text"]) <= messages.MAX_SECTION_CHARS
                for field in block.get("fields", []):
                    assert len(field["text"]) <= 2000
                assert len(block.get("fields", [])) <= 10
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
            if block["type"] == "actions":
                for element in block["elements"]:
                    assert len(element.get("value", "")) <= messages.MAX_BUTTON_VALUE
    return payloads


def test_digest_of_ten_thousand_complaints_is_a_short_parent_with_a_capped_thread(plain_app):
    items = [brief(i) for i in range(1, N + 1)]
    digest = Digest(items, items[:N], items[: N // 2], items[:10])
    message = messages.complaints_digest(digest, date(2026, 3, 2))
    payloads = assert_within_limits(message)
    parent = dumps(message.blocks)
    assert "New since yesterday" in parent and "10000" in parent
    # the parent previews a few lines; the thread carries more and ends with a link to Huddle
    assert len(message.replies) >= 3
    assert dumps(payloads).count("see them all in Huddle") == 3  # three long lists
    assert f"{BASE_URL}/complaints/1" in parent
    # Slack control sequences in our clients' names are escaped, never pinging the channel
    assert "<!channel>" not in dumps(payloads)


def test_a_long_list_s_links_speak_the_team_language(plain_app):
    """The labels of a long list's links were marked inside another string's arguments, which
    pybabel does not extract: "see them all in Huddle" in every language."""
    items = [brief(i) for i in range(1, 300)]
    with speaking("ru"):
        message = messages.complaints_digest(
            Digest(items, items, items, items[:3]), date(2026, 3, 2)
        )
    sent = dumps(message.all_payloads())
    assert "in Huddle>" not in sent and "see them all" not in sent
    assert "|все — в Huddle>" in sent and "|в Huddle>" in sent


def test_every_complaint_line_links_back_to_huddle(plain_app):
    items = [brief(i) for i in range(1, 4)]
    message = messages.complaints_digest(Digest(items, [], [], []), date(2026, 3, 2))
    text = dumps(message.blocks)
    for item in items:
        assert f"<{BASE_URL}/complaints/{item.id}|" in text


def test_a_forged_host_header_changes_no_slack_link(plain_app):
    """#12: a message built while answering a request with ``Host: evil.example`` (an
    interaction, a page that posts to Slack) still links to HUDDLE_BASE_URL."""
    items = [brief(1)]
    with plain_app.test_request_context("/", headers={"Host": "evil.example"}):
        text = dumps(messages.complaints_digest(Digest(items, [], [], []), date(2026, 3, 2)).blocks)
    assert f"<{BASE_URL}/complaints/1|" in text and "evil.example" not in text


def test_quiet_digest(plain_app):
    message = messages.complaints_digest(Digest([], [], [], []), date(2026, 3, 2))
    assert_within_limits(message)
    assert "A quiet day" in dumps(message.blocks) and not message.replies


def test_reminder_with_ten_thousand_missing_people(plain_app):
    reminder = ReminderBrief(
        1,
        "São Paulo",
        "#sp",
        date(2026, 3, 2),
        NOW,
        "3 new complaints, 1 low rating",
        [(i, f"Person {i}", f"U{i:08d}" if i % 2 else None) for i in range(N)],
    )
    message = messages.standup_reminder(reminder)
    assert_within_limits(message)
    assert "<@U00000001>" in dumps(message.blocks)
    assert "10000 people have not checked in yet" in dumps(message.blocks)
    assert message.replies  # the full list is in the thread


def test_reminder_when_everyone_checked_in(plain_app):
    reminder = ReminderBrief(1, "Moscow", "#msk", date(2026, 3, 2), NOW, "Quiet night", [])
    message = messages.standup_reminder(reminder)
    assert_within_limits(message)
    assert "Everyone has checked in" in dumps(message.blocks)


def test_summary_posts_check_ins_as_thread_replies(plain_app):
    summary = StandupSummary(
        team_id=1,
        channel="#sp",
        standup_on=date(2026, 3, 2),
        duration_seconds=17 * 60,
        timebox_seconds=15 * 60,
        attended=[f"Person {i}" for i in range(N)],
        absent=["Ana", "Boris"],
        action_items=[(f"Call client {i}", f"Owner {i}", date(2026, 3, 3)) for i in range(N)],
        blockers=[(f"Person {i}", "Waiting for the warehouse") for i in range(N)],
        check_ins=[(f"Person {i}", "calls", "more calls", None, "🙂") for i in range(N)],
        decisions=[],
        url=f"{BASE_URL}/standup/sp/2026-03-02",
    )
    message = messages.standup_summary(summary)
    payloads = assert_within_limits(message)
    parent = dumps(message.blocks)
    assert "17 min of 15 min" in parent and "Ana" in parent and "⏰" in parent
    replies = dumps(payloads[1:])
    assert "Check-ins" in replies and "more calls" in replies and "Action items" in replies
    assert "more calls" not in parent  # check-ins live in the thread


def _summary(**fields) -> StandupSummary:
    base = {
        "team_id": 1,
        "channel": "#sp",
        "standup_on": date(2026, 3, 2),
        "duration_seconds": 9 * 60,
        "timebox_seconds": 15 * 60,
        "attended": ["Ana"],
        "absent": [],
        "action_items": [],
        "blockers": [],
        "check_ins": [],
        "decisions": [],
        "url": f"{BASE_URL}/standup/sp/2026-03-02",
    }
    return StandupSummary(**{**base, **fields})


def test_summary_tells_decisions_parking_lot_and_what_was_not_reached(plain_app):
    message = messages.standup_summary(
        _summary(
            decisions=["Refunds under R$50 need no approval"],
            parking_lot=("New hire onboarding",),
            unreached=[("wishes", ""), ("carried", "Call back Ana"), ("parking_lot", "")],
            check_ins=[("Ana", "calls", "more calls", "none", "🙂")],
        )
    )
    parent = dumps(message.blocks)
    for text in ("Decisions", "Refunds under R$50", "Parking lot", "New hire onboarding"):
        assert text in parent, text
    assert "Not reached" in parent and "Wishes and callbacks" in parent and "✅" in parent
    assert "Carried over: Call back Ana" in parent
    assert "Blockers: none" not in dumps([reply.blocks for reply in message.replies])


def test_a_stand_up_never_held_says_so_without_a_tick_or_zero_minutes(plain_app):
    parent = dumps(
        messages.standup_summary(_summary(held=False, duration_seconds=0, attended=[])).blocks
    )
    assert "not held" in parent and "✅" not in parent and "0 min" not in parent


def test_low_rating_alert_has_the_button_and_then_who_took_it(plain_app):
    rating = RatingBrief(9, 1, "Nobody answered the phone", "Maria", 42, NOW)
    message = messages.low_rating_alert(rating)
    assert_within_limits(message)
    actions = next(b for b in message.blocks if b["type"] == "actions")
    button = actions["elements"][0]
    assert button["action_id"] == messages.TAKE_OWNERSHIP_ACTION
    assert button["value"] == "42:9" and button["text"]["text"] == "I'll call them"
    taken = messages.low_rating_alert(rating, owner_name="Olga")
    assert not [b for b in taken.blocks if b["type"] == "actions"]
    assert "Olga will call them" in dumps(taken.blocks)


def test_low_rating_comment_of_any_length_stays_within_limits(plain_app):
    rating = RatingBrief(9, 2, "terrible " * 5000, "Maria " * 100, 42, NOW)
    assert_within_limits(messages.low_rating_alert(rating))


def test_follow_up_watch_and_nudge(plain_app):
    items = [brief(i) for i in range(1, N + 1)]
    message = messages.follow_up_watch(items, {1: "UOWNER1"})
    assert_within_limits(message)
    assert "<@UOWNER1>" in dumps(message.all_payloads())
    nudge = messages.follow_up_nudge(items[0])
    assert_within_limits(nudge)
    assert f"{BASE_URL}/complaints/1" in dumps(nudge.blocks)


def test_wish_review_agenda_and_results(plain_app):
    wishes = [WishBrief(i, f"Export to CSV number {i}", i % 9, [], NOW, 0) for i in range(1, N + 1)]
    agenda = messages.wish_review_agenda("Moscow", date(2026, 3, 3), wishes)
    assert_within_limits(agenda)
    assert "10000 wishes to decide today" in dumps(agenda.blocks)
    decisions = [
        DecisionBrief(i, f"Wish {i}", "will_do_if_paid", "Needs a partner" * 30, None, 5, 3)
        for i in range(1, N + 1)
    ]
    results = messages.wish_review_results("Moscow", date(2026, 3, 3), decisions)
    assert_within_limits(results)
    assert "30000 clients to call back" in dumps(results.blocks)


def test_a_review_s_messages_link_to_that_very_review_and_the_calls(plain_app):
    """The results linked to /wishes/review, the viewer's coming review: next week's, empty, once
    this one closed (and another team's for a manager of several). "Calls to make" went there too."""
    decision = DecisionBrief(1, "CSV", "will_do", "", None, 2, 2)
    wishes = [WishBrief(i, f"Wish {i}", 3, [], NOW, 0) for i in range(1, 9)]
    for message in (
        messages.wish_review_results("Moscow", date(2026, 3, 3), [decision] * 9, "moscow"),
        messages.wish_review_agenda("Moscow", date(2026, 3, 3), wishes, "moscow"),
    ):
        sent = dumps(message.all_payloads())
        assert f"<{BASE_URL}/wishes/review?team=moscow&on=2026-03-03|" in sent
        assert f"<{BASE_URL}/wishes/review|" not in sent
    results = dumps(messages.wish_review_results("Moscow", date(2026, 3, 3), [decision]).blocks)
    assert f"<{BASE_URL}/wishes/calls|Calls to make, in Huddle>" in results


def test_a_decisions_outcome_is_named_in_the_teams_language(plain_app):
    """The outcome is a code in the database; Slack shows its label, translated, never the code."""
    decision = DecisionBrief(1, "Экспорт в CSV", "will_do_if_paid", "", None, 2, 2)
    with speaking("ru"):
        label = str(OUTCOME_LABELS["will_do_if_paid"])
        results = messages.wish_review_results("Москва", date(2026, 3, 3), [decision])
    text = json.dumps(results.blocks, ensure_ascii=False)
    assert label != "Will do if paid" and label in text
    assert "will do if paid" not in text.lower() and "will_do" not in text


def test_check_in_modal_is_a_valid_view(plain_app):
    view = check_in_modal.check_in_modal()
    assert view["type"] == "modal" and view["callback_id"] == check_in_modal.CHECK_IN_CALLBACK
    assert [b["block_id"] for b in view["blocks"]] == ["yesterday", "today", "blockers", "mood"]


def test_the_check_in_modal_says_its_title_and_buttons_whole_in_every_language(plain_app):
    """Slack takes 24 characters for a modal's title and buttons; the builder clips beyond, and
    Portuguese read "Check-in da reunião diá…"."""
    clipped = {}
    for language in plain_app.config["LANGUAGES"]:
        with speaking(language):
            view = check_in_modal.check_in_modal()
            whole = [gettext(text) for text in ("Stand-up check-in", "Check in", "Cancel")]
        shown = [view[part]["text"] for part in ("title", "submit", "close")]
        if shown != whole or any(len(text) > 24 for text in whole):
            clipped[language] = whole
    assert clipped == {}


EVIL = "<https://evil.example|Open in Huddle> <!channel> & co"


def test_user_text_never_becomes_a_slack_link_or_ping_in_any_field(plain_app):
    """#12: a client name that looks like a Slack link stays text in blocks *and* the fallback."""
    sent = [
        messages.low_rating_alert(RatingBrief(9, 1, EVIL, EVIL, 42, NOW)),
        messages.low_rating_alert(RatingBrief(9, 1, EVIL, EVIL, 42, NOW), owner_name=EVIL),
        messages.follow_up_nudge(brief(1, client_name=EVIL, summary=EVIL)),
        messages.complaints_digest(
            Digest([brief(1, client_name=EVIL)], [], [], []), date(2026, 3, 2)
        ),
    ]
    for message in sent:
        text = dumps(message.all_payloads())
        assert "<https://evil.example" not in text and "<!channel>" not in text
        assert "&lt;https://evil.example|Open in Huddle&gt;" in text
        assert message.text.count("&amp; co") >= 1 or "evil" not in message.text


def test_nobody_drops_off_a_long_list_of_names(plain_app):
    """The summary's "Absent" named the first 30 and nobody else, with no word of the rest; the
    reminder clipped 35 long names at 2,900 characters and started no thread under 40 people."""
    long_names = [(i, f"Person {i} " + "de la Cruz y Fernández " * 4, None) for i in range(35)]
    reminder = messages.standup_reminder(
        ReminderBrief(1, "Lima", "#lima", date(2026, 3, 2), NOW, "Quiet night", long_names)
    )
    sent = dumps(assert_within_limits(reminder))
    assert all(f"Person {i} de la" in sent for i in range(35))
    assert "more (in the thread)" in dumps(reminder.blocks) and reminder.replies

    absent = [f"Person {i}" for i in range(50)]
    summary = messages.standup_summary(_summary(absent=absent))
    sent = dumps(assert_within_limits(summary))
    assert all(re.search(rf"Person {i}\b", sent) for i in range(50))


def test_a_field_s_label_stands_over_its_value(plain_app):
    """``clip`` made one line of a field: "*Duration* 9 min of 15 min ✅"."""
    fields = messages.standup_summary(_summary()).blocks[1]["fields"]
    assert [field["text"].split("\n")[0] for field in fields][:2] == ["*Duration*", "*Attended*"]


def test_a_message_written_to_us_with_nobody_owning_it_ends_cleanly(plain_app):
    message = messages.client_wrote(brief(1, owner_id=None, owner_name=None))
    assert dumps(message.blocks).count("Open in Huddle>") == 1
    assert "Open in Huddle> · " not in dumps(message.blocks)


# --- people's text shows as typed: never bold, struck, code or a quote ---------------------------

MARKED = "*Maria* _Silva_ ~refund~ `code` > quote"


def _lines(message: messages.SlackMessage) -> list[str]:
    """Every line of mrkdwn the message and its replies send (sections, fields, contexts)."""
    texts = []
    for payload in message.all_payloads():
        for block in payload["blocks"]:
            if block["type"] == "section":
                texts += [block["text"]["text"]] if "text" in block else []
                texts += [field["text"] for field in block.get("fields", [])]
            if block["type"] == "context":
                texts += [element["text"] for element in block["elements"]]
    return [line for text in texts for line in text.split("\n")]


def test_markers_in_people_s_text_are_escaped_and_huddle_s_own_bold_kept(plain_app):
    """A client named ``*Maria*`` showed bold in Slack, a summary's ``~refund~`` struck through."""
    complaint = brief(1, client_name="*Maria* _Silva_", summary=MARKED, owner_name="_Olga_")
    wrote = messages.client_wrote(complaint)
    heading, quoted, opened = _lines(wrote)
    assert heading.startswith("*✉️ ") and heading.endswith("*")  # our bold, kept
    assert formatting_left(heading[1:-1]) == [] and "*Maria* _Silva_" in read_back(heading)
    assert quoted.startswith("> ") and formatting_left(quoted[2:]) == []  # our quote, kept
    assert read_back(quoted[2:]) == MARKED
    assert read_back(opened).endswith("Owner: _Olga_") and formatting_left(opened) == []
    # the notification: look-alikes, no token (a phone or a screen reader might show the token)
    assert wrote.text == "✉️ ∗Maria∗ ˍSilvaˍ wrote to the head of support"
    assert formatting_left(wrote.text) == [] and "<!date" not in wrote.text

    digest = messages.complaints_digest(Digest([complaint], [], [], []), date(2026, 3, 2))
    (line,) = [line for line in _lines(digest) if line.startswith("• <")]
    label, rest = line.split(">", 1)[0].split("|", 1)[1], line.split("> — ", 1)[1]
    assert label.startswith("∗Maria∗ ˍSilvaˍ ∼refund∼ ˋcodeˋ")  # no token fits in a label
    assert formatting_left(label) == []
    client, owner = rest.split(" · ")[:2]
    assert read_back(client) == "*Maria* _Silva_" and read_back(owner) == "_Olga_"
    assert formatting_left(client) == [] == formatting_left(owner)


def test_a_stand_up_s_words_show_as_typed(plain_app):
    summary = messages.standup_summary(
        _summary(
            decisions=[MARKED],
            parking_lot=("_later_",),
            blockers=[("*Ana*", "`vpn` down")],
            action_items=[("~call~ Rui", "_Bo_", None)],
            check_ins=[("*Ana*", "> calls", "*refunds*", "`vpn`", "🙂")],
            absent=["_Rui_"],
        )
    )
    lines = _lines(summary)
    assert "• " + messages.escape(MARKED) in lines and "• " + messages.escape("_later_") in lines
    assert "• *" + messages.escape("*Ana*") + "*: " + messages.escape("`vpn` down") in lines
    assert (
        "Yesterday: \u00ad&gt; calls" in lines and "Today: " + messages.escape("*refunds*") in lines
    )
    assert "*Absent*" in lines and messages.escape("_Rui_") in lines
    reminder = messages.standup_reminder(
        ReminderBrief(1, "*Sales*", "#s", date(2026, 3, 2), NOW, "Quiet", [(1, "_Rui_", None)])
    )
    first = _lines(reminder)[0]
    assert first.startswith("*Stand-up for " + messages.escape("*Sales*") + "* · <!date^")
    assert messages.escape("_Rui_") in dumps(reminder.blocks)


def test_a_long_escaped_text_is_clipped_to_fit_never_cut_mid_escape(plain_app):
    """Escaped, 1,500 ``*`` of a comment take 33,000 characters: clipped by their plain length,
    as before, the section would pass Slack's 3,000 and slack_sdk refuse it at build time (the
    alert lost). The plain text is clipped to what fits escaped, and no token is cut."""
    rating = RatingBrief(9, 1, "*" * 1500, "_" * 200, 42, NOW)
    alert = messages.low_rating_alert(rating)
    assert_within_limits(alert)
    heading, comment = alert.blocks[0]["text"]["text"].split("\n")[:2]
    assert as_typed(read_back(comment[2:]), "*" * 1500) and comment.endswith("…")
    assert formatting_left(comment[2:]) == [] and formatting_left(heading[1:-1]) == []
    assert as_typed(alert.text.split(" from ", 1)[1], "ˍ" * 200)
    assert len(alert.text) <= messages.MAX_TEXT_CHARS


def _valid(message: messages.SlackMessage) -> None:
    """Slack's limits on every block (the SDK's validators) and on the fallback text."""
    for payload in message.all_payloads():
        assert 0 < len(payload["blocks"]) <= messages.MAX_BLOCKS
        assert 0 < len(payload["text"]) <= messages.MAX_TEXT_CHARS
        for block in payload["blocks"]:
            Block.parse(block).validate_json()


TYPED = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("*_~`>＊＿｀＞&<| \naé日")), max_size=300),
    st.builds(
        lambda piece, times: (piece * times)[:10_000],
        st.text(alphabet=st.sampled_from(list("*_~`> \nab")), min_size=1, max_size=8),
        st.integers(min_value=1, max_value=10_000),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=TYPED)
def test_any_text_builds_valid_messages_that_show_it_as_typed(plain_app, typed):
    """Names, summaries, comments, check-ins, decisions, team names: whatever anyone typed,
    every block passes slack_sdk's validation and the text reads back as typed (or clipped)."""
    complaint = brief(1, client_name=typed, summary=typed, owner_name=typed)
    rating = RatingBrief(9, 1, typed, typed, 42, NOW)
    wrote = messages.client_wrote(complaint)
    alert = messages.low_rating_alert(rating)
    summary = messages.standup_summary(
        _summary(
            team_name=typed,
            absent=[typed] * 3,
            decisions=[typed],
            parking_lot=(typed,),
            blockers=[(typed, typed)],
            action_items=[(typed, typed, None)],
            check_ins=[(typed, typed, typed, "still " + typed, typed)],
        )
    )
    built = [
        wrote,
        alert,
        messages.low_rating_alert(rating, owner_name=typed),
        summary,
        messages.complaints_digest(Digest([complaint] * 7, [], [], []), date(2026, 3, 2)),
        messages.follow_up_nudge(complaint),
        messages.follow_up_watch([complaint], {}),
        messages.standup_reminder(
            ReminderBrief(1, typed, "#s", date(2026, 3, 2), NOW, typed, [(1, typed, None)] * 3)
        ),
        messages.wish_review_results(
            typed, date(2026, 3, 3), [DecisionBrief(1, typed, "will_do", typed, None, 2, 2)]
        ),
        messages.wish_review_agenda(typed, date(2026, 3, 3), [WishBrief(1, typed, 2, [], NOW, 0)]),
    ]
    for message in built:
        _valid(message)
    quoted = [line[2:] for line in _lines(wrote) + _lines(alert) if line.startswith("> ")]
    decided = [line[2:] for line in _lines(summary) if line.startswith("• ")][:1]
    said = [line.split(": ", 1)[1] for line in _lines(summary) if line.startswith("Today: ")]
    if not typed.split():
        return  # nothing typed: nothing to show ("—" where a check-in's field is empty)
    shown = quoted + decided + said
    assert len(shown) == 4
    for text in shown:
        assert as_typed(read_back(text), typed) and formatting_left(text) == []
    notified = alert.text.split(" from ", 1)[1]
    assert formatting_left("." + notified) == [] and "<!date" not in notified
    # its markers as look-alikes (those inside a word as typed: read both sides as look-alikes)
    assert as_typed(read_back(notified).translate(LOOK_ALIKES), typed.translate(LOOK_ALIKES))
    labels = [line.split("|", 1)[1].split(">", 1)[0] for line in _lines(built[4]) if "• <" in line]
    # look-alikes (a label never starts a line: the "." keeps its "&gt;" from reading as one)
    assert labels and all(formatting_left("." + label) == [] for label in labels)
