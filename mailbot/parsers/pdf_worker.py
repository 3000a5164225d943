"""The child process that reads one PDF for `pdf_order.read_pdf`, inside a memory cap.

    python -m mailbot.parsers.pdf_worker MAX_PAGES MAX_UNPACKED_BYTES  < file.pdf

Prints one JSON object: {"tables": [[[number, [cell, ...]], ...], ...], "lines": [[number,
text], ...]}, or {"failure": WORD} with a `pdf_order.Failure` word. The parent kills it when
it runs out of time.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import resource
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream
from pdfplumber.page import Page

from mailbot.parsers.pdf_order import Failure

# Room beyond the unpacked streams themselves: pdfplumber keeps a dictionary per character of
# the page being read (measured: fifteen pages of 8,000 characters each peak at 67 MiB, the
# worker with pdfplumber imported starts at 50 MiB of address space).
_WORKING_MEMORY = 256 * 2**20
_UNPACKED_COPIES = 4


class Refused(Exception):  # noqa: N818 - a verdict, not an error of the worker's own
    """The PDF fails one of the checks; `failure` says which."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.value)
        self.failure = failure


Item = tuple[float, str | list[list[str]]]  # a line's text or a table's rows, by its top


def main(argv: list[str]) -> None:
    max_pages, max_unpacked = int(argv[0]), int(argv[1])
    # pdfminer logs a warning for every flaw of a damaged file, without end; stderr is kept
    # for the worker's own failures, which the parent reports.
    logging.disable(logging.CRITICAL)
    payload = sys.stdin.buffer.read()
    _cap_memory(_address_space() + _WORKING_MEMORY + _UNPACKED_COPIES * max_unpacked)
    _count_unpacked(max_unpacked)
    try:
        answer = json.dumps(_read(payload, max_pages), ensure_ascii=False)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        # Anything pdfminer raises on a hostile file, down to MemoryError and RecursionError.
        answer = json.dumps({"failure": _failure_of(error)})
    sys.stdout.write(answer)


def _read(payload: bytes, max_pages: int) -> dict[str, Any]:
    pdf = pdfplumber.open(io.BytesIO(payload))
    # The page tree is walked once, lazily, before pdfplumber builds its list of every page.
    if sum(1 for _ in itertools.islice(PDFPage.create_pages(pdf.doc), max_pages + 1)) > max_pages:
        raise Refused(Failure.PAGES)
    if not pdf.pages:
        raise Refused(Failure.BROKEN)
    numbers = itertools.count(1)
    tables: list[list[tuple[int, list[str]]]] = []
    lines: list[tuple[int, str]] = []
    characters = 0
    for page in pdf.pages:
        characters += len(page.chars)
        for _, item in sorted(_page_items(page), key=lambda pair: pair[0]):
            if isinstance(item, str):
                lines.append((next(numbers), item))
            else:
                tables.append([(next(numbers), cells) for cells in item])
        page.close()  # frees the page's character objects before the next one
    if characters == 0:
        raise Refused(Failure.SCANNED)
    return {"tables": tables, "lines": lines}


def _page_items(page: Page) -> Iterator[Item]:
    """The page's tables and its lines of text outside them, each with the top of its box."""
    boxes = []
    for table in page.find_tables():
        rows = [[_cell(cell) for cell in cells] for cells in table.extract()]
        rows = [cells for cells in rows if any(cells)]
        # A single column is a framed paragraph, not a table: its text is read as lines.
        if rows and max(len(cells) for cells in rows) > 1:
            boxes.append(table.bbox)
            yield table.bbox[1], rows
    outside = page.filter(lambda obj: not any(_inside(obj, box) for box in boxes))
    # layout=True keeps the gaps between columns as runs of spaces, so that the article,
    # the description and the quantity of a line stay apart and in order on one line.
    for line in outside.extract_text_lines(layout=True, return_chars=False):
        text = line["text"].strip()
        if text:
            yield line["top"], text


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def _cell(text: str | None) -> str:
    """A cell's text on one line: a cell wrapped over lines reads as one phrase."""
    return " ".join((text or "").split())


def _failure_of(error: BaseException) -> Failure:
    """The failure behind `error`, looking through the exceptions pdfplumber wraps around
    pdfminer's (its PdfminerException holds the original as the one before it)."""
    seen: BaseException | None = error
    while seen is not None:
        match seen:
            case Refused():
                return seen.failure
            case PDFEncryptionError():
                return Failure.ENCRYPTED
            case RecursionError():
                return Failure.NESTING
            case MemoryError():
                return Failure.MEMORY
        seen = seen.__cause__ or seen.__context__
    return Failure.BROKEN


def _address_space() -> int:
    """This process's virtual memory size now, in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _cap_memory(limit: int) -> None:
    """Past `limit` bytes of address space allocations fail: Python raises MemoryError."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _count_unpacked(budget: int) -> None:
    """Makes every stream pdfminer unpacks count against `budget` bytes, all together.

    pdfminer has no hook for this, and the worker is a process of its own reading one file,
    so wrapping the method on the class touches nothing else. A stream too big for the
    memory cap fails inside zlib with MemoryError, which is the same verdict.
    """
    decode: Callable[[PDFStream], None] = PDFStream.decode
    spent = 0

    def counted(stream: PDFStream) -> None:
        nonlocal spent
        try:
            decode(stream)
        except MemoryError:
            raise Refused(Failure.UNPACKED) from None
        spent += len(stream.data or b"")
        if spent > budget:
            raise Refused(Failure.UNPACKED)

    PDFStream.decode = counted  # type: ignore[method-assign,assignment]


if __name__ == "__main__":
    main(sys.argv[1:])
