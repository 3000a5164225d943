"""event envelope: the events table becomes the transactional outbox of the RabbitMQ
publisher (message id, dotted type, schema version, aggregate and its sequence); the ERP's
messages applied (once per message id) and dead-lettered

Events recorded before this migration keep their payloads under the type `legacy.<Name>`
and count as published: they predate the envelope, and the ERP never expected them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:00:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_name")
        batch_op.alter_column("name", new_column_name="type", existing_type=sa.String(64))
        batch_op.alter_column("created_at", new_column_name="occurred_at")
        batch_op.add_column(sa.Column("message_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("aggregate_type", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("aggregate_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("message_id", sa.String),
        sa.column("published_at", sa.DateTime),
    )
    connection = op.get_bind()
    ids: Sequence[int] = connection.execute(sa.select(events.c.id)).scalars().all()
    if ids:
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam("event_id"))
            .values(message_id=sa.bindparam("new_id")),
            [{"event_id": event_id, "new_id": str(uuid.uuid4())} for event_id in ids],
        )
    op.execute(
        "UPDATE events SET type = 'legacy.' || type, version = 0, aggregate_type = 'legacy', "
        "aggregate_id = CAST(id AS VARCHAR(64)), sequence = 1, "
        "published_at = COALESCE(published_at, occurred_at)"
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column, kind in (
            ("message_id", sa.String(length=36)),
            ("version", sa.Integer()),
            ("aggregate_type", sa.String(length=32)),
            ("aggregate_id", sa.String(length=64)),
        ):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.create_unique_constraint("uq_events_message_id", ["message_id"])
        batch_op.create_index("ix_events_type", ["type"], unique=False)
        batch_op.create_index("ix_events_published_at", ["published_at"], unique=False)
        batch_op.create_index(
            "ix_events_aggregate", ["aggregate_type", "aggregate_id", "sequence"], unique=False
        )

    op.create_table(
        "erp_inbox",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("applied_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_erp_inbox")),
    )
    op.create_table(
        "erp_dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_dead_letters")),
    )


def downgrade() -> None:
    op.drop_table("erp_dead_letters")
    op.drop_table("erp_inbox")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_aggregate")
        batch_op.drop_index("ix_events_published_at")
        batch_op.drop_index("ix_events_type")
        batch_op.drop_constraint("uq_events_message_id", type_="unique")
        batch_op.drop_column("sequence")
        batch_op.drop_column("aggregate_id")
        batch_op.drop_column("aggregate_type")
        batch_op.drop_column("version")
        batch_op.drop_column("message_id")
        batch_op.alter_column("occurred_at", new_column_name="created_at")
        batch_op.alter_column("type", new_column_name="name", existing_type=sa.String(64))
        batch_op.create_index("ix_events_name", ["name"], unique=False)
