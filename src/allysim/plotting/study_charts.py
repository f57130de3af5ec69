"""Board-ready charts of the studies: compare, contingency value and risk drivers.

These draw the JSON of `allysim compare`, `value` and `drivers` (SPEC section 5): paired differences between
variants of one scenario on common random numbers. Differences in survival are shown and quoted in percentage
points ("35 points"), rounded like shares: whole points, halves up, "<1 point" for a nonzero difference under half
a point. Each function returns a 16:9 figure; with ``titled=False`` it is drawn without its title.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..stats import Z95
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    Provenance,
    format_money,
    format_points,
    format_ratio,
    format_share,
    signed_number,
    signed_points,
)
from . import layout, theme
from .layout import (
    Estimate,
    display_name,
    fit_subtitle,
    horizon_words,
    label_room,
    points_formatter,
    runs_words,
    title_name,
)
from .theme import OTHER_COLOR, RISK_COLORS, SURVIVED_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["compare", "contingency_value", "risk_drivers", "MAX_DRIVER_ROWS"]

VALUE_COLOR = SURVIVED_COLOR  # slate: what a contingency adds
COST_COLOR = RISK_COLORS[4]  # warm: what it costs
SHORTFALL_COLOR = RISK_COLORS[1]  # the return of a contingency that does not pay for itself
VERDICT_COLORS = {"pays": theme.INK, "even": theme.MUTED, "loses": SHORTFALL_COLOR}
VERDICT_WORDS = {"even": "grey: within the noise", "loses": "red: does not pay"}  # the 95% CI decides
DRIVER_COLOR = RISK_COLORS[2]  # the risks' colour, as on the causes chart
DIAMOND_GAP = 9.0  # ... and between a diamond and a label, clear of the diamond's half width
DIAMOND = {"marker": "D", "markersize": 7.5, "markerfacecolor": "white", "markeredgecolor": theme.INK,
           "markeredgewidth": 1.4}  # the one-at-a-time value of a contingency ("if dropped last")
RETURN_HEADING = "Value \u00f7 cost"
MAX_DRIVER_ROWS = 20  # risks named on the tornado; the subtitle says how much the others cost at most


# --- compare ---------------------------------------------------------------------------------------------------


def _one_plan_title(plan: str, baseline: str, npv: Evidence, survival: Evidence, currency: Currency,
                    scale: MoneyScale) -> str:
    """The compare title for a single plan: the changes clear of the noise, and which are not."""
    parts, signs = [], []
    if npv.clear:
        parts.append(f"{'adds' if npv.gain else 'costs'} {format_money(abs(npv.mean), currency, scale)} of NPV")
        signs.append(npv.gain)
    if survival.clear:
        parts.append(f"{'adds' if survival.gain else 'loses'} {format_points(survival.mean)} of survival")
        signs.append(survival.gain)
    name = layout.plan_phrase(plan)
    if not parts:
        return f"{name}'s differences from {baseline} are {npv.noise()}"
    words = (" and " if len(set(signs)) == 1 else " but ").join(parts)
    title = f"{name} {words} {'over' if all(signs) else 'against'} {baseline}"
    if len(parts) == 1:
        title += f"; its {'survival' if npv.clear else 'NPV'} difference is within the noise"
    return title


def _compare_title(base: str, others: Sequence[str], npv: Mapping[str, Evidence], survival: Mapping[str, Evidence],
                   currency: Currency) -> str:
    """State which plan does best against the baseline, in NPV and in survival, claiming only what the 95%
    intervals carry: a gain or a loss whose interval excludes zero; the rest is within the noise."""
    baseline = f"the {layout.plan_phrase(base)}"
    best = layout.best({p: npv[p].mean for p in others})
    scale = MoneyScale.of([npv[best].mean], currency)
    lifted = {p: survival[p].mean for p in others if survival[p].gain}
    most_lives = layout.best(lifted) if lifted else None
    lives = f"{layout.plan_phrase(most_lives)} adds the most survival, {format_points(survival[most_lives].mean)}" \
        if most_lives else ""
    if len(others) == 1:
        return _one_plan_title(best, baseline, npv[best], survival[best], currency, scale)
    if not npv[best].gain:
        lead = f"Every plan costs NPV against {baseline}" if all(npv[p].loss for p in others) else \
            f"No plan clearly adds NPV over {baseline} ({npv[best].settle()})"
        if lives:
            return f"{lead}; {lives}"
        if any(survival[p].loss for p in others):
            return lead
        return f"{lead}, and no survival gain is clear of the noise"
    money = f"{layout.plan_phrase(best)} adds {format_money(npv[best].mean, currency, scale)} of NPV"
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


def compare(
    comparison: Mapping[str, Any],
    *,
    plan_order: Sequence[str] | None = None,
    provenance: Provenance | None = None,
    titled: bool = True,
) -> Figure:
    """Draw each plan's paired difference from the baseline: NPV (left) and survival (right), with 95% CIs.

    Parameters
    ----------
    comparison
        ``compare.json``: ``{"baseline": NAME, "plans": {PLAN: {"npv": {mean, ci95}, "survival": {mean, ci95},
        "p_better": x}}, "currency", "horizon", "time_unit", "runs", ...}``.
    plan_order
        Every plan of the output in its order, the baseline first, so that each plan keeps the colour it has on
        the run charts; by default the baseline and then the plans of ``comparison`` in order.
    provenance
        Printed in the footer; read from ``comparison``'s provenance fields when omitted.
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).

    Examples
    --------
    >>> fig = compare({"baseline": "none", "currency": "USD", "plans": {"full": {
    ...     "npv": {"mean": 2e6, "ci95": [1e6, 3e6]}, "survival": {"mean": 0.2, "ci95": [0.1, 0.3]},
    ...     "p_better": 0.7}}})
    """
    import matplotlib.pyplot as plt

    base = str(comparison["baseline"])
    plans = [p for p in comparison["plans"] if p != base]
    order = list(plan_order or [])
    if not (base in order and all(p in order for p in plans)):
        order = [base, *plans]
    entries = {p: comparison["plans"][p] for p in plans}
    npv = {p: Estimate.of(entries[p]["npv"]) for p in plans}
    survival = {p: Estimate.of(entries[p]["survival"], 100.0) for p in plans}
    better = {p: entries[p].get("p_better") for p in plans}
    currency = Currency.parse(str(comparison.get("currency") or ""))

    runs = comparison.get("runs")
    title = _compare_title(base, plans, {p: npv[p].evidence(runs) for p in plans},
                           {p: Estimate.of(entries[p]["survival"]).evidence(runs) for p in plans}, currency)
    baseline = theme.plan_label(base)
    subtitle = fit_subtitle(f"Each plan minus the baseline ({baseline}) over the same {runs_words(comparison)}, "
                             f"with 95% confidence intervals", "; P(NPV better): share of runs in which the plan's "
                             "NPV beats the baseline's")

    scale = MoneyScale.of([e.mean for e in npv.values()], currency)  # labels as precise as the title
    n = len(plans)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        provenance = layout.study_provenance(comparison, provenance)
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
        size, lines = layout.row_layout(n, (top * theme.HEIGHT_IN - theme.PLOT_BOTTOM) - 0.35)
        names, names_in = layout.row_labels([theme.plan_label(p) for p in plans], size, lines, 2.6)
        odds_in = theme.text_width("P(NPV better)", theme.LABEL_SIZE, "bold") + 0.2
        left, bottom, right, top = theme.plot_box(fig, top - 0.35 / theme.HEIGHT_IN, left_in=names_in + 0.85,
                                                  right_in=odds_in + 0.45)
        gap = 0.75 / theme.WIDTH_IN
        split = left + (right - left - gap) * 0.56
        money_ax = fig.add_axes((left, bottom, split - left, top - bottom))
        lives_ax = fig.add_axes((split + gap, bottom, right - split - gap, top - bottom), sharey=money_ax)

        ys = list(range(n))
        colors = [theme.plan_color(order.index(p)) for p in plans]
        inks = [theme.plan_text_color(order.index(p)) for p in plans]
        label_size = theme.ANNOTATION_SIZE if n <= 5 else theme.ANNOTATION_SIZE - 1
        height = 0.56
        panels = (
            (money_ax, [npv[p] for p in plans], [signed_number(npv[p].mean, scale) for p in plans],
             f"Difference{layout.axis_unit(currency, scale)}", layout.money_formatter(scale), "Change in expected NPV"),
            (lives_ax, [survival[p] for p in plans], [signed_points(survival[p].mean) for p in plans],
             "Difference (percentage points)", points_formatter(), f"Change in {horizon_words(comparison)}"),
        )
        for ax, estimates, labels, xlabel, formatter, heading in panels:
            width_in = ax.get_position().width * theme.WIDTH_IN
            room_right, room_left = label_room(labels, estimates, label_size)
            layout.ci_bars(ax, ys, estimates, colors, labels, height=height, size=label_size, label_colors=inks)
            layout.fit_limits(ax, estimates, width_in, room_right, room_left)
            layout.difference_axis(ax, xlabel, formatter)
            layout.headed(ax, heading)

        money_ax.set_yticks(ys, names, size=size)
        for tick in money_ax.get_yticklabels():
            tick.set_color(theme.INK)
        for i, _plan in enumerate(plans):  # the plan's swatch, as on the causes chart
            money_ax.plot([-0.03], [i], marker="s", markersize=11, color=colors[i], clip_on=False,
                          transform=money_ax.get_yaxis_transform(), linestyle="none")
        money_ax.tick_params(axis="y", pad=26)
        pad = max(3 - n, 0) / 2  # one or two plans: bars as thick as with three, not fatter
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
        lives_ax.tick_params(axis="y", labelleft=False)

        # P(NPV better): a column of numbers at the right, on the rows
        odds = _text_column(fig, (right + 0.2 / theme.WIDTH_IN, bottom, (odds_in - 0.2) / theme.WIDTH_IN, top - bottom),
                            money_ax.get_ylim())
        layout.headed(odds, "P(NPV better)")
        for i, p in enumerate(plans):
            text = "n/a" if better[p] is None else format_share(float(better[p]))
            odds.text(0.0, i, text, ha="left", va="center", size=label_size + 1, weight="bold", color=inks[i])
    return fig


# --- contingency value -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Contingency:
    """One row of the contingency value chart; amounts before the contingency's own cost unless named net."""

    name: str
    cost: float
    net: float  # Shapley NPV, net of its cost: what it adds to the plan's NPV
    value: Estimate  # Shapley NPV before its cost, with the 95% interval
    dropped_last: float  # one-at-a-time NPV before its cost: the plan minus the plan without it
    survival: Estimate  # Shapley survival, in points
    survival_dropped_last: float  # one-at-a-time survival, in points

    @property
    def ratio(self) -> float | None:
        """Value before cost per unit of cost (None for a free contingency)."""
        return self.value.mean / self.cost if self.cost > 0 else None

    @property
    def verdict(self) -> str:
        """``pays`` or ``loses`` when the 95% interval of its net value is clear of zero, else ``even``."""
        if self.value.low - self.cost > 0:
            return "pays"
        if self.value.high - self.cost < 0:
            return "loses"
        return "even"


def _widened(mean: float, ci: Sequence[Any] | None, sampling_se: Any, factor: float = 1.0,
             shift: float = 0.0) -> Estimate:
    """Return a Shapley estimate whose 95% interval also holds the permutation sampling error, if any.

    The interval over runs and the sampling error over random orders are combined in quadrature.
    """
    centre = mean * factor + shift
    if not ci or any(v is None for v in ci):
        return Estimate(centre)
    lo, hi = float(ci[0]) * factor + shift, float(ci[1]) * factor + shift
    if isinstance(sampling_se, (int, float)) and sampling_se > 0:
        extra = Z95 * float(sampling_se) * factor
        lo = centre - math.hypot(centre - lo, extra)
        hi = centre + math.hypot(hi - centre, extra)
    return Estimate(centre, lo, hi)


def _contingency_rows(values: Mapping[str, Any]) -> list[_Contingency]:
    """Read ``value.json``'s contingencies, sorted by what each adds to NPV net of its cost (largest first)."""
    rows = []
    for cid, c in values["contingencies"].items():
        cost = float(c.get("cost") or 0.0)
        net = float(c["shapley_npv"])
        npv = c.get("npv") or {}
        dropped_last = c.get("gross_npv")
        if dropped_last is None:
            dropped_last = float(npv.get("mean", net)) + cost
        survival = c.get("survival") or {}
        rows.append(_Contingency(
            name=display_name(c.get("name"), cid), cost=cost, net=net,
            value=_widened(net, c.get("shapley_npv_ci95"), c.get("shapley_npv_sampling_se"), shift=cost),
            dropped_last=float(dropped_last),
            survival=_widened(float(c["shapley_survival"]), c.get("shapley_survival_ci95"),
                              c.get("shapley_survival_sampling_se"), factor=100.0),
            survival_dropped_last=100.0 * float(survival.get("mean", c["shapley_survival"])),
        ))
    order = sorted(range(len(rows)), key=lambda i: (-rows[i].net, i))
    return [rows[i] for i in order]


def _value_title(rows: Sequence[_Contingency], currency: Currency, runs: Any = None) -> str:
    """State which contingency returns the most, and which do not pay for themselves, within the evidence.

    A contingency pays for itself, or does not, only when the 95% interval of its net value excludes zero; when
    the interval holds zero its net value is "within the noise", with roughly how many runs would settle it.
    """
    n = len(rows)
    top = next((r for r in rows if r.verdict == "pays"), rows[0])  # the most net value among those that pay
    name = title_name(top.name, 50)
    net = Evidence(top.net, top.value.low - top.cost, top.value.high - top.cost,
                   int(runs) if isinstance(runs, (int, float)) and runs else None)
    if top.verdict != "pays":
        lives = max(rows, key=lambda r: r.survival.mean)
        adds = lives.survival.lo is not None and lives.survival.lo > 0  # its survival gain is clear of zero
        if all(r.verdict == "loses" for r in rows):
            lead = "No contingency pays for itself in NPV" if n > 1 else f"{name} does not pay for itself in NPV"
        elif n > 1:
            lead = f"No contingency clearly pays for itself in NPV: the best is {net.noise()}"
        else:
            lead = f"Whether {name} pays for itself in NPV is {net.noise()}"
        if adds and format_points(lives.survival.mean / 100) != "0 points":
            joint = " but adds " if n == 1 else f"; {title_name(lives.name, 50)} adds the most survival, "
            return f"{lead}{joint}{format_points(lives.survival.mean / 100)}" + (" of survival" if n == 1 else "")
        return lead
    if top.ratio is None:
        lead = f"{name} adds {format_money(top.net, currency)} of NPV at no cost"
    else:
        lead = f"{name} returns {format_ratio(top.ratio)} its cost"
    losers = [r for r in rows if r.verdict == "loses"]
    even = [r for r in rows if r.verdict == "even" and r is not top]
    if not losers and not even:
        return lead if n == 1 else f"All {n} contingencies pay for themselves; {lead}"
    if len(losers) + len(even) == 1:  # one to name
        other = (losers or even)[0]
        verdict = "does not pay for itself" if losers else "is within the noise of breaking even"
        return f"{lead}; {title_name(other.name, 50)} {verdict}"
    parts = []
    if losers:
        verb = "does not pay for itself" if len(losers) == 1 else "do not pay for themselves"
        parts.append(f"{len(losers)} of {n} {verb}")
    if even:
        verb = "is within the noise" if len(even) == 1 else "are within the noise"
        parts.append(f"{len(even)} {verb}" if losers else f"{len(even)} of {n} {verb}")
    return f"{lead}; {' and '.join(parts)}"


def _whole_plan_words(total: Mapping[str, Any], currency: Currency, runs: Any) -> str:
    """``the whole plan adds USD 6.9M of NPV and 35 points of survival``, claiming only clear changes."""
    npv, lives = Estimate.of(total["npv"]).evidence(runs), Estimate.of(total["survival"]).evidence(runs)
    scale = MoneyScale.of([npv.mean], currency)
    parts = []
    if npv.clear:
        parts.append(f"{'adds' if npv.gain else 'costs'} {format_money(abs(npv.mean), currency, scale)} of NPV")
    if lives.clear:
        parts.append(f"{'adds' if lives.gain else 'loses'} {format_points(lives.mean)} of survival")
    if not parts:
        return "the whole plan's effect is within the noise"
    return "the whole plan " + " and ".join(parts)


def contingency_value(values: Mapping[str, Any], *, provenance: Provenance | None = None,
                      titled: bool = True) -> Figure:
    """Draw what each contingency of a plan is worth against what it costs, in NPV and in survival.

    Left, per contingency: the NPV it adds before its own cost (its Shapley share of the plan's gain over no
    contingencies, with its 95% interval, and a diamond for the one-at-a-time value "if dropped last") above its
    expected cost; the return on cost beside it. Right, the survival it adds, in percentage points. Rows are
    sorted by what each contingency adds net of its cost.

    Parameters
    ----------
    values
        ``value.json``: ``{"plan", "method", "total", "contingencies": {ID: {"name", "cost", "npv", "survival",
        "gross_npv", "shapley_npv", "shapley_survival", "shapley_npv_ci95", ...}}, "currency", ...}``.
    provenance
        Printed in the footer; read from ``values``' provenance fields when omitted.
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).

    Examples
    --------
    >>> fig = contingency_value({"plan": "full", "currency": "USD", "contingencies": {"office": {
    ...     "cost": 2.0, "npv": {"mean": 1.0}, "survival": {"mean": 0.05}, "shapley_npv": 1.5,
    ...     "shapley_survival": 0.04}}})
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = _contingency_rows(values)
    currency = Currency.parse(str(values.get("currency") or ""))
    title = _value_title(rows, currency, values.get("runs"))
    plan = layout.plan_phrase(str(values.get("plan") or ""))
    sampled = "; shares sampled over random orders, CIs include that error"
    whole = ""
    total = values.get("total") or {}
    if isinstance(total.get("npv"), Mapping) and isinstance(total.get("survival"), Mapping):
        whole = f"; {_whole_plan_words(total, currency, values.get('runs'))}"
    subtitle = fit_subtitle(f"What each contingency of the {plan} adds before its own cost, and that cost, over "
                             f"{runs_words(values)}", sampled if values.get("method") == "permutation" else "",
                             whole)

    n = len(rows)
    amounts = [v for r in rows for v in (r.value.low, r.value.high, r.cost, r.dropped_last)]
    scale = MoneyScale.of(amounts, currency)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        provenance = layout.study_provenance(values, provenance)
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
        legend_in = 0.45
        plot_top = top - (legend_in + 0.35) / theme.HEIGHT_IN
        size, lines = layout.row_layout(n, plot_top * theme.HEIGHT_IN - theme.PLOT_BOTTOM)
        names, names_in = layout.row_labels([r.name for r in rows], size, lines, 3.0 if lines > 1 else 3.8)
        left, bottom, right, plot_top = theme.plot_box(fig, plot_top, left_in=names_in + 0.5, right_in=0.45)
        width = right - left
        return_in = theme.text_width(RETURN_HEADING, theme.LABEL_SIZE, "bold") + 0.2
        lives_w = width * 0.27
        money_w = width - lives_w - (return_in + 0.55) / theme.WIDTH_IN
        money_ax = fig.add_axes((left, bottom, money_w, plot_top - bottom))
        ratio_box = (left + money_w + 0.2 / theme.WIDTH_IN, bottom, (return_in - 0.1) / theme.WIDTH_IN,
                     plot_top - bottom)
        lives_ax = fig.add_axes((right - lives_w, bottom, lives_w, plot_top - bottom), sharey=money_ax)

        ys = np.arange(n, dtype=float)
        bar = 0.34 if n > 1 else 0.26
        offset = bar / 2 + 0.02
        label_size = theme.ANNOTATION_SIZE if n <= 6 else theme.ANNOTATION_SIZE - 1.5 if n <= 9 else 10.0
        show_numbers = n <= 9  # beyond, the bars are too thin for a number each: the axis carries the scale

        # NPV: value before cost (with its interval and the dropped-last diamond) above the expected cost
        money_in = money_w * theme.WIDTH_IN
        value_labels = [signed_number(r.value.mean, scale) if r.value.mean < 0 else scale.number(r.value.mean)
                        for r in rows] if show_numbers else None
        cost_labels = [scale.number(r.cost) for r in rows] if show_numbers else None
        reach = [Estimate(r.value.mean, min(r.value.low, r.dropped_last), max(r.value.high, r.dropped_last))
                 for r in rows]
        costs = [Estimate(r.cost) for r in rows]
        room = (0.1, 0.1)
        if value_labels and cost_labels:
            value_room = label_room(value_labels, reach, label_size, DIAMOND_GAP)
            cost_room = label_room(cost_labels, costs, label_size)
            room = (max(value_room[0], cost_room[0]), max(value_room[1], cost_room[1]))
        layout.ci_bars(money_ax, ys - offset, reach, [VALUE_COLOR] * n, value_labels, height=bar, size=label_size,
                 intervals=False, gap=DIAMOND_GAP)
        for y, r in zip(ys - offset, rows):  # the real interval, drawn over the bar (reach only placed the label)
            layout.whisker(money_ax, y, r.value, bar)
        money_ax.plot([r.dropped_last for r in rows], ys - offset, linestyle="none", zorder=6, **DIAMOND)
        layout.ci_bars(money_ax, ys + offset, costs, [COST_COLOR] * n, cost_labels, height=bar, size=label_size - 0.5,
                 label_colors=[theme.TEXT] * n, weight="normal")
        layout.fit_limits(money_ax, reach + costs, money_in, *room)
        layout.difference_axis(money_ax, f"NPV{layout.axis_unit(currency, scale)}", layout.money_formatter(scale))
        layout.headed(money_ax, "What it adds to NPV, and what it costs")

        pad = max(3 - n, 0) / 2
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)

        # the return on cost, on each row
        ratio_ax = _text_column(fig, ratio_box, money_ax.get_ylim())
        layout.headed(ratio_ax, RETURN_HEADING)
        for y, r in zip(ys, rows):
            text = "free" if r.ratio is None else "negative" if r.ratio < 0 else format_ratio(r.ratio)
            ratio_ax.text(0.0, y, text, ha="left", va="center", size=label_size + 1, weight="bold",
                          color=VERDICT_COLORS[r.verdict])
        keys = [(verdict, words) for verdict, words in VERDICT_WORDS.items() if any(r.verdict == verdict for r in rows)]
        for k, (verdict, words) in enumerate(keys):  # a key under the column, level with the axes' tick labels
            ratio_ax.text(0.0, -0.035 - 0.055 * k, words, transform=ratio_ax.transAxes, ha="left", va="top",
                          size=theme.ANNOTATION_SIZE - 1.5, color=VERDICT_COLORS[verdict])

        # survival, in points
        lives = [r.survival for r in rows]
        lives_labels = [signed_points(e.mean) for e in lives] if show_numbers else None
        lives_reach = [Estimate(e.mean, min(e.low, r.survival_dropped_last), max(e.high, r.survival_dropped_last))
                       for e, r in zip(lives, rows)]
        lives_room = label_room(lives_labels, lives_reach, label_size, DIAMOND_GAP) if lives_labels else (0.1, 0.1)
        layout.ci_bars(lives_ax, ys, lives_reach, [VALUE_COLOR] * n, lives_labels, height=bar * 1.4, size=label_size,
                 intervals=False, gap=DIAMOND_GAP)
        for y, e in zip(ys, lives):
            layout.whisker(lives_ax, y, e, bar * 1.4)
        lives_ax.plot([r.survival_dropped_last for r in rows], ys, linestyle="none", zorder=6, **DIAMOND)
        layout.fit_limits(lives_ax, lives_reach, lives_w * theme.WIDTH_IN, *lives_room)
        layout.difference_axis(lives_ax, "Percentage points", points_formatter())
        layout.headed(lives_ax, f"{layout.sentence_start(horizon_words(values))} added")
        lives_ax.tick_params(axis="y", labelleft=False)

        money_ax.set_yticks(ys, names, size=size)
        for tick in money_ax.get_yticklabels():
            tick.set_color(theme.INK)

        handles = [
            Patch(color=VALUE_COLOR, linewidth=0,
                  label="Value added before its cost: fair share of the plan's gain (Shapley), 95% CI"),
            Line2D([], [], linestyle="none", label="If dropped last", **DIAMOND),
            Patch(color=COST_COLOR, linewidth=0, label="Expected cost"),
        ]
        fig.legend(handles=handles, loc="lower left", ncols=3,
                   bbox_to_anchor=(theme.MARGIN_LEFT / theme.WIDTH_IN, plot_top + 0.5 / theme.HEIGHT_IN),
                   bbox_transform=fig.transFigure, borderaxespad=0, handlelength=1.4, columnspacing=2.0,
                   fontsize=theme.ANNOTATION_SIZE)
    return fig


def _text_column(fig: Figure, box: tuple[float, float, float, float], ylim: tuple[float, float]) -> Axes:
    """Add an invisible axes at ``box`` whose y axis matches the rows' (``ylim``), to write one number per row."""
    ax = fig.add_axes(box)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(*ylim)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


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
    order = sorted(range(len(rows)), key=lambda i: (-rows[i].npv.mean, i))
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


def _drivers_title(rows: Sequence[_Risk], currency: Currency, runs: Any = None) -> str:
    """Name the risk that costs the most NPV, and the one that costs the most survival if it is another, only
    when what each costs is clear of the noise (its 95% interval excludes zero)."""
    top = rows[0]
    cost = top.npv.evidence(runs)
    hurting = [r for r in rows if r.survival.lo is not None and r.survival.lo > 0]
    lives = max(hurting, key=lambda r: r.survival.mean) if hurting else None
    scale = MoneyScale.of([top.npv.mean], currency)
    if not cost.gain or scale.number(top.npv.mean) == scale.number(0.0):
        lead = "No single risk clearly lowers NPV" if top.npv.mean > 0 else "No risk lowers NPV"
        if lives is not None and format_points(lives.survival.mean / 100) != "0 points":
            return (f"{lead}; {title_name(lives.name, 50)} costs the most survival, "
                    f"{format_points(lives.survival.mean / 100)}")
        if top.npv.mean > 0:
            return f"{lead}: the largest, {title_name(top.name, 40)}, is {cost.noise()}"
        return "No single risk lowers NPV or survival"
    money = format_money(top.npv.mean, currency, scale)
    name = title_name(top.name, 50)
    points = format_points(top.survival.mean / 100)
    if lives is None or lives is top or format_points(lives.survival.mean / 100) == points:
        if top in hurting and points != "0 points":
            return f"{name} costs the most: {money} of NPV and {points} of survival"
        return f"{name} costs the most: {money} of NPV"
    return (f"{name} costs the most NPV, {money}; {title_name(lives.name, 50)} the most survival, "
            f"{format_points(lives.survival.mean / 100)}")


def risk_drivers(drivers: Mapping[str, Any], *, max_rows: int = MAX_DRIVER_ROWS,
                 provenance: Provenance | None = None, titled: bool = True) -> Figure:
    """Draw a tornado of what each risk costs: the NPV (left) and survival (right) gained by removing it.

    Risks are sorted by the NPV they cost, largest on top, each with its 95% interval. With more than
    ``max_rows`` risks, the chart names the largest in NPV and in survival and sums up the rest in one line.

    Parameters
    ----------
    drivers
        ``drivers.json``: ``{"plan", "risks": {ID: {"name", "npv": {mean, ci95}, "survival": {mean, ci95}}},
        "currency", "horizon", "time_unit", "runs", ...}``.
    max_rows
        The most risks named on the chart.
    provenance
        Printed in the footer; read from ``drivers``' provenance fields when omitted.
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).

    Examples
    --------
    >>> fig = risk_drivers({"plan": "none", "currency": "USD", "risks": {"feud": {
    ...     "npv": {"mean": 3e6, "ci95": [2e6, 4e6]}, "survival": {"mean": 0.1, "ci95": [0.05, 0.15]}}}})
    """
    import matplotlib.pyplot as plt

    every = _risk_rows(drivers)
    currency = Currency.parse(str(drivers.get("currency") or ""))
    title = _drivers_title(every, currency, drivers.get("runs"))
    plan = layout.plan_phrase(str(drivers.get("plan") or ""))
    rows = _shown_risks(every, max_rows) if len(every) > max_rows else every
    hidden = [r for r in every if r not in rows]
    subtitle = (f"What each risk costs under the {plan}: the NPV and {horizon_words(drivers)} gained by removing it, "
                f"over {runs_words(drivers)}")
    if drivers.get("environment") is not None:
        subtitle += "; the shared environment's row: gained by holding it in the state it starts in"
    if hidden:
        most_money = format_money(max(r.npv.mean for r in hidden), currency)
        most_lives = max(r.survival.mean for r in hidden) / 100
        lives = f"{format_points(most_lives)} of survival" if most_lives > 0 else "no survival"
        subtitle += f"; not shown: {len(hidden)} smaller risks, each costing at most {most_money} and {lives}"
    subtitle = fit_subtitle(subtitle, "; bars with 95% confidence intervals")

    n = len(rows)
    scale = MoneyScale.of([r.npv.mean for r in rows], currency)  # labels as precise as the title
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        provenance = layout.study_provenance(drivers, provenance)
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
        plot_top = top - 0.35 / theme.HEIGHT_IN
        size, lines = layout.row_layout(n, plot_top * theme.HEIGHT_IN - theme.PLOT_BOTTOM)
        names, names_in = layout.row_labels([r.name for r in rows], size, lines, 3.2 if lines > 1 else 3.8)
        left, bottom, right, plot_top = theme.plot_box(fig, plot_top, left_in=names_in + 0.5, right_in=0.45)
        gap = 0.6 / theme.WIDTH_IN
        split = left + (right - left - gap) * 0.55
        money_ax = fig.add_axes((left, bottom, split - left, plot_top - bottom))
        lives_ax = fig.add_axes((split + gap, bottom, right - split - gap, plot_top - bottom), sharey=money_ax)

        ys = list(range(len(rows)))
        height = 0.62 if n > 1 else 0.5
        label_size = theme.ANNOTATION_SIZE if n <= 8 else min(theme.ANNOTATION_SIZE - 1.5, size)
        show_numbers = n <= MAX_DRIVER_ROWS
        horizon = horizon_words(drivers)
        panels = (
            (money_ax, [r.npv for r in rows], [signed_number(r.npv.mean, scale) for r in rows],
             f"Expected NPV lost{layout.axis_unit(currency, scale)}", layout.money_formatter(scale), "Cost in NPV"),
            (lives_ax, [r.survival for r in rows], [signed_points(r.survival.mean) for r in rows],
             "Percentage points", points_formatter(), f"Cost in {horizon}"),
        )
        for ax, estimates, labels, xlabel, formatter, heading in panels:
            labels = [label.removeprefix("+") for label in labels] if show_numbers else None
            colors = [DRIVER_COLOR if e.mean >= 0 else OTHER_COLOR for e in estimates]
            room = label_room(labels, estimates, label_size) if labels else (0.1, 0.1)
            layout.ci_bars(ax, ys, estimates, colors, labels, height=height, size=label_size)
            layout.fit_limits(ax, estimates, ax.get_position().width * theme.WIDTH_IN, *room)
            layout.difference_axis(ax, xlabel, formatter)
            layout.headed(ax, heading)

        money_ax.set_yticks(ys, names, size=size)
        for tick in money_ax.get_yticklabels():
            tick.set_color(theme.INK)
        lives_ax.tick_params(axis="y", labelleft=False)
        pad = max(3 - n, 0) / 2
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
    return fig
