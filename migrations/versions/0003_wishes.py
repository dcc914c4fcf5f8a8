"""wishes: wishes, their title tokens, requests per client, reviews, decisions, callbacks

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wish_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_wish_reviews_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_wish_reviews_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_wish_reviews_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_reviews")),
        sa.UniqueConstraint("team_id", "review_on", name="uq_wish_reviews_team_id_review_on"),
    )
    op.create_table(
        "wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("added_to_review_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'decided', 'already_possible', 'merged')",
            name=op.f("ck_wishes_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_wishes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["wishes.id"], name=op.f("fk_wishes_merged_into_id_wishes")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_wishes_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishes")),
    )
    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wishes_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_wishes_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_index("ix_wishes_status_team_id", ["status", "team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wishes_team_id"), ["team_id"], unique=False)

    op.create_table(
        "wish_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('wont_do', 'will_do', 'will_do_if_paid', 'will_do_in_paid_period', 'already_possible')",
            name=op.f("ck_wish_decisions_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_wish_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["wish_reviews.id"],
            name=op.f("fk_wish_decisions_review_id_wish_reviews"),
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_decisions_wish_id_wishes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_decisions")),
        sa.UniqueConstraint("wish_id", name=op.f("uq_wish_decisions_wish_id")),
    )
    with op.batch_alter_table("wish_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_decisions_outcome"), ["outcome"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_wish_decisions_review_id"), ["review_id"], unique=False
        )

    op.create_table(
        "wish_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_from_wish_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('call', 'api', 'client_page')", name=op.f("ck_wish_requests_channel_known")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_wish_requests_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_wish_requests_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["moved_from_wish_id"],
            ["wishes.id"],
            name=op.f("fk_wish_requests_moved_from_wish_id_wishes"),
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_requests_wish_id_wishes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_requests")),
        sa.UniqueConstraint("wish_id", "client_id", name="uq_wish_requests_wish_id_client_id"),
    )
    with op.batch_alter_table("wish_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_requests_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wish_requests_client_id"), ["client_id"], unique=False)

    op.create_table(
        "wish_tokens",
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_tokens_wish_id_wishes")
        ),
        sa.PrimaryKeyConstraint("wish_id", "token", name=op.f("pk_wish_tokens")),
    )
    with op.batch_alter_table("wish_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_wish_tokens_token_wish_id", ["token", "wish_id"], unique=False)

    op.create_table(
        "wish_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_wish_callbacks_agent_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_wish_callbacks_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["wish_decisions.id"],
            name=op.f("fk_wish_callbacks_decision_id_wish_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_wish_callbacks_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_wish_callbacks_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["wish_id"], ["wishes.id"], name=op.f("fk_wish_callbacks_wish_id_wishes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish_callbacks")),
        sa.UniqueConstraint(
            "decision_id", "client_id", name="uq_wish_callbacks_decision_id_client_id"
        ),
    )
    with op.batch_alter_table("wish_callbacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_wish_callbacks_agent_id_done_at_due_on",
            ["agent_id", "done_at", "due_on"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wish_callbacks_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_wish_callbacks_done_at_due_on", ["done_at", "due_on"], unique=False
        )
        batch_op.create_index(
            "ix_wish_callbacks_team_id_done_at_due_on",
            ["team_id", "done_at", "due_on"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_wish_callbacks_wish_id"), ["wish_id"], unique=False)


def downgrade():
    with op.batch_alter_table("wish_callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_callbacks_wish_id"))
        batch_op.drop_index("ix_wish_callbacks_team_id_done_at_due_on")
        batch_op.drop_index("ix_wish_callbacks_done_at_due_on")
        batch_op.drop_index(batch_op.f("ix_wish_callbacks_client_id"))
        batch_op.drop_index("ix_wish_callbacks_agent_id_done_at_due_on")

    op.drop_table("wish_callbacks")
    with op.batch_alter_table("wish_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_wish_tokens_token_wish_id")

    op.drop_table("wish_tokens")
    with op.batch_alter_table("wish_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_requests_client_id"))
        batch_op.drop_index(batch_op.f("ix_wish_requests_agent_id"))

    op.drop_table("wish_requests")
    with op.batch_alter_table("wish_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_decisions_review_id"))
        batch_op.drop_index(batch_op.f("ix_wish_decisions_outcome"))

    op.drop_table("wish_decisions")
    with op.batch_alter_table("wishes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wishes_team_id"))
        batch_op.drop_index("ix_wishes_status_team_id")
        batch_op.drop_index(batch_op.f("ix_wishes_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_wishes_created_at"))

    op.drop_table("wishes")
    op.drop_table("wish_reviews")
