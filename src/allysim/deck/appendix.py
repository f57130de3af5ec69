"""The appendix of a deck: the scenario's plans, risks and contingencies in tables, each assumption in words
(distributions described with their units, durations in the roundest unit)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..plotting import theme
from ..wording import (
    Currency,
    MoneyScale,
    format_amount,
    format_duration,
    format_duration_span,
    format_money,
    format_number,
    format_percent,
    format_share,
    plural,
)
from .board import (
    Board,
)
from .layout import (
    INK,
    TEXT,
    Cell,
    Column,
)

if TYPE_CHECKING:
    pass

__all__ = ["describe", "describe_time", "plan_rows", "risk_rows",
           "contingency_rows"]

# --- the appendix: the scenario in tables --------------------------------------------------------------------------


def _parameter(x: float) -> str:
    """An input as a scenario writes it: three significant figures, trailing zeros dropped (``2k``, ``0.08``)."""
    return format_amount(x, trim=True)


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


def describe(dist: Any, unit: str = "", scale: float = 1.0, time_unit: str = "") -> str:
    """Describe a scenario distribution in words: ``0.1–0.45, likely 0.2 (triangular)``.

    ``unit`` (``" years"``) follows the main number or range; every number carrying the unit is multiplied by
    ``scale`` first. With ``time_unit``, the numbers are durations in that unit, each said in words in the unit
    that reads best: ``2 weeks to 9 months, likely 2 months (PERT)``.
    """
    family = getattr(dist, "family", "constant")

    def one(x: float) -> str:  # a number with its unit
        return format_duration(x, time_unit) if time_unit else f"{_parameter(x * scale)}{unit}"

    def bare(x: float) -> str:  # a number after the main one: "likely 12"
        return format_duration(x, time_unit) if time_unit else _parameter(x * scale)

    def span(a: float, b: float) -> str:
        if time_unit:
            return format_duration_span(a, b, time_unit)
        return f"{_parameter(a * scale)}\u2013{_parameter(b * scale)}{unit}"

    if family == "constant":
        text = one(dist.value_)
    elif family == "uniform":
        text = f"{span(dist.low, dist.high)} (uniform)"
    elif family in ("triangular", "pert"):
        text = f"{span(dist.low, dist.high)}, likely {bare(dist.likely)} " \
               f"({'PERT' if family == 'pert' else 'triangular'})"
    elif family == "normal":
        text = f"mean {one(dist.mean_)}, sd {bare(dist.sd)} (normal)"
    elif family == "lognormal":
        text = f"median {one(dist.median)}, P90 {bare(dist.p90)}" if dist.median is not None else \
            f"mean {one(dist.mean_)}, sd {bare(dist.sd)}"
        text += " (lognormal)"
    elif family == "beta":
        text = f"beta({_parameter(dist.a)}, {_parameter(dist.b)})"
        if (dist.low, dist.high) != (0.0, 1.0):
            text += f" on {span(dist.low, dist.high)}"
    elif family == "exponential":
        text = f"mean {one(dist.mean_)} (exponential)"
    elif family in ("choice", "empirical"):
        values = list(dist.values)
        if len(values) <= 4:
            text = ", ".join(bare(v) for v in values[:-1]) + (" or " if len(values) > 1 else "") + one(values[-1])
            weights = getattr(dist, "weights", None)
            if weights:
                total = sum(weights) or 1.0
                text += f" ({' / '.join(f'{100 * w / total:.0f}%' for w in weights)})"
        else:
            text = f"{len(values)} values, {span(min(values), max(values))}"
        if family == "empirical":
            text += " (resampled)"
    else:
        text = family
    clip = getattr(dist, "clip", None)
    if clip is not None:
        text += f", clipped to {span(clip[0], clip[1])}"
    return text


def _whole(x: float) -> bool:
    return x >= 1 - 1e-9 and abs(x - round(x)) <= 1e-6 * max(1.0, x)


def describe_time(dist: Any, time_unit: str) -> str:
    """Describe a duration in words: in one unit when every number is a whole number of it (``6–36 months,
    likely 12 (PERT)``), else each number in the unit that reads best (``2 weeks to 9 months, likely 2 months``)."""
    from ..scenario.units import DAYS_PER, TIME_UNITS

    numbers = [abs(x) for x in _numbers(dist) if x]
    if time_unit in DAYS_PER:
        for unit in [u for u in TIME_UNITS[TIME_UNITS.index(time_unit):] if u != "quarter" or u == time_unit]:
            scale = DAYS_PER[time_unit] / DAYS_PER[unit]
            if numbers and all(_whole(x * scale) for x in numbers):
                return _singular(describe(dist, f" {plural(unit)}", scale))
    return describe(dist, time_unit=time_unit)


def _singular(text: str) -> str:
    """``mean 1 years`` -> ``mean 1 year`` (a range such as ``0–1 years`` stays plural)."""
    return re.sub(r"(?<![\d.\u2013])1 (year|quarter|month|week|day)s\b", r"1 \1", text)


def _is_zero(dist: Any) -> bool:
    return getattr(dist, "family", "") == "constant" and dist.value_ == 0


def _short(name: str, limit: int = 40) -> str:
    """Shorten a name quoted inside a cell: cut at a word, with an ellipsis."""
    if len(name) <= limit:
        return name
    cut = name.rfind(" ", 0, limit)
    return name[: cut if cut > 0 else limit].rstrip(" ,;:-") + "\u2026"


def risk_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
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
        freq = _frequency(r, unit)
        if r.max_occurrences:
            freq += f", at most {r.max_occurrences}"
        imp = r.impact
        value = ""
        if imp.value is not None:
            value = f"\u00d7 {describe(imp.value.factor)} for {describe_time(imp.value.duration, unit)}"
        cascades = "; ".join(
            (f"{_short(s.risk(e.risk).label, 40)} rate" if e.risk is not None else
             f"{_short(s.partner(e.partner).label, 40)} exit hazard") + f" \u00d7 {_parameter(e.factor)} "
            + (f"for {describe_time(e.duration, unit)}" if e.duration is not None else "permanently")
            for e in imp.escalates)
        rows.append([[(r.label, INK, True)], [(r.category, TEXT, False)], [(freq, TEXT, False)],
                     [("\u2013" if _is_zero(imp.health) else describe(imp.health), TEXT, False)],
                     [("\u2013" if _is_zero(imp.cost) else describe(imp.cost), TEXT, False)],
                     [(value or "\u2013", TEXT, False)], [(format_percent(imp.fatal) if imp.fatal else "\u2013", TEXT, False)],
                     [(cascades or "\u2013", TEXT, False)]])
    intro = (f"Rates are per {unit}. Each occurrence cuts health (1 = full; the alliance dissolves below "
             f"{format_number(s.alliance.health.dissolve_below, 6, trim=True)}), costs money, multiplies the value created for a while, ends the "
             f"alliance outright with the 'Fatal' probability, and may raise other risks' rates (cascades).")
    return columns, rows, intro


def _frequency(r: Any, unit: str) -> str:
    """How often a risk occurs, in words: a rate, a chance per time unit, or its hazard by age."""
    if r.rate is not None:
        return f"{_parameter(r.rate)} per {unit}"
    if r.probability is not None:
        return f"{format_percent(r.probability)} chance per {unit}"
    if r.hazard.weibull is not None:
        w = r.hazard.weibull
        trend = "falling" if w.shape < 1 else "rising" if w.shape > 1 else "constant"
        return f"Weibull, shape {_parameter(w.shape)} ({trend} with age), scale {format_duration(w.scale, unit)}"
    steps = ", ".join(f"{_parameter(rate)} from {format_duration(age, unit) if age else 'the start'}"
                      for age, rate in r.hazard.steps)
    return f"per {unit}: {steps}"


def _review(t: Any, unit: str) -> str:
    """A review trigger in words: ``Reviews every year, if health is below 0.6``."""
    if isinstance(t.review, tuple):
        when = "Reviews at " + ", ".join(format_duration(age, unit) for age in t.review)
    else:
        when = f"Reviews every {format_duration(t.review.every, unit)}"
    condition = t.condition
    if condition is None:
        return when
    key = next(k for k in ("health_below", "partners_below", "share_below") if getattr(condition, k) is not None)
    what = {"health_below": "health", "partners_below": "partners", "share_below": "the partners' share"}[key]
    return f"{when}, if {what} is below {format_number(getattr(condition, key), 6, trim=True)}"


def contingency_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
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
        trigger = (f"Health below {format_number(t.health_below, 6, trim=True)}" if t.kind == "health" else
                   "Dissolution (rescue)" if t.kind == "dissolution" else _review(t, unit) if t.kind == "review"
                   else (f"On {_short(s.partner(t.partner).label, 40)}'s exit" if t.partner else "On any exit")
                   if t.kind == "exit" else f"On {_short(s.risk(t.on).label, 40)}")
        if c.max_activations:
            trigger += f"; at most {c.max_activations} time{'s' if c.max_activations > 1 else ''}"
        e = c.effect
        effects = []
        if e.reduce_impact is not None:
            effects.append(f"cuts that occurrence's impact by {format_percent(e.reduce_impact)}")
        if e.restore_health is not None:
            effects.append(f"health +{_parameter(e.restore_health)}")
        for f in e.rate_factor:
            target = f"{_short(s.risk(f.risk).label, 40)} rate" if f.risk is not None else \
                f"{_short(s.partner(f.partner).label, 40)} exit hazard"
            effects.append(f"{target} \u00d7 {_parameter(f.factor)} "
                           + (f"for {format_duration(f.duration, unit)}" if f.duration else "permanently"))
        if e.retain:
            effects.append("keeps the leaving partner in")
        if e.replace:
            effects.append("fills the departed partner's seat")
        if e.rescue_health is not None:
            effects.append(f"rescues the alliance, health back to {_parameter(e.rescue_health)}")
        costs = [f"{_parameter(c.cost.setup)} setup" if c.cost.setup else "",
                 f"{_parameter(c.cost.per_time)} per {unit}" if c.cost.per_time else "",
                 f"{_parameter(c.cost.per_activation)} per activation" if c.cost.per_activation else ""]
        rows.append([[(c.label, INK, True)], [(trigger, TEXT, False)],
                     [("none" if _is_zero(c.delay) else describe_time(c.delay, unit), TEXT, False)],
                     [(format_percent(c.success), TEXT, False)], [("; ".join(effects), TEXT, False)],
                     [("; ".join(x for x in costs if x) or "none", TEXT, False)], [(in_plans(c.id), TEXT, False)]])
    cur = Currency.parse(board.currency)
    money_unit = cur.axis(MoneyScale(1.0, "", "", 0)) or board.currency
    intro = (f"Costs in {money_unit}, as written in the scenario: setup at the start, running costs per {unit} "
             f"while the alliance lives, and a cost per activation, whether or not it succeeds." if money_unit else "")
    return columns, rows, intro


def plan_rows(board: Board) -> tuple[list[Column], list[list[Cell]], str]:
    s = board.scenario
    summary = board.summary
    columns = [Column("Plan", 0.28), Column("Contingencies prepared", 0.72)]
    rows = []
    for plan in board.plans:
        ids = list(s.plan_sets.get(plan, ())) if s is not None else \
            list(board.stats(plan).get("contingencies_in_plan") or [])
        names = ", ".join(board.contingency_name(c) for c in ids) or "none"
        rows.append([[(theme.plan_label(plan), INK, True)], [(names, TEXT, False)]])
    horizon = float(summary["horizon"])
    life = format_duration(horizon, board.time_unit)
    own = f"{format_number(horizon, trim=True)} {board.time_unit if horizon == 1 else plural(board.time_unit)}"
    parts = [f"Planned life {life}" + ("" if life == own else f" ({own})")]
    rate = summary.get("discount_rate")
    if rate is not None:
        parts.append(f"discount rate {format_percent(float(rate))} a year")
    if s is not None:
        h = s.alliance.health
        parts.append(f"value created at full health {format_money(s.alliance.value_rate, board.currency)} per "
                     f"{board.time_unit}")
        parts.append(f"health starts at {format_number(h.initial, 6, trim=True)}, recovers at {format_number(h.recovery, 6, trim=True)} per {board.time_unit} and the "
                     f"alliance dissolves below {format_number(h.dissolve_below, 6, trim=True)}")
        parts.append(f"{len(s.risks)} risks and {len(s.contingencies)} contingencies")
    elif summary.get("dissolve_below") is not None:
        parts.append(f"the alliance dissolves when health falls below {format_number(float(summary['dissolve_below']), 6, trim=True)}")
    intro = "; ".join(parts) + ". The first plan is the baseline every comparison refers to."
    return columns, rows, intro
