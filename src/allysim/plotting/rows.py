"""Rows of estimates with 95% intervals: what the compare, contingency value and risk drivers charts share.

One row per plan, contingency or risk; one panel per quantity (NPV, survival points), side by side and sharing
the rows; each bar with its whisker and end label; a one-line legend in plain words; row names that stay distinct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..findings import plan_phrase
from . import layout, theme
from .layout import Estimate, label_room
from .panels import Panels, row_names, short_names
from .theme import OTHER_COLOR, RISK_COLORS, SURVIVED_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["bars", "empty", "legend", "names_in", "panel_in", "row_axes", "PAYS_COLOR", "NOISE_COLOR",
           "SHORTFALL_COLOR", "DRIVER_COLOR", "HEADING_IN", "LEGEND_IN", "TITLE_NAME"]

PAYS_COLOR = SURVIVED_COLOR  # slate: clearly adds (pays for itself, adds survival)
NOISE_COLOR = OTHER_COLOR  # light grey: within the noise
SHORTFALL_COLOR = RISK_COLORS[1]  # red: clearly does not pay for itself
DRIVER_COLOR = RISK_COLORS[2]  # the risks' colour, as on the causes chart
TITLE_NAME = layout.TITLE_NAME_CHARS  # characters of a name quoted in a title (titles wrap to three lines)
HEADING_IN = 0.4  # room above a panel for its heading
LEGEND_IN = 0.45  # and for a legend above that


def row_geometry(n: int, height_in: float) -> tuple[float, int]:
    """The size and lines of the row names for ``n`` rows on panels ``height_in`` tall."""
    return layout.row_layout(n, height_in)


def names_in(names: Sequence[str], n: int, height_in: float, widest_in: float) -> float:
    """The width the row names take on panels ``height_in`` tall."""
    size, lines = row_geometry(n, height_in)
    wrapped = row_names(names, widest_in if lines > 1 else widest_in + 0.8, size, lines)
    return max(theme.text_width(line, size) for text in wrapped for line in text.split("\n"))


def panel_in(ax: Axes) -> tuple[float, float]:
    """The width and height of ``ax`` in inches."""
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    return box.width * width, box.height * height


def row_axes(axes: Panels, names: Sequence[str], widest_in: float, colors: Sequence[str] | None = None) -> None:
    """Name the rows on the first panel (top to bottom), share the rows' limits with the others."""
    n = len(names)
    size, lines = row_geometry(n, panel_in(axes[0])[1])
    labels = row_names(names, widest_in if lines > 1 else widest_in + 0.8, size, lines)
    pad = max(3 - n, 0) / 2  # one or two rows: bars as thick as with three, not fatter
    for k, ax in enumerate(axes):
        ax.set_ylim(n - 0.5 + pad, -0.5 - pad)
        ax.set_yticks(range(n), labels if k == 0 else [""] * n, size=size)
        ax.tick_params(axis="y", labelleft=k == 0)
    for tick in axes[0].get_yticklabels():
        tick.set_color(theme.INK)
    if colors:  # each row's swatch, as on the causes chart
        for i, color in enumerate(colors):
            axes[0].plot([-0.03], [i], marker="s", markersize=11, color=color, clip_on=False,
                         transform=axes[0].get_yaxis_transform(), linestyle="none")
        axes[0].tick_params(axis="y", pad=26)


def bars(ax: Axes, estimates: Sequence[Estimate], colors: Sequence[str], labels: Sequence[str] | None,
          heading: str, xlabel: str, formatter: Any, *, height: float, size: float,
          label_colors: Sequence[str] | None = None) -> None:
    """Draw one panel of rows: a bar per estimate with its 95% whisker and end label, a zero line, a heading."""
    ys = list(range(len(estimates)))
    room = label_room(labels, estimates, size) if labels else (0.1, 0.1)
    layout.ci_bars(ax, ys, estimates, colors, labels, height=height, size=size, label_colors=label_colors)
    layout.fit_limits(ax, estimates, panel_in(ax)[0], *room)
    layout.difference_axis(ax, xlabel, formatter)
    layout.headed(ax, heading)


def empty(estimates: Sequence[Estimate], tolerance: float = 0.0) -> bool:
    """Whether a panel of these estimates would show nothing: every one zero (within ``tolerance``), none clear."""
    return all(abs(e.mean) <= tolerance and not e.evidence().clear for e in estimates)


def label_size(n: int) -> float:
    return theme.ANNOTATION_SIZE if n <= 6 else theme.ANNOTATION_SIZE - 1 if n <= 10 else theme.ANNOTATION_SIZE - 2


def bar_height(n: int) -> float:
    return 0.56 if n > 1 else 0.5


def legend(ax: Axes, handles: Sequence[Any]) -> None:
    """A one-line legend in plain words above the first panel's heading."""
    width_in, height_in = panel_in(ax)
    box, (fig_in, _) = ax.get_position(), ax.figure.get_size_inches()
    x = min(0.0, (theme.MARGIN_LEFT / fig_in - box.x0) * fig_in / width_in)  # from the slide's left margin
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(x, 1.0 + HEADING_IN / height_in),
              ncols=len(handles), borderaxespad=0, handlelength=1.4, columnspacing=1.8, frameon=False,
              fontsize=theme.ANNOTATION_SIZE)


def patch(color: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(color=color, linewidth=0, label=label)


def whisker_key() -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=layout.WHISKER_COLOR, linewidth=1.4, label="95% interval")


def phrase(name: str, short: Mapping[str, str]) -> str:
    """How a title names a plan: ``Governance plan``."""
    return plan_phrase(name, label=short.get(name, theme.plan_label(name)), article=False)


def plan_names(names: Sequence[str]) -> dict[str, str]:
    """The plans' display names as titles quote them, distinct from each other."""
    labels = [theme.plan_label(n) for n in names]
    short = short_names(labels, TITLE_NAME)
    return {n: short[label] for n, label in zip(names, labels)}
