"""Secrets never reach the access log (#12).

Survey, invitation, reset and unsubscribe links carry their token in the path, and a log line is
read by more people (and kept longer) than the database. A filter on the access loggers of the
development server (``werkzeug``) and gunicorn (``gunicorn.access``) rewrites each line with the
secret parts replaced: link tokens, ``token=``/``key=``/``secret=`` parameters, bearer tokens,
Huddle API tokens and Slack tokens. API tokens travel in a header, which no access log prints, but
a misplaced one in a URL is caught too.
"""

import logging
import re

REDACTED = "[redacted]"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
_SECRETS = (
    (re.compile(r"(/(?:s|auth/invite|auth/reset|unsubscribe)/)[^\s/?\"']+"), r"\1" + REDACTED),
    (re.compile(r"((?:token|key|secret|code)=)[^&\s\"']+", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"(Bearer\s+)[^\s\"']+", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"\bhud_[A-Za-z0-9_-]+"), REDACTED),
    (re.compile(r"\bxox[abpre]-[A-Za-z0-9-]+"), REDACTED),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with its secrets replaced; never drops a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def init_app(_app=None) -> None:
    """Attach the filter once to every access logger (idempotent across app factories)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
