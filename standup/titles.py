"""Agenda item titles, written when shown in the reader's language from the item's kind and refs.

Nothing English is stored: every number a title says is already in the item's ``refs`` (the
snapshot the board shows), so the title is made from them each time, for the person reading it, or
for the team's language in Slack.
"""

from datetime import date

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from complaints import briefs
from core.templating import bdi

# What each agenda section is called wherever it is named: the board, summaries, Slack.
KIND_LABELS = {
    "carried": _l("Carried over"),
    "overnight": _l("Overnight"),
    "follow_ups": _l("Follow-ups due"),
    "wishes": _l("Wishes and callbacks"),
    "action_items": _l("Action items"),
    "check_ins": _l("Check-ins"),
    "parking_lot": _l("Parking lot"),
}

# The board's words for a meeting's state. Template globals (``kind_label``, ``status_label``,
# ``end_reason_label``) rather than macros: a macro building a dict of every translated label on
# each call cost the board seven look-ups per agenda line (issue #16); these translate one.
STATUS_LABELS = {"planned": _l("Not started"), "live": _l("Live"), "ended": _l("Ended")}
END_REASON_LABELS = {
    "facilitator": _l("ended by the facilitator"),
    "timebox": _l("ended by itself after the timebox"),
    "not_held": _l("not held"),
}


def kind_label(kind: str) -> str:
    """What an agenda section is called (the code itself for one without a label)."""
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def end_reason_label(reason: str | None) -> str:
    return str(END_REASON_LABELS.get(reason, ""))


def owner_words(name: str | None, away: bool) -> Markup | str:
    """Who holds an agenda line's complaint or call: flagged when away that day, else the name,
    else nobody yet (a template global: one call per line, cheaper than a macro; issue #16)."""
    if away:
        # Translated without the name, then filled in as markup: the name in its own ``<bdi>``.
        words = escape(gettext("owner away: %(name)s")) % {"name": bdi(name)}
        return Markup('<span class="owner-away">{}</span>').format(words)
    return bdi(name) or gettext("nobody owns it yet")


def _counted(items) -> int:
    return len(items or [])


def item_title(kind: str, refs: dict | None) -> str:
    refs = refs or {}
    if kind == "carried":
        original_kind = refs.get("original_kind")
        original = item_title(original_kind, refs) if original_kind != "carried" else ""
        day = refs.get("from_on")
        return gettext(
            "Carried over from %(day)s: %(title)s",
            day=format_date(date.fromisoformat(day), "medium") if day else "—",
            title=original,
        )
    if kind == "overnight":
        opened, low = refs.get("complaints_opened", 0), refs.get("low_ratings", 0)
        complaints = ngettext("%(num)d complaint opened", "%(num)d complaints opened", opened)
        ratings = ngettext("%(num)d low rating", "%(num)d low ratings", low)
        return gettext(
            "Overnight: %(complaints)s, %(ratings)s", complaints=complaints, ratings=ratings
        )
    if kind == "follow_ups":
        shown = refs.get("complaints") or []
        overdue = sum(1 for complaint in shown if complaint.get("overdue"))
        count = f"{len(shown)}+" if refs.get("more") else str(len(shown))
        return gettext(
            "Follow-ups due: %(count)s (%(overdue)d overdue)", count=count, overdue=overdue
        )
    if kind == "wishes":
        return gettext(
            "Wishes for review: %(wishes)d; callbacks due: %(callbacks)d",
            wishes=_counted(refs.get("wishes")),
            callbacks=_counted(refs.get("callbacks")),
        )
    if kind == "action_items":
        return gettext("Open action items: %(count)d", count=_counted(refs.get("action_items")))
    if kind == "check_ins":
        return gettext("Check-ins: %(count)d expected", count=_counted(refs.get("members")))
    if kind == "parking_lot":
        topics = _counted(refs.get("topics"))
        return ngettext("Parking lot: %(num)d topic", "Parking lot: %(num)d topics", topics)
    return ""


def unreached_title(kind: str, refs: dict | str | None) -> str:
    """What a summary says after the kind of an item the meeting never reached: a carried item's
    title, from the refs the summary keeps, in the reader's language. Summaries stored before
    titles were data hold the title as text (written in the language they were built in)."""
    if isinstance(refs, str):
        return refs
    return item_title(kind, refs) if kind == "carried" else ""


def complaint_summary(snapshot: dict) -> Markup:
    """A complaint of an agenda snapshot, titled in the reader's language (the ``complaint_summary``
    template filter), the words a person wrote isolated (``summary_html``); snapshots taken before
    titles were data hold the text as ``summary``."""
    return briefs.summary_html(
        snapshot.get("summary_kind"),
        snapshot.get("summary_params"),
        snapshot.get("summary_words", snapshot.get("summary")),
    )
