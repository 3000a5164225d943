"""events: those waiting to be published indexed by id alone (a partial index, in place of an
index of every event's `published_at`), and the numbered ones by aggregate and sequence (an
aggregate's last number in one index step)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("published_at IS NULL")
NUMBERED = sa.text("sequence IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_published_at")
        batch_op.create_index(
            "ix_events_pending", ["id"], postgresql_where=PENDING, sqlite_where=PENDING
        )
        batch_op.create_index(
            "ix_events_numbered",
            ["aggregate_type", "aggregate_id", "sequence"],
            postgresql_where=NUMBERED,
            sqlite_where=NUMBERED,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_numbered")
        batch_op.drop_index("ix_events_pending")
        batch_op.create_index("ix_events_published_at", ["published_at"], unique=False)
