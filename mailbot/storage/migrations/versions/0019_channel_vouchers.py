"""channel sales of vouchers: a reservation or redemption made over the HTTP API names the
API key that made it (and the keys that redeemed or released it), the channel's order reference,
and for a retail customer without a partner record the channel's customer reference, under which
per-customer limits count; the reservation function of 0017 takes them and says which rows it
made (to record their events) and in which campaign

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:50:00.000000
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "voucher_redemptions"
OLD_SIGNATURE = "text[], numeric[], text[], integer, integer, integer, timestamptz, timestamptz"
NEW_SIGNATURE = (
    "text[], numeric[], text[], integer, text, integer, text, integer, integer, timestamptz, "
    "timestamptz"
)

# As 0017's, with the customer either a partner (p_client_id) or a channel's reference
# (p_customer_ref), the channel's order reference and API key, a code issued to a client
# refused to anyone else (IS DISTINCT FROM: a retail customer has no partner id), and two more
# columns: the campaign and whether this call made the row.
RESERVE_VOUCHERS = """
CREATE OR REPLACE FUNCTION mailbot_reserve_vouchers(
    p_codes text[], p_amounts numeric[], p_currencies text[], p_client_id integer,
    p_customer_ref text, p_order_id integer, p_order_ref text, p_api_key_id integer,
    p_inbound_id integer, p_reserved_at timestamptz, p_hold_until timestamptz
) RETURNS TABLE (
    code text, redemption_id integer, status text, hold_until timestamptz, refusal text,
    campaign_id integer, fresh boolean
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    wanted record;
    taken record;
    now_campaign record;
    held_by_client integer;
    code_held integer;
BEGIN
    -- In campaign order, so two transactions never wait for each other's locks in a circle.
    FOR wanted IN
        SELECT w.code, w.amount, w.currency, c.id AS code_id, c.client_id AS owner_id,
               c.campaign_id, k.kind, r.id AS earlier_id, r.status AS earlier_status,
               r.hold_until AS earlier_hold
        FROM unnest(p_codes, p_amounts, p_currencies) AS w(code, amount, currency)
        LEFT JOIN voucher_codes AS c ON c.code = w.code
        LEFT JOIN voucher_campaigns AS k ON k.id = c.campaign_id
        LEFT JOIN voucher_redemptions AS r
            ON r.code_id = c.id AND r.inbound_message_id = p_inbound_id
        ORDER BY c.campaign_id, w.code
    LOOP
        code := wanted.code;
        redemption_id := NULL;
        status := 'refused';
        hold_until := NULL;
        refusal := NULL;
        campaign_id := wanted.campaign_id;
        fresh := false;
        IF wanted.code_id IS NULL THEN
            refusal := 'UNKNOWN';
        ELSIF wanted.earlier_id IS NOT NULL THEN  -- this message reserved it before
            redemption_id := wanted.earlier_id;
            status := wanted.earlier_status;
            hold_until := wanted.earlier_hold;
        ELSIF wanted.owner_id IS NOT NULL AND wanted.owner_id IS DISTINCT FROM p_client_id THEN
            refusal := 'NOT_YOURS';
        ELSE
            -- The guarded UPDATE: counts the use and charges the budget, or changes nothing.
            UPDATE voucher_campaigns AS k
            SET used = k.used + 1,
                discount_used = CASE
                    WHEN k.budget IS NULL OR k.budget_currency IS NULL THEN k.discount_used
                    ELSE k.discount_used + wanted.amount END
            WHERE k.id = wanted.campaign_id
              AND k.active
              AND (k.max_redemptions IS NULL OR k.used < k.max_redemptions)
              AND (k.budget IS NULL OR k.budget_currency IS NULL
                   OR (k.budget_currency = wanted.currency
                       AND greatest(k.budget - k.discount_used, 0) >= wanted.amount))
            RETURNING k.per_client_limit, k.budget, k.budget_currency INTO taken;
            IF NOT FOUND THEN  -- why not, as committed now
                SELECT k.active, k.max_redemptions, k.used, k.budget, k.budget_currency,
                       k.discount_used
                INTO now_campaign FROM voucher_campaigns AS k WHERE k.id = wanted.campaign_id;
                IF NOT now_campaign.active THEN
                    refusal := 'CLOSED';
                ELSIF now_campaign.budget IS NOT NULL AND now_campaign.budget_currency IS NOT NULL
                      AND (now_campaign.max_redemptions IS NULL
                           OR now_campaign.used < now_campaign.max_redemptions) THEN
                    IF now_campaign.budget_currency <> wanted.currency THEN
                        refusal := 'CURRENCY';
                    ELSIF wanted.amount > greatest(
                            now_campaign.budget - now_campaign.discount_used, 0) THEN
                        refusal := 'BUDGET_EXHAUSTED';
                    ELSE
                        refusal := 'LIMIT_REACHED';
                    END IF;
                ELSE
                    refusal := 'LIMIT_REACHED';
                END IF;
            ELSE
                IF p_client_id IS NOT NULL THEN
                    SELECT count(*) INTO held_by_client FROM voucher_redemptions AS r
                    WHERE r.campaign_id = wanted.campaign_id AND r.client_id = p_client_id
                      AND r.status IN ('reserved', 'redeemed');
                ELSE  -- a retail customer known by the channel's reference
                    SELECT count(*) INTO held_by_client FROM voucher_redemptions AS r
                    WHERE r.campaign_id = wanted.campaign_id AND r.customer_ref = p_customer_ref
                      AND r.status IN ('reserved', 'redeemed');
                END IF;
                code_held := 0;
                IF wanted.kind = 'serial' THEN
                    SELECT count(*) INTO code_held FROM voucher_redemptions AS r
                    WHERE r.code_id = wanted.code_id AND r.status IN ('reserved', 'redeemed');
                END IF;
                IF code_held > 0 OR held_by_client >= taken.per_client_limit THEN
                    UPDATE voucher_campaigns AS k
                    SET used = k.used - 1,
                        discount_used = CASE
                            WHEN taken.budget IS NULL OR taken.budget_currency IS NULL
                            THEN k.discount_used ELSE k.discount_used - wanted.amount END
                    WHERE k.id = wanted.campaign_id;
                    refusal := CASE WHEN code_held > 0 THEN 'CODE_USED' ELSE 'COMPANY_LIMIT' END;
                ELSE
                    INSERT INTO voucher_redemptions (
                        code_id, campaign_id, client_id, customer_ref, order_id, order_ref,
                        api_key_id, status, discount, currency, terms, inbound_message_id,
                        reserved_at, hold_until, release_reason)
                    SELECT wanted.code_id, wanted.campaign_id, p_client_id, p_customer_ref,
                           p_order_id, p_order_ref, p_api_key_id, 'reserved', wanted.amount,
                           wanted.currency, k.terms, p_inbound_id, p_reserved_at, p_hold_until,
                           ''
                    FROM voucher_campaigns AS k WHERE k.id = wanted.campaign_id
                    RETURNING id INTO redemption_id;
                    status := 'reserved';
                    hold_until := p_hold_until;
                    fresh := true;
                END IF;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$
"""
KEYS = ("api_key_id", "redeemed_by_key_id", "released_by_key_id")


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("inbound_message_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("customer_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("order_ref", sa.String(length=100), nullable=True))
        for key in KEYS:
            batch_op.add_column(sa.Column(key, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{TABLE}_{key}_api_keys"), "api_keys", [key], ["id"]
            )
        batch_op.create_index(
            "ix_voucher_redemptions_campaign_customer_ref",
            ["campaign_id", "customer_ref", "status"],
        )
        batch_op.create_index(batch_op.f("ix_voucher_redemptions_api_key_id"), ["api_key_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION mailbot_reserve_vouchers({OLD_SIGNATURE})")
        op.execute(RESERVE_VOUCHERS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION mailbot_reserve_vouchers({NEW_SIGNATURE})")
        first = importlib.import_module(
            "mailbot.storage.migrations.versions.0017_reserve_vouchers_function"
        )
        op.execute(first.RESERVE_VOUCHERS)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_redemptions_api_key_id"))
        batch_op.drop_index("ix_voucher_redemptions_campaign_customer_ref")
        for key in reversed(KEYS):
            batch_op.drop_constraint(batch_op.f(f"fk_{TABLE}_{key}_api_keys"), type_="foreignkey")
            batch_op.drop_column(key)
        batch_op.drop_column("order_ref")
        batch_op.drop_column("customer_ref")
        batch_op.alter_column("inbound_message_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=False)
