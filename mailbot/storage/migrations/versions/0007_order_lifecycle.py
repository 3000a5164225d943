"""order lifecycle: transitions, supplier orders, ledger, partner terms

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 00:27:05.561303
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("amount", mailbot.storage.types.ExactDecimal(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_ledger_entries_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_ledger_entries_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "order_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["partners.id"], name=op.f("fk_order_transitions_actor_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_messages.id"],
            name=op.f("fk_order_transitions_inbound_message_id_inbound_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_transitions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_transitions")),
    )
    with op.batch_alter_table("order_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_transitions_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "supplier_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ship_date", sa.Date(), nullable=True),
        sa.Column("ship_method", sa.String(length=100), nullable=False),
        sa.Column("outbound_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_supplier_orders_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_supplier_orders_outbound_message_id_outbound_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["partners.id"], name=op.f("fk_supplier_orders_supplier_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_orders")),
        sa.UniqueConstraint("order_id", "supplier_id", name=op.f("uq_supplier_orders_order_id")),
    )
    with op.batch_alter_table("supplier_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_orders_supplier_id"), ["supplier_id"], unique=False
        )

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_quantity", sa.Integer(), nullable=True))

    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_agree", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("credit_limit", mailbot.storage.types.ExactDecimal(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("credit_limit")
        batch_op.drop_column("auto_agree")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("confirmed_quantity")

    with op.batch_alter_table("supplier_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_orders_supplier_id"))

    op.drop_table("supplier_orders")
    with op.batch_alter_table("order_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_transitions_order_id"))

    op.drop_table("order_transitions")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_partner_id"))

    op.drop_table("ledger_entries")
