"""outbox queue: when a mail entered the queue (its lifetime counts from then) and when the
attempt under way began (an interrupted one is told apart)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queued_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "sending_since", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    # Mail already written entered the queue when it was written.
    op.execute("UPDATE outbound_messages SET queued_at = created_at")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "queued_at",
            existing_type=mailbot.storage.types.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("sending_since")
        batch_op.drop_column("queued_at")
