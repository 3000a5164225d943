"""`partners set` (change any field `partners add` takes, the addresses, terms and contract
end) and `partners reactivate` (take a cut-off back)."""

from __future__ import annotations

import click

from mailbot import read_models as views
from mailbot.commands.common import (
    Context,
    check_currency,
    emit_one,
    failures,
    json_option,
    pass_context,
    terms_options,
    usage_errors,
)
from mailbot.commands.dates import contract_end_option, parse_contract_end
from mailbot.services.partners.editing import Changes, edit_partner, reactivate
from mailbot.services.partners.registry import (
    LANGUAGES,
    PRICE_DISPLAYS,
    ROLES,
    parse_price_list_formats,
)
from mailbot.services.partners.terms import Terms, check_timezone, parse_credit_limit
from mailbot.storage.models import Partner


def _echo(partner: Partner, as_json: bool) -> None:
    row = views.partner_row(partner)
    if not as_json:
        row["addresses"] = ", ".join(row["addresses"])  # type: ignore[arg-type]
    emit_one(row, as_json)


@click.command("set")
@click.argument("address")
@click.option("--name", help="The partner's name.")
@click.option("--role", type=click.Choice(ROLES),
              help="Only while no orders, ledger or price lists hang on the partner.")  # fmt: skip
@click.option("--language", type=click.Choice(LANGUAGES))
@click.option("--group", help='Client group, for markups and voucher rules ("" for none).')
@click.option("--currency", callback=check_currency,
              help="Only while the client has no ledger entries and no open order.")  # fmt: skip
@click.option("--price-display", type=click.Choice(PRICE_DISPLAYS))
@click.option("--price-list-formats", help="xlsx, csv or xlsx,csv.")
@click.option("--also", "more", multiple=True, help="Add another address (repeatable).")
@click.option("--remove-address", "fewer", multiple=True,
              help="Take one of its addresses away (repeatable); one must stay.")  # fmt: skip
@terms_options
@contract_end_option
@json_option
@pass_context
def partners_set(context: Context, address: str, name: str | None, role: str | None,
                 language: str | None, group: str | None, currency: str | None,
                 price_display: str | None, price_list_formats: str | None,
                 more: tuple[str, ...], fewer: tuple[str, ...], auto_agree: bool | None,
                 credit_limit: str | None, timezone: str | None, contract_end: str | None,
                 as_json: bool) -> None:  # fmt: skip
    """Change the partner that has ADDRESS: any field `partners add` takes, its addresses,
    its terms or its contract end, all at once or nothing; shows the partner. A change that
    would strand its records (a role or currency they were kept in) is refused with exit 1."""
    app = context.app()
    with usage_errors():
        parse_credit_limit(credit_limit or "")
        check_timezone(timezone or "")
        parse_price_list_formats(price_list_formats or "xlsx")
    ends = parse_contract_end(contract_end, app.config.scheduler.timezone)
    changes = Changes(
        name=name,
        role=role,
        language=language,
        group=group,
        currency=currency,
        price_display=price_display,
        price_list_formats=price_list_formats,
        add_addresses=more,
        remove_addresses=fewer,
        terms=Terms(auto_agree, credit_limit, timezone),
        new_contract_end=contract_end is not None,
        contract_ends_at=ends,
    )
    with failures():
        partner = edit_partner(app.uow, address, changes, now=app.clock.now(), by=context.actor)
    context.acted(f"partner {partner.name} <{address}> changed")
    _echo(partner, as_json)


@click.command("reactivate")
@click.argument("address")
@json_option
@pass_context
def partners_reactivate(context: Context, address: str, as_json: bool) -> None:
    """Take back the cut-off of the partner that has ADDRESS: its orders and price lists are
    taken again. A contract end already passed is cleared; the orders handed to the managers
    at the cut-off stay with them."""
    app = context.app()
    with failures():
        partner = reactivate(app.uow, address, now=app.clock.now(), by=context.actor)
    context.acted(f"partner {partner.name} <{address}> reactivated")
    _echo(partner, as_json)


COMMANDS = (partners_set, partners_reactivate)
