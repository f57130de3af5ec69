"""The partners chart (SPEC section 12): who leaves, and how many remain.

On the left, for each partner, the share of runs in which it is still in over time: one small panel per partner
with a line per plan (up to eight partners); with more, one row per partner instead, ranked, with a dot per plan
for the share of runs in which it is gone by the end of the life, so that twelve long-named partners stay legible.
On the right, how many partners are in at the end, per plan. The plans' colours are named once, above both.

The chart only draws: the shares come from :func:`allysim.analysis.partners_still_in` (over the ``exits`` of
runs.csv) and the distribution at the end from summary.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..wording import format_share, format_span, plural
from . import layout, theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["partners", "MAX_PANELS"]

MAX_PANELS = 8  # partners drawn as small panels over time; beyond, one ranked row each


def partners(grid: ArrayLike, still_in: Mapping[str, Mapping[str, ArrayLike]],
             at_end: Mapping[str, Mapping[str, float]], *, horizon: float, time_unit: str = "year",
             partner_names: Mapping[str, str] | None = None, ax: Axes | None = None) -> Axes:
    """Draw the partners chart.

    Parameters
    ----------
    grid
        Times of the shares, from 0 to the horizon.
    still_in
        Per plan (the baseline first), per partner of its line-up, the share of runs in which it is still in on
        ``grid``.
    at_end
        Per plan, ``{K: share of runs ending with K partners in}``.
    partner_names
        Display name of each partner id.
    ax
        The box to draw in (split into panels); by default the body of a new slide.
    """
    import matplotlib.pyplot as plt

    t = np.asarray(grid, dtype=float)
    plans = list(still_in)
    names = dict(partner_names or {})
    ids = list(dict.fromkeys(q for p in plans for q in still_in[p]))
    ax = ax if ax is not None else layout.body_axes()
    fig = ax.figure
    width_in, height_in = fig.get_size_inches()
    with theme.style():
        labels = [layout.title_name(theme.plan_label(p), limit=32) for p in plans]
        box_w = ax.get_position().width
        columns = _columns(labels, box_w, width_in)
        lines = math.ceil(len(plans) / columns) if len(plans) > 1 else 0
        legend_in = lines * theme.ANNOTATION_SIZE * 1.45 / 72 + 0.15 if lines else 0.0
        left, bottom, right, top = layout.region(ax, left_in=0.0, bottom_in=0.6, top_in=legend_in)
        split = left + (right - left) * 0.66
        box = (left, bottom, split, top)
        if len(ids) <= MAX_PANELS:
            _panels(fig, box, t, plans, ids, still_in, names, horizon, time_unit)
        else:
            _ranked_rows(fig, box, plans, ids, still_in, names, horizon, time_unit)
        gap = 0.9 / width_in
        bars = fig.add_axes((split + gap, bottom, right - split - gap, top - bottom - 0.4 / height_in))
        _at_end(bars, plans, at_end, theme.ANNOTATION_SIZE)
        if len(plans) > 1:  # the plans' colours, named once for both sides
            handles = [plt.Line2D([], [], color=theme.plan_color(i), lw=2.6) for i in range(len(plans))]
            fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(left, top + 0.05 / height_in),
                       bbox_transform=fig.transFigure, ncols=columns,
                       fontsize=theme.ANNOTATION_SIZE, frameon=False, borderaxespad=0, handlelength=1.6,
                       columnspacing=1.4)
    return ax


def _columns(labels: Sequence[str], width: float, width_in: float) -> int:
    """As many legend columns as the labels fit side by side in ``width`` (a figure fraction), at most all."""
    each = max(theme.text_width(label, theme.ANNOTATION_SIZE) for label in labels) + 0.75
    return max(1, min(len(labels), int(width * width_in / each)))


def _panels(fig: Figure, box: tuple[float, float, float, float], t: np.ndarray, plans: Sequence[str],
            ids: Sequence[str], still_in: Mapping[str, Mapping[str, ArrayLike]], names: Mapping[str, str],
            horizon: float, time_unit: str) -> None:
    """One small panel per partner: the share of runs in which it is still in over time, a line per plan."""
    import matplotlib.pyplot as plt

    left, bottom, right, top = box
    width_in, height_in = fig.get_size_inches()
    y_room = 0.75  # the left panels' share ticks

    def shape(rows: int) -> tuple[int, float, dict[str, str], float, float]:
        """Columns, the panels' width, their headings and the headings' height, and the panels' height (inches)."""
        cols = max(1, math.ceil(len(ids) / rows))
        size = theme.ANNOTATION_SIZE if cols <= 3 else theme.ANNOTATION_SIZE - 1.5
        panel_in = ((right - left) * width_in - y_room - 0.3 * (cols - 1)) / cols
        headings = {q: "\n".join(theme.wrap(names.get(q, q), panel_in, size, "bold", max_lines=4 - rows))
                    for q in ids}  # narrow panels in one row: three lines of name
        heading_in = max(h.count("\n") + 1 for h in headings.values()) * size * 1.25 / 72 + 0.12
        tall = ((top - bottom) * height_in - heading_in - (heading_in + 0.55) * (rows - 1)) / rows
        return cols, panel_in, headings, heading_in, tall

    # the rows that give the panels the most room: a panel reads best about twice as wide as tall
    rows = max((r for r in (1, 2) if r <= len(ids)), key=lambda r: min(shape(r)[1] / 2, shape(r)[4]))
    cols, panel_in, headings, heading_in, tall = shape(rows)
    size = theme.ANNOTATION_SIZE if cols <= 3 else theme.ANNOTATION_SIZE - 1.5
    gap_x, gap_y = 0.3 / width_in, (heading_in + 0.55) / height_in
    x0 = left + y_room / width_in
    width = (right - x0 - gap_x * (cols - 1)) / cols
    height = (top - bottom - heading_in / height_in - gap_y * (rows - 1)) / rows
    for k, q in enumerate(ids):
        r, c = divmod(k, cols)
        panel = fig.add_axes((x0 + c * (width + gap_x), top - heading_in / height_in - (r + 1) * height - r * gap_y,
                              width, height))
        for i, p in enumerate(plans):
            if q in still_in[p]:
                panel.step(t, np.asarray(still_in[p][q], dtype=float), where="post", color=theme.plan_color(i),
                           lw=2.2 if i == 0 else 1.8)
        base = next((p for p in plans if q in still_in[p]), plans[0])
        end = float(np.asarray(still_in[base][q])[-1]) if q in still_in[base] else 0.0
        panel.set_title(headings[q], loc="left", size=size, weight="bold", pad=6)
        panel.text(0.97, 0.06, f"{format_share(end)} still in", transform=panel.transAxes, ha="right",
                   va="bottom", size=size, color=theme.plan_text_color(plans.index(base)))
        panel.set_xlim(0, horizon)
        panel.set_ylim(0, 1.02)
        panel.yaxis.set_major_locator(layout.share_locator(1.0, 2 if tall >= 1.1 else 1))  # short: 0% and 100%
        panel.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: format_share(y)))
        panel.xaxis.set_major_locator(layout.time_locator(horizon, time_unit, 4 if panel_in < 2.5 else 6))
        panel.tick_params(labelsize=size)
        if c > 0:
            panel.tick_params(labelleft=False)
        if r == rows - 1 or k + cols >= len(ids):
            panel.set_xlabel(f"Time ({plural(time_unit)})", size=size)
        panel.grid(True, color=theme.GRID)


def _ranked_rows(fig: Figure, box: tuple[float, float, float, float], plans: Sequence[str], ids: Sequence[str],
                 still_in: Mapping[str, Mapping[str, ArrayLike]], names: Mapping[str, str], horizon: float,
                 time_unit: str) -> None:
    """One row per partner, the most likely to leave on top: per plan whose line-up includes it, a dot at the share
    of runs in which it is gone by the end of the life (the baseline's larger, on a bar)."""
    import matplotlib.pyplot as plt

    left, bottom, right, top = box
    width_in, height_in = fig.get_size_inches()
    gone = {p: {q: 1.0 - float(np.asarray(still_in[p][q], dtype=float)[-1]) for q in still_in[p]} for p in plans}
    first = {q: next(p for p in plans if q in still_in[p]) for q in ids}
    order = sorted(ids, key=lambda q: (-gone[first[q]][q], ids.index(q)))
    row_pt = (top - bottom - 0.3 / height_in) * height_in * 72 / len(order)
    # names on two lines when the rows are tall enough for them at a readable size, else on one, cut after a word
    lines = 2 if row_pt / 2.5 >= theme.TICK_SIZE - 2 else 1
    size = min(theme.TICK_SIZE - 1, row_pt / 2.5 if lines == 2 else max(row_pt / 1.45, min(9.0, row_pt / 1.2)))
    label_in = min(3.6 if lines == 2 else 4.2, 0.48 * (right - left) * width_in)
    labels = ["\n".join(theme.wrap(names.get(q, q), label_in, size, max_lines=lines)) for q in order]
    ax = fig.add_axes((left + (label_in + 0.25) / width_in, bottom, right - left - (label_in + 0.55) / width_in,
                       top - bottom - 0.3 / height_in))
    ys = np.arange(len(order))
    most = max((v for p in plans for v in gone[p].values()), default=0.0)
    for y, q in zip(ys, order):
        base = first[q]
        ax.barh(y, gone[base][q], height=0.56, color=theme.plan_color(plans.index(base)), alpha=0.22, linewidth=0)
        for i, p in enumerate(plans):
            if q in gone[p]:
                ax.plot(gone[p][q], y, "o", color=theme.plan_color(i), markersize=9 if p == base else 6.5,
                        markeredgecolor="white", markeredgewidth=0.8, zorder=3 + (p == base))
        end = max(gone[p][q] for p in plans if q in gone[p])  # the share written right of every dot of the row
        ax.annotate(format_share(gone[base][q]), (end, y), xytext=(9, 0), textcoords="offset points", va="center",
                    ha="left", size=size - 1, color=theme.plan_text_color(plans.index(base)))
    ax.set_yticks(ys, labels, size=size)
    ax.tick_params(axis="y", length=0, pad=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, min(1.0, max(0.05, layout.share_locator(most * 1.25, 4).tick_values(0, most * 1.25)[-1])))
    ax.xaxis.set_major_locator(layout.share_locator(ax.get_xlim()[1], 4))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: format_share(x)))
    ax.tick_params(axis="x", labelsize=theme.TICK_SIZE - 1)
    ax.grid(True, axis="x", color=theme.GRID)
    ax.grid(False, axis="y")
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(f"Gone by the end of the {format_span(horizon, time_unit)} life (share of runs)",
                  size=theme.TICK_SIZE - 1)


def _at_end(ax: Axes, plans: Sequence[str], at_end: Mapping[str, Mapping[str, float]], size: float) -> None:
    """Draw, per plan, the share of runs ending with each number of partners in, as grouped columns (from the
    fewest partners any run ends with to the most)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator

    held = [int(k) for p in plans for k, v in at_end.get(p, {}).items() if float(v) > 0]
    counts = np.arange(min(held, default=0), max(held, default=0) + 1)
    width = 0.8 / max(len(plans), 1)
    for i, p in enumerate(plans):
        shares = np.array([float(at_end.get(p, {}).get(str(k), 0.0)) for k in counts])
        x = counts - 0.4 + width * (i + 0.5)
        ax.bar(x, shares, width=width * 0.92, color=theme.plan_color(i))
        if len(plans) == 1:
            for xi, s in zip(x, shares):
                ax.text(xi, s, format_share(s), ha="center", va="bottom", size=size, color=theme.TEXT)
    top = max((float(v) for p in plans for v in at_end.get(p, {}).values()), default=1.0)
    ax.set_ylim(0, min(1.0, top * 1.12 + 0.02))
    ax.set_xticks(counts)
    ax.set_xlim(counts[0] - 0.6, counts[-1] + 0.6)
    step = 0.2 if top > 0.5 else 0.1 if top > 0.2 else 0.05
    ax.yaxis.set_major_locator(FixedLocator(np.arange(0.0, ax.get_ylim()[1] + 1e-9, step)))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: format_share(y)))
    ax.set_xlabel("Partners still in at the end", size=size)
    layout.headed(ax, "Share of runs", size=size + 0.5)
    ax.tick_params(labelsize=size)
    ax.grid(True, axis="y", color=theme.GRID)
    ax.grid(False, axis="x")
