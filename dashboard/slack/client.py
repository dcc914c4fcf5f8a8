"""The Slack Web API client, configured from the app: one place decides token, URL and retries."""

import http.client
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler

from core.config import ConfigError
from core.timestamps import clock_hours, clock_time

log = logging.getLogger(__name__)

# Slack's answers that refuse the bot token itself (revoked, the app uninstalled, the bot user or
# the workspace deactivated): no message goes until an admin sets a new one.
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)

# Defaults for the settings this package reads; every one can be set as HUDDLE_<NAME>.
SETTINGS = {
    "BASE_URL": "http://127.0.0.1:5000",  # where links in Slack messages point
    "SLACK_MANAGERS_CHANNEL": "#support-managers",  # digest, low-rating alerts, follow-up watch
    "SLACK_TIMEOUT_SECONDS": 10,
    "SLACK_MAX_ATTEMPTS": 30,
    "SLACK_BACKOFF_BASE_SECONDS": 5,
    "SLACK_BACKOFF_MAX_SECONDS": 60,
    "SLACK_DISPATCH_BUDGET_SECONDS": 8,
    "SLACK_REMINDER_MINUTES": 10,
    # A low-rating alert nobody claimed within this many minutes is escalated once, in its thread.
    "CLAIM_MINUTES": 30,
    # ...counted in the working time of the complaint's team, else of this team (a slug; unset: the
    # clock never stops); a team works on its workdays, between these local hours (#17).
    "MANAGERS_TEAM": None,
    "WORK_HOURS": "08:00-18:00",
    "DIGEST_TIME": "08:00",
    "DIGEST_TIMEZONE": "UTC",
}


# The whole-number settings and the range each may take.
WHOLE_NUMBERS = {
    "SLACK_MAX_ATTEMPTS": (1, 1000),
    "SLACK_BACKOFF_BASE_SECONDS": (1, 3600),
    "SLACK_BACKOFF_MAX_SECONDS": (1, 24 * 3600),
    "SLACK_DISPATCH_BUDGET_SECONDS": (1, 60),
    "SLACK_REMINDER_MINUTES": (0, 12 * 60),
    "CLAIM_MINUTES": (1, 24 * 60),
}


def setting(name: str):
    return current_app.config.get(name, SETTINGS[name])


def check_settings(app: Flask) -> None:
    """Refuse at start-up what a job would trip over later: a digest time the scheduler cannot
    read stopped it starting, and unreadable working hours quietly meant the whole day."""
    config = app.config
    for name, default in SETTINGS.items():
        config.setdefault(name, default)
    for name, (low, high) in WHOLE_NUMBERS.items():
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(
                f"HUDDLE_{name} must be a whole number from {low} to {high}, not {value!r}"
            )
    if clock_time(config["DIGEST_TIME"]) is None:
        raise ConfigError(
            f"HUDDLE_DIGEST_TIME must be a time of day as HH:MM, e.g. 08:00, "
            f"not {config['DIGEST_TIME']!r}"
        )
    try:
        ZoneInfo(str(config["DIGEST_TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "HUDDLE_DIGEST_TIMEZONE must be a timezone name such as Europe/Lisbon or UTC, "
            f"not {config['DIGEST_TIMEZONE']!r}"
        ) from None
    if clock_hours(config["WORK_HOURS"]) is None:
        raise ConfigError(
            "HUDDLE_WORK_HOURS must be a start and an end on one day as HH:MM-HH:MM, e.g. "
            f"08:00-18:00, not {config['WORK_HOURS']!r}"
        )
    token = config.get("SLACK_BOT_TOKEN")
    if token and not str(token).startswith("xoxb-"):
        raise ConfigError(
            "HUDDLE_SLACK_BOT_TOKEN must be the app's bot token (it starts with xoxb-, under "
            "OAuth & Permissions), not a user or app-level token"
        )


def managers_voice() -> tuple[None, str]:
    """The managers' channel has no team: the installation's language and ``DIGEST_TIMEZONE``,
    whoever's request (a client answering a survey, a manager) caused the message."""
    return None, setting("DIGEST_TIMEZONE")


def slack_enabled() -> bool:
    """No bot token means Slack is off: messages are built and kept, never sent."""
    return bool(current_app.config.get("SLACK_BOT_TOKEN"))


def delivery_client() -> WebClient | None:
    """The client the outbox dispatcher posts with.

    It has no retry handlers on purpose: the outbox owns retrying (backoff persisted per message,
    Retry-After honoured for every scheduler, attempts counted), so a retry hidden inside the client
    would sleep in the middle of a dispatch run and escape the attempt count.
    """
    if not slack_enabled():
        return None
    return WebClient(
        token=current_app.config["SLACK_BOT_TOKEN"],
        base_url=current_app.config["SLACK_API_URL"],
        timeout=setting("SLACK_TIMEOUT_SECONDS"),
        retry_handlers=[],
    )


def interactive_client() -> WebClient | None:
    """The client for calls made while Slack waits for our answer (views.open, users.info).

    These must finish well inside Slack's 3 seconds, so a short timeout and one quick retry on a
    dropped connection, and no rate-limit sleeping.
    """
    if not slack_enabled():
        return None
    return WebClient(
        token=current_app.config["SLACK_BOT_TOKEN"],
        base_url=current_app.config["SLACK_API_URL"],
        timeout=2,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def check_token() -> None:
    """Ask Slack once whether it takes the bot token (``auth.test``) and say so in one log line;
    nothing when Slack is off. ``huddle scheduler`` calls it as it starts: a revoked token was
    seen only later, as outbox warnings. It never stops anything: mail and the other jobs run
    whatever Slack says, and the messages wait in the outbox."""
    client = delivery_client()
    if client is None:
        return
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if code in TOKEN_REFUSED:
            log.error(
                "Slack refused the bot token (%s): nothing is posted to Slack until it is "
                "replaced. In the Slack app's settings (api.slack.com/apps → OAuth & Permissions; "
                "reinstall the app if it was removed) copy the Bot User OAuth Token (xoxb-…), set "
                "HUDDLE_SLACK_BOT_TOKEN to it and restart Huddle and the scheduler. Messages wait "
                "in the outbox meanwhile; mail and the other jobs go on.",
                code,
            )
        else:
            log.warning(
                "Slack answered the bot token check with %s %s; the token was not checked. "
                "Messages wait in the outbox until Slack takes them.",
                error.response.status_code,
                code or error,
            )
    except (SlackClientError, OSError, http.client.HTTPException) as error:
        log.warning(
            "Slack could not be reached at %s to check the bot token (%s: %s); messages wait in "
            "the outbox until it answers. Check this machine's network (a proxy, a firewall) and "
            "HUDDLE_SLACK_API_URL.",
            current_app.config["SLACK_API_URL"],
            type(error).__name__,
            error,
        )
    else:
        log.info(
            "Slack takes the bot token (workspace %s, bot user %s).",
            answer.get("team"),
            answer.get("user"),
        )
