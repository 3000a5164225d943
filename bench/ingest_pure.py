"""The pure parts of processing, each timed alone over the same mail as the pipeline: the work
any intake must do whatever its database, and the denominator of the pipeline/pure ratio.

The functions are the ones the pipeline calls: `parse_message` with the desk's own addresses
(the processor), `read_order` with the catalogue of the active price lists (taking an order),
the renderer on exactly the template contexts the pipeline rendered (captured in a worker),
and `compose` with the threading a reply to each message gets (the outbox). No database.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ingest_pipeline import Render
from sqlalchemy import select

from mailbot.bootstrap import App
from mailbot.config import Config
from mailbot.outbound.compose import compose
from mailbot.outbound.render import RenderedMail, Renderer
from mailbot.parsers.catalogue import Catalogue
from mailbot.parsers.message import ParsedMessage, parse_message
from mailbot.services.orders.taking import OrderRules, ReadOrder, read_order
from mailbot.services.pricelists.catalogue import CatalogueCache
from mailbot.storage.models import InboundMessage, Order


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Seconds for each pure part over the whole corpus."""

    parse: float
    read: float
    render: float
    compose: float

    @property
    def pure(self) -> float:
        return self.parse + self.read + self.render + self.compose

    def best(self, other: Breakdown) -> Breakdown:
        """Each part's better time of two runs."""
        return Breakdown(
            min(self.parse, other.parse),
            min(self.read, other.read),
            min(self.render, other.render),
            min(self.compose, other.compose),
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "parse": self.parse,
            "read": self.read,
            "render": self.render,
            "compose": self.compose,
        }


@dataclass(frozen=True)
class PureWork:
    """What the pure parts run on: the app's settings and catalogue, the renderings the
    pipeline did, and for each the index of the message it answers (None: none found)."""

    own_addresses: frozenset[str]
    config: Config
    rules: OrderRules
    catalogue: Catalogue
    renders: Sequence[Render]
    answers: Sequence[int | None]
    now: datetime


def pure_work(app: App, message_ids: Sequence[str], renders: Sequence[Render]) -> PureWork:
    """Read from `app`'s database after its pipeline run: the catalogue the reader searched,
    and which message each rendering answered (a quote names its order; the order names the
    message). `message_ids` are the corpus's, in order."""
    with app.uow() as uow:
        catalogue = CatalogueCache().current(uow)
        # The bench's own query: which stored message each order number came from.
        placed: dict[str, str] = dict(
            uow.session.execute(
                select(Order.number, InboundMessage.message_id).join(
                    InboundMessage, Order.inbound_message_id == InboundMessage.id
                )
            ).all()
        )
    position = {message_id: n for n, message_id in enumerate(message_ids)}
    answers = [
        position.get(placed.get(str(context.get("order_number")), ""))
        for _, _, context, _ in renders
    ]
    outgoing, ingress = app.config.smtp_outgoing, app.config.smtp_ingress
    own = frozenset({outgoing.from_address.lower(), *(r.lower() for r in ingress.recipients)})
    return PureWork(own, app.config, app.rules, catalogue, renders, answers, app.clock.now())


def measure(work: PureWork, raws: Sequence[bytes]) -> Breakdown:
    """One timed run of each part over the corpus, warm (templates compiled first)."""
    config = work.config
    parsed: list[ParsedMessage] = []
    parse = _timed(lambda: parsed.extend(parse_message(raw, work.own_addresses) for raw in raws))
    orders: list[ReadOrder] = []
    read = _timed(lambda: orders.extend(read_order(m, work.rules, work.catalogue) for m in parsed))
    renderer = Renderer(config.templates.folder, config.scheduler.timezone)
    for name, language in sorted({(name, language) for name, language, _, _ in work.renders}):
        first = next(r for r in work.renders if r[:2] == (name, language))
        renderer.render(*first)  # compiling the templates is a one-off
    rendered: list[RenderedMail] = []
    render = _timed(lambda: rendered.extend(renderer.render(*args) for args in work.renders))
    sender = config.smtp_outgoing.from_address

    def compose_all() -> None:
        for mail, answered in zip(rendered, work.answers, strict=True):
            message = parsed[answered] if answered is not None else None
            compose(
                mail,
                sender=sender,
                to=message.from_address if message else sender,
                domain=sender.rpartition("@")[2],
                in_reply_to=message.message_id if message else "",
                references=message.references if message else (),
                answering=message is not None,
                now=work.now,
            )

    return Breakdown(parse, read, render, _timed(compose_all))


def _timed(work: Callable[[], object]) -> float:
    gc.collect()  # garbage left by an earlier step is not this step's cost
    start = time.perf_counter()
    work()
    return time.perf_counter() - start
