"""actor names: who acted on an order when no partner did (a manager at the command line)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_transitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("actor_name", sa.String(length=100), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("order_transitions", schema=None) as batch_op:
        batch_op.drop_column("actor_name")
