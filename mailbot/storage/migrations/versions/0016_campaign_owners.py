"""campaign owners: the supplier funding a campaign, and who created it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:18:23.129525
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voucher_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("funded_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_voucher_campaigns_funded_by_partners"), "partners", ["funded_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("voucher_campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_voucher_campaigns_funded_by_partners"), type_="foreignkey"
        )
        batch_op.drop_column("created_by")
        batch_op.drop_column("funded_by")
