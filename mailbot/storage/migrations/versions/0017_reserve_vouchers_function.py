"""reserve vouchers in one call: a PL/pgSQL function that counts a use under the campaign's row
lock, checks the per-client and single-use counts and inserts the reservation (PostgreSQL only;
SQLite keeps the same steps in Python, under its database lock)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each statement of a (volatile) PL/pgSQL function takes a new snapshot: the counts after the
# guarded UPDATE see every reservation committed before the row lock was granted. One
# statement (a CTE) could not: it reads every table as of its start, before it waited for the
# lock. The refusals are the names of `services.vouchers.look_up.Refusal`.
RESERVE_VOUCHERS = """
CREATE OR REPLACE FUNCTION mailbot_reserve_vouchers(
    p_codes text[], p_amounts numeric[], p_currencies text[], p_client_id integer,
    p_order_id integer, p_inbound_id integer, p_reserved_at timestamptz,
    p_hold_until timestamptz
) RETURNS TABLE (
    code text, redemption_id integer, status text, hold_until timestamptz, refusal text
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
        IF wanted.code_id IS NULL THEN
            refusal := 'UNKNOWN';
        ELSIF wanted.earlier_id IS NOT NULL THEN  -- this message reserved it before
            redemption_id := wanted.earlier_id;
            status := wanted.earlier_status;
            hold_until := wanted.earlier_hold;
        ELSIF wanted.owner_id IS NOT NULL AND wanted.owner_id <> p_client_id THEN
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
                SELECT count(*) INTO held_by_client FROM voucher_redemptions AS r
                WHERE r.campaign_id = wanted.campaign_id AND r.client_id = p_client_id
                  AND r.status IN ('reserved', 'redeemed');
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
                        code_id, campaign_id, client_id, order_id, status, discount, currency,
                        terms, inbound_message_id, reserved_at, hold_until, release_reason)
                    SELECT wanted.code_id, wanted.campaign_id, p_client_id, p_order_id,
                           'reserved', wanted.amount, wanted.currency, k.terms, p_inbound_id,
                           p_reserved_at, p_hold_until, ''
                    FROM voucher_campaigns AS k WHERE k.id = wanted.campaign_id
                    RETURNING id INTO redemption_id;
                    status := 'reserved';
                    hold_until := p_hold_until;
                END IF;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RESERVE_VOUCHERS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION mailbot_reserve_vouchers("
            "text[], numeric[], text[], integer, integer, integer, timestamptz, timestamptz)"
        )
