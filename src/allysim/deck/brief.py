"""The one-page brief: ``summary.pdf``, an A4 landscape page for readers who will not open the deck.

From top to bottom: the scenario; three findings in words; the key numbers of every plan; the survival and NPV
charts, each under its finding; and the provenance. The numbers, findings and chart titles are the deck's
(:mod:`allysim.deck`), so the brief and the deck always agree.

The PDF carries no dates, so the same folder always gives the same bytes.

Examples
--------
>>> from allysim.deck import write_brief
>>> write_brief("reports/joint_venture")   # doctest: +SKIP
PosixPath('reports/joint_venture/summary.pdf')
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..outputs import atomic_file, make_folder
from ..plotting import theme
from .board import Board, findings, key_numbers, load_board
from .layout import cut_middle

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BRIEF_CHARTS", "draw_brief", "write_brief"]

PAGE_W, PAGE_H = 11.69, 8.27  # A4 landscape, inches
MARGIN = 0.5
GAP = 0.35  # between the two charts
BRIEF_CHARTS = ("survival", "npv")
CHART_ZOOM = 1.5  # the brief's charts are drawn this many times larger than shown: 10 pt text prints at 6.7 pt
MIN_CHART_HEIGHT = 3.6  # inches a chart is drawn at, at least (then shown smaller)
MIN_CHART_WIDTH = {"npv": 10.0}  # inches
SHORT_ROOM = 2.6  # inches of height under which the brief shows the survival chart alone, across the page
ACCENT = theme.PLAN_COLORS[1]
RULE = "#D0D0D0"


def write_brief(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write the one-page brief of an output folder as ``summary.pdf`` (or ``out``); return its path.

    The survival and NPV charts come from the folder's PNGs, or are drawn from its data when the folder has
    none. The file is written atomically and carries no timestamps: rerunning gives identical bytes.

    Raises
    ------
    OutputError
        The folder is not an output folder of ``allysim run``, or the file cannot be written.

    Examples
    --------
    >>> write_brief("reports/joint_venture")   # doctest: +SKIP
    PosixPath('reports/joint_venture/summary.pdf')
    """
    import matplotlib.pyplot as plt

    board = load_board(folder)
    target = Path(out) if out is not None else board.folder / "summary.pdf"
    make_folder(target.parent, "brief")
    fig = draw_brief(board)
    metadata = {"Title": f"{board.summary.get('scenario', '')}: brief", "Creator": "allysim (matplotlib)",
                "Subject": "Alliance risk and contingency brief", "Producer": "allysim", "CreationDate": None,
                "ModDate": None}
    try:
        with theme.style(), atomic_file(target, what="brief") as handle:
            fig.savefig(handle, format="pdf", metadata=metadata)
    finally:
        plt.close(fig)
    return target


def draw_brief(board: Board) -> Figure:
    """Draw the brief of ``board`` (from :func:`allysim.deck.load_board`) on one A4 landscape figure."""
    import matplotlib.pyplot as plt

    with theme.style():
        fig = plt.figure(figsize=(PAGE_W, PAGE_H))
        page = _Page(fig)
        page.heading(board)
        page.findings(findings(board))
        page.numbers(board)
        page.charts(board)
        page.footer(board)
    return fig


class _Page:
    """A cursor down the page: each block draws itself at ``y`` (inches from the top) and moves it down."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.y = MARGIN - 0.05
        self.width = PAGE_W - 2 * MARGIN

    def text(self, x_in: float, y_in: float, text: str, size: float, **kw: object) -> None:
        """Write ``text`` with its top at ``y_in`` inches from the top of the page."""
        self.fig.text(x_in / PAGE_W, 1 - y_in / PAGE_H, text, size=size, va=kw.pop("va", "top"), **kw)

    def rule(self, y_in: float, color: str = RULE, width: float = 0.6) -> None:
        from matplotlib.lines import Line2D

        y = 1 - y_in / PAGE_H
        self.fig.add_artist(Line2D([MARGIN / PAGE_W, 1 - MARGIN / PAGE_W], [y, y], color=color, linewidth=width))

    def heading(self, board: Board) -> None:
        name = str(board.summary.get("scenario", ""))
        size = 20.0
        while size > 15 and theme.text_width(name, size, "bold") > self.width:
            size -= 0.5
        lines = theme.wrap(name, self.width, size, "bold", max_lines=2)
        self.text(MARGIN, self.y, "\n".join(lines), size, weight="bold", color=theme.INK, linespacing=1.1)
        self.y += len(lines) * size * 1.1 / 72 + 0.1
        runs = board.summary.get("runs")
        plans = len(board.plans)
        parts = ["Alliance risk and contingency brief", f"{plans} plan{'s' if plans != 1 else ''}",
                 f"{int(runs):,} simulated lifetimes per plan" if runs else "", f"{board.life} planned life"]
        line = theme.wrap("  \u00b7  ".join(p for p in parts if p), self.width, 10.5, max_lines=1)[0]
        self.text(MARGIN, self.y, line, 10.5, color=theme.MUTED)
        self.y += 10.5 * 1.2 / 72 + 0.12
        self.rule(self.y)
        self.y += 0.16

    def findings(self, items: list[str]) -> None:
        self.text(MARGIN, self.y, "What the simulation finds", 11, weight="bold", color=ACCENT)
        self.y += 11 * 1.25 / 72 + 0.06
        indent = 0.2
        size = 10.0
        while size > 8.5 and sum(len(theme.wrap(t, self.width - indent, size, max_lines=9)) for t in items) > 6:
            size -= 0.5
        for text in items:
            lines = theme.wrap(text, self.width - indent, size, max_lines=3)
            self.text(MARGIN, self.y, "\u2022", size, color=ACCENT, weight="bold")
            self.text(MARGIN + indent, self.y, "\n".join(lines), size, color=theme.INK, linespacing=1.25)
            self.y += len(lines) * size * 1.25 / 72 + 0.07
        self.y += 0.1

    def numbers(self, board: Board) -> None:
        table = key_numbers(board)
        n = len(table.rows)
        size = 9.0 if n <= 5 else 8.5
        gap = theme.text_width(" ", size)  # "46% (42–49%)": the interval a space after its estimate
        left = MARGIN + 0.22  # room for the plan's colour swatch
        widths = _column_widths(table, self.width - 0.22, size, gap)
        edges = np.concatenate([[left], left + np.cumsum(widths)])
        line_h = size * 1.2 / 72
        # a no-break space ("USD M", "95% CI") must not break: wrap with it as "_", then show it as a space
        head_lines = [[line.replace("_", " ") for line in theme.wrap(h.replace("\u00a0", "_"), w - 0.1, size, "bold",
                                                                     max_lines=3)]
                      for h, w in zip(table.headings, widths)]
        head_h = max(len(lines) for lines in head_lines) * line_h
        for j, lines in enumerate(head_lines):
            right = j > 0
            x = edges[j + 1] - 0.05 if right else edges[j] + 0.03
            y = self.y + head_h - len(lines) * line_h
            self.text(x, y, "\n".join(lines), size, weight="bold", color=theme.MUTED,
                      ha="right" if right else "left", linespacing=1.2)
        self.y += head_h + 0.06
        self.rule(self.y, theme.FAINT, 0.8)
        for i, (plan, cells) in enumerate(table.rows.items()):
            top = self.y + 0.05
            swatch = self.fig.add_axes(((MARGIN + 0.02) / PAGE_W, 1 - (top + size * 0.95 / 72) / PAGE_H,
                                        0.1 / PAGE_W, (size * 0.85 / 72) / PAGE_H))
            swatch.set_facecolor(theme.plan_color(i))
            swatch.set_xticks([])
            swatch.set_yticks([])
            for spine in swatch.spines.values():
                spine.set_visible(False)
            # a long name takes two lines, cut in its middle if need be: its last words tell plans apart
            name = cut_middle(cells[0][0], widths[0] - 0.1, size, True, max_lines=2, wrap=_theme_wrap)
            name_lines = _theme_wrap(name, widths[0] - 0.1, size, True)
            self.text(edges[0] + 0.03, top, "\n".join(name_lines), size, weight="bold", color=theme.INK,
                      linespacing=1.2)
            for j, (main, detail) in enumerate(cells[1:], start=1):
                bold = table.best.get(j) == plan
                right = edges[j + 1] - 0.05
                if detail:
                    self.text(right, top + 0.01, detail, size - 1.5, color=theme.MUTED, ha="right")
                    right -= theme.text_width(detail, size - 1.5) + gap
                self.text(right, top, main, size, weight="bold" if bold else "normal", color=theme.INK, ha="right")
            self.y += len(name_lines) * line_h + size * 0.55 / 72
            self.rule(self.y, RULE, 0.5)
        self.y += 0.16

    def charts(self, board: Board) -> None:
        """The survival and NPV charts side by side, each under its finding, drawn for the room left (at
        ``CHART_ZOOM`` times its size, then shown at it: print-sized text, nothing cropped)."""
        footer_top = PAGE_H - MARGIN + 0.05
        names = [n for n in BRIEF_CHARTS if board.chart(n, draw_missing=True) is not None]
        if not names:
            return
        size = 10.0

        def layout(names: list[str]) -> tuple[float, list[list[str]], float, float]:
            width = (self.width - GAP * (len(names) - 1)) / len(names)
            titles = [theme.wrap(board.chart(n, draw_missing=True).title or n, width, size, "bold", max_lines=2)
                      for n in names]
            title_h = max(len(t) for t in titles) * size * 1.2 / 72 + 0.08
            return width, titles, title_h, footer_top - 0.15 - (self.y + title_h)

        width, titles, title_h, room = layout(names)
        if room < SHORT_ROOM and len(names) > 1:  # many plans leave little height: one chart, the whole width
            names = names[:1]
            width, titles, title_h, room = layout(names)
        if room < 1.0:
            return
        for k, (name, lines) in enumerate(zip(names, titles)):
            # a chart needs some height for its axes and labels, and the NPV chart's two panels some width
            zoom = max(CHART_ZOOM, MIN_CHART_HEIGHT / room, MIN_CHART_WIDTH.get(name, 0.0) / width)
            image = board.chart(name, draw_missing=True, size=(round(width * zoom, 2), round(room * zoom, 2)))
            x = MARGIN + k * (width + GAP)
            self.text(x, self.y, "\n".join(lines), size, weight="bold", color=theme.INK, linespacing=1.2)
            ax = self.fig.add_axes((x / PAGE_W, 1 - (self.y + title_h + room) / PAGE_H, width / PAGE_W,
                                    room / PAGE_H))
            ax.imshow(np.asarray(_rgb(image.png)), interpolation="antialiased", aspect="auto")
            ax.set_axis_off()
        self.y = footer_top

    def footer(self, board: Board) -> None:
        mark = "allysim deck \u00b7 one-page brief"
        line, size = theme.footer_line(board.data.provenance, self.width - theme.text_width(mark, 8) - 0.3, 8)
        self.rule(PAGE_H - MARGIN - 0.05)
        self.text(MARGIN, PAGE_H - MARGIN + 0.02, line, size, color=theme.FAINT)
        self.text(PAGE_W - MARGIN, PAGE_H - MARGIN + 0.02, mark, 8, color=theme.FAINT, ha="right")


def _column_widths(table: Any, width: float, size: float, gap: float) -> list[float]:
    """Widths of the key-numbers columns: each number column as wide as its widest cell (or its heading's longest
    word), at least 0.75 in; the plan names take the rest, up to what the longest needs on one line."""
    pad = 0.15
    numbers = []
    for j in range(1, len(table.headings)):
        cells = [row[j] for row in table.rows.values()]
        need = max(theme.text_width(main, size, "bold") + (gap + theme.text_width(detail, size - 1.5) if detail else 0)
                   for main, detail in cells)
        word = max(theme.text_width(w, size, "bold") for w in table.headings[j].replace("\u00a0", "_").split())
        numbers.append(max(need, word, 0.75) + pad)
    names = max(theme.text_width(row[0][0], size, "bold") for row in table.rows.values()) + pad
    spare = width - sum(numbers)
    name_w = min(names, spare) if spare > 1.5 else spare
    extra = (width - name_w - sum(numbers)) / len(numbers)  # what the names do not need, shared evenly
    return [name_w] + [w + extra for w in numbers]


def _rgb(png: bytes) -> Any:
    """A PNG as an RGB image (no alpha: smaller in the PDF)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB")


def _theme_wrap(text: str, width_in: float, size: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` in the charts' font (what the brief draws with), none cut."""
    return theme.wrap(text, width_in, size, "bold" if bold else "normal", max_lines=99)
