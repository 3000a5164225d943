"""Held-out order mails from a UK fleet's buyers, written by hand the way they write."""

from __future__ import annotations

from tests.holdout_mail import DESK, Holdout, earlier_quote, holdout, line, message

_SIGNATURE = """Cheers
Dave Parker
Workshop Manager | Fleet Parts Ltd
Unit 4, Stourton Ind. Est., Leeds LS10 1RS
T: 0113 496 0123 | M: 07700 900 123
VAT Reg No: GB 123 4567 89"""


def english() -> list[Holdout]:
    """The English mails."""
    return [
        holdout(
            "en_off",
            "body",
            message(
                "en",
                "Parts",
                "Morning,\n\nCan you quote the below please, 3 Dec.\n\n"
                "2 off WK 940/20\n4 off LF 3349\n1 off SKF VKBA 5314\n\n" + _SIGNATURE,
            ),
            [line("WK 940/20", 2), line("LF 3349", 4), line("VKBA 5314", 1, "SKF VKBA 5314")],
        ),
        holdout(
            "en_excel_tabs_total",
            "tabs",
            message(
                "en",
                "Order",
                "Hi,\n\nOrder below, pasted from our system:\n\n"
                "Part No\tDescription\tQty\tUnit £\tTotal £\n"
                "HU 719/7x\tOil filter\t6\t11.20\t67.20\n"
                "WK 940/33x\tFuel filter\t4\t24.50\t98.00\n"
                "P550084\tAir filter\t2\t31.00\t62.00\n"
                "Total\t\t12\t\t227.20\n\nThanks,\nSam",
            ),
            [line("HU 719/7x", 6), line("WK 940/33x", 4), line("P550084", 2)],
        ),
        holdout(
            "en_reply_changes_quantity",
            "reply",
            message(
                "en",
                "RE: Quote ORD-2026-000412",
                "\n".join(
                    [
                        "Hi,",
                        "",
                        "Please change the WK 940/20 to 6 pcs and add 2 x LF 3349.",
                        "",
                        "Thanks",
                        "Dave",
                        "",
                        "________________________________",
                        f"From: Order desk <{DESK}>",
                        "Sent: 02 December 2026 16:12",
                        "To: buying@fleetparts.example",
                        "Subject: Quote ORD-2026-000412",
                        "",
                        *earlier_quote(
                            "ORD-2026-000412",
                            [
                                ("WK 940/20", "Fuel filter", 4, "18.90"),
                                ("HU 719/7x", "Oil filter", 6, "11.20"),
                            ],
                        ),
                    ]
                ),
            ),
            [line("WK 940/20", 6), line("LF 3349", 2)],
        ),
        holdout(
            "en_price_and_quantity",
            "body",
            message(
                "en",
                "order",
                "Hello,\n\nPlease send:\n"
                "WVA 29030 brake pads @ 86.00 EUR x 2\n"
                "45.50 EUR x 4 - Haldex 950364001\n"
                "LF3349 - 12.40 ea - qty 10\n\nRegards\nSam",
            ),
            [
                line("WVA 29030", 2),
                line("950364001", 4, "Haldex 950364001"),
                line("LF 3349", 10, "LF3349"),
            ],
        ),
        holdout(
            "en_quantity_words",
            "body",
            message(
                "en",
                "filters",
                "Hi team,\n\nCould you supply the following:\n"
                "four pieces of HU 719/7x\nBosch 1 457 429 192 - 4 (four)\n"
                "a dozen LF 3349\nand one Haldex 950364001 please\n\nThanks\nSam",
            ),
            [
                line("HU 719/7x", 4),
                line("1 457 429 192", 4, "Bosch 1 457 429 192"),
                line("LF 3349", 12),
                line("950364001", 1, "Haldex 950364001"),
            ],
        ),
        holdout(
            "en_unknown_near_misses",
            "body",
            message(
                "en", "Parts", "Hi,\n\n2 x WK 940/21\nLF 3349 x 2\n1 x BPW-0310-0199\n\nThanks\nSam"
            ),
            [line("LF 3349", 2)],
            unknown=["WK 940/21", "BPW-0310-0199"],
        ),
        holdout(
            "en_asks",
            "body",
            message(
                "en",
                "Parts",
                "Hi,\n\nWK 940/20 x 2\nLF 3349 - 2 or 3, whichever you have\n"
                "as many HU 719/7x as you can spare\n\nThanks\nSam",
            ),
            [line("WK 940/20", 2)],
            asks=["LF 3349", "HU 719/7x"],
        ),
        holdout(
            "en_po_number_signature",
            "body",
            message(
                "en",
                "PO 4500012345",
                "Hello,\n\nPO number: 4500012345\nDate: 03/12/2026\n\n"
                "Please supply 3 x Donaldson P550084 against the PO above.\n\n"
                "Kind regards,\n\nHelen Marsh\nPurchasing Coordinator\nFleet Parts Ltd\n"
                "Registered office: 12 Kirkstall Road, Leeds LS3 1JH\n"
                "Company Reg. No. 04512345\nTel: +44 (0)113 496 0123\n"
                "Fax: +44 (0)113 496 0124\nMobile: +44 7700 900123",
            ),
            [line("P550084", 3, "Donaldson P550084")],
        ),
        holdout(
            "en_html_merged_header",
            "html table",
            message(
                "en",
                "Order for Leeds depot",
                html=(
                    "<html><body><p>Hi,</p><p>Please quote:</p>"
                    '<table border="1"><tr><th rowspan="2">Line</th><th colspan="2">Part</th>'
                    '<th rowspan="2">Qty</th><th rowspan="2">Notes</th></tr>'
                    "<tr><th>Number</th><th>Description</th></tr>"
                    "<tr><td>1</td><td>A 000 420 04 20</td><td>Brake pads front</td><td>2</td>"
                    "<td></td></tr>"
                    "<tr><td>2</td><td>ZF 0501 215 163</td><td>Seal kit</td><td>1</td>"
                    "<td>urgent</td></tr>"
                    "<tr><td>3</td><td>CUK 2722</td><td>Cabin filter</td><td>5</td><td></td></tr>"
                    '<tr><td colspan="3">Total</td><td>8</td><td></td></tr></table>'
                    "<p>Thanks<br>Helen<br>Tel: +44 (0)113 496 0123</p></body></html>"
                ),
            ),
            [line("A 000 420 04 20", 2), line("ZF 0501 215 163", 1), line("CUK 2722", 5)],
        ),
        holdout(
            "en_number_off",
            "body",
            message(
                "en",
                "Mercedes parts",
                "Hi,\n\nMercedes A 000 420 04 20 - 2no.\n"
                "A5410902851 x1\nMAN 81.12501-6044 1no.\n\nThanks",
            ),
            [
                line("A 000 420 04 20", 2, "Mercedes A 000 420 04 20"),
                line("A 541 090 28 51", 1, "A5410902851"),
                line("81.12501-6044", 1, "MAN 81.12501-6044"),
            ],
        ),
        holdout(
            "en_skus_with_x",
            "body",
            message(
                "en",
                "filters",
                "Hi,\n\nHU 719/7x x 2\n2x HU 12 140 x\nWK 940/33x x4\n"
                "Air filter C 4 qty 3\n\nThanks",
            ),
            [line("HU 719/7x", 2), line("HU 12 140 x", 2), line("WK 940/33x", 4), line("C 4", 3)],
        ),
        holdout(
            "en_brand_glued",
            "body",
            message(
                "en",
                "order",
                "SAF2234 x 2\nKnorrK012345 x 1\nMann-Filter HU12140x 3 pcs\n"
                "Fleetguard LF3349 x 6\n\nSam",
            ),
            [
                line("SAF 2234", 2, "SAF2234"),
                line("KNORR K012345", 1, "KnorrK012345"),
                line("HU 12 140 x", 3, "HU12140x"),
                line("LF 3349", 6, "LF3349"),
            ],
        ),
        holdout(
            "en_numbered_bosch",
            "body",
            message(
                "en",
                "Bosch",
                "Please quote:\n1) 1 457 429 192 x 4\n2) 0 986 452 041 x 6\n"
                "3) F026402065 x 2\n4) 0 281 002 930 - 1\n\nSam",
            ),
            [
                line("1 457 429 192", 4),
                line("0 986 452 041", 6),
                line("F 026 402 065", 2, "F026402065"),
                line("0 281 002 930", 1),
            ],
        ),
        holdout(
            "en_forward_gmail",
            "forward",
            message(
                "en",
                "Fwd: parts for DAF XF 65",
                "\n".join(
                    [
                        "Can you sort this one for the Wakefield depot please.",
                        "",
                        "Sam",
                        "",
                        "---------- Forwarded message ---------",
                        "From: Lee Wood <depot@fleetparts.example>",
                        "Date: Wed, 2 Dec 2026 at 09:41",
                        "Subject: parts for DAF XF 65",
                        "To: <buying@fleetparts.example>",
                        "",
                        "Qty 2 - DAF 1643070 air dryer cartridge",
                        "Qty 1 - Scania 1872437",
                        "Reg FX65 KLP, 412,000 km",
                        "",
                        "Lee",
                    ]
                ),
            ),
            [line("1643070", 2, "DAF 1643070"), line("1872437", 1, "Scania 1872437")],
        ),
        holdout(
            "en_boxes_of",
            "body",
            message("en", "filters", "Hi,\n\nHU 719/7x - 2 boxes of 10\nLF 3349 x 2\n\nSam"),
            [line("LF 3349", 2)],
            asks=["HU 719/7x"],
        ),
        holdout(
            "en_two_on_a_line_street_dates",
            "body",
            message(
                "en",
                "Volvo",
                "Hi,\n\nPlease send 2 x 20514467 and 1 x ZF 0501 215 163.\n"
                "Required by 03/12/26, delivery w/c 7 Dec to 14 Wharf Street, Leeds LS2 7EQ.\n"
                "\nThanks\nSam",
            ),
            [line("20514467", 2), line("ZF 0501 215 163", 1)],
        ),
        holdout(
            "en_dashes_for_spaces",
            "body",
            message("en", "order", "SAF-2234 x 2\nZF-0501-215-163 x 1\n8200-123-456 x 2\n\nSam"),
            [
                line("SAF 2234", 2, "SAF-2234"),
                line("ZF 0501 215 163", 1, "ZF-0501-215-163"),
                line("8200 123 456", 2, "8200-123-456"),
            ],
        ),
        holdout(
            "en_outlook_table_total",
            "html table",
            message(
                "en",
                "BPW parts",
                "Hi,\n\nItem\tPart no.\tMake\tQty\nBrake drum\tBPW-0310-0100\tBPW\t2\n"
                "Slack adjuster\t05.630.59.90.0\tBPW\t4\nTotal\t\t\t6\n\nHelen",
                html=(
                    '<html><body><p>Hi,</p><table border="1">'
                    "<tr><td><b>Item</b></td><td><b>Part no.</b></td><td><b>Make</b></td>"
                    "<td><b>Qty</b></td></tr>"
                    "<tr><td>Brake drum</td><td>BPW-0310-0100</td><td>BPW</td><td>2</td></tr>"
                    "<tr><td>Slack adjuster</td><td>05.630.59.90.0</td><td>BPW</td>"
                    "<td>4</td></tr>"
                    "<tr><td>Total</td><td></td><td></td><td>6</td></tr></table>"
                    "<p>Helen</p></body></html>"
                ),
            ),
            [line("BPW-0310-0100", 2), line("05.630.59.90.0", 4)],
        ),
        holdout(
            "en_item_over_two_lines",
            "body",
            message(
                "en",
                "pads",
                "Hi,\n\nWVA 29087 front pads\nQty: 2\n\n3.434.3006.00 brake chamber\nQty: 1\n\nSam",
            ),
            [line("WVA 29087", 2), line("3.434.3006.00", 1)],
        ),
        holdout(
            "en_decimal_quantities",
            "body",
            message(
                "en",
                "order",
                "LF 3349 qty 4.00\nHU 719/7x 2,00 pcs\nSachs 3400 700 390 - 1.0\n\nSam",
            ),
            [
                line("LF 3349", 4),
                line("HU 719/7x", 2),
                line("3400 700 390", 1, "Sachs 3400 700 390"),
            ],
        ),
        holdout(
            "en_repeat_with_totals",
            "body",
            message(
                "en",
                "repeat order",
                "Hi, repeat of last month please:\nVKBA 5314 x 2\n"
                "Invoice total last time £1,234.50 inc VAT, our account no. 100234.\n"
                "Date: 03.12.2026\n\nSam",
            ),
            [line("VKBA 5314", 2)],
        ),
        holdout(
            "en_brand_picks_bare_number",
            "body",
            message("en", "order", "Febi 29030 x 1\nWVA 29087 x 2\n\nSam"),
            [line("29030", 1, "Febi 29030"), line("WVA 29087", 2)],
        ),
        holdout(
            "en_bare_number_of_two_brands",
            "body",
            message("en", "order", "29030 x 2\nFS 1040 x 1\n\nSam"),
            [line("FS 1040", 1)],
            asks=["29030"],
        ),
        holdout(
            "en_add_more",
            "body",
            message(
                "en",
                "today's order",
                "Hi again,\n\n"
                "Please add 2 more of LF 3349 to today's order.\nAlso 1 more WK 940/20.\n\n"
                "Dave",
            ),
            [line("LF 3349", 2), line("WK 940/20", 1)],
        ),
        holdout(
            "en_ambiguous_separators",
            "body",
            message("en", "SAF", "saf4412 x 4\nSAF 2234 x 1\n\nSam"),
            [line("SAF 2234", 1)],
            asks=["saf4412"],
        ),
    ]
