"""The wish list says how many clients make a real request in each language's plural forms: with
``HUDDLE_WISH_THRESHOLD=1`` it read "1 clients make a real request", and Russian has three forms."""

import pytest


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
