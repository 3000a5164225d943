"""The held-out order mails are well formed: their expectations name the catalogue rightly."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from tests.holdout_orders import CATALOGUE, blind_mails, probe_mails
from tests.reading_catalogue import separator_free
from tests.reading_corpus import CLIENTS

MAILS = (*blind_mails(), *probe_mails())


def test_every_expected_line_names_a_catalogue_sku() -> None:
    """Each line to price names a catalogue SKU exactly as listed, with a positive quantity."""
    skus = {item.sku for item in CATALOGUE}
    for holdout in MAILS:
        for line in holdout.mail.expected:
            assert line.sku in skus, (holdout.mail.name, line.sku)
            assert line.quantity > 0, holdout.mail.name


def test_unknown_skus_are_on_no_price_list_in_any_notation() -> None:
    """An SKU expected to be reported as unknown matches no catalogue SKU without separators."""
    listed = {separator_free(item.sku) for item in CATALOGUE}
    for holdout in MAILS:
        for written in holdout.unknown:
            assert separator_free(written) not in listed, (holdout.mail.name, written)


def test_mails_have_unique_names_and_come_from_a_client() -> None:
    """Names are unique and each mail is sent by one of the desk's three clients."""
    assert len({h.mail.name for h in MAILS}) == len(MAILS)
    addresses = {address for address, _ in CLIENTS.values()}
    for holdout in MAILS:
        parsed = message_from_bytes(holdout.mail.raw, policy=default)
        assert any(address in str(parsed["From"]) for address in addresses), holdout.mail.name


def test_the_blind_set_has_about_fifty_mails_in_each_language() -> None:
    """The blind set holds at least fifty mails, with English, Romanian and Russian ones."""
    blind = blind_mails()
    assert len(blind) >= 50
    assert {h.mail.language for h in blind} == {"en", "ro", "ru"}
