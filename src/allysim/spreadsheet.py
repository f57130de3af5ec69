"""Writing cells with openpyxl the way every allysim workbook does: text stays text, headers look alike.

User text (scenario, plan, risk names) is free text and may start with ``=``, ``+``, ``-`` or ``@``; a spreadsheet
would run such a cell as a formula (``=cmd|' /C calc'!A0``). Every string is therefore written as a string cell
(openpyxl's data type ``s``), never a formula, whatever it starts with.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["HEADER_FILL", "HEADER_FONT", "NOTE_FONT", "cell", "clean_text", "fit_widths", "landscape", "put",
           "save_to", "style_header", "width_of"]

MIN_WIDTH, MAX_WIDTH = 8, 60


def _styles() -> tuple[Any, Any, Any, Any]:
    from openpyxl.styles import Alignment, Font, PatternFill

    return (Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F3A5F"),
            Font(italic=True, color="595959"), Alignment(wrap_text=True, vertical="top"))


HEADER_FONT, HEADER_FILL, NOTE_FONT, WRAP = _styles()


def clean_text(text: str) -> str:
    """``text`` without the control characters a workbook cannot hold (each becomes U+FFFD)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def _literal(target: Any, value: Any) -> None:
    if isinstance(value, str):
        value = clean_text(value)
    target.value = value
    if isinstance(value, str):
        target.data_type = "s"  # never a formula: text that starts with '=' stays text
    elif isinstance(value, float) and math.isfinite(value):
        # openpyxl writes floats with 16 significant digits, which can miss the last bit; the shortest repr
        # reads back exactly, so the workbook holds the very numbers of summary.json
        target._value = repr(value)


def cell(ws: Any, value: Any, number_format: str | None = None, font: Any = None, fill: Any = None,
         alignment: Any = None) -> Any:
    """A cell for a write-only sheet's ``append``: strings stay strings, numbers keep ``number_format``."""
    from openpyxl.cell import WriteOnlyCell

    out = WriteOnlyCell(ws)
    _literal(out, value)
    if number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        out.number_format = number_format
    if font is not None:
        out.font = font
    if fill is not None:
        out.fill = fill
    if alignment is not None:
        out.alignment = alignment
    return out


def put(ws: Any, row: int, column: int, value: Any, number_format: str | None = None, font: Any = None) -> Any:
    """Write one cell of an ordinary sheet, strings as strings."""
    target = ws.cell(row=row, column=column)
    _literal(target, value)
    if number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        target.number_format = number_format
    if font is not None:
        target.font = font
    return target


def style_header(cells: Iterable[Any]) -> None:
    for target in cells:
        target.font = HEADER_FONT
        target.fill = HEADER_FILL


def width_of(value: Any) -> int:
    """Characters a value needs in a column, roughly as a spreadsheet shows it."""
    if value is None:
        return 0
    if isinstance(value, float):
        return min(len(f"{value:,.4g}") + 2, 14)
    text = str(value)
    return max((len(line) for line in text.split("\n")), default=0) + 2


def fit_widths(ws: Any, widths: dict[int, int]) -> None:
    """Set each column's width (1-based index -> characters), within readable bounds."""
    from openpyxl.utils import get_column_letter

    for index, chars in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = max(MIN_WIDTH, min(MAX_WIDTH, chars))


def landscape(ws: Any) -> None:
    """Print a sheet landscape, one page wide: a register or a table reads across, not over a dozen pages."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save_to(wb: Any, handle: Any) -> None:
    """Save ``wb`` into an open binary file, as ``wb.save`` does, but leave nothing behind when writing fails.

    openpyxl's zip writer would stay alive past a failed write (a full disk), and when it is collected, later,
    try to finish the file it wrote into, long closed, printing a traceback after allysim's one-line message.
    """
    import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    archive = ZipFile(handle, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
    try:
        ExcelWriter(wb, archive).save()
    except BaseException as exc:
        archive.fp = None  # nothing more is written: closing it, now or when it is collected, touches no file
        _let_go(wb, exc)
        raise


def _let_go(wb: Any, exc: BaseException) -> None:
    """Close now, quietly, what a failed save leaves half-way (the sheets' XML writers, mid-element, and their
    temporary files), rather than let them complain when they are collected, after the one line that tells the
    user what happened."""
    import gc
    import inspect
    import sys
    import traceback

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        for ws in wb.worksheets:
            writer = getattr(ws, "_writer", None)
            for stream in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
                if inspect.isgenerator(stream):
                    try:
                        stream.close()
                    except Exception:  # noqa: BLE001 - lxml objects to leaving an element unfinished: it is
                        pass
            try:
                writer.cleanup()  # its temporary file
            except Exception:  # noqa: BLE001 - no writer, or nothing to clean up
                pass
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
