"""The charts of a run: survival, NPV and health (causes of dissolution: :mod:`~allysim.plotting.causes_chart`).

Each function takes computed numbers (curves, arrays and summary statistics keyed by plan, in plan order, the
baseline first: :mod:`allysim.stats` computes them, nothing here does statistics), draws them inside the box of an optional ``ax`` and returns that ``ax``, the lifelines / SALib way: the
chart keeps its tick labels, end labels and legend inside the box, and a chart of several panels hides ``ax`` and
lays its panels out in its place. Without ``ax`` the chart fills the body of a new 16:9 slide, untitled. Titles
and subtitles are :mod:`~allysim.plotting.headlines`; :mod:`~allysim.plotting.render` puts them on the slide.

Examples
--------
>>> import numpy as np
>>> from allysim.plotting import run_charts
>>> from allysim.stats import survival_curve
>>> rng = np.random.default_rng(1)
>>> life = np.minimum(rng.exponential(8, 500), 10)
>>> ax = run_charts.survival({"do_nothing": survival_curve(life, life >= 10, 10)}, horizon=10)
>>> ax.figure.savefig("survival.png")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..stats import CURVE_POINTS, SurvivalCurve
from ..wording import Currency, MoneyScale, format_health, format_number, format_share, plural
from . import layout, theme
from .causes_chart import MAX_NAMED_RISKS, MAX_NAMED_ROWS, causes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["survival", "npv", "health", "causes", "npv_limits", "survival_floor",
           "MAX_NAMED_RISKS", "MAX_NAMED_ROWS"]

HIST_BINS = 44
ZOOM_ABOVE = 0.8  # when every curve and band stays above this share, the survival axis starts near them
TAIL = (1.0, 99.0)  # the NPV axis spans these percentiles of all plans; runs beyond are counted at its ends


# --- survival --------------------------------------------------------------------------------------------------


def survival_floor(curves: Mapping[str, SurvivalCurve]) -> float:
    """Return where the survival axis starts: 0, or a round share just under every curve and band when all of
    them stay above :data:`ZOOM_ABOVE` (so that differences between plans that all survive show)."""
    lowest = min((float(np.min(c.low)) for c in curves.values()), default=0.0)
    if lowest < ZOOM_ABOVE:
        return 0.0
    return max(0.0, math.floor((lowest - 0.01) * 20) / 20)  # a 5% step below the lowest band


def survival(
    curves: Mapping[str, SurvivalCurve],
    *,
    horizon: float,
    time_unit: str = "year",
    estimates: Mapping[str, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the share of alliances still alive over time, per plan, with a 95% pointwise Wilson band.

    When every plan keeps more than 80% of its alliances, the y axis starts just below the lowest band, marked
    as a broken axis, so that the differences between plans show.

    Parameters
    ----------
    curves
        Per plan (in plan order, the baseline first): its survival curve and band
        (:func:`allysim.stats.survival_curve`, or :meth:`allysim.folder.OutputData.survival_curves`).
    horizon, time_unit
        The planned life, for the x axis.
    estimates
        Per plan, the survival probability labelled at the end of its line (``summary.json``'s
        ``survival.estimate``); the curve's end when omitted.
    ax
        The box to draw in (the end labels take room on its right); by default the body of a new slide.

    Examples
    --------
    >>> ax = survival({"a": survival_curve([2.0, 10.0], [False, True], 10)}, horizon=10)  # doctest: +SKIP
    >>> fig, ax = plt.subplots(); survival(curves, horizon=10, ax=ax)  # doctest: +SKIP
    """
    plans = list(curves)
    ends = {p: float(curves[p].share[-1]) if curves[p].runs else 0.0 for p in plans}
    quoted = {p: float(estimates[p]) for p in plans} if estimates is not None else ends
    size = theme.ANNOTATION_SIZE + 0.5
    names = theme.distinct_labels([theme.plan_label(p) for p in plans], 3.3, size, "bold")
    labels = {p: f"{format_share(quoted[p])}  {name}" if len(plans) > 1 else f"{format_share(quoted[p])} survive"
              for p, name in zip(plans, names)}
    ax = ax if ax is not None else layout.body_axes()
    label_in = max(theme.text_width(t, size, "bold") for t in labels.values())
    with theme.style():
        layout.fill(ax, left_in=0.7, right_in=label_in + 0.4, bottom_in=0.62)
        _survival_curves(ax, plans, curves, labels, horizon, time_unit)
    return ax


def _survival_curves(ax: Axes, plans: Sequence[str], curves: Mapping[str, SurvivalCurve],
                     labels: Mapping[str, str], horizon: float, time_unit: str) -> None:
    """Draw each plan's Kaplan-Meier curve with its Wilson band and its labelled end on ``ax``."""
    from matplotlib.ticker import MultipleLocator, PercentFormatter

    band_alpha = 0.16 if len(plans) <= 2 else 0.11 if len(plans) <= 4 else 0.07
    line_width = 2.8 if len(plans) <= 3 else 2.2
    for i, plan in enumerate(plans):
        color = theme.plan_color(i)
        t, s, lo, hi = curves[plan].time, curves[plan].share, curves[plan].low, curves[plan].high
        ax.fill_between(t, lo, hi, step="post", color=color, alpha=band_alpha, linewidth=0)
        ax.step(t, s, where="post", color=color, linewidth=line_width, zorder=3 + len(plans) - i)
        ax.plot([horizon], [s[-1]], "o", color=color, markersize=6.5, clip_on=False, zorder=4 + len(plans))
    floor = survival_floor(curves)
    ax.set_xlim(0, horizon)
    ax.set_ylim(floor, 1.0 + 0.02 * (1.0 - floor))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if floor > 0:
        ax.yaxis.set_major_locator(MultipleLocator(0.05 if 1 - floor > 0.1 else 0.02))
        _broken_axis(ax, floor)
    ax.xaxis.set_major_locator(layout.time_locator(horizon, time_unit, 12))
    ax.set_xlabel(f"Time since the alliance started ({plural(time_unit)})")
    ax.set_ylabel("Alliances still together")
    layout.label_line_ends(ax, ax.figure, plans, {p: curves[p].share[-1] for p in plans}, labels, x=horizon)


def _broken_axis(ax: Axes, floor: float) -> None:
    """Mark a y axis that does not start at zero: a break on the axis line and a note just above it."""
    kw = {"transform": ax.transAxes, "color": theme.SPINE, "linewidth": 1.2, "clip_on": False, "zorder": 6}
    for dy in (0.0, 0.022):
        ax.plot([-0.008, 0.008], [0.012 + dy, 0.032 + dy], **kw)
    ax.text(0.012, 0.02, f"  axis starts at {floor:.0%}, not 0", transform=ax.transAxes, ha="left", va="bottom",
            size=theme.ANNOTATION_SIZE - 1, color=theme.MUTED, style="italic")


# --- NPV -------------------------------------------------------------------------------------------------------


def npv_limits(data: Mapping[str, np.ndarray], marks: Mapping[str, Mapping[str, float]]) -> tuple[float, float]:
    """Return the NPV axis: the P1 to P99 of all plans (and every mean and P10 to P90), padded; a long tail runs
    off the axis and is counted at its end instead of squeezing the picture."""
    pooled = [d for d in data.values() if len(d)]
    lo = min((float(np.percentile(d, TAIL[0])) for d in pooled), default=-1.0)
    hi = max((float(np.percentile(d, TAIL[1])) for d in pooled), default=1.0)
    lo = min([lo, *(m[k] for m in marks.values() for k in ("p10", "mean") if k in m)])
    hi = max([hi, *(m[k] for m in marks.values() for k in ("p90", "mean") if k in m)])
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        lo, hi = lo - max(abs(lo) * 0.1, 1.0), hi + max(abs(hi) * 0.1, 1.0)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def npv(
    values: Mapping[str, ArrayLike],
    *,
    currency: str | Currency = "",
    stats: Mapping[str, Mapping[str, float | None]],
    ax: Axes | None = None,
) -> Axes:
    """Draw each plan's NPV distribution: a histogram per plan (left) and the S-curves (right), P10, P50, P90
    and the mean marked.

    The x axis spans the P1 to P99 of all plans (:func:`npv_limits`); the runs beyond it are counted at its ends.

    Parameters
    ----------
    values
        Per plan (in plan order, the baseline first): each run's net present value.
    currency
        The scenario's display currency, e.g. ``USD``, ``USD M`` (amounts already in millions) or ``gold``.
    stats
        Per plan, ``mean``, ``p10``, ``p50`` and ``p90`` as quoted and marked (``summary.json``'s ``npv``); a mark
        missing or null (JSON for NaN) is left out, its number shown as a dash: the chart computes none.
    ax
        The box to draw in (hidden; the panels are laid out inside it); by default the body of a new slide.

    Examples
    --------
    >>> ax = npv({"a": [1.0, 2.0, 4.0]}, currency="USD", stats={"a": {"mean": 2.3, "p10": 1.2, "p50": 2.0,
    ...                                                                  "p90": 3.6}})
    """
    from matplotlib.ticker import FuncFormatter

    plans = list(values)
    data = {p: np.sort(np.asarray(values[p], dtype=float)) for p in plans}
    marks = {p: {k: float(v) for k in MARKS if (v := (stats.get(p) or {}).get(k)) is not None and math.isfinite(v)}
             for p in plans}  # the summary's numbers, quoted; a mark it lacks is not drawn
    xlim = npv_limits(data, marks)
    axis_scale = MoneyScale.of([xlim[0], xlim[1]], currency)
    unit = Currency.parse(currency).axis(axis_scale)
    xlabel = f"NPV ({unit})" if unit else "NPV"
    ticks = FuncFormatter(lambda v, _pos: format_number(v / axis_scale.factor, 6, trim=True))
    # One unit and one number of decimals for every label of the chart, as in the title.
    label_scale = MoneyScale.of([v for m in marks.values() for v in m.values()], currency)
    size = theme.ANNOTATION_SIZE if len(plans) <= 4 else theme.ANNOTATION_SIZE - 1.5
    names = theme.distinct_labels([theme.plan_label(p) for p in plans], 2.6, size, "bold")

    container = ax if ax is not None else layout.body_axes()
    fig = container.figure
    with theme.style():
        left, bottom, right, top = layout.region(container, bottom_in=0.62)
        grid = fig.add_gridspec(len(plans), 2, left=left, right=right, bottom=bottom, top=top,
                                width_ratios=(1.12, 1.0), wspace=0.24, hspace=0.22 if len(plans) > 1 else 0)
        edges = np.linspace(xlim[0], xlim[1], HIST_BINS + 1)
        shares = {p: np.histogram(data[p], bins=edges)[0] / max(len(data[p]), 1) for p in plans}
        peak = max((float(s.max()) for s in shares.values()), default=1.0) or 1.0
        heads = [names[i] if len(plans) > 1 else None for i in range(len(plans))]
        numbers = [_numbers(marks[p], label_scale) for p in plans]
        box = grid[0, 0].get_position(fig)
        fit = _numbers_fit(heads, numbers, box.width * fig.get_size_inches()[0], size)
        row_in = box.height * fig.get_size_inches()[1]
        rows: list[Axes] = []
        for i, plan in enumerate(plans):
            row = fig.add_subplot(grid[i, 0], sharex=rows[0] if rows else None)
            rows.append(row)
            _npv_row(row, i, heads[i], edges, shares[plan], peak, marks[plan], numbers[i], fit, row_in,
                     len(plans), size)
            _tails(row, data[plan], xlim)
            row.xaxis.set_major_formatter(ticks)
            if i < len(plans) - 1:
                row.tick_params(axis="x", labelbottom=False, length=0)
        rows[0].set_xlim(*xlim)
        rows[-1].set_xlabel(xlabel)

        curve = fig.add_subplot(grid[:, 1])
        _s_curves(curve, plans, names, data, marks, xlim)
        curve.xaxis.set_major_formatter(ticks)
        curve.set_xlabel(xlabel)
    return container


MARKS = ("p10", "p50", "p90", "mean")


def _numbers(marks: Mapping[str, float], scale: MoneyScale) -> str:
    return "   ".join(f"{label} {scale.number(marks[key]) if key in marks else chr(0x2014)}"
                      for label, key in (("P10", "p10"), ("P50", "p50"), ("P90", "p90"), ("Mean", "mean")))


NUMBERS_SMALLEST = 8.5  # points: below this a row's numbers go on a line of their own, under its name


def _numbers_fit(names: Sequence[str | None], numbers: Sequence[str], width_in: float,
                 size: float) -> tuple[float, bool]:
    """One size for every row's key numbers, and whether they go under the name rather than beside it: beside
    it at the largest size from ``size - 0.5`` down to NUMBERS_SMALLEST where every row fits its panel's width,
    else under it, so that no number runs past its panel into the next."""
    def beside(s: float) -> bool:
        return all(theme.text_width(t, s) <= width_in - (theme.text_width(n, size, "bold") + 0.25 if n else 0.0)
                   for n, t in zip(names, numbers))

    sizes = np.arange(size - 0.5, NUMBERS_SMALLEST - 0.01, -0.5)
    found = next((float(s) for s in sizes if beside(float(s))), None)
    if found is not None:
        return found, False
    below = next((float(s) for s in np.arange(size - 0.5, 6.99, -0.5)
                  if all(theme.text_width(t, float(s)) <= width_in for t in numbers)), 7.0)
    return below, any(names)


def _npv_row(ax: Axes, index: int, name: str | None, edges: np.ndarray, shares: np.ndarray, peak: float,
             marks: Mapping[str, float], numbers: str, fit: tuple[float, bool], row_in: float, n_plans: int,
             size: float) -> None:
    """Draw one plan's NPV histogram with its P10/P50/P90 lines and mean, headed by its name and key numbers
    (beside the name, or under it when ``fit`` says so)."""
    from matplotlib.transforms import offset_copy

    color = theme.plan_color(index)
    ink = theme.plan_text_color(index)
    numbers_size, under = fit
    ax.stairs(shares, edges, fill=True, color=color, alpha=0.28, linewidth=0)
    ax.stairs(shares, edges, color=color, linewidth=1.4)
    top = peak * (1.25 if n_plans == 1 else 1.5 if n_plans <= 4 else 1.8)
    text_in = ((size if name else 0.0) * 1.2 * under + numbers_size * 1.25) / 72 + 0.04
    # the histogram and its lines stay under the text above them, keeping at least a third of the row
    top = max(top, peak * 1.06 * row_in / max(row_in - text_in, row_in / 3))
    ax.set_ylim(0, top)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    ax.plot([0, 0], [0, peak * 1.06], color=theme.SPINE, linewidth=0.9, zorder=1)  # break-even
    for key, style in (("p10", (0, (3, 2))), ("p50", "-"), ("p90", (0, (3, 2)))):
        if key in marks:
            ax.plot([marks[key]] * 2, [0, peak * 1.06], color=ink, linewidth=1.6, linestyle=style, zorder=3)
    if "mean" in marks:
        ax.plot([marks["mean"]], [0], marker="D", markersize=7.5, color=ink, markeredgecolor="white",
                markeredgewidth=1.2, clip_on=False, zorder=6)
    x_in = y_in = 0.0
    if name is not None:
        ax.text(0.0, 1.0, name, transform=ax.transAxes, ha="left", va="top", size=size, weight="bold", color=ink)
        if under:
            y_in = -size * 1.2 / 72
        else:
            x_in = theme.text_width(name, size, "bold") + 0.25
    ax.text(0.0, 1.0, numbers, ha="left", va="top", size=numbers_size, color=theme.TEXT, zorder=7,
            transform=offset_copy(ax.transAxes, fig=ax.figure, x=x_in, y=y_in, units="inches"),
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9})  # no line runs through it


def _tails(ax: Axes, values: np.ndarray, xlim: tuple[float, float]) -> None:
    """Count, at each end of the axis, the runs whose NPV lies beyond it (an arrow and a number)."""
    below, above = int(np.count_nonzero(values < xlim[0])), int(np.count_nonzero(values > xlim[1]))
    for count, x, ha, text in ((below, 0.0, "left", f"\u25c0 {below:,} run{'s' if below != 1 else ''}"),
                               (above, 1.0, "right", f"{above:,} run{'s' if above != 1 else ''} \u25b6")):
        if count:
            ax.text(x, 0.03, text, transform=ax.transAxes, ha=ha, va="bottom", size=theme.ANNOTATION_SIZE - 2.5,
                    color=theme.MUTED, zorder=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85})


def _s_curves(ax: Axes, plans: Sequence[str], names: Sequence[str], data: Mapping[str, np.ndarray],
              marks: Mapping[str, Mapping[str, float]], xlim: tuple[float, float]) -> None:
    """Draw the S-curve (empirical CDF) of each plan's NPV, with dots at P10, P50 and P90 and a diamond at the
    mean."""
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
            ax.step(x, y, where="post", color=color, linewidth=width, label=names[i], zorder=3 + len(plans) - i)
        else:
            x = values[np.minimum((probabilities * len(values)).astype(int), len(values) - 1)]
            ax.plot(x, probabilities, color=color, linewidth=width, label=names[i], zorder=3 + len(plans) - i)
        shown = [(marks[plan][k], level) for k, level in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)) if k in marks[plan]]
        ax.plot([x for x, _ in shown], [y for _, y in shown], "o", color=color, markersize=7,
                markeredgecolor="white", markeredgewidth=1.2, zorder=4 + 2 * len(plans))
        if "mean" in marks[plan]:  # the mean's diamond sits on the plan's S-curve
            at = float(np.searchsorted(values, marks[plan]["mean"], side="right")) / len(values)
            ax.plot([marks[plan]["mean"]], [at], "D", color=color, markersize=7, markeredgecolor="white",
                    markeredgewidth=1.2, zorder=4 + 2 * len(plans))
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 1.0)
    ax.set_yticks([0.0, 0.1, 0.5, 0.9, 1.0], ["0%", "P10", "P50", "P90", "100%"])
    ax.set_ylabel("Cumulative share of runs")
    if len(plans) > 1:
        size = theme.ANNOTATION_SIZE if len(plans) <= 5 else theme.ANNOTATION_SIZE - 1.5
        ax.legend(loc="upper left", fontsize=size, handlelength=1.4, borderaxespad=0.3, labelspacing=0.35)


# --- health ----------------------------------------------------------------------------------------------------


def health(
    grid: ArrayLike,
    bands: Mapping[str, Mapping[str, ArrayLike]],
    *,
    dissolve_below: float,
    time_unit: str = "year",
    resilience: Mapping[str, float] | None = None,
    environment: Mapping[str, ArrayLike] | None = None,
    dissolved: Mapping[str, ArrayLike] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a fan chart of alliance health over time per plan: the median and the middle 50% and 90% of runs at
    each time, with a strip under each panel showing the share of alliances dissolved by then.

    The bands are percentiles at each time, not paths of runs. Dissolved alliances count as health 0, so a band
    edge at 0 stands for dissolved runs: the fan is drawn down to the dissolution threshold only, and the strip
    says how many have gone, rather than the median line plunging to 0 as if the alliance collapsed.

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
        Per plan, the mean time-average health (``summary.json``'s ``resilience.mean``), beside each panel's name.
    environment
        With a shared environment, the share of runs in each state on ``grid`` (``health.json``'s
        ``environment``), states in file order: every state but the first is shaded from the bottom of each panel.
    dissolved
        Per plan, the share of runs dissolved by each time of ``grid`` (:func:`allysim.stats.dissolved_share`); omitted, no
        strips are drawn.
    ax
        The box to draw in (hidden; the panels and the legend are laid out inside it); by default the body of a
        new slide.

    Examples
    --------
    >>> t = np.linspace(0, 10, 101)
    >>> ax = health(t, {"a": {k: np.full(101, v) for k, v in zip(["p5", "p25", "p50", "p75", "p95"],
    ...                                                           [0.1, 0.4, 0.6, 0.8, 0.9])}},
    ...             dissolve_below=0.2)
    """
    plans = list(bands)
    t = np.asarray(grid, dtype=float)
    horizon = float(t[-1]) if len(t) else 1.0
    shaded = {state: np.asarray(share, dtype=float) for state, share in list((environment or {}).items())[1:]}
    n = len(plans)
    container = ax if ax is not None else layout.body_axes()
    fig = container.figure
    _width_in, height_in = fig.get_size_inches()
    size = theme.LABEL_SIZE if n <= 3 else theme.ANNOTATION_SIZE if n <= 6 else theme.ANNOTATION_SIZE - 1
    with theme.style():
        left, bottom, right, top = layout.region(container, left_in=0.6, bottom_in=0.62,
                                                 top_in=0.85 if shaded else 0.55)
        strip = 0.36 if dissolved is not None else 0.0  # inches under each panel
        ncols, panel_h = _health_grid(n, (right - left) * _width_in, (top - bottom) * height_in, strip)
        nrows = math.ceil(n / ncols)
        panel_in = (right - left) * _width_in / ncols
        number_in = 0.0 if resilience is None else max(theme.text_width(f"{'average ' if n <= 3 else ''}{format_health(r)}", size)
                                                        for r in resilience.values())
        labels = [theme.plan_label(p) for p in plans]
        names = theme.distinct_labels(labels, panel_in - number_in - 0.2, size, "bold")
        key_top = top  # the key stays where it is; wrapped names take a line from the panels
        wrapped = n > 1 and names != labels and nrows == 1  # narrow panels side by side: names on two lines
        if wrapped:
            names = theme.distinct_labels(labels, panel_in - number_in - 0.2, size, "bold", max_lines=2)
            top -= size * 1.2 / 72 / height_in
        gs = fig.add_gridspec(nrows, ncols, left=left, right=right, bottom=bottom, top=top,
                              wspace=0.06 if ncols <= 2 else 0.15, hspace=0.5 if nrows > 1 else 0)
        axes: list[Axes] = []
        for i, plan in enumerate(plans):
            row, col = divmod(i, ncols)
            panel = fig.add_subplot(gs[row, col], sharex=axes[0] if axes else None, sharey=axes[0] if axes else None)
            if strip:
                layout.fill(panel, bottom_in=strip)
            axes.append(panel)
            _fan(panel, t, {k: np.asarray(v, dtype=float) for k, v in bands[plan].items()}, theme.plan_color(i),
                 dissolve_below, 2.6 if n <= 3 else 2.0)
            if shaded:
                _environment_shading(panel, t, shaded)
            if n > 1:
                panel.set_title(names[i], size=size, color=theme.plan_text_color(i), pad=7, loc="left")
                if resilience is not None:
                    panel.set_title(f"{'average ' if n <= 3 else ''}{format_health(resilience[plan])}", size=size,
                                    color=theme.TEXT, pad=7, loc="right", weight="normal")
            last_in_column = (row + 1) * ncols + col >= n
            xlabel = f"Time ({plural(time_unit)})" if n > 1 else f"Time since the alliance started ({plural(time_unit)})"
            if strip:
                _dissolved_strip(panel, t, np.asarray(dissolved[plan], dtype=float), strip, col == 0,  # type: ignore[index]
                                 xlabel if last_in_column else "")
                panel.tick_params(axis="x", labelbottom=False, length=0)
            elif not last_in_column:
                panel.tick_params(axis="x", labelbottom=False, length=0)
            else:
                panel.set_xlabel(xlabel)
            if col == 0:
                panel.set_ylabel("Health")
            else:
                panel.tick_params(axis="y", labelleft=False)
        axes[0].set_xlim(0, horizon)
        axes[0].set_ylim(0, 1.0)
        # as many health ticks as the panel's height leaves room for, never crowded
        axes[0].set_yticks([0, 0.25, 0.5, 0.75, 1.0] if panel_h >= 1.3 else [0, 0.5, 1.0] if panel_h >= 0.55
                           else [0, 1.0])
        axes[0].xaxis.set_major_locator(layout.time_locator(horizon, time_unit, {1: 12, 2: 10}.get(ncols, 5)))
        _health_legend(container, dissolve_below, shaded, dissolved is not None, left, key_top)
    return container


HEALTH_PANEL_ASPECT = 2.2  # width : height the panels are best read at


def _health_grid(n: int, width_in: float, height_in: float, strip_in: float) -> tuple[int, float]:
    """How many columns to lay ``n`` health panels out in, within ``width_in`` x ``height_in`` inches (each panel
    with a strip of ``strip_in`` under it), and the height of a panel: the layout whose panels come closest to
    HEALTH_PANEL_ASPECT at the largest size, so that a short slide puts four plans side by side rather than in a
    squashed two by two."""
    best: tuple[float, int, float] | None = None
    for ncols in range(1, min(n, 6) + 1):
        nrows = math.ceil(n / ncols)
        if ncols > 1 and math.ceil(n / (ncols - 1)) == nrows:
            continue  # as many rows with fewer columns: that layout is already counted
        gap_w, gap_h = 0.45, 0.55 + strip_in
        w = (width_in - gap_w * (ncols - 1)) / ncols
        h = (height_in - gap_h * (nrows - 1)) / nrows - strip_in
        if w <= 0 or h <= 0:
            continue
        score = min(w / HEALTH_PANEL_ASPECT, h)  # the panel's size, limited by whichever side is short
        if best is None or score > best[0] + 1e-9:
            best = (score, ncols, h)
    if best is None:
        return min(n, 4), max(height_in / math.ceil(n / min(n, 4)) - strip_in, 0.1)
    return best[1], best[2]


def _fan(ax: Axes, t: np.ndarray, b: Mapping[str, np.ndarray], color: str, dissolve_below: float,
         width: float) -> None:
    """Draw a plan's percentile fan of health among the runs still together: a percentile at 0 stands for
    dissolved runs, so the fan stops at the dissolution threshold and the median ends where half have gone."""
    def alive(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.where(low > 0, low, dissolve_below), high, high > 0

    for (lo_key, hi_key), alpha in ((("p5", "p95"), 0.14), (("p25", "p75"), 0.30)):
        lo, hi, where = alive(b[lo_key], b[hi_key])
        ax.fill_between(t, np.minimum(lo, hi), hi, where=where, color=color, alpha=alpha, linewidth=0,
                        interpolate=False)
    median = np.where(b["p50"] > 0, b["p50"], np.nan)
    ax.plot(t, median, color=color, linewidth=width)
    gone = np.flatnonzero(~(b["p50"] > 0))
    if len(gone) and gone[0] > 0:  # the median ends where half the alliances have dissolved
        k = gone[0] - 1
        ax.plot([t[k]], [b["p50"][k]], marker="o", markersize=5.5, color=color, markeredgecolor="white", zorder=5)
    ax.axhline(dissolve_below, color=theme.TEXT, linewidth=1.2, linestyle=(0, (5, 3)), zorder=4)


def _dissolved_strip(panel: Axes, t: np.ndarray, share: np.ndarray, strip_in: float, first: bool,
                     xlabel: str) -> None:
    """Draw, under a health panel, the share of runs dissolved by each time as a thin grey area (0 to 100%)."""
    height_in = panel.figure.get_size_inches()[1]
    box = panel.get_position()
    ax = panel.figure.add_axes((box.x0, box.y0 - (strip_in - 0.06) / height_in, box.width,
                                (strip_in - 0.12) / height_in), sharex=panel)
    ax.fill_between(t, 0, share, color=theme.MUTED, alpha=0.45, linewidth=0, step=None)
    ax.plot(t, share, color=theme.TEXT, linewidth=0.9)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    note = f"{format_share(float(share[-1]))} dissolved by the end"
    width_in = box.width * panel.figure.get_size_inches()[0]
    size = next((z for z in (theme.ANNOTATION_SIZE - 2.5, theme.ANNOTATION_SIZE - 3.5, theme.ANNOTATION_SIZE - 4.5)
                 if theme.text_width("100% dissolved by the end", z) <= width_in - 0.05),
                theme.ANNOTATION_SIZE - 4.5)  # within its panel, one size in every panel
    ax.text(1.0, 1.04, note, transform=ax.transAxes, ha="right", va="bottom", size=size, color=theme.TEXT)
    if first:
        ax.set_ylabel("Gone", rotation=0, ha="right", va="center", size=theme.ANNOTATION_SIZE - 1.5, labelpad=6)
    if xlabel:
        ax.set_xlabel(xlabel)
    else:
        ax.tick_params(axis="x", labelbottom=False)


def _health_legend(container: Axes, dissolve_below: float, shaded: Mapping[str, np.ndarray], strips: bool,
                   left: float, top: float) -> None:
    """Write the health chart's key in one line above its panels."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = container.figure
    neutral = theme.TEXT
    handles = [
        Line2D([], [], color=neutral, linewidth=2.4, label="Median at each time"),
        Patch(color=neutral, alpha=0.42, linewidth=0, label="Middle 50%"),
        Patch(color=neutral, alpha=0.14, linewidth=0, label="Middle 90%"),
        Line2D([], [], color=theme.TEXT, linewidth=1.2, linestyle=(0, (5, 3)),
               label=f"Dissolution threshold ({format_number(dissolve_below, 6, trim=True)})"),
    ]
    if strips:
        handles.append(Patch(color=theme.MUTED, alpha=0.45, linewidth=0, label="Share dissolved (strip)"))
    handles += [Patch(facecolor="none", edgecolor=color, hatch=hatch, linewidth=0,
                      label=f"Runs in {state.replace('_', ' ')}")
                for state, (color, hatch) in zip(shaded, _ENV_STYLES)]
    # one line (two with an environment), at a smaller size or on two lines when the chart is too narrow for it
    width = container.get_position().x1 * fig.bbox.width
    trials = [(theme.ANNOTATION_SIZE - 0.5, 1), (theme.ANNOTATION_SIZE - 2, 1), (theme.ANNOTATION_SIZE - 2, 2)]
    for k, (size, lines) in enumerate(trials):
        legend = fig.legend(handles=handles, loc="lower left",
                            ncols=math.ceil(len(handles) / max(lines, 2 if shaded else 1)),
                            bbox_to_anchor=(left, top + 0.25 / fig.get_size_inches()[1]),
                            bbox_transform=fig.transFigure, borderaxespad=0, handlelength=1.6, columnspacing=1.0,
                            fontsize=size)
        if legend.get_window_extent(fig.canvas.get_renderer()).x1 <= width or k == len(trials) - 1:
            return
        legend.remove()


_ENV_STYLES = [("#8a8f98", "////"), ("#b5651d", "\\\\\\\\"), ("#5b7a99", "...."), ("#7a5b99", "xxxx")]


def _environment_shading(ax: Axes, t: np.ndarray, shares: Mapping[str, np.ndarray]) -> None:
    """Shade, stacked from the bottom of a health panel, the share of runs in each adverse environment state."""
    bottom = np.zeros_like(t)
    for (color, hatch), share in zip(_ENV_STYLES, shares.values()):
        ax.fill_between(t, bottom, bottom + share, facecolor="none", edgecolor=color, hatch=hatch, linewidth=0,
                        alpha=0.55, zorder=1)
        bottom = bottom + share
