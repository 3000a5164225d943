"""Price list versions on the command line: history, diff, release, reject, stale lists,
and the import report as people read it."""

from __future__ import annotations

import click

from mailbot.commands.common import (
    Context,
    emit,
    emit_one,
    fail,
    failures,
    json_option,
    pass_context,
)
from mailbot.services.partners.registry import normalise_address
from mailbot.services.pricelists import versions
from mailbot.services.pricelists.importing import ImportReport
from mailbot.storage.models import Partner


def echo_report(report: ImportReport) -> None:
    """Print what an import did: rows, changes against the previous list, hold, rejections."""
    click.echo(f"{report.source}: {report.imported} rows imported, {len(report.rejected)} rejected")
    changes = report.changes
    if changes is None:
        click.echo("  first price list of this supplier")
    else:
        click.echo(
            f"  against version {changes.previous_id} ({changes.previous_source}): "
            f"{changes.up} prices up, {changes.down} down, {changes.currency_changed} in another "
            f"currency, {changes.added} added, {changes.removed} removed"
        )
        for change in changes.largest:
            click.echo(f"    {change.sku}: {change.old} → {change.new} ({change.percent:+}%)")
        if changes.removed_skus:
            more = changes.removed - len(changes.removed_skus)
            tail = f" and {more} more" if more > 0 else ""
            click.echo(f"  removed: {', '.join(changes.removed_skus)}{tail}")
    if report.held:
        click.echo(f"  HELD as version {report.price_list_id} for a manager; the old list stays:")
        for reason in report.held:
            click.echo(f"    {reason.describe()}")
        click.echo(
            f"  apply it with `mailbot pricelist release {report.price_list_id}`"
            f" or refuse it with `mailbot pricelist reject {report.price_list_id}`"
        )
    else:
        click.echo(f"  active now as version {report.price_list_id}")
    for line in report.rejected:
        click.echo(
            f"  row {line.origin.row}: {line.reason.value} {line.sku} {line.detail}".rstrip()
        )


def _supplier(context: Context, address: str) -> Partner:
    with context.app().uow() as uow:
        partner = uow.partners.by_address(normalise_address(address))
        if partner is None or partner.role != "supplier":
            fail(f"no supplier has the address {address}")
        return partner


@click.command("history")
@click.argument("supplier")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_context
def history(context: Context, supplier: str, limit: int, as_json: bool) -> None:
    """List the versions of SUPPLIER's price list, newest first."""
    partner = _supplier(context, supplier)
    rows = versions.history(context.app().uow, partner, limit)
    emit(rows, as_json, ["id", "imported_at", "source", "rows", "rejected", "status"])


@click.command("diff")
@click.argument("supplier")
@click.option("--from", "old_id", type=int, help="Older version [default: the one before --to].")
@click.option("--to", "new_id", type=int, help="Newer version [default: the active one].")
@json_option
@pass_context
def diff(
    context: Context, supplier: str, old_id: int | None, new_id: int | None, as_json: bool
) -> None:
    """Show the rows added, removed, repriced and restocked between two versions of
    SUPPLIER's list."""
    partner = _supplier(context, supplier)
    with failures():
        found = versions.diff(context.app().uow, partner, old_id, new_id)
    record = found.as_row()
    if as_json:
        emit_one(record, True)
        return
    click.echo(f"version {found.old.id} ({found.old.source}) → {found.new.id} ({found.new.source})")
    for title, key, columns in (
        ("added", "added", ["sku", "name", "price", "currency"]),
        ("removed", "removed", ["sku", "name", "price", "currency"]),
        ("changed", "changed", ["sku", "old_price", "new_price", "new_currency", "percent"]),
        ("restocked", "restocked", ["sku", "old_stock", "new_stock", "new_in_stock"]),
    ):
        rows: list[dict[str, object]] = record[key]  # type: ignore[assignment]
        click.echo(f"\n{title}: {len(rows)}")
        if rows:
            emit(rows, False, columns)


@click.command("release")
@click.argument("version_id", type=int)
@click.option("--reason", default="", help="Why, kept with the decision.")
@pass_context
def release(context: Context, version_id: int, reason: str) -> None:
    """Apply a held price list version: it replaces the supplier's active list."""
    app = context.app()
    with failures():
        versions.release_price_list(
            app.uow, version_id, now=app.clock.now(), by=context.actor, reason=reason
        )
    context.acted(f"price list version {version_id} released")
    click.echo(f"price list version {version_id} is active")


@click.command("reject")
@click.argument("version_id", type=int)
@click.option("--reason", default="", help="Why, kept with the decision.")
@pass_context
def reject(context: Context, version_id: int, reason: str) -> None:
    """Refuse a held price list version; the supplier's active list stays."""
    app = context.app()
    with failures():
        versions.reject_price_list(
            app.uow, version_id, now=app.clock.now(), by=context.actor, reason=reason
        )
    context.acted(f"price list version {version_id} rejected")
    click.echo(f"price list version {version_id} is rejected")


@click.command("stale")
@click.option(
    "--days", type=click.IntRange(min=0), help="Older than this [default: price_lists.stale_days]."
)
@click.option("--notify", is_flag=True, help="Also mail the list to every manager (for cron).")
@json_option
@pass_context
def stale(context: Context, days: int | None, notify: bool, as_json: bool) -> None:
    """List suppliers whose active price list is older than the given number of days."""
    app = context.app()
    days = days if days is not None else app.config.price_lists.stale_days
    rows = versions.stale(app.uow, now=app.clock.now(), days=days)
    emit(rows, as_json, ["supplier", "name", "version", "imported_at", "age_days", "source"])
    if notify:
        queued = versions.report_stale_lists(app.uow, app.replies, now=app.clock.now(), days=days)
        if queued:
            context.acted(f"{queued} manager mail(s) about stale price lists queued")
        app.sender.run_once()
        click.echo(f"{queued} manager mail(s) sent", err=True)


COMMANDS = (history, diff, release, reject, stale)
