"""team languages; generated complaint titles and agenda titles kept as data, not English

Complaints a low rating opened stored "Rated N/5: <comment>"; they now keep the kind ("rated"),
the score and the client's words, and the title is written when shown. Agenda item titles are
written from the item's kind and refs when shown, so the stored English title is emptied.

Revision ID: 0015
Revises: 0014
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RATED = re.compile(r"^Rated ([1-5])/5(?:: (.*))?$", re.DOTALL)

complaints = sa.table(
    "complaints",
    sa.column("id", sa.Integer),
    sa.column("summary", sa.String),
    sa.column("summary_kind", sa.String),
    sa.column("summary_params", sa.JSON),
)
agenda_items = sa.table(
    "agenda_items",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("title", sa.String),
    sa.column("refs", sa.JSON),
)


def upgrade():
    # clients.locale came with the mail outbox (0013), which writes to clients in their language.
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("summary_params", sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(complaints.c.id, complaints.c.summary).where(
            complaints.c.summary.like("Rated %/5%")
        )
    ).all()
    for complaint_id, summary in rows:
        found = RATED.match(summary or "")
        if found is None:
            continue
        connection.execute(
            complaints.update()
            .where(complaints.c.id == complaint_id)
            .values(
                summary=found.group(2) or "",
                summary_kind="rated",
                summary_params={"score": int(found.group(1))},
            )
        )
    connection.execute(agenda_items.update().values(title=""))


def _english_title(kind: str, refs: dict) -> str:
    """The title the agenda used to store, for a downgrade (the counts are all in refs)."""
    if kind == "carried":
        original = _english_title(refs.get("original_kind", "carried"), refs)
        return f"Carried over from {refs.get('from_on')}: {original}"
    if kind == "overnight":
        return (
            f"Overnight: {refs.get('complaints_opened', 0)} complaint(s) opened, "
            f"{refs.get('low_ratings', 0)} low rating(s)"
        )
    if kind == "follow_ups":
        shown = refs.get("complaints", [])
        overdue = sum(1 for c in shown if c.get("overdue"))
        more = "+" if refs.get("more") else ""
        return f"Follow-ups due: {len(shown)}{more} ({overdue} overdue)"
    if kind == "wishes":
        return (
            f"Wishes for review: {len(refs.get('wishes', []))}; "
            f"callbacks due: {len(refs.get('callbacks', []))}"
        )
    if kind == "action_items":
        return f"Open action items: {len(refs.get('action_items', []))}"
    if kind == "check_ins":
        return f"Check-ins: {len(refs.get('members', []))} expected"
    return f"Parking lot: {len(refs.get('topics', []))} topic(s)"


def downgrade():
    connection = op.get_bind()
    for item_id, kind, refs in connection.execute(
        sa.select(agenda_items.c.id, agenda_items.c.kind, agenda_items.c.refs)
    ).all():
        refs = json.loads(refs) if isinstance(refs, str) else (refs or {})
        connection.execute(
            agenda_items.update()
            .where(agenda_items.c.id == item_id)
            .values(title=_english_title(kind, refs)[:300])
        )
    rows = connection.execute(
        sa.select(complaints.c.id, complaints.c.summary, complaints.c.summary_params).where(
            complaints.c.summary_kind == "rated"
        )
    ).all()
    for complaint_id, words, params in rows:
        params = json.loads(params) if isinstance(params, str) else (params or {})
        title = f"Rated {params.get('score', '?')}/5" + (f": {words}" if words else "")
        connection.execute(
            complaints.update().where(complaints.c.id == complaint_id).values(summary=title[:300])
        )
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy would drop and
    # recreate these tables, which their foreign keys forbid once rows point at them.
    for table, column in (
        ("complaints", "summary_params"),
        ("complaints", "summary_kind"),
        ("teams", "locale"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
