"""A scenario file as a register (``allysim export``): an ``.xlsx`` workbook or a folder of CSV files, written only
when importing it gives back the same scenario.

Nothing is dropped silently: the register is written to a scratch folder, imported again and compared with the
scenario (every field and every uncertain assumption). Anything a register cannot carry is refused with one line
located in the YAML (``jv.yaml:41:7: risks[3].impact.exit: ...``), exit code 2, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from ..errors import RegisterError
from ..outputs import claim_file, write_bytes
from ..scenario import load_scenario, parse_scenario
from ..scenario.yamlio import Locations, format_path, load_yaml, shorten
from ..text import FORMULA_START
from .export import Tables, scenario_tables, write_register
from .layout import SHEETS
from .reading import cell_value

__all__ = ["export_register", "write_csv_register", "facts"]


def facts(scenario: Any) -> tuple[dict, dict]:
    """What makes two scenarios the same: every validated field, and each uncertain assumption's distribution."""
    return scenario.model_dump(), {k: u.distribution.model_dump() for k, u in scenario.uncertain.items()}


def export_register(source: str | Path, out: str | Path, force: bool = False) -> Path:
    """Write the scenario file ``source`` as a register at ``out`` (``.xlsx``, or a folder of CSV files).

    Raises :class:`~allysim.errors.ScenarioError` for a scenario that does not validate, and
    :class:`RegisterError` (one located line) for anything the register could not carry; nothing is written then.
    """
    source, out = Path(source), Path(out)
    scenario = load_scenario(source)  # a scenario that does not validate is refused as run refuses it
    data, locations = load_yaml(source.read_bytes(), str(source))
    tables, left_out = scenario_tables(data)
    if left_out:
        raise RegisterError([locations.error((key,), "a register has no place for this; keep the scenario in "
                                                      "YAML, or remove it to export", key=True) for key in left_out])
    xlsx = out.suffix.lower() == ".xlsx"
    if not xlsx:
        _no_formulas(data, locations)
    _claim(out, tables, xlsx, force)
    with tempfile.TemporaryDirectory(prefix="allysim-export-") as scratch:
        trial = Path(scratch) / ("register.xlsx" if xlsx else "register")
        _write(tables, trial, xlsx, data.get("name"))
        again = reimport(trial)
    if again is None or facts(again) != facts(scenario):
        raise RegisterError(_difference(facts(scenario), None if again is None else facts(again), locations))
    return _write(tables, out, xlsx, data.get("name"))


def reimport(register: Path) -> Any:
    """The scenario a register imports to, or None when it does not import."""
    from . import import_register

    try:
        return parse_scenario(import_register(register), source="<register>")
    except RegisterError:
        return None


def _no_formulas(data: Any, locations: Locations, path: tuple = ()) -> None:
    """Refuse text that a spreadsheet opening a CSV file would run as a formula (an .xlsx holds it as text)."""
    if isinstance(data, dict):
        for key, value in data.items():
            _no_formulas(value, locations, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _no_formulas(value, locations, path + (i,))
    elif isinstance(data, str) and data.startswith(FORMULA_START) and isinstance(cell_value(data), str):
        raise RegisterError(locations.error(path, f"starts with {data[0]!r}, which a spreadsheet opening the CSV "
                                                  "file would run as a formula; export to FILE.xlsx instead (its "
                                                  "cells hold text as text), or change the text"))


def _claim(out: Path, tables: Tables, xlsx: bool, force: bool) -> None:
    """Refuse to replace files allysim did not write (a register edited by hand), unless ``force``."""
    if xlsx:
        claim_file(out, force)
        return
    if out.exists() and not out.is_dir():
        raise RegisterError(f"{out}: is a file; a CSV register is a folder (give a folder name, or FILE.xlsx)")
    for name in SHEETS:  # a sheet file left from an earlier export would be imported with the new ones
        claim_file(out / f"{name}.csv", force, recognise=False)


def _sheets(tables: Tables) -> list[str]:
    """The sheets a register writes: the required ones, and every other one that has rows."""
    return [name for name in SHEETS if name in ("Alliance", "Risks") or tables.get(name)]


def _write(tables: Tables, out: Path, xlsx: bool, title: Any) -> Path:
    if xlsx:
        return write_register(tables, out, title=str(title) if title else None)
    return write_csv_register(tables, out)


def write_csv_register(tables: Tables, folder: str | Path) -> Path:
    """Write register ``tables`` as a folder of CSV files, one per sheet with rows: a header, the notes row (which
    starts with ``#``, so importing skips it), then the rows. Each file is written atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in _sheets(tables):
        columns = SHEETS[name]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        writer.writerow([c.note for c in columns])
        for row in tables.get(name, []):
            writer.writerow([_csv_cell(row.get(c.name)) for c in columns])
        write_bytes(folder / f"{name}.csv", buffer.getvalue().encode("utf-8"))
    for name in set(SHEETS) - set(_sheets(tables)):
        (folder / f"{name}.csv").unlink(missing_ok=True)  # replaced (claimed above): no stale sheet stays
    return folder


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _difference(expected: tuple, got: tuple | None, locations: Locations) -> list[str]:
    """One located line naming the first field the register did not carry."""
    if got is None:
        return [locations.error((), "the register written from this scenario does not import back; keep the "
                                    "scenario in YAML")]
    path = _first_difference(expected[0], got[0])
    if path is None:
        key = next(k for k in expected[1] if expected[1][k] != got[1].get(k))
        return [locations.error((), f"{key}: a register cannot carry this uncertain assumption; keep the scenario "
                                    "in YAML")]
    yaml_path = tuple("if" if p == "condition" else p for p in path)
    value = _at(got[0], path)
    what = "it would be lost" if value is None else f"it would read back as {shorten(repr(value), 60)}"
    return [locations.error(yaml_path, f"a register cannot carry this ({what}); keep the scenario in YAML, or "
                                       f"change {format_path(yaml_path)} to export it")]


def _first_difference(a: Any, b: Any, path: tuple = ()) -> tuple | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            found = _first_difference(a.get(key), b.get(key), path + (key,))
            if found is not None:
                return found
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, path + (i,))
            if found is not None:
                return found
        return None
    return None if a == b else path


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, (list, tuple)) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data
