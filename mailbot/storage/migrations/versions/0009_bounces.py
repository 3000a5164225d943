"""bounces: outbound mail marked bounced, bouncing addresses, replies held for a digest

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-23 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bounced_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("bounce_recipient", sa.String(length=320), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("bounce_status", sa.String(length=16), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_messages_digest_id_outbound_messages"),
            "outbound_messages",
            ["digest_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_outbound_messages_recipient_created", ["recipient", "created_at"], unique=False
        )
    op.create_table(
        "bouncing_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("hard_bounces", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("last_outbound_id", sa.Integer(), nullable=True),
        sa.Column(
            "first_bounce_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_bounce_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("alerted_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suppressed_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["last_outbound_id"],
            ["outbound_messages.id"],
            name=op.f("fk_bouncing_addresses_last_outbound_id_outbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bouncing_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_bouncing_addresses_address")),
    )


def downgrade() -> None:
    op.drop_table("bouncing_addresses")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_recipient_created")
        batch_op.drop_constraint(
            batch_op.f("fk_outbound_messages_digest_id_outbound_messages"), type_="foreignkey"
        )
        batch_op.drop_column("digest_id")
        batch_op.drop_column("bounce_status")
        batch_op.drop_column("bounce_recipient")
        batch_op.drop_column("bounced_at")
