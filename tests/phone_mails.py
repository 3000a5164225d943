"""Every HTML mail mailbot writes, filled with the worst a phone has to show: long SKUs, long
Cyrillic and Romanian names, seven-digit amounts in MDL, several vouchers, long file names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files

from mailbot.domain.lines import Origin, RejectedLine, Rejection
from mailbot.domain.money import Money
from mailbot.domain.price_changes import HoldKind, HoldReason, PriceChange, PriceChanges
from mailbot.domain.pricing import StockState
from mailbot.domain.quotes import Quote, QuotedLine
from mailbot.domain.vouchers import Basket, BasketLine, ClientHistory, evaluate_vouchers
from mailbot.outbound.voucher_rows import voucher_rows
from mailbot.services.orders.supplier_orders import Problem
from mailbot.services.outbox.reply_limits import HeldReply
from tests.baskets import code, fixed, percent, terms

WHEN = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
ORDER = "ORD-2026-000123"
# The SKUs the mails show; each must be found whole, on one line, wherever it appears.
SKUS = (
    "KNORR-K012-XL-500G",
    "SAF-2234-0100-XXL",
    "BPW-0310-0100-XXL-2026",
    "MAGGI-M77-FAMILY-1KG",
    "DOLCE-VITA-CAFEA-250",
)
NAMES = (
    "Бульон куриный Knorr в кубиках, упаковка 24 шт. по 10 г, для профессиональной кухни",
    "Pachet de întreținere pentru semiremorcă, ediția profesională îmbunătățită cu garanție",
    "Приправа универсальная «Магги» с сушёными овощами и специями, семейная упаковка",
    "Cafea măcinată Dolce Vita, amestec de specialitate, prăjire medie, pachet economic",
)
CLIENT = "ООО «Торговый дом Продовольственные Поставки Кишинёв» — отдел закупок"
SUPPLIER = "Întreprinderea cu Capital Străin «Distribuție Alimentară Moldova» SRL"
ADDRESS = "departamentul.achizitii.centralizate@distributie-alimentara-moldova.md"
FILE = "comanda-saptamanala-noiembrie-2026-magazinul-central-chisinau.xlsx"


def mdl(amount: str) -> Money:
    return Money(Decimal(amount), "MDL")


def _quote() -> Quote:
    states = (StockState.COUNTED, StockState.IN_STOCK, StockState.UNKNOWN, StockState.COUNTED)
    lines = tuple(
        QuotedLine(
            sku,
            name,
            9999 - index,
            mdl("123456.79"),
            mdl("1234567.89"),
            1,
            Origin(FILE, index + 2),
            states[index],
            1234567 if states[index] == StockState.COUNTED else None,
            written=sku.lower().replace("-", " ") if index == 0 else "",
        )
        for index, (sku, name) in enumerate(zip(SKUS[:2] + SKUS[3:], NAMES, strict=True))
    )
    rejected = (
        RejectedLine(Origin(FILE, 14), Rejection.UNKNOWN_SKU, SKUS[2], "1 200"),
        RejectedLine(Origin(FILE, 15), Rejection.INSUFFICIENT_STOCK, SKUS[0], "12000", "1 234"),
        RejectedLine(Origin("body", 7), Rejection.AMBIGUOUS_SKU, "KNORR-K012", "4", SKUS[0]),
        RejectedLine(Origin("body", 9), Rejection.UNCLEAR_QUANTITY, SKUS[1], "сколько есть"),
    )
    return Quote("MDL", lines, rejected, Decimal(20), gross=True, discount=mdl("234567.89"))


def _vouchers(language: str) -> tuple[object, ...]:
    """Real rows: one code applied, one refused with several rules, one skipped."""
    history = ClientHistory(2, mdl("900"), mdl("1080"))
    basket = Basket(
        (
            BasketLine(1, SKUS[0], "KNORR", "food", 9999, mdl("123456.79")),
            BasketLine(2, SKUS[1], "SAF", "food", 12, mdl("99999.99")),
        ),
        "MDL",
        Decimal(20),
        "horeca",
        history,
        date(2026, 11, 20),
    )
    results = evaluate_vouchers(
        basket,
        [
            code("SPRING-2026-KNORR-XL", terms(percent("10", max_discount="234567.89",
                                                       currency="MDL"))),
            code(
                "MAGGI2026FAMILY",
                terms(
                    fixed("1234.56", "MDL"),
                    {"rule": "brands", "brands": ["MAGGI"]},
                    {"rule": "order_total", "min": "9999999.00", "currency": "MDL"},
                    {"rule": "product_quantity", "sku": SKUS[3], "min": 30},
                ),
            ),
            code("WIN-7K3M-Q9TX-3", terms(percent("5"))),
        ],
    )  # fmt: skip
    return voucher_rows(results, language)


def _changes() -> PriceChanges:
    largest = tuple(
        PriceChange(sku, name, mdl("123456.79"), mdl("1234567.89"))
        for sku, name in zip(SKUS, NAMES, strict=False)
    )
    return PriceChanges(
        previous_id=6,
        previous_source=FILE,
        previous_rows=123456,
        kept=120000,
        up=1234,
        down=567,
        currency_changed=12,
        beyond_factor=3,
        added=4321,
        largest=largest,
        removed_skus=SKUS,
    )


def context(language: str) -> dict[str, object]:
    """What every template may read, worst case; each mail takes the keys it needs."""
    quote = _quote()
    line = {
        "sku": SKUS[0],
        "name": NAMES[0],
        "ordered": 123456,
        "confirmed": 98765,
        "quantity": 123456,
        "order": ORDER,
    }
    step = {
        "status": "confirmed",
        "step": "confirmed",
        "at": WHEN,
        "role": "supplier",
        "actor": SUPPLIER,
        "note": "",
    }
    refusals = [
        Problem("not_yours", SKUS[2]),
        Problem("too_many", SKUS[0], "123457", 123456),
        Problem("date_future", text="2026-11-25", day=date(2026, 11, 20)),
        Problem("unreadable_file", text=FILE),
    ]
    return {
        "partner_name": CLIENT,
        "order_number": ORDER,
        "quote": quote,
        "total": mdl("1234567.89"),
        "received_at": WHEN,
        "vouchers": _vouchers(language),
        "vouchers_held_until": WHEN,
        "agree_by": WHEN,
        "rejected": list(quote.rejected),
        "problems": [RejectedLine(Origin(FILE, 0), Rejection.UNREADABLE_FILE, detail="bad zip")],
        "filename": FILE,
        "imported": 1234567,
        "changes": _changes(),
        "held": (
            HoldReason(HoldKind.UNVERIFIED, 0, 0, Decimal(0)),
            HoldReason(HoldKind.REMOVED_SHARE, 61234, 123456, Decimal("0.5")),
            HoldReason(HoldKind.PRICE_FACTOR, 1234, 123456, Decimal(3)),
        ),
        "days": 14,
        "suppliers": [
            {
                "name": SUPPLIER,
                "address": ADDRESS,
                "imported_at": WHEN,
                "age_days": 123,
                "source": FILE,
            },
        ],
        "supplier_name": SUPPLIER,
        "supplier_address": ADDRESS,
        "version_id": 123456,
        "replies": [HeldReply(f"Quote {ORDER}", f"{SKUS[0]} × 9 999 = 1 234 567,89 MDL", WHEN)],
        "address": ADDRESS,
        "failed_recipient": ADDRESS,
        "status": "5.1.1",
        "holder": SUPPLIER,
        "subject": f"Quote {ORDER}: {NAMES[0]}",
        "sent_at": WHEN,
        "suppress_after": 3,
        "outbound_id": 1234567,
        "written_at": WHEN,
        "error": (
            f"relay smtp-relay.distributie-alimentara-moldova.md refused {ADDRESS}: 550 5.1.1 "
            f"<{ADDRESS}>: Recipient address rejected: User unknown in virtual mailbox table"
        ),
        "permanent": True,
        "kind": "supplier_confirmation",
        "due_at": WHEN,
        "example_day": date(2026, 11, 20),
        "party_name": SUPPLIER,
        "party_address": ADDRESS,
        "cut_name": SUPPLIER,
        "cut_address": ADDRESS,
        "cut_role": "supplier",
        "cut_at": WHEN,
        "reason": "contract_end",
        "orders": [
            {
                "number": ORDER,
                "status": "quoted",
                "total": mdl("1234567.89"),
                "order_number": ORDER,
                "order_status": "confirmed",
            },
        ]
        * 3,
        "lines": [line, {**line, "sku": SKUS[1], "name": NAMES[1], "confirmed": None}],
        "since": WHEN,
        "until": WHEN,
        "new_orders": [{"client": CLIENT, "count": 12, "totals": [mdl("1234567.89")] * 2}],
        "new_count": 12,
        "waiting_clients": [
            {
                "number": ORDER,
                "status": "quoted",
                "client": CLIENT,
                "total": mdl("1234567.89"),
                "created_at": WHEN,
            },
        ],
        "waiting_suppliers": [
            {"number": ORDER, "status": "sent", "client": CLIENT, "total": mdl("1234567.89")},
        ],
        "overdue": [{"order": ORDER, "kind": "shipping", "party": SUPPLIER, "due_at": WHEN}],
        "imports": [
            {
                "supplier": SUPPLIER,
                "source": FILE,
                "status": "held",
                "rows": 123456,
                "rejected": 1234,
            },
        ],
        "quarantined_new": 1234,
        "quarantined_total": 12345,
        "outbound": [{"status": "sent", "count": 1234567}],
        "matrix_name": "orders-2026-11-20.xlsx",
        "outcome": "partial",
        "order_status": "confirmed",
        "steps": [step, {**step, "role": "client", "actor": CLIENT}],
        "shipments": [{"date": date(2026, 11, 20), "method": "DPD Moldova Express Curierat"}],
        "owed": mdl("1234567.89"),
        "in_credit": mdl("0"),
        "credit_limit": mdl("9999999.99"),
        "entries": [
            {"at": WHEN, "kind": "debit", "amount": mdl("1234567.89"), "note": f"{ORDER}"},
            {"at": WHEN, "kind": "credit", "amount": mdl("-1234567.89"), "note": NAMES[1]},
        ],
        "confirm_by": WHEN,
        "refusals": refusals,
        "files": [f"{ORDER}.xlsx", f"{ORDER}.csv"],
        "cancelled": False,
        "part_status": "partial",
        "ship_date": date(2026, 11, 20),
        "ship_method": "DPD Moldova Express Curierat",
        "client_name": CLIENT,
        "client_address": ADDRESS,
        "items": 1234567,
        "generated_at": WHEN,
        "currency": "MDL",
        "reference": "REF-K7M3Q9TXAB",
        "command": "AGREE",
        "max_lines": 2000,
        # A sign-in link is one long word: it must break rather than widen the mail.
        "link": "https://cabinet.distributie-alimentara-moldova.md/sign-in/" + "K7m3Q9tXab" * 5,
        "expires_at": WHEN,
        "minutes": 15,
        "size": Decimal("14.6"),
        "limit": Decimal("10.2"),
        "attached": [
            {"name": "prices-2026-11-20-Balkan-Truck-Parts-SRL.xlsx", "size": Decimal("11.3")},
            {"name": f"{ORDER}.csv", "size": Decimal("3.3")},
        ],
    }


def mail_names() -> list[str]:
    """Every mail with an HTML part, as the packaged templates name them."""
    folder = files("mailbot") / "templates" / "mail"
    return sorted(
        entry.name.removesuffix(".html.j2")
        for entry in folder.iterdir()
        if entry.name.endswith(".html.j2") and entry.name not in _FRAMES
    )


_FRAMES = {"layout.html.j2", "macros.html.j2", "order_macros.html.j2"}
# A mail whose outcomes show different tables is rendered once per outcome.
VARIANTS: dict[str, list[dict[str, object]]] = {
    "quote": [{}, {"check": True}],
    "order_answer": [
        {"outcome": "partial"},
        {"outcome": "recent"},
        {"outcome": "shipped", "order_status": "shipped"},
        {"outcome": "unverified"},
    ],
    "supplier_answer": [
        {"outcome": "refused"},
        {"outcome": "accepted"},
        {"outcome": "unverified"},
    ],
    "order_file": [{}, {"cancelled": True}],
    "deadline_escalation": [{}, {"kind": "client_agreement"}],
    "digest": [{"vouchers": [{"campaign": "Primăvara 2026 — KNORR-K012-XL", "redemptions": 1234}]}],
    "quote_expired": [{"released_codes": ["SPRING-2026-KNORR-XL", "WIN-7K3M-Q9TX-3"]}],
    "mail_undeliverable": [{}, {"permanent": False, "days": 5}],
}
