"""PDF attachments with a text layer read as tables of cells and lines of text.

The reading is done by pdfplumber (on pdfminer.six): it finds table cells from the ruling lines
and the positions of words, and lays out the text outside the tables line by line with its
column gaps, which an order needs; pypdf only extracts a page's text as one string.

pdfminer unpacks every stream in full with no size limit, recurses on nested objects, and can
loop for a long time on a hostile file, and none of that can be stopped from inside a thread.
So the work runs in a child process (`python -m mailbot.parsers.pdf_worker`) with its address
space capped by RLIMIT_AS and a wall-clock timeout, and only plain data comes back: whatever a
file does, the service's own memory and time stay bounded; inside the child every stream that
pdfminer unpacks counts against `PdfLimits.max_unpacked_bytes`. Scanning the streams with a bounded
zlib beforehand was the other option, but it misses LZW and RunLength bombs, streams of
encrypted files and filter chains, and bounds neither recursion nor time. Measured here, the
child adds about 0.17 s a PDF (starting Python and importing pdfplumber) to the 0.01 s that a
one-page order takes to read in process, and fifty pages take 0.5 s against 0.2 s: an order
desk receives a PDF every few minutes at most, so the safety is worth it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from mailbot.errors import MailbotError
from mailbot.parsers.tables import Row, UnreadableTable

_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024  # readers accept a PDF header after up to 1 KiB of leading junk
_MIB = 2**20


@dataclass(frozen=True)
class PdfLimits:
    """How much of a PDF mailbot is willing to read."""

    max_bytes: int = 20 * 2**20  # the PDF file itself
    max_pages: int = 50
    max_unpacked_bytes: int = 50 * 2**20  # decompressed content streams, all together
    max_seconds: float = 20.0  # wall time for the whole extraction


@dataclass(frozen=True)
class PdfContent:
    """What a PDF says: its tables and the lines of text outside them, numbered as one count."""

    tables: tuple[tuple[Row, ...], ...]  # each table found, its rows as cell strings (stripped)
    lines: tuple[tuple[int, str], ...]  # text lines outside the tables, in reading order


class EncryptedPdf(UnreadableTable):
    """A PDF that opens only with a password (one encrypted with an empty password, to
    restrict printing or copying, is read as it is)."""


class ScannedPdf(UnreadableTable):
    """A PDF with pages but no text on them, as a scanner makes it."""


class BrokenPdf(UnreadableTable):
    """A file that is not a PDF, or a damaged or truncated one."""


class PdfTooLarge(UnreadableTable):
    """A PDF past one of the limits (size, pages, unpacked size, memory, nesting, time)."""


class PdfWorkerError(MailbotError):
    """The PDF reading process itself failed, whatever the file."""


class Failure(StrEnum):
    """Why the worker process could not read a PDF: the only words it sends back on failure."""

    ENCRYPTED = "encrypted"
    SCANNED = "scanned"
    BROKEN = "broken"
    PAGES = "pages"
    UNPACKED = "unpacked"
    MEMORY = "memory"
    NESTING = "nesting"


def is_pdf(filename: str, content_type: str, payload: bytes) -> bool:
    """Whether an attachment is a PDF, by its .pdf name, its application/pdf type or its bytes."""
    suffix = PurePosixPath(filename.lower()).suffix
    mime = content_type.lower().split(";")[0].strip()
    return suffix == ".pdf" or mime == "application/pdf" or payload.startswith(_MAGIC)


def read_pdf(payload: bytes, limits: PdfLimits) -> PdfContent:
    """The tables and the text lines of a PDF, in reading order, numbered from 1 through the
    whole document. Raises an UnreadableTable subclass with a reason for a PDF that is
    encrypted, scanned, broken or not a PDF, or past `limits`; raises PdfWorkerError when
    the reading process cannot run at all."""
    if len(payload) > limits.max_bytes:
        raise PdfTooLarge(f"The PDF is larger than {_megabytes(limits.max_bytes)}.")
    if _MAGIC not in payload[:_MAGIC_WINDOW]:
        raise BrokenPdf("The file is not a PDF.")
    command = [
        sys.executable,
        "-m",
        "mailbot.parsers.pdf_worker",
        str(limits.max_pages),
        str(limits.max_unpacked_bytes),
    ]
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, timeout=limits.max_seconds, check=False
        )
    except subprocess.TimeoutExpired:
        raise PdfTooLarge(
            f"The PDF took longer than {limits.max_seconds:g} seconds to read."
        ) from None
    if done.returncode < 0:
        # Killed by a signal: C code aborting when the address-space cap refused it memory.
        raise PdfTooLarge("The PDF needs more memory to read than mailbot allows.")
    if done.returncode > 0:
        # The worker's own failure (it answers for every file it reads): a fault of the
        # installation, not of the partner's file, so it is not an UnreadableTable.
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise PdfWorkerError(f"the PDF reader failed: {' '.join(detail) or done.returncode}")
    answer = json.loads(done.stdout)
    if "failure" in answer:
        raise _failure(Failure(answer["failure"]), limits)
    return PdfContent(
        tables=tuple(
            tuple((number, tuple(cells)) for number, cells in table) for table in answer["tables"]
        ),
        lines=tuple((number, text) for number, text in answer["lines"]),
    )


def _failure(failure: Failure, limits: PdfLimits) -> UnreadableTable:
    match failure:
        case Failure.ENCRYPTED:
            return EncryptedPdf(
                "The PDF is protected by a password. "
                "Please send it without the password, or the order as a spreadsheet."
            )
        case Failure.SCANNED:
            return ScannedPdf(
                "The PDF has no text in it: it looks scanned. "
                "Please send the order as a spreadsheet or as text in the mail."
            )
        case Failure.BROKEN:
            return BrokenPdf("The PDF is damaged or cut short and cannot be read.")
        case Failure.PAGES:
            return PdfTooLarge(f"The PDF has more than {limits.max_pages} pages.")
        case Failure.UNPACKED:
            return PdfTooLarge(
                f"The PDF unpacks to more than {_megabytes(limits.max_unpacked_bytes)}."
            )
        case Failure.MEMORY:
            return PdfTooLarge("The PDF needs more memory to read than mailbot allows.")
        case Failure.NESTING:
            return PdfTooLarge("The PDF nests its objects too deeply to be read.")


def _megabytes(size: int) -> str:
    return f"{size / _MIB:g} MB"
