"""Held-out order mails from Russian buyers, written by hand the way they write."""

from __future__ import annotations

from email.message import EmailMessage

from tests.holdout_mail import Holdout, holdout, line, message
from tests.reading_files import csv_file

_SIGNATURE = """С уважением,
Анна Петрова
менеджер отдела снабжения
ООО «Вектор-Транс»
ИНН 7701234567 КПП 770101001
р/с 40702810400000012345, БИК 044525225
125009, г. Москва, ул. Тверская, д. 7, стр. 2
тел. +7 (495) 123-45-67, доб. 214; моб. 8 916 123-45-67"""


def _csv_order() -> EmailMessage:
    rows = [
        ["Артикул", "Наименование", "Кол-во", "Цена"],
        ["FF 5052", "Фильтр топливный", "3", "1 650,00"],
        ["713 6493 80", "Подшипник ступицы", "2", "16 400,00"],
        ["Итого", "", "5", ""],
        [],
        ["Менеджер: Петров А.", "тел. +7 495 123-45-67"],
    ]
    out = message("ru", "Заказ", "Добрый день!\n\nЗаказ во вложении.\n\n" + _SIGNATURE)
    out.add_attachment(
        csv_file(rows, delimiter=";", encoding="cp1251"),
        maintype="text",
        subtype="csv",
        filename="zakaz.csv",
    )
    return out


def russian() -> list[Holdout]:
    """The Russian mails."""
    return [
        holdout(
            "ru_pieces_first",
            "body",
            message(
                "ru",
                "Заявка",
                "Добрый день!\n\n2 шт. — фильтр WK 940/20\n"
                "4 шт — фильтр масляный HU 719/7x\n1 компл. колодок WVA 29030\n\n" + _SIGNATURE,
            ),
            [line("WK 940/20", 2), line("HU 719/7x", 4), line("WVA 29030", 1)],
        ),
        holdout(
            "ru_cyrillic_letters",
            "body",
            message(
                "ru",
                "Заявка",
                "Добрый день!\n\nФильтр НU 719/7х х 2\nWК 940/20 - 3 шт\n"
                "КNORR К012345 – 1 шт\n\n" + _SIGNATURE,
            ),
            [
                line("HU 719/7x", 2, "НU 719/7х"),
                line("WK 940/20", 3, "WК 940/20"),
                line("KNORR K012345", 1, "КNORR К012345"),
            ],
        ),
        holdout(
            "ru_labelled_fields",
            "body",
            message(
                "ru",
                "Запрос",
                "Здравствуйте,\n\nАртикул: 24231995, кол-во: 3\n"
                "Артикул: 1643070, кол-во: 1\n\n" + _SIGNATURE,
            ),
            [line("24231995", 3), line("1643070", 1)],
        ),
        holdout(
            "ru_request_with_total",
            "body",
            message(
                "ru",
                "Заявка № 145 от 03.12.26",
                "Заявка № 145 от 03.12.26\n\n"
                "1. LF 3349 — 4 шт.\n2. FF 5052 — 3 шт.\n"
                "Итого: 7 шт. на сумму 45 600,00 руб.\n\n" + _SIGNATURE,
            ),
            [line("LF 3349", 4), line("FF 5052", 3)],
        ),
        holdout(
            "ru_quantity_words",
            "body",
            message(
                "ru",
                "Заказ",
                "Масляный фильтр LF 3349 — две штуки\n"
                "Фильтр 1 457 429 192 — 4 (четыре) шт.\nРемень 6PK1873 - одна шт.\n\n" + _SIGNATURE,
            ),
            [line("LF 3349", 2), line("1 457 429 192", 4), line("6PK1873", 1)],
        ),
        holdout(
            "ru_asks",
            "body",
            message(
                "ru",
                "Запрос",
                "Фильтр WK 940/20 — 2-3 шт\nКолодки WVA 29087 — сколько есть\n"
                "Втулка saf4412 — 4 шт\nНасос 8200 123 456 - 1 шт\n\n" + _SIGNATURE,
            ),
            [line("8200 123 456", 1)],
            asks=["WK 940/20", "WVA 29087", "saf4412"],
        ),
        holdout(
            "ru_excel_tabs_total",
            "tabs",
            message(
                "ru",
                "Заказ",
                "Добрый день!\n\n"
                "№\tКаталожный номер\tНаименование\tК-во\tЦена\tСумма\n"
                "1\t81.12501-6044\tРабочий цилиндр сцепления\t1\t8 450,00\t8 450,00\n"
                "2\t2022293\tДатчик скорости\t2\t3 100,00\t6 200,00\n"
                "3\t35283\tСайлентблок\t3\t950,00\t2 850,00\n"
                "Итого\t\t\t6\t\t17 500,00\n\n" + _SIGNATURE,
            ),
            [line("81.12501-6044", 1), line("2022293", 2), line("35283", 3)],
        ),
        holdout(
            "ru_forward_outlook",
            "forward",
            message(
                "ru",
                "FW: запчасти",
                "\n".join(
                    [
                        "Коллеги, посмотрите заявку ниже.",
                        "",
                        "Анна",
                        "",
                        "-----Original Message-----",
                        "От: Сергей Иванов <depot@vector-trans.example>",
                        "Отправлено: 2 декабря 2026 г. 9:41",
                        "Кому: zakaz@vector-trans.example",
                        "Тема: запчасти",
                        "",
                        "Фильтр топливный 1 457 429 192 — 2 шт",
                        "Осушитель 1643070 — 1 шт",
                        "",
                        "С уважением,",
                        "Сергей",
                        "моб. +7 916 123-45-67",
                    ]
                ),
            ),
            [line("1 457 429 192", 2), line("1643070", 1)],
        ),
        holdout(
            "ru_two_numbers",
            "body",
            message(
                "ru",
                "Заказ",
                "Фильтр FF 5052 10 20\nФильтр LF 3349 5 шт. по 12,40\n\n" + _SIGNATURE,
            ),
            [line("LF 3349", 5)],
            asks=["FF 5052"],
        ),
        holdout(
            "ru_sku_name_quantity",
            "body",
            message(
                "ru",
                "Заказ",
                "24231995 патрубок радиатора Volvo 2шт\n"
                "1872437 (Scania) - 3 шт\nSAF 2234 пневмоподушка 2 шт.\n\n" + _SIGNATURE,
            ),
            [line("24231995", 2), line("1872437", 3), line("SAF 2234", 2)],
        ),
        holdout(
            "ru_csv_cp1251_total_footer",
            "csv",
            _csv_order(),
            [line("FF 5052", 3), line("713 6493 80", 2)],
        ),
        holdout(
            "ru_renault_sampa_knorr",
            "body",
            message(
                "ru",
                "Заказ",
                "7420758560 - 1 шт\nSampa 010.580 — 10 шт\n"
                "Клапан K 065 435 — 2 шт\n\n" + _SIGNATURE,
            ),
            [
                line("7420 758 560", 1, "7420758560"),
                line("010.580", 10, "Sampa 010.580"),
                line("K 065 435", 2),
            ],
        ),
        holdout(
            "ru_knorr_neighbours",
            "body",
            message(
                "ru",
                "Заказ",
                "Суппорт KNORR K012345 - 1 шт\nРемкомплект K012346 — 2 шт\n"
                "Энергоаккумулятор II 19250 — 2 шт\n\n" + _SIGNATURE,
            ),
            [
                line("KNORR K012345", 1),
                line("KNORR K012346", 2, "K012346"),
                line("II19250", 2, "II 19250"),
            ],
        ),
    ]
