"""The partners chart (SPEC section 12): for each partner, the share of runs in which it is still in over time, one
small panel per partner with a line per plan; beside them, how many partners are in at the end, per plan.

The chart only draws: the shares come from :func:`allysim.analysis.partners_still_in` (over the ``exits`` of
runs.csv) and the distribution at the end from summary.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..wording import format_share
from . import layout, theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["partners"]


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
    with theme.style():
        left, bottom, right, top = layout.region(ax, left_in=0.7, bottom_in=0.55, top_in=0.45)
        split = left + (right - left) * 0.64
        rows = 1 if len(ids) <= 3 else 2 if len(ids) <= 8 else 3
        cols = max(1, math.ceil(len(ids) / rows))
        gap_x, gap_y = 0.35 / fig.get_size_inches()[0], 0.75 / fig.get_size_inches()[1]
        width = (split - left - gap_x * (cols - 1)) / cols
        height = (top - bottom - gap_y * (rows - 1)) / rows
        size = theme.ANNOTATION_SIZE if len(ids) <= 3 else theme.ANNOTATION_SIZE - 1.5
        for k, q in enumerate(ids):
            r, c = divmod(k, cols)
            panel = fig.add_axes((left + c * (width + gap_x), top - (r + 1) * height - r * gap_y, width, height))
            for i, p in enumerate(plans):
                if q in still_in[p]:
                    share = np.asarray(still_in[p][q], dtype=float)
                    panel.step(t, share, where="post", color=theme.plan_color(i), lw=2.2 if i == 0 else 1.8,
                               label=theme.plan_label(p))
            base = next((p for p in plans if q in still_in[p]), None)
            end = float(np.asarray(still_in[base][q])[-1]) if base is not None else 0.0
            layout.headed(panel, layout.title_name(names.get(q, q), limit=28), size=size + 0.5)
            panel.text(0.97, 0.05, f"{format_share(end)} still in", transform=panel.transAxes, ha="right",
                       va="bottom", size=size, color=theme.plan_text_color(plans.index(base) if base else 0))
            panel.set_xlim(0, horizon)
            panel.set_ylim(0, 1.02)
            panel.yaxis.set_major_locator(layout.share_locator(1.0, 2))
            panel.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: format_share(y)))
            panel.xaxis.set_major_locator(layout.time_locator(horizon, time_unit, 4 if cols > 2 else 6))
            panel.tick_params(labelsize=size)
            if c > 0:
                panel.tick_params(labelleft=False)
            if r == rows - 1 or k + cols >= len(ids):
                panel.set_xlabel(f"{time_unit}s", size=size)
            panel.grid(True, color=theme.GRID)
        bars = fig.add_axes((split + 1.0 / fig.get_size_inches()[0], bottom, right - split - 1.0 /
                             fig.get_size_inches()[0], top - bottom))
        _at_end(bars, plans, at_end, size)
        if len(plans) > 1:
            handles = [plt.Line2D([], [], color=theme.plan_color(i), lw=2.2) for i in range(len(plans))]
            bars.legend(handles, [theme.plan_label(p) for p in plans], loc="upper right", fontsize=size,
                        frameon=False)
    return ax


def _at_end(ax: Axes, plans: Sequence[str], at_end: Mapping[str, Mapping[str, float]], size: float) -> None:
    """Draw, per plan, the share of runs ending with each number of partners in, as grouped columns."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator

    most = max((int(k) for p in plans for k in at_end.get(p, {})), default=0)
    counts = np.arange(most + 1)
    width = 0.8 / max(len(plans), 1)
    for i, p in enumerate(plans):
        shares = np.array([float(at_end.get(p, {}).get(str(k), 0.0)) for k in counts])
        x = counts - 0.4 + width * (i + 0.5)
        ax.bar(x, shares, width=width * 0.92, color=theme.plan_color(i))
        if len(plans) == 1:
            for xi, s in zip(x, shares):
                ax.text(xi, s, format_share(s), ha="center", va="bottom", size=size, color=theme.TEXT)
    top = max((float(v) for p in plans for v in at_end.get(p, {}).values()), default=1.0)
    ax.set_ylim(0, top * (1.2 + 0.12 * len(plans)) + 0.02 if len(plans) > 1 else min(1.0, top * 1.2 + 0.02))
    ax.set_xticks(counts)
    step = 0.2 if top > 0.5 else 0.1 if top > 0.2 else 0.05
    ax.yaxis.set_major_locator(FixedLocator(np.arange(0.0, min(1.0, ax.get_ylim()[1]) + 1e-9, step)))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: format_share(y)))
    ax.set_xlabel("partners in at the end", size=size)
    layout.headed(ax, "Partners at the end (share of runs)", size=size + 0.5)
    ax.tick_params(labelsize=size)
    ax.grid(True, axis="y", color=theme.GRID)
