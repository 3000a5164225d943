"""vouchers: campaigns, their codes, and each code's reservations and redemptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    name = op.f(f"fk_{table}_{column}_{target.split('.')[0]}")
    return sa.ForeignKeyConstraint([column], [target], name=name)


def upgrade() -> None:
    utc = mailbot.storage.types.UTCDateTime(timezone=True)
    exact = mailbot.storage.types.ExactDecimal(length=40)
    op.create_table(
        "voucher_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=3), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("max_redemptions", sa.Integer(), nullable=True),
        sa.Column("per_client_limit", sa.Integer(), nullable=True),
        sa.Column("budget", exact, nullable=True),
        sa.Column("budget_currency", sa.String(length=3), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("discount_used", exact, nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_voucher_campaigns_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_voucher_campaigns_prefix")),
    )
    op.create_table(
        "voucher_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("display", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        _fk("voucher_codes", "campaign_id", "voucher_campaigns.id"),
        _fk("voucher_codes", "client_id", "partners.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_voucher_codes_code")),
    )
    op.create_index(op.f("ix_voucher_codes_campaign_id"), "voucher_codes", ["campaign_id"])
    table = "voucher_redemptions"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("discount", exact, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("inbound_message_id", sa.Integer(), nullable=False),
        sa.Column("redeemed_inbound_id", sa.Integer(), nullable=True),
        sa.Column("released_inbound_id", sa.Integer(), nullable=True),
        sa.Column("reserved_at", utc, nullable=False),
        sa.Column("hold_until", utc, nullable=False),
        sa.Column("redeemed_at", utc, nullable=True),
        sa.Column("released_at", utc, nullable=True),
        sa.Column("release_reason", sa.String(length=64), nullable=False),
        _fk(table, "campaign_id", "voucher_campaigns.id"),
        _fk(table, "client_id", "partners.id"),
        _fk(table, "code_id", "voucher_codes.id"),
        _fk(table, "inbound_message_id", "inbound_messages.id"),
        _fk(table, "order_id", "orders.id"),
        _fk(table, "redeemed_inbound_id", "inbound_messages.id"),
        _fk(table, "released_inbound_id", "inbound_messages.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_redemptions")),
        sa.UniqueConstraint(
            "code_id", "inbound_message_id", name=op.f("uq_voucher_redemptions_code_id")
        ),
    )
    op.create_index(
        "ix_voucher_redemptions_campaign_client", table, ["campaign_id", "client_id", "status"]
    )
    op.create_index(op.f("ix_voucher_redemptions_order_id"), table, ["order_id"])
    op.create_index("ix_voucher_redemptions_status_hold", table, ["status", "hold_until"])


def downgrade() -> None:
    op.drop_table("voucher_redemptions")
    op.drop_table("voucher_codes")
    op.drop_table("voucher_campaigns")
