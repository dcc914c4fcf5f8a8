"""Checking what other systems send: every problem is collected per field, nothing is guessed."""

from datetime import UTC, datetime, timedelta

from complaints.models import CHANNELS

# Other systems' clocks drift a little; a rating "from the future" beyond this is a bug on their side.
CLOCK_SKEW = timedelta(minutes=10)


def parse_timestamp(value) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (a date alone means its midnight UTC), else None."""
    if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if not 1900 <= parsed.year <= 9998:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Invalid(ValueError):
    """Bad input; ``fields`` maps each field (dotted for nested ones) to what is wrong with it."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class Checker:
    def __init__(self, data: dict):
        self.data = data
        self.errors: dict[str, str] = {}

    def text(
        self, name: str, *, required=False, max_length=200, source=None, label=None
    ) -> str | None:
        source = self.data if source is None else source
        label = label or name
        value = source.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors[label] = "is required"
            return None
        if not isinstance(value, str):
            self.errors[label] = "must be a string"
            return None
        value = value.strip()
        if len(value) > max_length:
            self.errors[label] = f"must be at most {max_length} characters"
            return None
        return value

    def integer(self, name: str, low: int, high: int, *, required=True) -> int | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = "is required"
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.errors[name] = f"must be a whole number from {low} to {high}"
            return None
        return value

    def timestamp(self, name: str, *, not_future: bool = False) -> datetime | None:
        """An ISO 8601 instant; one without an offset is taken as UTC (what Huddle stores)."""
        value = self.data.get(name)
        if value is None:
            return None
        parsed = parse_timestamp(value)
        if parsed is None:
            self.errors[name] = "must be an ISO 8601 date and time, e.g. 2026-03-01T09:30:00Z"
            return None
        if not_future and parsed > datetime.now(UTC) + CLOCK_SKEW:
            self.errors[name] = "cannot be in the future"
            return None
        return parsed

    def channel(self, name: str = "channel", default: str = "api") -> str:
        value = self.data.get(name)
        if value is None:
            return default
        if value not in CHANNELS:
            self.errors[name] = f"must be one of {', '.join(CHANNELS)}"
            return default
        return value

    def client(self, name: str = "client") -> dict | None:
        value = self.data.get(name)
        if not isinstance(value, dict):
            self.errors[name] = "is required: an object with external_id and name"
            return None
        return {
            "external_id": self.text(
                "external_id",
                required=True,
                max_length=120,
                source=value,
                label=f"{name}.external_id",
            ),
            "name": self.text(
                "name", required=True, max_length=200, source=value, label=f"{name}.name"
            ),
            "email": self.text("email", max_length=254, source=value, label=f"{name}.email"),
            "phone": self.text("phone", max_length=40, source=value, label=f"{name}.phone"),
        }

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)
