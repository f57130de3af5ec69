"""Charts of the paired studies: compare, contingency value and risk drivers.

These draw the JSON of ``allysim compare``, ``value`` and ``drivers`` (SPEC section 5): paired differences between
variants of one scenario on common random numbers, one row per plan, contingency or risk, with 95% intervals.

Each chart is a function that draws the study on a caller's axes, one per panel (NPV, survival), and returns them
(the lifelines / SALib way); without axes it makes a slide-sized figure holding the panels alone. A panel with
nothing to show (no money modelled, or no difference in survival) is left out: ``*_panels`` says which are drawn.
The finding in words is ``*_title`` and what is drawn ``*_subtitle``; :mod:`allysim.plotting.render` frames them
on a 16:9 slide (``*_body`` lays the panels out) when it saves a file. Differences in survival are shown and quoted
in percentage points, rounded by :mod:`allysim.wording` as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import findings
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    capitalized,
    format_money,
    format_points,
    format_share,
    signed_number,
    signed_points,
)
from . import layout, theme
from . import rows as kit
from .layout import Estimate, display_name, fit_subtitle, horizon_words, points_formatter, runs_words
from .panels import Body, given, returned, short_names
from .theme import SURVIVED_COLOR
from .value_charts import (
    contingency_value,
    contingency_value_body,
    contingency_value_panels,
    contingency_value_subtitle,
    contingency_value_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["compare", "compare_body", "compare_panels", "compare_subtitle", "compare_title", "contingency_value",
           "contingency_value_body", "contingency_value_panels", "contingency_value_subtitle",
           "contingency_value_title", "risk_drivers", "risk_drivers_body", "risk_drivers_panels",
           "risk_drivers_subtitle", "risk_drivers_title", "ENVIRONMENT_ROW", "MAX_DRIVER_ROWS"]

MAX_DRIVER_ROWS = 15  # risks named on the tornado; the subtitle says how much the others cost at most


# --- compare ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Comparison:
    """``compare.json`` read for drawing: each plan's paired differences from the baseline."""

    base: str
    plans: list[str]
    npv: dict[str, Estimate]
    survival: dict[str, Estimate]  # points
    better: dict[str, Any]
    currency: Currency
    runs: Any

    @classmethod
    def of(cls, comparison: Mapping[str, Any]) -> _Comparison:
        base = str(comparison["baseline"])
        plans = [p for p in comparison["plans"] if p != base]
        entries = {p: comparison["plans"][p] for p in plans}
        return cls(base, plans, {p: Estimate.of(entries[p]["npv"]) for p in plans},
                   {p: Estimate.of(entries[p]["survival"], 100.0) for p in plans},
                   {p: entries[p].get("p_better") for p in plans},
                   Currency.parse(str(comparison.get("currency") or "")), comparison.get("runs"))

    def evidence(self, plan: str, what: str) -> Evidence:
        e = self.npv[plan] if what == "npv" else self.survival[plan]
        factor = 1.0 if what == "npv" else 0.01
        return Evidence(e.mean * factor, None if e.lo is None else e.lo * factor,
                        None if e.hi is None else e.hi * factor,
                        int(self.runs) if isinstance(self.runs, (int, float)) and self.runs else None,
                        decided=e.decided)  # the verdict compare.json recorded (materiality included)


def compare_panels(comparison: Mapping[str, Any]) -> tuple[str, ...]:
    """The panels the compare chart draws: ``npv`` and ``survival``, less any with no difference at all."""
    c = _Comparison.of(comparison)
    shown = tuple(k for k, values in (("npv", c.npv), ("survival", c.survival)) if not kit.empty(list(values.values())))
    return shown or ("npv",)


def compare_title(comparison: Mapping[str, Any]) -> str:
    """State which plan does best against the baseline, in NPV and in survival, claiming only what the 95%
    intervals carry: a gain or a loss whose interval excludes zero; the rest is within the noise."""
    c = _Comparison.of(comparison)
    short = kit.plan_names([c.base, *c.plans])
    npv = {p: c.evidence(p, "npv") for p in c.plans}
    survival = {p: c.evidence(p, "survival") for p in c.plans}
    baseline = findings.plan_phrase(c.base, label=short.get(c.base))
    best = layout.best({p: npv[p].mean for p in c.plans})
    scale = MoneyScale.of([npv[p].mean for p in c.plans], c.currency)  # the bars' unit: one rounding each
    lifted = {p: survival[p].mean for p in c.plans if survival[p].gain}
    most_lives = layout.best(lifted) if lifted else None
    lives = (f"{kit.phrase(most_lives, short)} adds the most survival, {format_points(survival[most_lives].mean)}"
             if most_lives else "")
    if "npv" not in compare_panels(comparison):  # no money modelled: survival alone
        if lives:
            return f"{capitalized(lives)} over {baseline}"
        return f"No plan's survival differs from {baseline}'s beyond the noise"
    if len(c.plans) == 1:
        return _one_plan_title(kit.phrase(best, short), baseline, npv[best], survival[best], c.currency, scale)
    if not npv[best].gain:
        lead = _no_gain(npv, baseline)
        if lives:
            return f"{lead}; {lives}"
        if any(survival[p].loss for p in c.plans):
            return lead
        return f"{lead}, and no survival gain is clear of the noise"
    money = f"{kit.phrase(best, short)} adds {format_money(npv[best].mean, c.currency, scale)} of NPV"
    own = survival[best]
    if own.gain:
        words = f"{money} and {format_points(own.mean)} of survival over {baseline}"
    elif own.loss:
        words = f"{money} but loses {format_points(own.mean)} of survival against {baseline}"
    else:
        words = f"{money} over {baseline}"
    if most_lives and most_lives != best and format_points(survival[most_lives].mean) != format_points(own.mean):
        words += f"; {lives}"
    return words


def _no_gain(npv: Mapping[str, Evidence], baseline: str) -> str:
    """The compare title's lead when no plan clearly adds NPV: how many are clearly worse, about break even, or
    within the noise (and how many runs would settle the closest of those)."""
    worse = [p for p, e in npv.items() if e.loss]
    tied = [p for p, e in npv.items() if e.tied]
    unclear = [p for p in npv if p not in worse and p not in tied]
    if len(worse) == len(npv):
        return f"Every plan costs NPV against {baseline}"
    needs = [n for n in (npv[p].settling_runs() for p in unclear) if n is not None]
    settle = f"roughly {min(needs):,} runs would settle {'it' if len(unclear) == 1 else 'the closest'}" if needs \
        else npv[unclear[0]].settle() if unclear else ""
    if not worse and not tied:
        return f"No plan clearly adds NPV over {baseline} ({settle})"
    counts = [f"{len(worse)} clearly cost{'s' if len(worse) == 1 else ''} NPV" if worse else "",
              f"{len(tied)} about break{'s' if len(tied) == 1 else ''} even" if tied else "",
              f"{len(unclear)} {'is' if len(unclear) == 1 else 'are'} within the noise ({settle})" if unclear else ""]
    return f"No plan clearly adds NPV over {baseline}: " + ", ".join(c for c in counts if c)


def _one_plan_title(name: str, baseline: str, npv: Evidence, survival: Evidence, currency: Currency,
                    scale: MoneyScale) -> str:
    """The compare title for a single plan: the changes clear of the noise, and which are not."""
    parts, signs = [], []
    if npv.clear:
        parts.append(f"{'adds' if npv.gain else 'costs'} {format_money(abs(npv.mean), currency, scale)} of NPV")
        signs.append(npv.gain)
    if survival.clear:
        parts.append(f"{'adds' if survival.gain else 'loses'} {format_points(survival.mean)} of survival")
        signs.append(survival.gain)
    if not parts:
        return f"{name}'s differences from {baseline} are {npv.noise()}"
    words = (" and " if len(set(signs)) == 1 else " but ").join(parts)
    title = f"{name} {words} {'over' if all(signs) else 'against'} {baseline}"
    if len(parts) == 1:
        title += f"; its {'survival' if npv.clear else 'NPV'} difference is within the noise"
    return title


def compare_subtitle(comparison: Mapping[str, Any]) -> str:
    """What the compare chart draws, in words."""
    baseline = theme.plan_label(str(comparison["baseline"]))
    extra = "; P(NPV better): share of runs in which the plan's NPV beats the baseline's" \
        if "npv" in compare_panels(comparison) else ""
    return fit_subtitle(f"Each plan minus the baseline ({baseline}) over the same {runs_words(comparison)}, "
                        "with 95% confidence intervals", extra)


ODDS_HEADING = "P(NPV better)"


def compare_body(comparison: Mapping[str, Any], height_in: float) -> Body:
    """How the compare chart's panels share a slide's plot area ``height_in`` tall."""
    c = _Comparison.of(comparison)
    shown = compare_panels(comparison)
    names = kit.names_in([theme.plan_label(p) for p in c.plans], len(c.plans), height_in - kit.HEADING_IN, 2.6)
    odds_in = theme.text_width(ODDS_HEADING, theme.LABEL_SIZE, "bold") + 0.65 if "npv" in shown else 0.45
    return Body(widths=(0.56, 0.44) if len(shown) == 2 else (1.0,), left_in=names + 0.85, right_in=odds_in,
                top_in=kit.HEADING_IN)


def compare(comparison: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None, *,
            plan_order: Sequence[str] | None = None) -> Any:
    """Draw each plan's paired difference from the baseline: NPV and survival, with 95% intervals.

    Parameters
    ----------
    comparison
        ``compare.json``: ``{"baseline": NAME, "plans": {PLAN: {"npv": {mean, ci95}, "survival": {mean, ci95},
        "p_better": x}}, "currency", "horizon", "time_unit", "runs", ...}``.
    ax
        One axes per panel of :func:`compare_panels` (NPV, survival), or one axes for the first panel; by default
        a new slide-sized figure's. The share of runs in which each plan's NPV beats the baseline's is written
        right of the last panel.
    plan_order
        Every plan of the output in its order, the baseline first, so that each plan keeps the colour it has on
        the run charts; by default the baseline and then the plans of ``comparison`` in order.

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).

    Examples
    --------
    >>> fig, axes = plt.subplots(1, 2)                                            # doctest: +SKIP
    >>> compare({"baseline": "none", "currency": "USD", "plans": {"full": {
    ...     "npv": {"mean": 2e6, "ci95": [1e6, 3e6]}, "survival": {"mean": 0.2, "ci95": [0.1, 0.3]},
    ...     "p_better": 0.7}}}, axes)                                             # doctest: +SKIP
    """
    c = _Comparison.of(comparison)
    axes, single = given(ax, lambda h: compare_body(comparison, h))
    shown = compare_panels(comparison)[: len(axes)]
    order = list(plan_order or [])
    if not (c.base in order and all(p in order for p in c.plans)):
        order = [c.base, *c.plans]
    n = len(c.plans)
    colors = [theme.plan_color(order.index(p)) for p in c.plans]
    inks = [theme.plan_text_color(order.index(p)) for p in c.plans]
    size = kit.label_size(n)
    scale = MoneyScale.of([e.mean for e in c.npv.values()], c.currency)  # labels as precise as the title
    with theme.style():
        for ax_, panel in zip(axes, shown):
            if panel == "npv":
                kit.bars(ax_, [c.npv[p] for p in c.plans], colors, [signed_number(c.npv[p].mean, scale) for p in c.plans],
                      "Change in expected NPV", f"Difference{layout.axis_unit(c.currency, scale)}",
                      layout.money_formatter(scale), height=kit.bar_height(n), size=size, label_colors=inks)
            else:
                kit.bars(ax_, [c.survival[p] for p in c.plans], colors,
                      [signed_points(c.survival[p].mean) for p in c.plans],
                      f"Change in {horizon_words(comparison)}", "Difference (percentage points)",
                      points_formatter(), height=kit.bar_height(n), size=size, label_colors=inks)
        kit.row_axes(axes, [theme.plan_label(p) for p in c.plans], 2.6, colors)
        if "npv" in shown:
            _odds(axes[-1], c, inks, size)
    return returned(axes, single)


def _odds(ax: Axes, c: _Comparison, inks: Sequence[str], size: float) -> None:
    """Write P(NPV better) as a column of numbers right of ``ax``, on the rows."""
    from matplotlib.transforms import blended_transform_factory, offset_copy

    column = offset_copy(blended_transform_factory(ax.transAxes, ax.transData), fig=ax.figure, x=20, y=0,
                         units="points")
    for i, p in enumerate(c.plans):
        text = "n/a" if c.better[p] is None else format_share(float(c.better[p]))
        ax.text(1.0, i, text, transform=column, ha="left", va="center", size=size + 1, weight="bold",
                color=inks[i], clip_on=False)
    ax.annotate(ODDS_HEADING, (1.0, 1.0), xycoords="axes fraction", xytext=(20, 10), textcoords="offset points",
                ha="left", va="baseline", size=theme.LABEL_SIZE, weight="bold", color=theme.INK)


# --- risk drivers ----------------------------------------------------------------------------------------------


ENVIRONMENT_ROW = "Shared environment's changes"  # drivers.json's environment: held at its initial state vs not


@dataclass(frozen=True)
class _Risk:
    """One row of the risk drivers chart: what removing the risk gains, in NPV and in survival points."""

    name: str
    npv: Estimate
    survival: Estimate  # points


def _risk_rows(drivers: Mapping[str, Any]) -> list[_Risk]:
    """Read ``drivers.json``'s risks, and its shared environment as one more driver when the scenario has one,
    sorted by the NPV each costs (largest first, file order on ties)."""
    rows = [_Risk(display_name(r.get("name"), rid), Estimate.of(r["npv"]), Estimate.of(r["survival"], 100.0))
            for rid, r in drivers["risks"].items()]
    env = drivers.get("environment")
    if env is not None:
        rows.append(_Risk(ENVIRONMENT_ROW, Estimate.of(env["npv"]), Estimate.of(env["survival"], 100.0)))
    money = not kit.empty([r.npv for r in rows])
    key = (lambda r: -r.npv.mean) if money else (lambda r: -r.survival.mean)
    order = sorted(range(len(rows)), key=lambda i: (key(rows[i]), i))
    return [rows[i] for i in order]


def _shown_risks(rows: Sequence[_Risk], limit: int) -> list[_Risk]:
    """Return at most ``limit`` rows, in NPV order, holding the largest costs in NPV and in survival alike."""
    if len(rows) <= limit:
        return list(rows)
    by_lives = sorted(range(len(rows)), key=lambda i: (-rows[i].survival.mean, i))
    keep: list[int] = []
    for k in range(1, limit + 1):
        candidate = sorted(set(range(k)) | set(by_lives[:k]))
        if len(candidate) > limit:
            break
        keep = candidate
    rest = [i for i in range(len(rows)) if i not in keep]  # fill the remaining places in NPV order
    return [rows[i] for i in sorted(keep + rest[: limit - len(keep)])]


def risk_drivers_panels(drivers: Mapping[str, Any]) -> tuple[str, ...]:
    """The panels the risk drivers chart draws: ``npv`` (unless no money is modelled) and ``survival`` (unless no
    risk changes it by half a point or clearly)."""
    rows = _risk_rows(drivers)
    shown = [k for k, es in (("npv", [r.npv for r in rows]), ("survival", [r.survival for r in rows]))
             if not kit.empty(es, 0.5 if k == "survival" else 0.0)]
    return tuple(shown) or ("npv",)


def _leaders(rows: Sequence[_Risk], what: str, most: int = MAX_DRIVER_ROWS) -> list[_Risk]:
    """The risks clearly costing something in ``what`` that are within the noise of each other at the top: the
    largest first, then the next largest for as long as every interval of the group shares a point with every
    other (so "within the noise of each other" is what the chart shows), at most ``most`` (the rows shown)."""
    def of(r: _Risk) -> Estimate:
        return r.npv if what == "npv" else r.survival

    return [rows[int(k)] for k in findings.leaders({str(i): of(r).evidence() for i, r in enumerate(rows)}, most)]


def _names_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


MAX_TITLE_CHARS = 160  # about three lines of a slide's title


def risk_drivers_title(drivers: Mapping[str, Any]) -> str:
    """Name the risk that costs the most NPV, and the one that costs the most survival if it is another, only when
    what each costs is clear of the noise (its 95% interval excludes zero); risks whose costs are within the noise
    of the largest are named with it rather than ranked."""
    rows = _risk_rows(drivers)
    shown = risk_drivers_panels(drivers)
    currency = Currency.parse(str(drivers.get("currency") or ""))
    runs = drivers.get("runs")
    short = short_names([r.name for r in rows], kit.TITLE_NAME)
    drawn = _shown_risks(rows, MAX_DRIVER_ROWS)  # the title names and counts only risks the chart shows
    money = _leaders(drawn, "npv") if "npv" in shown else []
    lives = _leaders(drawn, "survival") if "survival" in shown else []
    lives = [r for r in lives if format_points(r.survival.mean / 100) != "0 points"]
    life_words = ""
    if lives:
        life_words = (f"{short[lives[0].name]} costs the most survival, {format_points(lives[0].survival.mean / 100)}"
                      if len(lives) == 1 else
                      f"{_names_list([short[r.name] for r in lives[:3]])} cost the most survival, within the noise "
                      "of each other" if len(lives) <= 3 else
                      f"the {len(lives)} that cost the most survival are within the noise of each other")
    if not money:
        top = rows[0]
        if "npv" not in shown:
            return capitalized(life_words) if life_words else "No single risk clearly lowers survival"
        cost = top.npv.evidence(runs)
        lead = "No single risk clearly lowers NPV" if top.npv.mean > 0 else "No risk lowers NPV"
        if life_words:
            return f"{lead}; {life_words}"
        if top.npv.mean > 0:
            return f"{lead}: the largest, {short[top.name]}, is {cost.noise()}"
        return "No single risk lowers NPV or survival"
    scale = MoneyScale.of([money[0].npv.mean], currency)
    top = money[0]
    amount = format_money(top.npv.mean, currency, scale)
    if len(money) == 1:
        lead = f"{short[top.name]} costs the most: {amount} of NPV"
        points = format_points(top.survival.mean / 100)
        if lives and lives[0] is top and len(lives) == 1:
            return f"{lead} and {points} of survival"
    elif len(money) <= 3:
        low = format_money(min(r.npv.mean for r in money), currency, scale)
        lead = (f"{_names_list([short[r.name] for r in money])} cost the most NPV, {low} to {amount} each, within "
                "the noise of each other")
    else:
        low = format_money(min(r.npv.mean for r in money), currency, scale)
        lead = f"The {len(money)} costliest risks each cost {low} to {amount} of NPV, within the noise of each other"
    # long names in two lists make a title no slide holds: the lists give way to counts, survival's first
    if len(lives) > 1 and len(f"{lead}; {life_words}") > MAX_TITLE_CHARS:
        life_words = f"the {len(lives)} that cost the most survival are within the noise of each other"
    if 1 < len(money) <= 3 and len(f"{lead}; {life_words}" if life_words else lead) > MAX_TITLE_CHARS:
        low = format_money(min(r.npv.mean for r in money), currency, scale)
        lead = f"The {len(money)} costliest risks each cost {low} to {amount} of NPV, within the noise of each other"
    return f"{lead}; {life_words}" if life_words else lead


def risk_drivers_subtitle(drivers: Mapping[str, Any], max_rows: int = MAX_DRIVER_ROWS) -> str:
    """What the risk drivers chart draws, in words."""
    every = _risk_rows(drivers)
    shown = risk_drivers_panels(drivers)
    currency = Currency.parse(str(drivers.get("currency") or ""))
    horizon = horizon_words(drivers)
    what = " and ".join(w for k, w in (("npv", "the NPV"), ("survival", horizon)) if k in shown)
    text = f"What each risk costs under {layout.plan_noun(str(drivers.get('plan') or ''))}: {what} gained by removing it, over {runs_words(drivers)}"
    if "survival" not in shown:
        text += f"; no risk changes {horizon} by half a point"
    if drivers.get("environment") is not None:
        text += "; the shared environment's row: gained by holding it in the state it starts in"
    hidden = [r for r in every if r not in _shown_risks(every, max_rows)]
    if hidden:
        most_money = format_money(max(r.npv.mean for r in hidden), currency)
        most_lives = max(r.survival.mean for r in hidden) / 100
        lives = f"{format_points(most_lives)} of survival" if most_lives > 0 else "no survival"
        text += f"; not shown: {len(hidden)} smaller risks, each costing at most {most_money} and {lives}"
    return fit_subtitle(text)


def risk_drivers_body(drivers: Mapping[str, Any], height_in: float, max_rows: int = MAX_DRIVER_ROWS) -> Body:
    """How the risk drivers chart's panels share a slide's plot area ``height_in`` tall."""
    rows = _shown_risks(_risk_rows(drivers), max_rows)
    shown = risk_drivers_panels(drivers)
    names = kit.names_in([r.name for r in rows], len(rows), height_in - kit.HEADING_IN - kit.LEGEND_IN, 3.2)
    return Body(widths=(0.55, 0.45) if len(shown) == 2 else (1.0,), left_in=names + 0.5, right_in=0.45,
                gap_in=0.6, top_in=kit.HEADING_IN + kit.LEGEND_IN)


def risk_drivers(drivers: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None, *,
                 max_rows: int = MAX_DRIVER_ROWS) -> Any:
    """Draw a tornado of what each risk costs: the NPV and survival gained by removing it, with 95% intervals.

    Risks are sorted by the NPV they cost, largest on top. A bar is red when removing the risk clearly helps
    (its interval excludes zero), grey when that is within the noise. With more than ``max_rows`` risks, the chart
    names the largest in NPV and in survival (the subtitle sums up the rest).

    Parameters
    ----------
    drivers
        ``drivers.json``: ``{"plan", "risks": {ID: {"name", "npv": {mean, ci95}, "survival": {mean, ci95}}},
        "currency", "horizon", "time_unit", "runs", ...}``.
    ax
        One axes per panel of :func:`risk_drivers_panels`, or one for the first panel; by default a new
        slide-sized figure's.
    max_rows
        The most risks named on the chart.

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).

    Examples
    --------
    >>> ax = risk_drivers({"plan": "none", "currency": "USD", "risks": {"feud": {
    ...     "npv": {"mean": 3e6, "ci95": [2e6, 4e6]}, "survival": {"mean": 0.1, "ci95": [0.05, 0.15]}}}},
    ...     plt.gca())                                                               # doctest: +SKIP
    """
    rows = _shown_risks(_risk_rows(drivers), max_rows)
    axes, single = given(ax, lambda h: risk_drivers_body(drivers, h, max_rows))
    shown = risk_drivers_panels(drivers)[: len(axes)]
    currency = Currency.parse(str(drivers.get("currency") or ""))
    n = len(rows)
    size = kit.label_size(n)
    scale = MoneyScale.of([r.npv.mean for r in rows], currency)  # labels as precise as the title
    horizon = horizon_words(drivers)
    kinds: set[str] = set()
    with theme.style():
        for ax_, panel in zip(axes, shown):
            estimates = [r.npv if panel == "npv" else r.survival for r in rows]
            kind = ["hurts" if e.evidence().gain else "helps" if e.evidence().loss else "noise" for e in estimates]
            kinds |= set(kind)
            labels = [signed_number(e.mean, scale) if panel == "npv" else signed_points(e.mean) for e in estimates]
            kit.bars(ax_, estimates, [DRIVER_KINDS[k][0] for k in kind], [label.removeprefix("+") for label in labels],
                  "Cost in NPV" if panel == "npv" else f"Cost in {horizon}",
                  f"Expected NPV lost{layout.axis_unit(currency, scale)}" if panel == "npv" else "Percentage points",
                  layout.money_formatter(scale) if panel == "npv" else points_formatter(),
                  height=0.62 if n > 1 else 0.5, size=size,
                  label_colors=[theme.INK if k != "noise" else theme.MUTED for k in kind])
        kit.row_axes(axes, [r.name for r in rows], 3.2)
        kit.legend(axes[0], [*(kit.patch(DRIVER_KINDS[k][0], DRIVER_KINDS[k][1]) for k in DRIVER_KINDS if k in kinds),
                          kit.whisker_key()])
    return returned(axes, single)


DRIVER_KINDS = {"hurts": (kit.DRIVER_COLOR, "Removing the risk clearly helps"),
                "noise": (kit.NOISE_COLOR, "Within the noise"),
                "helps": (SURVIVED_COLOR, "Removing it clearly hurts")}

