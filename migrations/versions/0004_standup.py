"""standup: holidays, rotation, days away, stand-ups, agenda, check-ins, attendance, action items,
parking lot, decisions; teams get a grace period

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_holidays_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_holidays")),
        sa.UniqueConstraint("team_id", "on", name="uq_team_holidays_team_id_on"),
    )
    op.create_table(
        "away_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_away_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_away_days")),
        sa.UniqueConstraint("user_id", "on", name="uq_away_days_user_id_on"),
    )
    with op.batch_alter_table("away_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_away_days_on"), ["on"], unique=False)

    op.create_table(
        "standups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timebox_seconds", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("auto_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("current_position", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'live', 'ended')", name=op.f("ck_standups_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_standups_ended_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"], ["users.id"], name=op.f("fk_standups_facilitator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_standups_started_by_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_standups_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standups")),
        sa.UniqueConstraint("team_id", "on", name="uq_standups_team_id_on"),
    )
    with op.batch_alter_table("standups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standups_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_standups_on"), ["on"], unique=False)
        batch_op.create_index(batch_op.f("ix_standups_status"), ["status"], unique=False)

    op.create_table(
        "team_rotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_rotation_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_team_rotation_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_rotation")),
        sa.UniqueConstraint("team_id", "user_id", name="uq_team_rotation_team_id_user_id"),
    )
    with op.batch_alter_table("team_rotation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_rotation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_action_items_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_action_items_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_action_items_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"], ["standups.id"], name=op.f("fk_action_items_standup_id_standups")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_action_items_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_items_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_items_standup_id"), ["standup_id"], unique=False
        )
        batch_op.create_index(
            "ix_action_items_team_id_done_at", ["team_id", "done_at"], unique=False
        )

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("timebox_seconds", sa.Integer(), nullable=False),
        sa.Column("timebox_edited", sa.Boolean(), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('carried', 'overnight', 'follow_ups', 'wishes', 'action_items', 'check_ins', 'parking_lot')",
            name=op.f("ck_agenda_items_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_items_carried_from_id_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_agenda_items_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_items_carried_from_id"), ["carried_from_id"], unique=False
        )
        batch_op.create_index(
            "ix_agenda_items_standup_id_position", ["standup_id", "position"], unique=False
        )

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("yesterday", sa.Text(), nullable=False),
        sa.Column("today", sa.Text(), nullable=False),
        sa.Column("blockers", sa.Text(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mood IS NULL OR mood BETWEEN 1 AND 5", name=op.f("ck_check_ins_mood_range")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_check_ins_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_check_ins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("standup_id", "user_id", name="uq_check_ins_standup_id_user_id"),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_user_id"), ["user_id"], unique=False)

    op.create_table(
        "parking_lot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discussed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discussed_standup_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["discussed_standup_id"],
            ["standups.id"],
            name=op.f("fk_parking_lot_items_discussed_standup_id_standups"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["users.id"], name=op.f("fk_parking_lot_items_raised_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"], ["standups.id"], name=op.f("fk_parking_lot_items_standup_id_standups")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_parking_lot_items_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_lot_items")),
    )
    with op.batch_alter_table("parking_lot_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parking_lot_items_standup_id"), ["standup_id"], unique=False
        )
        batch_op.create_index(
            "ix_parking_lot_items_team_id_discussed_at", ["team_id", "discussed_at"], unique=False
        )

    op.create_table(
        "standup_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["marked_by_id"], ["users.id"], name=op.f("fk_standup_attendance_marked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_standup_attendance_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_standup_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_attendance")),
        sa.UniqueConstraint(
            "standup_id", "user_id", name="uq_standup_attendance_standup_id_user_id"
        ),
    )
    with op.batch_alter_table("standup_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standup_attendance_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "standup_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_standup_decisions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standups.id"],
            name=op.f("fk_standup_decisions_standup_id_standups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_decisions")),
    )
    with op.batch_alter_table("standup_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standup_decisions_standup_id"), ["standup_id"], unique=False
        )

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("grace_minutes", sa.Integer(), server_default="5", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("grace_minutes")

    with op.batch_alter_table("standup_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_decisions_standup_id"))

    op.drop_table("standup_decisions")
    with op.batch_alter_table("standup_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standup_attendance_user_id"))

    op.drop_table("standup_attendance")
    with op.batch_alter_table("parking_lot_items", schema=None) as batch_op:
        batch_op.drop_index("ix_parking_lot_items_team_id_discussed_at")
        batch_op.drop_index(batch_op.f("ix_parking_lot_items_standup_id"))

    op.drop_table("parking_lot_items")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_user_id"))

    op.drop_table("check_ins")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_items_standup_id_position")
        batch_op.drop_index(batch_op.f("ix_agenda_items_carried_from_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_index("ix_action_items_team_id_done_at")
        batch_op.drop_index(batch_op.f("ix_action_items_standup_id"))
        batch_op.drop_index(batch_op.f("ix_action_items_owner_id"))

    op.drop_table("action_items")
    with op.batch_alter_table("team_rotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_rotation_user_id"))

    op.drop_table("team_rotation")
    with op.batch_alter_table("standups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standups_status"))
        batch_op.drop_index(batch_op.f("ix_standups_on"))
        batch_op.drop_index(batch_op.f("ix_standups_facilitator_id"))

    op.drop_table("standups")
    with op.batch_alter_table("away_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_away_days_on"))

    op.drop_table("away_days")
    op.drop_table("team_holidays")
