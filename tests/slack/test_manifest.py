"""The Slack app manifest an admin pastes into api.slack.com must match the routes Huddle serves."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from dashboard import create_app

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"


def _manifest_urls() -> dict[str, str]:
    text = MANIFEST.read_text(encoding="utf-8")
    return dict(re.findall(r"^\s*(url|request_url):\s*(\S+)\s*$", text, flags=re.MULTILINE))


def _paths_served() -> set[str]:
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "SECRET_KEY": "x"})
    return {rule.rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def test_manifest_points_slack_at_the_endpoints_huddle_serves():
    urls = _manifest_urls()
    served = _paths_served()
    assert urlsplit(urls["url"]).path == "/slack/commands"
    assert urlsplit(urls["request_url"]).path == "/slack/interactivity"
    assert {"/slack/commands", "/slack/interactivity"} <= served


def test_manifest_declares_the_command_and_the_scopes_huddle_uses():
    text = MANIFEST.read_text(encoding="utf-8")
    assert re.search(r"^\s*- command: /standup\s*$", text, flags=re.MULTILINE)
    scopes = set(re.findall(r"^\s*- ([a-z_]+:[a-z_.]+|commands)\b", text, flags=re.MULTILINE))
    # chat.postMessage/chat.update, the slash command, and users.info with the e-mail for mapping.
    assert {"chat:write", "commands", "users:read", "users:read.email"} <= scopes


def test_manifest_opens_the_messages_tab_the_direct_messages_go_to():
    """A nudge to a follow-up's owner and the "Is this you?" of a self-set Slack id are posted to
    the person's id, which Slack shows in the app's Messages tab; read-only, as Huddle reads no
    replies there."""
    text = MANIFEST.read_text(encoding="utf-8")
    assert re.search(r"^\s*messages_tab_enabled: true\b", text, flags=re.MULTILINE)
