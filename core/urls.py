"""Absolute links to Huddle, always built from ``HUDDLE_BASE_URL``.

Never from the request's Host header: a survey, invitation or reset link made while answering a
request with a forged ``Host: evil.example`` would otherwise send our clients and people elsewhere.
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
