"""What the replies say about a typed code before its terms are judged: unknown, looks
mistyped, limits reached (the values of `services.vouchers.Refusal`), read as another code,
and a check that reserves nothing. Every refusal has words in every language (a test checks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

LOOKUP_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "unknown": "unknown code: please check it",
        "looks mistyped": "this code looks mistyped: please check each character",
        "issued to another client": "this code was issued to another client",
        "campaign closed": "this campaign has ended",
        "code already used": "this code has already been used",
        "limit reached": "this code has reached its limit of uses",
        "already used by your company": "your company has already used this code",
        "budget exhausted": "this campaign's budget is used up",
        "budget kept in another currency": "this code applies to orders in another currency",
        "corrected": "you wrote {typed}; read as {code}",
    },
    "ru": {
        "unknown": "неизвестный код: проверьте его, пожалуйста",
        "looks mistyped": "похоже, в коде опечатка: проверьте каждый символ",
        "issued to another client": "этот код выдан другому клиенту",
        "campaign closed": "эта акция закончилась",
        "code already used": "этот код уже использован",
        "limit reached": "лимит использований этого кода исчерпан",
        "already used by your company": "ваша компания уже использовала этот код",
        "budget exhausted": "бюджет этой акции исчерпан",
        "budget kept in another currency": "этот код действует для заказов в другой валюте",
        "corrected": "вы написали {typed}; прочитано как {code}",
    },
    "ro": {
        "unknown": "cod necunoscut: vă rugăm să-l verificați",
        "looks mistyped": "codul pare scris greșit: verificați fiecare caracter",
        "issued to another client": "acest cod a fost emis altui client",
        "campaign closed": "această campanie s-a încheiat",
        "code already used": "acest cod a fost deja folosit",
        "limit reached": "acest cod și-a atins limita de utilizări",
        "already used by your company": "compania dumneavoastră a folosit deja acest cod",
        "budget exhausted": "bugetul acestei campanii s-a epuizat",
        "budget kept in another currency": "acest cod se aplică comenzilor în altă monedă",
        "corrected": "ați scris {typed}; citit ca {code}",
    },
}
