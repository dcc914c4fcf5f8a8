"""Amounts as each language writes them: shown with the installation's currency, typed with the
viewer's decimal separator, and never guessed when they could be read two ways."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from core.money import AmountError, format_money, parse_amount


@pytest.mark.parametrize(
    ("locale", "typed", "amount"),
    [
        ("pt_BR", "35,90", "35.90"),
        ("pt_BR", "35.90", "35.90"),
        ("pt_BR", "1.234,56", "1234.56"),
        ("es", "0,5", "0.5"),
        ("ru", "1 234,56", "1234.56"),
        ("en", "35.90", "35.90"),
        ("en", "3,590", "3590"),
        ("en", "12", "12"),
    ],
)
def test_amounts_are_read_as_the_viewer_writes_them(app, locale, typed, amount):
    with app.test_request_context(), force_locale(locale):
        assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("locale", "typed", "message"),
    [
        ("pt_BR", "3,590", "can be read two ways: write 3590 for thousands"),
        ("es", "3.590", "can be read two ways"),
        ("en", "35,90", "Enter an amount like 35.90."),
        ("pt_BR", "abc", "Enter an amount like 35,90."),
        ("en", "35.901", "Enter at most two decimals."),
    ],
)
def test_ambiguous_or_unreadable_amounts_are_refused_clearly(app, locale, typed, message):
    with app.test_request_context(), force_locale(locale), pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert message in str(refused.value.args[0])


def test_money_is_shown_with_the_installations_currency(app, monkeypatch):
    with app.test_request_context():
        with force_locale("pt_BR"):
            assert format_money(Decimal("35.9")) == "US$\xa035,90"  # the default: USD
        with force_locale("en"):
            assert format_money(Decimal("3590")) == "$3,590.00"
        assert format_money(None) == "—"
    monkeypatch.setitem(app.config, "CURRENCY", "EUR")  # HUDDLE_CURRENCY=EUR
    with app.test_request_context(), force_locale("pt_BR"):
        assert format_money(Decimal("35.9")) == "€\xa035,90"
