"""A held-out set of order mails: about fifty hand-written mails in English (UK), Romanian
(Romania and Moldova) and Russian, over a catalogue of sixty SKUs in real brand shapes, each
with the lines a careful person would price, ask about, or report as unknown.

The catalogue holds deliberate traps: SKUs that contain an x (`HU 719/7x`), a short one
(`C 4`), neighbours one digit apart (`KNORR K012345`, `KNORR K012346`), a pair that only a
person can tell apart once separators are gone (`SAF 4412`, `SAF 44.12`), and a bare number that
is also another brand's number without its prefix (`29030`, `WVA 29030`).
"""

from __future__ import annotations

from decimal import Decimal

from tests.holdout_en import english
from tests.holdout_mail import Holdout
from tests.holdout_probes import probes
from tests.holdout_ro import romanian
from tests.holdout_ru import russian
from tests.reading_catalogue import CatalogueItem

# fmt: off
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("BPW-0310-0100", "Brake drum", "BPW", "182.00"),
    ("BPW-0389-0100", "Brake shoe kit", "BPW", "96.40"),
    ("03.112.36.07.0", "Brake cylinder", "BPW", "74.10"),
    ("05.630.59.90.0", "Slack adjuster", "BPW", "61.30"),
    ("09.801.06.39.0", "Wheel hub bearing", "BPW", "88.00"),
    ("SAF 2234", "Air spring", "SAF", "112.00"),
    ("SAF 4412", "Spring eye bush", "SAF", "18.20"),
    ("SAF 44.12", "Brake lining set", "SAF", "54.00"),
    ("3.434.3006.00", "Brake chamber", "SAF", "67.90"),
    ("KNORR K012345", "Brake caliper", "KNORR", "410.00"),
    ("KNORR K012346", "Brake caliper repair kit", "KNORR", "58.00"),
    ("K 065 435", "Relay valve", "KNORR", "121.00"),
    ("8200 123 456", "Water pump", "RENAULT", "74.00"),
    ("7420 758 560", "Fuel filter housing", "RENAULT", "143.00"),
    ("WK 940/20", "Fuel filter", "MANN", "18.90"),
    ("WK 940/33x", "Fuel filter", "MANN", "24.50"),
    ("HU 719/7x", "Oil filter", "MANN", "11.20"),
    ("HU 12 140 x", "Oil filter", "MANN", "16.40"),
    ("C 4", "Air filter", "MANN", "9.10"),
    ("C 25 860/8", "Air filter", "MANN", "38.60"),
    ("CUK 2722", "Cabin filter", "MANN", "21.30"),
    ("WVA 29030", "Brake pad set", "TEXTAR", "86.00"),
    ("WVA 29087", "Brake pad set", "TEXTAR", "92.00"),
    ("29030", "Stabiliser link", "FEBI", "14.60"),
    ("35283", "Bush", "FEBI", "9.50"),
    ("4228374118", "Trailer control valve", "WABCO", "265.00"),
    ("4410328090", "ABS sensor", "WABCO", "39.80"),
    ("4721950180", "Relay valve", "WABCO", "88.40"),
    ("9347140040", "Unloader valve", "WABCO", "102.00"),
    ("24231995", "Radiator hose", "VOLVO", "44.00"),
    ("20514467", "Thermostat", "VOLVO", "37.50"),
    ("ZF 0501 215 163", "Gearbox seal kit", "ZF", "155.00"),
    ("LF 3349", "Oil filter", "FLEETGUARD", "14.80"),
    ("FF 5052", "Fuel filter", "FLEETGUARD", "19.70"),
    ("A 000 420 04 20", "Brake pad set", "MERCEDES-BENZ", "131.00"),
    ("A 541 090 28 51", "Fuel filter", "MERCEDES-BENZ", "27.60"),
    ("1 457 429 192", "Fuel filter", "BOSCH", "12.90"),
    ("0 986 452 041", "Oil filter", "BOSCH", "8.70"),
    ("F 026 402 065", "Fuel filter", "BOSCH", "22.40"),
    ("0 281 002 930", "Speed sensor", "BOSCH", "64.00"),
    ("81.12501-6044", "Clutch slave cylinder", "MAN", "96.00"),
    ("81.96002-0473", "Brake disc", "MAN", "148.00"),
    ("1643070", "Air dryer cartridge", "DAF", "41.00"),
    ("1872437", "Level sensor", "SCANIA", "58.00"),
    ("2022293", "Speed sensor", "SCANIA", "47.00"),
    ("3400 700 390", "Clutch kit", "SACHS", "690.00"),
    ("VKBA 5314", "Wheel bearing kit", "SKF", "212.00"),
    ("713 6493 80", "Wheel bearing kit", "FAG", "198.00"),
    ("8GH 007 157-121", "Headlamp", "HELLA", "412.00"),
    ("6PK1873", "V-ribbed belt", "CONTITECH", "23.00"),
    ("P550084", "Air filter", "DONALDSON", "31.00"),
    ("OX 123/1D", "Oil filter", "MAHLE", "9.80"),
    ("E500HN D36", "Oil filter", "HENGST", "15.50"),
    ("950364001", "Brake valve", "HALDEX", "45.50"),
    ("010.580", "King pin set", "SAMPA", "77.00"),
    ("II19250", "Brake chamber", "KNORR", "133.00"),
    ("0 450 906 457", "Fuel filter", "BOSCH", "19.90"),
    ("21620181", "Coolant level sensor", "VOLVO", "52.00"),
    ("FS 1040", "Fuel water separator", "FLEETGUARD", "33.00"),
    ("VKBA 5377", "Wheel bearing kit", "SKF", "236.00"),
)
# fmt: on
CATALOGUE = tuple(
    CatalogueItem(sku, name, brand, Decimal(price)) for sku, name, brand, price in _ROWS
)


def blind_mails() -> tuple[Holdout, ...]:
    """The mails written before the reader was run on any of them: English first, then
    Romanian and Moldovan, then Russian."""
    return (*english(), *romanian(), *russian())


def probe_mails() -> tuple[Holdout, ...]:
    """The mails written after the first run, around the patterns it found."""
    return tuple(probes())
