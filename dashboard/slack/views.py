"""Endpoints Slack calls: slash commands and interactivity (signature-verified).

Every request is checked with ``SignatureVerifier`` (HMAC of the raw body with the signing
secret, and a timestamp no more than five minutes off, so a captured request cannot be replayed
later). Anything that fails gets 401 before a view runs, so nothing changes. The views answer
within Slack's three seconds: one short transaction, at most one short Slack API call.
"""

import logging

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier

from complaints.briefs import rating_brief
from core.i18n import speaking, user_voice
from core.inputs import parse_int
from dashboard.slack import account_link, services, standup_command
from dashboard.slack.check_in_modal import CHECK_IN_CALLBACK, check_in_modal
from dashboard.slack.client import interactive_client, managers_voice
from dashboard.slack.messages import TAKE_OWNERSHIP_ACTION, low_rating_alert
from dashboard.slack.mrkdwn import escape
from dashboard.slack.payloads import Interaction, parse_interaction

log = logging.getLogger(__name__)
bp = Blueprint("slack", __name__, url_prefix="/slack")
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


@bp.before_request
def verify_signature():
    secret = current_app.config.get("SLACK_SIGNING_SECRET")
    if not secret:
        return jsonify(error="slack is not configured (no signing secret)"), 401
    body = request.get_data(cache=True)
    try:
        valid = SignatureVerifier(secret).is_valid_request(body, dict(request.headers))
    except (ValueError, TypeError):  # a timestamp that is not a number
        valid = False
    if not valid:
        return jsonify(error="invalid signature"), 401
    return None


def _ephemeral(text: str):
    """A reply only the asker sees, in plain words; escaped, as a refusal may quote what they
    typed (a ``*`` or a ``<!channel>`` of theirs stays text)."""
    return _reply(escape(text))


def _reply(mrkdwn: str):
    """A reply only the asker sees, as built: Huddle's formatting (the help's `code`) kept, the
    people's text in it escaped by its builder (``standup_command``)."""
    return jsonify(response_type="ephemeral", text=mrkdwn)


@bp.post("/commands")
def commands():
    """A slash command, answered in the voice of whoever typed it (``services.Asker.voice``):
    a Slack request has no logged-in user, so every answer and the modal were in English."""
    form = request.form
    asker = services.asker(form.get("user_id", ""))
    with speaking(*asker.voice):
        return _command(form, asker)


def _command(form, asker: services.Asker):
    if form.get("command") != "/standup":
        return _ephemeral(_("Huddle does not know this command."))
    text = (form.get("text") or "").strip()
    if standup_command.asks_for_help(text):
        return _reply(standup_command.usage())
    if not text:
        client = interactive_client()
        if client is None or not form.get("trigger_id"):
            return _reply(standup_command.usage())
        try:
            client.views_open(trigger_id=form["trigger_id"], view=check_in_modal())
        except SLACK_ERRORS as error:
            log.warning("views.open failed: %s", error)
            return _reply(
                _(
                    "Slack did not open the form. Try again, or: %(usage)s",
                    usage=standup_command.usage(),
                )
            )
        return "", 200
    try:
        check_in = services.check_in(asker, standup_command.parse_inline_check_in(text))
    except services.SlackActionError as error:
        return _ephemeral(error.message)
    return _reply(standup_command.recorded(check_in))


@bp.post("/interactivity")
def interactivity():
    payload = parse_interaction(request.form.get("payload"))
    if payload is None:
        return jsonify(error="no payload"), 400
    if payload.type == "block_actions":
        for action in payload.actions or []:
            if action.action_id == TAKE_OWNERSHIP_ACTION:
                _take_ownership(payload, action.value)
            elif action.action_id == account_link.CONFIRM_SLACK_LINK_ACTION:
                _confirm_slack_link(payload, action.value)
        return "", 200
    if payload.type == "view_submission" and payload.callback_id == CHECK_IN_CALLBACK:
        return _submit_check_in(payload)
    return "", 200


def _tell_clicker(client, payload: Interaction, text: str) -> None:
    """A refusal only the clicker sees, in the conversation of the button."""
    if client is None or not payload.channel_id:
        return
    try:
        client.chat_postEphemeral(
            channel=payload.channel_id, user=payload.user_id, text=escape(text)
        )
    except SLACK_ERRORS as error:
        log.warning("chat.postEphemeral failed: %s", error)


def _update_message(client, payload: Interaction, message) -> None:
    """The clicked message rewritten (its button gone); what the click saved stays if this fails."""
    if client is None or not (payload.channel_id and payload.message_ts):
        return
    try:
        client.chat_update(
            channel=payload.channel_id,
            ts=payload.message_ts,
            text=message.text,
            blocks=message.blocks,
        )
    except SLACK_ERRORS as error:
        log.warning("chat.update failed: %s", error)


def _take_ownership(payload: Interaction, value: str) -> None:
    """ "I'll call them": the clicker owns the complaint; the alert then names them, no button."""
    complaint_part, _sep, rating_part = value.partition(":")
    complaint_id, rating_id = parse_int(complaint_part, 0), parse_int(rating_part)
    client = interactive_client()
    if complaint_id is None:
        return
    asker = services.asker(payload.user_id)
    with speaking(*asker.voice):  # a refusal is the clicker's to read
        try:
            user = services.claim_follow_up(asker, complaint_id)
        except services.SlackActionError as error:
            _tell_clicker(client, payload, error.message)
            return
    rating = rating_brief(rating_id) if rating_id is not None else None
    if rating is None:
        return
    with speaking(*managers_voice()):  # as the alert was written
        _update_message(client, payload, low_rating_alert(rating, owner_name=user.name))


def _confirm_slack_link(payload: Interaction, value: str) -> None:
    """ "Yes, that's me": the Slack user confirms the id a Huddle person asked for."""
    client = interactive_client()
    with speaking(*account_link.request_voice(value)):  # as the request it answers was written
        try:
            user = account_link.confirm(payload.user_id, value)
        except services.SlackActionError as error:
            _tell_clicker(client, payload, error.message)
            return
    with speaking(*user_voice(user)):
        _update_message(client, payload, account_link.link_confirmed(user.name))


def _submit_check_in(payload: Interaction):
    fields = {key: payload.input_text(key) for key in services.CHECK_IN_KEYS}
    asker = services.asker(payload.user_id)
    with speaking(*asker.voice):  # a refusal shows under the modal's field, in its language
        try:
            services.check_in(asker, fields)
        except services.SlackActionError as error:
            errors = {error.field or "today": error.message}
            return jsonify(response_action="errors", errors=errors)
    return "", 200
