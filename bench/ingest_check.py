"""The ingest benchmark's own check: did the pipeline do the work it was timed on?

The generator knows what it wrote, so after each pipeline run every message must have ended
`processed` with exactly one order holding every line written (those the demo price list can
supply priced, the rest rejected), and exactly one quote written and sent; no other mail, no
held (reply-limited), pending, failed or suppressed mail, nothing quarantined. A problem here
is a bug in mailbot or in the benchmark, and the run's figures are not reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from corpus import Sample
from sqlalchemy import case, func, select

from mailbot.bootstrap import App
from mailbot.storage.models import InboundMessage, Order, OrderLine, OutboundMessage

SHOWN = 3  # samples named for each kind of problem


def check(app: App, samples: Sequence[Sample]) -> list[str]:
    """What the pipeline on `app`'s database got wrong about `samples` ([] when nothing)."""
    with app.uow() as uow:
        session = uow.session
        stored = session.scalar(select(func.count(InboundMessage.id))) or 0
        statuses = session.execute(
            select(InboundMessage.status, func.count(), func.min(InboundMessage.outcome))
            .where(InboundMessage.status != "processed")
            .group_by(InboundMessage.status)
        ).all()
        mail = session.execute(
            select(
                OutboundMessage.kind,
                OutboundMessage.status,
                func.count(),
                func.min(OutboundMessage.last_error),
            ).group_by(OutboundMessage.kind, OutboundMessage.status)
        ).all()
        replies = dict(
            session.execute(
                select(InboundMessage.message_id, func.count(OutboundMessage.id))
                .join(OutboundMessage, OutboundMessage.inbound_message_id == InboundMessage.id)
                .where(OutboundMessage.kind == "quote", OutboundMessage.status == "sent")
                .group_by(InboundMessage.message_id)
            ).all()
        )
        orders = dict(
            session.execute(
                select(InboundMessage.message_id, func.count(Order.id))
                .join(Order, Order.inbound_message_id == InboundMessage.id)
                .group_by(InboundMessage.message_id)
            ).all()
        )
        priced = case((OrderLine.rejection.is_(None), 1), else_=0)
        lines = {
            message_id: (written, priced_lines)
            for message_id, written, priced_lines in session.execute(
                select(InboundMessage.message_id, func.count(OrderLine.id), func.sum(priced))
                .join(Order, Order.inbound_message_id == InboundMessage.id)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .group_by(InboundMessage.message_id)
            ).all()
        }
    problems: list[str] = []
    if stored != len(samples):
        problems.append(f"{stored} messages stored of {len(samples)} sent")
    problems += [f"{n} messages ended {status!r}, e.g. {why!r}" for status, n, why in statuses]
    problems += [
        f"{n} {kind} mails ended {status!r}" + (f", e.g. {error!r}" if error else "")
        for kind, status, n, error in mail
        if (kind, status) != ("quote", "sent")
    ]
    problems += _each(
        "messages without exactly one sent quote",
        [s for s in samples if replies.get(s.message_id) != 1],
        lambda s: f"{replies.get(s.message_id, 0)} sent quotes",
    )
    problems += _each(
        "messages without exactly one order",
        [s for s in samples if orders.get(s.message_id) != 1],
        lambda s: f"{orders.get(s.message_id, 0)} orders",
    )
    problems += _each(
        "orders with other lines than written",
        [s for s in samples if lines.get(s.message_id, (0, 0)) != (s.lines, s.priced)],
        lambda s: "{} lines written, {} priceable; {} in the order, {} priced".format(
            s.lines, s.priced, *lines.get(s.message_id, (0, 0))
        ),
    )
    return problems


def _each(what: str, wrong: Sequence[Sample], detail: Callable[[Sample], str]) -> list[str]:
    """How many samples are wrong in this way, and the first few of them."""
    if not wrong:
        return []
    examples = [f"  {s.message_id} ({s.kind}): {detail(s)}" for s in wrong[:SHOWN]]
    return [f"{len(wrong)} {what}", *examples]
