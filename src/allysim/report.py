"""Read an output folder back and (re)draw its charts: what ``allysim run`` and ``allysim report`` share.

An output folder holds ``summary.json``, ``runs.csv`` and ``health.json`` (SPEC section 5). :func:`load_output`
reads them into an :class:`OutputData`; :func:`render_charts` draws the four charts of a run from it and writes
them, atomically, in each requested format. The charts depend on nothing but those three files, so
``allysim report DIR`` on a copied folder redraws the same pictures as the ``allysim run`` that wrote it.

Examples
--------
>>> from allysim.report import load_output, render_charts
>>> data = load_output("reports/joint_venture")                      # doctest: +SKIP
>>> render_charts(data, "reports/joint_venture", formats=("png", "svg"))  # doctest: +SKIP
[PosixPath('reports/joint_venture/survival.png'), ...]
"""

from __future__ import annotations

import csv
import json
import os
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import charts, theme
from .errors import OutputError, UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CHARTS", "FORMATS", "HealthBands", "OutputData", "RunTable", "draw_charts", "load_output",
           "parse_formats", "render_charts"]

CHARTS = ("survival", "npv", "health", "causes")
FORMATS = theme.FORMATS
BANDS = ("p5", "p25", "p50", "p75", "p95")
RUNS_COLUMNS = ("plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost", "contingency_cost",
                "min_health", "resilience")
_NUMBERS = ("lifetime", "npv", "risk_cost", "contingency_cost", "min_health", "resilience")


@dataclass(frozen=True)
class RunTable:
    """One plan's per-replication outcomes (the columns of ``runs.csv``), ordered by replication index."""

    run: np.ndarray
    lifetime: np.ndarray
    survived: np.ndarray  # bool
    end_cause: np.ndarray  # object array of str: a risk id or "survived"
    npv: np.ndarray
    risk_cost: np.ndarray
    contingency_cost: np.ndarray
    min_health: np.ndarray
    resilience: np.ndarray


@dataclass(frozen=True)
class HealthBands:
    """Percentiles of health on a time grid per plan (``health.json``); dissolved alliances count as 0."""

    grid: np.ndarray
    dissolve_below: float
    time_unit: str
    plans: Mapping[str, Mapping[str, np.ndarray]]  # plan -> {"p5", "p25", "p50", "p75", "p95"} -> values

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> HealthBands:
        """Build from the ``health.json`` dictionary."""
        grid = np.asarray(raw["grid"], dtype=float)
        plans = {plan: {k: np.asarray(v[k], dtype=float) for k in BANDS} for plan, v in raw["plans"].items()}
        return cls(grid, float(raw["dissolve_below"]), str(raw.get("time_unit", "year")), plans)


@dataclass(frozen=True)
class OutputData:
    """Everything the charts of a run are drawn from.

    ``allysim run`` may build one in memory; ``allysim report`` reads one with :func:`load_output`.

    Parameters
    ----------
    summary
        The ``summary.json`` dictionary; its ``plans`` order is the plan order (the baseline first).
    runs
        Per plan, the per-replication outcomes.
    health
        The health percentile bands; None skips the health chart (only for data built in memory: a folder
        without ``health.json`` is refused by :func:`load_output`).
    """

    summary: Mapping[str, Any]
    runs: Mapping[str, RunTable]
    health: HealthBands | None = None
    folder: Path | None = field(default=None, compare=False)

    @property
    def plans(self) -> list[str]:
        """Plan names in the summary's order, the baseline first."""
        return list(self.summary["plans"])

    @property
    def provenance(self) -> theme.Provenance:
        """The footer of every chart."""
        return theme.Provenance.from_summary(self.summary)


def load_output(folder: str | os.PathLike[str]) -> OutputData:
    """Read an output folder written by ``allysim run``.

    Raises
    ------
    OutputError
        The folder, ``summary.json``, ``runs.csv`` or ``health.json`` is missing or unreadable, or they disagree
        on the plans.

    Examples
    --------
    >>> data = load_output("reports/joint_venture")   # doctest: +SKIP
    >>> data.plans
    ['do_nothing', 'governance', 'full']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such output folder; write one with `allysim run SCENARIO --out {folder}`")
    summary = _read_json(folder / "summary.json")
    _check_summary(summary, folder / "summary.json")
    runs = read_runs_csv(folder / "runs.csv")
    missing = [p for p in summary["plans"] if p not in runs]
    if missing:
        raise OutputError(f"{folder / 'runs.csv'}: has no rows for plan(s) {', '.join(missing)} named in "
                          f"summary.json; rerun `allysim run` to rewrite the folder")
    health_path = folder / "health.json"
    try:
        health = HealthBands.from_dict(_read_json(health_path))
    except (KeyError, TypeError, ValueError) as exc:
        raise OutputError(f"{health_path}: not a health band file ({exc!r}); rerun `allysim run`") from None
    absent = [p for p in summary["plans"] if p not in health.plans]
    if absent:
        raise OutputError(f"{health_path}: has no bands for plan(s) {', '.join(absent)}; rerun `allysim run`")
    return OutputData(summary=summary, runs={p: runs[p] for p in summary["plans"]}, health=health,
                      folder=folder)


def _check_summary(summary: Mapping[str, Any], path: Path) -> None:
    """Raise OutputError naming the first field the charts need that ``summary.json`` lacks."""
    if not isinstance(summary.get("plans"), dict) or not summary["plans"]:
        raise OutputError(f"{path}: has no plans; rerun `allysim run` to rewrite it")
    if not isinstance(summary.get("horizon"), (int, float)):
        raise OutputError(f"{path}: has no numeric horizon; rerun `allysim run` to rewrite it")
    for plan, stats in summary["plans"].items():
        for section, key in (("survival", "estimate"), ("npv", "mean"), ("end_causes", "survived")):
            if not isinstance(stats, dict) or not isinstance(stats.get(section), dict) or key not in stats[section]:
                raise OutputError(f"{path}: plans.{plan}.{section}.{key} is missing; rerun `allysim run` to "
                                  f"rewrite it")


def _read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object, or raise OutputError saying what is wrong."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except FileNotFoundError:
        raise OutputError(f"{path}: missing; is {path.parent} an allysim output folder?") from None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: cannot be read ({exc}); rerun `allysim run` to rewrite it") from None
    if not isinstance(value, dict):
        raise OutputError(f"{path}: expected a JSON object; rerun `allysim run` to rewrite it")
    return value


def read_runs_csv(path: str | os.PathLike[str]) -> dict[str, RunTable]:
    """Read ``runs.csv`` into one :class:`RunTable` per plan, in order of first appearance.

    Rows are converted as they are read into compact typed buffers, so a million-run file needs about
    70 bytes per row in memory, not the several hundred that lists of strings would take.
    """
    path = Path(path)
    tables: dict[str, _RunBuffers] = {}
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            absent = [c for c in RUNS_COLUMNS if c not in header]
            if absent:
                raise OutputError(f"{path}: missing column(s) {', '.join(absent)}; rerun `allysim run`")
            index = [header.index(c) for c in RUNS_COLUMNS]
            for line, row in enumerate(reader, start=2):
                try:
                    values = [row[i] for i in index]
                    table = tables.get(values[0])
                    if table is None:
                        table = tables[values[0]] = _RunBuffers()
                    table.append(values)
                except (IndexError, ValueError) as exc:
                    problem = f"{path}:{line}: {_row_problem(exc)}; rerun `allysim run` to rewrite it"
                    raise OutputError(problem) from None
    except FileNotFoundError:
        raise OutputError(f"{path}: missing; is {path.parent} an allysim output folder?") from None
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise OutputError(f"{path}: cannot be read ({exc}); rerun `allysim run` to rewrite it") from None
    return {plan: buffers.table() for plan, buffers in tables.items()}


def _row_problem(exc: Exception) -> str:
    """Describe what is wrong with a row of runs.csv."""
    return "too few columns" if isinstance(exc, IndexError) else str(exc)


class _RunBuffers:
    """One plan's columns of runs.csv while it is read: typed arrays that grow row by row."""

    _FLAGS = {"true": 1, "false": 0, "True": 1, "False": 0, "1": 1, "0": 0}

    def __init__(self) -> None:
        self.run = array("q")
        self.survived = array("b")
        self.cause = array("l")
        self.causes: dict[str, int] = {}
        self.numbers = {c: array("d") for c in _NUMBERS}

    def append(self, values: list[str]) -> None:
        """Add one row, given in RUNS_COLUMNS order."""
        _, run, lifetime, survived, cause, npv, risk_cost, contingency_cost, min_health, resilience = values
        flag = self._FLAGS.get(survived.strip())
        if flag is None:
            raise ValueError(f"survived must be true or false, found {survived!r}")
        self.run.append(int(run))
        self.survived.append(flag)
        self.cause.append(self.causes.setdefault(cause, len(self.causes)))
        for column, text in zip(_NUMBERS, (lifetime, npv, risk_cost, contingency_cost, min_health, resilience)):
            self.numbers[column].append(float(text))

    def table(self) -> RunTable:
        """Return the arrays, ordered by replication index."""
        run = np.frombuffer(self.run, dtype=np.int64)
        order = np.argsort(run, kind="stable")
        names = np.asarray(list(self.causes), dtype=object)
        return RunTable(
            run=run[order],
            survived=np.frombuffer(self.survived, dtype=np.int8)[order].astype(bool),
            end_cause=names[np.frombuffer(self.cause, dtype=np.dtype("l"))[order]] if len(names) else names,
            **{c: np.frombuffer(v, dtype=np.float64)[order] for c, v in self.numbers.items()},
        )


# --- drawing ---------------------------------------------------------------------------------------------------


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """Turn ``"png,svg"``, ``["png", "pdf"]`` or ``"none"`` into a tuple of formats, checking each.

    Raises
    ------
    UsageError
        A format is not png, svg, pdf or none.

    Examples
    --------
    >>> parse_formats("png,svg"), parse_formats("none")
    (('png', 'svg'), ())
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen: list[str] = []
    for item in (i.strip().lower() for i in items):
        if item in ("", "none"):
            continue
        if item not in FORMATS:
            raise UsageError(f"unknown chart format {item!r}; expected png, svg, pdf or none, comma-separated")
        if item not in chosen:
            chosen.append(item)
    return tuple(chosen)


def draw_charts(data: OutputData) -> dict[str, Figure]:
    """Draw every chart of a run and return the figures by name (for notebooks; nothing is written).

    Examples
    --------
    >>> figures = draw_charts(load_output("reports/joint_venture"))   # doctest: +SKIP
    >>> figures["survival"]
    """
    return {name: draw() for name, draw in _drawers(data).items()}


def render_charts(data: OutputData, folder: str | os.PathLike[str],
                  formats: str | Sequence[str] = ("png",)) -> list[Path]:
    """Draw every chart of a run and write each as ``folder/<chart>.<format>``; return the paths written.

    Parameters
    ----------
    data
        What to draw: from :func:`load_output`, or built in memory by ``allysim run``.
    folder
        Where to write; it must exist.
    formats
        Any of ``png``, ``svg``, ``pdf`` (a sequence, or a comma-separated string); empty or ``"none"`` writes
        nothing.

    Examples
    --------
    >>> render_charts(load_output("reports/jv"), "reports/jv", ("png", "pdf"))   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    chosen = parse_formats(formats)
    if not chosen:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder to write charts into")
    written: list[Path] = []
    for name, draw in _drawers(data).items():
        fig = draw()
        try:
            written += theme.save_figure(fig, folder, name, chosen)
        finally:
            plt.close(fig)
    return written


def _drawers(data: OutputData) -> dict[str, Callable[[], Figure]]:
    """Return, per chart name, a function drawing it from ``data`` (charts without data are left out)."""
    summary, plans = data.summary, data.plans
    stats = {p: summary["plans"][p] for p in plans}
    provenance = data.provenance
    horizon = float(summary["horizon"])
    time_unit = str(summary.get("time_unit", "year"))
    risk_names = {r: str(v.get("name", r)) for r, v in (summary.get("risks") or {}).items()}

    def survival() -> Figure:
        return charts.survival({p: data.runs[p].lifetime for p in plans}, {p: data.runs[p].survived for p in plans},
                               horizon=horizon, time_unit=time_unit,
                               estimates={p: stats[p]["survival"]["estimate"] for p in plans},
                               provenance=provenance)

    def npv() -> Figure:
        return charts.npv({p: data.runs[p].npv for p in plans}, currency=str(summary.get("currency", "")),
                          stats={p: stats[p]["npv"] for p in plans}, provenance=provenance)

    def causes() -> Figure:
        return charts.causes({p: stats[p]["end_causes"] for p in plans}, risk_names=risk_names, horizon=horizon,
                             time_unit=time_unit, runs=summary.get("runs"), provenance=provenance)

    drawers: dict[str, Callable[[], Figure]] = {"survival": survival, "npv": npv}
    if data.health is not None and all(p in data.health.plans for p in plans):
        bands = data.health
        means = [(stats[p].get("resilience") or {}).get("mean") for p in plans]
        resilience = None if None in means else dict(zip(plans, map(float, means)))

        def health() -> Figure:
            return charts.health(bands.grid, {p: bands.plans[p] for p in plans}, dissolve_below=bands.dissolve_below,
                                 time_unit=bands.time_unit, resilience=resilience, provenance=provenance)

        drawers["health"] = health
    drawers["causes"] = causes
    return drawers
