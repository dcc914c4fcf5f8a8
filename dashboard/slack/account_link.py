"""Linking a Slack account to a Huddle account, with that Slack user's consent.

A person who types a Slack user id under *My settings* only asks for it
(``core.auth.services.request_slack_link``). The id could be anyone's, and whoever holds it would
act in Slack as that person and get their direct messages. So the Slack user gets a direct message
with a "Yes, that's me" button. Slack signs the click and names who clicked, which is the proof:
only a click by that very Slack user, while the request still waits, makes the id the person's.
"""

from flask_babel import gettext as _
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from core.auth.services import AccountError, confirm_slack_link
from core.database import utcnow
from core.extensions import db
from core.i18n import speaking, user_voice
from core.inputs import parse_int
from core.models import User
from dashboard.slack.links import links
from dashboard.slack.messages import SlackMessage, link, section
from dashboard.slack.mrkdwn import escape, fit, fitting
from dashboard.slack.outbox import enqueue_message
from dashboard.slack.services import SlackActionError

CONFIRM_SLACK_LINK_ACTION = "confirm_slack_link"


def link_request(user_id: int, name: str, slack_user_id: str) -> SlackMessage:
    """The direct message asking the Slack user whether they are ``name``, with the button."""
    account = link(links().url("auth.account", "/auth/account"), _("their Huddle account"))
    asked = _(
        "%(name)s asked Huddle to link this Slack account to %(account)s. If that is you, "
        "confirm it: Huddle will then take your clicks and /standup here as %(name)s. If it "
        "is not you, ignore this message: nothing changes.",
        name=f"*{fit(name, 120, 600)}*",
        account=account,
    )
    button = ButtonElement(
        text=_("Yes, that's me"),
        action_id=CONFIRM_SLACK_LINK_ACTION,
        value=f"{user_id}:{slack_user_id}",
        style="primary",
    )
    return SlackMessage(
        text=_("Is this you, %(name)s? Confirm your Slack account for Huddle.", name=name),
        blocks=[section(asked), ActionsBlock(elements=[button]).to_dict()],
    )


def link_confirmed(name: str) -> SlackMessage:
    """The request once confirmed: the same message, its button gone."""
    done = _("✅ This Slack account is linked to %(name)s in Huddle.", name=fitting(name, 120, 600))
    return SlackMessage(text=done, blocks=[section(escape(done))])


def on_slack_link_requested(sender, user: User, slack_user_id: str, **extra) -> None:
    """Ask the Slack user, in the asking person's language (no commit: the request's own)."""
    with speaking(*user_voice(user)):
        message = link_request(user.id, user.name, slack_user_id)
    key = f"slack-link:{user.id}:{slack_user_id}:{int(utcnow().timestamp() * 1000)}"
    enqueue_message(slack_user_id, "slack-link-request", key, message)


def _asked(value: str) -> tuple[User | None, str]:
    """The Huddle person and the Slack id a button's value (``user id:Slack id``) names."""
    user_part, _sep, slack_user_id = value.partition(":")
    user_id = parse_int(user_part, 1)
    return (db.session.get(User, user_id) if user_id is not None else None), slack_user_id


def request_voice(value: str) -> tuple[str | None, str | None]:
    """What a refusal of the click is written in: the voice of the request it answers (the
    asking person's, the clicker being that person on Slack, not linked yet), else the
    installation's. Resolving the clicker instead would ask Slack by e-mail, and link them."""
    user, _slack_user_id = _asked(value)
    return user_voice(user) if user is not None else (None, None)


def confirm(clicker: str, value: str) -> User:
    """The button was clicked by ``clicker``: link it if it is the Slack user who was asked."""
    user, slack_user_id = _asked(value)
    if user is None or not slack_user_id:
        raise SlackActionError(_("This request is no longer waiting: it was changed in Huddle."))
    if clicker != slack_user_id:
        raise SlackActionError(_("Only the Slack account this was sent to can confirm it."))
    try:
        confirm_slack_link(user, slack_user_id)
    except AccountError as error:
        db.session.rollback()
        raise SlackActionError(error.message) from None
    return user
