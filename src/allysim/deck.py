"""A board deck from an output folder: ``deck.pptx``, 16:9, made with python-pptx.

The deck says what the folder says, and nothing is typed by hand:

1. a title slide: the scenario, the date, and where the numbers come from;
2. an executive summary: the key numbers of every plan and three findings in words;
3. one slide per chart in the folder (survival, npv, health, causes, compare, contingency_value, risk_drivers), its
   finding as the slide title (the title the chart was drawn with), the picture, and a caption;
4. an appendix of assumptions: the plans, the risks and the contingencies, from the scenario file;
5. the method: runs, seed, intervals, common random numbers, version and scenario sha256.

Every size is chosen here, not by the viewer's autofit: text is measured with Arial's metrics (Arial or the
metric-compatible Liberation Sans, plus a safety margin; DejaVu Sans, which is wider, when neither is installed),
titles and findings shrink within limits and wrap, long names are cut at two lines, and long tables continue on
further slides, so the deck reads the same in PowerPoint, Keynote and LibreOffice.

:func:`load_board` reads everything once; :func:`key_numbers` and :func:`findings` are shared with the one-page
brief (:mod:`allysim.brief`).

Examples
--------
>>> from allysim.deck import build_deck
>>> build_deck("reports/joint_venture")   # doctest: +SKIP
PosixPath('reports/joint_venture/deck.pptx')
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import theme
from ._version import __version__
from .errors import AllysimError, OutputError, UsageError
from .outputs import atomic_file
from .wording import (
    Currency,
    Evidence,
    MoneyScale,
    format_money,
    format_share,
    format_span,
    median_life,
    override_texts,
    points_change,
    signed_money,
)

if TYPE_CHECKING:
    from .report import OutputData
    from .scenario import Scenario

__all__ = ["DECK_CHARTS", "Board", "ChartImage", "KeyNumbers", "build_deck", "findings", "key_numbers",
           "load_board"]

DECK_CHARTS = ("survival", "npv", "health", "causes", "compare", "contingency_value", "risk_drivers", "frontier",
               "sweep")
RUN_CHARTS = ("survival", "npv", "health", "causes")
STUDIES = {"compare": "compare", "value": "contingency_value", "drivers": "risk_drivers",
           "optimize": "frontier", "sweep": "sweep"}  # file stem -> chart


# --- reading an output folder ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartImage:
    """One chart of the folder as a PNG, with the finding it was drawn with."""

    name: str
    png: bytes
    title: str
    source: str  # the file it came from, or how it was made


@dataclass(frozen=True)
class Board:
    """What a deck or brief is made from: the output folder's numbers, studies, scenario and charts.

    Build one with :func:`load_board`.
    """

    folder: Path
    data: OutputData
    studies: Mapping[str, Mapping[str, Any]]  # "compare" / "value" / "drivers" -> the JSON, when usable
    scenario: Scenario | None
    scenario_path: Path | None
    notes: tuple[str, ...] = ()  # what was left out, and why (printed on the method slide)
    mixed: tuple[str, ...] = ()  # study files made from another version of the scenario file (left out)
    _charts: dict[tuple[str, bool], ChartImage | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def summary(self) -> Mapping[str, Any]:
        return self.data.summary

    @property
    def plans(self) -> list[str]:
        return self.data.plans

    @property
    def currency(self) -> str:
        return str(self.summary.get("currency", ""))

    @property
    def time_unit(self) -> str:
        return str(self.summary.get("time_unit", "year"))

    @property
    def life(self) -> str:
        """The planned life as an adjective: ``10-year``."""
        return format_span(float(self.summary["horizon"]), self.time_unit)

    def stats(self, plan: str) -> Mapping[str, Any]:
        return self.summary["plans"][plan]

    def risk_name(self, risk_id: str) -> str:
        return str((self.summary.get("risks") or {}).get(risk_id, {}).get("name") or theme.plan_label(risk_id))

    def contingency_name(self, cid: str) -> str:
        return str((self.summary.get("contingencies") or {}).get(cid, {}).get("name") or theme.plan_label(cid))

    def chart(self, name: str, draw_missing: bool = False) -> ChartImage | None:
        """Return the chart ``name`` as a PNG with its title: the folder's PNG, else one drawn from the folder's
        data when the folder has it as SVG or PDF (or has no file of it, with ``draw_missing``); None when there
        is no such chart."""
        key = (name, draw_missing)
        if key not in self._charts:
            self._charts[key] = _chart_image(self, name, draw_missing)
        return self._charts[key]

    def chart_names(self) -> list[str]:
        """Charts present in the folder in any format, in deck order."""
        return [n for n in DECK_CHARTS if any((self.folder / f"{n}.{fmt}").exists() for fmt in theme.FORMATS)]


def load_board(folder: str | os.PathLike[str]) -> Board:
    """Read an output folder for a deck: ``summary.json`` and friends, the optional studies, the scenario file.

    ``compare.json``, ``value.json`` and ``drivers.json`` are used when present and made from the same scenario
    file (same sha256). The scenario is the folder's own copy, ``scenario.yaml``, else the file named in
    ``summary.json``'s ``scenario_file`` (as given, or relative to the folder or one of its parents); it is used
    only when its sha256 matches, so the assumptions shown are the ones the numbers were simulated from.

    Raises
    ------
    OutputError
        The folder is not an output folder of ``allysim run``.
    """
    from .report import load_output

    folder = Path(folder)
    data = load_output(folder)
    summary = data.summary
    if not data.plans:
        raise OutputError(f"{folder}: holds no run (summary.json, runs.csv, health.json); a deck starts from "
                          f"`allysim run SCENARIO --out {folder}`")
    notes: list[str] = []
    mixed: list[str] = []
    studies: dict[str, Mapping[str, Any]] = {}
    for stem in STUDIES:
        path = folder / f"{stem}.json"
        if not path.exists():
            continue
        try:
            study = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            notes.append(f"{path.name} was left out: it cannot be read ({exc}).")
            continue
        if not isinstance(study, dict):
            notes.append(f"{path.name} was left out: it is not a JSON object.")
        elif study.get("scenario_sha256") and study.get("scenario_sha256") != summary.get("scenario_sha256"):
            notes.append(f"{path.name} was left out: it was made from another version of the scenario file "
                         f"(sha256 {str(study['scenario_sha256'])[:12]}).")
            mixed.append(path.name)
        else:
            studies[stem] = study
    scenario, scenario_path, note = _find_scenario(folder, summary)
    if note:
        notes.append(note)
    return Board(folder, data, studies, scenario, scenario_path, tuple(notes), tuple(mixed))


def _find_scenario(folder: Path, summary: Mapping[str, Any]) -> tuple[Scenario | None, Path | None, str]:
    """Return the scenario the folder was simulated from, its path, and a note when it cannot be used."""
    from .outputs import SCENARIO_COPY
    from .scenario import load_scenario

    given = summary.get("scenario_file")
    copy = folder / SCENARIO_COPY
    if not given and not copy.is_file():
        return None, None, "The scenario file is not named in summary.json: the appendix lists names only."
    given_path = Path(str(given or SCENARIO_COPY))
    candidates = [copy] + ([given_path] if given_path.is_absolute() else
                           [given_path, folder / given_path, *(parent / given_path for parent in folder.resolve().parents)])
    expected = str(summary.get("scenario_sha256", ""))
    changed: Path | None = None
    for path in candidates:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if expected and hashlib.sha256(raw).hexdigest() != expected:
            changed = changed or path
            continue
        try:
            return load_scenario(path, overrides=summary.get("overrides") or None), path, ""
        except AllysimError:
            changed = changed or path
    if changed is not None:
        return None, None, (f"{given} has changed since this run (its sha256 no longer matches): the appendix lists "
                            f"names only; rerun to show the parameters.")
    return None, None, f"{given} was not found: the appendix lists names only."


# --- the numbers, in words -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyNumbers:
    """The executive summary table: column headings and, per plan, the cell texts.

    Each cell is ``(main, detail)``: the number, and a smaller interval or range beside it ('' for none).
    """

    headings: list[str]
    rows: dict[str, list[tuple[str, str]]]
    best: dict[int, str]  # column index -> the plan that is best on it (with several plans)


def _amount(value: float, scale: MoneyScale) -> str:
    """An amount in a table whose heading names the unit: ``25.9``, ``−3.1``."""
    return scale.number(value).removesuffix(scale.suffix) if scale.suffix else scale.number(value)


def _span(lo: str, hi: str) -> str:
    """``lo to hi`` as a range: an en dash, or ``to`` when either end is negative."""
    return f"{lo} to {hi}" if lo.startswith("\u2212") or hi.startswith("\u2212") else f"{lo}\u2013{hi}"


def _share_range(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return ""
    a, b = format_share(lo), format_share(hi)
    return f"{a.removesuffix('%')}\u2013{b}" if a[0].isdigit() and b[0].isdigit() else f"{a} to {b}"


def money_scale(board: Board) -> MoneyScale:
    """One unit for every amount in the summary table (the largest of its P10, mean and P90)."""
    amounts = [float(board.stats(p)["npv"][k]) for p in board.plans for k in ("mean", "p10", "p90")
               if board.stats(p)["npv"].get(k) is not None]
    return MoneyScale.of(amounts, board.currency)


def key_numbers(board: Board) -> KeyNumbers:
    """Return the key numbers per plan, rounded as in the charts' titles (see ``docs/charts.md``).

    Survival (share reaching the planned life) with its 95% Wilson interval; median life; expected NPV with its
    95% t interval; NPV P10 to P90; resilience (average health over the planned life, two decimals); and, when
    ``compare.json`` is there, the share of paired runs in which the plan's NPV beats the baseline's.
    """
    scale = money_scale(board)
    unit = Currency.parse(board.currency).axis(scale)
    unit_text = f", {unit}".replace(" ", "\u00a0").replace(",\u00a0", ", ", 1) if unit else ""  # "USD M" unbroken
    horizon = float(board.summary["horizon"])
    plural = board.time_unit if board.time_unit.endswith("s") else f"{board.time_unit}s"
    ci = "(95%\u00a0CI)"
    headings = ["Plan", f"{_cap(board.life)} survival {ci}", f"Median life ({plural})",
                f"Expected NPV{unit_text} {ci}", f"NPV P10 to P90{unit_text}", "Resilience"]
    compare = board.studies.get("compare")
    pairs = (compare or {}).get("plans") or {}
    if compare and len(board.plans) > 1 and any(p in pairs for p in board.plans):
        headings.append("NPV beats baseline")
    rows: dict[str, list[tuple[str, str]]] = {}
    for plan in board.plans:
        s = board.stats(plan)
        survival, npv = s["survival"], s["npv"]
        lo, hi = (survival.get("ci95") or [None, None])[:2]
        median = (s.get("lifetime") or {}).get("p50")
        # fewer than half dissolve: the median life is beyond the horizon, not at it
        beyond = median is not None and (median >= horizon - 1e-9 or float(survival["estimate"]) >= 0.5)
        life = "" if median is None else (f"more than {horizon:g}" if beyond else f"{median:.1f}")
        nlo, nhi = (npv.get("ci95") or [None, None])[:2]
        npv_ci = "" if nlo is None or nhi is None else f"({_span(_amount(nlo, scale), _amount(nhi, scale))})"
        p10, p90 = npv.get("p10"), npv.get("p90")
        spread = "" if p10 is None or p90 is None else _span(_amount(p10, scale), _amount(p90, scale))
        resilience = (s.get("resilience") or {}).get("mean")
        row = [(theme.plan_label(plan), ""),
               (format_share(float(survival["estimate"])), f"({_share_range(lo, hi)})" if lo is not None else ""),
               (life, ""), (_amount(float(npv["mean"]), scale), npv_ci), (spread, ""),
               ("" if resilience is None else f"{resilience:.2f}", "")]
        if len(headings) == 7:
            entry = pairs.get(plan)
            row.append(("baseline", "") if plan == board.plans[0] else
                       (format_share(float(entry["p_better"])) if entry and "p_better" in entry else "", ""))
        rows[plan] = row
    best: dict[int, str] = {}
    if len(board.plans) > 1:
        surv = {p: float(board.stats(p)["survival"]["estimate"]) for p in board.plans}
        means = {p: float(board.stats(p)["npv"]["mean"]) for p in board.plans}
        best = {1: _best(surv), 3: _best(means)}
    return KeyNumbers(headings, rows, best)


def _best(values: Mapping[str, float]) -> str:
    """The plan with the largest value, the earliest on ties."""
    names = list(values)
    return names[int(np.argmax([values[n] for n in names]))]


def _plan(name: str) -> str:
    """How findings name a plan: ``governance -> the Governance plan``."""
    label = theme.plan_label(name)
    return f"the {label}" if label.lower().endswith("plan") else f"the {label} plan"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def findings(board: Board) -> list[str]:
    """Return three findings in words, computed from the folder: the plans, the main threat, and value.

    1. which plan lifts survival and which gives the most expected NPV, against the baseline (the first plan),
       with paired confidence intervals from ``compare.json`` when present;
    2. the risk that ends the most alliances in the baseline, and the plan that cuts it most;
    3. from ``value.json``: a contingency that does not pay for itself (else the one worth most); otherwise from
       ``drivers.json``: the costliest risk; otherwise the downside of the baseline's NPV.
    """
    return [_plan_finding(board), _cause_finding(board), _value_finding(board)]


def _independent(a: Mapping[str, Any], b: Mapping[str, Any], runs: Any) -> Evidence:
    """``a - b`` from two plans' own 95% intervals, as if independent: wider than the paired interval (common
    random numbers make plans move together), so a difference it calls clear is clear."""
    mean = float(a.get("mean", a.get("estimate", 0.0))) - float(b.get("mean", b.get("estimate", 0.0)))
    ci_a, ci_b = a.get("ci95") or [None, None], b.get("ci95") or [None, None]
    if None in (*ci_a[:2], *ci_b[:2]):
        return Evidence(mean, runs=runs)
    half = float(np.hypot((ci_a[1] - ci_a[0]) / 2, (ci_b[1] - ci_b[0]) / 2))
    return Evidence(mean, mean - half, mean + half, runs)


def _difference(board: Board, plan: str, key: str) -> Evidence:
    """The difference plan minus baseline in ``survival`` or ``npv``: paired from ``compare.json`` when it has
    the plan, else from the two plans' own intervals."""
    compare = board.studies.get("compare") or {}
    entry = ((compare.get("plans") or {}).get(plan) or {}).get(key)
    if entry and compare.get("baseline") == board.plans[0]:
        return Evidence.of(entry, compare.get("runs"))
    return _independent(board.stats(plan)[key], board.stats(board.plans[0])[key], board.summary.get("runs"))


def _plan_finding(board: Board) -> str:
    plans, cur = board.plans, board.currency
    base = plans[0]
    surv = {p: float(board.stats(p)["survival"]["estimate"]) for p in plans}
    means = {p: float(board.stats(p)["npv"]["mean"]) for p in plans}
    horizon = float(board.summary["horizon"])

    def life(plan: str) -> str:
        median = (board.stats(plan).get("lifetime") or {}).get("p50")
        return "" if median is None else median_life(float(median), horizon, board.time_unit, surv[plan])

    if len(plans) == 1:
        s = board.stats(base)
        lo, hi = (s["survival"].get("ci95") or [None, None])[:2]
        ci = f" (95% CI {_share_range(lo, hi)})" if lo is not None else ""
        median = (s.get("lifetime") or {}).get("p50")
        half = ""
        if median is not None and median < horizon - 1e-9 and surv[base] < 0.5:
            half = f"; half of them end within {life(base)}"
        return f"The alliance survives its {board.life} life in {format_share(surv[base])} of runs{ci}{half}."
    scale = MoneyScale.of([means[p] for p in plans], cur)
    best_s, best_v = _best(surv), _best(means)
    lift, rise = _difference(board, best_s, "survival"), _difference(board, best_v, "npv")
    pairs = (board.studies.get("compare") or {}).get("plans") or {}
    base_name = theme.plan_label(base)
    if format_share(surv[best_s]) in ("0%", "<1%") and format_share(surv[base]) in ("0%", "<1%"):
        # survival says nothing here: how long the alliances last is the informative number
        longest = max(plans, key=lambda p: float((board.stats(p).get("lifetime") or {}).get("p50") or 0.0))
        text = (f"Almost no alliance completes its {board.life} life under any plan; the median life is "
                f"{life(base)} under {base_name}")
        if longest != base and life(longest) != life(base):
            text += f" and {life(longest)} under {_plan(longest)}"
        return text + "."

    def paired_survival(plan: str) -> str:
        entry = (pairs.get(plan) or {}).get("survival") or {}
        lo, hi = (entry.get("ci95") or [None, None])[:2]
        if lo is None or hi is None:
            return ""
        return (f" ({points_change(entry['mean'])} points on paired runs, 95% CI {points_change(lo)} to "
                f"{points_change(hi)})")

    def beats(plan: str) -> str:
        p = (pairs.get(plan) or {}).get("p_better")
        return "" if p is None else f"; its NPV beats the baseline's in {format_share(float(p))} of paired runs"

    lifts = best_s != base and lift.gain and format_share(surv[best_s]) != format_share(surv[base])
    raises = best_v != base and rise.gain and scale.number(means[best_v]) != scale.number(means[base])
    if lifts and raises and best_s == best_v:
        return (f"{_cap(_plan(best_s))} is best on both counts: {board.life} survival {format_share(surv[best_s])} "
                f"against {format_share(surv[base])} under {base_name}{paired_survival(best_s)}, expected NPV "
                f"{format_money(means[best_v], cur, scale)} against {format_money(means[base], cur, scale)}"
                f"{beats(best_v)}.")
    parts = []
    if lifts:
        parts.append(f"{_cap(_plan(best_s))} lifts {board.life} survival most, from {format_share(surv[base])} "
                     f"under {base_name} to {format_share(surv[best_s])}{paired_survival(best_s)}")
    elif best_s != base and surv[best_s] > surv[base] and format_share(surv[best_s]) != format_share(surv[base]):
        parts.append(f"{_cap(_plan(best_s))} has the highest {board.life} survival, {format_share(surv[best_s])} "
                     f"against {format_share(surv[base])} under {base_name}, but the difference is {lift.noise()}")
    else:
        parts.append(f"No plan lifts {board.life} survival above the {format_share(surv[base])} of the baseline, "
                     f"{base_name}")
    if raises:
        parts.append(f"{_plan(best_v)} gives the highest expected NPV, {format_money(means[best_v], cur, scale)} "
                     f"against {format_money(means[base], cur, scale)}{beats(best_v)}")
    elif best_v != base and means[best_v] > means[base] and scale.number(means[best_v]) != scale.number(means[base]):
        parts.append(f"{_plan(best_v)} has the highest expected NPV, {format_money(means[best_v], cur, scale)} "
                     f"against {format_money(means[base], cur, scale)}, {rise.noise()}")
    else:
        parts.append(f"no plan raises expected NPV above the baseline's {format_money(means[base], cur, scale)}: "
                     f"the contingencies cost more than they save")
    return "; ".join(parts) + "."


def _cause_finding(board: Board) -> str:
    plans = board.plans
    base = plans[0]
    causes = {p: {k: float(v) for k, v in board.stats(p)["end_causes"].items() if k != "survived"} for p in plans}
    if not causes[base] or max(causes[base].values()) <= 0:
        if all(not c or max(c.values()) <= 0 for c in causes.values()):
            return "No risk ended an alliance in any run."
        return f"No risk ended an alliance under {_plan(base)}."
    top = max(causes[base], key=lambda r: causes[base][r])
    share = causes[base][top]
    name = board.risk_name(top)
    dissolved = 1 - float(board.stats(base)["end_causes"].get("survived", 0.0))
    part = f" ({format_share(share / dissolved)} of the alliances that dissolve)" if dissolved > 0 else ""
    text = f"{name} is the main threat: it ends {format_share(share)} of alliances{part}"
    if len(plans) == 1:
        return text + "."
    text = f"{name} is the main threat: it ends {format_share(share)} of alliances under {_plan(base)}"
    lowest = min(plans[1:], key=lambda p: causes[p].get(top, 0.0))
    cut = causes[lowest].get(top, 0.0)
    if format_share(cut) != format_share(share) and cut < share:
        return text + f"; {_plan(lowest)} cuts that to {format_share(cut)}."
    return text + ", and no plan reduces that."


def _value_finding(board: Board) -> str:
    value, drivers, cur = board.studies.get("value"), board.studies.get("drivers"), board.currency
    if value and value.get("contingencies"):
        items = value["contingencies"]
        plan = _plan(str(value.get("plan", "")))
        nets = {c: float(v["npv"]["mean"]) for c, v in items.items()}
        scale = MoneyScale.of([x for c in items for x in (nets[c], float(items[c].get("cost", 0.0)))], cur)
        worst = min(nets, key=lambda c: nets[c])
        name = str(items[worst].get("name") or board.contingency_name(worst))
        lo, hi = (items[worst]["npv"].get("ci95") or [None, None])[:2]
        ci = "" if lo is None or hi is None else \
            f" (95% CI {signed_money(lo, cur, scale)} to {signed_money(hi, cur, scale)})"
        cost = float(items[worst].get("cost", 0.0))
        runs = value.get("runs")
        verdicts = {c: Evidence.of(items[c]["npv"], runs) for c in items}
        if verdicts[worst].loss:
            return (f"{name} does not pay for itself in {plan}: it costs {format_money(cost, cur, scale)} and its net "
                    f"effect on NPV is {signed_money(nets[worst], cur, scale)}{ci}.")
        if nets[worst] < 0:
            return (f"Whether {name} pays for itself in {plan} is {verdicts[worst].noise()}: it costs "
                    f"{format_money(cost, cur, scale)} and its net effect on NPV is "
                    f"{signed_money(nets[worst], cur, scale)}{ci}.")
        top = max(nets, key=lambda c: nets[c])
        name = str(items[top].get("name") or board.contingency_name(top))
        cost = float(items[top].get("cost", 0.0))
        net = f"{signed_money(nets[top], cur, scale)} of NPV net of its {format_money(cost, cur, scale)} cost"
        if all(v.gain for v in verdicts.values()):
            return f"Every contingency in {plan} pays for itself; {name} is worth most: {net}."
        if verdicts[top].gain:
            return f"{name} pays for itself in {plan} and is worth most: {net}."
        return f"No contingency in {plan} clearly pays for itself: {name} is worth most, {net}, {verdicts[top].noise()}."
    if drivers and drivers.get("risks"):
        risks = drivers["risks"]
        top = max(risks, key=lambda r: float(risks[r]["npv"]["mean"]))
        scale = MoneyScale.of([float(risks[top]["npv"]["mean"])], cur)
        name = str(risks[top].get("name") or board.risk_name(top))
        survival = float((risks[top].get("survival") or {}).get("mean", 0.0))
        plan = _plan(str(drivers.get("plan", board.plans[0])))
        cost = Evidence.of(risks[top]["npv"], drivers.get("runs"))
        if not cost.gain:
            return (f"No single risk has a cost clear of the noise under {plan}: {name} has the largest estimate, "
                    f"{format_money(float(risks[top]['npv']['mean']), cur, scale)} of NPV, {cost.noise()}.")
        points = points_change(survival).lstrip("+\u2212")
        lives = f" and {board.life} survival {points} points higher" if points != "0" else ""
        return (f"{name} costs the most under {plan}: without it, expected NPV would be "
                f"{format_money(float(risks[top]['npv']['mean']), cur, scale)} higher{lives}.")
    base = board.plans[0]
    npv = board.stats(base)["npv"]
    if npv.get("p10") is None:
        return f"Expected NPV under {_plan(base)} is {format_money(float(npv['mean']), cur)}."
    scale = MoneyScale.of([float(npv["p10"]), float(npv["p90"]), float(npv["mean"])], cur)
    return (f"The outcome is uncertain: under {_plan(base)}, one run in ten ends with an NPV below "
            f"{format_money(float(npv['p10']), cur, scale)} and one in ten above "
            f"{format_money(float(npv['p90']), cur, scale)} (expected {format_money(float(npv['mean']), cur, scale)}).")


def caption(board: Board, chart: str) -> str:
    """Return the one- or two-line caption under a chart: what is drawn and how to read it."""
    base = theme.plan_label(board.plans[0])
    runs = board.summary.get("runs")
    n = f"{int(runs):,} simulated alliances per plan" if runs else "simulated alliances"
    rate = board.summary.get("discount_rate")
    discount = f", discounted at {100 * float(rate):.3g}% a year" if rate else ""
    if chart == "survival":
        return (f"Share of {n} still together over time; shaded bands are 95% confidence intervals. The end of "
                f"each line is the probability of completing the {board.life} life.")
    if chart == "npv":
        return (f"Net present value at the start{discount}: value created minus risk and contingency costs. "
                f"Dashed lines mark P10 and P90, the solid line the median.")
    if chart == "health":
        threshold = board.summary.get("dissolve_below")
        line = f" (dashed line: {float(threshold):.2f})" if threshold is not None else ""
        return (f"Health index from 1 (full) to 0 (dissolved): median and the bands holding 50% and 90% of runs; "
                f"the alliance dissolves below the threshold{line}.")
    if chart == "causes":
        return ("Each dissolved run is credited to the risk whose occurrence ended it, by a fatal blow or by the "
                "health drop. The two sides of a row add up to 100%.")
    if chart == "compare":
        study = board.studies.get("compare") or {}
        baseline = theme.plan_label(str(study.get("baseline", board.plans[0])))
        return (f"Each plan minus the baseline ({baseline}) on the same {_study_runs(study)} (common random "
                f"numbers), with 95% confidence intervals.")
    if chart == "contingency_value":
        study = board.studies.get("value") or {}
        plan = _plan(str(study.get("plan", ""))) if study.get("plan") else "the plan"
        return (f"What each contingency of {plan} adds before its own cost (its fair share of the plan's gain, and "
                f"its effect if dropped last), against that cost, on {_study_runs(study, 'paired')}; a ratio below "
                f"1\u00d7 does not pay.")
    if chart == "risk_drivers":
        study = board.studies.get("drivers") or {}
        plan = _plan(str(study.get("plan", board.plans[0])))
        return (f"What each risk costs under {plan}: the paired effect of removing it from the scenario, in NPV "
                f"and in survival, over {_study_runs(study, 'paired')}, with 95% confidence intervals.")
    if chart == "frontier":
        study = board.studies.get("optimize") or {}
        every = "every portfolio" if study.get("method", "exact") == "exact" else "the portfolios a heuristic explored"
        return ("Each dot is a portfolio of contingencies (" + every + "), on the same simulated futures: its "
                "expected cost against survival (left) and mean NPV (right). The line is the frontier: nothing "
                "cheaper does better. Rings mark the scenario's plans.")
    if chart == "sweep":
        study = board.studies.get("sweep") or {}
        what = str(study.get("parameter_label") or study.get("parameter") or "the parameter")
        return (f"Every plan at each value of {what}, on the same simulated futures, so the curves are smooth and "
                "point-to-point changes are paired; bands are 95% intervals, dashed lines mark where the best plan "
                "changes.")
    return f"{base}: {chart.replace('_', ' ')}."


def _study_runs(study: Mapping[str, Any], kind: str = "simulated") -> str:
    """``10,000 simulated futures`` for a study's caption: the runs it was simulated with."""
    runs = study.get("runs")
    return f"{int(runs):,} {kind} futures" if isinstance(runs, (int, float)) and runs else f"{kind} futures"


# --- charts as pictures ----------------------------------------------------------------------------------------


def _png_title(png: bytes) -> str:
    """Return the finding a chart PNG was saved with (its ``Title`` metadata), or ''."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return str(image.info.get("Title", "") or "")


def _chart_image(board: Board, name: str, draw_missing: bool = False) -> ChartImage | None:
    """Read the chart's PNG, or draw one when the folder holds only its SVG or PDF; None when there is none."""
    path = board.folder / f"{name}.png"
    if path.exists():
        png = path.read_bytes()
        title = _png_title(png) or _redrawn_title(board, name)
        return ChartImage(name, png, title, path.name)
    if not draw_missing and not any((board.folder / f"{name}.{fmt}").exists() for fmt in theme.FORMATS):
        return None
    png = _redraw(board, name)
    if png is None:
        return None
    return ChartImage(name, png, _png_title(png), f"redrawn from {board.folder.name}'s data")


def _redraw(board: Board, name: str) -> bytes | None:
    """Draw chart ``name`` from the folder's data as PNG bytes (None when this version cannot draw it)."""
    import tempfile

    import matplotlib.pyplot as plt

    from . import report

    with tempfile.TemporaryDirectory() as tmp:
        drawers = report._drawers(board.data)
        stem = next((s for s, c in STUDIES.items() if c == name), None)
        render = getattr(report, "render_study_chart", None)
        if name in drawers:
            fig = drawers[name]()
            try:
                theme.save_figure(fig, tmp, name, ("png",))
            finally:
                plt.close(fig)
        elif render is not None and stem in board.studies:
            render(name, dict(board.studies[stem]), Path(tmp), ("png",))
        out = Path(tmp) / f"{name}.png"
        return out.read_bytes() if out.exists() else None


def _redrawn_title(board: Board, name: str) -> str:
    """The finding of a chart whose PNG carries no title: redraw it and read the title it is drawn with."""
    png = _redraw(board, name)
    return _png_title(png) if png else ""


FALLBACK_TITLES = {
    "survival": "How likely the alliance is to survive its planned life",
    "npv": "The value the alliance creates, and how uncertain it is",
    "health": "How deep the drops go, and how fast the alliance recovers",
    "causes": "Which risks end the alliance",
    "compare": "Each plan against the baseline",
    "contingency_value": "What each contingency is worth against its cost",
    "risk_drivers": "What each risk costs",
    "frontier": "Which contingencies to fund: cost against survival and NPV",
    "sweep": "How the results move with one assumption",
}


def chart_without_title(png: bytes) -> Any:
    """Return a chart PNG as an RGB PIL image with the chart's own title cut off (the slide states it).

    The title is the block of near-black text at the top of an allysim chart (the subtitle under it is grey):
    the crop keeps everything from just above the subtitle down. A picture that does not look like an allysim
    chart (16:9, a dark title near the top) is returned whole.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    width, height = rgb.size
    if abs(width / height - 16 / 9) > 0.02:
        return rgb
    grey = np.asarray(rgb.convert("L"), dtype=np.uint8)
    dpi = height / theme.HEIGHT_IN
    dark = (grey < 80).any(axis=1)
    ink = (grey < 235).any(axis=1)
    rows = np.flatnonzero(dark[: int(0.9 * dpi)])
    if len(rows) == 0:
        return rgb
    gap, end, y = int(0.25 * dpi), int(rows[0]), int(rows[0])
    while y < int(2.2 * dpi):  # the title's lines, until a gap wider than the space between two of them
        if dark[y]:
            end = y
        elif y - end > gap:
            break
        y += 1
    else:
        return rgb
    window = slice(end + 1, end + 1 + int(0.9 * dpi))
    subtitle = np.flatnonzero(ink[window] & ~dark[window])
    top = end + 1 + int(subtitle[0]) - int(0.12 * dpi) if len(subtitle) else end + int(0.1 * dpi)
    return rgb.crop((0, max(end + 1, top), width, height))


def crop_title(png: bytes) -> tuple[bytes, tuple[int, int]]:
    """Return a chart PNG without its own title (see :func:`chart_without_title`), and its size in pixels."""
    image = chart_without_title(png)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=4)
    return buffer.getvalue(), image.size


def _chart_title(board: Board, image: ChartImage) -> str:
    return image.title or FALLBACK_TITLES.get(image.name, theme.plan_label(image.name))


# --- text that fits ------------------------------------------------------------------------------------------------

FONT = "Arial"  # PowerPoint and Keynote have it; LibreOffice uses the metric-compatible Liberation Sans
SLIDE_W = theme.WIDTH_IN
SLIDE_H = theme.HEIGHT_IN
MARGIN = 0.6
LINE = 1.17  # line height / font size (Arial: 1.15)
TITLE_TOP = 0.42
FOOTER_TOP = 7.06
BODY_W = SLIDE_W - 2 * MARGIN

INK = theme.INK
TEXT = theme.TEXT
MUTED = theme.MUTED
FAINT = theme.FAINT
RULE = "#D0D0D0"
HEAD_FILL = "#F2F2F2"
ACCENT = theme.PLAN_COLORS[1]

# Text is measured with Arial's metrics (Arial or Liberation Sans, whichever is installed) plus a safety margin;
# without either, with DejaVu Sans, which is wider still, so the text fits in every case.
_METRIC_FONTS = {False: ("arial.ttf", "Arial.ttf", "LiberationSans-Regular.ttf"),
                 True: ("arialbd.ttf", "Arial Bold.ttf", "LiberationSans-Bold.ttf")}
_SAFETY = 1.04


@lru_cache(maxsize=2)
def _metric_font(bold: bool) -> Any:
    """Return a PIL font at 100 px with Arial's metrics, or DejaVu Sans when no such font is installed."""
    import matplotlib
    from PIL import ImageFont

    for name in _METRIC_FONTS[bold]:
        try:
            return ImageFont.truetype(name, 100)
        except OSError:
            continue
    fallback = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / fallback), 100)


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Return the width in inches of one line of ``text`` at ``size`` points, with a safety margin."""
    return _metric_font(bold).getlength(text) / 100 * size / 72 * _SAFETY


def _wrap(text: str, width_in: float, size: float, bold: bool = False, max_lines: int = 99) -> list[str]:
    """Break ``text`` (paragraphs separated by newlines) into lines at most ``width_in`` wide; beyond
    ``max_lines``, the last line is cut with an ellipsis."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in [w for w in paragraph.split(" ") if w] or [""]:  # a no-break space joins words
            candidate = f"{current} {word}".strip()
            if current and text_width(candidate, size, bold) > width_in:
                lines.append(current)
                current = word
            else:
                current = candidate
            while text_width(current, size, bold) > width_in and len(current) > 1:  # a word wider than the box
                cut = len(current)
                while cut > 1 and text_width(current[:cut], size, bold) > width_in:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1:])
        while len(last) > 1 and text_width(last + "\u2026", size, bold) > width_in:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip(" ,;:") + "\u2026"]
    return lines


def cut_middle(text: str, width_in: float, size: float, bold: bool = False, max_lines: int = 2,
               wrap: Any = None) -> str:
    """Shorten ``text`` to ``max_lines`` lines by cutting words from its middle, keeping its start and its last
    words, which often tell similar names apart (``Governance option … with exit clauses B``).

    ``wrap(text, width_in, size, bold)`` breaks text into lines (default: the deck's, in Arial's metrics).
    """
    _wrap = wrap or globals()["_wrap"]
    if len(_wrap(text, width_in, size, bold)) <= max_lines:
        return text
    words = text.split(" ")
    tail = words[-3:] if len(words) > 4 else words[-1:]
    head: list[str] = []
    for word in words[: len(words) - len(tail)]:
        candidate = " ".join([*head, word, "\u2026", *tail])
        if len(_wrap(candidate, width_in, size, bold)) > max_lines:
            break
        head.append(word)
    shortened = " ".join([*head, "\u2026", *tail])
    if len(_wrap(shortened, width_in, size, bold)) <= max_lines:
        return shortened
    return " ".join(_wrap(text, width_in, size, bold)[: max_lines - 1] + ["\u2026"])


def _height(lines: int, size: float) -> float:
    return lines * size * LINE / 72


def _fit(text: str, width_in: float, height_in: float, largest: float, smallest: float,
         bold: bool = False) -> tuple[float, list[str]]:
    """Return the largest size (in half points) at which ``text`` fits the box, and its lines; at the
    smallest size, as many lines as fit, the last cut with an ellipsis."""
    size = largest
    while True:
        lines = _wrap(text, width_in, size, bold)
        if _height(len(lines), size) <= height_in or size <= smallest:
            break
        size -= 0.5
    room = max(1, int(height_in / (size * LINE / 72) + 1e-9))
    if len(lines) > room:
        lines = _wrap(text, width_in, size, bold, max_lines=room)
    return size, lines


# --- python-pptx helpers ---------------------------------------------------------------------------------------


def _pptx() -> Any:
    try:
        import pptx
    except ImportError:
        raise UsageError("the deck needs python-pptx: pip install python-pptx") from None
    return pptx


def _rgb(color: str) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def _style_run(run: Any, size: float, color: str = TEXT, bold: bool = False) -> None:
    from pptx.util import Pt

    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(color)


def _frame(frame: Any, anchor: str = "top") -> None:
    """Plain text frame: no margins, wrapping, no autofit (every size is chosen here)."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE

    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]


def _paragraphs(frame: Any, items: Sequence[Sequence[tuple[str, float, str, bool]]], space_after: float = 0.0,
                align: str = "left") -> None:
    """Fill ``frame`` with paragraphs, each a list of runs ``(text, size, colour, bold)``."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    for i, runs in enumerate(items):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[align]
        paragraph.line_spacing = 1.0
        if space_after and i < len(items) - 1:
            paragraph.space_after = Pt(space_after)
        for text, size, color, bold in runs:
            run = paragraph.add_run()
            run.text = text
            _style_run(run, size, color, bold)


def _box(slide: Any, left: float, top: float, width: float, height: float,
         items: Sequence[Sequence[tuple[str, float, str, bool]]], anchor: str = "top", space_after: float = 0.0,
         align: str = "left", name: str = "") -> Any:
    from pptx.util import Inches

    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        shape.name = name
    _frame(shape.text_frame, anchor)
    _paragraphs(shape.text_frame, items, space_after, align)
    return shape


def _title_fit(text: str, largest: float = 28.0, smallest: float = 20.0,
               max_lines: int = 2) -> tuple[float, str, float]:
    """Return the size, the text (cut with an ellipsis if it cannot fit) and the height of a slide title."""
    size, lines = _fit(text, BODY_W, _height(max_lines, largest) + 0.01, largest, smallest, bold=True)
    lines = lines[:max_lines]
    shown = text if len(_wrap(text, BODY_W, size, True)) <= max_lines else " ".join(lines)
    return size, shown, _height(len(lines), size)


def _title(slide: Any, text: str, largest: float = 28.0) -> float:
    """Write the slide title in its placeholder (so outlines and screen readers find it); return its bottom."""
    from pptx.util import Inches

    size, shown, height = _title_fit(text, largest)
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(TITLE_TOP), Inches(BODY_W), \
        Inches(height + 0.02)
    _frame(shape.text_frame, "top")
    shape.text_frame.text = ""
    _paragraphs(shape.text_frame, [[(shown, size, INK, True)]])
    return TITLE_TOP + height


def _footer(slide: Any, board: Board, number: int) -> None:
    scenario = board.summary.get("scenario", "")
    left = _wrap(f"{scenario}  \u00b7  allysim {board.summary.get('allysim_version', __version__)}",
                 BODY_W - 1.0, 9.0, max_lines=1)[0]
    _box(slide, MARGIN, FOOTER_TOP + 0.1, BODY_W - 0.8, 0.22, [[(left, 9.0, FAINT, False)]], name="Footer")
    _box(slide, SLIDE_W - MARGIN - 0.6, FOOTER_TOP + 0.1, 0.6, 0.22, [[(str(number), 9.0, FAINT, False)]],
         align="right", name="Slide number")


def _new_slide(prs: Any) -> Any:
    return prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only": a real title placeholder


# --- tables ----------------------------------------------------------------------------------------------------

CELL_X = 0.08  # left and right cell margins, inches
CELL_Y = 0.05


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # share of the table width
    align: str = "left"


Cell = Sequence[tuple[str, str, bool]]  # runs of (text, colour, bold); one paragraph


def _cell_lines(cell: Cell, width_in: float, size: float) -> int:
    text = "".join(t for t, _, _ in cell)
    bold = all(b for _, _, b in cell) if cell else False
    return len(_wrap(text, width_in - 2 * CELL_X, size, bold)) if text else 1


def _row_height(cells: Sequence[Cell], widths: Sequence[float], size: float) -> float:
    lines = max(_cell_lines(c, w, size) for c, w in zip(cells, widths))
    return _height(lines, size) + 2 * CELL_Y + 0.03


def _set_borders(cell: Any, bottom: str | None, weight_emu: int = 9525) -> None:
    """Give a cell a bottom rule (or none) and no other borders, in schema order before its fill."""
    from lxml import etree
    from pptx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    for tag in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        for old in tc_pr.findall(qn(tag)):
            tc_pr.remove(old)
    borders = []
    for tag, color in (("a:lnL", None), ("a:lnR", None), ("a:lnT", None), ("a:lnB", bottom)):
        ln = etree.SubElement(tc_pr, qn(tag), w=str(weight_emu if color else 0))
        if color:
            fill = etree.SubElement(ln, qn("a:solidFill"))
            etree.SubElement(fill, qn("a:srgbClr"), val=color.lstrip("#").upper())
        else:
            etree.SubElement(ln, qn("a:noFill"))
        borders.append(ln)
    for ln in borders:  # line properties come first in a:tcPr, before any fill
        tc_pr.remove(ln)
    for i, ln in enumerate(borders):
        tc_pr.insert(i, ln)


def _table(slide: Any, left: float, top: float, width: float, columns: Sequence[Column],
           rows: Sequence[Sequence[Cell]], size: float, head_size: float | None = None,
           swatches: Sequence[str] | None = None, name: str = "Table") -> float:
    """Draw a table with a shaded heading row and thin rules; return its bottom (inches)."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    head_size = head_size or size
    widths = [c.width * width for c in columns]
    heading_cells: list[Cell] = [[(c.heading, INK, True)] for c in columns]
    heights = [_row_height(heading_cells, widths, head_size)] + [_row_height(r, widths, size) for r in rows]
    shape = slide.shapes.add_table(len(rows) + 1, len(columns), Inches(left), Inches(top), Inches(width),
                                   Inches(sum(heights)))
    shape.name = name
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    _plain_table_style(shape)
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i, h in enumerate(heights):
        table.rows[i].height = Inches(h)
    for i, cells in enumerate([heading_cells, *rows]):
        for j, runs in enumerate(cells):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(CELL_X)
            cell.margin_top = cell.margin_bottom = Inches(CELL_Y)
            cell.vertical_anchor = MSO_ANCHOR.BOTTOM if i == 0 else MSO_ANCHOR.TOP
            frame = cell.text_frame
            frame.word_wrap = True
            paragraph = frame.paragraphs[0]
            paragraph.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT,
                                   "center": PP_ALIGN.CENTER}[columns[j].align]
            for k, (text, color, bold) in enumerate(runs):
                run = paragraph.add_run()
                run.text = text
                _style_run(run, head_size if i == 0 else size, color, bold)
                if i and k and not bold and color == MUTED:
                    run.font.size = Pt(max(size - 1.5, 8))
            if i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(HEAD_FILL)
            else:
                cell.fill.background()
            _set_borders(cell, "#9A9A9A" if i == 0 else RULE)
    bottom = top + sum(heights)
    if swatches:
        from pptx.enum.shapes import MSO_SHAPE

        y = top + heights[0]
        for color, h in zip(swatches, heights[1:]):
            side = min(0.15, size * 0.8 / 72)
            first_line = CELL_Y + (size * LINE / 72 - side) / 2  # centred on the first line of text
            mark = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left - 0.24), Inches(y + first_line),
                                          Inches(side), Inches(side))
            mark.fill.solid()
            mark.fill.fore_color.rgb = _rgb(color)
            mark.line.fill.background()
            mark.shadow.inherit = False
            mark.name = "Plan colour"
            y += h
    return bottom


def _plain_table_style(shape: Any) -> None:
    """Use the built-in 'No Style, No Grid' table style: every colour and rule is set cell by cell."""
    from pptx.oxml.ns import qn

    tbl_pr = shape._element.graphic.graphicData.tbl.tblPr
    style = tbl_pr.find(qn("a:tableStyleId"))
    if style is None:
        from lxml import etree

        style = etree.SubElement(tbl_pr, qn("a:tableStyleId"))
    style.text = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"


def _auto_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: float,
                 size: float) -> list[Column]:
    """Share ``width`` among the columns by their content, as a browser lays out a table: each column gets at
    least its longest word, and the rest goes where text would otherwise wrap most."""
    pad = 2 * CELL_X + 0.02
    least, natural = [], []
    for j, column in enumerate(columns):
        texts = [("".join(t for t, _, _ in row[j]), all(b for _, _, b in row[j])) for row in rows]
        words = [text_width(w, size, bold) for text, bold in texts for w in text.split()]
        words.append(max(text_width(w, size, True) for w in column.heading.split()))
        least.append(max(words) + pad)
        lines = [text_width(text, size, bold) for text, bold in texts] or [0.0]
        natural.append(max(max(lines), text_width(column.heading, size, True) * 0.5) + pad)
    if sum(least) >= width:
        shares = [w / sum(least) for w in least]
    else:
        spare = width - sum(least)
        extra = [max(n - m, 0.0) ** 0.5 for n, m in zip(natural, least)]  # sqrt: long texts do not take all
        total = sum(extra) or 1.0
        shares = [(m + spare * e / total) / width for m, e in zip(least, extra)]
    return [Column(c.heading, share, c.align) for c, share in zip(columns, shares)]


def _paginate(rows: Sequence[Sequence[Cell]], widths: Sequence[float], size: float, room: float,
              head: float) -> list[list[Sequence[Cell]]]:
    """Split rows into pages whose tables (heading included) are at most ``room`` inches tall."""
    pages: list[list[Sequence[Cell]]] = [[]]
    used = head
    for row in rows:
        h = _row_height(row, widths, size)
        if pages[-1] and used + h > room:
            pages.append([])
            used = head
        pages[-1].append(row)
        used += h
    return pages


# --- slides ----------------------------------------------------------------------------------------------------


@dataclass
class _Deck:
    prs: Any
    board: Board
    count: int = 0

    def slide(self, title: str, largest: float = 28.0) -> tuple[Any, float]:
        slide = _new_slide(self.prs)
        self.count += 1
        bottom = _title(slide, title, largest=largest)
        _footer(slide, self.board, self.count)
        return slide, bottom


def _title_slide(deck: _Deck, date: _dt.date) -> None:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    board, summary = deck.board, deck.board.summary
    slide = _new_slide(deck.prs)
    deck.count += 1
    left, width = MARGIN + 0.35, BODY_W - 0.35
    kicker = "Alliance risk and contingency analysis"
    size, lines = _fit(str(summary.get("scenario", "")), width, _height(3, 40), 40, 26, bold=True)
    name_h = _height(len(lines), size)
    description = board.scenario.description.strip() if board.scenario is not None else ""
    d_size, d_lines = _fit(description, width, _height(3, 18), 18, 14) if description else (18, [])
    d_h = _height(len(d_lines), d_size)
    block = 0.35 + 0.2 + name_h + (0.25 + d_h if d_lines else 0)
    top = max(1.2, 3.3 - block / 2)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(MARGIN), Inches(top), Inches(0.1), Inches(block))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(ACCENT)
    bar.line.fill.background()
    bar.shadow.inherit = False
    bar.name = "Accent"
    _box(slide, left, top, width, 0.35, [[(kicker.upper(), 13, ACCENT, True)]], name="Kicker")
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(left), Inches(top + 0.55), Inches(width), \
        Inches(name_h + 0.02)
    _frame(shape.text_frame)
    shape.text_frame.text = ""
    shown = " ".join(lines) if len(_wrap(str(summary.get("scenario", "")), width, size, True)) > 3 else \
        str(summary.get("scenario", ""))
    _paragraphs(shape.text_frame, [[(shown, size, INK, True)]])
    if d_lines:
        _box(slide, left, top + 0.55 + name_h + 0.25, width, d_h + 0.02, [[(" ".join(d_lines), d_size, TEXT, False)]],
             name="Description")
    runs = summary.get("runs")
    plans = len(board.plans)
    sha = str(summary.get("scenario_sha256", ""))
    facts = [f"{int(runs):,} simulated lifetimes per plan" if runs else "", f"{plans} plan{'s' if plans != 1 else ''}",
             f"seed {summary.get('seed')}" if summary.get("seed") is not None else "",
             f"scenario sha256 {sha[:12]}" if sha else "", f"allysim {summary.get('allysim_version', __version__)}"]
    if board.mixed:  # a board must not read numbers from two versions of the assumptions as one story
        facts.insert(0, "this folder mixes scenario versions: " + ", ".join(board.mixed) + " left out (see Method)")
    provenance = "  \u00b7  ".join(f for f in facts if f)
    p_size, p_lines = _fit(provenance, width, _height(2, 13), 13, 10)
    _box(slide, left, 5.75, width, 0.4, [[(date.strftime("%-d %B %Y") if os.name != "nt" else
                                           date.strftime("%d %B %Y").lstrip("0"), 18, INK, True)]], name="Date")
    _box(slide, left, 6.2, width, _height(len(p_lines), p_size) + 0.02, [[(provenance, p_size, MUTED, False)]],
         name="Provenance")


def _summary_slides(deck: _Deck) -> None:
    """The key numbers and the findings on one slide; on two when eight long-named plans leave no room."""
    board = deck.board
    numbers = key_numbers(board)
    items = findings(board)
    shares = [0.25, 0.16, 0.11, 0.17, 0.15, 0.16] if len(numbers.headings) == 6 else \
        [0.22, 0.145, 0.1, 0.155, 0.135, 0.11, 0.135]
    columns = [Column(h, w, "left" if j == 0 else "right") for j, (h, w) in enumerate(zip(numbers.headings, shares))]
    table_w = BODY_W - 0.25  # room on the left for each plan's colour
    widths = [c.width * table_w for c in columns]
    top = TITLE_TOP + _title_fit("Executive summary")[2] + 0.3
    body = FOOTER_TOP - 0.15 - top

    def rows(size: float) -> list[list[Cell]]:
        out = []
        for plan, row in numbers.rows.items():
            cells: list[Cell] = []
            for j, (main, detail) in enumerate(row):
                if j == 0:  # a long plan name takes two lines at most
                    main = cut_middle(main, widths[0] - 2 * CELL_X, size, True, max_lines=2)
                cell = [(main, INK, j == 0 or numbers.best.get(j) == plan)]
                if detail:
                    cell.append((f" {detail}", MUTED, False))
                cells.append(cell)
            out.append(cells)
        return out

    def table_height(size: float) -> float:
        return _row_height([[(c.heading, INK, True)] for c in columns], widths, size - 2) + \
            sum(_row_height(r, widths, size) for r in rows(size))

    def findings_height(size: float, width: float = BODY_W) -> float:
        heading = _height(1, size - 1) + 0.12
        return heading + sum(_height(len(_wrap(t, width - 0.3, size)), size) for t in items) + \
            0.12 * (len(items) - 1)

    def table(slide: Any, size: float) -> float:
        swatches = [theme.plan_color(i) for i in range(len(board.plans))]
        return _table(slide, MARGIN + 0.25, top, table_w, columns, rows(size), size, head_size=size - 2,
                      swatches=swatches, name="Key numbers")

    def write_findings(slide: Any, y: float, size: float) -> None:
        _box(slide, MARGIN, y, BODY_W, _height(1, size - 1) + 0.02, [[("What the simulation finds", size - 1,
                                                                       ACCENT, True)]], name="Findings heading")
        y += _height(1, size - 1) + 0.12
        paragraphs = [[(text, size, INK, False)] for text in items]
        _bullets(_box(slide, MARGIN, y, BODY_W, FOOTER_TOP - 0.1 - y, paragraphs, space_after=0.12 * 72,
                      name="Findings"))

    # One slide: the table at 16 to 11 pt and the findings at 18 to 13 pt, the table shrinking first.
    for size in (16.0, 15.0, 14.0, 13.0, 12.0, 11.0):
        for f_size in np.arange(min(18.0, size + 2), 12.99, -0.5):
            if table_height(size) + 0.3 + findings_height(float(f_size)) <= body:
                slide, _ = deck.slide("Executive summary")
                write_findings(slide, table(slide, size) + 0.3, float(f_size))
                return
    # Two slides: the findings, large, then the table.
    slide, _ = deck.slide("Executive summary")
    f_size = next((float(f) for f in np.arange(20.0, 12.99, -0.5) if findings_height(float(f)) <= body), 13.0)
    write_findings(slide, top, f_size)
    slide, _ = deck.slide("Key numbers by plan")
    size = next((s for s in (14.0, 13.0, 12.0, 11.0, 10.5, 10.0) if table_height(s) <= body), 10.0)
    table(slide, size)


def _bullets(shape: Any, indent_in: float = 0.3, color: str = ACCENT) -> None:
    """Make every paragraph of ``shape`` a bullet point: a small square, the text hanging from it."""
    from lxml import etree
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    for paragraph in shape.text_frame.paragraphs:
        p_pr = paragraph._p.get_or_add_pPr()
        p_pr.set("marL", str(int(Inches(indent_in))))
        p_pr.set("indent", str(-int(Inches(indent_in))))
        for tag in ("a:buClr", "a:buSzPct", "a:buFont", "a:buChar", "a:buNone"):
            for old in p_pr.findall(qn(tag)):
                p_pr.remove(old)
        # schema order inside a:pPr: lnSpc, spcBef, spcAft, buClr, buSzPct, buFont, buChar
        anchor = next((i + 1 for i, child in enumerate(p_pr) if child.tag in
                       (qn("a:lnSpc"), qn("a:spcBef"), qn("a:spcAft"))), 0)
        clr = etree.Element(qn("a:buClr"))
        etree.SubElement(clr, qn("a:srgbClr"), val=color.lstrip("#").upper())
        size = etree.Element(qn("a:buSzPct"), val="100000")
        font = etree.Element(qn("a:buFont"), typeface="Arial")
        char = etree.Element(qn("a:buChar"), char="\u2022")
        for k, element in enumerate((clr, size, font, char)):
            p_pr.insert(anchor + k, element)


def _chart_slide(deck: _Deck, image: ChartImage) -> None:
    from pptx.util import Inches

    board = deck.board
    slide, bottom = deck.slide(_chart_title(board, image))
    text = caption(board, image.name)
    c_size, c_lines = _fit(text, BODY_W, _height(2, 13), 13, 11)
    c_h = _height(len(c_lines), c_size)
    c_top = FOOTER_TOP - 0.08 - c_h
    png, (w, h) = crop_title(image.png) if image.title else (image.png, _png_size(image.png))
    box_top, box_h = bottom + 0.12, c_top - 0.12 - (bottom + 0.12)
    scale = min(BODY_W / w, box_h / h)
    pic_w, pic_h = w * scale, h * scale
    left = (SLIDE_W - pic_w) / 2
    picture = slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(box_top), Inches(pic_w), Inches(pic_h))
    picture.name = f"Chart: {image.name}"
    picture._element.nvPicPr.cNvPr.set("descr", _chart_title(board, image))
    _box(slide, MARGIN, c_top, BODY_W, c_h + 0.02, [[(" ".join(c_lines), c_size, MUTED, False)]], name="Caption")


def _portfolio_slide(deck: _Deck, study: Mapping[str, Any]) -> None:
    """The "Recommended portfolio" slide: the choice, its margin over the runner-up and the dominated plans, in
    words within the evidence (:func:`allysim.recommendation.recommend`)."""
    from .recommendation import recommend

    words = recommend(study)
    slide, bottom = deck.slide(words.headline)
    top = bottom + 0.3
    room = FOOTER_TOP - 0.2 - top
    size = 18.0
    while size > 12 and sum(_height(len(_wrap(t, BODY_W - 0.3, size)), size) for t in words.points) + \
            0.12 * (len(words.points) - 1) > room:
        size -= 0.5
    shape = _box(slide, MARGIN, top, BODY_W, room, [[(t, size, INK, False)] for t in words.points],
                 space_after=0.12 * 72, name="Recommendation")
    _bullets(shape)


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _table_slides(deck: _Deck, title: str, intro: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                  size: float = 12.0, largest: float = 14.0, smallest: float = 11.0) -> None:
    """Add slides holding a table: at the largest size from ``largest`` down to ``smallest`` at which it fits
    one slide, else at ``size`` over as few slides as it needs, rows shared evenly, the heading repeated."""
    columns = _auto_widths(columns, rows, BODY_W, size)
    widths = [c.width * BODY_W for c in columns]
    head_cells: list[Cell] = [[(c.heading, INK, True)] for c in columns]

    def head(s: float) -> float:
        return _row_height(head_cells, widths, s)

    title_bottom = TITLE_TOP + _title_fit(f"{title} (10 of 10)")[2]
    i_size, i_lines = _fit(intro, BODY_W, _height(2, 13), 13, 11) if intro else (13, [])
    intro_h = _height(len(i_lines), i_size) + 0.15 if i_lines else 0.0
    room = FOOTER_TOP - 0.12 - (title_bottom + 0.25 + intro_h)  # the same on every page, so that pages balance
    for candidate in np.arange(largest, smallest - 0.01, -0.5):
        if len(_paginate(rows, widths, float(candidate), room, head(float(candidate)))) == 1:
            size = float(candidate)
            break
    pages = _paginate(rows, widths, size, room, head(size))
    target = room
    while len(pages) > 1 and target > 1.0:  # shrink the page until one more row would need another slide
        trial = _paginate(rows, widths, size, target - 0.1, head(size))
        if len(trial) > len(pages):
            break
        pages, target = trial, target - 0.1
    for k, page in enumerate(pages):
        label = title if len(pages) == 1 else f"{title} ({k + 1} of {len(pages)})"
        slide, b = deck.slide(label)
        y = b + 0.25
        if k == 0 and i_lines:
            _box(slide, MARGIN, y, BODY_W, intro_h, [[(" ".join(i_lines), i_size, TEXT, False)]], name="Intro")
            y += intro_h
        _table(slide, MARGIN, y, BODY_W, columns, page, size, name=title)


_STUDY_NAMES = {"compare": "Plan comparison", "value": "Contingency values", "drivers": "Risk drivers",
                "optimize": "Portfolio search", "sweep": "Sweep"}


def _method_slide(deck: _Deck, omitted: Sequence[str]) -> None:
    board, summary = deck.board, deck.board.summary
    slide, bottom = deck.slide("Method and provenance")
    runs, seed = summary.get("runs"), summary.get("seed")
    rate = summary.get("discount_rate")
    currency = board.currency
    items = [
        f"Each plan is simulated over {int(runs):,} alliance lifetimes (Monte Carlo, event by event in SimPy), from "
        f"the start to dissolution or the end of the {board.life} life." if runs else
        "Each plan is simulated over many alliance lifetimes (Monte Carlo, event by event in SimPy).",
        f"One root seed, {seed}, drives every random draw: the same seed and scenario file give the same numbers on "
        f"any computer and any number of workers.",
        "Survival is the share of runs that complete the planned life, with a 95% Wilson score interval. Means "
        "(NPV, costs) carry a 95% Student t interval; P10, P50 and P90 are percentiles across runs.",
        "Plans are compared on common random numbers: every plan faces the same simulated risks, so differences "
        "between plans are measured run by run (paired), with far less noise than independent runs.",
        "NPV is the value created minus risk and contingency costs, as a present value at the start"
        + (f", discounted continuously at ln(1 + {100 * float(rate):.3g}%) a year" if rate else ", undiscounted")
        + (f"; amounts in {currency}." if currency else ".")
        + " Resilience is the average health over the planned life, counting 0 after dissolution.",
    ]
    value = board.studies.get("value")
    if value:
        method = "exact, over every order" if value.get("method", "exact") == "exact" else \
            "estimated from sampled orders, with their sampling error"
        items.append("Contingency values: each contingency's paired effect (the plan with it minus without it, net of "
                     f"its cost) and its Shapley share of the whole plan's effect ({method}).")
    if board.studies.get("drivers"):
        items.append("Risk drivers: what each risk costs, as the paired effect of removing it from the scenario.")
    optimize = board.studies.get("optimize")
    if optimize:
        how = "every portfolio" if optimize.get("method") == "exact" else \
            "a greedy heuristic's portfolios (not every one)"
        items.append(f"Portfolios: {how} of {len(optimize.get('candidates') or {})} contingencies simulated on common "
                     "random numbers; cost is the expected present value of a portfolio's contingency costs, and a "
                     "winner is named only when the paired 95% interval over the runner-up excludes a tie.")
    swept = board.studies.get("sweep")
    if swept:
        items.append(f"Sweep: every plan simulated at each of {len(swept.get('values') or [])} values of "
                     f"{swept.get('parameter')} on the same seed and replications (common random numbers).")
    precision = summary.get("precision")
    if isinstance(precision, dict) and precision:
        items.append("Runs were added in batches until the requested precision was reached "
                     f"({', '.join(f'{k} {v}' for k, v in precision.items() if not isinstance(v, (dict, list)))}).")
    overrides = override_texts(summary.get("overrides"))
    if overrides:
        items.append("What-if: these parameters were set over the scenario file's values (--set): "
                     f"{'; '.join(overrides)}.")
    for stem, study in board.studies.items():
        if study.get("overrides", {}) != summary.get("overrides", {}):
            items.append(f"{stem}.json was simulated with other parameter settings: "
                         f"{'; '.join(override_texts(study.get('overrides'))) or 'the file as written'}.")
        same = study.get("runs") == runs and study.get("seed") == seed
        items.append(f"{_STUDY_NAMES.get(stem, stem)} ({stem}.json): {int(study.get('runs') or 0):,} runs, seed "
                     f"{study.get('seed')}" + (", as the run." if same else ", simulated separately from the run."))
    items += list(board.notes) + list(omitted)
    scenario_file = board.scenario_path or summary.get("scenario_file")
    facts = [("Scenario", str(summary.get("scenario", ""))),
             ("Scenario file", str(scenario_file or "not recorded")),
             ("sha256", str(summary.get("scenario_sha256", ""))),
             ("Runs per plan", f"{int(runs):,}" if runs else ""), ("Seed", str(seed)),
             ("allysim", str(summary.get("allysim_version", __version__)))]
    facts_h = _height(len(facts), 11) + 0.1
    top = bottom + 0.3
    room = FOOTER_TOP - 0.2 - facts_h - 0.25 - top
    size = 16.0
    while size > 11 and sum(_height(len(_wrap(t, BODY_W - 0.3, size)), size) for t in items) + \
            0.1 * (len(items) - 1) > room:
        size -= 0.5
    paragraphs = [[(t, size, INK, False)] for t in items]
    shape = _box(slide, MARGIN, top, BODY_W, room, paragraphs, space_after=0.1 * 72, name="Method")
    _bullets(shape)
    y = FOOTER_TOP - 0.15 - facts_h
    rows = [[(f"{k}  ", 11, MUTED, True), (v, 11, TEXT, False)] for k, v in facts if v]
    _box(slide, MARGIN, y, BODY_W, facts_h, rows, name="Provenance")


# --- the appendix: the scenario in tables --------------------------------------------------------------------------


def _g(x: float) -> str:
    """A parameter for people: three significant figures, k/M/B beyond ten thousand, a true minus sign."""
    sign = "\u2212" if x < 0 else ""
    x = abs(float(x))
    for factor, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if x >= factor:
            return f"{sign}{x / (factor if suffix != 'k' else 1e3):.3g}{suffix}"
    return f"{sign}{x:.3g}"


def _pct(p: float) -> str:
    return f"{100 * p:.3g}%"


_SCALED = {"constant": ("value_",), "uniform": ("low", "high"), "triangular": ("low", "likely", "high"),
           "pert": ("low", "likely", "high"), "normal": ("mean_", "sd"), "lognormal": ("median", "p90", "mean_", "sd"),
           "beta": ("low", "high"), "exponential": ("mean_",), "choice": ("values",), "empirical": ("values",)}


def _numbers(dist: Any) -> list[float]:
    """The numbers of a distribution that carry its unit (not shape parameters or weights)."""
    out: list[float] = []
    for name in _SCALED.get(getattr(dist, "family", "constant"), ()):
        value = getattr(dist, name, None)
        if isinstance(value, (int, float)):
            out.append(float(value))
        elif isinstance(value, (tuple, list)):
            out += [float(v) for v in value]
    return out + [float(v) for v in (getattr(dist, "clip", None) or ())]


def describe(dist: Any, unit: str = "", scale: float = 1.0) -> str:
    """Describe a scenario distribution in words: ``0.1–0.45, likely 0.2 (triangular)``.

    ``unit`` (``" years"``) follows the main number or range; every number carrying the unit is multiplied by
    ``scale`` first.
    """
    family = getattr(dist, "family", "constant")
    u = unit

    def g(x: float) -> str:
        return _g(x * scale)

    if family == "constant":
        text = f"{g(dist.value_)}{u}"
    elif family == "uniform":
        text = f"{g(dist.low)}\u2013{g(dist.high)}{u} (uniform)"
    elif family in ("triangular", "pert"):
        text = f"{g(dist.low)}\u2013{g(dist.high)}{u}, likely {g(dist.likely)} " \
               f"({'PERT' if family == 'pert' else 'triangular'})"
    elif family == "normal":
        text = f"mean {g(dist.mean_)}{u}, sd {g(dist.sd)} (normal)"
    elif family == "lognormal":
        text = f"median {g(dist.median)}{u}, P90 {g(dist.p90)}" if dist.median is not None else \
            f"mean {g(dist.mean_)}{u}, sd {g(dist.sd)}"
        text += " (lognormal)"
    elif family == "beta":
        text = f"beta({_g(dist.a)}, {_g(dist.b)})"
        if (dist.low, dist.high) != (0.0, 1.0):
            text += f" on {g(dist.low)}\u2013{g(dist.high)}{u}"
    elif family == "exponential":
        text = f"mean {g(dist.mean_)}{u} (exponential)"
    elif family in ("choice", "empirical"):
        values = list(dist.values)
        if len(values) <= 4:
            text = ", ".join(g(v) for v in values[:-1]) + (" or " if len(values) > 1 else "") + g(values[-1]) + u
            weights = getattr(dist, "weights", None)
            if weights:
                total = sum(weights) or 1.0
                text += f" ({' / '.join(f'{100 * w / total:.0f}%' for w in weights)})"
        else:
            text = f"{len(values)} values, {g(min(values))}\u2013{g(max(values))}{u}"
        if family == "empirical":
            text += " (resampled)"
    else:
        text = family
    clip = getattr(dist, "clip", None)
    if clip is not None:
        text += f", clipped to {g(clip[0])}\u2013{g(clip[1])}"
    return text


def _round(x: float) -> bool:
    return abs(x * 100 - round(x * 100)) <= 1e-6 * max(1.0, abs(x * 100))


def _time_unit_for(numbers: Sequence[float], time_unit: str) -> tuple[str, float]:
    """Choose the unit that shows durations as round numbers of at least 1 (``6 months`` over ``0.5 years``)."""
    from .scenario.units import DAYS_PER, TIME_UNITS

    nonzero = [abs(x) for x in numbers if x]
    smaller = [u for u in TIME_UNITS[TIME_UNITS.index(time_unit):] if u != "quarter" or u == time_unit]
    for need_whole in (True, False):
        for unit in smaller:
            scale = DAYS_PER[time_unit] / DAYS_PER[unit]
            if all(_round(x * scale) for x in nonzero) and (not need_whole or min(nonzero, default=1) * scale >= 1):
                return unit, scale
    return time_unit, 1.0


def describe_time(dist: Any, time_unit: str) -> str:
    """Describe a duration in the unit that reads best: ``6–36 months, likely 12 (PERT)``."""
    unit, scale = _time_unit_for(_numbers(dist), time_unit)
    one = getattr(dist, "family", "") == "constant" and abs(dist.value_ * scale - 1) < 1e-9
    return _singular(describe(dist, f" {unit}" if one else f" {unit}s", scale))


def _singular(text: str) -> str:
    """``mean 1 years`` -> ``mean 1 year`` (a range such as ``0–1 years`` stays plural)."""
    return re.sub(r"(?<![\d.\u2013])1 (year|quarter|month|week|day)s\b", r"1 \1", text)


def _time_text(value: float, time_unit: str) -> str:
    unit, scale = _time_unit_for([value], time_unit)
    return f"{_g(value * scale)} {unit}" + ("" if abs(value * scale - 1) < 1e-9 else "s")


def _is_zero(dist: Any) -> bool:
    return getattr(dist, "family", "") == "constant" and dist.value_ == 0


def _short(name: str, limit: int = 40) -> str:
    """Shorten a name quoted inside a cell: cut at a word, with an ellipsis."""
    if len(name) <= limit:
        return name
    cut = name.rfind(" ", 0, limit)
    return name[: cut if cut > 0 else limit].rstrip(" ,;:-") + "\u2026"


def _risk_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
    s, unit = board.scenario, board.time_unit
    cur = Currency.parse(board.currency)
    money_unit = cur.axis(MoneyScale(1.0, "", "", 0)) or board.currency
    if s is None:
        base = board.plans[0]
        stats = board.stats(base)
        columns = [Column("Risk", 0.36), Column("Id", 0.22), Column("Category", 0.14),
                   Column(f"Occurrences per run ({theme.plan_label(base)})", 0.14, "right"),
                   Column(f"Ends ({theme.plan_label(base)})", 0.14, "right")]
        rows = []
        for rid, info in (board.summary.get("risks") or {}).items():
            occ = ((stats.get("risks") or {}).get(rid) or {}).get("occurrences_mean")
            rows.append([[(board.risk_name(rid), INK, True)], [(rid, TEXT, False)],
                         [(str(info.get("category", "")), TEXT, False)],
                         [("" if occ is None else f"{occ:.2f}", TEXT, False)],
                         [(format_share(float(stats["end_causes"].get(rid, 0.0))), TEXT, False)]])
        return columns, rows, ""
    columns = [Column("Risk", 0.19), Column("Category", 0.09), Column("Frequency", 0.12),
               Column("Health drop", 0.13), Column(f"Cost ({money_unit})" if money_unit else "Cost", 0.13),
               Column("Value impact", 0.16), Column("Fatal", 0.06, "right"),
               Column("Cascades", 0.12)]
    rows = []
    for r in s.risks:
        freq = f"{_g(r.rate)} per {unit}" if r.rate is not None else f"{_pct(r.probability)} chance per {unit}"
        if r.max_occurrences:
            freq += f", at most {r.max_occurrences}"
        imp = r.impact
        value = ""
        if imp.value is not None:
            value = f"\u00d7 {describe(imp.value.factor)} for {describe_time(imp.value.duration, unit)}"
        cascades = "; ".join(
            f"{_short(s.risk(e.risk).label, 40)} rate \u00d7 {_g(e.factor)} "
            + (f"for {describe_time(e.duration, unit)}" if e.duration is not None else "permanently")
            for e in imp.escalates)
        rows.append([[(r.label, INK, True)], [(r.category, TEXT, False)], [(freq, TEXT, False)],
                     [("\u2013" if _is_zero(imp.health) else describe(imp.health), TEXT, False)],
                     [("\u2013" if _is_zero(imp.cost) else describe(imp.cost), TEXT, False)],
                     [(value or "\u2013", TEXT, False)], [(_pct(imp.fatal) if imp.fatal else "\u2013", TEXT, False)],
                     [(cascades or "\u2013", TEXT, False)]])
    intro = (f"Rates are per {unit}. Each occurrence cuts health (1 = full; the alliance dissolves below "
             f"{s.alliance.health.dissolve_below:g}), costs money, multiplies the value created for a while, ends the "
             f"alliance outright with the 'Fatal' probability, and may raise other risks' rates (cascades).")
    return columns, rows, intro


def _contingency_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
    s, unit = board.scenario, board.time_unit
    plan_sets = {p: list(board.stats(p).get("contingencies_in_plan") or []) for p in board.plans}
    if s is not None:
        plan_sets = {p: list(s.plan_sets.get(p, plan_sets[p])) for p in board.plans}

    def in_plans(cid: str) -> str:
        names = [theme.plan_label(p) for p in board.plans if cid in plan_sets[p]]
        return ", ".join(names) or "none of the simulated plans"

    if s is None:
        columns = [Column("Contingency", 0.34), Column("Id", 0.22), Column("In plans", 0.44)]
        rows = [[[(board.contingency_name(cid), INK, True)], [(cid, TEXT, False)], [(in_plans(cid), TEXT, False)]]
                for cid in (board.summary.get("contingencies") or {})]
        return columns, rows, ""
    columns = [Column("Contingency", 0.19), Column("Trigger", 0.14), Column("Delay", 0.1),
               Column("Success", 0.07, "right"), Column("Effect", 0.2), Column("Cost", 0.14), Column("In plans", 0.16)]
    rows = []
    for c in s.contingencies:
        t = c.trigger
        trigger = (f"Health below {t.health_below:g}" if t.kind == "health" else
                   "Dissolution (rescue)" if t.kind == "dissolution" else f"On {_short(s.risk(t.on).label, 40)}")
        if c.max_activations:
            trigger += f"; at most {c.max_activations} time{'s' if c.max_activations > 1 else ''}"
        e = c.effect
        effects = []
        if e.reduce_impact is not None:
            effects.append(f"cuts that occurrence's impact by {_pct(e.reduce_impact)}")
        if e.restore_health is not None:
            effects.append(f"health +{_g(e.restore_health)}")
        for f in e.rate_factor:
            effects.append(f"{_short(s.risk(f.risk).label, 40)} rate \u00d7 {_g(f.factor)} "
                           + (f"for {_time_text(f.duration, unit)}" if f.duration else "permanently"))
        if e.rescue_health is not None:
            effects.append(f"rescues the alliance, health back to {_g(e.rescue_health)}")
        costs = [f"{_g(c.cost.setup)} setup" if c.cost.setup else "",
                 f"{_g(c.cost.per_time)} per {unit}" if c.cost.per_time else "",
                 f"{_g(c.cost.per_activation)} per activation" if c.cost.per_activation else ""]
        rows.append([[(c.label, INK, True)], [(trigger, TEXT, False)],
                     [("none" if _is_zero(c.delay) else describe_time(c.delay, unit), TEXT, False)],
                     [(_pct(c.success), TEXT, False)], [("; ".join(effects), TEXT, False)],
                     [("; ".join(x for x in costs if x) or "none", TEXT, False)], [(in_plans(c.id), TEXT, False)]])
    cur = Currency.parse(board.currency)
    money_unit = cur.axis(MoneyScale(1.0, "", "", 0)) or board.currency
    intro = (f"Costs in {money_unit}, as written in the scenario: setup at the start, running costs per {unit} "
             f"while the alliance lives, and a cost per activation, whether or not it succeeds." if money_unit else "")
    return columns, rows, intro


def _plan_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
    s = board.scenario
    summary = board.summary
    columns = [Column("Plan", 0.28), Column("Contingencies prepared", 0.72)]
    rows = []
    for plan in board.plans:
        ids = list(s.plan_sets.get(plan, ())) if s is not None else \
            list(board.stats(plan).get("contingencies_in_plan") or [])
        names = ", ".join(board.contingency_name(c) for c in ids) or "none"
        rows.append([[(theme.plan_label(plan), INK, True)], [(names, TEXT, False)]])
    parts = [f"Planned life {float(summary['horizon']):g} {board.time_unit}s"]
    rate = summary.get("discount_rate")
    if rate is not None:
        parts.append(f"discount rate {100 * float(rate):.3g}% a year")
    if s is not None:
        h = s.alliance.health
        parts.append(f"value created at full health {format_money(s.alliance.value_rate, board.currency)} per "
                     f"{board.time_unit}")
        parts.append(f"health starts at {h.initial:g}, recovers at {h.recovery:g} per {board.time_unit} and the "
                     f"alliance dissolves below {h.dissolve_below:g}")
        parts.append(f"{len(s.risks)} risks and {len(s.contingencies)} contingencies")
    elif summary.get("dissolve_below") is not None:
        parts.append(f"the alliance dissolves when health falls below {float(summary['dissolve_below']):g}")
    intro = "; ".join(parts) + ". The first plan is the baseline every comparison refers to."
    return columns, rows, intro


# --- the deck --------------------------------------------------------------------------------------------------


def build_deck(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
               date: _dt.date | None = None) -> Path:
    """Write a 16:9 board deck (PowerPoint) from an output folder; return its path.

    Parameters
    ----------
    folder
        An output folder of ``allysim run`` (``summary.json``, ``runs.csv``, ``health.json``, charts), perhaps
        with ``compare.json``, ``value.json`` and ``drivers.json`` and their charts.
    out
        Where to write the deck; default ``<folder>/deck.pptx``.
    date
        The date on the title slide (default today). With a fixed date the file is byte-for-byte reproducible.

    Raises
    ------
    OutputError
        The folder is not an output folder, or the deck cannot be written.
    UsageError
        python-pptx is not installed.

    Examples
    --------
    >>> build_deck("reports/joint_venture")                                 # doctest: +SKIP
    PosixPath('reports/joint_venture/deck.pptx')
    >>> build_deck("reports/joint_venture", "board/jv.pptx", date=datetime.date(2026, 3, 2))   # doctest: +SKIP
    """
    pptx = _pptx()
    from pptx.util import Inches

    board = load_board(folder)
    target = Path(out) if out is not None else board.folder / "deck.pptx"
    date = date or _dt.date.today()
    prs = pptx.Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    deck = _Deck(prs, board)

    _title_slide(deck, date)
    _summary_slides(deck)
    omitted = []
    for name in board.chart_names():
        image = board.chart(name)
        if image is None:
            omitted.append(f"The {name.replace('_', ' ')} chart is in the folder only as SVG or PDF, which this "
                           f"version cannot redraw: run `allysim report` or rerun with --format png to include it.")
            continue
        if name == "frontier" and "optimize" in board.studies:
            _portfolio_slide(deck, board.studies["optimize"])
        _chart_slide(deck, image)
    if not board.chart_names():
        omitted.append("The folder holds no charts: draw them with `allysim report DIR` and build the deck again.")
    for title, rows in (("Appendix: plans and scenario", _plan_rows(board)),
                        ("Appendix: risks", _risk_rows(board)),
                        ("Appendix: contingencies", _contingency_rows(board))):
        columns, cells, intro = rows
        if cells:
            _table_slides(deck, title, intro, columns, cells)
    _method_slide(deck, omitted)

    props = prs.core_properties
    props.title = str(board.summary.get("scenario", ""))
    props.subject = "Alliance risk and contingency analysis"
    props.author = props.last_modified_by = f"allysim {board.summary.get('allysim_version', __version__)}"
    props.keywords = f"allysim; scenario sha256 {board.summary.get('scenario_sha256', '')}"
    props.comments = ""
    props.revision = 1
    stamp = _dt.datetime(date.year, date.month, date.day, 12, 0, 0)
    props.created = props.modified = props.last_printed = stamp
    _write_atomically(prs, target)
    return target


def _write_atomically(prs: Any, target: Path) -> None:
    """Save the deck with fixed zip timestamps (same input, same bytes), via a temporary file and a rename."""
    buffer = io.BytesIO()
    prs.save(buffer)
    buffer.seek(0)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dest.writestr(entry, source.read(info.filename))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot create the folder for the deck ({exc.strerror or exc})",
                          exit_code=1) from None
    with atomic_file(target, what="deck") as handle:
        handle.write(fixed.getvalue())
