"""The reading corpus generator: deterministic, well-formed mail, expectations it can keep."""

from __future__ import annotations

import email
from collections import Counter
from email.message import EmailMessage
from email.policy import default

import pytest

from tests.reading_catalogue import CATALOGUE_SIZE, COLLIDING_PAIRS, colliding, separator_free
from tests.reading_corpus import SHAPES, CorpusMail, catalogue, corpus

SEED = 5


@pytest.fixture(scope="module")
def mails() -> tuple[CorpusMail, ...]:
    """One corpus for the tests that only read it: writing PDFs takes a while."""
    return corpus(150, seed=SEED)


def _texts(raw: bytes) -> str:
    """Every text the mail holds readably: its text parts and its CSV attachments, decoded."""
    message = email.message_from_bytes(raw, _class=EmailMessage, policy=default)
    found = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            for encoding in ("utf-8-sig", "cp1251"):
                try:
                    found.append(payload.decode(encoding))
                    break
                except UnicodeDecodeError:
                    continue
    return "\n".join(found)


def test_the_same_seed_gives_the_same_bytes() -> None:
    """Two corpora of one seed are byte for byte equal; another seed gives other mail."""
    first = corpus(25, seed=3)
    assert [m.raw for m in first] == [m.raw for m in corpus(25, seed=3)]
    assert [m.raw for m in first] != [m.raw for m in corpus(25, seed=4)]


def test_every_mail_parses_with_its_parts(mails: tuple[CorpusMail, ...]) -> None:
    """Each mail parses without defects, and every part decodes to some bytes."""
    for mail in mails:
        message = email.message_from_bytes(mail.raw, _class=EmailMessage, policy=default)
        assert not message.defects, mail.name
        for part in message.walk():
            if not part.is_multipart() and part.get_content_maintype() != "message":
                assert part.get_payload(decode=True), (mail.name, part.get_content_type())


def test_expected_lines_come_from_the_catalogue_and_are_written_in_the_mail(
    mails: tuple[CorpusMail, ...],
) -> None:
    """Every expected SKU is a catalogue SKU; readable mails hold each written SKU and ask."""
    skus = {item.sku for item in catalogue(SEED)}
    for mail in mails:
        assert mail.expected, mail.name  # something to price in every mail
        assert {line.sku for line in mail.expected} <= skus, mail.name
        if mail.shape in {"body", "body-two-lines", "forward-inline", "reply-to-quote", "csv"}:
            text = _texts(mail.raw)
            for written in [line.written for line in mail.expected] + list(mail.asks):
                assert written in text, (mail.name, written)


def test_catalogue_keys_are_unique_but_for_the_colliding_pairs() -> None:
    """About 300 items; SKUs differ even without separators, except the deliberate pairs."""
    items = catalogue(2)
    assert len(items) == CATALOGUE_SIZE
    assert len({item.sku for item in items}) == CATALOGUE_SIZE
    pairs = colliding(items)
    assert len(pairs) == COLLIDING_PAIRS
    assert all(a.sku != b.sku and separator_free(a.sku) == separator_free(b.sku) for a, b in pairs)
    assert len({separator_free(item.sku) for item in items}) == CATALOGUE_SIZE - COLLIDING_PAIRS


def test_the_mix_spreads_shapes_and_holds_asks(mails: tuple[CorpusMail, ...]) -> None:
    """Every shape occurs, none has a quarter of the mail, and 5-20 % of mails hold an ask."""
    shapes = Counter(mail.shape for mail in mails)
    assert set(shapes) == {name for name, _, _ in SHAPES}
    assert max(shapes.values()) < len(mails) / 4
    assert 0.05 <= sum(bool(mail.asks) for mail in mails) / len(mails) <= 0.20
