"""Board-ready charts of a run (survival, NPV, health and causes of dissolution) and of its studies (compare,
contingency value and risk drivers).

Each function takes computed numbers (arrays and summary statistics keyed by plan, in plan order, the baseline
first; or a study's dictionary, as in ``compare.json``, ``value.json`` and ``drivers.json``), draws one finding on
a 16:9 slide in the allysim look (:mod:`allysim.theme`) and returns the figure.
The title states the finding in words, with the numbers taken from the summary statistics passed in, rounded as
follows (``docs/charts.md`` repeats this):

- shares and probabilities: nearest whole percent, halves up, except that a share strictly between 0 and 0.5% reads
  ``<1%`` and one strictly between 99.5% and 100% reads ``>99%``;
- money: three significant figures of the largest amount in the title, with a k/M/B suffix for thousands,
  millions and billions (``USD 31.2M``); a currency that names its unit (``USD M``) is not rescaled;
- health: two decimals;
- differences in survival: whole percentage points, halves up (``35 points``), ``<1 point`` for a nonzero
  difference under half a point;
- returns on cost: ``4.3×``, ``13×``; two decimals where one would read ``1.0×``.

Examples
--------
>>> import numpy as np
>>> from allysim import charts
>>> rng = np.random.default_rng(1)
>>> life = {"do_nothing": np.minimum(rng.exponential(8, 500), 10)}
>>> fig = charts.survival(life, {"do_nothing": life["do_nothing"] >= 10}, horizon=10)
>>> fig.savefig("survival.png")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from . import theme
from .stats import CURVE_POINTS, Z95, kaplan_meier, wilson_band
from .theme import Provenance
from .wording import (
    Currency,
    Evidence,
    MoneyScale,
    format_money,
    format_points,
    format_ratio,
    format_share,
    format_span,
    plural,
    signed_number,
    signed_points,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Currency", "causes", "compare", "contingency_value", "format_money", "format_points", "format_ratio",
           "format_share", "format_span", "health", "npv", "risk_drivers", "survival"]

HIST_BINS = 44
SURVIVED = "survived"


_TICK_STEPS = {"year": (1, 2, 5, 10, 20, 50, 100), "quarter": (1, 2, 4, 8, 20, 40, 100),
               "month": (1, 2, 3, 6, 12, 24, 60, 120), "week": (1, 2, 4, 13, 26, 52, 104, 260),
               "day": (1, 7, 14, 30, 91, 365, 730, 1826)}


def _time_locator(horizon: float, time_unit: str, max_ticks: int) -> Any:
    """Return a tick locator at steps natural for the time unit (months by 3, 6 or 12; weeks by 4 or 13)."""
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    for step in _TICK_STEPS.get(time_unit, ()):
        if horizon / step <= max_ticks:
            return MultipleLocator(step)
    return MaxNLocator(nbins=max_ticks)


TITLE_NAME_CHARS = 40  # longer plan or risk names are shortened in titles, so the numbers always fit


def _title_name(name: str, limit: int = TITLE_NAME_CHARS) -> str:
    """Shorten a long name for a title: drop a trailing parenthesis, then cut at a word with an ellipsis."""
    if len(name) > limit and " (" in name:
        name = name[: name.index(" (")]
    if len(name) > limit:
        name = name[: name.rfind(" ", 0, limit)] if " " in name[:limit] else name[:limit]
        name = name.rstrip(" ,;:-") + "…"
    return name


def _plan_phrase(name: str) -> str:
    """Return how a title names a plan: ``governance -> Governance plan``."""
    label = _title_name(theme.plan_label(name))
    return label if label.lower().endswith("plan") else f"{label} plan"


def _best(values: Mapping[str, float]) -> str:
    """Return the plan with the largest value (the earliest on ties)."""
    names = list(values)
    return names[int(np.argmax([values[n] for n in names]))]


# --- survival --------------------------------------------------------------------------------------------------


def survival(
    lifetimes: Mapping[str, ArrayLike],
    survived: Mapping[str, ArrayLike],
    *,
    horizon: float,
    time_unit: str = "year",
    estimates: Mapping[str, float] | None = None,
    provenance: Provenance | None = None,
) -> Figure:
    """Draw the share of alliances still alive over time, per plan, with a 95% pointwise Wilson band.

    Parameters
    ----------
    lifetimes, survived
        Per plan (in plan order, the baseline first): each run's lifetime and whether it reached the horizon.
    horizon, time_unit
        The planned life, for the x axis and the title.
    estimates
        Per plan, the survival probability quoted in the title (``summary.json``'s ``survival.estimate``);
        computed from ``survived`` when omitted.
    provenance
        Printed in the footer.

    Examples
    --------
    >>> fig = survival({"a": [2.0, 10.0]}, {"a": [False, True]}, horizon=10)
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    plans = list(lifetimes)
    ends = {p: float(np.mean(np.asarray(survived[p], dtype=bool))) if len(survived[p]) else 0.0 for p in plans}
    quoted = {p: float(estimates[p]) for p in plans} if estimates is not None else ends
    runs = {len(np.asarray(lifetimes[p])) for p in plans}
    life = format_span(horizon, time_unit)

    if len(plans) == 1:
        title = f"Alliance survives its {life} life in {format_share(quoted[plans[0]])} of runs"
    else:
        base, best = plans[0], _best(quoted)
        if format_share(quoted[best]) != format_share(quoted[base]) and quoted[best] > quoted[base]:
            title = (f"{_plan_phrase(best)} lifts {life} survival from {format_share(quoted[base])} "
                     f"to {format_share(quoted[best])}")
        else:
            title = (f"No plan lifts {life} survival above the baseline's {format_share(quoted[base])} "
                     f"({_plan_phrase(base)})")
    n_text = f"{runs.pop():,} simulated alliances" if len(runs) == 1 else "simulated alliances"
    subtitle = f"Share of {n_text} still together over time, with 95% confidence band"

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance)

        labels = {p: f"{format_share(quoted[p])}  {theme.plan_label(p)}" if len(plans) > 1
                  else f"{format_share(quoted[p])} survive" for p in plans}
        labels = {p: theme.wrap(text, 3.0, theme.ANNOTATION_SIZE + 0.5, "bold", max_lines=1)[0]
                  for p, text in labels.items()}
        label_in = max(theme.text_width(t, theme.ANNOTATION_SIZE + 0.5, "bold") for t in labels.values())
        left, bottom, right, top = theme.plot_box(fig, top, left_in=1.25, right_in=label_in + 0.75)
        ax = fig.add_axes((left, bottom, right - left, top - bottom))

        band_alpha = 0.16 if len(plans) <= 2 else 0.11 if len(plans) <= 4 else 0.07
        line_width = 2.8 if len(plans) <= 3 else 2.2
        curves = {p: kaplan_meier(lifetimes[p], survived[p], horizon) for p in plans}
        for i, plan in enumerate(plans):
            color = theme.plan_color(i)
            t, s = curves[plan]
            lo, hi = wilson_band(s, len(np.asarray(lifetimes[plan])))
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=band_alpha, linewidth=0)
            ax.step(t, s, where="post", color=color, linewidth=line_width, zorder=3 + len(plans) - i)
            ax.plot([horizon], [s[-1]], "o", color=color, markersize=6.5, clip_on=False,
                    zorder=4 + len(plans))

        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.xaxis.set_major_locator(_time_locator(horizon, time_unit, 12))
        ax.set_xlabel(f"Time since the alliance started ({plural(time_unit)})")
        ax.set_ylabel("Alliances still together")

        _label_line_ends(ax, fig, plans, {p: curves[p][1][-1] for p in plans}, labels, x=horizon)
    return fig


def _label_line_ends(ax: Axes, fig: Figure, plans: Sequence[str], ys: Mapping[str, float],
                     labels: Mapping[str, str], x: float) -> None:
    """Write each plan's label just right of its line's end, spread apart so that none overlap."""
    from matplotlib.transforms import offset_copy

    height_in = ax.get_position().height * fig.get_size_inches()[1]
    y0, y1 = ax.get_ylim()
    gap = (theme.ANNOTATION_SIZE + 0.5) * 1.35 / 72 / height_in * (y1 - y0)
    placed = _spread([ys[p] for p in plans], gap, y0 + gap / 2, y1 - gap / 2)
    beside = offset_copy(ax.transData, fig=fig, x=14, y=0, units="points")  # clear of the end marker
    for i, (plan, y) in enumerate(zip(plans, placed)):
        ax.text(x, y, labels[plan], transform=beside, clip_on=False, ha="left", va="center",
                size=theme.ANNOTATION_SIZE + 0.5, weight="bold", color=theme.plan_text_color(i))


def _spread(targets: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Return positions near ``targets``, at least ``gap`` apart and inside [lo, hi], in the same order."""
    order = sorted(range(len(targets)), key=lambda i: (targets[i], i))
    # Clusters of labels that touch are centred on the mean of their targets, merging until none overlap.
    clusters: list[list[int]] = []  # each: indices into order
    positions: list[float] = []
    for k, i in enumerate(order):
        clusters.append([k])
        positions.append(targets[i])
        while len(clusters) > 1:
            prev_top = positions[-2] + (len(clusters[-2]) - 1) * gap
            if positions[-1] - prev_top >= gap:
                break
            merged = clusters[-2] + clusters[-1]
            mean = float(np.mean([targets[order[j]] for j in merged]))
            clusters[-2:] = [merged]
            positions[-2:] = [mean - (len(merged) - 1) * gap / 2]
    placed = [0.0] * len(targets)
    flat: list[float] = []
    for cluster, start in zip(clusters, positions):
        flat.extend(start + j * gap for j in range(len(cluster)))
    # Keep inside the axes: push up from the bottom, then down from the top.
    for j in range(len(flat)):
        flat[j] = max(flat[j], lo + j * gap, flat[j - 1] + gap if j else lo)
    for j in reversed(range(len(flat))):
        flat[j] = min(flat[j], hi - (len(flat) - 1 - j) * gap, flat[j + 1] - gap if j + 1 < len(flat) else hi)
    for k, i in enumerate(order):
        placed[i] = flat[k]
    return placed


# --- NPV -------------------------------------------------------------------------------------------------------


def _npv_stats(values: np.ndarray) -> dict[str, float]:
    """Return the mean and P10/P50/P90 of NPVs."""
    if len(values) == 0:
        return {"mean": 0.0, "p10": 0.0, "p50": 0.0, "p90": 0.0}
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"mean": float(np.mean(values)), "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def npv(
    values: Mapping[str, ArrayLike],
    *,
    currency: str | Currency = "",
    stats: Mapping[str, Mapping[str, float]] | None = None,
    provenance: Provenance | None = None,
) -> Figure:
    """Draw each plan's NPV distribution: a histogram per plan (left) and the S-curves with P10/P50/P90 (right).

    Parameters
    ----------
    values
        Per plan (in plan order, the baseline first): each run's net present value.
    currency
        The scenario's display currency, e.g. ``USD``, ``USD M`` (amounts already in millions) or ``gold``.
    stats
        Per plan, ``mean``, ``p10``, ``p50`` and ``p90`` as quoted and marked (``summary.json``'s ``npv``);
        computed from ``values`` when omitted.
    provenance
        Printed in the footer.

    Examples
    --------
    >>> fig = npv({"a": [1.0, 2.0, 4.0]}, currency="USD")
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plans = list(values)
    data = {p: np.sort(np.asarray(values[p], dtype=float)) for p in plans}
    marks = {p: _npv_stats(data[p]) for p in plans}
    for p in plans:  # quote the summary's numbers; compute only what it lacks (JSON null for NaN)
        given = stats[p] if stats is not None else {}
        marks[p].update({k: float(given[k]) for k in marks[p] if given.get(k) is not None})

    base = plans[0]
    if len(plans) == 1:
        m = marks[base]
        scale = MoneyScale.of([m["mean"], m["p10"], m["p90"]], currency)
        title = (f"Expected NPV is {format_money(m['mean'], currency, scale)}; 80% of runs fall between "
                 f"{format_money(m['p10'], currency, scale)} and {format_money(m['p90'], currency, scale)}")
    else:
        means = {p: marks[p]["mean"] for p in plans}
        best = _best(means)
        scale = MoneyScale.of([means[base], means[best]], currency)
        if means[best] > means[base] and scale.number(means[best]) != scale.number(means[base]):
            title = (f"{_plan_phrase(best)} raises expected NPV from {format_money(means[base], currency, scale)}"
                     f" to {format_money(means[best], currency, scale)}")
        else:
            title = (f"No plan raises expected NPV above the baseline's {format_money(means[base], currency, scale)} "
                     f"({_plan_phrase(base)})")
    subtitle = ("Distribution of NPV across simulated alliances, with P10, P50 (solid) and P90: histogram (left), "
                "S-curve (right)")

    pooled = [d for d in data.values() if len(d)]
    lo = min((float(np.quantile(d, 0.005)) for d in pooled), default=-1.0)
    hi = max((float(np.quantile(d, 0.995)) for d in pooled), default=1.0)
    lo = min(lo, *(marks[p]["p10"] for p in plans))
    hi = max(hi, *(marks[p]["p90"] for p in plans))
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        lo, hi = lo - max(abs(lo) * 0.1, 1.0), hi + max(abs(hi) * 0.1, 1.0)
    pad = 0.03 * (hi - lo)
    xlim = (lo - pad, hi + pad)
    axis_scale = MoneyScale.of([xlim[0], xlim[1]], currency)
    unit = Currency.parse(currency).axis(axis_scale)
    xlabel = f"NPV ({unit})" if unit else "NPV"
    ticks = FuncFormatter(lambda v, _pos: _axis_number(v / axis_scale.factor))

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance)
        left, bottom, right, top = theme.plot_box(fig, top, left_in=0.55, right_in=0.45)
        grid = fig.add_gridspec(len(plans), 2, left=left, right=right, bottom=bottom, top=top,
                                width_ratios=(1.12, 1.0), wspace=0.24, hspace=0.22 if len(plans) > 1 else 0)

        edges = np.linspace(xlim[0], xlim[1], HIST_BINS + 1)
        shares = {p: np.histogram(data[p], bins=edges)[0] / max(len(data[p]), 1) for p in plans}
        peak = max((float(s.max()) for s in shares.values()), default=1.0) or 1.0
        rows: list[Axes] = []
        for i, plan in enumerate(plans):
            ax = fig.add_subplot(grid[i, 0], sharex=rows[0] if rows else None)
            rows.append(ax)
            _npv_row(ax, i, plan if len(plans) > 1 else None, edges, shares[plan], peak, marks[plan], axis_scale,
                     len(plans))
            ax.xaxis.set_major_formatter(ticks)
            if i < len(plans) - 1:
                ax.tick_params(axis="x", labelbottom=False, length=0)
        rows[0].set_xlim(*xlim)
        rows[-1].set_xlabel(xlabel)

        curve = fig.add_subplot(grid[:, 1])
        _s_curves(curve, plans, data, marks, xlim)
        curve.xaxis.set_major_formatter(ticks)
        curve.set_xlabel(xlabel)
    return fig


def _axis_number(value: float) -> str:
    """Format an axis tick: thousands separators, no trailing zeros, a true minus sign."""
    text = f"{abs(value):,.6g}" if abs(value) < 1e6 else f"{abs(value):,.0f}"
    return ("\u2212" if value < 0 and text.strip("0.,") else "") + text


def _npv_row(ax: Axes, index: int, plan: str | None, edges: np.ndarray, shares: np.ndarray, peak: float,
             marks: Mapping[str, float], scale: MoneyScale, n_plans: int) -> None:
    """Draw one plan's NPV histogram with its P10/P50/P90 lines, headed by its name and key numbers."""
    from matplotlib.transforms import offset_copy

    color = theme.plan_color(index)
    ink = theme.plan_text_color(index)
    ax.stairs(shares, edges, fill=True, color=color, alpha=0.28, linewidth=0)
    ax.stairs(shares, edges, color=color, linewidth=1.4)
    ax.set_ylim(0, peak * (1.25 if n_plans == 1 else 1.5 if n_plans <= 4 else 1.8))
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.plot([0, 0], [0, peak * 1.06], color=theme.SPINE, linewidth=0.9, zorder=1)  # break-even
    for key, style in (("p10", (0, (3, 2))), ("p50", "-"), ("p90", (0, (3, 2)))):
        ax.plot([marks[key]] * 2, [0, peak * 1.06], color=ink, linewidth=1.6, linestyle=style, zorder=3)
        if n_plans == 1:
            ax.text(marks[key], peak * 1.08, key.upper(), ha="center", va="bottom", size=theme.ANNOTATION_SIZE,
                    color=theme.TEXT, weight="bold")
    size = theme.ANNOTATION_SIZE if n_plans <= 4 else theme.ANNOTATION_SIZE - 1.5
    numbers = "   ".join(f"{label} {scale.number(marks[key])}"
                          for label, key in (("P10", "p10"), ("P50", "p50"), ("P90", "p90"), ("Mean", "mean")))
    width_in = ax.get_position().width * ax.figure.get_size_inches()[0]
    offset_in = 0.0
    if plan is not None:
        name = theme.wrap(theme.plan_label(plan), min(2.8, width_in / 2), size, "bold", max_lines=1)[0]
        ax.text(0.0, 1.0, name, transform=ax.transAxes, ha="left", va="top", size=size, weight="bold", color=ink)
        offset_in = theme.text_width(name, size, "bold") + 0.25
    numbers_size = size - 0.5
    while numbers_size > 9 and theme.text_width(numbers, numbers_size) > width_in - offset_in:
        numbers_size -= 0.5
    ax.text(0.0, 1.0, numbers, ha="left", va="top", size=numbers_size, color=theme.TEXT,
            transform=offset_copy(ax.transAxes, fig=ax.figure, x=offset_in, y=0.0, units="inches"))


def _s_curves(ax: Axes, plans: Sequence[str], data: Mapping[str, np.ndarray],
              marks: Mapping[str, Mapping[str, float]], xlim: tuple[float, float]) -> None:
    """Draw the S-curve (empirical CDF) of each plan's NPV, with dots at P10, P50 and P90."""
    probabilities = np.linspace(0.0, 1.0, CURVE_POINTS)
    for level in (0.1, 0.5, 0.9):
        ax.axhline(level, color=theme.GRID, linewidth=1.0, zorder=0)
    ax.grid(False)
    ax.axvline(0, color=theme.SPINE, linewidth=0.9, zorder=1)
    width = 2.6 if len(plans) <= 3 else 2.0
    for i, plan in enumerate(plans):
        values = data[plan]
        if len(values) == 0:
            continue
        color = theme.plan_color(i)
        if len(values) <= CURVE_POINTS:
            x = np.concatenate([[values[0]], values])
            y = np.concatenate([[0.0], np.arange(1, len(values) + 1) / len(values)])
            ax.step(x, y, where="post", color=color, linewidth=width, label=theme.plan_label(plan),
                    zorder=3 + len(plans) - i)
        else:
            x = values[np.minimum((probabilities * len(values)).astype(int), len(values) - 1)]
            ax.plot(x, probabilities, color=color, linewidth=width, label=theme.plan_label(plan),
                    zorder=3 + len(plans) - i)
        ax.plot([marks[plan]["p10"], marks[plan]["p50"], marks[plan]["p90"]], [0.1, 0.5, 0.9], "o",
                color=color, markersize=7, markeredgecolor="white", markeredgewidth=1.2,
                zorder=4 + 2 * len(plans))
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 1.0)
    ax.set_yticks([0.0, 0.1, 0.5, 0.9, 1.0], ["0%", "P10", "P50", "P90", "100%"])
    ax.set_ylabel("Cumulative share of runs")
    if len(plans) > 1:
        size = theme.ANNOTATION_SIZE if len(plans) <= 5 else theme.ANNOTATION_SIZE - 1.5
        legend = ax.legend(loc="best", fontsize=size, handlelength=1.4, borderaxespad=0.3,
                           labelspacing=0.35)
        for text in legend.get_texts():
            label = text.get_text()
            text.set_text(theme.wrap(label, 2.2, size, max_lines=1)[0])


# --- health ----------------------------------------------------------------------------------------------------


def health(
    grid: ArrayLike,
    bands: Mapping[str, Mapping[str, ArrayLike]],
    *,
    dissolve_below: float,
    time_unit: str = "year",
    resilience: Mapping[str, float] | None = None,
    provenance: Provenance | None = None,
) -> Figure:
    """Draw a fan chart of alliance health over time per plan: median, middle 50% and middle 90% of runs.

    Parameters
    ----------
    grid
        Times of the band values, from 0 to the horizon.
    bands
        Per plan (in plan order, the baseline first): ``p5``, ``p25``, ``p50``, ``p75``, ``p95`` of health on
        ``grid`` across runs, dissolved alliances counting as 0.
    dissolve_below
        The dissolution threshold, drawn as a dashed line.
    resilience
        Per plan, the mean time-average health (``summary.json``'s ``resilience.mean``) quoted in the title and
        panel headings; omitted, the title describes the chart instead.
    provenance
        Printed in the footer.

    Examples
    --------
    >>> t = np.linspace(0, 10, 101)
    >>> fig = health(t, {"a": {k: np.full(101, v) for k, v in zip(["p5", "p25", "p50", "p75", "p95"],
    ...                                                            [0.1, 0.4, 0.6, 0.8, 0.9])}},
    ...              dissolve_below=0.2)
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plans = list(bands)
    t = np.asarray(grid, dtype=float)
    horizon = float(t[-1]) if len(t) else 1.0
    life = format_span(horizon, time_unit)
    base = plans[0]
    if resilience is None:
        title = "Alliance health over time"
    elif len(plans) == 1:
        title = f"Alliance health averages {resilience[base]:.2f} over its {life} life"
    else:
        best = _best(resilience)
        if resilience[best] > resilience[base] and f"{resilience[best]:.2f}" != f"{resilience[base]:.2f}":
            title = (f"{_plan_phrase(best)} lifts average health over the {life} life from "
                     f"{resilience[base]:.2f} to {resilience[best]:.2f}")
        else:
            title = (f"No plan lifts average health above the baseline's {resilience[base]:.2f} "
                     f"({_plan_phrase(base)})")
    subtitle = "Health of the simulated alliances over time (1 = full, 0 = dissolved); " + (
        f"an alliance dissolves when health falls below {dissolve_below:g}" if len(plans) == 1 or resilience is None
        else "beside each plan, its average health over the life")

    n = len(plans)
    ncols = n if n <= 3 else 2 if n == 4 else 3 if n <= 6 else 4
    nrows = math.ceil(n / ncols)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance)
        legend_in = 0.42
        left, bottom, right, top = theme.plot_box(fig, top - legend_in / theme.HEIGHT_IN, left_in=1.05,
                                                  right_in=0.45)
        gs = fig.add_gridspec(nrows, ncols, left=left, right=right, bottom=bottom, top=top,
                              wspace=0.06 if ncols <= 2 else 0.15, hspace=0.45 if nrows > 1 else 0)
        axes: list[Axes] = []
        for i, plan in enumerate(plans):
            ax = fig.add_subplot(gs[i // ncols, i % ncols], sharex=axes[0] if axes else None,
                                 sharey=axes[0] if axes else None)
            axes.append(ax)
            b = {k: np.asarray(v, dtype=float) for k, v in bands[plan].items()}
            color = theme.plan_color(i)
            ax.fill_between(t, b["p5"], b["p95"], color=color, alpha=0.14, linewidth=0)
            ax.fill_between(t, b["p25"], b["p75"], color=color, alpha=0.30, linewidth=0)
            ax.plot(t, b["p50"], color=color, linewidth=2.6 if n <= 3 else 2.0)
            ax.axhline(dissolve_below, color=theme.TEXT, linewidth=1.2, linestyle=(0, (5, 3)), zorder=4)
            if n > 1:
                size = theme.LABEL_SIZE if n <= 3 else theme.ANNOTATION_SIZE if n <= 6 else theme.ANNOTATION_SIZE - 1
                average = "" if resilience is None else \
                    f"{'average ' if n <= 3 else ''}{resilience[plan]:.2f}"
                width_in = ax.get_position().width * theme.WIDTH_IN - theme.text_width(average, size) - 0.2
                ax.set_title(theme.wrap(theme.plan_label(plan), width_in, size, "bold", max_lines=1)[0],
                             size=size, color=theme.plan_text_color(i), pad=7, loc="left")
                ax.set_title(average, size=size, color=theme.TEXT, pad=7, loc="right", weight="normal")
            row, col = divmod(i, ncols)
            last_in_column = (row + 1) * ncols + col >= n
            if not last_in_column:
                ax.tick_params(axis="x", labelbottom=False, length=0)
            else:
                ax.set_xlabel(f"Time ({plural(time_unit)})" if n > 1
                              else f"Time since the alliance started ({plural(time_unit)})")
            if col == 0:
                ax.set_ylabel("Health")
            else:
                ax.tick_params(axis="y", labelleft=False)
        axes[0].set_xlim(0, horizon)
        axes[0].set_ylim(0, 1.0)
        axes[0].set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        axes[0].xaxis.set_major_locator(_time_locator(horizon, time_unit, {1: 12, 2: 10}.get(ncols, 5)))

        neutral = theme.TEXT
        handles = [
            Line2D([], [], color=neutral, linewidth=2.4, label="Median run"),
            Patch(color=neutral, alpha=0.42, linewidth=0, label="Middle 50% of runs"),
            Patch(color=neutral, alpha=0.14, linewidth=0, label="Middle 90% of runs"),
            Line2D([], [], color=theme.TEXT, linewidth=1.2, linestyle=(0, (5, 3)),
                   label=f"Dissolution threshold ({dissolve_below:g})"),
        ]
        fig.legend(handles=handles, loc="lower left", ncols=4, bbox_to_anchor=(left, top + 0.055),
                   bbox_transform=fig.transFigure, borderaxespad=0, handlelength=1.8, columnspacing=2.0,
                   fontsize=theme.ANNOTATION_SIZE)
    return fig


# --- causes ----------------------------------------------------------------------------------------------------

SURVIVED_COLOR = "#3B4B59"  # slate: reads as the neutral 'no event' outcome beside the warm risk colours
OTHER_COLOR = "#C9C9C9"
RISK_COLORS = ("#7F1D12", "#A8321E", "#C8502E", "#DE7446", "#EC9A66", "#F5BE8F", "#FADDBF")  # dark to light
MAX_NAMED_RISKS = 6  # in stacked bars; beyond, the smaller risks are grouped into "Other risks"
MAX_NAMED_ROWS = 12  # in the one-plan bar list


@dataclass(frozen=True)
class _Cause:
    """One segment of the causes chart: a risk, the group of other risks, or survival."""

    label: str
    shares: np.ndarray  # per plan
    color: str


def _cause_groups(end_causes: Mapping[str, Mapping[str, float]], plans: Sequence[str],
                  risk_names: Mapping[str, str], max_named: int) -> tuple[list[_Cause], int]:
    """Return survival, the largest risks and one 'other risks' group, and how many risks ended no alliance."""
    risks: list[str] = []
    for plan in plans:
        risks.extend(r for r in end_causes[plan] if r != SURVIVED and r not in risks)
    share = {r: np.array([float(end_causes[p].get(r, 0.0)) for p in plans]) for r in risks}
    # Baseline order first, so the title's risk (the baseline's largest) is the first segment after survival.
    active = sorted((r for r in risks if share[r].max() > 0),
                    key=lambda r: (-share[r][0], -share[r].mean(), risks.index(r)))
    idle = len(risks) - len(active)
    named = active if len(active) <= max_named + 1 else active[:max_named]
    rest = [r for r in active if r not in named]
    survived = np.array([float(end_causes[p].get(SURVIVED, 0.0)) for p in plans])
    groups = [_Cause("Survived", survived, SURVIVED_COLOR)]
    ramp = _ramp(len(named))
    groups += [_Cause(risk_names.get(r, theme.plan_label(r)), share[r], c) for r, c in zip(named, ramp)]
    if rest:
        groups.append(_Cause(f"Other risks ({len(rest)})", np.sum([share[r] for r in rest], axis=0), OTHER_COLOR))
    return groups, idle


def _ramp(n: int) -> list[str]:
    """Return ``n`` warm colours from dark to light, spread over the risk ramp."""
    if n <= 0:
        return []
    idx = np.round(np.linspace(0, len(RISK_COLORS) - 1, n)).astype(int) if n > 1 else np.array([2])
    return [RISK_COLORS[i] for i in idx]


def _ink_on(color: str) -> str:
    """Return white or near-black, whichever reads better on ``color``."""
    import matplotlib.colors as mcolors

    r, g, b = mcolors.to_rgb(color)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else theme.INK


def causes(
    end_causes: Mapping[str, Mapping[str, float]],
    *,
    risk_names: Mapping[str, str] | None = None,
    horizon: float | None = None,
    time_unit: str = "year",
    runs: int | None = None,
    provenance: Provenance | None = None,
) -> Figure:
    """Draw how alliances end under each plan: the share dissolved by each risk, and the share surviving.

    With one plan, one bar per outcome; with several, one 100% bar per plan split by outcome. Risks beyond the
    largest few are grouped as "Other risks" so that the chart stays readable with many risks.

    Parameters
    ----------
    end_causes
        Per plan (in plan order, the baseline first): ``{risk id: share, ..., "survived": share}``
        (``summary.json``'s ``end_causes``).
    risk_names
        Display name of each risk id.
    horizon, time_unit, runs
        For the subtitle.
    provenance
        Printed in the footer.

    Examples
    --------
    >>> fig = causes({"a": {"feud": 0.3, "survived": 0.7}}, risk_names={"feud": "Leadership feud"})
    """
    plans = list(end_causes)
    names = dict(risk_names or {})
    base = plans[0]
    risks = [r for r in end_causes[base] if r != SURVIVED]
    top_risk = max(risks, key=lambda r: (end_causes[base][r], -risks.index(r))) if risks else None
    top_share = float(end_causes[base].get(top_risk, 0.0)) if top_risk else 0.0
    if top_risk is None or top_share <= 0:
        everyone = format_share(float(end_causes[base].get(SURVIVED, 1.0)))
        title = f"No risk ended an alliance: {everyone} survive" if len(plans) == 1 else \
            f"No risk ended an alliance under the baseline ({_plan_phrase(base)}): {everyone} survive"
    else:
        risk = _title_name(names.get(top_risk, theme.plan_label(top_risk)), limit=50)
        if len(plans) == 1:
            title = f"{risk} is the main threat, ending {format_share(top_share)} of alliances"
        else:
            shares = {p: float(end_causes[p].get(top_risk, 0.0)) for p in plans[1:]}
            lowest = min(shares, key=lambda p: (shares[p], plans.index(p)))
            if shares[lowest] < top_share and format_share(shares[lowest]) != format_share(top_share):
                title = (f"{risk} ends {format_share(top_share)} of alliances in the baseline; "
                         f"{_plan_phrase(lowest)} cuts that to {format_share(shares[lowest])}")
            else:
                title = f"{risk} ends {format_share(top_share)} of alliances in the baseline, and no plan reduces that"
    span = f" within the {format_span(horizon, time_unit)} life" if horizon is not None else ""
    many = f"{runs:,} simulated alliances" if runs else "simulated alliances"
    subtitle = f"How {many} ended{span}: dissolved by a risk, or survived"

    if len(plans) == 1:
        groups, idle = _cause_groups(end_causes, plans, names, MAX_NAMED_ROWS)
        return _cause_bars(groups, idle, title, subtitle, provenance)
    groups, idle = _cause_groups(end_causes, plans, names, MAX_NAMED_RISKS)
    return _cause_stacks(plans, groups, idle, title, subtitle, provenance)


def _idle_note(idle: int) -> str:
    """Return the note on risks that ended no alliance."""
    return "" if idle == 0 else f"; {idle} other risk{'s' if idle > 1 else ''} ended none"


def _cause_bars(groups: list[_Cause], idle: int, title: str, subtitle: str,
                provenance: Provenance | None) -> Figure:
    """Draw one plan's outcomes as a sorted list of horizontal bars."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle + _idle_note(idle), provenance)
        n = len(groups)
        size = theme.TICK_SIZE if n <= 9 else theme.TICK_SIZE - 1.5
        label_in = min(4.2, max(theme.text_width(g.label, size) for g in groups) + 0.35)
        left, bottom, right, top = theme.plot_box(fig, top, left_in=label_in + 0.55, right_in=0.9)
        ax = fig.add_axes((left, bottom, right - left, top - bottom))
        # Survival on top, then risks from largest to smallest, the grouped rest last; a gap after survival.
        positions = [0.0] + [1.35 + k for k in range(n - 1)]
        for y, g in zip(positions, groups):
            color = g.color if g.label == "Survived" or g.color == OTHER_COLOR else RISK_COLORS[2]
            ax.barh(y, g.shares[0], height=0.68, color=color, linewidth=0)
            ax.text(g.shares[0], y, f"  {format_share(float(g.shares[0]))}", va="center", ha="left",
                    size=size, weight="bold", color=theme.INK)
        ax.set_yticks(positions, [theme.wrap(g.label, label_in - 0.3, size, max_lines=1)[0] for g in groups],
                      size=size)
        ax.set_ylim(positions[-1] + 0.7, -0.7)
        largest = max(float(g.shares[0]) for g in groups)
        ax.set_xlim(0, min(1.0, math.ceil(largest * 1.12 * 10) / 10) or 1.0)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.set_xlabel("Share of runs")
    return fig


def _cause_stacks(plans: Sequence[str], groups: list[_Cause], idle: int, title: str, subtitle: str,
                  provenance: Provenance | None) -> Figure:
    """Draw, per plan, the share surviving (left) and the dissolved share split by risk (right, zoomed)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    survived, risks = groups[0], groups[1:]
    n = len(plans)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle + _idle_note(idle), provenance)
        size = theme.TICK_SIZE if n <= 5 else theme.TICK_SIZE - 1
        plan_labels = [theme.wrap(theme.plan_label(p), 2.0, size, max_lines=2) for p in plans]
        label_in = max(theme.text_width(line, size) for lines in plan_labels for line in lines) + 0.55
        legend_in = 3.1
        left, bottom, right, top = theme.plot_box(fig, top - 0.3 / theme.HEIGHT_IN, left_in=label_in + 0.4,
                                                  right_in=legend_in + 0.45)
        # Survival keeps a 0-100% scale; the risks get the rest of the width on a scale that fits the largest
        # dissolved share, so that a plan where 90% survive still shows which risks end the other 10%.
        split = left + 2.0 / theme.WIDTH_IN
        gap = 0.6 / theme.WIDTH_IN
        kept = fig.add_axes((left, bottom, split - left, top - bottom))
        lost = fig.add_axes((split + gap, bottom, right - split - gap, top - bottom), sharey=kept)
        dissolved = max(float(np.sum([g.shares for g in risks], axis=0).max()) if risks else 0.0, 1e-9)
        step = 0.05 if dissolved <= 0.3 else 0.1
        lost_max = min(1.0, math.ceil(dissolved * 1.04 / step) * step)
        bar_height = 0.64
        label_size = theme.ANNOTATION_SIZE if n <= 5 else theme.ANNOTATION_SIZE - 1

        def segment(ax: Axes, row: int, start: float, width: float, color: str, scale_in: float,
                    size: float) -> bool:
            ax.barh(row, width, left=start, height=bar_height, color=color, linewidth=0.8, edgecolor="white")
            text = format_share(width)
            fits = width * scale_in >= theme.text_width(text, size, "bold") + 0.05
            if fits:
                ax.text(start + width / 2, row, text, ha="center", va="center", size=size, weight="bold",
                        color=_ink_on(color))
            return fits

        kept_in = (split - left) * theme.WIDTH_IN
        lost_in = (right - split - gap) * theme.WIDTH_IN / lost_max
        for row in range(n):
            share = float(survived.shares[row])
            if not segment(kept, row, 0.0, share, survived.color, kept_in, label_size):
                kept.text(share, row, f" {format_share(share)}", ha="left", va="center", size=label_size,
                          weight="bold", color=theme.INK)
            start = 0.0
            for g in risks:
                width = float(g.shares[row])
                if width > 0:  # the many segments take slightly smaller labels, so that more of them fit
                    segment(lost, row, start, width, g.color, lost_in, label_size - 1.5)
                start += width

        kept.set_yticks(range(n), ["\n".join(lines) for lines in plan_labels], size=size)
        for tick in kept.get_yticklabels():
            tick.set_color(theme.INK)
        for i in range(n):  # a plan keeps its colour on every chart: a swatch beside its name
            kept.plot([-0.055], [i], marker="s", markersize=11, color=theme.plan_color(i), clip_on=False,
                      transform=kept.get_yaxis_transform(), linestyle="none")
        kept.tick_params(axis="y", pad=26)
        pad = max(3 - n, 0) / 2  # with two plans, bars as thick as with three, not fatter
        kept.set_ylim(n - 0.5 + pad, -0.5 - pad)
        lost.tick_params(axis="y", left=False, labelleft=False)
        panels = ((kept, 1.0, 2, "Survived"), (lost, lost_max, 6, "Dissolved, by the risk that ended it"))
        for ax, limit, ticks, heading in panels:
            ax.set_xlim(0, limit)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.xaxis.set_major_locator(_share_locator(limit, ticks))
            ax.grid(True, axis="x")
            ax.grid(False, axis="y")
            for side in ("left", "bottom"):
                ax.spines[side].set_visible(False)
            ax.tick_params(axis="x", length=0)
            ax.set_xlabel("Share of runs")
            ax.set_title(heading, loc="left", size=theme.LABEL_SIZE, pad=10)

        legend_size = theme.ANNOTATION_SIZE
        handles = [Patch(color=g.color, label="\n".join(theme.wrap(g.label, legend_in - 0.55, legend_size,
                                                                   max_lines=2)))
                   for g in risks]
        if handles:
            fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(right + 0.25 / theme.WIDTH_IN, top),
                       bbox_transform=fig.transFigure, borderaxespad=0, handlelength=1.2, handleheight=1.2,
                       labelspacing=0.7, fontsize=legend_size, title="Risk", title_fontsize=legend_size,
                       alignment="left")
    return fig


def _share_locator(limit: float, intervals: int) -> Any:
    """Return ticks for a share axis from 0 to ``limit`` at round percentages, at most ``intervals`` apart."""
    from matplotlib.ticker import MultipleLocator

    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5):
        if limit / step <= intervals + 1e-9:
            return MultipleLocator(step)
    return MultipleLocator(1.0)


# --- studies: compare, contingency value, risk drivers -----------------------------------------------------------
#
# These three draw the JSON of `allysim compare`, `value` and `drivers` (SPEC section 5): paired differences
# between variants of one scenario on common random numbers. Differences in survival are shown and quoted in
# percentage points ("35 points"), rounded like shares: whole points, halves up, "<1 point" for a nonzero
# difference under half a point.

VALUE_COLOR = SURVIVED_COLOR  # slate: what a contingency adds
COST_COLOR = RISK_COLORS[4]  # warm: what it costs
SHORTFALL_COLOR = RISK_COLORS[1]  # the return of a contingency that does not pay for itself
VERDICT_COLORS = {"pays": theme.INK, "even": theme.MUTED, "loses": SHORTFALL_COLOR}
VERDICT_WORDS = {"even": "grey: within the noise", "loses": "red: does not pay"}  # the 95% CI decides
DRIVER_COLOR = RISK_COLORS[2]  # the risks' colour, as on the causes chart
WHISKER_COLOR = theme.INK
LABEL_GAP = 5.0  # points between a whisker's end and its label
DIAMOND_GAP = 9.0  # ... and between a diamond and a label, clear of the diamond's half width
DIAMOND = {"marker": "D", "markersize": 7.5, "markerfacecolor": "white", "markeredgecolor": theme.INK,
           "markeredgewidth": 1.4}  # the one-at-a-time value of a contingency ("if dropped last")
RETURN_HEADING = "Value \u00f7 cost"
MAX_DRIVER_ROWS = 20  # risks named on the tornado; the subtitle says how much the others cost at most


@dataclass(frozen=True)
class _Estimate:
    """A mean with its 95% interval (None when the study could not estimate one, e.g. from a single run)."""

    mean: float
    lo: float | None = None
    hi: float | None = None

    @classmethod
    def of(cls, entry: Mapping[str, Any], factor: float = 1.0) -> _Estimate:
        """Read ``{"mean": x, "ci95": [lo, hi]}``, multiplied by ``factor``."""
        ci = entry.get("ci95") or (None, None)
        lo, hi = (None, None) if any(v is None for v in ci) else (float(ci[0]) * factor, float(ci[1]) * factor)
        return cls(float(entry["mean"]) * factor, lo, hi)

    def evidence(self, runs: Any = None) -> Evidence:
        """What a title may claim about this difference (see :class:`~allysim.wording.Evidence`)."""
        return Evidence(self.mean, self.lo, self.hi, int(runs) if isinstance(runs, (int, float)) and runs else None)

    @property
    def low(self) -> float:
        """The lower end of the interval, or the mean without one."""
        return self.mean if self.lo is None else self.lo

    @property
    def high(self) -> float:
        """The upper end of the interval, or the mean without one."""
        return self.mean if self.hi is None else self.hi


def _display_name(name: Any, key: str) -> str:
    """Return a risk's or contingency's display name: its ``name``, or its id made readable."""
    text = str(name or "").strip()
    return theme.plan_label(key) if not text or text == key else text


def _sentence_start(text: str) -> str:
    """Capitalise the first letter of a name that starts a title."""
    return text[:1].upper() + text[1:]


def _study_provenance(data: Mapping[str, Any], provenance: Provenance | None) -> Provenance:
    """Return the footer: the one given, or the provenance head of the study's JSON."""
    return provenance if provenance is not None else Provenance.from_summary(data)


def _horizon_words(data: Mapping[str, Any]) -> str:
    """Return the survival being compared: ``10-year survival``, or ``survival`` without a horizon."""
    horizon = data.get("horizon")
    if isinstance(horizon, (int, float)) and horizon > 0:
        return f"{format_span(float(horizon), str(data.get('time_unit') or 'year'))} survival"
    return "survival"


def _runs_words(data: Mapping[str, Any]) -> str:
    """Return ``400 paired runs`` (or ``paired runs`` when the count is unknown)."""
    runs = data.get("runs")
    return f"{int(runs):,} paired run{'' if int(runs) == 1 else 's'}" if isinstance(runs, int) else "paired runs"


def _fit_subtitle(text: str, *extras: str) -> str:
    """Return ``text`` followed by as many of ``extras`` (in order) as fit the subtitle's two lines uncut."""
    width_in = theme.WIDTH_IN - theme.MARGIN_LEFT - theme.MARGIN_RIGHT
    for extra in extras:
        if len(theme.wrap(text + extra, width_in, theme.SUBTITLE_SIZE, max_lines=99)) <= 2:
            text += extra
    return text


def _row_layout(n: int, height_in: float) -> tuple[float, int]:
    """Return the label size and the number of lines a row label may take, for ``n`` rows in ``height_in``."""
    row_pt = height_in * 72 / max(n, 1)
    size = theme.TICK_SIZE if n <= 8 else 12.0 if n <= 12 else 11.0 if n <= 16 else 10.5 if n <= 20 else 10.0
    size = min(size, row_pt / 1.3)
    lines = 2 if row_pt >= 2 * 1.2 * size + 6 else 1
    return size, lines


def _row_labels(names: Sequence[str], size: float, lines: int, max_in: float) -> tuple[list[str], float]:
    """Wrap row names to at most ``lines`` lines of ``max_in`` inches; return them and the widest line."""
    wrapped = ["\n".join(theme.wrap(name, max_in, size, max_lines=lines)) for name in names]
    width = max((theme.text_width(line, size) for text in wrapped for line in text.split("\n")), default=0.0)
    return wrapped, width


def _fit_limits(ax: Axes, estimates: Sequence[_Estimate], width_in: float, right_in: float,
                left_in: float) -> None:
    """Set x limits holding every bar and interval, zero, and ``right_in``/``left_in`` inches for end labels."""
    lo = min([0.0, *(e.low for e in estimates)])
    hi = max([0.0, *(e.high for e in estimates)])
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        hi = lo + 1.0
    usable = max(width_in - right_in - left_in, 0.4 * width_in)
    per_in = (hi - lo) / usable
    ax.set_xlim(lo - left_in * per_in, hi + right_in * per_in)


def _ci_bars(ax: Axes, ys: Sequence[float], estimates: Sequence[_Estimate], colors: Sequence[str],
             labels: Sequence[str] | None, *, height: float, size: float, label_colors: Sequence[str] | None = None,
             intervals: bool = True, gap: float = LABEL_GAP, weight: str = "bold") -> None:
    """Draw a bar from zero to each estimate with its 95% whisker, and a label ``gap`` points beyond the whisker."""
    from matplotlib.transforms import offset_copy

    fig = ax.figure
    right = offset_copy(ax.transData, fig=fig, x=gap, y=0, units="points")
    left = offset_copy(ax.transData, fig=fig, x=-gap, y=0, units="points")
    for k, (y, e, color) in enumerate(zip(ys, estimates, colors)):
        ax.barh(y, e.mean, height=height, color=color, linewidth=0, zorder=2)
        if intervals:
            _whisker(ax, y, e, height)
        if labels:
            ink = label_colors[k] if label_colors else theme.INK
            if e.mean >= 0:
                ax.text(e.high, y, labels[k], transform=right, ha="left", va="center", size=size, weight=weight,
                        color=ink, zorder=5)
            else:
                ax.text(e.low, y, labels[k], transform=left, ha="right", va="center", size=size, weight=weight,
                        color=ink, zorder=5)


def _label_room(labels: Sequence[str], estimates: Sequence[_Estimate], size: float,
                gap: float = LABEL_GAP) -> tuple[float, float]:
    """Return the inches needed right and left of the data for end labels (positive and negative bars)."""
    width = {True: 0.0, False: 0.0}
    for label, e in zip(labels, estimates):
        side = e.mean >= 0
        width[side] = max(width[side], theme.text_width(label, size, "bold") + gap / 72 + 0.09)
    return max(width[True], 0.08), max(width[False], 0.08)


def _difference_axis(ax: Axes, label: str, formatter: Any) -> None:
    """Style a panel of differences: vertical grid, a zero line, no y spine, x ticks with units."""
    from matplotlib.ticker import MaxNLocator

    ax.axvline(0, color=theme.TEXT, linewidth=1.1, zorder=3)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel(label)


def _money_formatter(scale: MoneyScale) -> Any:
    """Return a tick formatter for amounts in ``scale``'s unit (the unit is in the axis label)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: _axis_number(round(v / scale.factor, 9)))


def _points_formatter() -> Any:
    """Return a tick formatter for percentage points."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: _axis_number(round(v, 9)))


def _axis_unit(currency: Currency, scale: MoneyScale) -> str:
    """Return `` (USD M)`` for an axis label, or '' without a currency or unit."""
    unit = currency.axis(scale)
    return f" ({unit})" if unit else ""


def _headed(ax: Axes, heading: str, size: float = theme.LABEL_SIZE) -> None:
    """Write a panel's bold heading at its top left."""
    ax.set_title(heading, loc="left", size=size, pad=10)


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
    name = _plan_phrase(plan)
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
    baseline = f"the {_plan_phrase(base)}"
    best = _best({p: npv[p].mean for p in others})
    scale = MoneyScale.of([npv[best].mean], currency)
    lifted = {p: survival[p].mean for p in others if survival[p].gain}
    most_lives = _best(lifted) if lifted else None
    lives = f"{_plan_phrase(most_lives)} adds the most survival, {format_points(survival[most_lives].mean)}" \
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
    money = f"{_plan_phrase(best)} adds {format_money(npv[best].mean, currency, scale)} of NPV"
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
    npv = {p: _Estimate.of(entries[p]["npv"]) for p in plans}
    survival = {p: _Estimate.of(entries[p]["survival"], 100.0) for p in plans}
    better = {p: entries[p].get("p_better") for p in plans}
    currency = Currency.parse(str(comparison.get("currency") or ""))

    runs = comparison.get("runs")
    title = _compare_title(base, plans, {p: npv[p].evidence(runs) for p in plans},
                           {p: _Estimate.of(entries[p]["survival"]).evidence(runs) for p in plans}, currency)
    baseline = theme.plan_label(base)
    subtitle = _fit_subtitle(f"Each plan minus the baseline ({baseline}) over the same {_runs_words(comparison)}, "
                             f"with 95% confidence intervals", "; P(NPV better): share of runs in which the plan's "
                             "NPV beats the baseline's")

    scale = MoneyScale.of([e.mean for e in npv.values()], currency)  # labels as precise as the title
    n = len(plans)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, _study_provenance(comparison, provenance))
        size, lines = _row_layout(n, (top * theme.HEIGHT_IN - theme.PLOT_BOTTOM) - 0.35)
        names, names_in = _row_labels([theme.plan_label(p) for p in plans], size, lines, 2.6)
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
             f"Difference{_axis_unit(currency, scale)}", _money_formatter(scale), "Change in expected NPV"),
            (lives_ax, [survival[p] for p in plans], [signed_points(survival[p].mean) for p in plans],
             "Difference (percentage points)", _points_formatter(), f"Change in {_horizon_words(comparison)}"),
        )
        for ax, estimates, labels, xlabel, formatter, heading in panels:
            width_in = ax.get_position().width * theme.WIDTH_IN
            room_right, room_left = _label_room(labels, estimates, label_size)
            _ci_bars(ax, ys, estimates, colors, labels, height=height, size=label_size, label_colors=inks)
            _fit_limits(ax, estimates, width_in, room_right, room_left)
            _difference_axis(ax, xlabel, formatter)
            _headed(ax, heading)

        money_ax.set_yticks(ys, names, size=size)
        for tick in money_ax.get_yticklabels():
            tick.set_color(theme.INK)
        for i, p in enumerate(plans):  # the plan's swatch, as on the causes chart
            money_ax.plot([-0.03], [i], marker="s", markersize=11, color=colors[i], clip_on=False,
                          transform=money_ax.get_yaxis_transform(), linestyle="none")
        money_ax.tick_params(axis="y", pad=26)
        pad = max(3 - n, 0) / 2  # one or two plans: bars as thick as with three, not fatter
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
        lives_ax.tick_params(axis="y", labelleft=False)

        # P(NPV better): a column of numbers at the right, on the rows
        odds = _text_column(fig, (right + 0.2 / theme.WIDTH_IN, bottom, (odds_in - 0.2) / theme.WIDTH_IN, top - bottom),
                            money_ax.get_ylim())
        _headed(odds, "P(NPV better)")
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
    value: _Estimate  # Shapley NPV before its cost, with the 95% interval
    dropped_last: float  # one-at-a-time NPV before its cost: the plan minus the plan without it
    survival: _Estimate  # Shapley survival, in points
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
             shift: float = 0.0) -> _Estimate:
    """Return a Shapley estimate whose 95% interval also holds the permutation sampling error, if any.

    The interval over runs and the sampling error over random orders are combined in quadrature.
    """
    centre = mean * factor + shift
    if not ci or any(v is None for v in ci):
        return _Estimate(centre)
    lo, hi = float(ci[0]) * factor + shift, float(ci[1]) * factor + shift
    if isinstance(sampling_se, (int, float)) and sampling_se > 0:
        extra = Z95 * float(sampling_se) * factor
        lo = centre - math.hypot(centre - lo, extra)
        hi = centre + math.hypot(hi - centre, extra)
    return _Estimate(centre, lo, hi)


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
            name=_display_name(c.get("name"), cid), cost=cost, net=net,
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
    top = rows[0]
    name = _title_name(top.name, 50)
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
            joint = " but adds " if n == 1 else f"; {_title_name(lives.name, 50)} adds the most survival, "
            return f"{lead}{joint}{format_points(lives.survival.mean / 100)}" + (" of survival" if n == 1 else "")
        return lead
    if top.ratio is None:
        lead = f"{name} adds {format_money(top.net, currency)} of NPV at no cost"
    else:
        lead = f"{name} returns {format_ratio(top.ratio)} its cost"
    losers = [r for r in rows if r.verdict == "loses"]
    even = [r for r in rows[1:] if r.verdict == "even"]
    if not losers and not even:
        return lead if n == 1 else f"All {n} contingencies pay for themselves; {lead}"
    if len(losers) + len(even) == 1:  # one to name
        other = (losers or even)[0]
        verdict = "does not pay for itself" if losers else "is within the noise of breaking even"
        return f"{lead}; {_title_name(other.name, 50)} {verdict}"
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
    npv, lives = _Estimate.of(total["npv"]).evidence(runs), _Estimate.of(total["survival"]).evidence(runs)
    scale = MoneyScale.of([npv.mean], currency)
    parts = []
    if npv.clear:
        parts.append(f"{'adds' if npv.gain else 'costs'} {format_money(abs(npv.mean), currency, scale)} of NPV")
    if lives.clear:
        parts.append(f"{'adds' if lives.gain else 'loses'} {format_points(lives.mean)} of survival")
    if not parts:
        return "the whole plan's effect is within the noise"
    return "the whole plan " + " and ".join(parts)


def contingency_value(values: Mapping[str, Any], *, provenance: Provenance | None = None) -> Figure:
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
    plan = _plan_phrase(str(values.get("plan") or ""))
    sampled = "; shares sampled over random orders, CIs include that error"
    whole = ""
    total = values.get("total") or {}
    if isinstance(total.get("npv"), Mapping) and isinstance(total.get("survival"), Mapping):
        whole = f"; {_whole_plan_words(total, currency, values.get('runs'))}"
    subtitle = _fit_subtitle(f"What each contingency of the {plan} adds before its own cost, and that cost, over "
                             f"{_runs_words(values)}", sampled if values.get("method") == "permutation" else "",
                             whole)

    n = len(rows)
    amounts = [v for r in rows for v in (r.value.low, r.value.high, r.cost, r.dropped_last)]
    scale = MoneyScale.of(amounts, currency)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, _study_provenance(values, provenance))
        legend_in = 0.45
        plot_top = top - (legend_in + 0.35) / theme.HEIGHT_IN
        size, lines = _row_layout(n, plot_top * theme.HEIGHT_IN - theme.PLOT_BOTTOM)
        names, names_in = _row_labels([r.name for r in rows], size, lines, 3.0 if lines > 1 else 3.8)
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
        reach = [_Estimate(r.value.mean, min(r.value.low, r.dropped_last), max(r.value.high, r.dropped_last))
                 for r in rows]
        costs = [_Estimate(r.cost) for r in rows]
        room = (0.1, 0.1)
        if value_labels and cost_labels:
            value_room = _label_room(value_labels, reach, label_size, DIAMOND_GAP)
            cost_room = _label_room(cost_labels, costs, label_size)
            room = (max(value_room[0], cost_room[0]), max(value_room[1], cost_room[1]))
        _ci_bars(money_ax, ys - offset, reach, [VALUE_COLOR] * n, value_labels, height=bar, size=label_size,
                 intervals=False, gap=DIAMOND_GAP)
        for y, r in zip(ys - offset, rows):  # the real interval, drawn over the bar (reach only placed the label)
            _whisker(money_ax, y, r.value, bar)
        money_ax.plot([r.dropped_last for r in rows], ys - offset, linestyle="none", zorder=6, **DIAMOND)
        _ci_bars(money_ax, ys + offset, costs, [COST_COLOR] * n, cost_labels, height=bar, size=label_size - 0.5,
                 label_colors=[theme.TEXT] * n, weight="normal")
        _fit_limits(money_ax, reach + costs, money_in, *room)
        _difference_axis(money_ax, f"NPV{_axis_unit(currency, scale)}", _money_formatter(scale))
        _headed(money_ax, "What it adds to NPV, and what it costs")

        pad = max(3 - n, 0) / 2
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)

        # the return on cost, on each row
        ratio_ax = _text_column(fig, ratio_box, money_ax.get_ylim())
        _headed(ratio_ax, RETURN_HEADING)
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
        lives_reach = [_Estimate(e.mean, min(e.low, r.survival_dropped_last), max(e.high, r.survival_dropped_last))
                       for e, r in zip(lives, rows)]
        lives_room = _label_room(lives_labels, lives_reach, label_size, DIAMOND_GAP) if lives_labels else (0.1, 0.1)
        _ci_bars(lives_ax, ys, lives_reach, [VALUE_COLOR] * n, lives_labels, height=bar * 1.4, size=label_size,
                 intervals=False, gap=DIAMOND_GAP)
        for y, e in zip(ys, lives):
            _whisker(lives_ax, y, e, bar * 1.4)
        lives_ax.plot([r.survival_dropped_last for r in rows], ys, linestyle="none", zorder=6, **DIAMOND)
        _fit_limits(lives_ax, lives_reach, lives_w * theme.WIDTH_IN, *lives_room)
        _difference_axis(lives_ax, "Percentage points", _points_formatter())
        _headed(lives_ax, f"{_sentence_start(_horizon_words(values))} added")
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


def _whisker(ax: Axes, y: float, e: _Estimate, height: float) -> None:
    """Draw an estimate's 95% interval as a capped line."""
    if e.lo is None or e.hi is None:
        return
    cap = height * 0.42
    ax.plot([e.lo, e.hi], [y, y], color=WHISKER_COLOR, linewidth=1.4, zorder=4, solid_capstyle="butt")
    for x in (e.lo, e.hi):
        ax.plot([x, x], [y - cap / 2, y + cap / 2], color=WHISKER_COLOR, linewidth=1.4, zorder=4)


# --- risk drivers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Risk:
    """One row of the risk drivers chart: what removing the risk gains, in NPV and in survival points."""

    name: str
    npv: _Estimate
    survival: _Estimate  # points


def _risk_rows(drivers: Mapping[str, Any]) -> list[_Risk]:
    """Read ``drivers.json``'s risks, sorted by the NPV each costs (largest first, file order on ties)."""
    rows = [_Risk(_display_name(r.get("name"), rid), _Estimate.of(r["npv"]), _Estimate.of(r["survival"], 100.0))
            for rid, r in drivers["risks"].items()]
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
            return (f"{lead}; {_title_name(lives.name, 50)} costs the most survival, "
                    f"{format_points(lives.survival.mean / 100)}")
        if top.npv.mean > 0:
            return f"{lead}: the largest, {_title_name(top.name, 40)}, is {cost.noise()}"
        return "No single risk lowers NPV or survival"
    money = format_money(top.npv.mean, currency, scale)
    name = _title_name(top.name, 50)
    points = format_points(top.survival.mean / 100)
    if lives is None or lives is top or format_points(lives.survival.mean / 100) == points:
        if top in hurting and points != "0 points":
            return f"{name} costs the most: {money} of NPV and {points} of survival"
        return f"{name} costs the most: {money} of NPV"
    return (f"{name} costs the most NPV, {money}; {_title_name(lives.name, 50)} the most survival, "
            f"{format_points(lives.survival.mean / 100)}")


def risk_drivers(drivers: Mapping[str, Any], *, max_rows: int = MAX_DRIVER_ROWS,
                 provenance: Provenance | None = None) -> Figure:
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

    Examples
    --------
    >>> fig = risk_drivers({"plan": "none", "currency": "USD", "risks": {"feud": {
    ...     "npv": {"mean": 3e6, "ci95": [2e6, 4e6]}, "survival": {"mean": 0.1, "ci95": [0.05, 0.15]}}}})
    """
    import matplotlib.pyplot as plt

    every = _risk_rows(drivers)
    currency = Currency.parse(str(drivers.get("currency") or ""))
    title = _drivers_title(every, currency, drivers.get("runs"))
    plan = _plan_phrase(str(drivers.get("plan") or ""))
    rows = _shown_risks(every, max_rows) if len(every) > max_rows else every
    hidden = [r for r in every if r not in rows]
    subtitle = (f"What each risk costs under the {plan}: the NPV and {_horizon_words(drivers)} gained by removing it, "
                f"over {_runs_words(drivers)}")
    if hidden:
        most_money = format_money(max(r.npv.mean for r in hidden), currency)
        most_lives = max(r.survival.mean for r in hidden) / 100
        lives = f"{format_points(most_lives)} of survival" if most_lives > 0 else "no survival"
        subtitle += f"; not shown: {len(hidden)} smaller risks, each costing at most {most_money} and {lives}"
    subtitle = _fit_subtitle(subtitle, "; bars with 95% confidence intervals")

    n = len(rows)
    scale = MoneyScale.of([r.npv.mean for r in rows], currency)  # labels as precise as the title
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, _study_provenance(drivers, provenance))
        plot_top = top - 0.35 / theme.HEIGHT_IN
        size, lines = _row_layout(n, plot_top * theme.HEIGHT_IN - theme.PLOT_BOTTOM)
        names, names_in = _row_labels([r.name for r in rows], size, lines, 3.2 if lines > 1 else 3.8)
        left, bottom, right, plot_top = theme.plot_box(fig, plot_top, left_in=names_in + 0.5, right_in=0.45)
        gap = 0.6 / theme.WIDTH_IN
        split = left + (right - left - gap) * 0.55
        money_ax = fig.add_axes((left, bottom, split - left, plot_top - bottom))
        lives_ax = fig.add_axes((split + gap, bottom, right - split - gap, plot_top - bottom), sharey=money_ax)

        ys = list(range(len(rows)))
        height = 0.62 if n > 1 else 0.5
        label_size = theme.ANNOTATION_SIZE if n <= 8 else min(theme.ANNOTATION_SIZE - 1.5, size)
        show_numbers = n <= MAX_DRIVER_ROWS
        horizon = _horizon_words(drivers)
        panels = (
            (money_ax, [r.npv for r in rows], [signed_number(r.npv.mean, scale) for r in rows],
             f"Expected NPV lost{_axis_unit(currency, scale)}", _money_formatter(scale), "Cost in NPV"),
            (lives_ax, [r.survival for r in rows], [signed_points(r.survival.mean) for r in rows],
             "Percentage points", _points_formatter(), f"Cost in {horizon}"),
        )
        for ax, estimates, labels, xlabel, formatter, heading in panels:
            labels = [label.removeprefix("+") for label in labels] if show_numbers else None
            colors = [DRIVER_COLOR if e.mean >= 0 else OTHER_COLOR for e in estimates]
            room = _label_room(labels, estimates, label_size) if labels else (0.1, 0.1)
            _ci_bars(ax, ys, estimates, colors, labels, height=height, size=label_size)
            _fit_limits(ax, estimates, ax.get_position().width * theme.WIDTH_IN, *room)
            _difference_axis(ax, xlabel, formatter)
            _headed(ax, heading)

        money_ax.set_yticks(ys, names, size=size)
        for tick in money_ax.get_yticklabels():
            tick.set_color(theme.INK)
        lives_ax.tick_params(axis="y", labelleft=False)
        pad = max(3 - n, 0) / 2
        money_ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
    return fig
