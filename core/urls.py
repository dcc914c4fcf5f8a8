"""Absolute links to Huddle, always built from ``HUDDLE_BASE_URL``.

Never from the request's Host header: a survey, invitation or reset link made while answering a
request with a forged ``Host: evil.example`` would otherwise send our clients and people elsewhere.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


# Two ids no real row reaches soon, both within the id converter's range (2**31 - 1).
_SAMPLES = (1234567891, 2012345678)


def id_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """``url_for(endpoint, key=id, **values)`` for many ids, built once (the ``id_url`` template
    global): a list or agenda linking each row spent a few hundred calls per ``url_for`` (#16).

    The URL is built with a sample id and the id's place in it remembered; a second sample checks
    that the id is written there and only there, else every link is built in full.
    """
    first, second = (url_for(endpoint, **{key: sample}, **values) for sample in _SAMPLES)
    head, _, tail = first.rpartition(str(_SAMPLES[0]))
    if f"{head}{_SAMPLES[1]}{tail}" != second:
        return lambda row_id: url_for(endpoint, **{key: row_id}, **values)
    return lambda row_id: f"{head}{int(row_id)}{tail}"
