"""XLSX and ODS workbooks (zip archives) checked and re-packed before calamine opens them.

calamine trusts what an archive says about itself: sizes in the zip directory, cell addresses,
repeat counts, the string count of sharedStrings.xml, and it can loop forever on broken XML.
Each of these can abort or hang the process from a small attachment, so the archive is read
here with every member decompressed within the limit, every XML part checked, and calamine is
given a fresh archive holding exactly the checked bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.parsers import expat

from mailbot.parsers.sheet_extent import ods_cells, xlsx_cells

MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_MEMBERS = 10_000
_STRINGS = "xl/sharedStrings.xml"


class UnsafeArchiveError(ValueError):
    """Why an archive is not handed to calamine, in words for the partner."""


def repacked_workbook(payload: bytes, *, max_unpacked_bytes: int, max_cells: int) -> bytes:
    """The workbook in `payload` re-packed uncompressed, once it is known to be safe to open.

    zipfile reads each member only up to the size the directory declares and checks its CRC,
    so the new archive holds exactly the bytes counted against `max_unpacked_bytes`, even
    when the directory lies. Raises UnsafeArchiveError.
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
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        scan, scanned = xlsx_cells, {name for name in names if name.endswith(".xml")}
    elif "content.xml" in names:
        scan, scanned = ods_cells, {"content.xml"}
    elif "xl/workbook.bin" in names:
        raise UnsafeArchiveError("binary Excel workbooks (.xlsb) are not supported; send XLSX")
    else:
        raise UnsafeArchiveError("not a spreadsheet: a zip archive without an XLSX or ODS workbook")
    repacked = io.BytesIO()
    try:
        with zipfile.ZipFile(repacked, "w", zipfile.ZIP_STORED) as clean:
            for member in members:
                data = archive.read(member)
                if member.filename.endswith((".xml", ".rels")):
                    _check_xml(member.filename, data)
                if member.filename in scanned and scan(data) > max_cells:
                    raise UnsafeArchiveError(f"a sheet spans more than {max_cells} cells")
                if member.filename == _STRINGS:
                    data = _clamped_string_counts(data, max_cells)
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


_SI = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")


def _clamped_string_counts(data: bytes, max_cells: int) -> bytes:
    """sharedStrings.xml with the counts calamine reserves memory for made believable.

    calamine finds the first "<sst" in the raw bytes and reads `uniqueCount="N"` and
    `count="N"` before the next ">" as they stand; uniqueCount="4294967295" reserves 96 GB.
    The same search is done here and each number is capped: uniqueCount at the strings that
    are there, count (references from cells) at `max_cells`.
    """
    start = data.find(b"<sst")
    end = data.find(b">", start)
    if start < 0 or end < 0:
        return data
    caps = {b"uniqueCount": len(_SI.findall(data)), b"count": max_cells}
    for name, cap in caps.items():
        at = data.find(name + b'="', start)
        if at < 0 or at > end:
            continue
        value_start = at + len(name) + 2
        value_end = data.find(b'"', value_start)
        value = data[value_start:value_end]
        if value_end > 0 and (not value.isdigit() or int(value) > cap):
            data = data[:value_start] + str(cap).encode() + data[value_end:]
            end = data.find(b">", start)
    return data
