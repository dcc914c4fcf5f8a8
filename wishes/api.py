"""POST /api/v1/wishes: another system records a client's wish (see /api/v1/openapi.json)."""

from core.api import ApiError, api_blueprint, creates
from core.api.contract import INVALID
from wishes import services
from wishes.schemas import WishIn, WishOut

bp = api_blueprint("wishes_api", __name__)


@creates(
    bp,
    "/wishes",
    ("Counted", WishOut),
    scope="wishes:write",
    description=(
        "Give `title` for a new wish or `wish_id` to count the client on a known one. "
        "`review_on` is the date of the weekly review that will decide it (null when "
        "it is already decided: then `decision` says how)."
    ),
)
def create_wish(body: WishIn) -> WishOut:
    """Record a client's wish; counted once per distinct client

    The client is counted on a wish (``wish_id``) or a new one (``title``), and the answer says
    when it is reviewed. Asking twice is counted once, and a retry with the same client and title finds the wish it made
    the first time, so a repeated call never inflates the count or opens a duplicate. Nothing is
    committed here: ``idempotent`` commits the wish with the answer a replay gets back.
    """
    client = services.upsert_client(body.client.model_dump())
    try:
        recorded = services.count_wish(
            client,
            title=body.title,
            problem=body.details,
            details=body.details,
            wish_id=body.wish_id,
            channel="api",
        )
    except services.WishError as error:
        raise ApiError(422, "invalid", INVALID, {error.field or "title": "no such wish"}) from None
    return WishOut(
        wish_id=recorded.wish.id,
        distinct_clients=recorded.distinct_clients,
        review_on=recorded.review_on,
        status=recorded.wish.status,
        decision=recorded.decision.outcome if recorded.decision else None,
    )
