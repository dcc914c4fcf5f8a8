"""What makes a password acceptable: long enough, and not one of the passwords people guess first.

The list is the 10,000 most common passwords from zxcvbn's frequency lists (a maintained package),
not one typed in here; it is read once per process.
"""

from functools import cache

from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_COUNT = 10_000


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, in the viewer's language, or None when it is fine."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return _(
            "Use at least %(low)d and at most %(high)d characters.", low=MIN_LENGTH, high=MAX_LENGTH
        )
    if password.lower() in _common() or len(set(password)) < 4:
        return _("This password is among the first ones people guess. Choose another.")
    return None
