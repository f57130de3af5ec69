"""The read side of an output folder, mirror of :mod:`allysim.outputs`: what ``allysim report``, the deck and the
brief read back.

An output folder holds the files of a run, ``summary.json``, ``runs.csv`` and ``health.json``, and the JSON of any
study written into it (``compare.json``, ``value.json``, ...: :data:`allysim.study_registry.STUDIES`); a study may
also sit alone in its folder. :func:`load_output` is the one reader of a folder: it reads whatever the folder
holds into an :class:`OutputData`, checking every field the charts need, so that a damaged or foreign folder ends
in one :class:`~allysim.errors.OutputError` line that says which file is wrong and which command rewrites it.

Examples
--------
>>> from allysim.folder import load_output
>>> data = load_output("reports/joint_venture")   # doctest: +SKIP
>>> data.plans, list(data.studies)                # doctest: +SKIP
(['do_nothing', 'governance', 'full'], ['compare'])
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from array import array
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import partners_still_in
from .errors import AllysimError, OutputError
from .files import open_input
from .outputs import RUNS_COLUMNS
from .stats import SurvivalCurve, dissolved_share, paired, survival_curve, widened_interval
from .study_registry import CHARTS, RUN_FILES, STUDIES, study_of_chart
from .text import markup, plain_data, shorten
from .verdicts import default_materiality, verdict
from .wording import Evidence, Provenance

__all__ = ["BANDS", "HealthBands", "OutputData", "RunTable", "load_output", "load_studies", "read_runs_csv",
           "read_exits", "read_json", "check_study", "reading", "folder_seed"]

BANDS = ("p5", "p25", "p50", "p75", "p95")
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
    environment: Mapping[str, np.ndarray] | None = None  # state -> share of runs in it on the grid, file order

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> HealthBands:
        """Build from the ``health.json`` dictionary."""
        grid = np.asarray(raw["grid"], dtype=float)
        plans = {plan: {k: np.asarray(v[k], dtype=float) for k in BANDS} for plan, v in raw["plans"].items()}
        env = raw.get("environment")
        shares = None if env is None else {state: np.asarray(env["share"][state], dtype=float)
                                           for state in env["states"]}
        return cls(grid, float(raw["dissolve_below"]), str(raw.get("time_unit", "year")), plans, shares)


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
        The studies found beside the run, by name (``"compare"``, ``"value"``, ...) -> the JSON, in
        :data:`~allysim.study_registry.STUDIES` order.
    exits
        Per plan, the ``exits`` column of ``runs.csv`` (``id@time;id@time``) in replication order; empty for a
        scenario without partners.
    """

    summary: Mapping[str, Any]
    runs: Mapping[str, RunTable]
    health: HealthBands | None = None
    folder: Path | None = field(default=None, compare=False)
    studies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exits: Mapping[str, np.ndarray] = field(default_factory=dict)  # plan -> runs.csv ``exits``, run by run

    @property
    def plans(self) -> list[str]:
        """Plan names in the summary's order, the baseline first (none for a folder of studies alone)."""
        return list(self.summary.get("plans") or {})

    @property
    def provenance(self) -> Provenance:
        """The footer of every chart of the run (of the first study, for a folder of studies alone)."""
        source = self.summary or next(iter(self.studies.values()), {})
        return Provenance.from_summary(source)

    def survival_curves(self) -> dict[str, SurvivalCurve]:
        """Per plan, its survival curve with its 95% Wilson band, from the runs (what the survival chart draws)."""
        horizon = float(self.summary["horizon"])
        return {p: survival_curve(self.runs[p].lifetime, self.runs[p].survived, horizon) for p in self.plans}

    def dissolved_shares(self, grid: Any) -> dict[str, np.ndarray]:
        """Per plan, the share of runs dissolved by each time of ``grid`` (the health chart's strips)."""
        return {p: dissolved_share(grid, self.runs[p].lifetime, self.runs[p].survived) for p in self.plans}

    def partners_still_in(self, grid: Any) -> dict[str, dict[str, np.ndarray]]:
        """Per plan, for each partner of its line-up, the share of runs in which it has not left by each time of
        ``grid`` (the partners chart's curves), from ``runs.csv``'s exits (:func:`allysim.analysis.partners_still_in`)."""
        plans = self.summary.get("plans") or {}
        return {p: partners_still_in(self.exits[p], list((plans[p] or {}).get("partners") or {}), grid)
                for p in self.plans if p in self.exits}

    def versus_baseline(self, plan: str, key: str) -> Evidence:
        """``plan`` minus the baseline (the first plan) in ``survival``, ``npv`` or ``resilience``, with its paired
        95% interval: from ``compare.json`` when it measured this plan against the same baseline on the same
        scenario file, else run by run from this folder's runs (every plan faces the same simulated futures).

        Charts and deck judge a difference with this one function, so a slide and the chart on it agree.
        """
        base = self.plans[0]
        compare = self.studies.get("compare") or {}
        entry = ((compare.get("plans") or {}).get(plan) or {}).get(key)
        if entry and compare.get("baseline") == base and \
                compare.get("scenario_sha256") == self.summary.get("scenario_sha256"):
            return Evidence.of(entry, compare.get("runs"))
        column = {"survival": "survived"}.get(key, key)
        a, b = getattr(self.runs[plan], column), getattr(self.runs[base], column)
        return Evidence.of(paired(np.asarray(a, dtype=float), np.asarray(b, dtype=float)), len(a),
                           materiality=self.materiality() if key == "npv" else 0.0)

    def materiality(self) -> float:
        """The materiality of this folder's NPV verdicts: as ``summary.json`` or a study recorded it, else 1% of
        the baseline plan's mean |NPV| over its runs (:func:`allysim.verdicts.default_materiality`)."""
        for data in (self.summary, *self.studies.values()):
            value = (data.get("materiality") or {}).get("value") if isinstance(data, dict) else None
            if isinstance(value, (int, float)):
                return float(value)
        base = self.plans[0]
        if base in self.runs:
            return default_materiality(self.runs[base].npv, base).value
        return 0.0

    def versus_baseline_share(self, plan: str, cause: str) -> Evidence:
        """``plan`` minus the baseline in the share of runs ended by ``cause``, paired run by run: how the causes
        chart and the deck judge a plan that cuts the main threat."""
        a, b = self.runs[plan].end_cause == cause, self.runs[self.plans[0]].end_cause == cause
        return Evidence.of(paired(np.asarray(a, dtype=float), np.asarray(b, dtype=float)), len(a))


@contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Work from an output folder (``report``, ``deck``, ``workbook``): whatever its damaged data make fail, past
    the checks of :func:`load_output`, is one line about the folder (exit 2), never an internal error."""
    try:
        yield
    except (AllysimError, OSError, KeyboardInterrupt):
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError, RecursionError) as exc:
        if os.environ.get("ALLYSIM_DEBUG"):
            raise
        raise OutputError(f"{folder}: holds data allysim cannot use ({type(exc).__name__}: {str(exc)[:120]}); "
                          f"is it an allysim output folder? Rerun the command that wrote it") from None


def load_output(folder: str | os.PathLike[str], *, run_files: bool = True, studies: bool = True) -> OutputData:
    """Read an output folder: the files of a run, the studies, or both.

    A folder holding any file of a run must hold all three (``summary.json``, ``runs.csv``, ``health.json``);
    each study's JSON is read when present. With ``run_files=False`` only ``summary.json`` (if there) and the studies
    are read (``runs`` and ``health`` stay empty); with ``studies=False`` the run's files alone.

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
    studies = load_studies(folder) if studies else {}  # ``studies=False``: the run's files alone are checked
    has_run = any((folder / name).exists() for name in RUN_FILES) if run_files else \
        (folder / "summary.json").exists()
    if not has_run:
        if not studies:
            raise OutputError(f"{folder}: nothing to draw: no summary.json (from `allysim run` or `compare`) and no "
                              f"study ({', '.join(s.file for s in STUDIES)}); is it an allysim output folder?")
        return OutputData(summary={}, runs={}, health=None, folder=folder, studies=studies)
    summary = read_json(folder / "summary.json")
    _check_summary(summary, folder / "summary.json")
    if not run_files:
        return OutputData(summary=summary, runs={}, health=None, folder=folder, studies=studies)
    runs = read_runs_csv(folder / "runs.csv")
    missing = [p for p in summary["plans"] if p not in runs]
    if missing:
        raise OutputError(f"{folder / 'runs.csv'}: has no rows for plan(s) {shorten(', '.join(missing))} named in "
                          f"summary.json; rerun `allysim run` to rewrite the folder")
    extra = [p for p in runs if p not in summary["plans"]]
    if extra:
        raise OutputError(f"{folder / 'runs.csv'}: has rows for plan(s) {shorten(', '.join(extra))} that "
                          f"summary.json does not name; rerun `allysim run` to rewrite the folder")
    expected = summary.get("runs")
    for plan, table in runs.items():
        if isinstance(expected, int) and not np.array_equal(table.run, np.arange(expected)):
            raise OutputError(f"{folder / 'runs.csv'}: plan {shorten(plan)} has {len(table.run):,} runs, not the "
                              f"{expected:,} (numbered 0 to {expected - 1:,}) of summary.json: the file is "
                              "truncated or damaged; rerun `allysim run` to rewrite the folder")
    health_path = folder / "health.json"
    try:
        health = HealthBands.from_dict(read_json(health_path))
    except (KeyError, TypeError, ValueError) as exc:
        raise OutputError(f"{health_path}: not a health band file ({exc!r}); rerun `allysim run`") from None
    absent = [p for p in summary["plans"] if p not in health.plans]
    if absent:
        raise OutputError(f"{health_path}: has no bands for plan(s) {', '.join(absent)}; rerun `allysim run`")
    exits = read_exits(folder / "runs.csv") if summary.get("partners") else {}
    return OutputData(summary=summary, runs={p: runs[p] for p in summary["plans"]}, health=health,
                      folder=folder, studies=studies, exits={p: exits[p] for p in summary["plans"] if p in exits})


def load_studies(folder: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read the studies of a folder: ``{"compare": ..., "value": ..., ...}`` for the files present.

    Raises
    ------
    OutputError
        A study file is unreadable or lacks a field its chart needs.
    """
    folder = Path(folder)
    studies: dict[str, dict[str, Any]] = {}
    for kind in STUDIES:
        path = folder / kind.file
        if path.exists():
            study = read_json(path, command=kind.name)
            for chart in kind.charts:
                check_study(chart.name, study, path)
            studies[kind.name] = with_verdicts(study) if kind.name == "value" else study
    return studies


def with_verdicts(study: dict[str, Any]) -> dict[str, Any]:
    """``value.json`` with each net value's verdict, as ``allysim value`` records it: a file written before verdicts
    were recorded is judged here, once, as the study would have judged it (its interval widened by any sampling
    error over random orders, against its materiality), so that no chart or slide judges an effect itself."""
    material = float((study.get("materiality") or {}).get("value") or 0.0)
    for entry in (study.get("contingencies") or {}).values():
        if not isinstance(entry, dict) or entry.get("shapley_verdict") is not None:
            continue
        mean, ci = float(entry["shapley_npv"]), entry.get("shapley_npv_ci95") or [None, None]
        if len(ci) != 2 or None in ci:
            continue  # no interval to judge: the words say what a bare estimate lets them (wording.Evidence)
        lo, hi = float(ci[0]), float(ci[1])
        se = entry.get("shapley_npv_sampling_se")
        if isinstance(se, (int, float)) and se > 0:
            lo, hi = widened_interval(mean, (lo, hi), float(se))
        entry["shapley_verdict"] = verdict(mean, lo, hi, material)
    return study


def folder_seed(folder: str | os.PathLike[str]) -> int | None:
    """The seed the numbers already in ``folder`` came from: ``summary.json``'s, else that of the study JSON
    written last; ``None`` for a new or empty folder (or one whose files carry no readable seed).

    A command writing into the folder uses it unless given ``--seed``, so that every number in one folder comes
    from the same random numbers (SPEC section 14).
    """
    root = Path(folder)
    studies = sorted((root / kind.file for kind in STUDIES),
                     key=lambda p: p.stat().st_mtime if p.is_file() else -1.0, reverse=True)
    for path in (root / "summary.json", *studies):
        try:
            seed = json.loads(path.read_text(encoding="utf-8")).get("seed")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
            return seed
    return None


def _check_summary(summary: Mapping[str, Any], path: Path) -> None:
    """Raise OutputError naming the first field the charts need that ``summary.json`` lacks."""
    if not isinstance(summary.get("plans"), dict) or not summary["plans"]:
        raise OutputError(f"{path}: has no plans; rerun `allysim run` to rewrite it")
    if not _number(summary.get("horizon")) or not summary["horizon"] > 0:
        raise OutputError(f"{path}: has no numeric horizon; rerun `allysim run` to rewrite it")
    if "runs" in summary and not (isinstance(summary["runs"], int) and not isinstance(summary["runs"], bool)
                                  and summary["runs"] >= 1):
        raise OutputError(f"{path}: runs is not a whole number of runs; rerun `allysim run` to rewrite it")
    for plan, stats in summary["plans"].items():
        for section, key in (("survival", "estimate"), ("npv", "mean"), ("end_causes", "survived")):
            if not isinstance(stats, dict) or not isinstance(stats.get(section), dict) or key not in stats[section]:
                raise OutputError(f"{path}: plans.{shorten(plan)}.{section}.{key} is missing; rerun `allysim run` "
                                  "to rewrite it")
        wrong = _not_numeric({k: v for k, v in stats.items() if k not in _TEXT_FIELDS}, f"plans.{shorten(plan)}")
        if wrong is not None:  # every figure of a plan is a number (or null), however deep
            raise OutputError(f"{path}: {wrong} is not a number; rerun `allysim run` to rewrite it")


_TEXT_FIELDS = ("contingencies_in_plan", "partners_in_plan")  # the only text in a plan's summary: ids


def _not_numeric(value: Any, where: str) -> str | None:
    """The path of the first leaf of ``value`` that is not a finite number or null, or None."""
    if isinstance(value, dict):
        return next((w for k, v in value.items() if (w := _not_numeric(v, f"{where}.{shorten(str(k))}"))), None)
    if isinstance(value, list):
        return next((w for i, v in enumerate(value) if (w := _not_numeric(v, f"{where}[{i}]"))), None)
    return None if value is None or _number(value) else where


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_json(path: Path, command: str = "run") -> dict[str, Any]:
    """Read a JSON object, or raise OutputError saying what is wrong and which command rewrites it."""
    try:
        with open_input(path) as raw, io.TextIOWrapper(raw, encoding="utf-8") as handle:
            value = json.load(handle, parse_constant=_not_a_number)
    except FileNotFoundError:
        raise OutputError(f"{path}: missing; is {path.parent} an allysim output folder?") from None
    except RecursionError:
        raise OutputError(f"{path}: cannot be read (nested far deeper than allysim writes); rerun "
                          f"`allysim {command}` to rewrite it") from None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: cannot be read ({shorten(str(exc), 120)}); rerun `allysim {command}` to "
                          "rewrite it") from None
    if not isinstance(value, dict):
        raise OutputError(f"{path}: expected a JSON object; rerun `allysim {command}` to rewrite it")
    return plain_data(value)  # text safe for the charts, slides and workbooks it goes into


def _not_a_number(word: str) -> float:
    raise ValueError(f"{word} is not a number allysim writes (it writes null)")


def check_study(chart: str, study: Mapping[str, Any], path: Path) -> None:
    """Raise OutputError naming the first field the chart ``chart`` needs that a study's JSON lacks."""
    kind = study_of_chart(chart)
    rewrite = f"rerun `allysim {kind.name}` to rewrite it"
    for key in kind.required:
        if not study.get(key):
            raise OutputError(f"{path}: has no {key}; {rewrite}")
    needed, series = CHARTS[chart].needs, CHARTS[chart].series
    if not needed and not series:
        return
    entries = study.get(kind.table)
    if not isinstance(entries, dict) or not entries:
        raise OutputError(f"{path}: has no {kind.table}; {rewrite}")
    for key, entry in entries.items():
        for dotted in needed:
            value: Any = entry
            for part in dotted.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise OutputError(f"{path}: {kind.table}.{key}.{dotted} is missing; {rewrite}")
        for name in series:
            points = entry.get(name) if isinstance(entry, dict) else None
            if not isinstance(points, list) or not points or not all(isinstance(p, dict) for p in points):
                raise OutputError(f"{path}: {kind.table}.{key}.{name} is missing; {rewrite}")


def read_runs_csv(path: str | os.PathLike[str]) -> dict[str, RunTable]:
    """Read ``runs.csv`` into one :class:`RunTable` per plan, in order of first appearance.

    Rows are converted as they are read into compact typed buffers, so a million-run file needs about
    70 bytes per row in memory, not the several hundred that lists of strings would take.
    """
    path = Path(path)
    tables: dict[str, _RunBuffers] = {}
    try:
        with open_input(path) as raw, io.TextIOWrapper(raw, newline="", encoding="utf-8") as handle:
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
                        table = tables[values[0]] = _RunBuffers()  # the name as written: markup() once, below
                    table.append(values)
                except (IndexError, ValueError) as exc:
                    problem = f"{path}:{line}: {_row_problem(exc)}; rerun `allysim run` to rewrite it"
                    raise OutputError(problem) from None
    except FileNotFoundError:
        raise OutputError(f"{path}: missing; is {path.parent} an allysim output folder?") from None
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise OutputError(f"{path}: cannot be read ({shorten(str(exc), 120)}); rerun `allysim run` to rewrite it"
                          ) from None
    out = {markup(plan): buffers.table() for plan, buffers in tables.items()}
    for plan, table in out.items():
        for column in _NUMBERS:
            values = getattr(table, column)
            if not np.isfinite(values).all():
                raise OutputError(f"{path}: plan {shorten(plan)}: {column} holds a value that is not a finite "
                                  "number; rerun `allysim run` to rewrite it")
    return out


def read_exits(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read the ``exits`` column of ``runs.csv`` (a scenario with partners): per plan, the text of each run's
    exits in replication order. The file has passed :func:`read_runs_csv`; a file without the column gives {}."""
    path = Path(path)
    rows: dict[str, list[tuple[int, str]]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if "exits" not in header:
            return {}
        plan, run, column = header.index("plan"), header.index("run"), header.index("exits")
        for line, row in enumerate(reader, start=2):
            try:
                rows.setdefault(row[plan], []).append((int(row[run]), row[column]))
            except (IndexError, ValueError) as exc:
                raise OutputError(f"{path}:{line}: {_row_problem(exc)}; rerun `allysim run` to rewrite it") from None
    return {markup(p): np.asarray([text for _, text in sorted(r)], dtype=object) for p, r in rows.items()}


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
        names = np.asarray([markup(cause) for cause in self.causes], dtype=object)
        return RunTable(
            run=run[order],
            survived=np.frombuffer(self.survived, dtype=np.int8)[order].astype(bool),
            end_cause=names[np.frombuffer(self.cause, dtype=np.dtype("l"))[order]] if len(names) else names,
            **{c: np.frombuffer(v, dtype=np.float64)[order] for c, v in self.numbers.items()},
        )
