"""What ``POST /api/v1/wishes`` reads and answers; the OpenAPI document is written from these."""

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from core.api.schemas import ApiModel, ClientIn, field_error, text
from wishes.models import OUTCOMES

MAX_ID = 2**31 - 1
TITLE_OR_WISH_ID = "is required (or give wish_id to count the client on a known wish)"


class WishIn(ApiModel):
    """Give `title` for a new wish, or `wish_id` to count the client on a known one."""

    # The rule below, for the document: a non-blank title, or a wish_id.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["title"], "properties": {"title": {"pattern": r"\S"}}},
                {"required": ["wish_id"]},
            ]
        }
    )

    client: ClientIn
    title: text(200) = None
    details: text(10000) = Field(
        None, description="The problem behind the wish, in the client's words"
    )
    wish_id: Annotated[int, Field(ge=1, le=MAX_ID)] = None

    @model_validator(mode="after")
    def title_or_wish_id(self):
        if self.title is None and self.wish_id is None:
            raise field_error("title", TITLE_OR_WISH_ID)
        return self


class WishOut(ApiModel):
    wish_id: int
    distinct_clients: int = Field(description="How many different clients asked for it")
    review_on: date | None = Field(
        description="The weekly review that will decide it; null when it is already decided"
    )
    # A merged wish answers as the wish it joined, so "merged" is never seen here.
    status: Literal["open", "decided", "already_possible"]
    decision: Literal[OUTCOMES] | None = Field(description="How it was decided, if it was")
