"""Reading PDF orders: tables and lines in one numbering, and every hostile PDF refused."""

from __future__ import annotations

import os
import resource
import sys
import tracemalloc
from pathlib import Path

import pytest

from mailbot.parsers.pdf_order import (
    BrokenPdf,
    EncryptedPdf,
    PdfContent,
    PdfLimits,
    PdfTooLarge,
    PdfWorkerError,
    ScannedPdf,
    is_pdf,
    read_pdf,
)
from mailbot.parsers.tables import UnreadableTable
from tests import pdfs

LIMITS = PdfLimits()
GIB = 2**30


def _table_cells(content: PdfContent) -> list[list[list[str]]]:
    return [[list(cells) for _, cells in table] for table in content.tables]


def _assert_still_reads() -> None:
    """A good PDF still reads after a hostile one: nothing of it stayed behind."""
    content = read_pdf(pdfs.table_order(), LIMITS)
    assert _table_cells(content) == [pdfs.ORDER_TABLE]


@pytest.mark.parametrize(
    ("filename", "content_type", "payload", "expected"),
    [
        ("order.pdf", "application/octet-stream", b"", True),
        ("ORDER.PDF", "", b"", True),
        ("scan", "application/pdf; name=scan", b"", True),
        ("attachment.bin", "application/octet-stream", b"%PDF-1.7\n", True),
        ("order.csv", "text/csv", b"sku;qty\n", False),
        ("order.pdf.txt", "text/plain", b"%PD", False),
    ],
)
def test_is_pdf_by_name_type_or_bytes(
    filename: str, content_type: str, payload: bytes, expected: bool
) -> None:
    """A .pdf name, an application/pdf type or a %PDF- start each make an attachment a PDF."""
    assert is_pdf(filename, content_type, payload) is expected


def test_ruled_table_reads_as_rows_between_its_lines() -> None:
    """A ruled table reads as rows of cells, numbered in one count with the lines around it."""
    content = read_pdf(pdfs.table_order(), LIMITS)
    assert content.tables == (
        (
            (3, ("Article", "Description", "Qty")),
            (4, ("BPW-0310-0100", "Brake drum", "4")),
            (5, ("SAF 2234", "Spring bush", "16")),
            (6, ("KNORR K012345", "Brake valve", "2")),
        ),
    )
    assert content.lines == (
        (1, "Purchase order 4711"),
        (2, "Fleet Parts Ltd, 12 Dock Road"),
        (7, "Please deliver by Friday."),
    )


def test_table_cells_are_not_repeated_in_lines() -> None:
    """No word of a table cell shows up again among the text lines."""
    content = read_pdf(pdfs.table_order(), LIMITS)
    words = {word for _, line in content.lines for word in line.split()}
    cell_words = {word for cells in pdfs.ORDER_TABLE for cell in cells for word in cell.split()}
    assert words
    assert not words & cell_words


def test_order_lines_without_a_table_stay_whole_and_in_order() -> None:
    """Order lines set in columns read as one line each, the columns in order and apart."""
    content = read_pdf(pdfs.plain_order(), LIMITS)
    assert content.tables == ()
    assert [number for number, _ in content.lines] == [1, 2, 3, 4]
    assert content.lines[0][1] == "Order, page 1"
    for (_, line), cells in zip(content.lines[1:], pdfs.ORDER_LINES, strict=True):
        assert line.split() == " ".join(cells).split()
        assert [part.strip() for part in line.split("   ") if part.strip()] == list(cells)


def test_numbers_run_on_from_page_to_page() -> None:
    """The second page's lines are numbered after the first page's."""
    content = read_pdf(pdfs.plain_order(pages=2), LIMITS)
    assert [number for number, _ in content.lines] == list(range(1, 9))
    assert content.lines[4] == (5, "Order, page 2")


def test_russian_table_reads_in_cyrillic() -> None:
    """A table in Russian, set in an embedded Unicode font, reads as the words it shows."""
    content = read_pdf(pdfs.table_order(pdfs.RUSSIAN_TABLE, unicode=True), LIMITS)
    assert _table_cells(content) == [pdfs.RUSSIAN_TABLE]


def test_pdf_restricted_with_an_empty_password_is_read() -> None:
    """A PDF encrypted only against copying or printing opens and reads like any other."""
    content = read_pdf(pdfs.encrypted_order(user_password=""), LIMITS)
    assert [(number, line.split()) for number, line in content.lines] == [
        (1, ["BPW-0310-0100", "Brake", "drum", "4", "pcs"])
    ]


def test_page_limit_is_inclusive() -> None:
    """A PDF of exactly `max_pages` pages is read."""
    content = read_pdf(pdfs.plain_order(pages=3), PdfLimits(max_pages=3))
    assert len(content.lines) == 12


def test_scanned_pdf_asks_for_a_spreadsheet_or_text() -> None:
    """A PDF of pictures only is refused as a scan, asking for a spreadsheet or text."""
    with pytest.raises(ScannedPdf) as refused:
        read_pdf(pdfs.scanned_order(), LIMITS)
    assert "looks scanned" in refused.value.reason
    assert "spreadsheet or as text" in refused.value.reason
    _assert_still_reads()


def test_password_protected_pdf_is_refused() -> None:
    """A PDF that needs a password to open is refused, saying so."""
    with pytest.raises(EncryptedPdf) as refused:
        read_pdf(pdfs.encrypted_order(), LIMITS)
    assert "protected by a password" in refused.value.reason
    _assert_still_reads()


def test_random_bytes_named_pdf_are_not_a_pdf() -> None:
    """Random bytes in a file named .pdf are refused as not a PDF."""
    payload = os.urandom(4096).replace(b"%PDF-", b"")
    assert is_pdf("order.pdf", "application/octet-stream", payload)
    with pytest.raises(BrokenPdf) as refused:
        read_pdf(payload, LIMITS)
    assert refused.value.reason == "The file is not a PDF."


@pytest.mark.parametrize(
    "payload",
    [
        pdfs.table_order()[: len(pdfs.table_order()) // 2],
        b"%PDF-1.7\n" + bytes(range(256)) * 16,
        pdfs.table_order().replace(b"obj", b"jbo"),
    ],
    ids=["truncated", "garbage-after-header", "mangled"],
)
def test_damaged_pdf_is_refused(payload: bytes) -> None:
    """A PDF cut short or damaged is refused as damaged."""
    with pytest.raises(BrokenPdf) as refused:
        read_pdf(payload, LIMITS)
    assert refused.value.reason == "The PDF is damaged or cut short and cannot be read."
    _assert_still_reads()


def test_file_over_the_size_limit_is_refused_unread() -> None:
    """A PDF larger than `max_bytes` is refused before it is read."""
    payload = pdfs.table_order()
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(payload, PdfLimits(max_bytes=len(payload) - 1))
    assert refused.value.reason.startswith("The PDF is larger than")


def test_five_hundred_pages_are_too_many() -> None:
    """A PDF of 500 pages is refused past the 50-page limit."""
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(pdfs.plain_order(pages=500), LIMITS)
    assert refused.value.reason == "The PDF has more than 50 pages."
    _assert_still_reads()


@pytest.fixture(scope="module")
def gigabyte_bomb() -> bytes:
    return pdfs.deflate_bomb(unpacked=GIB)


def test_decompression_bomb_is_refused_in_bounded_memory(gigabyte_bomb: bytes) -> None:
    """A stream inflating to 1 GiB is refused; neither this process nor the reader ever held it."""
    assert len(gigabyte_bomb) < LIMITS.max_bytes
    tracemalloc.start()
    try:
        with pytest.raises(PdfTooLarge) as refused:
            read_pdf(gigabyte_bomb, LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.reason == "The PDF unpacks to more than 50 MB."
    assert peak < 4 * len(gigabyte_bomb)
    # ru_maxrss is in KiB on Linux: the largest child this process has waited for.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < GIB
    _assert_still_reads()


def test_unpacked_streams_count_together_against_the_limit() -> None:
    """Streams unpacking past `max_unpacked_bytes` are refused, far below the memory cap."""
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(pdfs.deflate_bomb(unpacked=2**20), PdfLimits(max_unpacked_bytes=2**18))
    assert refused.value.reason == "The PDF unpacks to more than 0.25 MB."


def test_deep_nesting_is_refused() -> None:
    """Arrays nested ten thousand deep are refused as nested too deeply."""
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(pdfs.deeply_nested(), LIMITS)
    assert refused.value.reason == "The PDF nests its objects too deeply to be read."
    _assert_still_reads()


def test_reference_loop_is_stopped_by_the_time_limit() -> None:
    """An object that refers to itself is given up after `max_seconds`."""
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(pdfs.reference_loop(), PdfLimits(max_seconds=1.5))
    assert refused.value.reason == "The PDF took longer than 1.5 seconds to read."
    _assert_still_reads()


def test_every_refusal_is_an_unreadable_table() -> None:
    """Callers that handle spreadsheets' UnreadableTable handle PDFs' refusals too."""
    for refusal in (BrokenPdf, EncryptedPdf, PdfTooLarge, ScannedPdf):
        assert issubclass(refusal, UnreadableTable)


def _fake_python(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes read_pdf start `script` instead of the worker."""
    program = folder / "python"
    program.write_text("#!/bin/sh\n" + script + "\n")
    program.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(program))


def test_reader_killed_by_a_signal_is_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader killed outright, as C code aborts when refused memory, refuses the file."""
    _fake_python(tmp_path, "cat >/dev/null; kill -KILL $$", monkeypatch)
    with pytest.raises(PdfTooLarge) as refused:
        read_pdf(pdfs.table_order(), LIMITS)
    assert refused.value.reason == "The PDF needs more memory to read than mailbot allows."


def test_reader_that_cannot_start_is_an_error_of_the_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader failing on its own is an error naming the cause, not a reason for the partner."""
    _fake_python(tmp_path, "echo 'No module named pdfplumber' >&2; exit 1", monkeypatch)
    with pytest.raises(PdfWorkerError, match="No module named pdfplumber"):
        read_pdf(pdfs.table_order(), LIMITS)
    assert not issubclass(PdfWorkerError, UnreadableTable)
