"""A supplier's price list by mail: imported from the first spreadsheet attached, and answered
with the import report; a list that is held is also told to the managers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from mailbot.domain.lines import RejectedLine
from mailbot.domain.price_changes import HoldReason, PriceChanges
from mailbot.parsers.message import ParsedMessage
from mailbot.parsers.tables import UnreadableTable, is_table
from mailbot.services.orders.taking import file_problem
from mailbot.services.pricelists.importing import (
    PriceListError,
    PriceListSettings,
    import_price_list,
)
from mailbot.services.pricelists.versions import tell_managers_of_hold
from mailbot.services.work import Work
from mailbot.storage.models import Partner

# Queues the `pricelist_report` reply to the supplier with the given context.
Report = Callable[[Mapping[str, object]], None]


def report_context(
    filename: str,
    *,
    imported: int = 0,
    rejected: Sequence[RejectedLine] = (),
    problems: Sequence[RejectedLine] = (),
    changes: PriceChanges | None = None,
    held: Sequence[HoldReason] = (),
) -> dict[str, object]:
    """What the import report shows (by default: nothing imported)."""
    return {
        "filename": filename,
        "imported": imported,
        "rejected": rejected,
        "problems": problems,
        "changes": changes,
        "held": held,
    }


def take_price_list(
    work: Work,
    supplier: Partner,
    message: ParsedMessage,
    *,
    report: Report,
    settings: PriceListSettings,
    received_at: datetime,
    unverified: bool = False,
) -> str:
    """Import the message's first spreadsheet as the supplier's new list and report on it;
    a summary for the processing log. A refused list changes nothing (its savepoint is undone).
    `unverified`: the mail did not prove its sender, so the list is held for a manager."""
    uow, now = work.uow, work.now
    attachment = next(a for a in message.attachments if is_table(a.filename, a.content_type))
    filename = attachment.filename or "price list"
    try:
        with uow.savepoint():
            imported = import_price_list(
                uow,
                supplier,
                filename,
                attachment.payload,
                default_currency=supplier.currency,
                now=now,
                settings=settings,
                unverified=unverified,
            )
    except UnreadableTable as error:
        report(report_context(filename, problems=(file_problem(filename, error, settings.limits),)))
        return f"price list refused: {error}"
    except PriceListError as error:
        report(report_context(filename, rejected=error.rejected))
        return f"price list refused: {error}"
    report(
        report_context(
            filename,
            imported=imported.imported,
            rejected=imported.rejected,
            changes=imported.changes,
            held=imported.held,
        )
    )
    summary = f"price list {filename}: {imported.imported} rows, {len(imported.rejected)} rejected"
    if imported.held:
        told = tell_managers_of_hold(
            uow, work.replies, supplier, imported, received_at=received_at, now=now
        )
        summary += f"; held as version {imported.price_list_id}, {told} manager(s) told"
    return summary
