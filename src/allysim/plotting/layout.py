"""Layout helpers shared by the charts: ticks, label placement, names in titles, rows of estimates with intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import findings
from ..wording import Currency, Evidence, MoneyScale, Provenance, format_number, format_span
from . import theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["time_locator", "title_name", "plan_phrase", "plan_noun", "best", "label_line_ends", "spread", "share_locator",
           "Estimate", "display_name", "study_provenance", "horizon_words", "runs_words",
           "horizon_span", "fit_subtitle", "row_layout", "row_labels", "fit_limits", "ci_bars", "label_room",
           "difference_axis",
           "money_formatter", "points_formatter", "axis_unit", "headed", "whisker", "TITLE_NAME_CHARS",
           "LABEL_GAP", "WHISKER_COLOR", "inset", "fill", "region", "body_axes"]

WHISKER_COLOR = theme.INK
LABEL_GAP = 5.0  # points between a whisker's end and its label


_TICK_STEPS = {"year": (1, 2, 5, 10, 20, 50, 100), "quarter": (1, 2, 4, 8, 20, 40, 100),
               "month": (1, 2, 3, 6, 12, 24, 60, 120), "week": (1, 2, 4, 13, 26, 52, 104, 260),
               "day": (1, 7, 14, 30, 91, 365, 730, 1826)}


def time_locator(horizon: float, time_unit: str, max_ticks: int) -> Any:
    """Return a tick locator at steps natural for the time unit (months by 3, 6 or 12; weeks by 4 or 13)."""
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    for step in _TICK_STEPS.get(time_unit, ()):
        if horizon / step <= max_ticks:
            return MultipleLocator(step)
    return MaxNLocator(nbins=max_ticks)


TITLE_NAME_CHARS = 60  # longer plan or risk names are shortened in titles (which wrap to three lines)


def title_name(name: str, limit: int = TITLE_NAME_CHARS) -> str:
    """Shorten a long name for a title: drop a trailing parenthesis, then cut between words with an ellipsis,
    never right after a dangling ``with`` or ``and``."""
    if len(name) > limit and " (" in name:
        name = name[: name.index(" (")]
    if len(name) > limit:  # the ellipsis does not count against the limit
        name = theme.cut_after_words(name, lambda text: len(text.removesuffix(theme.ELLIPSIS)) <= limit)
    return name


def plan_phrase(name: str) -> str:
    """Return how a title names a plan: ``governance -> Governance plan``."""
    return findings.plan_phrase(name, label=title_name(theme.plan_label(name)), article=False)


def plan_noun(name: str) -> str:
    """Return how a title names a plan inside a sentence: ``the Governance plan``, ``plan 1``."""
    return findings.plan_phrase(name, label=title_name(theme.plan_label(name)))


def best(values: Mapping[str, float]) -> str:
    """Return the plan with the largest value (the earliest on ties)."""
    names = list(values)
    return names[int(np.argmax([values[n] for n in names]))]


def label_line_ends(ax: Axes, fig: Figure, plans: Sequence[str], ys: Mapping[str, float],
                     labels: Mapping[str, str], x: float) -> None:
    """Write each plan's label just right of its line's end, spread apart so that none overlap."""
    from matplotlib.transforms import offset_copy

    height_in = ax.get_position().height * fig.get_size_inches()[1]
    y0, y1 = ax.get_ylim()
    gap = (theme.ANNOTATION_SIZE + 0.5) * 1.35 / 72 / height_in * (y1 - y0)
    placed = spread([ys[p] for p in plans], gap, y0 + gap / 2, y1 - gap / 2)
    beside = offset_copy(ax.transData, fig=fig, x=14, y=0, units="points")  # clear of the end marker
    for i, (plan, y) in enumerate(zip(plans, placed)):
        ax.text(x, y, labels[plan], transform=beside, clip_on=False, ha="left", va="center",
                size=theme.ANNOTATION_SIZE + 0.5, weight="bold", color=theme.plan_text_color(i))


def spread(targets: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
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


def share_locator(limit: float, intervals: int) -> Any:
    """Return ticks for a share axis from 0 to ``limit`` at round percentages, at most ``intervals`` apart."""
    from matplotlib.ticker import MultipleLocator

    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5):
        if limit / step <= intervals + 1e-9:
            return MultipleLocator(step)
    return MultipleLocator(1.0)


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% interval (None when the study could not estimate one, e.g. from a single run)."""

    mean: float
    lo: float | None = None
    hi: float | None = None
    decided: str | None = None  # the verdict the study recorded beside the effect, if any

    @classmethod
    def of(cls, entry: Mapping[str, Any], factor: float = 1.0) -> Estimate:
        """Read ``{"mean": x, "ci95": [lo, hi], "verdict"}``, multiplied by ``factor``."""
        ci = entry.get("ci95") or (None, None)
        lo, hi = (None, None) if any(v is None for v in ci) else (float(ci[0]) * factor, float(ci[1]) * factor)
        return cls(float(entry["mean"]) * factor, lo, hi, entry.get("verdict"))

    def evidence(self, runs: Any = None) -> Evidence:
        """What a title may claim about this difference (see :class:`~allysim.wording.Evidence`): the study's
        verdict when it recorded one."""
        return Evidence(self.mean, self.lo, self.hi, int(runs) if isinstance(runs, (int, float)) and runs else None,
                        decided=self.decided)

    @property
    def low(self) -> float:
        """The lower end of the interval, or the mean without one."""
        return self.mean if self.lo is None else self.lo

    @property
    def high(self) -> float:
        """The upper end of the interval, or the mean without one."""
        return self.mean if self.hi is None else self.hi


def display_name(name: Any, key: str) -> str:
    """Return a risk's or contingency's display name: its ``name``, or its id made readable."""
    text = str(name or "").strip()
    return theme.plan_label(key) if not text or text == key else text


def study_provenance(data: Mapping[str, Any], provenance: Provenance | None) -> Provenance:
    """Return the footer: the one given, or the provenance head of the study's JSON."""
    return provenance if provenance is not None else Provenance.from_summary(data)


def horizon_words(data: Mapping[str, Any]) -> str:
    """Return the survival being compared: ``10-year survival``, or ``survival`` without a horizon."""
    horizon = data.get("horizon")
    if isinstance(horizon, (int, float)) and horizon > 0:
        return f"{format_span(float(horizon), str(data.get('time_unit') or 'year'))} survival"
    return "survival"


def horizon_span(data: Mapping[str, Any]) -> str:
    """The horizon for an axis label: ``10 years`` (``Survival to 10 years (%)``), or ``the horizon``."""
    words = horizon_words(data)
    if words == "survival":
        return "the horizon"
    span = words.removesuffix(" survival").replace("-", " ")
    return span if span.startswith("1 ") else span + "s"


def runs_words(data: Mapping[str, Any]) -> str:
    """Return ``400 paired runs`` (or ``paired runs`` when the count is unknown)."""
    runs = data.get("runs")
    return f"{int(runs):,} paired run{'' if int(runs) == 1 else 's'}" if isinstance(runs, int) else "paired runs"


def fit_subtitle(text: str, *extras: str) -> str:
    """Return ``text`` followed by as many of ``extras`` (in order) as fit the subtitle's two lines uncut."""
    width_in = theme.WIDTH_IN - theme.MARGIN_LEFT - theme.MARGIN_RIGHT
    for extra in extras:
        if len(theme.wrap(text + extra, width_in, theme.SUBTITLE_SIZE, max_lines=99)) <= 2:
            text += extra
    return text


def row_layout(n: int, height_in: float) -> tuple[float, int]:
    """Return the label size and the number of lines a row label may take, for ``n`` rows in ``height_in``."""
    row_pt = height_in * 72 / max(n, 1)
    size = theme.TICK_SIZE if n <= 8 else 12.0 if n <= 12 else 11.0 if n <= 16 else 10.5 if n <= 20 else 10.0
    size = min(size, row_pt / 1.3)
    lines = 2 if row_pt >= 2 * 1.2 * size + 6 else 1
    return size, lines


def row_labels(names: Sequence[str], size: float, lines: int, max_in: float) -> tuple[list[str], float]:
    """Wrap row names to at most ``lines`` lines of ``max_in`` inches; return them and the widest line."""
    wrapped = ["\n".join(theme.wrap(name, max_in, size, max_lines=lines)) for name in names]
    width = max((theme.text_width(line, size) for text in wrapped for line in text.split("\n")), default=0.0)
    return wrapped, width


def fit_limits(ax: Axes, estimates: Sequence[Estimate], width_in: float, right_in: float,
                left_in: float) -> None:
    """Set x limits holding every bar and interval, zero, and ``right_in``/``left_in`` inches for end labels."""
    lo = min([0.0, *(e.low for e in estimates)])
    hi = max([0.0, *(e.high for e in estimates)])
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        hi = lo + 1.0
    usable = max(width_in - right_in - left_in, 0.4 * width_in)
    per_in = (hi - lo) / usable
    ax.set_xlim(lo - left_in * per_in, hi + right_in * per_in)


def ci_bars(ax: Axes, ys: Sequence[float], estimates: Sequence[Estimate], colors: Sequence[str],
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
            whisker(ax, y, e, height)
        if labels:
            ink = label_colors[k] if label_colors else theme.INK
            if e.mean >= 0:
                ax.text(e.high, y, labels[k], transform=right, ha="left", va="center", size=size, weight=weight,
                        color=ink, zorder=5)
            else:
                ax.text(e.low, y, labels[k], transform=left, ha="right", va="center", size=size, weight=weight,
                        color=ink, zorder=5)


def label_room(labels: Sequence[str], estimates: Sequence[Estimate], size: float,
                gap: float = LABEL_GAP) -> tuple[float, float]:
    """Return the inches needed right and left of the data for end labels (positive and negative bars)."""
    width = {True: 0.0, False: 0.0}
    for label, e in zip(labels, estimates):
        side = e.mean >= 0
        width[side] = max(width[side], theme.text_width(label, size, "bold") + gap / 72 + 0.09)
    return max(width[True], 0.08), max(width[False], 0.08)


def difference_axis(ax: Axes, label: str, formatter: Any) -> None:
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


def money_formatter(scale: MoneyScale) -> Any:
    """Return a tick formatter for amounts in ``scale``'s unit (the unit is in the axis label)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_number(round(v / scale.factor, 9), 6, trim=True))


def points_formatter() -> Any:
    """Return a tick formatter for percentage points."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_number(round(v, 9), 6, trim=True))


def axis_unit(currency: Currency, scale: MoneyScale) -> str:
    """Return `` (USD M)`` for an axis label, or '' without a currency or unit."""
    unit = currency.axis(scale)
    return f" ({unit})" if unit else ""


def headed(ax: Axes, heading: str, size: float = theme.LABEL_SIZE) -> None:
    """Write a panel's bold heading at its top left."""
    ax.set_title(heading, loc="left", size=size, pad=10)


def whisker(ax: Axes, y: float, e: Estimate, height: float) -> None:
    """Draw an estimate's 95% interval as a capped line."""
    if e.lo is None or e.hi is None:
        return
    cap = height * 0.42
    ax.plot([e.lo, e.hi], [y, y], color=WHISKER_COLOR, linewidth=1.4, zorder=4, solid_capstyle="butt")
    for x in (e.lo, e.hi):
        ax.plot([x, x], [y - cap / 2, y + cap / 2], color=WHISKER_COLOR, linewidth=1.4, zorder=4)


def inset(ax: Axes, left_in: float = 0.0, right_in: float = 0.0, bottom_in: float = 0.0,
          top_in: float = 0.0) -> tuple[float, float, float, float]:
    """Return ``ax``'s box less margins in inches, as (left, bottom, right, top) figure fractions."""
    width_in, height_in = ax.figure.get_size_inches()
    box = ax.get_position()
    return (box.x0 + left_in / width_in, box.y0 + bottom_in / height_in, box.x1 - right_in / width_in,
            box.y1 - top_in / height_in)


def fill(ax: Axes, left_in: float = 0.0, right_in: float = 0.0, bottom_in: float = 0.0, top_in: float = 0.0) -> None:
    """Shrink ``ax`` inside its box by margins in inches, for the tick labels and labels drawn around it."""
    left, bottom, right, top = inset(ax, left_in, right_in, bottom_in, top_in)
    ax.set_position((left, bottom, right - left, top - bottom))


def region(ax: Axes, left_in: float = 0.0, right_in: float = 0.0, bottom_in: float = 0.0,
           top_in: float = 0.0) -> tuple[float, float, float, float]:
    """Hide ``ax`` and return its box less margins (left, bottom, right, top), for a chart of several panels."""
    ax.set_axis_off()
    return inset(ax, left_in, right_in, bottom_in, top_in)


def body_axes() -> Axes:
    """Return an axes spanning the body of a new, untitled 16:9 slide: where a chart drawn without ``ax`` goes."""
    with theme.style():
        _fig, body = theme.slide("", titled=False)
    return body
