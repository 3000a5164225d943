"""cabinet sign-in: links mailed to partners and the sessions they open, known by hashes

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mailbot.storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("created_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", mailbot.storage.types.UTCDateTime(timezone=True), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f(f"fk_{name}_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("sha256", name=op.f(f"uq_{name}_sha256")),
    )
    op.create_index(op.f(f"ix_{name}_partner_id"), name, ["partner_id"], unique=False)


def upgrade() -> None:
    when = mailbot.storage.types.UTCDateTime(timezone=True)
    _table("sign_in_links", sa.Column("used_at", when, nullable=True))
    _table("web_sessions", sa.Column("ended_at", when, nullable=True))


def downgrade() -> None:
    for name in ("web_sessions", "sign_in_links"):
        op.drop_index(op.f(f"ix_{name}_partner_id"), table_name=name)
        op.drop_table(name)
