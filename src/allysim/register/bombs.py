"""Counting a workbook's cells, rows and strings on its raw XML, streamed, before openpyxl parses any of it.

A 243 KB .xlsx can hold millions of cells in one row, millions of shared strings or millions of empty rows, each
element compressed to a byte or two; openpyxl, even in read-only mode, would take minutes and gigabytes to walk
them. The XML of each sheet and of the shared strings is therefore read in blocks of 1 MiB, its elements counted
with a regular expression, and the workbook refused as soon as a count passes its bound: time and memory stay
bounded by the bounds, whatever the file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import RegisterError

__all__ = ["measure_workbook", "MAX_CELLS", "MAX_ROW_ELEMENTS", "MAX_ROW_CELLS", "MAX_STRINGS"]

MAX_CELLS = 1_500_000  # cells in one sheet: 20,000 rows of 60 columns, and some to spare
MAX_ROW_ELEMENTS = 100_000  # rows in one sheet, empty ones included (a register has at most 20,000 with data)
MAX_ROW_CELLS = 16_384  # cells in one row: Excel's own limit (column XFD)
MAX_STRINGS = 200_000  # shared strings: a register of 20,000 rows has a few tens of thousands
_BLOCK = 1 << 20
_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_TAG = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")


def measure_workbook(path: Path) -> None:
    """Raise :class:`RegisterError` when a sheet has too many cells or rows, a row too many cells, or the
    workbook too many shared strings."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _sheet(archive, info, path)
            elif name == "xl/sharedStrings.xml":
                count = 0
                for block in _blocks(archive, info):
                    count += len(_STRING.findall(block))
                    if count > MAX_STRINGS:
                        raise RegisterError(f"{path}: holds more than {MAX_STRINGS:,} different texts; a register is "
                                            "far smaller (is it the right file?)")


def _blocks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in blocks, each ending before a tag that the next block completes."""
    tail = b""
    with archive.open(info) as handle:
        while block := handle.read(_BLOCK):
            data = tail + block
            cut = data.rfind(b"<", max(0, len(data) - 32))
            cut = len(data) if cut < 0 else cut
            yield data[:cut]
            tail = data[cut:]
    if tail:
        yield tail


def _sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    sheet = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    cells = rows = in_row = 0
    for block in _blocks(archive, info):
        for match in _TAG.finditer(block):
            if match.group(1) == b"row":
                rows += 1
                in_row = 0
                if rows > MAX_ROW_ELEMENTS:
                    raise RegisterError(f"{path}: {sheet} has more than {MAX_ROW_ELEMENTS:,} rows, even if empty; a "
                                        "register has at most 20,000: delete the rows below the table")
                continue
            cells += 1
            in_row += 1
            if in_row > MAX_ROW_CELLS:
                raise RegisterError(f"{path}: {sheet} row {rows:,} has more than {MAX_ROW_CELLS:,} cells; a register "
                                    "has a few dozen columns")
            if cells > MAX_CELLS:
                raise RegisterError(f"{path}: {sheet} has more than {MAX_CELLS:,} cells; a register is far smaller")
