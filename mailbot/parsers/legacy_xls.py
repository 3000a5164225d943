"""Legacy Excel 97-2003 (.xls) files made safe to hand to calamine.

calamine trusts the sizes and sector numbers inside an OLE2 compound file and a few counts
inside the BIFF records: one damaged byte can make it reserve terabytes, and the process
aborts (no exception can catch that). So the workbook stream is read here with every number
checked, its records are checked the way calamine will walk them, and the stream is wrapped
in a fresh compound file whose structure is known to be sound.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from mailbot.parsers.sheet_extent import Box

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END, _FREE, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_BOF, _EOF, _FILEPASS, _CONTINUE = 0x0809, 0x000A, 0x002F, 0x003C
_SST, _BOUNDSHEET, _DIMENSIONS, _MULRK = 0x00FC, 0x0085, 0x0200, 0x00BD
_FORMULA, _STRING = 0x0006, 0x0207
# Records calamine turns into one cell each; row and column are their first two u16 fields.
_ONE_CELL = {0x0203, 0x0204, 0x0205, 0x027E, 0x00FD}
_SECTOR = 4096
_MINI_CUTOFF = 4096  # streams shorter than this live in the mini stream
_ENTRIES_PER_SECTOR = _SECTOR // 4


def clean_xls(payload: bytes) -> tuple[bytes, int]:
    """The workbook re-wrapped in a sound compound file, and how many cells calamine will
    hold for it (dense grids and reserved space of all sheets).

    Raises ValueError, saying what is wrong, for a file that cannot be read safely.
    """
    stream = _workbook_stream(payload)
    return _compound_file(stream), _cells(stream)


def _workbook_stream(payload: bytes) -> bytes:
    """The "Workbook" (or BIFF5 "Book") stream, read with every sector number checked."""
    if len(payload) < 512 or not payload.startswith(MAGIC):
        raise ValueError("not an OLE2 compound file")
    shift, mini_shift = struct.unpack_from("<HH", payload, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise ValueError("unsupported sector sizes")
    size = 1 << shift
    count = -(-(len(payload) - size) // size)  # a short last sector still counts
    (directory_start,) = struct.unpack_from("<I", payload, 0x30)
    (mini_fat_start,) = struct.unpack_from("<I", payload, 0x3C)
    (difat_start,) = struct.unpack_from("<I", payload, 0x44)

    def sector(number: int) -> bytes:
        if number >= count:
            raise ValueError(f"sector {number} is beyond the end of the file")
        return payload[(number + 1) * size : (number + 2) * size]

    def chain(start: int, table: list[int]) -> Iterator[int]:
        seen: set[int] = set()
        while start != _END:
            if start in seen or start >= len(table):
                raise ValueError("a broken sector chain")
            seen.add(start)
            yield start
            start = table[start]

    fat_sectors = list(struct.unpack_from("<109I", payload, 0x4C))
    seen_difat: set[int] = set()
    while difat_start < 0xFFFFFFFA:
        if difat_start in seen_difat:
            raise ValueError("a broken sector chain")
        seen_difat.add(difat_start)
        pointers = struct.unpack(f"<{size // 4}I", sector(difat_start))
        fat_sectors.extend(pointers[:-1])
        difat_start = pointers[-1]
    fat: list[int] = []
    for number in fat_sectors:
        if number < 0xFFFFFFFC:
            fat.extend(struct.unpack(f"<{size // 4}I", sector(number)))
    directory = b"".join(sector(number) for number in chain(directory_start, fat))
    entries = [directory[at : at + 128] for at in range(0, len(directory) - 127, 128)]
    if not entries:
        raise ValueError("no directory")
    found = {_entry_name(entry): entry for entry in reversed(entries) if entry[66] == 2}
    entry = found.get("workbook") or found.get("book")
    if entry is None and "encryptedpackage" in found:
        raise ValueError("the workbook is password-protected")
    if entry is None:
        raise ValueError("no workbook stream; is it an Excel file?")
    start, length = struct.unpack_from("<II", entry, 116)
    if length > len(payload):
        raise ValueError("the workbook stream is longer than the file")
    if length >= _MINI_CUTOFF:
        return b"".join(sector(number) for number in chain(start, fat))[:length]
    root_start, root_length = struct.unpack_from("<II", entries[0], 116)
    mini_stream = b"".join(sector(number) for number in chain(root_start, fat))[:root_length]
    mini_fat_bytes = b"".join(sector(number) for number in chain(mini_fat_start, fat))
    mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
    data = b"".join(mini_stream[n * 64 : n * 64 + 64] for n in chain(start, mini_fat))
    if len(data) < length:
        raise ValueError("the workbook stream is cut short")
    return data[:length]


def _entry_name(entry: bytes) -> str:
    (length,) = struct.unpack_from("<H", entry, 64)
    return entry[: max(0, min(length, 64) - 2)].decode("utf-16-le", "replace").lower()


def _records(stream: bytes, position: int) -> Iterator[tuple[int, bytes, int]]:
    """(type, data, size of the data with its CONTINUE records) from `position` on, as
    calamine walks them; a record running past the end stops the walk, as it stops calamine."""
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        data = stream[position + 4 : position + 4 + length]
        if len(data) < length:
            return
        position += 4 + length
        total = length
        while position + 4 <= len(stream) and struct.unpack_from("<H", stream, position)[0] == (
            _CONTINUE
        ):
            (more,) = struct.unpack_from("<H", stream, position + 2)
            position += 4 + more
            total += more
        yield kind, data, total


def _cells(stream: bytes) -> int:
    """The cells calamine will hold: per sheet, the dense grid of its cells plus the space a
    DIMENSIONS record makes it reserve. Raises ValueError for counts calamine would trust."""
    sheets: list[int] = []
    for kind, data, total in _records(stream, 0):
        if kind == _FILEPASS and data[:2] != b"\0\0":
            return 0  # calamine refuses an encrypted workbook before reading any sheet
        if kind == _SST and len(data) >= 8:
            (strings,) = struct.unpack_from("<i", data, 4)
            if not 0 <= strings <= (total - 8) // 3 + 1:  # a string takes 3 bytes or more
                raise ValueError("damaged shared string table")
        elif kind == _BOUNDSHEET and len(data) >= 4:
            (position,) = struct.unpack_from("<I", data)
            if position > len(stream):
                raise ValueError("a sheet starts beyond the end of the workbook")
            sheets.append(position)
        elif kind == _EOF:
            break
    return sum(_sheet_cells(stream, position) for position in sheets)


def _sheet_cells(stream: bytes, position: int) -> int:
    values, formulas, reserved = Box(), Box(), 0
    formula_at = (0, 0)  # where calamine puts a STRING record's value
    for kind, data, _ in _records(stream, position):
        if kind == _EOF:
            break
        if kind == _DIMENSIONS:
            reserved = max(reserved, _reserved(data))
        elif kind in _ONE_CELL and len(data) >= 4:
            row, column = struct.unpack_from("<HH", data)
            values.add(row, row, column, column)
        elif kind == _FORMULA and len(data) >= 20:
            formula_at = struct.unpack_from("<HH", data)
            values.add(formula_at[0], formula_at[0], formula_at[1], formula_at[1])
            formulas.add(formula_at[0], formula_at[0], formula_at[1], formula_at[1])
        elif kind == _STRING:
            values.add(formula_at[0], formula_at[0], formula_at[1], formula_at[1])
        elif kind == _MULRK and len(data) >= 12:
            row, first = struct.unpack_from("<HH", data)
            values.add(row, row, first, first + (len(data) - 6) // 6 - 1)
    return values.cells + formulas.cells + reserved


def _reserved(data: bytes) -> int:
    """The cells calamine reserves for a DIMENSIONS record, with its u32 arithmetic."""
    layout = {10: "<4H", 14: "<IIHH"}.get(len(data))
    if layout is None:
        return 0
    fields: tuple[int, int, int, int] = struct.unpack_from(layout, data)
    first_row, last_row, first_column, last_column = fields
    end_row, end_column = first_row, first_column
    if last_row >= 1 and last_column >= 1:
        end_row, end_column = last_row - 1, last_column - 1
    rows = (end_row - first_row + 1) % 2**32
    columns = (end_column - first_column + 1) % 2**32
    return rows * columns


def _compound_file(stream: bytes) -> bytes:
    """`stream` as the "Workbook" of a version 4 compound file (4096-byte sectors) laid out
    as FAT sectors, one directory sector, then the stream in consecutive sectors."""
    body = stream.ljust(max(_SECTOR, -(-len(stream) // _SECTOR) * _SECTOR), b"\0")
    data_sectors = len(body) // _SECTOR
    fat_sectors = 1
    while fat_sectors * _ENTRIES_PER_SECTOR < fat_sectors + 1 + data_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("the workbook is too large")
    directory_at, first_data = fat_sectors, fat_sectors + 1
    fat = [_FAT_SECTOR] * fat_sectors + [_END]
    fat += [first_data + n + 1 for n in range(data_sectors - 1)] + [_END]
    fat += [_FREE] * (fat_sectors * _ENTRIES_PER_SECTOR - len(fat))
    # calamine refuses a version 4 root entry without a start sector even when there is no
    # mini stream to read (the mini FAT is empty), so it points at the directory sector.
    root = _entry("Root Entry", 5, 1, directory_at, 0)
    workbook = _entry("Workbook", 2, _NO_STREAM, first_data, len(body))
    directory = (root + workbook).ljust(_SECTOR, b"\0")
    header = MAGIC + bytes(16) + struct.pack("<HHHHH", 0x003E, 4, 0xFFFE, 12, 6) + bytes(6)
    header += struct.pack("<IIII", 1, fat_sectors, directory_at, 0)
    header += struct.pack("<IIIII", 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", *range(fat_sectors), *([_FREE] * (109 - fat_sectors)))
    return header.ljust(_SECTOR, b"\0") + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", _NO_STREAM, _NO_STREAM, child)
        + bytes(36)
        + struct.pack("<IQ", start, size)
    )
