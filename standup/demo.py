"""Demo data for this feature (called by ``huddle demo`` through dashboard.demo; idempotent)."""

from dashboard.demo import DemoContext


def seed(context: DemoContext) -> None:
    """Nothing yet: this feature's demo data is still to be written."""
