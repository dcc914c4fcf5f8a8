"""Success said out loud (issue #15): an htmx action that worked names what it did.

A screen-reader user hears failures from huddle.js's global handler; success needs words too, and
only the view knows what it did. ``@announces(_l("Contact logged."))`` under the route decorator
adds ``HX-Trigger-After-Settle: {"huddle:announce": "..."}`` to every 2xx answer of an htmx
request, in the viewer's language; huddle.js puts it in the polite live region once the new content
is in place (after its own generic "Done."). Refusals (4xx) and plain form posts are untouched.
"""

import json
from functools import wraps

from flask import make_response, request

EVENT = "huddle:announce"
HEADER = "HX-Trigger-After-Settle"


def add_announcement(response, message: str):
    """Merge ``message`` into the response's after-settle triggers (ASCII-escaped JSON)."""
    triggers = {}
    existing = response.headers.get(HEADER)
    if existing:
        try:
            triggers = json.loads(existing)
        except ValueError:
            triggers = {name.strip(): None for name in existing.split(",") if name.strip()}
    triggers[EVENT] = str(message)
    response.headers[HEADER] = json.dumps(triggers)
    return response


def announces(message):
    """Decorate a posting view: its successful htmx answers announce ``message`` (lazy text)."""

    def decorate(view):
        @wraps(view)
        def announcing(*args, **kwargs):
            response = make_response(view(*args, **kwargs))
            if request.headers.get("HX-Request") and 200 <= response.status_code < 300:
                add_announcement(response, message)
            return response

        announcing.announcement = message  # what a test reads to know every action says something
        return announcing

    return decorate
