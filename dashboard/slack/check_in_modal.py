"""The ``/standup`` check-in modal (``views.open``): what Slack shows, in the asker's language.

Its answer comes back as a ``view_submission`` with ``CHECK_IN_CALLBACK``, which
``dashboard.slack.services`` reads (``CHECK_IN_KEYS``). Slack takes 24 characters for a modal's
title and buttons, hence ``clip``.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from dashboard.slack.mrkdwn import clip

CHECK_IN_CALLBACK = "standup_check_in"
# Each face with its word: a screen reader reads an emoji's English name, and Slack's menu is text.
MOODS = (("🙂", _l("Doing well")), ("😐", _l("So-so")), ("😟", _l("Not great")))


def check_in_modal(private_metadata: str = "") -> dict:
    """The ``/standup`` modal (views.open): yesterday, today, blockers, mood."""

    def text_input(block_id, label, optional=False):
        return InputBlock(
            block_id=block_id,
            label=label,
            optional=optional,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000),
        )

    view = View(
        type="modal",
        callback_id=CHECK_IN_CALLBACK,
        private_metadata=private_metadata,
        title=PlainTextObject(text=clip(_("Stand-up check-in"), 24)),
        submit=PlainTextObject(text=clip(_("Check in"), 24)),
        close=PlainTextObject(text=clip(_("Cancel"), 24)),
        blocks=[
            text_input("yesterday", _("Yesterday"), optional=True),
            text_input("today", _("Today")),
            text_input("blockers", _("Blockers"), optional=True),
            InputBlock(
                block_id="mood",
                label=_("Mood"),
                optional=True,
                element=StaticSelectElement(
                    action_id="value",
                    options=[Option(value=face, text=f"{face} {word}") for face, word in MOODS],
                ),
            ),
        ],
    )
    return view.to_dict()
