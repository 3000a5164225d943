"""Held-out probes: mails written after the first run of the blind held-out set, each a clerk's
way of writing that a pattern found there suggested (a quantity glued to the SKU, a SKU
without its suffix, thousands written with a separator). Kept apart so that the blind set's
figures stay blind."""

from __future__ import annotations

from tests.holdout_mail import Holdout, holdout, line, message


def probes() -> list[Holdout]:
    """The probe mails."""
    return [
        holdout(
            "en_glued_quantity_probe",
            "body",
            message("en", "Volvo", "Hi,\n\n24231995x2\n20514467x1\nLF 3349 x 2\n\nSam"),
            [
                line("24231995", 2, "24231995x2"),
                line("20514467", 1, "20514467x1"),
                line("LF 3349", 2),
            ],
        ),
        holdout(
            "en_sku_without_suffix_probe",
            "body",
            message("en", "filters", "Hi,\n\nWK 940 x 2\nHU 719 x 1\nLF 3349 x 2\n\nSam"),
            [line("LF 3349", 2)],
            unknown=["WK 940", "HU 719"],
        ),
        holdout(
            "en_thousands_comma_probe",
            "body",
            message("en", "bushes", "Hi,\n\nFebi 35283 bushes x 1,000\nLF 3349 x 2\n\nSam"),
            [line("35283", 1000, "Febi 35283"), line("LF 3349", 2)],
        ),
        holdout(
            "ro_thousands_dot_probe",
            "body",
            message("ro", "Comandă", "Bucșă 35283 – 1.000 buc\nLF 3349 - 2 buc\n\nIoana"),
            [line("35283", 1000), line("LF 3349", 2)],
        ),
        holdout(
            "ru_thousands_space_probe",
            "body",
            message("ru", "Заказ", "Сайлентблок 35283 — 1 000 шт\nLF 3349 — 2 шт\n\nАнна"),
            [line("35283", 1000), line("LF 3349", 2)],
        ),
    ]
