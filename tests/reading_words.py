"""The words of the reading corpus, per language: what clerks write around and inside orders.

Body line templates take `{sku}`, `{q}` (a quantity), `{unit}`, `{name}` and `{price}`.
"""

from __future__ import annotations

from collections.abc import Mapping

Words = Mapping[str, tuple[str, ...]]

CLIENTS: Mapping[str, tuple[str, str]] = {
    "en": ("buying@fleetparts.example", "Fleet Parts Ltd"),
    "ru": ("zakaz@vector-trans.example", "ООО Вектор-Транс"),
    "ro": ("achizitii@autotrans-cluj.example", "AutoTrans Cluj SRL"),
}

# Part names as clerks write them in their own language (the price list is in English).
# fmt: off
NAMES: Mapping[str, Mapping[str, str]] = {
    "ru": {
        "Brake drum": "Барабан тормозной", "Wheel hub bearing": "Подшипник ступицы",
        "Brake shoe kit": "Колодки тормозные", "Camshaft bush": "Втулка разжимного вала",
        "Brake cylinder": "Энергоаккумулятор", "Axle nut": "Гайка оси",
        "Slack adjuster": "Рычаг регулировочный", "Hub cap": "Колпак ступицы",
        "Air spring": "Пневмобаллон", "Spring eye bush": "Втулка рессоры",
        "Brake lining set": "Накладки тормозные", "Wheel bearing kit": "Ремкомплект ступицы",
        "Shock absorber": "Амортизатор", "Torque rod": "Реактивная тяга",
        "Brake disc": "Диск тормозной", "Brake caliper repair kit": "Ремкомплект суппорта",
        "Air dryer cartridge": "Фильтр осушителя", "Relay valve": "Клапан ускорительный",
        "Brake pad set": "Колодки дисковые", "Oil cooler gasket": "Прокладка теплообменника",
        "Water pump": "Помпа", "Thermostat": "Термостат", "Fan belt tensioner": "Натяжитель",
        "Fuel filter": "Фильтр топливный", "Oil filter": "Фильтр масляный",
        "Air filter": "Фильтр воздушный", "Cabin filter": "Фильтр салона",
        "Wear indicator": "Датчик износа", "Quick release valve": "Клапан быстрого оттормаживания",
        "Pressure limiting valve": "Клапан ограничения давления", "ABS sensor": "Датчик ABS",
        "Load sensing valve": "Регулятор тормозных сил",
        "Cabin shock absorber": "Амортизатор кабины", "Mirror glass": "Зеркальный элемент",
        "Headlamp": "Фара", "Coolant hose": "Патрубок радиатора",
        "Stabiliser bush": "Втулка стабилизатора", "Tie rod end": "Наконечник рулевой тяги",
        "Leaf spring bolt": "Болт рессоры", "Exhaust clamp": "Хомут глушителя",
        "Gearbox seal": "Сальник КПП", "Shift cylinder": "Цилиндр переключения",
        "Clutch release bearing": "Выжимной подшипник", "Clutch disc": "Диск сцепления",
        "Clutch kit": "Комплект сцепления", "Cabin damper": "Демпфер кабины",
        "Tie rod": "Тяга рулевая", "Wheel stud": "Шпилька колеса",
        "V-ribbed belt": "Ремень поликлиновой", "Engine mounting": "Подушка двигателя",
        "Air spring piston": "Стакан пневмобаллона",
    },
    "ro": {
        "Brake drum": "Tambur frână", "Wheel hub bearing": "Rulment butuc",
        "Brake shoe kit": "Set saboți frână", "Camshaft bush": "Bucșă ax came",
        "Brake cylinder": "Cilindru frână", "Axle nut": "Piuliță ax",
        "Slack adjuster": "Levier reglaj frână", "Hub cap": "Capac butuc",
        "Air spring": "Pernă aer", "Spring eye bush": "Bucșă arc",
        "Brake lining set": "Set garnituri frână", "Wheel bearing kit": "Kit rulment roată",
        "Shock absorber": "Amortizor", "Torque rod": "Bară reacție", "Brake disc": "Disc frână",
        "Brake caliper repair kit": "Kit reparație etrier", "Air dryer cartridge": "Cartuș uscător",
        "Relay valve": "Supapă releu", "Brake pad set": "Set plăcuțe frână",
        "Oil cooler gasket": "Garnitură răcitor ulei", "Water pump": "Pompă apă",
        "Thermostat": "Termostat", "Fan belt tensioner": "Întinzător curea",
        "Fuel filter": "Filtru combustibil", "Oil filter": "Filtru ulei",
        "Air filter": "Filtru aer", "Cabin filter": "Filtru habitaclu",
        "Wear indicator": "Senzor uzură", "Quick release valve": "Supapă evacuare rapidă",
        "Pressure limiting valve": "Supapă limitare presiune", "ABS sensor": "Senzor ABS",
        "Load sensing valve": "Corector frânare", "Cabin shock absorber": "Amortizor cabină",
        "Mirror glass": "Geam oglindă", "Headlamp": "Far", "Coolant hose": "Furtun radiator",
        "Stabiliser bush": "Bucșă bară stabilizatoare", "Tie rod end": "Cap de bară",
        "Leaf spring bolt": "Bolț arc", "Exhaust clamp": "Colier eșapament",
        "Gearbox seal": "Simering cutie viteze", "Shift cylinder": "Cilindru schimbător",
        "Clutch release bearing": "Rulment presiune", "Clutch disc": "Disc ambreiaj",
        "Clutch kit": "Kit ambreiaj", "Cabin damper": "Amortizor cabină spate",
        "Tie rod": "Bară direcție", "Wheel stud": "Prezon roată",
        "V-ribbed belt": "Curea transmisie", "Engine mounting": "Tampon motor",
        "Air spring piston": "Piston pernă aer",
    },
}

# fmt: on
UNITS: Words = {"en": ("pcs", "pcs.", "units", "pc"), "ru": ("шт", "шт."), "ro": ("buc", "buc.")}

# fmt: off
BODY_LINES: Words = {
    "en": (
        "{sku} x {q}", "{q} x {sku}", "{sku} - {q} {unit}", "{q} {unit} {sku}", "{sku} qty: {q}",
        "{sku} {name} x {q}", "{sku} {name} - {q} {unit}", "{sku}, {name}, {q} {unit}",
        "{sku} x {q} à {price} EUR", "{sku} {name}, set of 4 - {q} {unit}", "{sku}\t{q}",
        "{sku} qty {q}.00", "{q}x {sku}",
    ),
    "ru": (
        "{sku} - {q} {unit}", "{sku} {name} {q} {unit}", "{sku} Кол-во: {q}", "{q} {unit} {sku}",
        "{sku} x {q}", "{sku} — {q} {unit} по {price} руб.",
        "{sku} {name} (комплект из 4) - {q} {unit}",
        "{sku} - {q},00 {unit}", "{name} {sku} - {q} {unit}", "{sku}\t{name}\t{q}",
    ),
    "ro": (
        "{sku} - {q} {unit}", "{sku} {unit} {q}", "{q} {unit} {sku}", "{sku} {name} cant. {q}",
        "{sku} x {q} {unit}", "{sku} - {q} {unit}, preț {price} lei",
        "{sku} {name} (set de 4) - {q} {unit}", "{sku} - {q},00 {unit}", "{name} {sku} x {q}",
    ),
}

# fmt: on

# The second line of an item written over two lines.
QUANTITY_LINES: Words = {
    "en": ("qty {q}", "Qty: {q}", "quantity {q} pcs"),
    "ru": ("кол-во {q}", "Кол-во: {q} шт.", "количество {q}"),
    "ro": ("cant. {q}", "Cantitate: {q} buc", "cantitate {q}"),
}

# Lines a person would ask about rather than price; `{a}`-`{b}` is a range of quantities.
ASK_LINES: Mapping[str, Words] = {
    "range": {
        "en": ("{sku} x {a}-{b}", "{sku} {name} - {a}-{b} pcs"),
        "ru": ("{sku} - {a}-{b} шт", "{sku} {name} {a}-{b} шт."),
        "ro": ("{sku} - {a}-{b} buc", "{sku} {name} {a}-{b} buc."),
    },
    "available": {
        "en": ("{sku} {name} - as many as you have", "{sku} as many as you have"),
        "ru": ("{sku} {name} - сколько есть", "{sku} - сколько есть"),
        "ro": ("{sku} {name} - cât aveți", "{sku} - cât aveți pe stoc"),
    },
    "unreadable": {
        "en": ("{sku} x a few", "{sku} {name} - ?? pcs"),
        "ru": ("{sku} - несколько шт", "{sku} {name} - ?? шт."),
        "ro": ("{sku} - câteva bucăți", "{sku} {name} - ?? buc"),
    },
}
# How the same asks look in a table's quantity cell.
ASK_CELLS: Mapping[str, Words] = {
    "range": {"en": ("{a}-{b}",), "ru": ("{a}-{b}",), "ro": ("{a}-{b}",)},
    "available": {"en": ("as many as you have",), "ru": ("сколько есть",), "ro": ("cât aveți",)},
    "unreadable": {"en": ("?", "a few"), "ru": ("?", "несколько"), "ro": ("?", "câteva")},
}

GREETINGS: Words = {
    "en": ("Hello,", "Hi team,", "Good morning,", "Dear colleagues,"),
    "ru": ("Добрый день!", "Здравствуйте,", "Добрый день, коллеги."),
    "ro": ("Bună ziua,", "Salut,", "Bună dimineața,"),
}
INTROS: Words = {
    "en": ("Please quote the following:", "We need these parts:", "Please send a quote for:"),
    "ru": ("Просим выставить счёт:", "Нужны следующие позиции:", "Прошу счёт на:"),
    "ro": ("Vă rugăm ofertă pentru:", "Avem nevoie de:", "Vă rog să ne trimiteți oferta pentru:"),
}
ATTACHED: Words = {
    "en": ("Please find our order attached.", "Order attached, please quote."),
    "ru": ("Заказ во вложении.", "Прошу выставить счёт по файлу во вложении."),
    "ro": ("Comanda în atașament.", "Vă trimit comanda atașată."),
}
FORWARD_NOTES: Words = {
    "en": ("Please see the order below.", "FYI, please quote."),
    "ru": ("Пересылаю заказ, просьба выставить счёт.", "Смотрите заказ ниже."),
    "ro": ("Vă trimit comanda de mai jos.", "Pentru ofertă, vă rog."),
}
ADD_ON_REPLY: Words = {
    "en": ("Thanks. Please add these too:", "Please also quote:"),
    "ru": ("Спасибо. Добавьте, пожалуйста:", "Дополнительно нужны:"),
    "ro": ("Mulțumim. Vă rog adăugați:", "Mai avem nevoie de:"),
}
CLOSINGS: Words = {
    "en": ("Thank you,", "Best regards,", "Kind regards,"),
    "ru": ("С уважением,", "Спасибо,"),
    "ro": ("Mulțumim,", "Cu stimă,", "O zi bună,"),
}
PEOPLE: Words = {
    "en": ("John Carter", "Emma Wright", "Sam Patel"),
    "ru": ("Иван Петров", "Ольга Смирнова", "Сергей Кузнецов"),
    "ro": ("Victor Rusu", "Ana Popescu", "Mihai Ionescu"),
}
SIGNATURES: Words = {
    "en": (
        "Purchasing, Fleet Parts Ltd\nTel. +44 20 7946 0958\n12 Dock Road, Leeds LS1 4AP",
        "Fleet Parts Ltd | Company No. 08123456\nMobile: 07700 900123",
    ),
    "ru": (
        "ООО «Вектор-Транс», отдел снабжения\nтел. +7 495 123-45-67, доб. 204\n"
        "ИНН 7701234567 КПП 770101001\nг. Москва, ул. Ленина 45, офис 12",
        "Вектор-Транс\nмоб. 8 (916) 555-12-34\n620014 Екатеринбург, ул. Малышева 5",
    ),
    "ro": (
        "AutoTrans Cluj SRL, achiziții\nTel. 0264 123 456, mobil 0745 123 454\n"
        "CUI RO12345678, J12/3456/2008\nStr. Fabricii 12, Cluj-Napoca 400632",
        "AutoTrans Cluj\nTel: +40 745 123 454\nCalea Turzii 178, 400495 Cluj-Napoca",
    ),
}
TOTALS: Words = {
    "en": ("Total: {n} pcs", "Total {n} items"),
    "ru": ("Итого: {n} шт.", "Всего: {n} шт"),
    "ro": ("Total: {n} buc.", "Total {n} bucăți"),
}
DELIVERY: Words = {
    "en": ("Delivery by 25.11.2026 to our Leeds depot, gate 3.", "Needed by Friday 27/11."),
    "ru": ("Доставка до 25.11.2026, склад на ул. Складской 7.", "Срок поставки: 27.11.2026"),
    "ro": ("Livrare până la 25.11.2026, depozit Cluj.", "Termen: 27.11.2026"),
}
SUBJECTS: Words = {
    "en": ("Order", "Parts order", "RFQ", "Order 4512", "Quote request"),
    "ru": ("Заказ", "Заявка", "Запрос цены", "Заказ запчастей"),
    "ro": ("Comanda", "Comandă piese", "Cerere ofertă"),
}

# Header blocks mail clients write above a forwarded or quoted mail, in the client's language.
OUTLOOK_FIELDS: Mapping[str, tuple[str, str, str, str]] = {
    "en": ("From", "Sent", "To", "Subject"),
    "ru": ("От", "Отправлено", "Кому", "Тема"),
    "ro": ("De la", "Trimis", "Către", "Subiect"),
}
GMAIL_FORWARD: Mapping[str, str] = {
    "en": "---------- Forwarded message ---------",
    "ru": "---------- Пересылаемое сообщение ---------",
    "ro": "---------- Mesaj redirecționat ---------",
}
QUOTE_INTRO: Mapping[str, str] = {
    "en": "On Wed, 18 Nov 2026 at 10:31, Order desk <orders@distributor.example> wrote:",
    "ru": "18.11.2026 10:31, Order desk <orders@distributor.example> пишет:",
    "ro": "Pe mie., 18 nov. 2026 la 10:31, Order desk <orders@distributor.example> a scris:",
}

# Spreadsheet headers per column kind.
HEADERS: Mapping[str, Words] = {
    "pos": {"en": ("Pos", "No.", "#"), "ru": ("№", "№ п/п", "Поз."), "ro": ("Nr.", "Nr. crt.")},
    "name": {
        "en": ("Item", "Description", "Part name"),
        "ru": ("Наименование", "Наименование товара", "Описание"),
        "ro": ("Denumire", "Descriere", "Denumire produs"),
    },
    "sku": {
        "en": ("SKU", "Part No.", "Part number", "Article", "Ref."),
        "ru": ("Артикул", "Арт.", "Артикл", "Код товара", "Каталожный №"),
        "ro": ("Cod articol", "Articol/Cod", "Cod piesă", "Cod produs"),
    },
    "brand": {
        "en": ("Make", "Brand", "Manufacturer"),
        "ru": ("Производитель", "Бренд"),
        "ro": ("Producător", "Marca"),
    },
    "qty": {
        "en": ("Qty", "Quantity", "Quanity", "Qty ordered"),
        "ru": ("Кол-во", "К-во", "Количество", "Колличество", "Заказ, шт"),
        "ro": ("Cantitate", "Cantitate comandată", "Cant.", "Buc."),
    },
    "price": {"en": ("Price", "Unit price EUR"), "ru": ("Цена", "Цена, руб"), "ro": ("Preț",)},
    "unit": {"en": ("Unit", "UoM"), "ru": ("Ед.", "Ед. изм."), "ro": ("UM", "U.M.")},
}
TITLES: Words = {
    "en": ("Purchase order No. {n}", "Fleet Parts Ltd - order {n}"),
    "ru": ("Заказ № {n} от 20.11.2026", "Заявка на запчасти № {n}"),
    "ro": ("Comanda nr. {n} din 20.11.2026", "Comandă piese nr. {n}"),
}
DATES: Words = {
    "en": ("Date: 20.11.2026", "Date: 20/11/2026"),
    "ru": ("Дата: 20.11.2026", "Покупатель: ООО «Вектор-Транс», ИНН 7701234567"),
    "ro": ("Data: 20.11.2026", "Client: AutoTrans Cluj SRL, CUI RO12345678"),
}
TABLE_TOTALS: Words = {
    "en": ("Total:", "TOTAL"),
    "ru": ("Итого:", "Всего"),
    "ro": ("Total:", "TOTAL"),
}
PREPARED_BY: Words = {
    "en": ("Prepared by: John Carter, tel. +44 20 7946 0958",),
    "ru": ("Ответственный: Петров И.И., тел. +7 495 123-45-67",),
    "ro": ("Întocmit: Victor Rusu, tel. 0745 123 454",),
}
SHEETS: Mapping[str, tuple[str, str, str]] = {
    # an empty first sheet, a company-details sheet, the order's sheet
    "en": ("Sheet1", "Company details", "Order"),
    "ru": ("Лист1", "Реквизиты", "Заказ"),
    "ro": ("Foaie1", "Date firmă", "Comanda"),
}
# fmt: off
COMPANY_ROWS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "en": (("Company", "Fleet Parts Ltd"), ("Company No.", "08123456"),
           ("Address", "12 Dock Road, Leeds LS1 4AP"), ("Phone", "+44 20 7946 0958")),
    "ru": (("Организация", "ООО «Вектор-Транс»"), ("ИНН", "7701234567"), ("КПП", "770101001"),
           ("Адрес", "г. Москва, ул. Ленина 45, офис 12"), ("Телефон", "+7 495 123-45-67")),
    "ro": (("Firma", "AutoTrans Cluj SRL"), ("CUI", "RO12345678"),
           ("Nr. Reg. Com.", "J12/3456/2008"),
           ("Adresa", "Str. Fabricii 12, Cluj-Napoca 400632"), ("Telefon", "0264 123 456")),
}
# fmt: on
