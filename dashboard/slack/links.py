"""Absolute links back into Huddle for Slack messages.

Slack messages are built in requests, in signal receivers and in the scheduler, where there is no
request (or the request came from another system's API call). So links are built against the
configured ``BASE_URL`` (``HUDDLE_BASE_URL``), never against whoever happened to call us.
"""

from urllib.parse import urlsplit

from flask import current_app, g
from werkzeug.routing import BuildError

from dashboard.slack.client import setting


class Links:
    def __init__(self):
        base = str(setting("BASE_URL")).rstrip("/")
        parts = urlsplit(base)
        self.base = base
        self.adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
        )

    def url(self, endpoint: str, fallback_path: str, **values) -> str:
        """``url_for(endpoint, _external=True)``; the fallback covers pages not built yet."""
        try:
            return self.adapter.build(endpoint, values, force_external=True)
        except BuildError:
            return self.base + fallback_path

    def complaint(self, complaint_id: int) -> str:
        return self.url(
            "complaints.detail", f"/complaints/{complaint_id}", complaint_id=complaint_id
        )

    def complaints(self) -> str:
        return self.url("complaints.open_list", "/complaints/")

    def standup(self, team_slug: str | None = None, on=None) -> str:
        if team_slug and on:
            return self.url(
                "standup.board",
                f"/standup/{team_slug}/{on.isoformat()}",
                slug=team_slug,
                on=on.isoformat(),
            )
        return self.url("standup.index", "/standup/")

    def wish(self, wish_id: int) -> str:
        return self.url("wishes.detail", f"/wishes/{wish_id}", wish_id=wish_id)

    def wish_review(self, team_slug: str | None = None, on=None) -> str:
        """A team's review of a day; without them, the viewer's coming one (which, after a review
        closes, is next week's: the results linked to an empty review)."""
        if team_slug and on:
            query = {"team": team_slug, "on": on.isoformat()}
            return self.url("wishes.review", f"/wishes/review?team={team_slug}&on={on}", **query)
        return self.url("wishes.review", "/wishes/review")

    def wish_calls(self) -> str:
        return self.url("wishes.calls", "/wishes/calls")

    def outbox(self) -> str:
        return self.url("slack_admin.outbox", "/admin/slack/outbox")


def links() -> Links:
    """One link builder per app context: binding the URL map once serves a 10,000-line digest."""
    if "_huddle_links" not in g:
        g._huddle_links = Links()
    return g._huddle_links
