"""A board deck from an output folder: ``deck.pptx``, 16:9, made with python-pptx.

The deck says what the folder says, and nothing is typed by hand:

1. a title slide: the scenario, the date, and where the numbers come from;
2. an executive summary: the key numbers of every plan and three findings in words;
3. one slide per chart in the folder (survival, npv, health, causes, compare, contingency_value, risk_drivers), its
   finding as the slide title (the title the chart is drawn with, left off the picture), the picture, and a
   caption;
4. an appendix of assumptions: the plans, the risks and the contingencies, from the scenario file;
5. the method: runs, seed, intervals, common random numbers, version and scenario sha256.

Every size is chosen here, not by the viewer's autofit: text is measured with Arial's metrics (Arial or the
metric-compatible Liberation Sans, plus a safety margin; DejaVu Sans, which is wider, when neither is installed),
titles and findings shrink within limits and wrap, long names are cut at two lines, and long tables continue on
further slides, so the deck reads the same in PowerPoint, Keynote and LibreOffice.

:func:`load_board` reads everything once; :func:`key_numbers` and :func:`findings` are shared with the one-page
brief (:mod:`allysim.deck.brief`).

Examples
--------
>>> from allysim.deck import build_deck
>>> build_deck("reports/joint_venture")   # doctest: +SKIP
PosixPath('reports/joint_venture/deck.pptx')
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import study_registry
from .._version import __version__
from ..outputs import atomic_file, make_folder
from ..plotting import theme
from ..wording import (
    format_percent,
    override_texts,
)
from .appendix import (
    contingency_rows,
    plan_rows,
    risk_rows,
)
from .board import (
    Board,
    ChartImage,
    caption,
    chart_title,
    findings,
    key_numbers,
    load_board,
)
from .layout import (
    ACCENT,
    BODY_W,
    CELL_X,
    FOOTER_TOP,
    INK,
    MARGIN,
    MUTED,
    SLIDE_H,
    SLIDE_W,
    TEXT,
    TITLE_TOP,
    Cell,
    Column,
    add_footer,
    add_paragraphs,
    add_table,
    add_title,
    auto_widths,
    cut_middle,
    fit_text,
    fit_title,
    fit_words,
    least_widths,
    new_slide,
    paginate,
    plain_frame,
    require_pptx,
    rgb,
    row_height,
    text_box,
    text_height,
    wrap_text,
)

if TYPE_CHECKING:
    pass

__all__ = ["build_deck"]

# --- slides ----------------------------------------------------------------------------------------------------


@dataclass
class _Deck:
    prs: Any
    board: Board
    count: int = 0

    def slide(self, title: str, largest: float = 28.0) -> tuple[Any, float]:
        slide = new_slide(self.prs)
        self.count += 1
        bottom = add_title(slide, title, largest=largest)
        add_footer(slide, self.board, self.count)
        return slide, bottom


def _title_slide(deck: _Deck, date: _dt.date) -> None:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    board, summary = deck.board, deck.board.summary
    slide = new_slide(deck.prs)
    deck.count += 1
    left, width = MARGIN + 0.35, BODY_W - 0.35
    kicker = "Alliance risk and contingency analysis"
    size, lines = fit_text(str(summary.get("scenario", "")), width, text_height(3, 40), 40, 26, bold=True)
    name_h = text_height(len(lines), size)
    description = board.scenario.description.strip() if board.scenario is not None else ""
    d_size, d_lines = fit_text(description, width, text_height(3, 18), 18, 14) if description else (18, [])
    d_h = text_height(len(d_lines), d_size)
    block = 0.35 + 0.2 + name_h + (0.25 + d_h if d_lines else 0)
    top = max(1.2, 3.3 - block / 2)
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(MARGIN), Inches(top), Inches(0.1), Inches(block))
    bar.fill.solid()
    bar.fill.fore_color.rgb = rgb(ACCENT)
    bar.line.fill.background()
    bar.shadow.inherit = False
    bar.name = "Accent"
    text_box(slide, left, top, width, 0.35, [[(kicker.upper(), 13, ACCENT, True)]], name="Kicker")
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(left), Inches(top + 0.55), Inches(width), \
        Inches(name_h + 0.02)
    plain_frame(shape.text_frame)
    shape.text_frame.text = ""
    shown = " ".join(lines) if len(wrap_text(str(summary.get("scenario", "")), width, size, True)) > 3 else \
        str(summary.get("scenario", ""))
    add_paragraphs(shape.text_frame, [[(shown, size, INK, True)]])
    if d_lines:
        text_box(slide, left, top + 0.55 + name_h + 0.25, width, d_h + 0.02, [[(" ".join(d_lines), d_size, TEXT, False)]],
             name="Description")
    runs = summary.get("runs")
    plans = len(board.plans)
    sha = str(summary.get("scenario_sha256", ""))
    facts = [f"{int(runs):,} simulated lifetimes per plan" if runs else "", f"{plans} plan{'s' if plans != 1 else ''}",
             f"seed {summary.get('seed')}" if summary.get("seed") is not None else "",
             f"scenario sha256 {sha[:12]}" if sha else "", f"allysim {summary.get('allysim_version', __version__)}"]
    if board.mixed:  # a board must not read numbers from two versions of the assumptions as one story
        facts.insert(0, "this folder mixes scenario versions: " + ", ".join(board.mixed) + " left out (see Method)")
    provenance = "  \u00b7  ".join(f for f in facts if f)
    p_size, p_lines = fit_text(provenance, width, text_height(2, 13), 13, 10)
    text_box(slide, left, 5.75, width, 0.4, [[(date.strftime("%-d %B %Y") if os.name != "nt" else
                                           date.strftime("%d %B %Y").lstrip("0"), 18, INK, True)]], name="Date")
    text_box(slide, left, 6.2, width, text_height(len(p_lines), p_size) + 0.02, [[(provenance, p_size, MUTED, False)]],
         name="Provenance")


def _summary_slides(deck: _Deck) -> None:
    """The key numbers and the findings on one slide; on two when eight long-named plans leave no room."""
    board = deck.board
    numbers = key_numbers(board)
    items = findings(board)
    shares = [0.24, 0.16, 0.14, 0.17, 0.15, 0.14] if len(numbers.headings) == 6 else \
        [0.21, 0.14, 0.125, 0.155, 0.135, 0.105, 0.13]  # "more than 10" fits its column on one line
    columns = [Column(h, w, "left" if j == 0 else "right") for j, (h, w) in enumerate(zip(numbers.headings, shares))]
    table_w = BODY_W - 0.25  # room on the left for each plan's colour
    # every word of a number, a heading or a plan name fits its column, at the largest size at which they all do
    # (plan names are cut in their middle to two lines, between words)
    words: list[list[Cell]] = [[[(row[0][0], INK, True)]] + [[(f"{main} {detail or ''}", INK, True)]
                                                              for main, detail in row[1:]]
                               for row in numbers.rows.values()]
    sizes = [s for s in (16.0, 15.0, 14.0, 13.0, 12.0, 11.0) if sum(least_widths(columns, words, s, s - 2)) <= table_w]
    sizes = sizes or [11.0]
    columns = fit_words(columns, words, table_w, sizes[0], sizes[0] - 2)
    widths = [c.width * table_w for c in columns]
    top = TITLE_TOP + fit_title("Executive summary")[2] + 0.3
    body = FOOTER_TOP - 0.15 - top

    def rows(size: float) -> list[list[Cell]]:
        out = []
        for plan, row in numbers.rows.items():
            cells: list[Cell] = []
            for j, (main, detail) in enumerate(row):
                if j == 0:  # a long plan name takes two lines at most
                    main = cut_middle(main, widths[0] - 2 * CELL_X, size, True, max_lines=2)
                cell = [(main, INK, j == 0 or numbers.best.get(j) == plan)]
                if detail:
                    cell.append((f" {detail}", MUTED, False))
                cells.append(cell)
            out.append(cells)
        return out

    def table_height(size: float) -> float:
        return row_height([[(c.heading, INK, True)] for c in columns], widths, size - 2) + \
            sum(row_height(r, widths, size) for r in rows(size))

    def findings_height(size: float, width: float = BODY_W) -> float:
        heading = text_height(1, size - 1) + 0.12
        return heading + sum(text_height(len(wrap_text(t, width - 0.3, size)), size) for t in items) + \
            0.12 * (len(items) - 1)

    def table(slide: Any, size: float) -> float:
        swatches = [theme.plan_color(i) for i in range(len(board.plans))]
        return add_table(slide, MARGIN + 0.25, top, table_w, columns, rows(size), size, head_size=size - 2,
                      swatches=swatches, name="Key numbers")

    def write_findings(slide: Any, y: float, size: float) -> None:
        text_box(slide, MARGIN, y, BODY_W, text_height(1, size - 1) + 0.02, [[("What the simulation finds", size - 1,
                                                                       ACCENT, True)]], name="Findings heading")
        y += text_height(1, size - 1) + 0.12
        paragraphs = [[(text, size, INK, False)] for text in items]
        _bullets(text_box(slide, MARGIN, y, BODY_W, FOOTER_TOP - 0.1 - y, paragraphs, space_after=0.12 * 72,
                      name="Findings"))

    # One slide: the table at 16 to 11 pt and the findings at 18 to 13 pt, the table shrinking first.
    for size in sizes:
        for f_size in np.arange(min(18.0, size + 2), 12.99, -0.5):
            if table_height(size) + 0.3 + findings_height(float(f_size)) <= body:
                slide, _ = deck.slide("Executive summary")
                write_findings(slide, table(slide, size) + 0.3, float(f_size))
                return
    # Two slides: the findings, large, then the table.
    slide, _ = deck.slide("Executive summary")
    f_size = next((float(f) for f in np.arange(20.0, 12.99, -0.5) if findings_height(float(f)) <= body), 13.0)
    write_findings(slide, top, f_size)
    slide, _ = deck.slide("Key numbers by plan")
    size = next((s for s in (14.0, 13.0, 12.0, 11.0, 10.5, 10.0) if s <= sizes[0] and table_height(s) <= body), 10.0)
    table(slide, size)


def _bullets(shape: Any, indent_in: float = 0.3, color: str = ACCENT) -> None:
    """Make every paragraph of ``shape`` a bullet point: a small square, the text hanging from it."""
    from lxml import etree
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    for paragraph in shape.text_frame.paragraphs:
        p_pr = paragraph._p.get_or_add_pPr()
        p_pr.set("marL", str(int(Inches(indent_in))))
        p_pr.set("indent", str(-int(Inches(indent_in))))
        for tag in ("a:buClr", "a:buSzPct", "a:buFont", "a:buChar", "a:buNone"):
            for old in p_pr.findall(qn(tag)):
                p_pr.remove(old)
        # schema order inside a:pPr: lnSpc, spcBef, spcAft, buClr, buSzPct, buFont, buChar
        anchor = next((i + 1 for i, child in enumerate(p_pr) if child.tag in
                       (qn("a:lnSpc"), qn("a:spcBef"), qn("a:spcAft"))), 0)
        clr = etree.Element(qn("a:buClr"))
        etree.SubElement(clr, qn("a:srgbClr"), val=color.lstrip("#").upper())
        size = etree.Element(qn("a:buSzPct"), val="100000")
        font = etree.Element(qn("a:buFont"), typeface="Arial")
        char = etree.Element(qn("a:buChar"), char="\u2022")
        for k, element in enumerate((clr, size, font, char)):
            p_pr.insert(anchor + k, element)


CAPTION_LARGEST, CAPTION_SMALLEST = 13.0, 11.0
_GUESSED_TITLE = TITLE_TOP + text_height(2, 28.0)  # most findings take two lines at the largest size


def _caption_fit(text: str) -> tuple[float, list[str]]:
    return fit_text(text, BODY_W, text_height(2, CAPTION_LARGEST), CAPTION_LARGEST, CAPTION_SMALLEST)


def _chart_box(title_bottom: float, caption_h: float) -> tuple[float, float]:
    """The picture's top and height on a chart slide: from under the title to over the caption."""
    top = title_bottom + 0.12
    return top, FOOTER_TOP - 0.08 - caption_h - 0.12 - top


def _chart_size(name: str, title_bottom: float, board: Board | None = None) -> tuple[float, float]:
    """The size to draw a chart at for its slide: the slide's width (the chart keeps its own margins, close to
    the slide's) and the height between the title and the caption."""
    caption_h = text_height(2, CAPTION_LARGEST) if board is None else \
        text_height(len(_caption_fit(caption(board, name))[1]), _caption_fit(caption(board, name))[0])
    return SLIDE_W, round(_chart_box(title_bottom, caption_h)[1], 2)


def _chart_slide(deck: _Deck, image: ChartImage) -> None:
    """A chart's slide: its finding as the title, the chart drawn for the space under it (never scaled down from a
    full slide, never cropped), and a caption saying what is drawn and how to read it."""
    from pptx.util import Inches

    board = deck.board
    title = chart_title(image)
    slide, bottom = deck.slide(title)
    c_size, c_lines = _caption_fit(caption(board, image.name))
    c_h = text_height(len(c_lines), c_size)
    c_top = FOOTER_TOP - 0.08 - c_h
    box_top, box_h = _chart_box(bottom, c_h)
    size = _chart_size(image.name, bottom, board)
    if _png_size(image.png) != (round(size[0] * theme.DPI), round(size[1] * theme.DPI)):
        image = board.chart(image.name, size=size) or image  # drawn for another title or caption height
    w, h = _png_size(image.png)
    scale = min(SLIDE_W / w, box_h / h)
    pic_w, pic_h = w * scale, h * scale
    picture = slide.shapes.add_picture(io.BytesIO(image.png), Inches((SLIDE_W - pic_w) / 2), Inches(box_top),
                                       Inches(pic_w), Inches(pic_h))
    picture.name = f"Chart: {image.name}"
    picture._element.nvPicPr.cNvPr.set("descr", title)
    text_box(slide, MARGIN, c_top, BODY_W, c_h + 0.02, [[(" ".join(c_lines), c_size, MUTED, False)]],
             name="Caption")


def _portfolio_slide(deck: _Deck, study: Mapping[str, Any]) -> None:
    """The recommendation slide, one a director can act on: what to fund, the margin over the runner-up with its
    interval and verdict, the tail it protects against, the assumption that would flip the choice and at what value,
    and what is worth learning first (:func:`allysim.recommendation.recommend`, from ``optimize.json`` and the
    folder's ``sensitivity.json``); then the other findings, smaller, and what the folder lacked to say more."""
    from ..recommendation import recommend

    words = recommend(study, deck.board.studies.get("sensitivity"))
    slide, bottom = deck.slide(words.headline)
    top = bottom + 0.3
    room = FOOTER_TOP - 0.2 - top
    main = [(label, text) for label, text in words.rows if label != "Also"]
    also = [text for label, text in words.rows if label == "Also"]
    lacking = [f"Not in this folder: {'; '.join(words.missing)}."] if words.missing else []

    def height(size: float) -> float:
        small = size - 3
        lines = [len(wrap_text(f"{label}  {text}", BODY_W - 0.1, size)) for label, text in main]
        lines_small = [len(wrap_text(t, BODY_W - 0.1, small)) for t in also + lacking]
        return sum(text_height(n, size) + 0.14 for n in lines) + sum(text_height(n, small) + 0.08
                                                                     for n in lines_small)

    size = 18.0
    while size > 11 and height(size) > room:
        size -= 0.5
    items = [[(f"{label}  ", size, ACCENT, True), (text, size, INK, False)] for label, text in main]
    items += [[(t, size - 3, TEXT, False)] for t in also] + [[(t, size - 3, MUTED, False)] for t in lacking]
    text_box(slide, MARGIN, top, BODY_W, room, items, space_after=0.12 * 72, name="Recommendation")


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.size


def _table_slides(deck: _Deck, title: str, intro: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                  size: float = 12.0, largest: float = 14.0, smallest: float = 11.0) -> None:
    """Add slides holding a table: over as few slides as it needs at ``smallest`` points, at the largest size
    down from ``largest`` that needs no more, rows shared evenly (no slide left with a row or two after a full
    one), the heading repeated."""
    head_cells: list[Cell] = [[(c.heading, INK, True)] for c in columns]

    def widths_at(s: float) -> list[float]:
        """Column widths for text at ``s`` points: each column at least its longest word at that size."""
        return [c.width * BODY_W for c in auto_widths(columns, rows, BODY_W, s)]

    def head(s: float) -> float:
        return row_height(head_cells, widths_at(s), s)

    title_bottom = TITLE_TOP + fit_title(f"{title} (10 of 10)")[2]
    i_size, i_lines = fit_text(intro, BODY_W, text_height(2, 13), 13, 11) if intro else (13, [])
    intro_h = text_height(len(i_lines), i_size) + 0.15 if i_lines else 0.0
    room = FOOTER_TOP - 0.12 - (title_bottom + 0.25 + intro_h)  # the same on every page, so that pages balance
    def count(s: float) -> int:
        return len(paginate(rows, widths_at(s), s, room, head(s)))

    fewest = count(smallest)  # as few slides as the smallest size needs, at the largest size that needs no more
    size = next((float(c) for c in np.arange(largest, smallest - 0.01, -0.5) if count(float(c)) <= fewest),
                smallest)
    sized = auto_widths(columns, rows, BODY_W, size)
    widths = [c.width * BODY_W for c in sized]
    pages = paginate(rows, widths, size, room, head(size))
    target = room
    while len(pages) > 1 and target > 1.0:  # shrink the page until one more row would need another slide
        trial = paginate(rows, widths, size, target - 0.1, head(size))
        if len(trial) > len(pages):
            break
        pages, target = trial, target - 0.1
    for k, page in enumerate(pages):
        label = title if len(pages) == 1 else f"{title} ({k + 1} of {len(pages)})"
        slide, b = deck.slide(label)
        y = b + 0.25
        if k == 0 and i_lines:
            text_box(slide, MARGIN, y, BODY_W, intro_h, [[(" ".join(i_lines), i_size, TEXT, False)]], name="Intro")
            y += intro_h
        add_table(slide, MARGIN, y, BODY_W, sized, page, size, name=title)


def _uncertainty_slide(deck: _Deck, study: Mapping[str, Any]) -> None:
    """What we do not know, which of it matters and whether it could change the choice, in words within the
    evidence (:func:`allysim.findings.sensitivity_findings`)."""
    from ..findings import sensitivity_findings

    words = sensitivity_findings(study)
    points = words["bullets"]
    slide, bottom = deck.slide("What we do not know, and whether it changes the choice")
    top = bottom + 0.3
    room = FOOTER_TOP - 0.2 - top
    size = 18.0
    while size > 12 and sum(text_height(len(wrap_text(t, BODY_W - 0.3, size)), size) for t in points) + \
            0.12 * (len(points) - 1) > room:
        size -= 0.5
    shape = text_box(slide, MARGIN, top, BODY_W, room, [[(t, size, INK, False)] for t in points],
                 space_after=0.12 * 72, name="Uncertainty")
    _bullets(shape)


def _method_slide(deck: _Deck, omitted: Sequence[str]) -> None:
    board, summary = deck.board, deck.board.summary
    runs, seed = summary.get("runs"), summary.get("seed")
    rate = summary.get("discount_rate")
    currency = board.currency
    items = [
        f"Each plan is simulated over {int(runs):,} alliance lifetimes (Monte Carlo, event by event in SimPy), from "
        f"the start to dissolution or the end of the {board.life} life." if runs else
        "Each plan is simulated over many alliance lifetimes (Monte Carlo, event by event in SimPy).",
        f"One root seed, {seed}, drives every random draw: the same seed and scenario file give the same numbers on "
        f"any computer and any number of workers.",
        "Survival is the share of runs that complete the planned life, with a 95% Wilson score interval. Means "
        "(NPV, costs) carry a 95% Student t interval; P10, P50 and P90 are percentiles across runs.",
        "Plans are compared on common random numbers: every plan faces the same simulated risks, so differences "
        "between plans are measured run by run (paired), with far less noise than independent runs.",
        "NPV is the value created minus risk and contingency costs, as a present value at the start"
        + (f", discounted continuously at ln(1 + {format_percent(float(rate))}) a year" if rate else ", undiscounted")
        + (f"; amounts in {currency}." if currency else ".")
        + " Resilience is the average health over the planned life, counting 0 after dissolution.",
    ]
    value = board.studies.get("value")
    if value:
        method = "exact, over every order" if value.get("method", "exact") == "exact" else \
            "estimated from sampled orders, with their sampling error"
        items.append("Contingency values: each contingency's paired effect (the plan with it minus without it, net of "
                     f"its cost) and its Shapley share of the whole plan's effect ({method}).")
    if board.studies.get("drivers"):
        items.append("Risk drivers: what each risk costs, as the paired effect of removing it from the scenario.")
    optimize = board.studies.get("optimize")
    if optimize:
        how = "every portfolio" if optimize.get("method") == "exact" else \
            "a greedy heuristic's portfolios (not every one)"
        items.append(f"Portfolios: {how} of {len(optimize.get('candidates') or {})} contingencies simulated on common "
                     "random numbers; cost is the expected present value of a portfolio's contingency costs, and a "
                     "winner is named only when the paired 95% interval over the runner-up excludes a tie.")
    uncertain = summary.get("uncertain") or (board.studies.get("sensitivity") or {}).get("inputs")
    if uncertain:
        items.append(f"Two kinds of randomness: what happens in a life (risks, impacts, successes, drawn again and "
                     f"again within each simulated lifetime) and what we do not know ({len(uncertain)} assumptions "
                     "given as ranges, each drawn once per lifetime and shared by every plan, so comparisons stay "
                     "paired). Results average over both.")
    if board.studies.get("sensitivity"):
        items.append("Sensitivity: each uncertain input pinned at its P10 and P90, and across its range, with the "
                     "others still uncertain, on the same runs; variance shares by SALib's RBD-FAST given-data "
                     "estimator; a switch point is reported only where the paired difference crosses zero, with a "
                     "bootstrap 95% interval.")
    swept = board.studies.get("sweep")
    if swept:
        items.append(f"Sweep: every plan simulated at each of {len(swept.get('values') or [])} values of "
                     f"{swept.get('parameter')} on the same seed and replications (common random numbers).")
    precision = summary.get("precision")
    if isinstance(precision, dict) and precision:
        items.append("Runs were added in batches until the requested precision was reached "
                     f"({', '.join(f'{k} {v}' for k, v in precision.items() if not isinstance(v, (dict, list)))}).")
    overrides = override_texts(summary.get("overrides"))
    if overrides:
        items.append("What-if: these parameters were set over the scenario file's values (--set): "
                     f"{'; '.join(overrides)}.")
    for stem, study in board.studies.items():
        if study.get("overrides", {}) != summary.get("overrides", {}):
            items.append(f"{study_registry.study(stem).file} was simulated with other parameter settings: "
                         f"{'; '.join(override_texts(study.get('overrides'))) or 'the file as written'}.")
        same = study.get("runs") == runs and study.get("seed") == seed
        kind = study_registry.study(stem)
        items.append(f"{kind.title} ({kind.file}): {int(study.get('runs') or 0):,} runs, seed "
                     f"{study.get('seed')}" + (", as the run." if same else ", simulated separately from the run."))
    items += list(board.notes) + list(omitted)
    scenario_file = board.scenario_path or summary.get("scenario_file")
    facts = [("Scenario", str(summary.get("scenario", ""))),
             ("Scenario file", str(scenario_file or "not recorded")),
             ("sha256", str(summary.get("scenario_sha256", ""))),
             ("Runs per plan", f"{int(runs):,}" if runs else ""), ("Seed", str(seed)),
             ("allysim", str(summary.get("allysim_version", __version__)))]
    facts_h = text_height(len(facts), 11) + 0.1
    top = TITLE_TOP + fit_title("Method and provenance (1 of 2)")[2] + 0.3
    room = FOOTER_TOP - 0.2 - facts_h - 0.25 - top

    def height(text: str, size: float) -> float:
        return text_height(len(wrap_text(text, BODY_W - 0.3, size)), size) + 0.1

    # the largest size from 16 pt down to 12 pt at which the items fit one slide; else at 12 pt on as many
    # slides as they need, "Method and provenance (1 of 2)", the provenance under the last
    size = next((float(z) for z in np.arange(16.0, 11.99, -0.5) if sum(height(t, float(z)) for t in items) <= room),
                12.0)
    pages: list[list[str]] = [[]]
    used = 0.0
    for text in items:
        if pages[-1] and used + height(text, size) > room:
            pages.append([])
            used = 0.0
        pages[-1].append(text)
        used += height(text, size)
    for k, page in enumerate(pages):
        slide, _ = deck.slide("Method and provenance" + (f" ({k + 1} of {len(pages)})" if len(pages) > 1 else ""))
        paragraphs = [[(t, size, INK, False)] for t in page]
        shape = text_box(slide, MARGIN, top, BODY_W, room, paragraphs, space_after=0.1 * 72, name="Method")
        _bullets(shape)
    y = FOOTER_TOP - 0.15 - facts_h
    rows = [[(f"{k}  ", 11, MUTED, True), (v, 11, TEXT, False)] for k, v in facts if v]
    text_box(slide, MARGIN, y, BODY_W, facts_h, rows, name="Provenance")


# --- the deck --------------------------------------------------------------------------------------------------


def build_deck(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
               date: _dt.date | None = None) -> Path:
    """Write a 16:9 board deck (PowerPoint) from an output folder; return its path.

    Parameters
    ----------
    folder
        An output folder of ``allysim run`` (``summary.json``, ``runs.csv``, ``health.json``, charts), perhaps
        with ``compare.json``, ``value.json`` and ``drivers.json`` and their charts.
    out
        Where to write the deck; default ``<folder>/deck.pptx``.
    date
        The date on the title slide (default today). With a fixed date the file is byte-for-byte reproducible.

    Raises
    ------
    OutputError
        The folder is not an output folder, or the deck cannot be written.
    UsageError
        python-pptx is not installed.

    Examples
    --------
    >>> build_deck("reports/joint_venture")                                 # doctest: +SKIP
    PosixPath('reports/joint_venture/deck.pptx')
    >>> build_deck("reports/joint_venture", "board/jv.pptx", date=datetime.date(2026, 3, 2))   # doctest: +SKIP
    """
    pptx = require_pptx()
    from pptx.util import Inches

    board = load_board(folder)
    target = Path(out) if out is not None else board.folder / "deck.pptx"
    date = date or _dt.date.today()
    prs = pptx.Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    deck = _Deck(prs, board)

    _title_slide(deck, date)
    _summary_slides(deck)
    omitted = []
    for name in board.chart_names():
        image = board.chart(name, size=_chart_size(name, _GUESSED_TITLE))
        if image is None:
            omitted.append(f"The {name.replace('_', ' ')} chart is in the folder only as SVG or PDF, which this "
                           f"version cannot redraw: run `allysim report` or rerun with --format png to include it.")
            continue
        if name == "frontier" and "optimize" in board.studies:
            _portfolio_slide(deck, board.studies["optimize"])
        if name == "sensitivity" and "sensitivity" in board.studies:
            _uncertainty_slide(deck, board.studies["sensitivity"])
        _chart_slide(deck, image)
    if not board.chart_names():
        omitted.append("The folder holds no charts: draw them with `allysim report DIR` and build the deck again.")
    for title, rows in (("Appendix: plans and scenario", plan_rows(board)),
                        ("Appendix: risks", risk_rows(board)),
                        ("Appendix: contingencies", contingency_rows(board))):
        columns, cells, intro = rows
        if cells:
            _table_slides(deck, title, intro, columns, cells)
    _method_slide(deck, omitted)

    props = prs.core_properties
    props.title = str(board.summary.get("scenario", ""))
    props.subject = "Alliance risk and contingency analysis"
    props.author = props.last_modified_by = f"allysim {board.summary.get('allysim_version', __version__)}"
    props.keywords = f"allysim; scenario sha256 {board.summary.get('scenario_sha256', '')}"
    props.comments = ""
    props.revision = 1
    stamp = _dt.datetime(date.year, date.month, date.day, 12, 0, 0)
    props.created = props.modified = props.last_printed = stamp
    _write_atomically(prs, target)
    return target


def _write_atomically(prs: Any, target: Path) -> None:
    """Save the deck with fixed zip timestamps (same input, same bytes), via a temporary file and a rename."""
    buffer = io.BytesIO()
    prs.save(buffer)
    buffer.seek(0)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dest.writestr(entry, source.read(info.filename))
    make_folder(target.parent, "deck")
    with atomic_file(target, what="deck") as handle:
        handle.write(fixed.getvalue())
