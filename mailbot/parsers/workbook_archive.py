"""XLSX and ODS workbooks (zip archives) checked before they are read.

Every workbook's zip directory is checked (member count, unpacked size). XLSX is then streamed
by `xlsx_stream`; ODS goes to calamine, which trusts what an archive says about itself: sizes
in the zip directory, repeat counts, and it can loop forever on broken XML. Each of these can
abort or hang the process from a small attachment, so an ODS archive is read here with every
member decompressed within the limit, every XML part checked, and calamine is given a fresh
archive holding exactly the checked bytes.
"""

from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

from mailbot.parsers.sheet_extent import ods_cells

MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_MEMBERS = 10_000


class UnsafeArchiveError(ValueError):
    """Why an archive is not handed to calamine, in words for the partner."""


def checked_archive(payload: bytes, *, max_unpacked_bytes: int) -> zipfile.ZipFile:
    """The XLSX or ODS workbook in `payload`, opened once its directory is known to be sane:
    not too many members, and no more than `max_unpacked_bytes` unpacked in all.

    zipfile reads each member only up to the size the directory declares and checks its CRC,
    so every later read stays within the limit even when the directory lies.
    Raises UnsafeArchiveError.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        members = [member for member in archive.infolist() if not member.is_dir()]
    except Exception as error:  # BadZipFile mostly, but zipfile has others for odd input
        reason = f"not a valid zip archive (damaged or cut short): {error}"
        raise UnsafeArchiveError(reason) from None
    if len(members) > _MAX_MEMBERS:
        raise UnsafeArchiveError(f"the archive holds more than {_MAX_MEMBERS} files")
    if sum(member.file_size for member in members) > max_unpacked_bytes:
        raise UnsafeArchiveError(f"unpacks to more than {max_unpacked_bytes} bytes (zip bomb?)")
    names = set(archive.namelist())
    if "xl/workbook.xml" in names or "content.xml" in names:
        return archive
    if "xl/workbook.bin" in names:
        raise UnsafeArchiveError("binary Excel workbooks (.xlsb) are not supported; send XLSX")
    raise UnsafeArchiveError("not a spreadsheet: a zip archive without an XLSX or ODS workbook")


def is_xlsx(archive: zipfile.ZipFile) -> bool:
    """Whether a checked archive holds an XLSX workbook (otherwise it holds an ODS one)."""
    return "xl/workbook.xml" in archive.namelist()


def repacked_ods(archive: zipfile.ZipFile, *, max_cells: int) -> bytes:
    """The ODS workbook in a checked archive re-packed uncompressed for calamine, every XML
    part checked and the cells of content.xml counted. Raises UnsafeArchiveError."""
    repacked = io.BytesIO()
    try:
        with zipfile.ZipFile(repacked, "w", zipfile.ZIP_STORED) as clean:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                data = archive.read(member)
                if member.filename.endswith((".xml", ".rels")):
                    _check_xml(member.filename, data)
                if member.filename == "content.xml" and ods_cells(data) > max_cells:
                    raise UnsafeArchiveError(f"a sheet spans more than {max_cells} cells")
                clean.writestr(member.filename, data)
    except UnsafeArchiveError:
        raise
    except Exception as error:  # zipfile, zlib, bz2 and lzma each raise their own errors
        raise UnsafeArchiveError(f"damaged zip archive: {error}") from None
    return repacked.getvalue()


def _check_xml(name: str, data: bytes) -> None:
    """Refuses a part that is not well-formed XML or that declares a DTD (OOXML and ODF
    have none, and entity expansion is a bomb of its own)."""
    parser = expat.ParserCreate()

    def refuse_doctype(*_: object) -> None:
        raise UnsafeArchiveError(f"damaged workbook: {name} declares a DTD")

    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError) as error:  # LookupError: encoding
        reason = f"damaged workbook: {name} is not well-formed XML ({error})"
        raise UnsafeArchiveError(reason) from None
