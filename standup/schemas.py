"""What ``GET /api/v1/teams/<slug>/standups/<date>`` reads and answers, for the OpenAPI document."""

import datetime as dt
from typing import Literal

from pydantic import Field

from core.api.schemas import ApiModel, ParamsModel
from standup.models import KINDS, STATUSES


class AgendaPath(ParamsModel):
    slug: str = Field(description="The team's slug")
    date: dt.date = Field(description="YYYY-MM-DD, the team's local date")


class AgendaItemOut(ApiModel):
    kind: Literal[KINDS]
    title: str
    timebox_seconds: int
    refs: dict = Field(
        description="What the item is about (complaint, action item, member and topic "
        "references); never a client's e-mail or phone"
    )


class StandupAgenda(ApiModel):
    team: str = Field(description="The team's slug")
    date: dt.date
    status: Literal[STATUSES]
    timebox_seconds: int
    items: list[AgendaItemOut]
