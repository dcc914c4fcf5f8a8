"""Every Slack message Huddle posts, built in one place from plain data.

Builders take the frozen briefs the other packages publish (``complaints.briefs``,
``wishes.briefs``, the stand-up's ``ReminderBrief`` and ``StandupSummary``), never ORM objects, and
return a ``SlackMessage``: fallback text, Block Kit blocks (built with ``slack_sdk.models.blocks`` so
the SDK's own validators check Slack's limits), and thread replies for the long parts. A message
stays short in the channel; the detail lives in its thread, and a list too long even for a thread
ends with a link to the full list in Huddle. Times use Slack's ``<!date^…>`` token, so each reader
sees them in their own timezone.

What never goes in: a client's e-mail or phone. The briefs do not carry them, and the tests scan
every payload for them.

Text that people, clients or data wrote goes in through ``dashboard.slack.mrkdwn`` (``fit``, or
``link`` for a label), so it shows exactly as typed, never bold, struck, code or a quote; each
``fit`` is given its room in the block, so the escaped text never takes a block past Slack's limits.
Huddle's own words and formatting (``*headings*``, mentions, ``when``'s tokens, links) stay as they are.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from complaints.briefs import ComplaintBrief, Digest, RatingBrief
from core.i18n import format_day, format_moment
from dashboard.slack.links import links
from dashboard.slack.mrkdwn import clip, cut, entities, escape, fit, fitting, link_label, notice
from standup.briefs import ReminderBrief, StandupSummary
from standup.rules import is_blocker
from standup.titles import KIND_LABELS, unreached_title
from wishes.briefs import DecisionBrief, WishBrief
from wishes.forms import OUTCOME_LABELS as OUTCOMES

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_BUTTON_VALUE = 2000
# The notification and fallback ``text``: Slack takes far more, but shows a few lines of it.
MAX_TEXT_CHARS = 3000
MAX_NOTICE_CHARS = MAX_TEXT_CHARS // 5  # escaped, an entity costs five characters (``notice``)
# A section is filled up to this, leaving room for the "…" of a clipped line.
SECTION_BUDGET = 2900
# Lines previewed in the channel message itself; the rest go to the thread.
PREVIEW_LINES = 5
# Sections per thread reply: well inside 50 blocks and Slack's total message size.
SECTIONS_PER_REPLY = 8
# Past this many lines a thread would be a wall nobody reads: it ends with a link to Huddle.
MAX_THREAD_LINES = 200

TAKE_OWNERSHIP_ACTION = "take_ownership"


@dataclass
class SlackMessage:
    """``text`` is the notification and fallback line, written as plain words: Slack reads it as
    mrkdwn (where blocks are not shown: notifications, screen readers, old clients), so it is
    escaped here once (a client named ``<https://evil|Open>`` or ``*Maria*`` stays text), its
    markers as look-alikes (``mrkdwn.notice``), clipped before escaping to what Slack shows."""

    text: str
    blocks: list[dict]
    replies: list["SlackMessage"] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = notice(self.text, MAX_NOTICE_CHARS)

    def all_payloads(self) -> list[dict]:
        """This message and its replies as ``{"text", "blocks"}`` dicts (for tests and previews)."""
        payloads = [{"text": self.text, "blocks": self.blocks}]
        for reply in self.replies:
            payloads.extend(reply.all_payloads())
        return payloads


# --- formatting helpers -------------------------------------------------------------------------


def link(url: str, text: object) -> str:
    """A link whose label is ``text``, clipped to 120 characters (its markers as look-alikes)."""
    return f"<{url}|{link_label(clip(text, 120))}>"


def when(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A timestamp every Slack reader sees in their own timezone; where Slack cannot render the
    token (notifications, old clients) the fallback is Huddle's instant style (``format_moment``)
    in the language and timezone the message is built in (the team's)."""
    fallback = entities(format_moment(moment))
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback.replace('|', '¦')}>"


def day(on: date) -> str:
    """A day (not an instant: no timezone shifts it) in Huddle's day style, the team's language."""
    return format_day(on)


def mention(name: str, slack_user_id: str | None) -> str:
    """A person by Slack id; by name, escaped, when Slack does not know them."""
    return f"<@{slack_user_id}>" if slack_user_id else fit(name, 120, 600)


def section(text: str) -> dict:
    """A block of mrkdwn ``text`` (escaped by the caller where it quotes anyone)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def _header(text: str) -> dict:
    return HeaderBlock(text=PlainTextObject(text=clip(text, 150), emoji=True)).to_dict()


def _context(text: str) -> dict:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text, 2900))]).to_dict()


def _fields(pairs: Sequence[tuple[str, object]]) -> dict:
    """Each label over its value (mrkdwn, escaped by the caller): cut apart, never mid-escape."""
    return SectionBlock(
        fields=[
            MarkdownTextObject(text=f"*{clip(label, 100)}*\n{cut(value, 1800)}")
            for label, value in pairs
        ]
    ).to_dict()


def pack(lines: Iterable[str], budget: int = SECTION_BUDGET) -> list[str]:
    """Lines joined into section texts, each within Slack's 3,000 characters (a line too long is
    cut where no escape is open)."""
    texts, current = [], ""
    for raw in lines:
        line = cut(raw, budget)
        if current and len(current) + 1 + len(line) > budget:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


def names_within(names: Sequence[str], budget: int) -> tuple[str, int]:
    """As many of ``names`` as fit ``budget`` characters, joined, and how many did not fit: a list
    cut by a count ("the first 30", "the first 40") lost whoever came after, and one cut by
    ``clip`` lost the end of a long name's list with no word of it."""
    shown, used = [], 0
    for name in names:
        if used + len(name) + 2 > budget:
            break
        shown.append(name)
        used += len(name) + 2
    return ", ".join(shown), len(names) - len(shown)


def thread_replies(
    title: str, lines: Sequence[str], more_url: str, total: int | None = None
) -> list[SlackMessage]:
    """A long list as thread replies: a few sections each, capped with a link to the rest.

    ``total`` is the list's full length when ``lines`` holds only its first part."""
    shown = list(lines[:MAX_THREAD_LINES])
    hidden = (len(lines) if total is None else total) - len(shown)
    sections = pack(shown)
    if hidden:
        # Each string on its own: pybabel does not extract one nested in another's arguments, and
        # the link's words stayed English in every language.
        rest = link(more_url, _("see them all in Huddle"))
        sections.append(_("…and %(num)d more: %(link)s", num=hidden, link=rest))
    replies = []
    total = max(1, -(-len(sections) // SECTIONS_PER_REPLY))
    for start in range(0, len(sections), SECTIONS_PER_REPLY):
        part = start // SECTIONS_PER_REPLY + 1
        heading = title if total == 1 else f"{title} ({part}/{total})"
        chunk = sections[start : start + SECTIONS_PER_REPLY]
        blocks = [section(f"*{escape(heading)}*")] + [section(text) for text in chunk]
        replies.append(SlackMessage(text=heading, blocks=blocks))
    return replies


def _previewed(
    title: str, lines: Sequence[str], more_url: str, total: int | None = None
) -> tuple[list[dict], list[SlackMessage]]:
    """A list as the channel message shows it (the first few lines) and, when it is longer, the
    thread replies titled ``title`` that carry all of it (``total``: its length, if ``lines`` is
    only its first part)."""
    if not lines:
        return [], []
    total = len(lines) if total is None else total
    replies = thread_replies(title, lines, more_url, total) if total > PREVIEW_LINES else []
    preview = list(lines[:PREVIEW_LINES])
    if total > PREVIEW_LINES:
        where = link(more_url, _("in Huddle"))
        preview.append(
            _("…%(num)d more in the thread and %(link)s", num=total - PREVIEW_LINES, link=where)
        )
    return [section(text) for text in pack(preview)], replies


# --- stand-up ------------------------------------------------------------------------------------


def standup_reminder(reminder: ReminderBrief) -> SlackMessage:
    """The headline before the stand-up, and who has not checked in yet (mentioned by Slack id)."""
    url = links().standup(reminder.team_slug, reminder.standup_on)
    title = _("Stand-up for %(team)s", team=fitting(reminder.team_name, 120, 600))
    starts = when(reminder.starts_at, "{time}")
    blocks = [
        section(
            f"*{escape(title)}* · {starts}\n{fit(reminder.headline or '', 1500, 1500)}\n"
            + link(url, _("Open the board and check in"))
        )
    ]
    people = [mention(name, slack_id) for _uid, name, slack_id in reminder.missing]
    replies = []
    if people:
        label = ngettext(
            "%(num)d person has not checked in yet:",
            "%(num)d people have not checked in yet:",
            len(people),
        )
        named, hidden = names_within(people, SECTION_BUDGET - len(label) - 100)
        text = f"{label} {named}"
        if hidden:
            text += " " + _("and %(num)d more (in the thread)", num=hidden)
            replies = thread_replies(_("Not checked in yet"), people, url)
        blocks.append(section(text))
    else:
        blocks.append(_context(_("Everyone has checked in. See you there!")))
    fallback = f"{title}: {clip(reminder.headline or '', 200)}"
    return SlackMessage(text=fallback, blocks=blocks, replies=replies)


def _minutes(seconds: int | None) -> str:
    return str(round((seconds or 0) / 60))


def _unreached_line(kind: str, refs: dict | str) -> str:
    title = unreached_title(kind, refs)
    label = escape(str(KIND_LABELS.get(kind, kind)))
    return f"• {label}" + (f": {fit(title, 300, 1000)}" if title else "")


def standup_summary(summary: StandupSummary) -> SlackMessage:
    """Duration, attendance, action items and blockers in the channel; the check-ins in the thread."""
    url = summary.url
    team = summary.team_name
    title = (
        _("Stand-up %(team)s, %(day)s", team=team, day=day(summary.standup_on))
        if team
        else _("Stand-up, %(day)s", day=day(summary.standup_on))
    )
    over = (summary.duration_seconds or 0) > (summary.timebox_seconds or 0)
    duration = _(
        "%(took)s min of %(box)s min",
        took=_minutes(summary.duration_seconds),
        box=_minutes(summary.timebox_seconds),
    )
    attended = list(summary.attended)
    absent = [fit(name, 120, 600) for name in summary.absent]
    absent_named, absent_hidden = names_within(absent, 1700)
    if absent_hidden:
        absent_named += " " + _("and %(num)d more (in the thread)", num=absent_hidden)
    if not summary.held:  # nothing was timed: no "0 min", no ✅
        duration = _("not held")
    blocks = [
        _header(title),
        _fields(
            [
                (
                    _("Duration"),
                    duration if not summary.held else duration + (" ⏰" if over else " ✅"),
                ),
                (_("Attended"), str(len(attended))),
                (_("Absent"), absent_named or _("nobody")),
                (_("Blockers"), str(len(summary.blockers))),
            ]
        ),
    ]
    action_lines = [
        "• "
        + fit(text, 300, 1200)
        + f" — {fit(owner, 120, 600) if owner else _('no owner yet')}"
        + (f" · {_('due %(day)s', day=day(due))}" if due else "")
        for text, owner, due in summary.action_items
    ]
    blocker_lines = [
        f"• *{fit(name, 120, 600)}*: {fit(text, 300, 1200)}" for name, text in summary.blockers
    ]
    # The parking lot's topics are listed above; a carried item is titled from its refs, in the team's language.
    unreached = [(kind, refs) for kind, refs in summary.unreached if kind != "parking_lot"]
    replies: list[SlackMessage] = []
    sections = (
        (_("Decisions"), [f"• {fit(text, 300, 1200)}" for text in summary.decisions]),
        (_("Action items"), action_lines),
        (_("Blockers"), blocker_lines),
        (_("Parking lot"), [f"• {fit(text, 300, 1200)}" for text in summary.parking_lot]),
        (_("Not reached"), [_unreached_line(kind, refs) for kind, refs in unreached]),
    )
    for label, lines in sections:
        if lines:
            preview, thread = _previewed(label, lines, url)
            blocks += [section(f"*{label}*"), *preview]
            replies += thread
    blocks.append(_context(link(url, _("The whole stand-up in Huddle"))))
    check_in_lines = [
        f"*{fit(name, 120, 400)}* {fit(mood or '', 20, 100)}\n"
        f"{_('Yesterday')}: {fit(yesterday or '—', 600, 700)}\n"
        f"{_('Today')}: {fit(today or '—', 600, 700)}"
        + (f"\n{_('Blockers')}: {fit(blockers, 600, 700)}" if is_blocker(blockers) else "")
        for name, yesterday, today, blockers, mood in summary.check_ins
    ]
    if check_in_lines:
        replies += thread_replies(_("Check-ins"), check_in_lines, url)
    if absent_hidden:  # all of them, where the field had room for the first
        replies += thread_replies(_("Absent"), [f"• {name}" for name in absent], url)
    text = _(
        "%(title)s: %(duration)s; attended: %(attended)d; action items: %(actions)d",
        title=title,
        attended=len(attended),
        duration=duration,
        actions=len(action_lines),
    )
    return SlackMessage(text=text, blocks=blocks, replies=replies)


# --- complaints ----------------------------------------------------------------------------------


def complaint_line(brief: ComplaintBrief, owner: str | None = None, due: str | None = None) -> str:
    """One complaint: linked summary, our client's name, owner, deadline. Never contact details.

    ``owner`` is the owner as already formatted (a Slack mention), ``due`` the deadline's label.
    """
    if owner is None:
        owner = fit(brief.owner_name, 120, 400) if brief.owner_name else _("no owner yet")
    return (
        f"• {link(links().complaint(brief.id), clip(brief.title, 90))} — "
        f"{fit(brief.client_name, 60, 1000)} · {owner} · {due or _('due')} {when(brief.due_at)}"
    )


def complaints_digest(digest: Digest, on: date) -> SlackMessage:
    """The morning digest: new, waiting for an owner, past the deadline, resolved yesterday."""
    all_url = links().complaints()
    title = _("Complaints digest, %(day)s", day=day(on))
    lists = [
        digest.new_since_yesterday,
        digest.unowned,
        digest.overdue,
        digest.resolved_yesterday,
    ]
    totals = digest.totals or tuple(len(items) for items in lists)
    labels = [
        _("New since yesterday"),
        _("Waiting for an owner"),
        _("Past their deadline"),
        _("Resolved yesterday"),
    ]
    sections = list(zip(labels, lists, totals, strict=True))
    blocks = [
        _header(title),
        _fields([(label, str(total)) for label, _items, total in sections]),
    ]
    replies: list[SlackMessage] = []
    for label, items, total in sections:
        if not items:
            continue
        lines = [complaint_line(brief) for brief in items]
        preview, thread = _previewed(label, lines, all_url, total)
        blocks += [
            DividerBlock().to_dict(),
            section(f"*{escape(label)}* ({total})"),
            *preview,
        ]
        replies += thread
    if not any(totals):
        blocks.append(_context(_("A quiet day: nothing new, nothing waiting.")))
    blocks.append(_context(link(all_url, _("All complaints in Huddle"))))
    text = title + ": " + ", ".join(f"{label} {total}" for label, _items, total in sections)
    return SlackMessage(text=text, blocks=blocks, replies=replies)


def low_rating_alert(rating: RatingBrief, owner_name: str | None = None) -> SlackMessage:
    """A low rating, with an "I'll call them" button. With ``owner_name`` the button is replaced by
    who took it (the updated message after someone clicked "I'll call them")."""
    stars = "★" * rating.score + "☆" * (5 - rating.score)
    title = _(
        "%(stars)s %(score)d/5 from %(client)s",
        stars=stars,
        score=rating.score,
        client=fitting(rating.client_name, 80, 600),
    )
    text_lines = [f"*{escape(title)}*"]
    if rating.comment:
        text_lines.append("> " + fit(rating.comment, 1500, 1800))
    target = links().complaint(rating.complaint_id) if rating.complaint_id else links().complaints()
    text_lines.append(link(target, _("Open in Huddle")) + f" · {when(rating.received_at)}")
    blocks = [section("\n".join(text_lines))]
    if owner_name:
        blocks.append(_context(_("✅ %(name)s will call them.", name=fit(owner_name, 120, 600))))
    elif rating.complaint_id:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=_("I'll call them"),
                        action_id=TAKE_OWNERSHIP_ACTION,
                        value=f"{rating.complaint_id}:{rating.id}",
                        style="primary",
                    )
                ]
            ).to_dict()
        )
    return SlackMessage(text=title, blocks=blocks)


def client_wrote(complaint: ComplaintBrief) -> SlackMessage:
    """A client wrote to the head of support through the public page (no contact details here)."""
    client = fitting(complaint.client_name, 80, 600)
    title = _("✉️ %(client)s wrote to the head of support", client=client)
    lines = [f"*{escape(title)}*", "> " + fit(complaint.summary, 500, 1400)]
    opened = link(links().complaint(complaint.id), _("Open in Huddle"))
    if complaint.owner_name:
        opened += " · " + _("Owner: %(name)s", name=fit(complaint.owner_name, 120, 600))
    lines.append(opened)
    return SlackMessage(text=title, blocks=[section("\n".join(lines))])


def unclaimed_alert(
    rating: RatingBrief, minutes: int, head_slack_ids: Sequence[str]
) -> SlackMessage:
    """The reply in a low-rating alert's thread when nobody said "I'll call them" in time."""
    text = ngettext(
        "Nobody has claimed this low rating for %(num)d minute.",
        "Nobody has claimed this low rating for %(num)d minutes.",
        minutes,
    )
    mentions = " ".join(f"<@{entities(slack_id)}>" for slack_id in head_slack_ids)
    target = links().complaint(rating.complaint_id) if rating.complaint_id else links().complaints()
    line = f"{mentions} {escape(text)}".strip() + " " + link(target, _("Take it in Huddle"))
    return SlackMessage(text=text, blocks=[section(line)])


def follow_up_watch(
    briefs: Sequence[ComplaintBrief], owner_slack_ids: dict[int, str]
) -> SlackMessage:
    """Complaints that passed their deadline with no contact; owners are mentioned by Slack id."""
    all_url = links().complaints()
    count = len(briefs)
    title = ngettext(
        "%(num)d follow-up passed its deadline with no contact yet",
        "%(num)d follow-ups passed their deadline with no contact yet",
        count,
    )
    lines = [
        complaint_line(
            brief,
            owner=mention(brief.owner_name or "", owner_slack_ids.get(brief.owner_id))
            if brief.owner_id
            else _("no owner yet"),
            due=_("was due"),
        )
        for brief in briefs
    ]
    preview, replies = _previewed(title, lines, all_url)
    blocks = [section(f"*{escape(title)}*"), *preview]
    return SlackMessage(text=title, blocks=blocks, replies=replies)


def follow_up_nudge(brief: ComplaintBrief) -> SlackMessage:
    """The owner's own direct message about one complaint past its deadline."""
    text = _(
        "Your follow-up with %(client)s passed its deadline with no contact logged yet.",
        client=fitting(brief.client_name, 80, 600),
    )
    blocks = [
        section(
            f"{escape(text)}\n{link(links().complaint(brief.id), clip(brief.title, 120))} · "
            f"{_('was due')} {when(brief.due_at)}"
        )
    ]
    return SlackMessage(text=text, blocks=blocks)


# --- wishes --------------------------------------------------------------------------------------


def wish_review_agenda(
    team_name: str | None,
    review_on: date,
    wishes: Sequence[WishBrief],
    team_slug: str | None = None,
) -> SlackMessage:
    """The morning of the review: the wishes to decide, most asked first."""
    url = links().wish_review(team_slug, review_on)
    title = (
        _("Wish review %(day)s, %(team)s", day=day(review_on), team=team_name)
        if team_name
        else _("Wish review %(day)s", day=day(review_on))
    )
    lines = [
        f"• {link(links().wish(wish.id), clip(wish.title, 120))} — "
        + ngettext("%(num)d client", "%(num)d clients", wish.distinct_clients)
        for wish in wishes
    ]
    preview, replies = _previewed(_("Wishes to decide"), lines, url)
    blocks = [
        _header(title),
        section(
            ngettext("%(num)d wish to decide today.", "%(num)d wishes to decide today.", len(lines))
        ),
        *preview,
        _context(link(url, _("Open the review in Huddle"))),
    ]
    return SlackMessage(text=title, blocks=blocks, replies=replies)


OUTCOME_LABELS = {
    "wont_do": "🚫",
    "will_do": "✅",
    "will_do_if_paid": "💰",
    "will_do_in_paid_period": "🗓️",
    "already_possible": "💡",
}


def wish_review_results(
    team_name: str | None,
    review_on: date,
    decisions: Sequence[DecisionBrief],
    team_slug: str | None = None,
) -> SlackMessage:
    """What the review decided (its list links to that very review: the viewer's coming one is
    next week's by then), and how many clients the decisions mean a call back to."""
    url = links().wish_review(team_slug, review_on)
    title = (
        _("Wish review results %(day)s, %(team)s", day=day(review_on), team=team_name)
        if team_name
        else _("Wish review results %(day)s", day=day(review_on))
    )
    lines = []
    calls = 0
    for decision in decisions:
        calls += decision.clients_to_call
        outcome = decision.outcome
        line = (
            f"• {OUTCOME_LABELS.get(outcome, '•')} "
            f"{link(links().wish(decision.wish_id), clip(decision.title, 100))}"
            f" — {escape(OUTCOMES.get(outcome, outcome))}"
        )
        if decision.reason:
            line += f": {fit(decision.reason, 200, 1000)}"
        lines.append(line)
    preview, replies = _previewed(_("Decisions"), lines, url)
    blocks = [
        _header(title),
        section(
            ngettext("%(num)d decision", "%(num)d decisions", len(lines))
            + " · "
            + ngettext("%(num)d client to call back", "%(num)d clients to call back", calls)
        ),
        *preview,
        _context(link(links().wish_calls(), _("Calls to make, in Huddle"))),
    ]
    return SlackMessage(text=title, blocks=blocks, replies=replies)
