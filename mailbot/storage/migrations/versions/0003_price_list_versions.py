"""price list versions: a status (active, replaced, held, rejected) instead of the active flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="replaced", nullable=False)
        )
        batch_op.add_column(sa.Column("held_reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("decided_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE price_lists SET status = 'active' WHERE active")
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        # The defaults only filled the existing rows; mailbot always writes both columns.
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("held_reason", server_default=None)
        batch_op.drop_column("active")
        batch_op.create_index(
            "ix_price_lists_status_supplier", ["status", "supplier_id"], unique=False
        )

    with op.batch_alter_table("price_items", schema=None) as batch_op:
        batch_op.create_index("ix_price_items_sku_key", ["sku_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("price_items", schema=None) as batch_op:
        batch_op.drop_index("ix_price_items_sku_key")

    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_price_lists_status_supplier")
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE price_lists SET active = (status = 'active')")
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.alter_column("active", server_default=None)
        batch_op.drop_column("decided_at")
        batch_op.drop_column("held_reason")
        batch_op.drop_column("status")
