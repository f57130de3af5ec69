"""What a deck or brief is made from: an output folder read once (:class:`Board`), its key numbers and findings in
words, and its charts drawn as pictures without their titles (each slide states the finding itself)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import study_registry
from ..errors import AllysimError, OutputError
from ..findings import leaders, lowest, partner_finding, plan_phrase, winner
from ..plotting import theme
from ..study_registry import CHARTS
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    capitalized,
    format_health,
    format_money,
    format_percent,
    format_share,
    format_span,
    median_life,
    points_change,
    signed_money,
)

if TYPE_CHECKING:
    from ..folder import OutputData
    from ..scenario import Scenario

__all__ = ["DECK_CHARTS", "Board", "ChartImage", "KeyNumbers", "load_board", "money_scale", "key_numbers",
           "findings", "caption", "chart_title"]

DECK_CHARTS = tuple(name for name, chart in CHARTS.items() if chart.on_deck)  # the run's, then each study's


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
    _charts: dict[tuple[str, bool, tuple[float, float] | None], ChartImage | None] = field(default_factory=dict, compare=False, repr=False)

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

    def chart(self, name: str, draw_missing: bool = False,
              size: tuple[float, float] | None = None) -> ChartImage | None:
        """Return the chart ``name`` drawn from the folder's data as a PNG without its title, with the finding it
        states: at ``size`` (width, height in inches; default a full slide), so that it fills the space it is
        shown in with text at its usual size. None when the folder holds no such chart in any format (with
        ``draw_missing``, when its data do not allow the chart)."""
        key = (name, draw_missing, size)
        if key not in self._charts:
            self._charts[key] = _chart_image(self, name, draw_missing, size)
        return self._charts[key]

    def chart_names(self) -> list[str]:
        """Charts present in the folder in any format, in deck order."""
        return [n for n in DECK_CHARTS if any((self.folder / f"{n}.{fmt}").exists() for fmt in theme.FORMATS)]


def load_board(folder: str | os.PathLike[str]) -> Board:
    """Read an output folder for a deck: ``summary.json`` and friends, the optional studies, the scenario file.

    The folder is read by :func:`allysim.folder.load_output`; a study is used when it was made from the same
    scenario file as the run (same sha256). The scenario is the folder's own copy, ``scenario.yaml``, else the file named in
    ``summary.json``'s ``scenario_file`` (as given, or relative to the folder or one of its parents); it is used
    only when its sha256 matches, so the assumptions shown are the ones the numbers were simulated from.

    Raises
    ------
    OutputError
        The folder is not an output folder of ``allysim run``.
    """
    from ..folder import load_output

    folder = Path(folder)
    data = load_output(folder)
    summary = data.summary
    if not data.plans:
        raise OutputError(f"{folder}: holds no run (summary.json, runs.csv, health.json); a deck starts from "
                          f"`allysim run SCENARIO --out {folder}`")
    notes: list[str] = []
    mixed: list[str] = []
    studies: dict[str, Mapping[str, Any]] = {}
    for name, study in data.studies.items():
        if not study_registry.study(name).simulated:
            continue  # fitted to a history (a calibration), not a study of the scenario's plans
        if study.get("scenario_sha256") and study.get("scenario_sha256") != summary.get("scenario_sha256"):
            notes.append(f"{study_registry.study(name).file} was left out: it was made from another version of "
                         f"the scenario file (sha256 {str(study['scenario_sha256'])[:12]}).")
            mixed.append(study_registry.study(name).file)
        else:
            studies[name] = study
    scenario, scenario_path, note = _find_scenario(folder, summary)
    if note:
        notes.append(note)
    return Board(folder, data, studies, scenario, scenario_path, tuple(notes), tuple(mixed))


def _find_scenario(folder: Path, summary: Mapping[str, Any]) -> tuple[Scenario | None, Path | None, str]:
    """Return the scenario the folder was simulated from, its path, and a note when it cannot be used."""
    from ..outputs import SCENARIO_COPY
    from ..scenario import load_scenario

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
    return scale.number(value, suffix=False)


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
    headings = ["Plan", f"{capitalized(board.life)} survival {ci}", f"Median life ({plural})",
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
        # fewer than half dissolve: the median life is beyond the horizon, not at it (as the console says it)
        life = "" if median is None else median_life(float(median), horizon, board.time_unit,
                                                     float(survival["estimate"]), unit=False)
        nlo, nhi = (npv.get("ci95") or [None, None])[:2]
        npv_ci = "" if nlo is None or nhi is None else f"({_span(_amount(nlo, scale), _amount(nhi, scale))})"
        p10, p90 = npv.get("p10"), npv.get("p90")
        spread = "" if p10 is None or p90 is None else _span(_amount(p10, scale), _amount(p90, scale))
        resilience = (s.get("resilience") or {}).get("mean")
        row = [(theme.plan_label(plan), ""),
               (format_share(float(survival["estimate"])), f"({_share_range(lo, hi)})" if lo is not None else ""),
               (life, ""), (_amount(float(npv["mean"]), scale), npv_ci), (spread, ""),
               ("" if resilience is None else format_health(resilience), "")]
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
    return plan_phrase(name)


def findings(board: Board) -> list[str]:
    """Return three findings in words, computed from the folder: the plans, the main threat, and value.

    1. which plan lifts survival and which gives the most expected NPV, against the baseline (the first plan),
       with paired confidence intervals from ``compare.json`` when present;
    2. the risk that ends the most alliances in the baseline, and the plan that cuts it most;
    3. from ``value.json``: a contingency that does not pay for itself (else the one worth most); otherwise from
       ``drivers.json``: the costliest risk; otherwise the downside of the baseline's NPV;
    4. with partners, the partner most likely to leave and, from ``drivers.json``, what its exit would cost
       (:func:`allysim.findings.partner_finding`).
    """
    partner = partner_finding(board.summary, board.studies.get("drivers"))
    return [_plan_finding(board), _cause_finding(board), _value_finding(board)] + ([partner] if partner else [])


def _independent(a: Mapping[str, Any], b: Mapping[str, Any], runs: Any, materiality: float = 0.0) -> Evidence:
    """``a - b`` from two plans' own 95% intervals, as if independent: wider than the paired interval (common
    random numbers make plans move together), so a difference it calls clear is clear."""
    mean = float(a.get("mean", a.get("estimate", 0.0))) - float(b.get("mean", b.get("estimate", 0.0)))
    ci_a, ci_b = a.get("ci95") or [None, None], b.get("ci95") or [None, None]
    if None in (*ci_a[:2], *ci_b[:2]):
        return Evidence(mean, runs=runs, materiality=materiality)
    half = float(np.hypot((ci_a[1] - ci_a[0]) / 2, (ci_b[1] - ci_b[0]) / 2))
    return Evidence(mean, mean - half, mean + half, runs, materiality)


def _difference(board: Board, plan: str, key: str) -> Evidence:
    """The difference plan minus baseline in ``survival`` or ``npv``: paired from ``compare.json`` when it has
    the plan, else paired run by run from the folder's runs, as the charts judge it
    (:meth:`~allysim.folder.OutputData.versus_baseline`)."""
    compare = board.studies.get("compare") or {}
    entry = ((compare.get("plans") or {}).get(plan) or {}).get(key)
    if entry and compare.get("baseline") == board.plans[0]:
        return Evidence.of(entry, compare.get("runs"))
    if plan in board.data.runs and board.plans[0] in board.data.runs:
        return board.data.versus_baseline(plan, key)
    return _independent(board.stats(plan)[key], board.stats(board.plans[0])[key], board.summary.get("runs"),
                        board.data.materiality() if key == "npv" else 0.0)


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
    scale = MoneyScale.of(list(means.values()), cur)  # every plan's mean in one unit, as the NPV chart's title
    # the winners by the one rule the charts' titles use (allysim.findings.winner)
    won_s = winner(surv, {p: _difference(board, p, "survival") for p in plans[1:]},
                   {p: format_share(surv[p]) for p in plans})
    won_v = winner(means, {p: _difference(board, p, "npv") for p in plans[1:]},
                   {p: scale.number(means[p]) for p in plans})
    best_s, best_v = won_s.plan, won_v.plan
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

    lifts, raises = won_s.clear, won_v.clear
    if lifts and raises and best_s == best_v:
        return (f"{capitalized(_plan(best_s))} is best on both counts: {board.life} survival {format_share(surv[best_s])} "
                f"against {format_share(surv[base])} under {base_name}{paired_survival(best_s)}, expected NPV "
                f"{format_money(means[best_v], cur, scale)} against {format_money(means[base], cur, scale)}"
                f"{beats(best_v)}.")
    parts = []
    if lifts:
        parts.append(f"{capitalized(_plan(best_s))} lifts {board.life} survival most, from {format_share(surv[base])} "
                     f"under {base_name} to {format_share(surv[best_s])}{paired_survival(best_s)}")
    elif best_s != base:
        parts.append(f"{capitalized(_plan(best_s))} has the highest {board.life} survival, {format_share(surv[best_s])} "
                     f"against {format_share(surv[base])} under {base_name}, but the difference is {lift.noise()}")
    else:
        parts.append(f"No plan lifts {board.life} survival above the {format_share(surv[base])} of the baseline, "
                     f"{base_name}")
    if raises:
        parts.append(f"{_plan(best_v)} gives the highest expected NPV, {format_money(means[best_v], cur, scale)} "
                     f"against {format_money(means[base], cur, scale)}{beats(best_v)}")
    elif best_v != base:
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
    # the plan that cuts it, by the one rule the causes chart's title uses (allysim.findings.lowest)
    shares = {p: causes[p].get(top, 0.0) for p in plans}
    found = lowest(shares, {p: board.data.versus_baseline_share(p, top) for p in plans[1:]
                            if board.data.runs and p in board.data.runs},
                   {p: format_share(shares[p]) for p in plans})
    if found.clear:
        return text + f"; {_plan(found.plan)} cuts that to {format_share(shares[found.plan])}."
    if found.plan != base:
        evidence = board.data.versus_baseline_share(found.plan, top) if board.data.runs else None
        noise = evidence.noise() if evidence is not None and evidence.known else "within the noise"
        return text + f"; under {_plan(found.plan)} {format_share(shares[found.plan])}, {noise}."
    return text + ", and no plan reduces that."


def _value_finding(board: Board) -> str:
    value, drivers, cur = board.studies.get("value"), board.studies.get("drivers"), board.currency
    if value and value.get("contingencies"):
        items = value["contingencies"]
        plan = _plan(str(value.get("plan", "")))
        # each contingency's net value as the chart and the console show it: its Shapley share net of its cost
        shares = {c: ({"mean": v["shapley_npv"], "ci95": v["shapley_npv_ci95"], "verdict": v.get("shapley_verdict")}
                      if v.get("shapley_npv") is not None and v.get("shapley_npv_ci95") else v["npv"])
                  for c, v in items.items()}
        nets = {c: float(shares[c]["mean"]) for c in items}
        scale = MoneyScale.of([x for c in items for x in (nets[c], float(items[c].get("cost", 0.0)))], cur)
        worst = min(nets, key=lambda c: nets[c])
        name = str(items[worst].get("name") or board.contingency_name(worst))
        lo, hi = (shares[worst].get("ci95") or [None, None])[:2]
        def end(x: float) -> str:  # an end of the interval that is not zero never reads as zero
            if x == 0 or scale.number(x).strip("\u22120.,kMB") != "":
                return signed_money(x, cur, scale)
            return "just below zero" if x < 0 else "just above zero"

        ci = "" if lo is None or hi is None else f" (95% CI {end(lo)} to {end(hi)})"
        cost = float(items[worst].get("cost", 0.0))
        runs = value.get("runs")
        verdicts = {c: Evidence.of(shares[c], runs) for c in items}
        if verdicts[worst].loss:
            return (f"{name} does not pay for itself in {plan}: it costs {format_money(cost, cur, scale)} and its net "
                    f"effect on NPV is {signed_money(nets[worst], cur, scale)}{ci}.")
        if nets[worst] < 0 and verdicts[worst].tied:
            return (f"{name} about breaks even in {plan}: it costs {format_money(cost, cur, scale)} and its net "
                    f"effect on NPV, {signed_money(nets[worst], cur, scale)}{ci}, is smaller than the materiality.")
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
        # the risks that cost the most, within the noise of each other, by the rule the drivers chart's title uses
        group = leaders({r: Evidence.of(risks[r]["npv"], drivers.get("runs")) for r in risks}, 15)
        if len(group) > 1:
            scale = MoneyScale.of([float(risks[r]["npv"]["mean"]) for r in group], cur)
            low, high = (format_money(f(float(risks[r]["npv"]["mean"]) for r in group), cur, scale) for f in (min, max))
            names = [str(risks[r].get("name") or board.risk_name(r)) for r in group]
            if len(group) > 3:
                return (f"The {len(group)} costliest risks under {plan} each cost {low} to {high} of NPV, within "
                        "the noise of each other.")
            return (", ".join(names[:-1]) + f" and {names[-1]} cost the most under {plan}, {low} to {high} of NPV "
                    "each, within the noise of each other.")
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
    discount = f", discounted at {format_percent(float(rate))} a year" if rate else ""
    if chart == "survival":
        return (f"Share of {n} still together over time; shaded bands are 95% confidence intervals. The end of "
                f"each line is the probability of completing the {board.life} life.")
    if chart == "npv":
        return (f"Net present value at the start{discount}: value created minus risk and contingency costs. "
                f"Dashed lines mark P10 and P90, the solid line the median.")
    if chart == "health":
        threshold = board.summary.get("dissolve_below")
        line = f" (dashed line: {format_health(float(threshold))})" if threshold is not None else ""
        return (f"Health index from 1 (full) to 0 (dissolved): median and the bands holding 50% and 90% of runs; "
                f"the alliance dissolves below the threshold{line}.")
    if chart == "causes":
        return ("Each dissolved run is credited to the risk whose occurrence ended it, by a fatal blow or by the "
                "health drop. The two sides of a row add up to 100%.")
    if chart == "partners":
        return _partners_caption(board)
    if chart == "compare":
        study = board.studies.get("compare") or {}
        baseline = theme.plan_label(str(study.get("baseline", board.plans[0])))
        return (f"Each plan minus the baseline ({baseline}) on the same {_study_runs(study)} (common random "
                f"numbers), with 95% confidence intervals.")
    if chart == "contingency_value":
        study = board.studies.get("value") or {}
        plan = _plan(str(study.get("plan", ""))) if study.get("plan") else "the plan"
        return (f"What each contingency of {plan} adds to NPV after its own cost, and to survival: its fair share "
                f"of the plan's gain, on {_study_runs(study, 'paired')}; dark bars clearly pay for themselves, grey "
                "ones are within the noise, red ones do not pay.")
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
                "point-to-point changes are paired; bands (up to three plans) are 95% intervals, dashed lines mark "
                "where the best plan changes.")
    if chart in ("sensitivity", "switch"):
        study = board.studies.get("sensitivity") or {}
        plan, against = _plan(str(study.get("plan", ""))), _plan(str(study.get("against") or ""))
        if chart == "sensitivity":
            return (f"Mean NPV and survival of {plan} with one uncertain input pinned at its P10 (blue) or P90 "
                    "(orange), the other inputs still uncertain, on the same simulated futures; inputs ranked by "
                    "how far they move NPV.")
        return (f"{capitalized(plan)} minus {against} in mean NPV with one input pinned across its range (P5 to P95), the others "
                "still uncertain; bands are 95% intervals. Where a line crosses zero, that input's true value "
                "decides the choice.")
    return f"{base}: {chart.replace('_', ' ')}."


def _partners_caption(board: Board) -> str:
    """Who is most likely to leave, and what its exit would cost (from drivers.json when the folder holds one), in
    the words of :func:`allysim.findings.partner_finding`; how to read the chart otherwise."""
    drivers = board.studies.get("drivers")
    said = partner_finding(board.summary, drivers)
    if said is None:
        return ("Left: for each partner, the share of runs in which it is still in (gone from its first exit); right: "
                "how many partners are in at the end.")
    return said if drivers else f"{said[:-1]}; `allysim drivers` prices what its exit costs."


def _study_runs(study: Mapping[str, Any], kind: str = "simulated") -> str:
    """``10,000 simulated futures`` for a study's caption: the runs it was simulated with."""
    runs = study.get("runs")
    return f"{int(runs):,} {kind} futures" if isinstance(runs, (int, float)) and runs else f"{kind} futures"


# --- charts as pictures ----------------------------------------------------------------------------------------


def _chart_image(board: Board, name: str, draw_missing: bool = False,
                 size: tuple[float, float] | None = None) -> ChartImage | None:
    """Draw chart ``name`` from the folder's data, without its title (the slide states it), at ``size`` inches:
    None when the folder holds no such chart in any format (with ``draw_missing``, whenever its data allow it)."""
    import matplotlib.pyplot as plt

    from ..plotting.render import chart_drawers

    if not draw_missing and not any((board.folder / f"{name}.{fmt}").exists() for fmt in theme.FORMATS):
        return None
    draw = chart_drawers(board.data, titled=False, size=size).get(name)
    if draw is None:
        return None
    with theme.drawn_at(*(size or (theme.WIDTH_IN, theme.HEIGHT_IN))):  # charts without a size parameter
        fig = draw()
    try:
        png, title = theme.untitled_png(fig), theme.title_of(fig)
    finally:
        plt.close(fig)
    return ChartImage(name, png, title, f"drawn from {board.folder.name}'s data")


def chart_title(image: ChartImage) -> str:
    """The finding a chart states, for its slide's title."""
    chart = CHARTS.get(image.name)
    return image.title or (chart.title if chart is not None else theme.plan_label(image.name))
