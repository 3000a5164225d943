"""A supplier's price list uploaded in the cabinet: the same import as a mailed list or
`pricelist import`, in one transaction, answered with the mail's import report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mailbot.domain.actors import Actor
from mailbot.parsers.tables import UnreadableTable
from mailbot.services.orders.taking import file_problem
from mailbot.services.outbox.replies import Replies
from mailbot.services.pricelists.by_mail import report_context
from mailbot.services.pricelists.importing import (
    PriceListError,
    PriceListSettings,
    import_price_list,
)
from mailbot.services.pricelists.versions import tell_managers_of_hold
from mailbot.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Upload:
    """The import report's context (as `pricelist_report` shows it) and the version stored;
    None when the file was refused and nothing was kept."""

    report: dict[str, object]
    version_id: int | None


def upload_price_list(
    uow: Callable[[], UnitOfWork],
    replies: Replies,
    supplier_id: int,
    filename: str,
    payload: bytes,
    *,
    settings: PriceListSettings,
    now: datetime,
    by: Actor,
) -> Upload:
    """Import `payload` as the supplier's new list (applied, or held for a manager, who is
    then told by mail); a file that cannot be imported changes nothing."""
    with uow() as unit:
        supplier = unit.partners.get(supplier_id)
        if supplier is None:
            raise PriceListError(f"no partner {supplier_id}")
        try:
            imported = import_price_list(
                unit,
                supplier,
                filename,
                payload,
                default_currency=supplier.currency,
                now=now,
                settings=settings,
                by=by,
            )
        except UnreadableTable as error:
            problem = file_problem(filename, error, settings.limits)
            return Upload(report_context(filename, problems=(problem,)), None)
        except PriceListError as error:
            return Upload(report_context(filename, rejected=error.rejected), None)
        if imported.held:
            tell_managers_of_hold(unit, replies, supplier, imported, received_at=now, now=now)
        unit.commit()
    report = report_context(
        filename,
        imported=imported.imported,
        rejected=imported.rejected,
        changes=imported.changes,
        held=imported.held,
    )
    return Upload(report, imported.price_list_id)
