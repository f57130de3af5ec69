"""Slides that read the same in PowerPoint, Keynote and LibreOffice: text measured with Arial's metrics and fitted
(titles and findings shrink within limits and wrap, long names are cut in the middle), python-pptx helpers, and
tables that continue on further slides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..errors import UsageError
from ..plotting import theme
from .board import (
    Board,
)

if TYPE_CHECKING:
    pass

__all__ = ["text_width", "cut_middle", "Column", "Cell", "FONT", "SLIDE_W", "SLIDE_H", "MARGIN", "BODY_W",
           "auto_widths", "fit_words", "least_widths", "heading_size", "words"]

# --- text that fits ------------------------------------------------------------------------------------------------

FONT = "Arial"  # PowerPoint and Keynote have it; LibreOffice uses the metric-compatible Liberation Sans
SLIDE_W = theme.WIDTH_IN
SLIDE_H = theme.HEIGHT_IN
MARGIN = 0.6
LINE = 1.17  # line height / font size (Arial: 1.15)
TITLE_TOP = 0.42
FOOTER_TOP = 7.06
BODY_W = SLIDE_W - 2 * MARGIN

INK = theme.INK
TEXT = theme.TEXT
MUTED = theme.MUTED
FAINT = theme.FAINT
RULE = "#D0D0D0"
HEAD_FILL = "#F2F2F2"
ACCENT = theme.PLAN_COLORS[1]

# Text is measured with Arial's metrics (Arial or Liberation Sans, whichever is installed) plus a safety margin;
# without either, with DejaVu Sans, which is wider still, so the text fits in every case.
_METRIC_FONTS = {False: ("arial.ttf", "Arial.ttf", "LiberationSans-Regular.ttf"),
                 True: ("arialbd.ttf", "Arial Bold.ttf", "LiberationSans-Bold.ttf")}
_SAFETY = 1.04


@lru_cache(maxsize=2)
def _metric_font(bold: bool) -> Any:
    """Return a PIL font at 100 px with Arial's metrics, or DejaVu Sans when no such font is installed."""
    import matplotlib
    from PIL import ImageFont

    for name in _METRIC_FONTS[bold]:
        try:
            return ImageFont.truetype(name, 100)
        except OSError:
            continue
    fallback = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / fallback), 100)


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Return the width in inches of one line of ``text`` at ``size`` points, with a safety margin."""
    return _metric_font(bold).getlength(text) / 100 * size / 72 * _SAFETY


def wrap_text(text: str, width_in: float, size: float, bold: bool = False, max_lines: int = 99) -> list[str]:
    """Break ``text`` (paragraphs separated by newlines) into lines at most ``width_in`` wide; beyond
    ``max_lines``, the last line is cut with an ellipsis."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in [w for w in paragraph.split(" ") if w] or [""]:  # a no-break space joins words
            candidate = f"{current} {word}".strip()
            if current and text_width(candidate, size, bold) > width_in:
                lines.append(current)
                current = word
            else:
                current = candidate
            while text_width(current, size, bold) > width_in and len(current) > 1:  # a word wider than the box
                cut = len(current)
                while cut > 1 and text_width(current[:cut], size, bold) > width_in:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:])  # two lines or more: it never fits in one, so it is always cut
        lines = lines[: max_lines - 1] + [theme.cut_after_words(rest, lambda t: text_width(t, size, bold) <= width_in)]
    return lines


def cut_middle(text: str, width_in: float, size: float, bold: bool = False, max_lines: int = 2,
               wrap: Any = None) -> str:
    """Shorten ``text`` to ``max_lines`` lines by cutting words from its middle, keeping its start and its last
    words, which often tell similar names apart (``Governance option … with exit clauses B``).

    ``wrap(text, width_in, size, bold)`` breaks text into lines (default: the deck's, in Arial's metrics).
    """
    lines_of = wrap or wrap_text
    if len(lines_of(text, width_in, size, bold)) <= max_lines:
        return text
    words = text.split(" ")
    tail = words[-3:] if len(words) > 4 else words[-1:]
    head: list[str] = []
    for word in words[: len(words) - len(tail)]:
        candidate = " ".join([*head, word, "\u2026", *tail])
        if len(lines_of(candidate, width_in, size, bold)) > max_lines:
            break
        head.append(word)
    shortened = " ".join([*head, "\u2026", *tail])
    if len(lines_of(shortened, width_in, size, bold)) <= max_lines:
        return shortened
    while len(tail) > 1 and len(lines_of(" ".join(["\u2026", *tail]), width_in, size, bold)) > max_lines:
        tail = tail[1:]  # the last words tell similar names apart: keep as many as fit
    return " ".join(["\u2026", *tail])


def text_height(lines: int, size: float) -> float:
    return lines * size * LINE / 72


def fit_text(text: str, width_in: float, height_in: float, largest: float, smallest: float,
         bold: bool = False) -> tuple[float, list[str]]:
    """Return the largest size (in half points) at which ``text`` fits the box, and its lines; at the
    smallest size, as many lines as fit, the last cut with an ellipsis."""
    size = largest
    while True:
        lines = wrap_text(text, width_in, size, bold)
        if text_height(len(lines), size) <= height_in or size <= smallest:
            break
        size -= 0.5
    room = max(1, int(height_in / (size * LINE / 72) + 1e-9))
    if len(lines) > room:
        lines = wrap_text(text, width_in, size, bold, max_lines=room)
    return size, lines


# --- python-pptx helpers ---------------------------------------------------------------------------------------


def require_pptx() -> Any:
    try:
        import pptx
    except ImportError:
        raise UsageError("the deck needs python-pptx: pip install python-pptx") from None
    return pptx


def rgb(color: str) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def _style_run(run: Any, size: float, color: str = TEXT, bold: bool = False) -> None:
    from pptx.util import Pt

    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = rgb(color)


def plain_frame(frame: Any, anchor: str = "top") -> None:
    """Plain text frame: no margins, wrapping, no autofit (every size is chosen here)."""
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE

    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]


def add_paragraphs(frame: Any, items: Sequence[Sequence[tuple[str, float, str, bool]]], space_after: float = 0.0,
                align: str = "left") -> None:
    """Fill ``frame`` with paragraphs, each a list of runs ``(text, size, colour, bold)``."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    for i, runs in enumerate(items):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[align]
        paragraph.line_spacing = 1.0
        if space_after and i < len(items) - 1:
            paragraph.space_after = Pt(space_after)
        for text, size, color, bold in runs:
            run = paragraph.add_run()
            run.text = text
            _style_run(run, size, color, bold)


def text_box(slide: Any, left: float, top: float, width: float, height: float,
         items: Sequence[Sequence[tuple[str, float, str, bool]]], anchor: str = "top", space_after: float = 0.0,
         align: str = "left", name: str = "") -> Any:
    from pptx.util import Inches

    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        shape.name = name
    plain_frame(shape.text_frame, anchor)
    add_paragraphs(shape.text_frame, items, space_after, align)
    return shape


def fit_title(text: str, largest: float = 28.0, smallest: float = 20.0,
               max_lines: int = 2) -> tuple[float, str, float]:
    """Return the size, the text and the height of a slide title: ``max_lines`` lines from ``largest`` down to
    ``smallest`` points, else one line more down to 2 points smaller, else cut after a word with an ellipsis."""
    stages = [(float(s), max_lines) for s in np.arange(largest, smallest - 0.01, -0.5)] + \
        [(float(s), max_lines + 1) for s in np.arange(smallest, smallest - 2.01, -0.5)]  # a third line, not a cut
    for size, allowed in stages:
        lines = wrap_text(text, BODY_W, size, True)
        if len(lines) <= allowed:
            return size, text, text_height(len(lines), size)
    size, allowed = stages[-1]
    lines = wrap_text(text, BODY_W, size, True, max_lines=allowed)
    return size, " ".join(lines), text_height(len(lines), size)


def add_title(slide: Any, text: str, largest: float = 28.0) -> float:
    """Write the slide title in its placeholder (so outlines and screen readers find it); return its bottom."""
    from pptx.util import Inches

    size, shown, height = fit_title(text, largest)
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(MARGIN), Inches(TITLE_TOP), Inches(BODY_W), \
        Inches(height + 0.02)
    plain_frame(shape.text_frame, "top")
    shape.text_frame.text = ""
    add_paragraphs(shape.text_frame, [[(shown, size, INK, True)]])
    return TITLE_TOP + height


def add_footer(slide: Any, board: Board, number: int) -> None:
    scenario = board.summary.get("scenario", "")
    left = wrap_text(f"{scenario}  \u00b7  allysim {board.summary.get('allysim_version', __version__)}",
                 BODY_W - 1.0, 9.0, max_lines=1)[0]
    text_box(slide, MARGIN, FOOTER_TOP + 0.1, BODY_W - 0.8, 0.22, [[(left, 9.0, FAINT, False)]], name="Footer")
    text_box(slide, SLIDE_W - MARGIN - 0.6, FOOTER_TOP + 0.1, 0.6, 0.22, [[(str(number), 9.0, FAINT, False)]],
         align="right", name="Slide number")


def new_slide(prs: Any) -> Any:
    return prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only": a real title placeholder


# --- tables ----------------------------------------------------------------------------------------------------

CELL_X = 0.08  # left and right cell margins, inches
CELL_Y = 0.05


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # share of the table width
    align: str = "left"


Cell = Sequence[tuple[str, str, bool]]  # runs of (text, colour, bold); one paragraph


def _cell_lines(cell: Cell, width_in: float, size: float) -> int:
    text = "".join(t for t, _, _ in cell)
    bold = all(b for _, _, b in cell) if cell else False
    if not text:
        return 1
    # runs after the first in muted, regular type are drawn smaller (add_table): on one line if they fit so
    one_line = sum(text_width(t, size if k == 0 or b or c != MUTED else max(size - 1.5, 8), b)
                   for k, (t, c, b) in enumerate(cell))
    if one_line <= width_in - 2 * CELL_X:
        return 1
    return len(wrap_text(text, width_in - 2 * CELL_X, size, bold))


def row_height(cells: Sequence[Cell], widths: Sequence[float], size: float) -> float:
    lines = max(_cell_lines(c, w, size) for c, w in zip(cells, widths))
    return text_height(lines, size) + 2 * CELL_Y + 0.03


def _set_borders(cell: Any, bottom: str | None, weight_emu: int = 9525) -> None:
    """Give a cell a bottom rule (or none) and no other borders, in schema order before its fill."""
    from lxml import etree
    from pptx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    for tag in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        for old in tc_pr.findall(qn(tag)):
            tc_pr.remove(old)
    borders = []
    for tag, color in (("a:lnL", None), ("a:lnR", None), ("a:lnT", None), ("a:lnB", bottom)):
        ln = etree.SubElement(tc_pr, qn(tag), w=str(weight_emu if color else 0))
        if color:
            fill = etree.SubElement(ln, qn("a:solidFill"))
            etree.SubElement(fill, qn("a:srgbClr"), val=color.lstrip("#").upper())
        else:
            etree.SubElement(ln, qn("a:noFill"))
        borders.append(ln)
    for ln in borders:  # line properties come first in a:tcPr, before any fill
        tc_pr.remove(ln)
    for i, ln in enumerate(borders):
        tc_pr.insert(i, ln)


def add_table(slide: Any, left: float, top: float, width: float, columns: Sequence[Column],
           rows: Sequence[Sequence[Cell]], size: float, head_size: float | None = None,
           swatches: Sequence[str] | None = None, name: str = "Table") -> float:
    """Draw a table with a shaded heading row and thin rules; return its bottom (inches)."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    widths = [c.width * width for c in columns]
    head_size = heading_size(columns, widths, head_size or size)
    heading_cells: list[Cell] = [[(c.heading, INK, True)] for c in columns]
    heights = [row_height(heading_cells, widths, head_size)] + [row_height(r, widths, size) for r in rows]
    shape = slide.shapes.add_table(len(rows) + 1, len(columns), Inches(left), Inches(top), Inches(width),
                                   Inches(sum(heights)))
    shape.name = name
    table = shape.table
    table.first_row = True
    table.horz_banding = False
    _plain_table_style(shape)
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i, h in enumerate(heights):
        table.rows[i].height = Inches(h)
    for i, cells in enumerate([heading_cells, *rows]):
        for j, runs in enumerate(cells):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(CELL_X)
            cell.margin_top = cell.margin_bottom = Inches(CELL_Y)
            cell.vertical_anchor = MSO_ANCHOR.BOTTOM if i == 0 else MSO_ANCHOR.TOP
            frame = cell.text_frame
            frame.word_wrap = True
            paragraph = frame.paragraphs[0]
            paragraph.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT,
                                   "center": PP_ALIGN.CENTER}[columns[j].align]
            for k, (text, color, bold) in enumerate(runs):
                run = paragraph.add_run()
                run.text = text
                _style_run(run, head_size if i == 0 else size, color, bold)
                if i and k and not bold and color == MUTED:
                    run.font.size = Pt(max(size - 1.5, 8))
            if i == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb(HEAD_FILL)
            else:
                cell.fill.background()
            _set_borders(cell, "#9A9A9A" if i == 0 else RULE)
    bottom = top + sum(heights)
    if swatches:
        from pptx.enum.shapes import MSO_SHAPE

        y = top + heights[0]
        for color, h in zip(swatches, heights[1:]):
            side = min(0.15, size * 0.8 / 72)
            first_line = CELL_Y + (size * LINE / 72 - side) / 2  # centred on the first line of text
            mark = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left - 0.24), Inches(y + first_line),
                                          Inches(side), Inches(side))
            mark.fill.solid()
            mark.fill.fore_color.rgb = rgb(color)
            mark.line.fill.background()
            mark.shadow.inherit = False
            mark.name = "Plan colour"
            y += h
    return bottom


def _plain_table_style(shape: Any) -> None:
    """Use the built-in 'No Style, No Grid' table style: every colour and rule is set cell by cell."""
    from pptx.oxml.ns import qn

    tbl_pr = shape._element.graphic.graphicData.tbl.tblPr
    style = tbl_pr.find(qn("a:tableStyleId"))
    if style is None:
        from lxml import etree

        style = etree.SubElement(tbl_pr, qn("a:tableStyleId"))
    style.text = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"


def words(text: str) -> list[str]:
    """The words a renderer will not break: ``text`` split at spaces and line breaks, never at a no-break space
    (``thousands\u00a0of\u00a0gold`` is one word, as PowerPoint and LibreOffice lay it out)."""
    return [w for w in re.split(r"[ \n\t]+", text) if w]


def _longest_word(text: str, size: float, bold: bool) -> float:
    return max((text_width(w, size, bold) for w in words(text)), default=0.0)


def heading_size(columns: Sequence[Column], widths: Sequence[float], size: float, smallest: float = 8.0) -> float:
    """The size, at most ``size``, at which every word of every heading fits its column: a heading wraps between
    words, never inside one ("Fatal", not "Fata" over "l")."""
    while size > smallest and any(_longest_word(c.heading, size, True) > w - 2 * CELL_X
                                  for c, w in zip(columns, widths)):
        size -= 0.5
    return size


def least_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], size: float,
                 head_size: float) -> list[float]:
    """The width, in inches, each column needs for its longest word (heading at ``head_size``, cells at ``size``):
    narrower, a renderer would break that word."""
    least = []
    for j, column in enumerate(columns):
        longest = [_longest_word(t, size, b) for row in rows for t, _, b in row[j]]
        least.append(max([_longest_word(column.heading, head_size, True), *longest]) + 2 * CELL_X + 0.02)
    return least


def fit_words(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: float, size: float,
              head_size: float) -> list[Column]:
    """Widen, within ``width``, each column too narrow for its longest word (heading at ``head_size``, cells at
    ``size``), taking the room from the columns that have more than theirs."""
    least = least_widths(columns, rows, size, head_size)
    have = [c.width * width for c in columns]
    short = sum(max(m - h, 0.0) for m, h in zip(least, have))
    spare = sum(max(h - m, 0.0) for m, h in zip(least, have))
    if short <= 0 or spare <= 0:
        return list(columns)
    take = min(short, spare) / spare
    new = [m if h < m else h - (h - m) * take for m, h in zip(least, have)]
    total = sum(new)
    return [Column(c.heading, w / total, c.align) for c, w in zip(columns, new)]


def auto_widths(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: float,
                 size: float) -> list[Column]:
    """Share ``width`` among the columns by their content, as a browser lays out a table: each column gets at
    least its longest word, and the rest goes where text would otherwise wrap most."""
    pad = 2 * CELL_X + 0.02
    least, natural = [], []
    for j, column in enumerate(columns):
        texts = [("".join(t for t, _, _ in row[j]), all(b for _, _, b in row[j])) for row in rows]
        widths = [text_width(w, size, bold) for text, bold in texts for w in words(text)]
        widths.append(_longest_word(column.heading, size, True))
        least.append(max(widths) + pad)
        lines = [text_width(text, size, bold) for text, bold in texts] or [0.0]
        natural.append(max(max(lines), text_width(column.heading, size, True) * 0.5) + pad)
    if sum(least) >= width:
        shares = [w / sum(least) for w in least]
    else:
        spare = width - sum(least)
        extra = [max(n - m, 0.0) ** 0.5 for n, m in zip(natural, least)]  # sqrt: long texts do not take all
        total = sum(extra) or 1.0
        shares = [(m + spare * e / total) / width for m, e in zip(least, extra)]
    return [Column(c.heading, share, c.align) for c, share in zip(columns, shares)]


def paginate(rows: Sequence[Sequence[Cell]], widths: Sequence[float], size: float, room: float,
              head: float) -> list[list[Sequence[Cell]]]:
    """Split rows into pages whose tables (heading included) are at most ``room`` inches tall."""
    pages: list[list[Sequence[Cell]]] = [[]]
    used = head
    for row in rows:
        h = row_height(row, widths, size)
        if pages[-1] and used + h > room:
            pages.append([])
            used = head
        pages[-1].append(row)
        used += h
    return pages
