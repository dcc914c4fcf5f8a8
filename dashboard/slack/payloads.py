"""What Huddle reads of Slack's interactivity payloads, as pydantic models.

Slack posts a ``payload`` field holding JSON. The views read a few fields of two kinds of it (a
button click, a modal submitted); reading them from the raw dict, a field of another type than
Slack documents (a number for ``user``, a string for ``actions``) or nesting deeper than Python's
parser goes answered 500. Parsed here, any such payload is one ``ValidationError`` and the view
answers 400. Fields Huddle does not read are ignored, so a richer payload from Slack still works.
"""

from pydantic import BaseModel, ConfigDict, ValidationError


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlackUser(_Part):
    id: str = ""


class Action(_Part):
    action_id: str = ""
    value: str = ""


class Channel(_Part):
    id: str | None = None


class Message(_Part):
    ts: str | None = None


class Container(_Part):
    message_ts: str | None = None


class Option(_Part):
    value: str | None = None


class InputState(_Part):
    """One input of a submitted modal: typed text, or the option chosen in a select."""

    type: str = ""
    value: str | None = None
    selected_option: Option | None = None

    @property
    def text(self) -> str:
        if self.type == "static_select":
            return (self.selected_option.value if self.selected_option else None) or ""
        return self.value or ""


class ViewState(_Part):
    values: dict[str, dict[str, InputState]] = {}


class View(_Part):
    callback_id: str = ""
    state: ViewState = ViewState()


class Interaction(_Part):
    """A click on a message's button (``block_actions``) or a modal submitted (``view_submission``)."""

    type: str = ""
    user: SlackUser | None = None
    actions: list[Action] | None = None
    channel: Channel | None = None
    message: Message | None = None
    container: Container | None = None
    view: View | None = None

    @property
    def user_id(self) -> str:
        return self.user.id if self.user else ""

    @property
    def channel_id(self) -> str | None:
        return self.channel.id if self.channel else None

    @property
    def message_ts(self) -> str | None:
        return (self.message.ts if self.message else None) or (
            self.container.message_ts if self.container else None
        )

    @property
    def callback_id(self) -> str:
        return self.view.callback_id if self.view else ""

    def input_text(self, block_id: str) -> str:
        """The text of the modal's input in ``block_id`` (its action is called ``value``)."""
        state = self.view.state.values.get(block_id, {}).get("value") if self.view else None
        return state.text if state else ""


def parse_interaction(raw: str | None) -> Interaction | None:
    """The payload, or None when it is no JSON object of the documented shape."""
    try:
        return Interaction.model_validate_json(raw or "")
    except ValidationError:
        return None
