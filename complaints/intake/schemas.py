"""What the intake API reads and answers: ratings, complaints, survey links, the complaint list.

Each model is the one declaration of its part of the contract: ``intake.api`` checks requests with
it and answers through it, and the OpenAPI document is written from it.
"""

from typing import Annotated, Literal

from pydantic import Field

from complaints.models import CHANNELS, STATUSES
from core.api.schemas import (
    ApiModel,
    ClientIn,
    Instant,
    ParamsModel,
    PastTimestamp,
    required_text,
    text,
)

MAX_PAGE = 100
DEFAULT_PAGE = 50

Channel = Annotated[Literal[CHANNELS], Field(description="Where the client told you")]


class RatingIn(ApiModel):
    client: ClientIn
    score: Annotated[int, Field(ge=1, le=5)]
    comment: text(5000) = None
    order_ref: text(120) = None
    channel: Channel = "api"
    occurred_at: PastTimestamp = None


class RatingOut(ApiModel):
    id: int
    complaint_id: int | None = Field(
        description="The complaint a low rating opened or joined; null for others."
    )


class ComplaintIn(ApiModel):
    client: ClientIn
    summary: required_text(300)
    details: text(10000) = None
    channel: Channel = "api"


class ComplaintOut(ApiModel):
    id: int
    owner: str | None = Field(description="The owner's name, if any.")
    due_at: Instant = Field(description="Deadline for the personal follow-up.")


class SurveyLinkIn(ApiModel):
    client: ClientIn
    order_ref: text(120) = None
    send: bool = Field(
        False,
        description="E-mail the link to the client (their e-mail known or given in client.email); "
        "a client who unsubscribed gets nothing (sent: false). With an order_ref, one survey "
        "mail per client and order, shared with POST /services: an order already mailed answers "
        "with the link the client has",
    )


class SurveyLinkOut(ApiModel):
    url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    expires_at: Instant
    sent: bool = Field(False, description="The link is in the mail outbox for the client")


class ServiceIn(ApiModel):
    """A service your system completed: Huddle asks the client for a rating by e-mail."""

    client: ClientIn
    order_ref: required_text(120)
    completed_at: PastTimestamp


class ServiceOut(ApiModel):
    id: int
    survey_due_at: Instant | None = Field(
        description="When the survey e-mail goes out; null when survey_scheduled is false"
    )
    survey_scheduled: bool = Field(
        True,
        description="False when the service was completed more than HUDDLE_SURVEY_MAX_AGE_DAYS "
        "(default 30) ago, when told or by the time its survey was due: it is recorded, but the "
        "client gets no survey and no reminder for it",
    )
    created: bool = Field(description="False when this client and order were already known")


class ComplaintQuery(ParamsModel):
    status: Literal[("open", "all", *STATUSES)] = Field(
        "open", description="open (every status but resolved and closed), all, or one status"
    )
    cursor: str = Field("", description="The next_cursor of the previous page")
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class ClientRef(ApiModel):
    """A client as lists show them: never their e-mail or phone."""

    external_id: str
    name: str


class ComplaintItem(ApiModel):
    id: int
    client: ClientRef
    summary: str
    status: Literal[STATUSES]
    channel: str
    owner: str | None
    opened_at: Instant
    due_at: Instant
    resolved_at: Instant | None


class ComplaintPage(ApiModel):
    items: list[ComplaintItem]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page."
    )
