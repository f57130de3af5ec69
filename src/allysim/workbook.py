"""An output folder as an Excel workbook a finance analyst can audit.

``Summary`` (key numbers per plan, real numbers with number formats, then where the numbers come from),
``Partners`` (with partners: per plan and partner, exit probability and tenure; partners at the end), one sheet per
study present (``Compare``, ``Value``, ``Drivers``, ``Optimize``, ``Sweep``, ``Sensitivity``), ``Assumptions`` (the
scenario's settings, risks and contingencies, laid out like a register) and ``Runs`` (runs.csv).

The workbook is written in openpyxl's write-only mode: rows stream to disk as they are made, so a folder with a
million runs never holds a million rows in memory. Excel holds at most 1,048,576 rows a sheet; beyond that the Runs
sheet says so and points to runs.csv. The PNG charts of the folder are pictures beside the tables they belong to. Every
string is written as text, never as a formula (see :mod:`allysim.spreadsheet`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .folder import load_output
from .outputs import atomic_file, make_folder
from .partner_tables import has_partners, partner_rows, partners_at_end_rows
from .spreadsheet import HEADER_FILL, HEADER_FONT, NOTE_FONT, cell, clean_text, save_to, width_of
from .study_registry import RUN_CHARTS, study
from .wording import format_length, median_life, plural

__all__ = ["write_workbook", "EXCEL_ROWS"]

EXCEL_ROWS = 1_048_576
PERCENT, MONEY, NUMBER, WHOLE = "0.0%", "#,##0.00", "0.000", "#,##0"
PROVENANCE = ("scenario", "scenario_file", "scenario_sha256", "allysim_version", "runs", "seed", "horizon",
              "time_unit", "currency")
TITLE = None  # fonts are made on first use: openpyxl is imported only when a workbook is written


@dataclass
class Block:
    """Rows for one small sheet, kept until the column widths are known (write-only sheets need them first)."""

    rows: list[list[Any]] = field(default_factory=list)  # each item: a value, or (value, number format, font)
    widths: dict[int, int] = field(default_factory=dict)
    header_rows: set[int] = field(default_factory=set)

    def add(self, *values: Any, header: bool = False, fit: bool = True) -> int:
        """Add a row; ``fit=False`` for a title or a note, which may run on over the empty cells to its right."""
        self.rows.append(list(values))
        if header:
            self.header_rows.add(len(self.rows))
        for i, value in enumerate(values, start=1):
            shown = value[0] if isinstance(value, tuple) else value
            if fit:
                self.widths[i] = max(self.widths.get(i, 0), min(width_of(shown), 50 if i == 1 else 30))
        return len(self.rows)

    def note(self, text: str, font: Any) -> None:
        self.add((text, None, font), fit=False)

    def blank(self) -> None:
        self.rows.append([])


def _left() -> Any:
    from openpyxl.styles import Alignment

    return Alignment(horizontal="left")


def _fonts() -> dict[str, Any]:
    from openpyxl.styles import Font

    return {"title": Font(bold=True, size=14, color="1F3A5F"), "section": Font(bold=True, size=12,
            color="1F3A5F"), "bold": Font(bold=True), "note": NOTE_FONT, "warn": Font(bold=True, color="9C0006")}


# --------------------------------------------------------------------------- reading the folder


def _consistency(files: dict[str, dict[str, Any]]) -> list[str]:
    """Lines saying which files come from another scenario version, seed or run count than summary.json."""
    if len(files) < 2:
        return []
    names = list(files)
    base_name = "summary.json" if "summary.json" in files else names[0]
    base = files[base_name]
    lines = []
    for name, data in files.items():
        if name == base_name:
            continue
        differ = []
        if data.get("scenario_sha256") and base.get("scenario_sha256") and \
                data["scenario_sha256"] != base["scenario_sha256"]:
            differ.append(f"another version of the scenario (sha256 {data['scenario_sha256'][:12]} against "
                          f"{base['scenario_sha256'][:12]})")
        for key in ("seed", "runs"):
            if data.get(key) is not None and base.get(key) is not None and data[key] != base[key]:
                differ.append(f"{key} {_plain(data[key])} against {_plain(base[key])}")
        if data.get("overrides") != base.get("overrides"):
            differ.append("other --set overrides")
        if differ:
            lines.append(f"{name} comes from {'; '.join(differ)} in {base_name}")
    return lines


def _plain(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


# --------------------------------------------------------------------------- formats and names


def _format(name: str) -> str:
    """The number format of a column or row, from what its name says it holds."""
    low = name.lower()
    if any(w in low for w in ("share", "p_better", "survival", "probability", "p(better)")):
        return PERCENT
    if any(w in low for w in ("npv", "cost", "money", "value created", "shapley_npv")):
        return MONEY
    if low.endswith("index") or "dominated_by" in low or low in ("run", "#"):
        return WHOLE
    return NUMBER


_WORDS = {"npv": "NPV", "ci95": "95% CI", "sd": "SD", "p5": "P5", "p10": "P10", "p50": "P50", "p90": "P90",
          "p95": "P95"}


def _label(key: str) -> str:
    """``shapley_npv_ci95 low`` -> ``shapley NPV 95% CI low``: a column name as a reader says it."""
    words = key.replace("p_better", "P(better)").replace("_", " ").split(" ")
    return " ".join(_WORDS.get(w, w) for w in words)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _flat(entry: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"npv": {"mean": 1, "ci95": [0, 2]}}`` -> ("npv mean", 1), ("npv ci95 low", 0), ("npv ci95 high", 2)."""
    if not isinstance(entry, dict):
        yield prefix or "value", entry
        return
    for key, value in entry.items():
        name = f"{prefix} {key}".strip()
        if isinstance(value, dict):
            yield from _flat(value, name)
        elif isinstance(value, list) and len(value) == 2 and "ci95" in key and \
                all(v is None or _is_number(v) for v in value):
            yield f"{name} low", value[0]
            yield f"{name} high", value[1]
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            yield name, ", ".join(str(v) for v in value) if value else "none"
        elif isinstance(value, list):
            continue  # a nested table (a sensitivity's difference curve): written as its own table
        else:
            yield name, value


def _nested(entry: Any) -> dict[str, list[dict[str, Any]]]:
    """The lists of mappings inside one table row, by key."""
    if not isinstance(entry, dict):
        return {}
    return {k: v for k, v in entry.items() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}


# what one row of a study's secondary table is, by the table's key
_ROW_NAMES = {"plans": "plan", "versus": "measure", "versus_runner_up": "objective", "total": "measure",
              "best": "#"}


def _rows_of(data: Any, label: str) -> list[dict[str, Any]] | None:
    """A study's table as flat rows: from ``{NAME: {...}}``, ``[{...}]`` or ``{NAME: [{...}, ...]}``."""
    if isinstance(data, list) and all(isinstance(i, dict) for i in data):
        return [{"#": n, **dict(_flat(item))} for n, item in enumerate(data)]
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        return [{label: name, **dict(_flat(item))} for name, item in data.items()]
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        return [{label: name, **dict(_flat(item))} for name, items in data.items() for item in items
                if isinstance(item, dict)]
    return None


# --------------------------------------------------------------------------- sheets


def _table(block: Block, rows: list[dict[str, Any]], fonts: dict[str, Any]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    block.add(*[(_label(c), None, None) for c in columns], header=True)
    for row in rows:
        first = str(next(iter(row.values()), ""))  # a row named npv or survival, when a table lists measures
        block.add(*[_value(row.get(c), c if _format(c) != NUMBER else f"{c} {first}") for c in columns])


def _value(value: Any, name: str) -> Any:
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        fmt = _format(name)
        if isinstance(value, int) and fmt == NUMBER:
            fmt = "0" if name.lower() == "seed" else WHOLE  # counts and seeds are whole numbers
        return (value, fmt, None)
    if isinstance(value, bool):
        return value
    return value


def _summary(summary: dict[str, Any], files: dict[str, dict[str, Any]], folder: Path, notes: list[str],
             fonts: dict[str, Any]) -> tuple[Block, int]:
    plans = summary.get("plans") or {}
    names = list(plans)
    block = Block()
    unit = summary.get("time_unit", "time unit")
    horizon = summary.get("horizon")
    currency = summary.get("currency", "")
    block.note(summary.get("scenario", "allysim results"), fonts["title"])
    block.note(f"Key numbers per plan: {_plain(summary.get('runs'))} runs per plan, seed {summary.get('seed')}; "
               f"money in {currency}, present values at t = 0", fonts["note"])
    block.blank()
    header = block.add(("measure", None, None), *[(n, None, None) for n in names], header=True)
    h = format_length(horizon, unit) if _is_number(horizon) else "the horizon"

    def row(label: str, fmt: str, get: Any) -> None:
        values = []
        for n in names:
            try:
                value = get(plans[n])
            except (KeyError, TypeError, IndexError):
                value = None
            values.append((value, fmt, None) if _is_number(value) else value)
        block.add(label, *values)

    row(f"Survival to {h} (probability)", PERCENT, lambda p: p["survival"]["estimate"])
    row("  95% CI low", PERCENT, lambda p: p["survival"]["ci95"][0])
    row("  95% CI high", PERCENT, lambda p: p["survival"]["ci95"][1])
    def life(p: dict[str, Any], key: str) -> Any:
        """A lifetime percentile, or ``more than 10`` (as the console says it) when it lies beyond the horizon."""
        value = p["lifetime"][key]
        if key == "mean" or not _is_number(value) or not _is_number(horizon):
            return value
        beyond = p["survival"]["estimate"] >= {"p10": 0.9, "p50": 0.5, "p90": 0.1}[key]
        return median_life(value, horizon, unit, 1.0, unit=False) if beyond or value >= horizon - 1e-9 else value

    for key, label in (("mean", "mean"), ("p10", "P10"), ("p50", "median (P50)"), ("p90", "P90")):
        row(f"Lifetime {label} ({plural(unit)})", NUMBER, lambda p, k=key: life(p, k))
    row(f"NPV mean ({currency})", MONEY, lambda p: p["npv"]["mean"])
    row("  95% CI low", MONEY, lambda p: p["npv"]["ci95"][0])
    row("  95% CI high", MONEY, lambda p: p["npv"]["ci95"][1])
    row(f"NPV standard deviation ({currency})", MONEY, lambda p: p["npv"]["sd"])
    for key in ("p5", "p10", "p50", "p90", "p95"):
        row(f"NPV {key.upper()} ({currency})", MONEY, lambda p, k=key: p["npv"][k])
    if any("cvar10" in p["npv"] for p in plans.values()):
        row(f"NPV mean of the worst 10% of runs, CVaR ({currency})", MONEY, lambda p: p["npv"]["cvar10"]["estimate"])
        row("  95% CI low", MONEY, lambda p: p["npv"]["cvar10"]["ci95"][0])
        row("  95% CI high", MONEY, lambda p: p["npv"]["cvar10"]["ci95"][1])
        row("Runs losing money, NPV below 0 (share)", PERCENT, lambda p: p["npv"]["p_loss"]["estimate"])
        row("  95% CI low", PERCENT, lambda p: p["npv"]["p_loss"]["ci95"][0])
        row("  95% CI high", PERCENT, lambda p: p["npv"]["p_loss"]["ci95"][1])
    if any("value" in p for p in plans.values()):
        row(f"Value created, mean ({currency})", MONEY, lambda p: p["value"]["mean"])
    row(f"Risk cost, mean ({currency})", MONEY, lambda p: p["risk_cost"]["mean"])
    row(f"Contingency cost, mean ({currency})", MONEY, lambda p: p["contingency_cost"]["mean"])
    row("Resilience, mean (time-average health, 0 to 1)", NUMBER, lambda p: p["resilience"]["mean"])
    if any("min_health" in p for p in plans.values()):
        row("Lowest health, mean", NUMBER, lambda p: p["min_health"]["mean"])
    row("Contingencies in the plan (count)", WHOLE, lambda p: len(p["contingencies_in_plan"]))

    def section(title: str, key: str, fmt: str, field_name: str | None, label: str) -> None:
        ids: list[str] = []
        for p in plans.values():
            ids += [i for i in (p.get(key) or {}) if i not in ids]
        if not ids:
            return
        block.blank()
        block.note(title, fonts["section"])
        for i in ids:
            # labels unique on the sheet, so a lookup by label finds one row
            row(label.format(i) if i != "survived" else "survived", fmt,
                (lambda p, i=i: p[key][i]) if field_name is None else (lambda p, i=i: p[key][i][field_name]))

    members: list[str] = []
    for p in plans.values():
        members += [c for c in p.get("contingencies_in_plan") or () if c not in members]
    if members:
        block.blank()
        block.note("Contingencies in each plan", fonts["section"])
        for c in members:
            block.add(f"{c} in plan", *["yes" if c in (plans[n].get("contingencies_in_plan") or ()) else "no"
                                        for n in names])
    section("How alliances end (share of runs)", "end_causes", PERCENT, None, "ended by {}")
    section("Risk occurrences per run (mean)", "risks", NUMBER, "occurrences_mean", "{} occurrences")
    section("Contingency activations per run (mean)", "contingencies", NUMBER, "activations_mean",
            "{} activations")
    section("Contingency successes per run (mean)", "contingencies", NUMBER, "successes_mean", "{} successes")
    extra = summary.get("uncertain")
    if isinstance(extra, dict) and extra:
        block.blank()
        block.note("Uncertain assumptions (drawn once per run)", fonts["section"])
        block.add("parameter", "P10", "P50", "P90", header=True)
        for path, q in extra.items():
            block.add(path, *[(q.get(k), NUMBER, None) for k in ("p10", "p50", "p90")])
    _provenance(block, summary, files, folder, notes, fonts)
    return block, header


def _provenance(block: Block, summary: dict[str, Any], files: dict[str, dict[str, Any]], folder: Path,
                notes: list[str], fonts: dict[str, Any]) -> None:
    from ._version import __version__

    block.blank()
    block.note("Provenance", fonts["section"])
    rate = summary.get("discount_rate")
    items = [
        ("Scenario", summary.get("scenario")),
        ("Scenario file", summary.get("scenario_file")),
        ("Scenario sha256", summary.get("scenario_sha256")),
        ("Simulated by allysim", summary.get("allysim_version")),
        ("Runs per plan", (summary.get("runs"), WHOLE, None)),
        ("Seed", summary.get("seed")),
        ("Horizon", format_length(summary["horizon"], str(summary.get("time_unit"))) if _is_number(summary.get("horizon"))
         else None),
        ("Currency", summary.get("currency")),
        ("Discount rate (per year)", (rate, PERCENT, None) if _is_number(rate) else rate),
        ("Money", summary.get("money")),
        ("Overrides (--set)", json.dumps(summary["overrides"]) if summary.get("overrides") else None),
        ("Output folder", str(folder)),
        ("Files", ", ".join(files)),
        ("Workbook written by allysim", __version__),
    ]
    left = _left()
    for label, value in items:
        if value is not None and value != (None, WHOLE, None):
            shown = value if isinstance(value, tuple) else (value, None, None)
            block.add((label, None, fonts["bold"]), (*shown, left), fit=False)
    differ = _consistency(files)
    if not differ:
        block.add(("Consistency", None, fonts["bold"]), "every file in the folder comes from the same scenario, "
                                                        "seed and run count", fit=False)
    for line in differ + [n for n in notes if n not in differ]:
        block.add(("Note", None, fonts["warn"]), (line, None, fonts["warn"]), fit=False)


def _study(name: str, data: dict[str, Any], fonts: dict[str, Any]) -> tuple[Block, int]:
    kind = study(name)
    sheet, key, label = kind.sheet, kind.table, kind.row
    block = Block()
    block.note(f"{sheet}: {data.get('scenario') or Path(str(data.get('file') or '')).name}", fonts["title"])
    if data.get("meaning"):
        block.note(data["meaning"], fonts["note"])
    info = [(k, v) for k, v in data.items() if k not in PROVENANCE and k not in (key, "meaning")
            and not _rows_of(v, k)]
    for k in ("runs", "seed"):
        if data.get(k) is not None:
            info.insert(0, (k, data[k]))
    for k, v in info:
        for name_, value in _flat(v, k) if isinstance(v, dict) else [(k, v)]:
            if isinstance(value, list):
                value = ", ".join(str(x) for x in value)
            block.add((_label(name_), None, fonts["bold"]), _value(value, name_))
    block.blank()
    header = 0
    rows = _rows_of(data.get(key), label) or []
    if rows:
        header = len(block.rows) + 1
        _table(block, rows, fonts)
    # nested tables: each row's lists (a sensitivity's difference curve), then other tables of the study
    for entry_name, entry in (data.get(key) or {}).items() if isinstance(data.get(key), dict) else []:
        for sub, items in _nested(entry).items():
            block.blank()
            block.note(f"{_label(sub)}: {entry_name}", fonts["section"])
            _table(block, [dict(_flat(i)) for i in items], fonts)
    for k, v in data.items():
        if k in (key,) or k in PROVENANCE:
            continue
        more = _rows_of(v, _ROW_NAMES.get(k, k))
        if more:
            block.blank()
            block.note(_label(k), fonts["section"])
            _table(block, more, fonts)
    return block, header


def _partners(summary: dict[str, Any], fonts: dict[str, Any]) -> Block:
    """The Partners sheet: per plan and partner, its exit probability (95% CI) and mean tenure; partners at the end."""
    block = Block()
    block.note(f"Partners: {summary.get('scenario', '')}", fonts["title"])
    block.note("Exit probability: the share of runs in which the partner left by the horizon or the end of the "
               "alliance (Wilson 95% CI); tenure: its mean time in", fonts["note"])
    _table(block, partner_rows(summary), fonts)
    block.blank()
    block.note("Partners in at the end", fonts["section"])
    _table(block, partners_at_end_rows(summary), fonts)
    return block


def _assumptions(folder: Path, summary: dict[str, Any] | None, fonts: dict[str, Any]) -> Block:
    from .register.export import scenario_tables
    from .register.layout import SHEETS

    block = Block()
    block.note("Assumptions: the scenario these results come from", fonts["title"])
    data, source = _scenario_data(folder, summary)
    if data is None:
        block.note(source, fonts["note"])
        for group, columns in (("risks", ("id", "name", "category")), ("contingencies", ("id", "name"))):
            entries = (summary or {}).get(group) or {}
            if entries:
                block.blank()
                block.note(group.capitalize(), fonts["section"])
                block.add(*columns, header=True)
                for i, e in entries.items():
                    block.add(i, *[e.get(c, "") for c in columns[1:]])
        return block
    block.note(f"From {source}; laid out like a risk register (see docs/spreadsheets.md)", fonts["note"])
    tables, left_out = scenario_tables(data)
    if left_out:
        block.note(f"Also in the scenario, not shown here: {', '.join(left_out)} (see the scenario file)",
                   fonts["note"])
    for sheet, columns in SHEETS.items():
        rows = tables.get(sheet) or []
        if not rows:
            continue
        block.blank()
        block.note(sheet, fonts["section"])
        used = [c.name for c in columns if any(r.get(c.name) not in (None, "") for r in rows)]
        block.add(*[(u, None, None) for u in used], header=True)
        for r in rows:
            block.add(*[r.get(u) for u in used])  # as the scenario states them: no rounding format
    return block


def _scenario_data(folder: Path, summary: dict[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    """The scenario's raw data (units as written) and where it came from, or None and why not."""
    from .errors import ScenarioError
    from .scenario.yamlio import load_yaml

    candidates = [folder / "scenario.yaml"]
    named = (summary or {}).get("scenario_file")
    if named:
        candidates += [Path(named), folder.parent / Path(named).name]
    expected = (summary or {}).get("scenario_sha256")
    for path in candidates:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if expected and hashlib.sha256(raw).hexdigest() != expected and path.name != "scenario.yaml":
            continue
        try:
            data, _ = load_yaml(raw, str(path))
        except ScenarioError:
            continue
        if isinstance(data, dict):
            return data, str(path)
    return None, ("The scenario file is not in the folder (scenario.yaml) nor where it was run from with the same "
                  "contents; only the ids and names of its risks and contingencies are shown.")


# --------------------------------------------------------------------------- writing


def _run_charts_on(folder: Path, sheet: str) -> list[Path]:
    """The PNGs of the run's charts that the workbook puts on ``sheet`` (each chart's ``sheet`` in the registry)."""
    return [folder / f"{c.name}.png" for c in RUN_CHARTS if c.sheet == sheet and (folder / f"{c.name}.png").exists()]


def _emit(wb: Any, title: str, block: Block, freeze: str | None, fonts: dict[str, Any],
          pictures: list[Path] = ()) -> None:
    from openpyxl.utils import get_column_letter

    from .spreadsheet import fit_widths, landscape

    ws = wb.create_sheet(title)
    landscape(ws)
    fit_widths(ws, {i: w + 1 for i, w in block.widths.items()})
    if freeze:
        ws.freeze_panes = freeze
    for n, values in enumerate(block.rows, start=1):
        out = []
        for value in values:
            if isinstance(value, tuple):
                v, fmt, font, *align = value
                out.append(cell(ws, v, fmt, font, alignment=align[0] if align else None))
            else:
                out.append(cell(ws, value))
        if n in block.header_rows:
            for c in out:
                c.font, c.fill = HEADER_FONT, HEADER_FILL
        ws.append(out)
    column = get_column_letter(max(block.widths, default=1) + 2)
    _pictures(ws, pictures, column)


def _pictures(ws: Any, pictures: list[Path] | tuple[Path, ...], column: str, row: int = 1) -> None:
    from openpyxl.drawing.image import Image

    for path in pictures:
        image = Image(str(path))
        scale = 720 / image.width if image.width else 1
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        ws.add_image(image, f"{column}{row}")
        row += math.ceil(image.height / 20) + 2


def _count_rows(path: Path) -> int:
    """Data rows of a CSV file (lines after the header), counted without parsing it."""
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        fh.seek(max(0, fh.tell() - 1))
        unterminated = fh.read(1) not in (b"\n", b"")
    return max(0, lines + unterminated - 1)


def _runs(wb: Any, path: Path, total: int, fonts: dict[str, Any]) -> None:
    """Stream runs.csv into the Runs sheet, row by row; beyond Excel's row limit, say so."""
    from .spreadsheet import fit_widths, landscape

    ws = wb.create_sheet("Runs")
    landscape(ws)
    room = EXCEL_ROWS - 2
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        fit_widths(ws, {i: max(12, width_of(h) + 2) for i, h in enumerate(header, start=1)})
        ws.freeze_panes = "A3"
        if total > room:
            line = _truncated(total)
            ws.append([cell(ws, line, font=fonts["warn"])])
        else:
            ws.append([cell(ws, f"runs.csv: one row per run and plan ({total:,} rows); money in present values",
                            font=fonts["note"])])
        ws.append([cell(ws, h, font=HEADER_FONT, fill=HEADER_FILL) for h in header])
        columns = _RunColumns(ws, header)
        for n, values in enumerate(reader):
            if n >= room:
                break
            ws.append(columns.row(values))


def _truncated(total: int) -> str:
    return (f"runs.csv holds {total:,} rows; a sheet holds at most {EXCEL_ROWS:,}, so the Runs sheet shows the first "
            f"{EXCEL_ROWS - 2:,}. Every row is in runs.csv in the output folder.")


def _run_kind(name: str) -> tuple[str, str | None]:
    if name in ("plan", "end_cause", "env_state_at_end"):
        return "text", None
    if name == "survived":
        return "bool", None
    if name == "run":
        return "int", None
    return "number", MONEY if any(w in name for w in ("npv", "cost", "value")) else NUMBER


class _RunColumns:
    """One reusable, pre-formatted cell per column of runs.csv.

    A million rows of ten cells: making and styling a cell object for each value costs several times what writing
    it does, so each column's cell is made once and given each row's value in turn (the write-only sheet writes a
    row out as soon as it is appended, so the cell is free again for the next row).
    """

    def __init__(self, ws: Any, header: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell

        self.kinds = [_run_kind(h) for h in header]
        self.cells = []
        for _, fmt in self.kinds:
            target = WriteOnlyCell(ws)
            if fmt:
                target.number_format = fmt
            self.cells.append(target)

    def row(self, values: list[str]) -> list[Any]:
        out: list[Any] = []
        for text, (how, _), target in zip(values, self.kinds, self.cells):
            if text == "":
                out.append(None)
                continue
            value: Any = text
            if how == "bool" and text in ("true", "false"):
                value = text == "true"
            elif how in ("int", "number"):
                try:
                    value = int(text) if how == "int" else float(text)
                except ValueError:
                    pass
            _set(target, value)
            out.append(target)
        return out


def _set(target: Any, value: Any) -> None:
    """Give a reused cell a value without openpyxl's per-value type inference (the type is known here)."""
    if isinstance(value, bool):
        target._value, target.data_type = value, "b"
    elif isinstance(value, float) and math.isfinite(value):
        target._value, target.data_type = repr(value), "n"  # the shortest repr reads back exactly
    elif isinstance(value, int):
        target._value, target.data_type = value, "n"
    else:
        target._value, target.data_type = clean_text(str(value)), "s"  # text, never a formula


def write_workbook(folder: str | Path, out: str | Path | None = None) -> tuple[Path, list[str]]:
    """Write an output folder as an Excel workbook; return its path and notes worth telling the user.

    Raises :class:`OutputError` when the folder holds no allysim results.

    Examples
    --------
    >>> path, notes = write_workbook("reports/joint_venture")     # doctest: +SKIP
    """
    from openpyxl import Workbook

    folder = Path(folder)
    # the one reader of a folder, with every check; the run's files whole when the folder has a run
    data = load_output(folder, run_files=(folder / "summary.json").exists() and (folder / "runs.csv").exists())
    summary = dict(data.summary) or None
    studies = {name: dict(study_data) for name, study_data in data.studies.items()}
    files = ({"summary.json": summary} if summary else {}) | {study(n).file: d for n, d in studies.items()
                                                              if study(n).simulated}
    notes = _consistency(files)
    runs_csv = folder / "runs.csv"
    total = _count_rows(runs_csv) if runs_csv.exists() else 0
    if total > EXCEL_ROWS - 2:
        notes.append(_truncated(total))
    charts = _run_charts_on(folder, "Summary")
    if summary is not None and not charts:
        notes.append(f"no PNG charts in {folder}; draw them with `allysim report {folder} --format png` to have "
                     "them in the workbook")
    target = Path(out) if out is not None else folder / "workbook.xlsx"
    make_folder(target.parent, "workbook")
    # the file is opened first: a place that cannot be written fails at once, before openpyxl has sheets half-written
    with atomic_file(target, what="workbook") as handle:
        fonts = _fonts()
        wb = Workbook(write_only=True)
        wb.properties.creator = wb.properties.lastModifiedBy = "allysim"  # how allysim knows its own file again
        if summary is not None:
            block, header = _summary(summary, files, folder, notes, fonts)
            _emit(wb, "Summary", block, f"B{header + 1}", fonts, charts)
        if has_partners(summary):
            _emit(wb, "Partners", _partners(summary, fonts), "C4", fonts, _run_charts_on(folder, "Partners"))
        for name, study_data in studies.items():
            block, header = _study(name, study_data, fonts)
            charts = [folder / f"{c.name}.png" for c in study(name).charts if (folder / f"{c.name}.png").exists()]
            _emit(wb, study(name).sheet, block, f"B{header + 1}" if header else None, fonts, charts)
        simulated = summary or next((d for n, d in studies.items() if study(n).simulated), None)
        if simulated is not None:  # a calibration alone was fitted to a history, not simulated from a scenario
            _emit(wb, "Assumptions", _assumptions(folder, simulated, fonts), None, fonts)
        if runs_csv.exists():
            _runs(wb, runs_csv, total, fonts)
        save_to(wb, handle)
    return target, notes
