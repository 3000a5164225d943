"""deadlines: deadline rows, daily job runs, order transitions, contract ends

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-23 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = mailbot.storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_ends_at", UTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cutoff_notice_at", UTC(timezone=True), nullable=True))
    # order_transitions is lifecycle's too (migration 0007); the same columns, one survives.
    op.create_table(
        "order_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["partners.id"], name=op.f("fk_order_transitions_actor_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_order_transitions_inbound_message_id_inbound_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_transitions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_transitions")),
    )
    op.create_index(
        op.f("ix_order_transitions_order_id"), "order_transitions", ["order_id"], unique=False
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTC(timezone=True), nullable=False),
        sa.Column("due_at", UTC(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("stage_at", UTC(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lease_until", UTC(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("closed_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_deadlines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_deadlines_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    op.create_index(op.f("ix_deadlines_order_id"), "deadlines", ["order_id"], unique=False)
    op.create_index(
        "ix_deadlines_status_stage_at", "deadlines", ["status", "stage_at"], unique=False
    )
    op.create_table(
        "daily_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ran_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_runs")),
        sa.UniqueConstraint("job", "day", name=op.f("uq_daily_runs_job")),
    )


def downgrade() -> None:
    op.drop_table("daily_runs")
    op.drop_index("ix_deadlines_status_stage_at", table_name="deadlines")
    op.drop_index(op.f("ix_deadlines_order_id"), table_name="deadlines")
    op.drop_table("deadlines")
    op.drop_index(op.f("ix_order_transitions_order_id"), table_name="order_transitions")
    op.drop_table("order_transitions")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("cutoff_notice_at")
        batch_op.drop_column("contract_ends_at")
