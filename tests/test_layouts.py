"""Layouts at their most crowded: a consortium with long names, eight contingencies and five plans
(tests/data/long_consortium.yaml) through the command line, its charts drawn at the sizes of a slide, a deck's
picture area and the brief, and its deck's tables; each layout defect once seen is checked here."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from allysim import deck  # noqa: E402
from allysim.cli import cli  # noqa: E402
from allysim.deck import layout as deck_layout  # noqa: E402
from allysim.folder import load_output  # noqa: E402
from allysim.plotting import theme  # noqa: E402
from allysim.plotting.render import chart_drawers  # noqa: E402

from chart_helpers import assert_readable, make_output  # noqa: E402

LONG = Path(__file__).resolve().parent / "data" / "long_consortium.yaml"
SIZES = {"slide": None, "deck picture": (theme.WIDTH_IN, 4.3), "brief": (10.0, 6.36)}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("long")
    common = ["--workers", "1", "--out", str(out), "--format", "none", "--quiet"]
    for command in (["run", str(LONG), "--runs", "200"], ["optimize", str(LONG), "--runs", "60"],
                    ["sensitivity", str(LONG), "--runs", "60", "--plan", "full", "--against", "do_nothing"],
                    ["compare", str(LONG), "--runs", "200"], ["drivers", str(LONG), "--runs", "60"],
                    ["value", str(LONG), "--runs", "40"],
                    ["sweep", str(LONG), "--runs", "40", "--set", "risks.deliverable_slip.rate=0.04:0.16:3"]):
        result = CliRunner().invoke(cli, command + common, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def data(folder: Path):
    return load_output(folder)


MANY = Path(__file__).resolve().parent / "data" / "many_partners.yaml"  # twelve long-named partners
CONSORTIUM = Path(__file__).resolve().parents[1] / "scenarios" / "research_consortium.yaml"  # five


@pytest.fixture(scope="module", params=["many", "five"])
def partnered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(request.param)
    scenario = MANY if request.param == "many" else CONSORTIUM
    for command in (["run", str(scenario), "--runs", "150"], ["drivers", str(scenario), "--runs", "60"]):
        result = CliRunner().invoke(cli, command + ["--workers", "1", "--out", str(out), "--format", "none",
                                                    "--quiet"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return out


def _figure(data, name: str, size):
    import matplotlib.pyplot as plt

    fig = chart_drawers(data, titled=size is None, size=size)[name]()
    fig.canvas.draw()
    return fig, plt


def _extent(artist, fig) -> tuple[float, float, float, float]:
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.x0 / fig.dpi, box.y0 / fig.dpi, box.x1 / fig.dpi, box.y1 / fig.dpi


@pytest.mark.parametrize("size", list(SIZES))
def test_npv_key_numbers_stay_inside_their_panel(data, size: str) -> None:
    """The P10/P50/P90/Mean line of each plan ends inside its histogram, never under the S-curves' axis label."""
    fig, plt = _figure(data, "npv", SIZES[size])
    try:
        rows = [ax for ax in fig.axes if any(t.get_text().startswith("P10 ") for t in ax.texts)]
        assert len(rows) == 5
        sizes = set()
        for ax in rows:
            numbers = next(t for t in ax.texts if t.get_text().startswith("P10 "))
            sizes.add(numbers.get_fontsize())
            assert "Mean" in numbers.get_text()
            assert _extent(numbers, fig)[2] <= _extent(ax, fig)[2] + 0.01, (size, numbers.get_text())
        assert len(sizes) == 1  # one size for every plan's numbers
        assert_readable(fig, f"npv at {size}")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", list(SIZES))
def test_health_panels_are_not_squashed(data, size: str) -> None:
    fig, plt = _figure(data, "health", SIZES[size])
    try:
        panels = [ax for ax in fig.axes if ax.get_ylabel() == "Health" or ax.get_title(loc="right")]
        assert len(panels) == 5
        for ax in panels:
            x0, y0, x1, y1 = _extent(ax, fig)
            ticks = [t for t in ax.get_yticks() if 0 <= t <= 1]
            # tick labels at least a line and a half apart, at the tick size
            assert (y1 - y0) / max(len(ticks) - 1, 1) >= 1.5 * theme.TICK_SIZE / 72, (size, ticks, y1 - y0)
            assert (x1 - x0) / (y1 - y0) <= 6.0, size  # a panel reads as a chart, not a strip
    finally:
        plt.close(fig)


def test_frontier_survival_axis_ends_at_100_and_its_legend_is_small(data) -> None:
    fig, plt = _figure(data, "frontier", None)
    try:
        survival = next(ax for ax in fig.axes if ax.get_ylabel().startswith("Survival"))
        assert 0 <= survival.get_ylim()[0] and survival.get_ylim()[1] <= 100
        legend = survival.get_legend()
        if legend is not None:
            x0, y0, x1, y1 = _extent(legend, fig)
            assert (y1 - y0) <= 0.2 * fig.get_size_inches()[1]
        assert_readable(fig, "frontier")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", ["slide", "deck picture"])
def test_switch_chart_draws_every_input_with_labelled_spaced_ticks(data, size: str) -> None:
    study = data.studies["sensitivity"]
    inputs = [p for p, e in study["inputs"].items() if e.get("difference")]
    assert len(inputs) == 6
    fig, plt = _figure(data, "switch", SIZES[size])
    try:
        panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
        flips = [p for p in inputs if study["inputs"][p].get("switch")]
        assert len(panels) == min(len(flips or inputs), 6)  # those that flip the choice, else all (up to 6)
        assert len({ax.get_ylim() for ax in panels}) == 1  # one difference scale: the panels compare
        for ax in panels:
            assert ax.get_xlabel(), size
            assert "\u2026" not in ax.get_xlabel() and ax.get_xlabel() != "value", (size, ax.get_xlabel())
            labels = sorted((_extent(t, fig) for t in ax.get_xticklabels() if t.get_text()), key=lambda b: b[0])
            assert len(labels) >= 2
            assert all(a[2] + 0.05 <= b[0] for a, b in zip(labels, labels[1:])), (size, ax.get_title(loc="left"))
        assert_readable(fig, f"switch at {size}")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", list(SIZES))
def test_causes_legend_holds_every_risk_and_its_share_inside_the_chart(data, size: str) -> None:
    """Seven long-named risks: the legend shrinks (fewer lines, then smaller type) until it ends above the chart's
    bottom edge, and a name too long loses words, never its share."""
    fig, plt = _figure(data, "causes", SIZES[size])
    try:
        legend = fig.legends[0]
        entries = [t.get_text() for t in legend.get_texts()]
        assert len(entries) >= 6 and all(e.endswith("%)") for e in entries), entries
        assert _extent(legend, fig)[1] >= 0, size
        assert_readable(fig, f"causes at {size}")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", ["slide", "deck picture"])
def test_tornado_labels_clear_the_axis_and_its_amounts_share_their_decimals(data, size: str) -> None:
    """The inputs' names end at least 6 points left of the axis line (they touched it), and the amounts at the bars'
    ends share one number of decimals ("3.60M" beside "3.81M", never "3.6M")."""
    import re

    fig, plt = _figure(data, "sensitivity", SIZES[size])
    try:
        npv = next(ax for ax in fig.axes if ax.get_xlabel().startswith("Mean NPV"))
        axis_left = _extent(npv, fig)[0]
        names = [t for t in npv.get_yticklabels() if t.get_text()]
        assert names and all(_extent(t, fig)[2] <= axis_left - 6 / 72 for t in names), size
        amounts = [t.get_text() for t in npv.texts]
        decimals = {len(m.group(1)) if m.group(1) else 0 for m in
                    (re.search(r"\d(?:\.(\d+))?[kMB]?$", a) for a in amounts) if m}
        assert len(amounts) >= 4 and len(decimals) == 1, amounts
        assert_readable(fig, f"sensitivity at {size}")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", list(SIZES))
def test_partners_chart_names_every_partner_legibly_inside_the_chart(partnered: Path, size: str) -> None:
    """Five partners as small panels, twelve long-named ones as ranked rows: every partner named, no label outside
    the chart or over another, the plans' legend above the panels, the shares' axis never beyond 100%."""
    data = load_output(partnered)
    fig, plt = _figure(data, "partners", SIZES[size])
    try:
        partners = data.summary["partners"]
        names = [str(v.get("name", q)) for q, v in partners.items()]
        if len(partners) > 8:
            rows = next(ax for ax in fig.axes if ax.get_xlabel().startswith("Gone by the end"))
            shown = [t.get_text().replace("\n", " ") for t in rows.get_yticklabels() if t.get_text()]
            assert len(shown) == len(partners) == 12
            for text in shown:  # each row is its partner's name, whole or cut after a word
                assert any(n == text or n.startswith(text.removesuffix("\u2026")) for n in names), text
            sizes = {t.get_fontsize() for t in rows.get_yticklabels()}
            assert min(sizes) >= 8.5, sizes  # legible on a slide
        else:
            headings = [ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes if ax.get_title(loc="left")]
            assert all(any(n.startswith(h.removesuffix("\u2026")) for n in names) for h in headings if h != "Share of runs")
        bars = next(ax for ax in fig.axes if ax.get_xlabel() == "Partners still in at the end")
        assert bars.get_ylim()[1] <= 1.0
        legend = fig.legends[0]
        assert _extent(legend, fig)[1] >= max(_extent(ax, fig)[3] for ax in fig.axes if ax.get_visible()
                                             and ax.axison) - 0.5  # above the panels (their headings aside)
        assert_readable(fig, f"partners at {size}")
    finally:
        plt.close(fig)


@pytest.mark.parametrize("size", list(SIZES))
def test_health_names_every_plan_whole_and_keeps_its_notes_in_their_panels(partnered: Path, size: str) -> None:
    """Five and six plans side by side: a plan's name takes two lines rather than "Rules…", and the share dissolved
    by the end stays inside its panel, at one size for every panel, over no other label."""
    data = load_output(partnered)
    fig, plt = _figure(data, "health", SIZES[size])
    try:
        names = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
        assert len(names) == len(data.summary["plans"]) and not any("\u2026" in n for n in names), names
        notes = [(t, ax) for ax in fig.axes for t in ax.texts if t.get_text().endswith("dissolved by the end")]
        assert len({t.get_fontsize() for t, _ in notes}) == 1
        for t, ax in notes:
            assert _extent(t, fig)[0] >= _extent(ax, fig)[0] - 0.01, (size, t.get_text())
        assert_readable(fig, f"health at {size}")
    finally:
        plt.close(fig)


def test_causes_total_of_a_plan_that_all_dissolves_reads_100(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from allysim.plotting import causes_chart

    shares = [0.3, 0.3, 0.3, 0.1]  # a float sum of 0.9999999999999999
    assert sum(shares) < 1
    end_causes = {"a": {"survived": 0.5, "r0": 0.5}, "b": {"survived": 0.0, **{f"r{i}": s for i, s in enumerate(shares)}}}
    fig, ax = plt.subplots(figsize=(theme.WIDTH_IN, 5))
    try:
        causes_chart.causes(end_causes, ax=ax)
        texts = [t.get_text().strip() for a in fig.axes for t in a.texts]
        assert "100%" in texts and ">99%" not in texts
    finally:
        plt.close(fig)


def _table_words_fit(path: Path) -> int:
    """Assert that every word of every table cell and heading of the deck at ``path`` fits its column, a word being
    what a renderer will not break (a no-break space joins "thousands of gold" into one); return the words checked."""
    from pptx import Presentation
    from pptx.util import Emu

    checked = 0
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            table = shape.table
            for j, column in enumerate(table.columns):
                room = Emu(column.width).inches - 2 * deck_layout.CELL_X
                for row in table.rows:
                    for paragraph in row.cells[j].text_frame.paragraphs:
                        for run in paragraph.runs:
                            for word in deck_layout.words(run.text):
                                width = deck_layout.text_width(word, run.font.size.pt, bool(run.font.bold))
                                assert width <= room + 1e-6, (shape.name, word, run.font.size.pt, room)
                                checked += 1
    return checked


def test_deck_tables_break_headings_and_cells_between_words(folder: Path, tmp_path: Path) -> None:
    """No heading or cell of a deck table is wider than its column for one of its words: "Fatal", never "Fata"
    over "l"; "Resilience", never "Resilienc" over "e"."""
    assert _table_words_fit(deck.build_deck(folder, tmp_path / "long.pptx")) > 100


def test_a_unit_of_several_words_never_breaks_inside_a_heading(tmp_path: Path) -> None:
    """A currency of thousands of gold heads the money columns as "thousands of gold", held together by no-break
    spaces: its column is wide enough for the three words on one line ("go" over "ld" was seen)."""
    import json

    from chart_helpers import make_output

    folder = tmp_path / "gold"
    summary = make_output(folder, n_plans=6, runs=200, horizon=26.09, time_unit="week", money=10_000.0)
    summary["currency"] = "gold"
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    path = deck.build_deck(folder, tmp_path / "gold.pptx")
    from pptx import Presentation

    headings = [c.text for s in Presentation(str(path)).slides for sh in s.shapes if sh.has_table
                for c in sh.table.rows[0].cells]
    assert any("thousands\u00a0of\u00a0gold" in h for h in headings), headings
    assert _table_words_fit(path) > 50


def test_every_slide_holds_its_text_inside_its_boxes(folder: Path, tmp_path: Path) -> None:
    """With every study in the folder, each text box holds its text at its size, every shape lies on its slide, and
    no two text boxes of a slide overlap: the method slide continues on a second one rather than run its study
    lines over the provenance ("Method and provenance (1 of 2)")."""
    from itertools import combinations

    from pptx import Presentation
    from test_deck import assert_inside_slide, assert_text_fits, inches, titles

    prs = Presentation(str(deck.build_deck(folder, tmp_path / "every.pptx")))
    assert_inside_slide(prs)
    assert_text_fits(prs)
    for k, slide in enumerate(prs.slides, start=1):
        boxes = [(s.name, inches(s.left), inches(s.top), inches(s.left) + inches(s.width), inches(s.top) + inches(s.height))
                 for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
        for a, b in combinations(boxes, 2):
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, (k, a[0], b[0])
    method = [t for t in titles(prs) if t.startswith("Method and provenance")]
    assert method == (["Method and provenance"] if len(method) == 1 else
                      [f"Method and provenance ({k} of {len(method)})" for k in range(1, len(method) + 1)])


def test_survival_bars_never_read_0_when_they_are_not() -> None:
    from allysim.wording import signed_points

    assert [signed_points(p) for p in (0.4, -0.3, 0.01, 0.0, 12.6)] == ["+<1", "\u2212<1", "0", "0", "+13"]


def test_the_briefs_charts_hold_every_text_inside_them_at_the_size_the_brief_draws_them(tmp_path: Path) -> None:
    """The brief draws its charts in half a page's width: each chart's text, its provenance footer ("... seed 1 ·
    200 runs · allysim 0.1.0") included, stays inside the chart at the size the brief asks for (a footer once ran
    off the survival chart's right edge and read "allys"); and the page's own footer never runs into its mark."""
    import json

    import matplotlib.pyplot as plt

    make_output(tmp_path, n_plans=3)
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary["scenario"] = "Eight-partner battery recycling research consortium with a long name"
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    board = deck.load_board(tmp_path)
    sizes: list[tuple[str, tuple[float, float]]] = []
    asked = type(board).chart

    def chart(self, name, draw_missing=False, size=None):
        if size is not None:
            sizes.append((name, size))
        return asked(self, name, draw_missing, size)

    type(board).chart = chart
    try:
        page = deck.draw_brief(board)
    finally:
        type(board).chart = asked
    assert {name for name, _ in sizes} == {"survival", "npv"}  # side by side, each in half the page
    data = load_output(tmp_path)
    for name, size in sizes:
        with theme.drawn_at(*size):
            fig = chart_drawers(data, titled=False, size=size)[name]()
        fig.canvas.draw()
        width, height = fig.get_size_inches()
        texts = [*fig.texts, *(t for ax in fig.axes for t in (*ax.texts, ax.xaxis.label, ax.yaxis.label))]
        texts = [t for t in texts if t.get_visible() and t.get_text().strip()]
        assert any(t.get_gid() == "provenance" for t in texts)
        for text in texts:
            x0, y0, x1, y1 = _extent(text, fig)
            assert -0.01 <= x0 and x1 <= width + 0.01 and -0.01 <= y0 and y1 <= height + 0.01, (name, size,
                                                                                               text.get_text())
        plt.close(fig)
    page.canvas.draw()
    footer = [t for t in page.texts if t.get_position()[1] < 0.1 and t.get_text().strip()]
    boxes = sorted(_extent(t, page) for t in footer)
    assert len(boxes) == 2 and boxes[0][2] < boxes[1][0], [t.get_text() for t in footer]
    plt.close(page)


ATOP = Path(__file__).resolve().parents[1] / "examples" / "data" / "atop_defense_spells.csv"


@pytest.mark.parametrize("causes", [2, 3, 4, 6])
def test_calibration_panels_keep_their_labels_apart(tmp_path: Path, causes: int) -> None:
    """Each cause's panel of the calibration chart, with its tick labels, axis labels and heading, keeps clear of
    every other panel's (the ages of one panel once ran into the next panel's percentages)."""
    import csv
    import json

    import matplotlib.pyplot as plt

    from allysim.plotting.render import draw_study_chart

    names = ["war", "regime change", "renegotiation of the treaty", "a member state ceased to exist",
             "great power pressure", "other"][:causes]
    with ATOP.open() as source, (tmp_path / "history.csv").open("w", newline="") as out:
        rows = csv.DictReader(source)
        writer = csv.writer(out)
        writer.writerow(["id", "start", "end", "ended", "cause"])
        for k, row in enumerate(rows):
            writer.writerow([row["id"], row["start"], row["end"], row["ended"],
                             names[k % causes] if row["ended"] == "1" else ""])
    done = CliRunner().invoke(cli, ["calibrate", str(tmp_path / "history.csv"), "--out", str(tmp_path / "out"),
                                    "--format", "none", "--quiet"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    data = json.loads((tmp_path / "out" / "calibration.json").read_text())
    fig = draw_study_chart("calibration", data)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.lines]
    assert len(panels) == causes
    boxes = [ax.get_tightbbox(renderer) for ax in panels]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            apart = a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
            assert apart, (causes, panels[i].get_title(loc="left"), panels[j].get_title(loc="left"))
        assert boxes[i].x0 >= 0 and boxes[i].x1 <= fig.bbox.x1, panels[i].get_title(loc="left")
    plt.close(fig)
