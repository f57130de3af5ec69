"""How alliances end: the causes chart of a run, drawn on a caller's axes.

With one plan, one bar per outcome (survived, then each risk); with several, one row per plan: the share that
survived on the left, the dissolved share split by the risk that ended it on the right, both panels on one scale
(an inch is the same share of runs on either side), so that every bar of the row compares with every other.
Risks beyond the largest few are grouped as "Other risks"; each named risk's share in the baseline is in the
legend, so a segment too thin for its number is still named and quantified.

Examples
--------
>>> ax = causes({"a": {"feud": 0.3, "survived": 0.7}}, risk_names={"feud": "Leadership feud"})
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..wording import format_share
from . import layout, theme
from .theme import OTHER_COLOR, RISK_COLORS, SURVIVED_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["causes", "MAX_NAMED_RISKS", "MAX_NAMED_ROWS"]

MAX_NAMED_RISKS = 6  # in stacked bars; beyond, the smaller risks are grouped into "Other risks"
MAX_NAMED_ROWS = 12  # in the one-plan bar list
SURVIVED = "survived"


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


def idle_note(end_causes: Mapping[str, Mapping[str, float]]) -> str:
    """Return the subtitle's note on risks that ended no alliance under any plan ('' when every risk did)."""
    risks = {r for causes in end_causes.values() for r in causes if r != SURVIVED}
    idle = sum(1 for r in risks if max(float(c.get(r, 0.0)) for c in end_causes.values()) <= 0)
    return "" if idle == 0 else f"; {idle} other risk{'s' if idle > 1 else ''} ended none"


def causes(end_causes: Mapping[str, Mapping[str, float]], *, risk_names: Mapping[str, str] | None = None,
           ax: Axes | None = None) -> Axes:
    """Draw how alliances end under each plan inside the box of ``ax``, and return ``ax``.

    Parameters
    ----------
    end_causes
        Per plan (in plan order, the baseline first): ``{risk id: share, ..., "survived": share}``
        (``summary.json``'s ``end_causes``).
    risk_names
        Display name of each risk id.
    ax
        The box to draw in (hidden; the panels and the legend are laid out inside it); by default the body of a
        new, untitled slide. The title and subtitle are :func:`allysim.plotting.headlines.causes`.

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(13.33, 6))                                   # doctest: +SKIP
    >>> causes({"a": {"feud": 0.3, "survived": 0.7}}, ax=ax) is ax                    # doctest: +SKIP
    True
    """
    plans = list(end_causes)
    names = dict(risk_names or {})
    ax = ax if ax is not None else layout.body_axes()
    with theme.style():
        if len(plans) == 1:
            _cause_bars(ax, _cause_groups(end_causes, plans, names, MAX_NAMED_ROWS)[0])
        else:
            _cause_stacks(ax, plans, _cause_groups(end_causes, plans, names, MAX_NAMED_RISKS)[0])
    return ax


def _cause_bars(container: Axes, groups: list[_Cause]) -> None:
    """Draw one plan's outcomes as a sorted list of horizontal bars."""
    from matplotlib.ticker import PercentFormatter

    n = len(groups)
    size = theme.TICK_SIZE if n <= 9 else theme.TICK_SIZE - 1.5
    label_in = min(4.2, max(theme.text_width(g.label, size) for g in groups) + 0.35)
    left, bottom, right, top = layout.region(container, left_in=label_in, right_in=0.45, bottom_in=0.62)
    ax = container.figure.add_axes((left, bottom, right - left, top - bottom))
    # Survival on top, then risks from largest to smallest, the grouped rest last; a gap after survival.
    positions = [0.0] + [1.35 + k for k in range(n - 1)]
    for y, g in zip(positions, groups):
        color = g.color if g.label == "Survived" or g.color == OTHER_COLOR else RISK_COLORS[2]
        ax.barh(y, g.shares[0], height=0.68, color=color, linewidth=0)
        ax.text(g.shares[0], y, f"  {format_share(float(g.shares[0]))}", va="center", ha="left",
                size=size, weight="bold", color=theme.INK)
    ax.set_yticks(positions, [theme.wrap(g.label, label_in - 0.3, size, max_lines=1)[0] for g in groups], size=size)
    ax.set_ylim(positions[-1] + 0.7, -0.7)
    largest = max(float(g.shares[0]) for g in groups)
    ax.set_xlim(0, min(1.0, math.ceil(largest * 1.12 * 10) / 10) or 1.0)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel("Share of runs")


def _cause_stacks(container: Axes, plans: Sequence[str], groups: list[_Cause]) -> None:
    """Draw, per plan, the share surviving (left) and the dissolved share split by risk (right), on one scale."""
    from matplotlib.ticker import PercentFormatter

    fig = container.figure
    survived, risks = groups[0], groups[1:]
    n = len(plans)
    size = theme.TICK_SIZE if n <= 5 else theme.TICK_SIZE - 1
    row_pt = layout.inset(container, bottom_in=0.62, top_in=0.35)  # the rows' height decides the labels' lines
    row_pt = (row_pt[3] - row_pt[1]) * fig.get_size_inches()[1] * 72 / n
    lines = 2 if row_pt >= 2 * 1.25 * 10.5 else 1
    size = min(size, row_pt / (1.3 * lines))
    plan_labels = theme.distinct_labels([theme.plan_label(p) for p in plans], 2.1 if lines == 2 else 2.8, size,
                                        max_lines=lines)
    label_in = max(theme.text_width(line, size) for text in plan_labels for line in text.split("\n")) + 0.6
    legend_in = 3.2
    left, bottom, right, top = layout.region(container, left_in=label_in, right_in=legend_in + 0.3,
                                             bottom_in=0.62, top_in=0.35)
    # One scale for the row: each panel is as wide as the largest share it shows, so an inch is the same share
    # of runs on both sides and the survived bar compares with the dissolved bars beside it.
    dissolved = max(float(np.sum([g.shares for g in risks], axis=0).max()) if risks else 0.0, 1e-9)
    kept_max = _round_up(max(float(survived.shares.max()), 0.05))
    lost_max = _round_up(dissolved)
    width_in, _ = fig.get_size_inches()
    gap = 0.3 / width_in
    room_in = 0.6  # right of each panel's largest bar, for the share written beside a bar
    per_in = (kept_max + lost_max) / ((right - left - gap) * width_in - 2 * room_in)  # one scale, both panels
    split = left + (kept_max / per_in + room_in) / width_in
    kept = fig.add_axes((left, bottom, split - left, top - bottom))
    lost = fig.add_axes((split + gap, bottom, right - split - gap, top - bottom), sharey=kept)
    bar_height = 0.64
    label_size = theme.ANNOTATION_SIZE if n <= 5 else theme.ANNOTATION_SIZE - 1

    def segment(ax: Axes, row: int, start: float, width: float, color: str, size: float) -> bool:
        ax.barh(row, width, left=start, height=bar_height, color=color, linewidth=0.8, edgecolor="white")
        text = format_share(width)
        fits = width / per_in >= theme.text_width(text, size, "bold") + 0.06
        if fits:
            ax.text(start + width / 2, row, text, ha="center", va="center", size=size, weight="bold",
                    color=_ink_on(color))
        return fits

    for row in range(n):
        share = float(survived.shares[row])
        if not segment(kept, row, 0.0, share, survived.color, label_size):
            kept.text(share, row, f" {format_share(share)}", ha="left", va="center", size=label_size,
                      weight="bold", color=theme.INK)
        start = 0.0
        for g in risks:
            width = float(g.shares[row])
            if width > 0:  # the many segments take slightly smaller labels, so that more of them fit
                segment(lost, row, start, width, g.color, label_size - 1.5)
            start += width
        total = round(start, 9)  # a float sum of shares that make 100% must read 100%, not ">99%"
        if total > 0:
            lost.text(total, row, f" {format_share(total)}", ha="left", va="center", size=label_size - 1,
                      color=theme.TEXT)

    kept.set_yticks(range(n), plan_labels, size=size)
    for tick in kept.get_yticklabels():
        tick.set_color(theme.INK)
    for i in range(n):  # a plan keeps its colour on every chart: a swatch beside its name
        kept.plot([-0.16 / ((split - left) * width_in)], [i], marker="s", markersize=11, color=theme.plan_color(i),
                  clip_on=False, transform=kept.get_yaxis_transform(), linestyle="none")
    kept.tick_params(axis="y", pad=26)
    pad = max(3 - n, 0) / 2  # with two plans, bars as thick as with three, not fatter
    kept.set_ylim(n - 0.5 + pad, -0.5 - pad)
    lost.tick_params(axis="y", left=False, labelleft=False)
    panels = ((kept, kept_max, "Survived"), (lost, lost_max, "Dissolved, by the risk that ended it"))
    for ax, limit, heading in panels:
        inches = limit / per_in
        ax.set_xlim(0, limit + room_in * per_in)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ticks = [tick for tick in layout.share_locator(limit, max(1, int(inches / 0.7))).tick_values(0, limit)
                 if -1e-9 <= tick <= limit + 1e-9]
        widest = max(theme.text_width(format_share(t), theme.TICK_SIZE) for t in ticks)
        if len(ticks) > 1 and (ticks[1] - ticks[0]) / per_in < widest + 0.1:  # too narrow for two: the end alone
            ticks = ticks[-1:]
        ax.set_xticks(ticks)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.set_xlabel("Share of runs" if inches >= 1.4 else "Runs", loc="left")
        if theme.text_width(heading, theme.LABEL_SIZE, "bold") > inches + room_in:
            heading = heading.split(",")[0]  # "Dissolved, by the risk that ended it" -> "Dissolved"
        ax.set_title(heading, loc="left", size=theme.LABEL_SIZE, pad=10)

    if risks:
        _legend(fig, risks, right + 0.3 / width_in, top, container.get_position().y0, legend_in)


def _legend(fig: Figure, risks: Sequence[_Cause], x: float, top: float, floor: float, legend_in: float) -> None:
    """The causes' legend (risks and partners' exits), from ``top`` down to at most ``floor`` (figure fractions): long names take three lines,
    then two, then one (cut after a word with an ellipsis), and the type shrinks by up to two points, until it fits."""
    from matplotlib.patches import Patch

    renderer = fig.canvas.get_renderer()
    trials = [(lines, theme.ANNOTATION_SIZE - smaller, spacing) for smaller in (0, 1, 2) for lines in (3, 2, 1)
              for spacing in (0.7, 0.4)]
    for k, (lines, size, spacing) in enumerate(trials):
        handles = [Patch(color=g.color, label=_named_share(g.label, format_share(float(g.shares[0])),
                                                           legend_in - 0.55, size, lines)) for g in risks]
        legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, top), bbox_transform=fig.transFigure,
                            borderaxespad=0, handlelength=1.2, handleheight=1.2, labelspacing=spacing, fontsize=size,
                            title="Cause (share of baseline runs)", title_fontsize=size, alignment="left")
        if legend.get_window_extent(renderer).y0 >= floor * fig.bbox.height - 0.5 or k == len(trials) - 1:
            return
        legend.remove()


def _named_share(name: str, share: str, width_in: float, size: float, lines: int) -> str:
    """A risk's legend entry, ``name (share)`` on at most ``lines`` lines: a name too long loses its last words to
    an ellipsis, never the share."""
    words = name.split()
    for keep in range(len(words), 0, -1):
        text = " ".join(words[:keep]) + ("" if keep == len(words) else "\u2026") + f" ({share})"
        wrapped = theme.wrap(text, width_in, size, max_lines=lines)
        if "\n".join(wrapped).replace("\n", " ") == text:
            return "\n".join(wrapped)
    return "\n".join(theme.wrap(f"{name} ({share})", width_in, size, max_lines=lines))


def _round_up(share: float) -> float:
    """Round a share up to a tidy axis end: the next 5% up to 30%, the next 10% beyond, at most 100%."""
    step = 0.05 if share <= 0.3 else 0.1
    return min(1.0, math.ceil(share * 1.02 / step - 1e-9) * step)
