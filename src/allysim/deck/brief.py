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

from ..errors import OutputError
from ..outputs import atomic_file
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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot create the folder for the brief ({exc.strerror or exc})",
                          exit_code=1) from None
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
        shares = [0.25, 0.17, 0.11, 0.17, 0.17, 0.13] if len(table.headings) == 6 else \
            [0.22, 0.15, 0.1, 0.155, 0.15, 0.105, 0.12]
        left = MARGIN + 0.22  # room for the plan's colour swatch
        widths = [s * (self.width - 0.22) for s in shares]
        edges = np.concatenate([[left], left + np.cumsum(widths)])
        # a no-break space ("USD M", "95% CI") must not break: wrap with it as "_", then show it as a space
        head_lines = [[line.replace("_", " ") for line in theme.wrap(h.replace("\u00a0", "_"), w - 0.1, size, "bold",
                                                                     max_lines=2)]
                      for h, w in zip(table.headings, widths)]
        head_h = max(len(lines) for lines in head_lines) * size * 1.2 / 72
        for j, lines in enumerate(head_lines):
            right = j > 0
            x = edges[j + 1] - 0.05 if right else edges[j] + 0.03
            y = self.y + head_h - len(lines) * size * 1.2 / 72
            self.text(x, y, "\n".join(lines), size, weight="bold", color=theme.MUTED,
                      ha="right" if right else "left", linespacing=1.2)
        self.y += head_h + 0.06
        self.rule(self.y, theme.FAINT, 0.8)
        row_h = size * 1.75 / 72
        for i, (plan, cells) in enumerate(table.rows.items()):
            top = self.y + 0.05
            swatch = self.fig.add_axes(((MARGIN + 0.02) / PAGE_W, 1 - (top + size * 0.95 / 72) / PAGE_H,
                                        0.1 / PAGE_W, (size * 0.85 / 72) / PAGE_H))
            swatch.set_facecolor(theme.plan_color(i))
            swatch.set_xticks([])
            swatch.set_yticks([])
            for spine in swatch.spines.values():
                spine.set_visible(False)
            for j, (main, detail) in enumerate(cells):
                bold = j == 0 or table.best.get(j) == plan
                weight = "bold" if bold else "normal"
                if j == 0:
                    shown = cut_middle(main, widths[0] - 0.1, size, True, max_lines=1, wrap=_theme_wrap)
                    self.text(edges[0] + 0.03, top, shown, size, weight="bold", color=theme.INK)
                    continue
                right = edges[j + 1] - 0.05
                if detail:
                    self.text(right, top + 0.01, detail, size - 1.5, color=theme.MUTED, ha="right")
                    right -= theme.text_width(detail, size - 1.5) + 0.04
                self.text(right, top, main, size, weight=weight, color=theme.INK, ha="right")
            self.y += row_h
            self.rule(self.y, RULE, 0.5)
        self.y += 0.22

    def charts(self, board: Board) -> None:
        footer_top = PAGE_H - MARGIN + 0.05
        images = [board.chart(name, draw_missing=True) for name in BRIEF_CHARTS]
        images = [i for i in images if i is not None]
        if not images:
            return
        width = (self.width - GAP * (len(images) - 1)) / len(images)
        size = 10.0
        titles = [theme.wrap(i.title or i.name, width, size, "bold", max_lines=2) for i in images]
        title_h = max(len(t) for t in titles) * size * 1.2 / 72 + 0.08
        room = footer_top - 0.3 - (self.y + title_h)
        pictures = [np.asarray(_rgb(i.png)) for i in images]  # drawn without their titles: the brief states them
        sizes = [(min(width, room * p.shape[1] / p.shape[0]), p.shape[1] / p.shape[0]) for p in pictures]
        self.y += max(0.0, (room - max(w / aspect for w, aspect in sizes)) / 2)  # centred in the space left
        for k, (_image, lines, pixels, (pic_w, aspect)) in enumerate(zip(images, titles, pictures, sizes)):
            pic_h = pic_w / aspect
            x = MARGIN + k * (width + GAP)
            self.text(x, self.y, "\n".join(lines), size, weight="bold", color=theme.INK, linespacing=1.2)
            ax = self.fig.add_axes((x / PAGE_W, 1 - (self.y + title_h + pic_h) / PAGE_H, pic_w / PAGE_W,
                                    pic_h / PAGE_H))
            ax.imshow(pixels, interpolation="none", aspect="auto")
            ax.set_axis_off()
        self.y = footer_top

    def footer(self, board: Board) -> None:
        text = board.data.provenance.text()
        line = theme.wrap(text, self.width, 8, max_lines=1)[0]
        self.rule(PAGE_H - MARGIN - 0.05)
        self.text(MARGIN, PAGE_H - MARGIN + 0.02, line, 8, color=theme.FAINT)
        self.text(PAGE_W - MARGIN, PAGE_H - MARGIN + 0.02, "allysim deck \u00b7 one-page brief", 8,
                  color=theme.FAINT, ha="right")


def _rgb(png: bytes) -> Any:
    """A PNG as an RGB image (no alpha: smaller in the PDF)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB")


def _theme_wrap(text: str, width_in: float, size: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` in the charts' font (what the brief draws with), none cut."""
    return theme.wrap(text, width_in, size, "bold" if bold else "normal", max_lines=99)
