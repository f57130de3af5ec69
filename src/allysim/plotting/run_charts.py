"""Board-ready charts of a run: survival, NPV, health and causes of dissolution.

Each function takes computed numbers (arrays and summary statistics keyed by plan, in plan order, the baseline
first), draws one finding on a 16:9 slide in the allysim look (:mod:`allysim.plotting.theme`) and returns the
figure. The title states the finding in words (:mod:`allysim.wording` rounds the numbers); with ``titled=False``
the chart is drawn without it, for a slide that states the finding itself.

Examples
--------
>>> import numpy as np
>>> from allysim.plotting import run_charts
>>> rng = np.random.default_rng(1)
>>> life = {"do_nothing": np.minimum(rng.exponential(8, 500), 10)}
>>> fig = run_charts.survival(life, {"do_nothing": life["do_nothing"] >= 10}, horizon=10)
>>> fig.savefig("survival.png")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..stats import CURVE_POINTS, kaplan_meier, wilson_band
from ..wording import (
    Currency,
    MoneyScale,
    Provenance,
    format_money,
    format_share,
    format_span,
    plural,
)
from . import layout, theme
from .theme import OTHER_COLOR, RISK_COLORS, SURVIVED_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["survival", "npv", "health", "causes", "MAX_NAMED_RISKS", "MAX_NAMED_ROWS"]

HIST_BINS = 44
SURVIVED = "survived"


# --- survival --------------------------------------------------------------------------------------------------


def survival(
    lifetimes: Mapping[str, ArrayLike],
    survived: Mapping[str, ArrayLike],
    *,
    horizon: float,
    time_unit: str = "year",
    estimates: Mapping[str, float] | None = None,
    provenance: Provenance | None = None,
    titled: bool = True,
    ax: Axes | None = None,
) -> Figure | Axes:
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
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).
    ax
        Draw the curves on this axes (no slide frame, no title: the caller places them) and return it; by default
        a 16:9 slide figure is made, framed and returned.

    Examples
    --------
    >>> fig = survival({"a": [2.0, 10.0]}, {"a": [False, True]}, horizon=10)
    >>> fig, ax = plt.subplots(); survival({"a": [2.0, 10.0]}, {"a": [False, True]}, horizon=10, ax=ax)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    plans = list(lifetimes)
    ends = {p: float(np.mean(np.asarray(survived[p], dtype=bool))) if len(survived[p]) else 0.0 for p in plans}
    quoted = {p: float(estimates[p]) for p in plans} if estimates is not None else ends
    runs = {len(np.asarray(lifetimes[p])) for p in plans}
    life = format_span(horizon, time_unit)

    if len(plans) == 1:
        title = f"Alliance survives its {life} life in {format_share(quoted[plans[0]])} of runs"
    else:
        base, best = plans[0], layout.best(quoted)
        if format_share(quoted[best]) != format_share(quoted[base]) and quoted[best] > quoted[base]:
            title = (f"{layout.plan_phrase(best)} lifts {life} survival from {format_share(quoted[base])} "
                     f"to {format_share(quoted[best])}")
        else:
            title = (f"No plan lifts {life} survival above the baseline's {format_share(quoted[base])} "
                     f"({layout.plan_phrase(base)})")
    n_text = f"{runs.pop():,} simulated alliances" if len(runs) == 1 else "simulated alliances"
    subtitle = f"Share of {n_text} still together over time, with 95% confidence band"

    labels = {p: f"{format_share(quoted[p])}  {theme.plan_label(p)}" if len(plans) > 1
              else f"{format_share(quoted[p])} survive" for p in plans}
    labels = {p: theme.wrap(text, 3.0, theme.ANNOTATION_SIZE + 0.5, "bold", max_lines=1)[0]
              for p, text in labels.items()}
    curves = {p: kaplan_meier(lifetimes[p], survived[p], horizon) for p in plans}
    runs_of = {p: len(np.asarray(lifetimes[p])) for p in plans}
    with theme.style():
        if ax is not None:
            _survival_curves(ax, plans, curves, runs_of, labels, horizon, time_unit)
            return ax
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
        label_in = max(theme.text_width(t, theme.ANNOTATION_SIZE + 0.5, "bold") for t in labels.values())
        left, bottom, right, top = theme.plot_box(fig, top, left_in=1.25, right_in=label_in + 0.75)
        _survival_curves(fig.add_axes((left, bottom, right - left, top - bottom)), plans, curves, runs_of, labels,
                         horizon, time_unit)
    return fig


def _survival_curves(ax: Axes, plans: Sequence[str], curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     runs: Mapping[str, int], labels: Mapping[str, str], horizon: float, time_unit: str) -> None:
    """Draw each plan's Kaplan-Meier curve with its Wilson band and its labelled end on ``ax``."""
    from matplotlib.ticker import PercentFormatter

    band_alpha = 0.16 if len(plans) <= 2 else 0.11 if len(plans) <= 4 else 0.07
    line_width = 2.8 if len(plans) <= 3 else 2.2
    for i, plan in enumerate(plans):
        color = theme.plan_color(i)
        t, s = curves[plan]
        lo, hi = wilson_band(s, runs[plan])
        ax.fill_between(t, lo, hi, step="post", color=color, alpha=band_alpha, linewidth=0)
        ax.step(t, s, where="post", color=color, linewidth=line_width, zorder=3 + len(plans) - i)
        ax.plot([horizon], [s[-1]], "o", color=color, markersize=6.5, clip_on=False, zorder=4 + len(plans))
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(layout.time_locator(horizon, time_unit, 12))
    ax.set_xlabel(f"Time since the alliance started ({plural(time_unit)})")
    ax.set_ylabel("Alliances still together")
    layout.label_line_ends(ax, ax.figure, plans, {p: curves[p][1][-1] for p in plans}, labels, x=horizon)


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
    titled: bool = True,
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
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).

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
        best = layout.best(means)
        scale = MoneyScale.of([means[base], means[best]], currency)
        if means[best] > means[base] and scale.number(means[best]) != scale.number(means[base]):
            title = (f"{layout.plan_phrase(best)} raises expected NPV from {format_money(means[base], currency, scale)}"
                     f" to {format_money(means[best], currency, scale)}")
        else:
            title = (f"No plan raises expected NPV above the baseline's {format_money(means[base], currency, scale)} "
                     f"({layout.plan_phrase(base)})")
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
    ticks = FuncFormatter(lambda v, _pos: layout.axis_number(v / axis_scale.factor))

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
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
    titled: bool = True,
    environment: Mapping[str, ArrayLike] | None = None,
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
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).
    environment
        With a shared environment, the share of runs in each state on ``grid`` (``health.json``'s
        ``environment``), states in file order: every state but the first is shaded from the bottom of each panel,
        so the reader sees when the adverse states weigh.

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
        best = layout.best(resilience)
        if resilience[best] > resilience[base] and f"{resilience[best]:.2f}" != f"{resilience[base]:.2f}":
            title = (f"{layout.plan_phrase(best)} lifts average health over the {life} life from "
                     f"{resilience[base]:.2f} to {resilience[best]:.2f}")
        else:
            title = (f"No plan lifts average health above the baseline's {resilience[base]:.2f} "
                     f"({layout.plan_phrase(base)})")
    subtitle = "Health of the simulated alliances over time (1 = full, 0 = dissolved); " + (
        f"an alliance dissolves when health falls below {dissolve_below:g}" if len(plans) == 1 or resilience is None
        else "beside each plan, its average health over the life")

    shaded = {state: np.asarray(share, dtype=float) for state, share in list((environment or {}).items())[1:]}
    if shaded:
        subtitle += "; shaded: share of runs in " + ", ".join(s.replace("_", " ") for s in shaded)
    n = len(plans)
    ncols = n if n <= 3 else 2 if n == 4 else 3 if n <= 6 else 4
    nrows = math.ceil(n / ncols)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle, provenance, titled=titled)
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
            if shaded:
                _environment_shading(ax, t, shaded)
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
        axes[0].xaxis.set_major_locator(layout.time_locator(horizon, time_unit, {1: 12, 2: 10}.get(ncols, 5)))

        neutral = theme.TEXT
        handles = [
            Line2D([], [], color=neutral, linewidth=2.4, label="Median run"),
            Patch(color=neutral, alpha=0.42, linewidth=0, label="Middle 50% of runs"),
            Patch(color=neutral, alpha=0.14, linewidth=0, label="Middle 90% of runs"),
            Line2D([], [], color=theme.TEXT, linewidth=1.2, linestyle=(0, (5, 3)),
                   label=f"Dissolution threshold ({dissolve_below:g})"),
        ]
        handles += [Patch(facecolor="none", edgecolor=color, hatch=hatch, linewidth=0,
                          label=f"Runs in {state.replace('_', ' ')}")
                    for state, (color, hatch) in zip(shaded, _ENV_STYLES)]
        fig.legend(handles=handles, loc="lower left", ncols=len(handles), bbox_to_anchor=(left, top + 0.055),
                   bbox_transform=fig.transFigure, borderaxespad=0, handlelength=1.8,
                   columnspacing=1.2 if shaded else 2.0, fontsize=theme.ANNOTATION_SIZE)
    return fig


_ENV_STYLES = [("#8a8f98", "////"), ("#b5651d", "\\\\\\\\"), ("#5b7a99", "...."), ("#7a5b99", "xxxx")]


def _environment_shading(ax: Axes, t: np.ndarray, shares: Mapping[str, np.ndarray]) -> None:
    """Shade, stacked from the bottom of a health panel, the share of runs in each adverse environment state."""
    bottom = np.zeros_like(t)
    for (color, hatch), share in zip(_ENV_STYLES, shares.values()):
        ax.fill_between(t, bottom, bottom + share, facecolor="none", edgecolor=color, hatch=hatch, linewidth=0,
                        alpha=0.55, zorder=1)
        bottom = bottom + share


# --- causes ----------------------------------------------------------------------------------------------------

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
    titled: bool = True,
    environment_note: str = "",
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
    titled
        False: keep the title off the picture, for a slide that states it (:func:`theme.untitled_png`).
    environment_note
        With a shared environment, where the dissolutions happened (:func:`allysim.wording.environment_ends`),
        added to the subtitle.

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
            f"No risk ended an alliance under the baseline ({layout.plan_phrase(base)}): {everyone} survive"
    else:
        risk = layout.title_name(names.get(top_risk, theme.plan_label(top_risk)), limit=50)
        if len(plans) == 1:
            title = f"{risk} is the main threat, ending {format_share(top_share)} of alliances"
        else:
            shares = {p: float(end_causes[p].get(top_risk, 0.0)) for p in plans[1:]}
            lowest = min(shares, key=lambda p: (shares[p], plans.index(p)))
            if shares[lowest] < top_share and format_share(shares[lowest]) != format_share(top_share):
                title = (f"{risk} ends {format_share(top_share)} of alliances in the baseline; "
                         f"{layout.plan_phrase(lowest)} cuts that to {format_share(shares[lowest])}")
            else:
                title = f"{risk} ends {format_share(top_share)} of alliances in the baseline, and no plan reduces that"
    span = f" within the {format_span(horizon, time_unit)} life" if horizon is not None else ""
    many = f"{runs:,} simulated alliances" if runs else "simulated alliances"
    subtitle = f"How {many} ended{span}: dissolved by a risk, or survived"
    if environment_note:
        subtitle += f". {environment_note[0].upper()}{environment_note[1:]}"

    if len(plans) == 1:
        groups, idle = _cause_groups(end_causes, plans, names, MAX_NAMED_ROWS)
        return _cause_bars(groups, idle, title, subtitle, provenance, titled)
    groups, idle = _cause_groups(end_causes, plans, names, MAX_NAMED_RISKS)
    return _cause_stacks(plans, groups, idle, title, subtitle, provenance, titled)


def _idle_note(idle: int) -> str:
    """Return the note on risks that ended no alliance."""
    return "" if idle == 0 else f"; {idle} other risk{'s' if idle > 1 else ''} ended none"


def _cause_bars(groups: list[_Cause], idle: int, title: str, subtitle: str,
                provenance: Provenance | None, titled: bool) -> Figure:
    """Draw one plan's outcomes as a sorted list of horizontal bars."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle + _idle_note(idle), provenance, titled=titled)
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
                  provenance: Provenance | None, titled: bool) -> Figure:
    """Draw, per plan, the share surviving (left) and the dissolved share split by risk (right, zoomed)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    survived, risks = groups[0], groups[1:]
    n = len(plans)
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, title, subtitle + _idle_note(idle), provenance, titled=titled)
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
            ax.xaxis.set_major_locator(layout.share_locator(limit, ticks))
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


