"""Read an output folder back and (re)draw its charts: what ``allysim run``, the studies and ``allysim report`` share.

An output folder holds the files of a run, ``summary.json``, ``runs.csv`` and ``health.json``, and the JSON of any
study written into it, ``compare.json``, ``value.json`` and ``drivers.json`` (SPEC section 5); a study may also
sit alone in its folder. :func:`load_output` reads whatever the folder holds into an :class:`OutputData`;
:func:`render_charts` draws every chart that data supports (the four charts of a run, and the chart of each study)
and writes them, atomically, in each requested format. :func:`render_study_chart` draws one study's chart straight
from its JSON, as ``allysim compare``, ``value`` and ``drivers`` do. The charts depend on nothing but those files,
so ``allysim report DIR`` on a copied folder redraws the same pictures as the commands that wrote it.

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

__all__ = ["CHARTS", "FORMATS", "STUDY_CHARTS", "HealthBands", "OutputData", "RunTable", "draw_charts",
           "draw_study_chart", "load_output", "load_studies", "parse_formats", "render_charts",
           "render_study_chart"]

CHARTS = ("survival", "npv", "health", "causes")  # the charts of a run
STUDY_CHARTS = {"compare": "compare", "contingency_value": "value", "risk_drivers": "drivers",
                "sweep": "sweep", "frontier": "optimize"}  # chart -> JSON stem
RUN_FILES = ("summary.json", "runs.csv", "health.json")
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
    """Everything the charts of an output folder are drawn from.

    ``allysim run`` may build one in memory; ``allysim report`` reads one with :func:`load_output`.

    Parameters
    ----------
    summary
        The ``summary.json`` dictionary; its ``plans`` order is the plan order (the baseline first). Empty for a
        folder that holds only studies.
    runs
        Per plan, the per-replication outcomes.
    health
        The health percentile bands; None skips the health chart (only for data built in memory: a folder
        without ``health.json`` is refused by :func:`load_output`).
    studies
        The studies found beside the run, by file stem: ``"compare"``, ``"value"``, ``"drivers"`` -> the JSON.
    """

    summary: Mapping[str, Any]
    runs: Mapping[str, RunTable]
    health: HealthBands | None = None
    folder: Path | None = field(default=None, compare=False)
    studies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def plans(self) -> list[str]:
        """Plan names in the summary's order, the baseline first (none for a folder of studies alone)."""
        return list(self.summary.get("plans") or {})

    @property
    def provenance(self) -> theme.Provenance:
        """The footer of every chart of the run (of the first study, for a folder of studies alone)."""
        source = self.summary or next(iter(self.studies.values()), {})
        return theme.Provenance.from_summary(source)


def load_output(folder: str | os.PathLike[str]) -> OutputData:
    """Read an output folder: the files of a run, the studies, or both.

    A folder holding any file of a run must hold all three (``summary.json``, ``runs.csv``, ``health.json``);
    ``compare.json``, ``value.json`` and ``drivers.json`` are read when present.

    Raises
    ------
    OutputError
        The folder is missing or holds nothing to draw; a file of the run is missing; or a file present is
        unreadable, or they disagree on the plans.

    Examples
    --------
    >>> data = load_output("reports/joint_venture")   # doctest: +SKIP
    >>> data.plans, list(data.studies)
    (['do_nothing', 'governance', 'full'], ['compare'])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such output folder; write one with `allysim run SCENARIO --out {folder}`")
    studies = load_studies(folder)
    if not any((folder / name).exists() for name in RUN_FILES):
        if not studies:
            raise OutputError(f"{folder}: nothing to draw: no summary.json (from `allysim run` or `compare`) and no "
                              f"compare.json, value.json or drivers.json; is it an allysim output folder?")
        return OutputData(summary={}, runs={}, health=None, folder=folder, studies=studies)
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
                      folder=folder, studies=studies)


def load_studies(folder: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read the studies of a folder: ``{"compare": ..., "value": ..., "drivers": ...}`` for the files present.

    Raises
    ------
    OutputError
        A study file is unreadable or lacks a field its chart needs.
    """
    folder = Path(folder)
    studies: dict[str, dict[str, Any]] = {}
    for chart, stem in STUDY_CHARTS.items():
        path = folder / f"{stem}.json"
        if path.exists():
            study = _read_json(path, command=stem)
            _check_study(chart, study, path)
            studies[stem] = study
    return studies


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


def _read_json(path: Path, command: str = "run") -> dict[str, Any]:
    """Read a JSON object, or raise OutputError saying what is wrong and which command rewrites it."""
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except FileNotFoundError:
        raise OutputError(f"{path}: missing; is {path.parent} an allysim output folder?") from None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: cannot be read ({exc}); rerun `allysim {command}` to rewrite it") from None
    if not isinstance(value, dict):
        raise OutputError(f"{path}: expected a JSON object; rerun `allysim {command}` to rewrite it")
    return value


# What each study's chart needs: per entry of its table, the numbers (dotted paths) it draws.
_STUDY_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "compare": ("plans", ("npv.mean", "survival.mean")),
    "contingency_value": ("contingencies", ("cost", "shapley_npv", "shapley_survival")),
    "risk_drivers": ("risks", ("npv.mean", "survival.mean")),
}


_LIST_STUDIES = {"sweep": ("parameter", "values", "plans", "best"),
                 "frontier": ("portfolios", "frontier", "best", "candidates")}


def _check_study(chart: str, study: Mapping[str, Any], path: Path) -> None:
    """Raise OutputError naming the first field the chart needs that a study's JSON lacks."""
    command = STUDY_CHARTS[chart]
    rewrite = f"rerun `allysim {command}` to rewrite it"
    if chart in _LIST_STUDIES:
        for key in _LIST_STUDIES[chart]:
            if not study.get(key):
                raise OutputError(f"{path}: has no {key}; {rewrite}")
        return
    table, needed = _STUDY_FIELDS[chart]
    if chart == "compare" and not isinstance(study.get("baseline"), str):
        raise OutputError(f"{path}: baseline is missing; {rewrite}")
    entries = study.get(table)
    if not isinstance(entries, dict) or not entries:
        raise OutputError(f"{path}: has no {table}; {rewrite}")
    for key, entry in entries.items():
        for dotted in needed:
            value: Any = entry
            for part in dotted.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise OutputError(f"{path}: {table}.{key}.{dotted} is missing; {rewrite}")


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
    """Draw every chart of an output folder and return the figures by name (for notebooks; nothing is written).

    Examples
    --------
    >>> figures = draw_charts(load_output("reports/joint_venture"))   # doctest: +SKIP
    >>> figures["survival"]
    """
    return {name: draw() for name, draw in _drawers(data).items()}


def render_charts(data: OutputData, folder: str | os.PathLike[str],
                  formats: str | Sequence[str] = ("png",)) -> list[Path]:
    """Draw every chart of an output folder and write each as ``folder/<chart>.<format>``; return the paths.

    The charts are those of the run (when ``data`` holds one) followed by those of its studies.

    Parameters
    ----------
    data
        What to draw: from :func:`load_output`, or built in memory by ``allysim run``.
    folder
        Where to write; created when missing.
    formats
        Any of ``png``, ``svg``, ``pdf`` (a sequence, or a comma-separated string); empty or ``"none"`` writes
        nothing.

    Examples
    --------
    >>> render_charts(load_output("reports/jv"), "reports/jv", ("png", "pdf"))   # doctest: +SKIP
    """
    chosen = parse_formats(formats)
    if not chosen:
        return []
    folder = _existing(folder)
    written: list[Path] = []
    for name, draw in _drawers(data).items():
        written += _save(draw(), folder, name, chosen)
    return written


def draw_study_chart(chart: str, data: Mapping[str, Any], plan_order: Sequence[str] | None = None) -> Figure:
    """Draw the chart of one study from its JSON: ``compare``, ``contingency_value`` or ``risk_drivers``.

    ``plan_order`` (every plan of the output, the baseline first) keeps each plan's colour on the compare chart
    the same as on the run's charts.

    Raises
    ------
    UsageError
        ``chart`` is not one of the three.

    Examples
    --------
    >>> fig = draw_study_chart("risk_drivers", json.load(open("reports/jv/drivers.json")))   # doctest: +SKIP
    """
    if chart == "compare":
        return charts.compare(data, plan_order=plan_order)
    if chart == "contingency_value":
        return charts.contingency_value(data)
    if chart == "risk_drivers":
        return charts.risk_drivers(data)
    if chart in ("sweep", "frontier"):
        from . import decision_charts

        return decision_charts.sweep(data) if chart == "sweep" else decision_charts.frontier(data)
    raise UsageError(f"unknown study chart {chart!r}; expected one of {', '.join(STUDY_CHARTS)}")


def render_study_chart(chart: str, data: Mapping[str, Any], folder: str | os.PathLike[str],
                       formats: str | Sequence[str] = ("png",), *,
                       beside: str | os.PathLike[str] | None = None) -> list[Path]:
    """Draw one study's chart from its JSON and write it as ``folder/<chart>.<format>``; return the paths.

    What ``allysim compare``, ``value`` and ``drivers`` call after writing their JSON. For the compare chart,
    a ``summary.json`` of the same scenario in ``folder`` gives the plan order, hence the plans' colours;
    without one, the baseline comes first and the other plans follow in the study's order.

    Parameters
    ----------
    chart
        ``compare``, ``contingency_value`` or ``risk_drivers``.
    data
        The study's JSON: ``compare.json``, ``value.json`` or ``drivers.json`` (SPEC section 5), with its
        provenance fields (printed in the footer).
    folder
        Where to write; created when missing.
    formats
        Any of ``png``, ``svg``, ``pdf`` (a sequence, or a comma-separated string).
    beside
        The folder whose ``summary.json`` gives the plan order (default ``folder``).

    Raises
    ------
    UsageError
        An unknown chart or format.
    OutputError
        ``data`` lacks a field the chart needs, or ``folder`` cannot be created.

    Examples
    --------
    >>> render_study_chart("contingency_value", value, "reports/jv", ("png", "svg"))   # doctest: +SKIP
    [PosixPath('reports/jv/contingency_value.png'), PosixPath('reports/jv/contingency_value.svg')]
    """
    if chart not in STUDY_CHARTS:
        raise UsageError(f"unknown study chart {chart!r}; expected one of {', '.join(STUDY_CHARTS)}")
    chosen = parse_formats(formats)
    if not chosen:
        return []
    _check_study(chart, data, Path(folder) / f"{STUDY_CHARTS[chart]}.json")
    folder = _existing(folder)
    summary: Mapping[str, Any] = {}
    run_folder = Path(beside) if beside is not None else folder
    if chart == "compare" and (run_folder / "summary.json").is_file():
        try:
            summary = _read_json(run_folder / "summary.json")
        except OutputError:
            summary = {}  # only the colours depend on it: fall back to the study's own order
    return _save(draw_study_chart(chart, data, _plan_order(data, summary)), folder, chart, chosen)


def _plan_order(study: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str] | None:
    """Return the plan order of a run of the same scenario holding every plan of the study, else None."""
    plans = list(summary.get("plans") or {}) if isinstance(summary.get("plans"), dict) else []
    if not plans or summary.get("scenario_sha256") != study.get("scenario_sha256"):
        return None
    named = [study.get("baseline"), *(study.get("plans") or {})]
    return plans if all(p in plans for p in named) else None


def _existing(folder: str | os.PathLike[str]) -> Path:
    """Return ``folder`` as a Path, creating it when missing; raise OutputError when that fails."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder for the charts ({exc.strerror or exc})",
                          exit_code=1) from None
    return folder


def _save(fig: Figure, folder: Path, name: str, formats: Sequence[str]) -> list[Path]:
    """Write ``fig`` in each format and close it."""
    import matplotlib.pyplot as plt

    try:
        return theme.save_figure(fig, folder, name, formats)
    finally:
        plt.close(fig)


def _drawers(data: OutputData) -> dict[str, Callable[[], Figure]]:
    """Return, per chart name, a function drawing it from ``data`` (charts without data are left out)."""
    drawers = _run_drawers(data) if data.plans else {}
    for chart, stem in STUDY_CHARTS.items():
        if stem in data.studies:
            study = data.studies[stem]
            order = _plan_order(study, data.summary) if chart == "compare" else None
            drawers[chart] = lambda chart=chart, study=study, order=order: draw_study_chart(chart, study, order)
    return drawers


def _run_drawers(data: OutputData) -> dict[str, Callable[[], Figure]]:
    """Return, per chart of the run, a function drawing it from ``data``."""
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
