"""pricing rules: delivery days and stated availability of price items, clients' price display

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("price_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_stock", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("delivery_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("price_display", sa.String(length=8), server_default="net", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("price_display")

    with op.batch_alter_table("price_items", schema=None) as batch_op:
        batch_op.drop_column("delivery_days")
        batch_op.drop_column("in_stock")
