"""What Slack users do in Huddle: claim a follow-up, check in. Plus who a Slack user is.

Every function here is called while Slack waits (3 seconds at most), so each does one short
database transaction and at most one short Slack API call.
"""

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from slack_sdk.errors import SlackApiError, SlackClientError

from complaints.services import ComplaintError, take_ownership
from core.errors import RuleError, refuse
from core.extensions import db
from core.i18n import user_voice
from core.models import User
from core.urls import external_url
from dashboard.slack.client import interactive_client
from standup.models import CheckIn
from standup.services import StandupError, record_check_in

log = logging.getLogger(__name__)


class SlackActionError(RuleError):
    """Something the Slack user should be told (ephemerally), not a server error."""


def resolve_user(slack_user_id: str) -> User | None:
    """The Huddle user behind a Slack user: by stored Slack id, else by the e-mail Slack knows.

    A match by e-mail stores the Slack id on the user (committed), so the next click needs no
    Slack API call. Inactive users are nobody.
    """
    if not slack_user_id:
        return None
    user = db.session.scalar(sa.select(User).where(User.slack_user_id == slack_user_id))
    if user is not None:
        return user if user.active else None
    client = interactive_client()
    if client is None:
        return None
    try:
        info = client.users_info(user=slack_user_id)
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("users.info for %s failed: %s", slack_user_id, error)
        return None
    email = ((info.get("user") or {}).get("profile") or {}).get("email")
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None or not user.active:
        return None
    if user.slack_user_id is None:
        user.slack_user_id = slack_user_id  # Slack vouches for the e-mail: no request waits
        user.pending_slack_user_id = None
        db.session.commit()
    return user


def _awaits_confirmation(slack_user_id: str) -> bool:
    """Someone asked for this Slack id under My settings, and its click is still to come."""
    asked = sa.select(User.id).where(User.pending_slack_user_id == slack_user_id, User.active)
    return db.session.scalar(asked.limit(1)) is not None


@dataclass(frozen=True)
class Asker:
    """Who sent a Slack request: the Slack id Slack signed, and the Huddle user behind it (None:
    nobody Huddle knows). Looked up once per request: an id not stored yet costs a Slack API call
    (users.info) of the three seconds Slack waits, and both the answer's language and the action
    need the person."""

    slack_user_id: str
    user: User | None

    @property
    def voice(self) -> tuple[str | None, str | None]:
        """What to answer in, as ``speaking`` takes it: the person's language, else their team's;
        the installation's for a Slack user Huddle does not know. A Slack request has no
        logged-in user, so without this every answer was in the installation's language."""
        return user_voice(self.user) if self.user is not None else (None, None)


def asker(slack_user_id: str) -> Asker:
    return Asker(slack_user_id, resolve_user(slack_user_id))


def _require_user(asker: Asker) -> User:
    user, slack_user_id = asker.user, asker.slack_user_id
    if user is None and slack_user_id and _awaits_confirmation(slack_user_id):
        raise SlackActionError(
            _(
                "Confirm first that this Slack account is yours: Huddle sent you a direct "
                'message with a "Yes, that\'s me" button.'
            )
        )
    if user is None:
        raise SlackActionError(
            _(
                "Huddle does not know your Slack account yet. Add your Slack user id (%(id)s) "
                "under My settings in Huddle (%(url)s), ask an admin to add it, or use the same "
                "e-mail in both.",
                id=slack_user_id,
                url=external_url("auth.account"),
            )
        )
    return user


def claim_follow_up(asker: Asker, complaint_id: int) -> User:
    """ "I'll call them" from Slack: the clicking person becomes the complaint's owner."""
    user = _require_user(asker)
    try:
        take_ownership(complaint_id, user)
    except ComplaintError as error:
        raise SlackActionError(refuse(error)) from None
    return user


CHECK_IN_KEYS = ("yesterday", "today", "blockers", "mood")


def check_in(asker: Asker, values: dict[str, str]) -> CheckIn:
    """Record a check-in on today's stand-up of the user's team."""
    user = _require_user(asker)
    if not (values.get("today") or "").strip():
        raise SlackActionError(_("Tell the team what you will do today."), field="today")
    try:
        return record_check_in(
            user,
            (values.get("yesterday") or "").strip() or None,
            values["today"].strip(),
            (values.get("blockers") or "").strip() or None,
            (values.get("mood") or "").strip() or None,
        )
    except StandupError as error:
        raise SlackActionError(refuse(error)) from None
