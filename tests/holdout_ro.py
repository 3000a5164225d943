"""Held-out order mails from buyers in Romania and Moldova, written by hand the way they write."""

from __future__ import annotations

from email.message import EmailMessage

from tests.holdout_mail import DESK, Holdout, earlier_quote, holdout, line, message
from tests.reading_files import xlsx_file

_SIGNATURE = """Cu stimă,
Ioana Pop
Dep. Achiziții
AutoTrans Cluj SRL
CUI RO12345678, J12/1234/2005
IBAN RO49 AAAA 1B31 0075 9384 0000
Str. Fabricii nr. 12, Cluj-Napoca 400632
Tel. 0264 450 123, mobil 0745.123.454"""

_MOLDOVA = """Cu respect,
Vasile Ceban
S.R.L. „Transcom-MD”, IDNO 1003600012345
c/b MD24AG000000022512345678
str. Uzinelor 19, MD-2023 Chișinău
tel. +373 22 123 456, mob. +373 69 123 456"""


def _xlsx_order() -> EmailMessage:
    rows: list[list[str | int | float]] = [
        ["COMANDĂ FURNIZOR"],
        ["Data: 03.12.2026"],
        [],
        ["Nr. crt.", "Cod piesă", "Denumire", "U.M.", "Cantitate comandată"],
        [1, "SAF 2234", "Burduf suspensie", "buc", 2],
        [2, "K 065 435", "Supapă releu", "buc", 1],
        [3, "09.801.06.39.0", "Rulment butuc", "buc", 4],
        [],
        ["Total", "", "", "", 7],
        ["Întocmit: Victor Rusu, tel. 0745 123 454"],
    ]
    out = message("ro", "Comanda 4513", "Bună ziua,\n\nAtașat comanda noastră.\n\n" + _SIGNATURE)
    out.add_attachment(
        xlsx_file([("Comanda", rows)], active=0),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="comanda_4513.xlsx",
    )
    return out


def romanian() -> list[Holdout]:
    """The Romanian and Moldovan mails."""
    return [
        holdout(
            "ro_buc_with_price",
            "body",
            message(
                "ro",
                "Cerere ofertă",
                "Bună ziua,\n\nVă rog să ne trimiteți oferta pentru:\n"
                "- filtru motorină WK 940/20 - 4 buc x 18,90 lei\n"
                "- filtru ulei HU 719/7x – 6 buc. x 11,20 lei\n"
                "- plăcuțe frână WVA 29030 — 2 seturi\n\n" + _SIGNATURE,
            ),
            [line("WK 940/20", 4), line("HU 719/7x", 6), line("WVA 29030", 2)],
        ),
        holdout(
            "ro_order_number_block_address",
            "body",
            message(
                "ro",
                "Comanda nr. 4512",
                "Comanda nr. 4512 din 03.12.26\n\n"
                "1. Cod: LF 3349 / Cant.: 5\n2. Cod: FF 5052 / Cant.: 5\n"
                "3. BPW 03.112.36.07.0 - 2 buc\nTotal: 12 buc\n\n"
                "Livrare la: Str. Traian Vuia nr. 208, bl. C4, sc. 2, Cluj-Napoca\n\n" + _SIGNATURE,
            ),
            [
                line("LF 3349", 5),
                line("FF 5052", 5),
                line("03.112.36.07.0", 2, "BPW 03.112.36.07.0"),
            ],
        ),
        holdout(
            "ro_quantity_words",
            "body",
            message(
                "ro",
                "Comandă",
                "Bună ziua,\n\nFiltru aer C 4 - două bucăți\n"
                "Curea 6PK1873 – 1 (una) buc\nRulment SKF VKBA 5314 cantitate 4,0\n\n" + _SIGNATURE,
            ),
            [line("C 4", 2), line("6PK1873", 1), line("VKBA 5314", 4, "SKF VKBA 5314")],
        ),
        holdout(
            "ro_excel_tabs_total",
            "tabs",
            message(
                "ro",
                "Comanda",
                "Bună ziua,\n\nVă rog ofertă:\n\n"
                "Nr.\tCod articol\tDenumire\tCant.\tPreț unitar\tValoare\n"
                "1\t8GH 007 157-121\tFar stânga\t1\t412,00\t412,00\n"
                "2\tOX 123/1D\tFiltru ulei\t10\t9,80\t98,00\n"
                "3\tE500HN D36\tFiltru ulei\t4\t15,50\t62,00\n"
                "TOTAL\t\t\t\t\t572,00\n\n" + _SIGNATURE,
            ),
            [line("8GH 007 157-121", 1), line("OX 123/1D", 10), line("E500HN D36", 4)],
        ),
        holdout(
            "ro_reply_adds_and_changes",
            "reply",
            message(
                "ro",
                "RE: Quote ORD-2026-000433",
                "\n".join(
                    [
                        "Bună ziua,",
                        "",
                        "Vă rog să adăugați încă 2 buc. LF 3349.",
                        "La WK 940/20 modificați cantitatea la 8 buc.",
                        "",
                        "Mulțumesc,",
                        "Ioana",
                        "",
                        "________________________________",
                        f"De la: Order desk <{DESK}>",
                        "Trimis: miercuri, 2 decembrie 2026 16:12",
                        "Către: achizitii@autotrans-cluj.example",
                        "Subiect: Quote ORD-2026-000433",
                        "",
                        *earlier_quote(
                            "ORD-2026-000433",
                            [
                                ("WK 940/20", "Fuel filter", 4, "18.90"),
                                ("FF 5052", "Fuel filter", 2, "19.70"),
                            ],
                        ),
                    ]
                ),
            ),
            [line("LF 3349", 2), line("WK 940/20", 8)],
        ),
        holdout(
            "ro_asks",
            "body",
            message(
                "ro",
                "Cerere",
                "Bună ziua,\n\nGarnituri ZF 0501 215 163 – 2-3 buc\n"
                "Supapă K 065 435 – cât aveți pe stoc\nBucșă Saf4412 - 2 buc\n"
                "Pompă apă 8200 123 456 – 1 buc\n\n" + _SIGNATURE,
            ),
            [line("8200 123 456", 1)],
            asks=["ZF 0501 215 163", "K 065 435", "Saf4412"],
        ),
        holdout(
            "ro_boxes_of",
            "body",
            message(
                "ro",
                "Comandă",
                "LF 3349 - 2 cutii a câte 12 buc\nBPW-0389-0100 – 1 set\n\n" + _SIGNATURE,
            ),
            [line("BPW-0389-0100", 1)],
            asks=["LF 3349"],
        ),
        holdout(
            "ro_unknown",
            "body",
            message(
                "ro",
                "Comandă",
                "BPW-0310-0199 – 2 buc\nFiltru Mann WK 940/2 - 3 buc\n"
                "BPW-0310-0100 – 2 buc\n\n" + _SIGNATURE,
            ),
            [line("BPW-0310-0100", 2)],
            unknown=["BPW-0310-0199", "WK 940/2"],
        ),
        holdout(
            "ro_html_paragraphs",
            "html",
            message(
                "ro",
                "Comanda",
                html=(
                    '<html><body><p class="MsoNormal">Bună ziua,</p>'
                    '<p class="MsoNormal">&nbsp;</p>'
                    '<p class="MsoNormal">1.&nbsp;WABCO 4721950180 – 2 buc.</p>'
                    '<p class="MsoNormal">2.&nbsp;Haldex&nbsp;950364001 - 1 buc.</p>'
                    '<p class="MsoNormal">&nbsp;</p><p class="MsoNormal">Cu stimă,<br>Ioana Pop<br>'
                    "Tel. 0264 450 123</p></body></html>"
                ),
            ),
            [line("4721950180", 2, "WABCO 4721950180"), line("950364001", 1, "Haldex 950364001")],
        ),
        holdout(
            "ro_xlsx_title_total_footer",
            "xlsx",
            _xlsx_order(),
            [line("SAF 2234", 2), line("K 065 435", 1), line("09.801.06.39.0", 4)],
        ),
        holdout(
            "ro_brand_and_separators",
            "body",
            message(
                "ro",
                "Comandă",
                "KNORR-K012345 - 1 buc\nBosch F 026 402 065 x 2 buc\n"
                "BPW 0310 0100 - 1 buc\n\n" + _SIGNATURE,
            ),
            [
                line("KNORR K012345", 1, "KNORR-K012345"),
                line("F 026 402 065", 2, "Bosch F 026 402 065"),
                line("BPW-0310-0100", 1, "BPW 0310 0100"),
            ],
        ),
        holdout(
            "ro_quantity_first",
            "body",
            message(
                "ro",
                "Comandă",
                "buc. 2 - filtru ulei OX 123/1D\nCant. 3 / 1872437\n\n" + _SIGNATURE,
            ),
            [line("OX 123/1D", 2), line("1872437", 3)],
        ),
        holdout(
            "md_wabco_numbers",
            "body",
            message(
                "ro",
                "Comanda",
                "Bună ziua / Добрый день,\n\nRugăm ofertă:\n"
                "1. 4228374118 - 2 buc\n2. 4410328090 senzor ABS - 4 buc\n"
                "3. 9347140040 – 1 buc\n\n" + _MOLDOVA,
            ),
            [line("4228374118", 2), line("4410328090", 4), line("9347140040", 1)],
        ),
        holdout(
            "md_price_in_lei",
            "body",
            message(
                "ro",
                "Comanda",
                "Filtru HU 12 140 x – 3 buc. x 245,00 MDL\n"
                "24231995 — 2 buc — 1 560,00 lei\n\n" + _MOLDOVA,
            ),
            [line("HU 12 140 x", 3), line("24231995", 2)],
        ),
        holdout(
            "md_dates",
            "body",
            message(
                "ro",
                "Comanda din 3 dec.",
                "Comanda din 3 dec. 2026\n"
                "Livrare până la 10.12.2026\n\n20514467 – 1\nVolvo 24231995 - 2 bucati\n\n"
                + _MOLDOVA,
            ),
            [line("20514467", 1), line("24231995", 2, "Volvo 24231995")],
        ),
        holdout(
            "md_russian",
            "body",
            message(
                "ro",
                "Счёт",
                "Добрый день! Просим выставить счёт:\n"
                "Масляный фильтр 0 986 452 041 – 6 шт.\nКолодки A0004200420 – 2 компл.\n\n"
                "С уважением, Виктор\nтел. 022 123 456, факс 022 123 457",
            ),
            [line("0 986 452 041", 6), line("A 000 420 04 20", 2, "A0004200420")],
        ),
    ]
