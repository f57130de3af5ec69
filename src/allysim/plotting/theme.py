"""The allysim look: one place for sizes, colours, fonts, the frame of a chart and how it is saved.

Every chart is a 16:9 slide (13.33 x 7.5 in, 2000 x 1125 px as PNG) with, from top to bottom, a title that
states the finding, a grey subtitle that says what is drawn, the plot, and a small provenance footer. A plan
keeps one colour everywhere: the colour of its position in the output's plan order (the baseline first).

Rendering is deterministic: the same figure saves to byte-identical SVG and PDF files and pixel-identical PNGs,
so ``allysim report`` reproduces ``allysim run``'s pictures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..outputs import atomic_file
from ..wording import Provenance, plan_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "FORMATS",
    "HEIGHT_IN",
    "PLAN_COLORS",
    "SURVIVED_COLOR",
    "OTHER_COLOR",
    "RISK_COLORS",
    "Provenance",
    "WIDTH_IN",
    "frame",
    "plan_color",
    "plan_label",
    "plan_text_color",
    "plot_box",
    "save_figure",
    "slide",
    "title_band",
    "distinct_labels",
    "DANGLING_WORDS",
    "ELLIPSIS",
    "cut_after_words",
    "title_of",
    "untitled_png",
    "drawn_at",
    "style",
    "text_width",
    "wrap",
]

WIDTH_IN = 40 / 3  # a 16:9 PowerPoint slide: 13.33 x 7.5 in
HEIGHT_IN = 7.5
DPI = 150  # 2000 x 1125 px
FORMATS = ("png", "svg", "pdf")

# Okabe & Ito (2008), the colour-blind-safe palette, ordered so the first plans get the strongest contrasts (the
# baseline black, then blue, vermillion, bluish green, ...), with each hue's lightness (CIELAB L*) moved so that
# all eight stand out on white (contrast at least 2.5:1, so no pale yellow) and differ by at least 4.5 L* from one
# another: told apart in grey print too. The 7th and 8th hues, too light in the original, become brown and olive.
PLAN_COLORS = (
    "#000000",  # black, L* 0
    "#006CAB",  # blue, L* 43
    "#D45E00",  # vermillion, L* 54
    "#14A479",  # bluish green, L* 60
    "#D89300",  # orange, L* 66
    "#933470",  # reddish purple, L* 37
    "#722900",  # brown, L* 27
    "#7B7800",  # olive, L* 49
)
SURVIVED_COLOR = "#3B4B59"  # slate: reads as the neutral 'no event' outcome beside the warm risk colours
OTHER_COLOR = "#C9C9C9"
RISK_COLORS = ("#7F1D12", "#A8321E", "#C8502E", "#DE7446", "#EC9A66", "#F5BE8F", "#FADDBF")  # dark to light

INK = "#1A1A1A"  # titles
TEXT = "#3A3A3A"  # labels and annotations
MUTED = "#6E6E6E"  # subtitles, secondary text
FAINT = "#9A9A9A"  # footer
GRID = "#E4E4E4"
SPINE = "#9A9A9A"

TITLE_SIZE = 22.0
TITLE_MIN_SIZE = 18.0
SUBTITLE_SIZE = 14.0
LABEL_SIZE = 14.0
TICK_SIZE = 13.0
ANNOTATION_SIZE = 12.5
FOOTER_SIZE = 10.0
FONT = "DejaVu Sans"  # ships with matplotlib, so charts look the same on every machine

# Frame margins, in inches from the figure's edges.
MARGIN_LEFT = 0.55
MARGIN_RIGHT = 0.45
MARGIN_TOP = 0.38
FOOTER_Y = 0.16
PLOT_BOTTOM = 1.05  # room under the plot for tick labels, the axis label and the footer

RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": TICK_SIZE,
    "text.color": TEXT,
    "axes.edgecolor": SPINE,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.labelsize": LABEL_SIZE,
    "axes.labelcolor": TEXT,
    "axes.labelpad": 8.0,
    "axes.titlesize": LABEL_SIZE,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlecolor": INK,
    "axes.facecolor": "white",
    "axes.prop_cycle": None,  # filled in by style(): matplotlib's cycler needs an import
    "grid.color": GRID,
    "grid.linewidth": 0.7,
    "xtick.labelsize": TICK_SIZE,
    "ytick.labelsize": TICK_SIZE,
    "xtick.color": SPINE,
    "ytick.color": SPINE,
    "xtick.labelcolor": TEXT,
    "ytick.labelcolor": TEXT,
    "xtick.major.size": 4.0,
    "xtick.major.width": 0.8,
    "ytick.major.size": 0.0,
    "ytick.major.pad": 6.0,
    "legend.frameon": False,
    "legend.fontsize": ANNOTATION_SIZE,
    "legend.handlelength": 1.6,
    "lines.solid_capstyle": "butt",
    "figure.facecolor": "white",
    "figure.figsize": (WIDTH_IN, HEIGHT_IN),
    "savefig.facecolor": "white",
    "savefig.dpi": DPI,
    "savefig.bbox": None,  # never 'tight': it would change the 16:9 size
    # Determinism: fixed ids in SVG, no dates in SVG/PDF (see _METADATA), fonts embedded the same way every time.
    "svg.hashsalt": "allysim",
    # Names are free text: "$5 and $10" or "$x^2$" must print as written, never as TeX mathematics
    "text.parse_math": False,
    "svg.fonttype": "path",
    "pdf.fonttype": 3,
    "pdf.compression": 6,
}

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": "allysim (matplotlib)"},
    "svg": {"Date": None, "Creator": "allysim (matplotlib)"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "allysim (matplotlib)", "Producer": "allysim"},
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the allysim look to the figures created (and saved) inside the block.

    Examples
    --------
    >>> with style():
    ...     fig = matplotlib.pyplot.figure()
    """
    import matplotlib
    from cycler import cycler

    rc = dict(RC, **{"axes.prop_cycle": cycler(color=PLAN_COLORS)})
    with matplotlib.rc_context(rc):
        yield


def plan_color(index: int) -> str:
    """Return the colour of the plan at ``index`` in the output's plan order (it wraps after eight plans)."""
    return PLAN_COLORS[index % len(PLAN_COLORS)]


def plan_text_color(index: int) -> str:
    """Return a plan's colour darkened enough to read as text on white (yellow and sky blue are too light)."""
    import matplotlib.colors as mcolors

    rgb = mcolors.to_rgb(plan_color(index))
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    if luminance <= 0.45:
        return mcolors.to_hex(rgb)
    keep = 0.45 / luminance
    return mcolors.to_hex(tuple(c * keep for c in rgb))


# --- text measurement ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Return the width in inches of one line of ``text`` at ``size`` points in the theme's font."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=[FONT], size=size, weight=weight)
    width, _, _ = _measuring_renderer().get_text_width_height_descent(text, prop, ismath=False)
    return float(width) / 72.0


@lru_cache(maxsize=1)
def _measuring_renderer() -> Any:
    """Return an off-screen Agg renderer at 72 dpi, so that text widths come out in points."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)


def wrap(text: str, width_in: float, size: float, weight: str = "normal", max_lines: int = 3) -> list[str]:
    """Break ``text`` into lines no wider than ``width_in`` inches; shorten the last line with an ellipsis."""
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size, weight) > width_in:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    lines = [_shorten(line, width_in, size, weight) for line in lines]
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [_shorten(" ".join(lines[max_lines - 1 :]), width_in, size, weight)]
    return lines


ELLIPSIS = "\u2026"
# words a shortened name should not end on before its ellipsis ("... workshop with a…")
DANGLING_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "&", "-",
                  "–"}


def cut_after_words(text: str, fits: Callable[[str], bool]) -> str:
    """Return ``text`` if it ``fits``, else as many of its first words as fit followed by an ellipsis: never cut
    inside a word nor right after a dangling ``with`` or ``a``; only a first word too long on its own is cut inside.
    Every shortened name on a chart, a title or a slide goes through here."""
    if fits(text):
        return text
    words = text.split()
    for k in range(len(words) - 1, 0, -1):
        kept = words[:k]
        while len(kept) > 1 and kept[-1].lower() in DANGLING_WORDS:
            kept = kept[:-1]
        cut = " ".join(kept).rstrip(" ,;:-" + ELLIPSIS) + ELLIPSIS  # one ellipsis, never "……"
        if fits(cut):
            return cut
    while len(text) > 1 and not fits(text + ELLIPSIS):
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _shorten(line: str, width_in: float, size: float, weight: str) -> str:
    """Cut ``line`` between words, with an ellipsis, until it fits ``width_in`` inches."""
    return cut_after_words(line, lambda text: text_width(text, size, weight) <= width_in)


def distinct_labels(names: Sequence[str], width_in: float, size: float, weight: str = "normal",
                    max_lines: int = 1) -> list[str]:
    """Fit each name in ``max_lines`` lines of ``width_in`` inches, keeping the words that tell names apart.

    A name that fits is kept whole. One that does not is cut at its end, unless that would leave it looking like
    another cut name ("Governance and escalation…" twice): then the words it shares with the other names give way
    to an ellipsis and its distinguishing words are kept (``Governance … phase two``).

    Examples
    --------
    >>> distinct_labels(["Governance with legal safeguards phase one", "Governance with legal safeguards phase two"],
    ...                 2.0, 12)   # doctest: +SKIP
    ['Governance … phase one', 'Governance … phase two']
    """
    plain = ["\n".join(wrap(name, width_in, size, weight, max_lines)) for name in names]
    labels = list(plain)
    for i, name in enumerate(names):
        if "…" not in plain[i]:
            continue
        words = name.split()
        twins = [j for j, other in enumerate(plain) if j != i and other == plain[i]]
        shared = max((_common_words(words, names[j].split()) for j in range(len(names)) if j != i), default=0)
        if not twins or shared == 0 or shared >= len(words):
            continue
        lines: list[str] = []
        for head, start in ((1, shared - 1), (1, shared), (0, shared - 1), (0, shared)):
            text = " ".join([*words[: min(head, max(start, 0))], "…", *words[max(start, 1):]])
            lines = wrap(text, width_in, size, weight, max_lines)
            if " ".join(" ".join(lines).split()) == text:  # fits without a second cut
                break
        labels[i] = "\n".join(lines)
    return labels


def _common_words(a: Sequence[str], b: Sequence[str]) -> int:
    """Return how many leading words ``a`` and ``b`` share."""
    n = 0
    while n < min(len(a), len(b)) and a[n].lower() == b[n].lower():
        n += 1
    return n


# --- the frame: title, subtitle, footer ------------------------------------------------------------------------


def _title_lines(title: str, width_in: float) -> tuple[float, list[str]]:
    """Return the title's size (22 pt, shrinking to 18 pt before it wraps) and its lines on a slide this wide."""
    text_in = width_in - MARGIN_LEFT - MARGIN_RIGHT
    size = TITLE_SIZE
    while size > TITLE_MIN_SIZE and text_width(title, size, "bold") > text_in:
        size -= 0.5
    return size, wrap(title, text_in, size, "bold", max_lines=3)  # a third line rather than a cut finding


def title_band(title: str, width_in: float = WIDTH_IN) -> float:
    """Return the height in inches the title takes on a slide ``width_in`` wide, the gap below it included."""
    size, lines = _title_lines(title, width_in)
    return len(lines) * size * 1.15 / 72 + 0.08


def frame(fig: Figure, title: str, subtitle: str = "", provenance: Provenance | None = None, *,
          titled: bool = True) -> float:
    """Draw the title, subtitle and footer on ``fig``; return the figure fraction where the plot area may start.

    The title is left-aligned, shrinks from 22 to 18 pt and then wraps to fit the slide (charts keep the names
    they quote short enough for two lines); the subtitle wraps too. With ``titled=False`` the title is kept (for
    :func:`title_of`) but neither drawn nor given room: the chart starts with its subtitle, for a slide that states
    the finding itself.
    """
    width_in, height_in = fig.get_size_inches()
    x = MARGIN_LEFT / width_in
    size, lines = _title_lines(title, width_in)
    y_in = MARGIN_TOP
    fig.text(x, 1 - y_in / height_in, "\n".join(lines), size=size, weight="bold", color=INK,
             ha="left", va="top", linespacing=1.15, gid="title", visible=titled)
    if titled:
        y_in += title_band(title, width_in)
    else:  # no band for the title: the chart fills the figure from the subtitle down
        y_in -= UNTITLED_TRIM
        fig.allysim_body_top_in = 0.0

    if subtitle:
        sub_lines = wrap(subtitle, width_in - MARGIN_LEFT - MARGIN_RIGHT, SUBTITLE_SIZE, max_lines=2)
        fig.text(x, 1 - y_in / height_in, "\n".join(sub_lines), size=SUBTITLE_SIZE, color=MUTED,
                 ha="left", va="top", linespacing=1.2, gid="subtitle")
        y_in += len(sub_lines) * SUBTITLE_SIZE * 1.2 / 72

    if provenance is not None:
        line, size = footer_line(provenance, width_in - MARGIN_LEFT - MARGIN_RIGHT)
        fig.text(x, FOOTER_Y / height_in, line, size=size, color=FAINT, ha="left", va="bottom", gid="provenance")
    return 1 - (y_in + 0.45) / height_in


FOOTER_MIN_SIZE = 8.0


def footer_line(provenance: Provenance, width_in: float, size: float = FOOTER_SIZE) -> tuple[str, float]:
    """The provenance footer fitted to ``width_in`` inches, and its size: from ``size`` down to 8 pt, then the
    scenario's name shortened, the hash, seed, runs and version kept whole; cut at the end only when even they do
    not fit."""
    text = provenance.text()
    while size > FOOTER_MIN_SIZE and text_width(text, size) > width_in:
        size -= 0.5
    if text_width(text, size) <= width_in or not provenance.scenario:
        return _shorten(text, width_in, size, "normal"), size
    rest = dataclasses.replace(provenance, scenario="").text()
    room = width_in - text_width(f" \u00b7 {rest}", size)
    name = cut_after_words(provenance.scenario, lambda t: text_width(t, size) <= room) if room > 0.6 else ""
    return _shorten(f"{name} \u00b7 {rest}" if name else rest, width_in, size, "normal"), size


UNTITLED_TRIM = MARGIN_TOP - 0.12  # an untitled chart starts with its subtitle 0.12 in from the top
BODY_BOTTOM = 0.42  # the body of a slide ends just above the footer; charts keep their tick labels inside it


def slide(title: str, subtitle: str = "", provenance: Provenance | None = None, *, titled: bool = True,
          size: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """Return a slide (title, subtitle, footer: :func:`frame`) and an empty axes spanning its body, for a chart
    to draw into; call inside :func:`style`. Untitled and without ``size``, the figure is the 16:9 slide less
    the title's band, so that the chart is laid out as on the titled slide.

    Examples
    --------
    >>> with style():
    ...     fig, body = slide("Plan B lifts survival", "Share of runs")
    ...     run_charts.survival(curves, horizon=10, ax=body)   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    if size is None:  # untitled, the slide loses the title's band and keeps the body of the titled chart
        size = (WIDTH_IN, HEIGHT_IN - (0.0 if titled or not title else title_band(title) + UNTITLED_TRIM))
    fig = plt.figure(figsize=size)
    top = frame(fig, title, subtitle, provenance, titled=titled)
    left, bottom, right, top = plot_box(fig, top + 0.3 / fig.get_size_inches()[1], left_in=MARGIN_LEFT,
                                        right_in=MARGIN_RIGHT, bottom_in=BODY_BOTTOM)
    body = fig.add_axes((left, bottom, right - left, top - bottom))
    return fig, body


def plot_box(fig: Figure, top: float, left_in: float = 1.25, right_in: float = 0.45,
             bottom_in: float = PLOT_BOTTOM) -> tuple[float, float, float, float]:
    """Return (left, bottom, right, top) figure fractions of the plot area, given margins in inches."""
    width_in, height_in = fig.get_size_inches()
    return left_in / width_in, bottom_in / height_in, 1 - right_in / width_in, top


# --- saving ----------------------------------------------------------------------------------------------------


def title_of(fig: Figure) -> str:
    """Return the finding drawn as ``fig``'s title by :func:`frame`, on one line ('' if it has none)."""
    return next((t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "title"), "")


def _metadata(fig: Figure, fmt: str) -> dict[str, Any]:
    """Return the file metadata: fixed fields, no dates, and the chart's title (alt text for decks)."""
    title = title_of(fig)
    return dict(_METADATA[fmt], **({"Title": title} if title else {}))


def untitled_png(fig: Figure) -> bytes:
    """Render a chart drawn with ``titled=False`` as PNG bytes (it has no title band: nothing is cropped)."""
    import io

    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format="png", dpi=DPI, metadata=_METADATA["png"])
    return buffer.getvalue()


@contextlib.contextmanager
def drawn_at(width_in: float, height_in: float) -> Iterator[None]:
    """Draw the charts made inside this block at ``width_in`` x ``height_in`` inches rather than a full slide (a
    deck's picture area, a brief's column): every chart lays itself out in inches from its figure's size, so it
    fills the new size with its text at the usual size. Not thread-safe: for one drawing thread."""
    global WIDTH_IN, HEIGHT_IN
    saved = WIDTH_IN, HEIGHT_IN
    WIDTH_IN, HEIGHT_IN = float(width_in), float(height_in)
    try:
        yield
    finally:
        WIDTH_IN, HEIGHT_IN = saved


def save_figure(fig: Figure, folder: str | os.PathLike[str], stem: str,
                formats: Sequence[str] = ("png",)) -> list[Path]:
    """Save ``fig`` as ``folder/stem.<format>`` for each format, atomically; return the paths written.

    Each file is first written to a hidden temporary file in the same folder and then renamed over the target,
    so an interrupted save never leaves a truncated chart behind.

    Examples
    --------
    >>> save_figure(fig, "reports/jv", "survival", ("png", "svg"))   # doctest: +SKIP
    [PosixPath('reports/jv/survival.png'), PosixPath('reports/jv/survival.svg')]
    """
    folder = Path(folder)
    written: list[Path] = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}")
        target = folder / f"{stem}.{fmt}"
        with style(), atomic_file(target) as handle:
            fig.savefig(handle, format=fmt, dpi=DPI, metadata=_metadata(fig, fmt))
        written.append(target)
    return written
