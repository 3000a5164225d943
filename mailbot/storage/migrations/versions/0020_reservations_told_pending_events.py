"""reserve vouchers on PostgreSQL: the function also returns each reservation's campaign and
whether it is new, so the caller records `voucher.code_reserved` for what it reserved (as the
SQLite path does) without another round trip; the events waiting to be published are indexed
by id alone (a partial index, in place of an index of every event's `published_at`), and the
numbered ones by aggregate and sequence (an aggregate's last number in one index step)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 18:00:00.000000
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = (
    "mailbot_reserve_vouchers("
    "text[], numeric[], text[], integer, integer, integer, timestamptz, timestamptz)"
)
# 0017's function, changed in three places: two more columns, set for every code, and the
# new reservation marked fresh.
EDITS = (
    (
        "code text, redemption_id integer, status text, hold_until timestamptz, refusal text\n",
        "code text, redemption_id integer, status text, hold_until timestamptz, refusal text,\n"
        "    campaign_id integer, fresh boolean\n",
    ),
    (
        "        refusal := NULL;\n",
        "        refusal := NULL;\n        campaign_id := wanted.campaign_id;\n"
        "        fresh := false;\n",
    ),
    (
        "                    status := 'reserved';\n",
        "                    status := 'reserved';\n                    fresh := true;\n",
    ),
)


def _function(fresh: bool) -> str:
    text: str = importlib.import_module(
        "mailbot.storage.migrations.versions.0017_reserve_vouchers_function"
    ).RESERVE_VOUCHERS
    if fresh:
        for old, new in EDITS:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
    return text


PENDING = sa.text("published_at IS NULL")
NUMBERED = sa.text("sequence IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {SIGNATURE}")  # its result's columns change
        op.execute(_function(fresh=True))
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {SIGNATURE}")
        op.execute(_function(fresh=False))
