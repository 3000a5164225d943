"""service parts: the parts of running `mailbot run` instances and their heartbeats

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_parts",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("instance", sa.String(length=255), nullable=False),
        sa.Column("started_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worked_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stale_after", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("stopped_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", "instance", name=op.f("pk_service_parts")),
    )


def downgrade() -> None:
    op.drop_table("service_parts")
