"""Reading wishes and callbacks back in the wishes tests."""

from datetime import date

from tests.support.db import all_rows, reloaded
from wishes.models import Callback, Wish

# A Tuesday: the default review day.
REVIEW_DAY = date(2026, 12, 1)


def wish(app, wish_id) -> Wish:
    return reloaded(app, Wish, wish_id)


def callbacks(app, *where) -> list[Callback]:
    return all_rows(app, Callback, *where)
