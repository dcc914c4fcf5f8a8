"""The wish list's words for numbers: how many clients make a real request in each language's
plural forms (with ``HUDDLE_WISH_THRESHOLD=1`` it read "1 clients make a real request", and Russian
has three forms), and its figures in the viewer's digit grouping."""

from types import SimpleNamespace

import pytest
from flask import render_template


@pytest.mark.parametrize(
    "app_config, language, words",
    [
        ({"WISH_THRESHOLD": 1}, "en", "1 client makes a real request"),
        ({"WISH_THRESHOLD": 3}, "en", "3 clients make a real request"),
        ({"WISH_THRESHOLD": 1}, "ru", "1 клиент — это уже реальный запрос"),
        ({"WISH_THRESHOLD": 3}, "ru", "3 клиента — это уже реальный запрос"),
        ({"WISH_THRESHOLD": 5}, "ru", "5 клиентов — это уже реальный запрос"),
        ({"WISH_THRESHOLD": 1}, "pt_BR", "1 cliente torna um desejo um pedido real"),
    ],
)
def test_the_wish_lists_threshold_is_counted_in_the_viewers_plural(
    client, login_as, app_config, language, words
):
    login_as("agent", locale=language)
    assert words in client.get("/wishes/").text


@pytest.mark.parametrize(
    "language, waiting", [("en", "1,234"), ("pt_BR", "1.234"), ("ru", "1 234")]
)
def test_the_wish_lists_figures_are_grouped_in_the_viewers_digits(app, language, waiting):
    listing = SimpleNamespace(
        total_open=1234, decided=5, solved_by_existing=0, rows=[], page=1, has_next=False
    )
    with app.test_request_context(headers={"Accept-Language": language}):
        html = render_template("wishes/_index.html", listing=listing, threshold=3)
    figures = html.split("</p>", 1)[0]
    assert f": {waiting}" in figures.replace("\xa0", " ").replace("\u202f", " ")
