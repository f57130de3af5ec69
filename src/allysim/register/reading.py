"""Reading a register's sheets: an ``.xlsx`` workbook (values only: formulas as saved, macros never run) or a folder
of CSV files, into tables of named columns whose cells remember where they are."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RegisterError
from ..files import is_input
from ..scenario.messages import suggest
from ..scenario.yamlio import shorten
from .bombs import measure_workbook
from .layout import SHEETS

__all__ = ["Cell", "Bad", "Row", "Table", "Source", "cell_value", "read_table"]

MAX_ROWS = 20_000          # rows per sheet: a register is hundreds of rows; more is a mistake or a hostile file
MAX_COLUMNS = 60
MAX_UNZIPPED = 100_000_000  # bytes an .xlsx may expand to: a zip bomb is refused before anything is parsed
MAX_CSV_BYTES = 20_000_000
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")

@dataclass(frozen=True)
class Cell:
    """A cell's place, for messages: the file, its sheet and the A1 reference."""

    file: str
    sheet: str
    ref: str
    column: str = ""

    def error(self, message: str) -> str:
        return f"{self.file}:{self.sheet}!{self.ref}: {message}"


@dataclass
class Bad:
    """A cell whose content cannot be used at all (a date, an Excel error, a formula never calculated)."""

    message: str


@dataclass
class Row:
    number: int
    cells: dict[str, tuple[Any, Cell]]  # column name -> (value, cell)

    def value(self, column: str) -> Any:
        return self.cells[column][0] if column in self.cells else None

    def filled(self, *columns: str) -> list[str]:
        return [c for c in columns if self.value(c) is not None]


@dataclass
class Table:
    """One sheet: its header (column name -> cell) and its data rows."""

    name: str
    file: str
    header_row: int
    columns: dict[str, Cell] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def cell(self, column: str, row: int) -> Cell:
        ref = self.columns.get(column)
        letter = re.sub(r"\d+", "", ref.ref) if ref else "A"
        return Cell(self.file, self.name, f"{letter}{row}", column)

    def end(self) -> Cell:
        """The first cell after the last row, where a missing row would go."""
        last = self.rows[-1].number if self.rows else self.header_row
        return Cell(self.file, self.name, f"A{last + 1}")


class Source:
    """Where a register's sheets come from: one workbook, or a folder of CSV files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw: dict[str, list[tuple[int, list[Any]]]] = {}
        self.files: dict[str, str] = {}

    @classmethod
    def open(cls, path: Path) -> "Source":
        source = cls(path)
        if path.is_dir():
            source._read_csv_folder()
        elif not path.exists():
            raise RegisterError(f"{path}: no such file or folder")
        elif not is_input(path):
            raise RegisterError(f"{path}: not a file (a FIFO, a socket or a device); give an .xlsx workbook or a "
                                "folder of .csv files")
        elif path.suffix.lower() in (".xlsx", ".xlsm"):
            source._read_workbook()
        elif path.suffix.lower() == ".csv":
            raise RegisterError(f"{path}: a register in CSV is a folder of files named after its sheets "
                                f"(Alliance.csv, Risks.csv, ...); give the folder, not one file")
        elif path.suffix.lower() in (".xls", ".ods", ".numbers"):
            raise RegisterError(f"{path}: allysim reads .xlsx workbooks; save it as Excel Workbook (.xlsx)")
        else:
            raise RegisterError(f"{path}: not a register; give an .xlsx workbook or a folder of .csv files")
        return source

    def _read_workbook(self) -> None:
        import openpyxl

        path = self.path
        try:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise RegisterError(f"{path}: not a readable .xlsx workbook ({exc}); save it again as Excel "
                                "Workbook (.xlsx)") from None
        if unzipped > MAX_UNZIPPED:
            raise RegisterError(f"{path}: the workbook expands to {unzipped:,} bytes; a register is far smaller "
                                f"(limit {MAX_UNZIPPED:,})")
        measure_workbook(path)  # cells, rows and strings counted on the raw XML, before openpyxl parses anything
        try:
            # data_only: formula cells give the value the spreadsheet saved; nothing is ever calculated or run
            # (openpyxl neither evaluates formulas nor runs macros; keep_vba=False drops an .xlsm's macros)
            values = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False,
                                            keep_links=False)
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_vba=False,
                                              keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file: each one is the user's file
            raise RegisterError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: "
                                f"{shorten(str(exc), 120)})") from None
        try:
            for ws in values.worksheets:
                self.files[ws.title] = str(path)
                self.raw[ws.title] = self._sheet_rows(ws, formulas[ws.title])
        except RegisterError:
            raise
        except Exception as exc:
            raise RegisterError(f"{path}: the workbook could not be read ({type(exc).__name__}: "
                                f"{shorten(str(exc), 120)})") from None
        finally:
            values.close()
            formulas.close()

    def _sheet_rows(self, ws: Any, formulas: Any) -> list[tuple[int, list[Any]]]:
        ws.reset_dimensions()  # a file's stated dimensions may be wrong: read every row there is
        formulas.reset_dimensions()
        rows: list[tuple[int, list[Any]]] = []
        pairs = zip(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True),
                    formulas.iter_rows(max_col=MAX_COLUMNS, values_only=True))
        for number, (cached, written) in enumerate(pairs, start=1):
            if number > MAX_ROWS + 1:
                if any(v is not None for v in cached):
                    raise RegisterError(f"{self.path}:{ws.title}!A{number}: more than {MAX_ROWS:,} rows; a "
                                        "register is far smaller")
                continue
            out = list(cached)
            for i, (value, formula) in enumerate(zip(cached, written)):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    out[i] = Bad("is a formula with no saved value (the file was written by a program that "
                                 "does not calculate); open and save it in Excel or LibreOffice, or type the value")
            rows.append((number, out))
        return rows

    def _read_csv_folder(self) -> None:
        for file in sorted(self.path.iterdir()):
            if file.suffix.lower() != ".csv" or not file.is_file():
                continue
            data = file.read_bytes()[: MAX_CSV_BYTES + 1]
            if len(data) > MAX_CSV_BYTES:
                raise RegisterError(f"{file}: more than {MAX_CSV_BYTES:,} bytes; a register is far smaller")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")  # what Excel's plain "CSV" saves on Windows
            first = text.split("\n", 1)[0]
            delimiter = max(",;\t", key=first.count) if first else ","
            rows: list[tuple[int, list[Any]]] = []
            # newline="": a line may end in \n, \r\n or \r alone (old Mac spreadsheets), as csv expects
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            number = 0
            try:
                for number, values in enumerate(reader, start=1):
                    if number > MAX_ROWS + 1:
                        raise RegisterError(f"{file}:{file.stem}!A{number}: more than {MAX_ROWS:,} rows; a "
                                            "register is far smaller")
                    rows.append((number, values[:MAX_COLUMNS]))
            except csv.Error as exc:  # a field over csv's limit (128 KiB), a stray NUL byte
                raise RegisterError(f"{file}:{file.stem}!A{number + 1}: cannot be read as CSV ({exc}); a register's "
                                    "cells are short text and numbers") from None
            self.raw[file.stem] = rows
            self.files[file.stem] = str(file)
        if not self.raw:
            raise RegisterError(f"{self.path}: no .csv files; a register folder holds Alliance.csv, Risks.csv "
                                "and optionally Cascades.csv, Contingencies.csv, Plans.csv")


def _letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_value(raw: Any) -> Any:
    """A cell as allysim reads it: None (blank), a number, true/false, text, or :class:`Bad`.

    Numbers typed as text (``"0.15"``, ``"1,200"``) and percentages (``"8%"``) become numbers; units
    (``"18 months"``, ``"2.5M"``) stay text for the scenario to convert, as in YAML.
    """
    if raw is None or isinstance(raw, (bool, Bad)):
        return raw
    if isinstance(raw, (int, float)):
        return raw if math.isfinite(raw) else Bad("is not a finite number")
    if isinstance(raw, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return Bad("holds a date or a time; type a number (for a duration, a number and a unit, e.g. "
                   "'18 months')")
    text = str(raw).strip()
    if not text:
        return None
    if text.upper() in EXCEL_ERRORS:
        return Bad(f"holds the spreadsheet error {text}; fix the formula or type a value")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Bad("holds characters that are not valid Unicode text")
    plain = text.replace(" ", "")
    if _NUMBER.match(plain) or _THOUSANDS.match(plain):
        number = plain.replace(",", "")
        return int(number) if re.fullmatch(r"[-+]?\d+", number) else float(number)
    if plain.endswith("%") and (_NUMBER.match(plain[:-1]) or _THOUSANDS.match(plain[:-1])):
        return float(plain[:-1].replace(",", "")) / 100
    return text


def read_table(source: Source, sheet: str, found: str, problems: list[str]) -> Table:
    """Turn one sheet's raw rows into a table of named columns; unknown headers are problems."""
    file = source.files[found]
    layout = {c.name for c in SHEETS[sheet]}
    rows = source.raw[found]
    table = Table(sheet if found == sheet else found, file, header_row=1)
    header_at = next((i for i, (_, values) in enumerate(rows) if any(cell_value(v) is not None for v in values)),
                     None)
    if header_at is None:
        return table
    number, header = rows[header_at]
    table.header_row = number
    for i, raw in enumerate(header):
        name = cell_value(raw)
        where = Cell(file, table.name, f"{_letter(i)}{number}")
        if name is None:
            continue
        key = re.sub(r"[\s\-]+", "_", str(name).strip().lower()) if not isinstance(name, Bad) else ""
        if key == "notes" or key.startswith("#"):
            continue
        if key not in layout:
            hint = suggest(key, layout)
            problems.append(where.error(f"unknown column '{shorten(str(name))}'{hint}; the {sheet} sheet's "
                                        f"columns are {', '.join(c.name for c in SHEETS[sheet])}"))
            continue
        if key in table.columns:
            problems.append(where.error(f"column '{key}' appears twice (also at {table.columns[key].ref})"))
            continue
        table.columns[key] = Cell(file, table.name, where.ref, key)
    notes = {c.name: c.note for c in SHEETS[sheet]}
    for number, values in rows[header_at + 1:]:
        cells: dict[str, tuple[Any, Cell]] = {}
        first = next((cell_value(v) for v in values if cell_value(v) is not None), None)
        if first is None or (isinstance(first, str) and first.startswith("#")):
            continue  # blank rows, and comment rows such as the template's notes row, are skipped
        if _is_notes_row(table, values, notes):
            continue  # the template's notes row, whose first column (and its "#") was deleted
        for name, head in table.columns.items():
            index = _column_index(head.ref)
            raw = values[index] if index < len(values) else None
            cells[name] = (cell_value(raw), table.cell(name, number))
        table.rows.append(Row(number, cells))
    return table


def _is_notes_row(table: Table, values: list[Any], notes: dict[str, str]) -> bool:
    """Whether a row holds the template's notes under its columns: some cell is its column's note, word for word."""
    for name, head in table.columns.items():
        index = _column_index(head.ref)
        value = cell_value(values[index]) if index < len(values) else None
        if isinstance(value, str) and value.strip() == notes.get(name, "").lstrip("# ").strip():
            return True
    return False


def _column_index(ref: str) -> int:
    index = 0
    for ch in re.sub(r"\d+", "", ref):
        index = index * 26 + ord(ch) - 64
    return index - 1

