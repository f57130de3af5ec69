"""How a study chart's panels sit on a slide, and names that stay distinct when they must be shortened.

A study chart (compare, contingency value, risk drivers, sweep, frontier, sensitivity, switch) is a function that
draws precomputed data on a caller's axes, one per panel, and returns them. This module lays those axes out:

- :class:`Body` says how the panels share the plot area of a 16:9 slide (their relative widths, the room for row
  names on the left and a column of numbers on the right);
- :func:`slide` makes the figure :func:`allysim.plotting.render` saves: the frame (title, subtitle, footer; the
  title left out for a slide that states it) and the panels' axes under it;
- :func:`bare` makes a slide-sized figure with the panels alone, for a chart function called without axes.

Long names are shortened from the middle when cutting their end would make two of them read the same
("Governance and … phase one", "… phase two"): :func:`row_names` on the slide (as :func:`theme.distinct_labels`
does for the run charts), :func:`short_names` in titles, by characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..wording import Provenance
from . import theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Body", "Panels", "bare", "distinct", "panel_axes", "row_names", "short_names", "slide"]

ELLIPSIS = theme.ELLIPSIS

Panels = tuple["Axes", ...]


@dataclass(frozen=True)
class Body:
    """How a chart's panels share the plot area, in inches: side by side, with room around them."""

    widths: tuple[float, ...] = (1.0,)  # relative widths of the panels, left to right
    left_in: float = 1.25  # left of the first panel: row names, a y label
    right_in: float = 0.45  # right of the last: a column of numbers, end labels
    gap_in: float = 0.75  # between two panels
    top_in: float = 0.35  # above the panels: their headings, a legend
    rows: int = 1  # the panels fill this many rows, left to right then down; each row has its own heading room
    row_gap_in: float = 0.0  # between two rows, beyond the heading room (an x axis and its label)

    @property
    def count(self) -> int:
        """The number of panels."""
        return len(self.widths)


BodyFor = Callable[[float], Body]  # the body of a chart, given the height in inches left for it under the frame


def panel_axes(fig: Figure, body: Body, top: float, bottom_in: float = theme.PLOT_BOTTOM) -> Panels:
    """Add one axes per panel of ``body`` to ``fig``, under the figure fraction ``top``; return them."""
    width_in, height_in = fig.get_size_inches()
    left = body.left_in / width_in
    right = 1 - body.right_in / width_in
    gap = body.gap_in / width_in
    top -= body.top_in / height_in
    bottom = bottom_in / height_in
    per_row = -(-body.count // body.rows)
    heading = body.top_in / height_in
    row_h = (top - bottom - (body.rows - 1) * (heading + body.row_gap_in / height_in)) / body.rows
    axes = []
    for r in range(body.rows):
        shares = body.widths[r * per_row:(r + 1) * per_row]
        usable = right - left - gap * (per_row - 1)
        total = sum(body.widths[:per_row])  # every row's panels as wide as the first row's
        y = top - (r + 1) * row_h - r * (heading + body.row_gap_in / height_in)
        x = left
        for share in shares:
            width = usable * share / total
            axes.append(fig.add_axes((x, y, width, row_h)))
            x += width + gap
    return tuple(axes)


def slide(body_for: BodyFor, title: str, subtitle: str, provenance: Provenance | None, *,
          titled: bool = True, size: tuple[float, float] | None = None) -> tuple[Figure, Panels]:
    """Make a 16:9 slide figure with the frame (:func:`theme.frame`) and one empty axes per panel; return both.

    With ``titled=False`` the title is not drawn and takes no room (the slide loses the title's band, as
    :func:`theme.slide` does, and the panels keep their size): the deck's slide states the finding itself. The
    title is still recorded, invisibly, for :func:`theme.title_of`. ``size`` (inches) sets the figure's size
    instead, e.g. the picture area of a deck's slide; the panels fill it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = size or (theme.WIDTH_IN, theme.HEIGHT_IN if titled else
                             theme.HEIGHT_IN - theme.title_band(title) - theme.UNTITLED_TRIM)
    fig = Figure(figsize=(width, height))  # not pyplot's: nothing to close, nothing shown
    FigureCanvasAgg(fig)
    top = theme.frame(fig, title, subtitle, provenance, titled=titled)
    top_in = (1 - top) * height
    return fig, panel_axes(fig, _body(body_for, height - top_in), top)


def bare(body_for: BodyFor) -> Panels:
    """Make a slide-sized figure (with pyplot, so that a notebook shows it) holding the panels alone."""
    import matplotlib.pyplot as plt

    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
    top = 1 - theme.MARGIN_TOP / theme.HEIGHT_IN
    return panel_axes(fig, _body(body_for, theme.HEIGHT_IN * top), top)


def _body(body_for: BodyFor, height_in: float) -> Body:
    return body_for(height_in - theme.PLOT_BOTTOM)


def given(ax: Axes | Sequence[Axes] | None, body_for: BodyFor) -> tuple[Panels, bool]:
    """Return the axes to draw on (the caller's, or a bare figure's) and whether the caller gave one Axes."""
    from matplotlib.axes import Axes

    if ax is None:
        return bare(body_for), False
    if isinstance(ax, Axes):
        return (ax,), True
    return tuple(getattr(ax, "flat", ax)), False  # a sequence, or plt.subplots' array


def returned(axes: Panels, single: bool) -> Any:
    """Return the axes in the form the caller gave them: one Axes, or a tuple."""
    return axes[0] if single else axes


# --- names that stay distinct ----------------------------------------------------------------------------------


def distinct(names: Sequence[str], fits: Callable[[str], bool]) -> list[str]:
    """Shorten each name that does not fit, keeping the words that tell it apart from the others.

    A name that ``fits`` is kept. Another is cut at its end (``Dedicated alliance management…``) unless that would
    read like another name's cut: then it keeps its last distinguishing words after an ellipsis in the middle
    (``Governance and escalation … phase one``).
    """
    cut = {name: _cut(name, fits) for name in names}
    out = []
    for name in names:
        if fits(name):
            out.append(name)
            continue
        twins = [other for other in names if other != name and cut[other] == cut[name]]
        out.append(_middle(name, twins, fits) if twins else cut[name])
    return out


def _cut(name: str, fits: Callable[[str], bool]) -> str:
    """Return ``name`` cut after as many whole words as fit, with an ellipsis (or itself when it fits)."""
    return theme.cut_after_words(name, fits)


def _middle(name: str, twins: Sequence[str], fits: Callable[[str], bool]) -> str:
    """Return ``head … tail`` where the tail is the fewest last words of ``name`` no twin ends with."""
    words = name.split()
    need = len(words)
    for k in range(1, len(words) + 1):
        tail = words[-k:]
        if all(other.split()[-k:] != tail for other in twins):
            need = k
            break
    for k in (need + 1, need) if need < len(words) else (need,):  # one more word reads better ("phase one")
        tail = " ".join(words[-k:])
        for h in range(len(words) - k - 1, 0, -1):
            text = f"{' '.join(words[:h]).rstrip(' ,;:-')} {ELLIPSIS} {tail}"
            if fits(text):
                return text
        if fits(f"{ELLIPSIS} {tail}"):
            return f"{ELLIPSIS} {tail}"
    return _cut(f"{ELLIPSIS} {' '.join(words[-need:])}", fits)


def row_names(names: Sequence[str], width_in: float, size: float, lines: int) -> list[str]:
    """Return row labels: each name on at most ``lines`` lines of ``width_in`` inches, distinct from the others
    (:func:`theme.distinct_labels`, as on the run charts)."""
    return theme.distinct_labels(list(names), width_in, size, max_lines=lines)


def short_names(names: Sequence[str], limit: int = 40) -> dict[str, str]:
    """Return, per name, how a title quotes it: at most ``limit`` characters, distinct from the others; a long
    name loses a closing parenthesis first (``A member breaks ranks (sanctions waiver, ...)``)."""
    bare = [n[: n.index(" (")] if len(n) > limit and " (" in n and n.endswith(")") else n for n in names]
    if len(set(bare)) < len(bare):
        bare = list(names)
    return dict(zip(names, distinct(bare, lambda text: len(text) <= limit)))
