"""imap state: where the IMAP poller is in each folder

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_folders")),
        sa.UniqueConstraint("host", "username", "folder", name=op.f("uq_imap_folders_host")),
    )


def downgrade() -> None:
    op.drop_table("imap_folders")
