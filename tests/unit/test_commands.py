"""Commands by a single word in the subject or on the first line of the body."""

from __future__ import annotations

import pytest

from mailbot.parsers.commands import (
    WORDS,
    Command,
    CommandRequest,
    detect_command,
    order_number_in,
    read_command,
)


@pytest.mark.parametrize(
    "word",
    ["PRICES", "prices", "Price list", "PRICE-LIST", "pricelist", "Prices!", "  ЦЕНЫ. ",
     "прайс", "Прайс-лист", "PREȚURI", "prețuri", "preţuri", "PRETURI", "Lista de prețuri",
     "lista de preturi?", "«ПРАЙС»"],
)  # fmt: skip
def test_each_word_in_the_subject_is_the_prices_command(word: str) -> None:
    """Every listed word, in any case and with punctuation around it, asks for prices."""
    assert detect_command(word, "") is Command.PRICES


def test_the_first_non_empty_body_line_counts() -> None:
    """The command may be the first non-empty line of the body, whatever the subject says."""
    assert detect_command("Hello", "\n\n  Prices please?  \n") is None
    assert detect_command("Hello", "\n\n  ПРАЙС-ЛИСТ\nСпасибо\n") is Command.PRICES


def test_reply_and_forward_prefixes_are_ignored() -> None:
    """A "Re:" or "Fwd:" before the word in the subject does not hide the command."""
    assert detect_command("Re: PRICES", "") is Command.PRICES
    assert detect_command("Fwd: Re[2]: ЦЕНЫ", "") is Command.PRICES


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Order", "Please quote the best price for:\nBPW-0310 x 2"),
        ("Price for BPW-0310", "BPW-0310 x 2"),
        ("Order", "price\u200b list of parts we need\nBPW-0310 x 2"),
        ("Order", "BPW-0310 x 2\nPRICES"),
        ("Prices are too high", ""),
        ("", ""),
    ],
)
def test_an_order_that_mentions_prices_is_not_the_command(subject: str, body: str) -> None:
    """Only the whole subject or first line counts, so orders that mention prices stay orders."""
    assert detect_command(subject, body) is None


def test_every_command_has_words() -> None:
    """The word table covers every command, so a new command cannot be forgotten there."""
    assert set(WORDS) == set(Command)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("AGREE", Command.AGREE), ("I agree.", Command.AGREE), ("Согласен!", Command.AGREE),
        ("СОГЛАСНЫ", Command.AGREE), ("подтверждаю", Command.AGREE),
        ("De acord", Command.AGREE), ("Accept", Command.AGREE), ("CONFIRM", Command.AGREE),
        ("CANCEL", Command.CANCEL), ("Отмена", Command.CANCEL), ("ОТМЕНИТЬ", Command.CANCEL),
        ("Anulare", Command.CANCEL), ("anulează", Command.CANCEL), ("ANULEAZA", Command.CANCEL),
        ("STATUS", Command.STATUS), ("Статус", Command.STATUS), ("Stare", Command.STATUS),
        ("BALANCE", Command.BALANCE), ("Баланс", Command.BALANCE), ("Sold", Command.BALANCE),
        ("Thanks", None),
    ],
)  # fmt: skip
def test_lifecycle_words_in_three_languages(text: str, command: Command | None) -> None:
    """AGREE, CANCEL, STATUS and BALANCE are read in English, Russian and Romanian words."""
    assert detect_command("Re: Quote ORD-2026-000001", f"\n{text}\n\nthanks") is command


def test_an_order_number_beside_the_word_is_the_argument() -> None:
    """`STATUS ORD-…` and `cancel ord-…` carry the number, upper-cased; AGREE alone has none."""
    assert read_command("STATUS ORD-2026-000001", "") == CommandRequest(
        Command.STATUS, "ORD-2026-000001"
    )
    assert read_command("Hi", "cancel ord-2026-000042 please") is None
    assert read_command("Hi", "cancel ord-2026-000042") == CommandRequest(
        Command.CANCEL, "ORD-2026-000042"
    )
    assert read_command("Re: Quote ORD-2026-000001", "AGREE") == CommandRequest(Command.AGREE)


def test_two_order_numbers_are_not_one_command() -> None:
    """A line naming two orders is ambiguous and is not taken as a command."""
    assert read_command("STATUS ORD-2026-000001 ORD-2026-000002", "") is None


def test_the_order_number_in_a_subject() -> None:
    """The one order number of a subject is found whatever surrounds it; none or two give ""."""
    assert order_number_in("Re: Quote ord-2026-000007 (urgent)") == "ORD-2026-000007"
    assert order_number_in("Re: Quote") == ""
    assert order_number_in("ORD-2026-000001 and ORD-2026-000002") == ""
