"""The board deck and the one-page brief: built from real output folders, opened and checked.

The deck is opened with python-pptx: slides in order, chart titles equal to the charts' own, pictures inside the
slide with the aspect of the image they hold, the summary table equal to summary.json rounded as the charts round,
and every text and table inside its slide for eight plans with long names. When LibreOffice is installed the decks
are also rendered, and no two words may overlap on a page.
"""

from __future__ import annotations

import datetime
import io
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from PIL import Image  # noqa: E402

pptx = pytest.importorskip("pptx")

import allysim  # noqa: E402
from allysim import deck  # noqa: E402
from allysim.cli import cli  # noqa: E402
from allysim.deck import appendix, write_brief  # noqa: E402
from allysim.deck import layout as deck_layout  # noqa: E402
from allysim.errors import OutputError  # noqa: E402
from allysim.findings import partner_finding  # noqa: E402
from allysim.outputs import write_results  # noqa: E402
from allysim.plotting.theme import DPI  # noqa: E402
from allysim.wording import MoneyScale, format_share  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "joint_venture.yaml"
DATE = datetime.date(2026, 3, 2)
EMU = 914400  # per inch
RUN_CHARTS = ("survival", "npv", "health", "causes")


# --- output folders ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def jv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flagship at 200 runs, with its four PNG charts, written by the command line."""
    folder = tmp_path_factory.mktemp("jv")
    result = CliRunner().invoke(cli, ["run", str(FLAGSHIP), "--runs", "200", "--out", str(folder), "--format",
                                      "png", "--workers", "1", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="session")
def jv_deck(jv: Path) -> Path:
    """The flagship's deck, built once."""
    return deck.build_deck(jv, date=DATE)


def crowded_yaml(risks: int = 18, plans: int = 8) -> str:
    """A scenario with many plans and risks, and long names everywhere."""
    words = ("Partner strategy shift after a change of chief executive at the larger partner",
             "Regulatory change in the European Union data-residency rules for managed services",
             "Cultural clash between the engineering organisations of both partners", "IP dispute")
    lines = ["allysim: 1", "name: 'A very long scenario name for a consortium of eight partners in three countries "
             "with many risks and many plans'", "description: 'Eight plans with long names.'",
             "time_unit: quarter", "horizon: 20", "currency: EUR", "discount_rate: 0.06", "seed: 7",
             "alliance: {health: {dissolve_below: 0.3, recovery: 0.2}, value_rate: 2.5M}", "risks:"]
    for i in range(risks):
        lines += [f"  - id: r{i:02d}", f"    name: '{words[i % len(words)]} ({i})'",
                  f"    rate: {0.03 + 0.01 * (i % 4)}",
                  "    impact: {health: {triangular: {low: 0.05, likely: 0.1, high: 0.3}}, "
                  "cost: {lognormal: {median: 150k, p90: 1.2M}}, value: {factor: 0.7, duration: 9 months}, "
                  "fatal: 0.05" + (", escalates: [{risk: r00, factor: 1.5, duration: 18 months}]" if i % 4 == 1 else "")
                  + "}"]
    lines.append("contingencies:")
    for j in range(plans - 1):
        lines += [f"  - id: c{j}", f"    name: 'Contingency number {j} with a rather long descriptive name'",
                  f"    trigger: {{on: r{j:02d}}}", "    success: 0.8", "    effect: {reduce_impact: 0.5}",
                  "    cost: {setup: 50k, per_time: 20k, per_activation: 10k}"]
    lines.append("plans:")
    lines.append("  do_nothing: []")
    for j in range(plans - 2):
        lines.append(f"  'A long plan name that goes on about governance, escalation and exit clauses {j}': [c{j}]")
    lines.append("  everything_at_once: all")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight plans with long names and 18 risks, simulated through the Python API (no charts: text only)."""
    folder = tmp_path_factory.mktemp("crowded")
    path = folder / "crowded.yaml"
    path.write_text(crowded_yaml(), encoding="utf-8")
    results = allysim.simulate(allysim.load_scenario(path), runs=40, seed=3, workers=1)
    write_results(results, folder)
    return folder


def copy_folder(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for stale in ("deck.pptx", "summary.pdf"):
        (target / stale).unlink(missing_ok=True)
    return target


# --- reading a deck back -------------------------------------------------------------------------------------


def open_deck(path: Path):
    return pptx.Presentation(str(path))


def title_of(slide) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def titles(prs) -> list[str]:
    return [title_of(s) for s in prs.slides]


def inches(emu: int) -> float:
    return emu / EMU


def png_title(path: Path) -> str:
    with Image.open(path) as image:
        return str(image.info.get("Title", ""))


def key_table(prs):
    """The key numbers: on the executive summary, or just after it when eight long-named plans need room."""
    shapes = [s for slide in list(prs.slides)[1:3] for s in slide.shapes if s.has_table and s.name == "Key numbers"]
    assert len(shapes) == 1
    return shapes[0].table


def assert_inside_slide(prs) -> None:
    """Every shape lies inside the slide, and every table ends above the footer."""
    width, height = inches(prs.slide_width), inches(prs.slide_height)
    for k, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            left, top = inches(shape.left), inches(shape.top)
            right, bottom = left + inches(shape.width), top + inches(shape.height)
            if shape.has_table:
                bottom = top + sum(inches(r.height) for r in shape.table.rows)
                assert bottom <= deck_layout.FOOTER_TOP + 1e-6, (k, shape.name, bottom)
            assert left >= -1e-6 and top >= -1e-6, (k, shape.name)
            assert right <= width + 1e-6 and bottom <= height + 1e-6, (k, shape.name, right, bottom)


def assert_text_fits(prs) -> None:
    """Every text box holds its text at its size when wrapped to its width (measured as the deck measures)."""
    for k, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            needed = 0.0
            indent = 0.3 if shape.name in ("Findings", "Method") else 0.0
            for paragraph in shape.text_frame.paragraphs:
                text = "".join(r.text for r in paragraph.runs)
                sizes = [r.font.size.pt for r in paragraph.runs if r.font.size is not None]
                if not text or not sizes:
                    continue
                size = max(sizes)
                bold = all(r.font.bold for r in paragraph.runs)
                lines = deck_layout.wrap_text(text, inches(shape.width) - indent, size, bold)
                needed += deck_layout.text_height(len(lines), size)
            assert needed <= inches(shape.height) + 0.02, (k, shape.name, shape.text_frame.text[:60])


# --- the deck ------------------------------------------------------------------------------------------------


def test_deck_has_its_slides_in_order(jv: Path, jv_deck: Path) -> None:
    assert jv_deck == jv / "deck.pptx"
    prs = open_deck(jv_deck)
    summary = json.loads((jv / "summary.json").read_text())
    names = titles(prs)
    assert inches(prs.slide_width) == pytest.approx(40 / 3, abs=1e-3)
    assert inches(prs.slide_height) == pytest.approx(7.5, abs=1e-3)
    assert names[0] == summary["scenario"]
    assert names[1] == "Executive summary"
    charts = RUN_CHARTS + (("partners",) if summary.get("partners") else ())  # the flagship has partners
    assert names[2:2 + len(charts)] == [png_title(jv / f"{c}.png") for c in charts]  # the charts' own findings
    # a table continues on a second page when the fonts measure wider: count sections, not pages
    sections = [t.split(" (")[0] for t in names[2 + len(charts):-1]]
    assert [name for name, _ in itertools.groupby(sections)] == ["Appendix: plans and scenario",
                                                                 "Appendix: risks", "Appendix: contingencies"]
    assert names[-1] == "Method and provenance"
    first = prs.slides[0]
    text = " ".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert "2 March 2026" in text
    for fact in (summary["scenario_sha256"][:12], f"seed {summary['seed']}", "200 simulated lifetimes",
                 f"allysim {summary['allysim_version']}"):
        assert fact in text
    method = " ".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    for fact in ("Wilson", "Student t", "common random numbers", summary["scenario_sha256"], str(summary["seed"])):
        assert fact in method


def test_chart_pictures_fit_the_slide_undistorted(jv: Path, jv_deck: Path) -> None:
    prs = open_deck(jv_deck)
    pictures = [(k, s) for k, slide in enumerate(prs.slides) for s in slide.shapes if s.shape_type == 13]
    charts = RUN_CHARTS + (("partners",) if (jv / "partners.png").exists() else ())  # the flagship has partners
    assert [k for k, _ in pictures] == list(range(2, 2 + len(charts)))
    for (_k, picture), chart in zip(pictures, charts):
        with Image.open(io.BytesIO(picture.image.blob)) as shown, Image.open(jv / f"{chart}.png") as original:
            w, h = shown.size
            # drawn for the slide, at the size it is shown (no full-slide chart scaled down or cropped): as wide
            # as the slide, as tall as the room between the title and the caption, text at its usual size
            assert w == original.size[0] and h < 0.8 * original.size[1]
        assert (inches(picture.width), inches(picture.height)) == pytest.approx((w / DPI, h / DPI), abs=0.02)
        assert picture.crop_left == picture.crop_right == picture.crop_top == picture.crop_bottom == 0
        assert picture._element.nvPicPr.cNvPr.get("descr") == png_title(jv / f"{chart}.png")
        assert inches(picture.width) >= 9.5  # large enough to read
    assert_inside_slide(prs)
    assert_text_fits(prs)


def test_summary_table_matches_summary_json(jv: Path, jv_deck: Path) -> None:
    prs = open_deck(jv_deck)
    summary = json.loads((jv / "summary.json").read_text())
    table = key_table(prs)
    plans = list(summary["plans"])
    assert len(table.rows) == len(plans) + 1
    stats = summary["plans"]
    scale = MoneyScale.of([stats[p]["npv"][k] for p in plans for k in ("mean", "p10", "p90")], summary["currency"])

    def amount(x: float) -> str:
        return scale.number(x).removesuffix(scale.suffix)

    for i, plan in enumerate(plans, start=1):
        cells = [table.cell(i, j).text_frame.text for j in range(len(table.columns))]
        s = stats[plan]
        lo, hi = s["survival"]["ci95"]
        assert cells[0] == allysim.plotting.theme.plan_label(plan)
        share = format_share(s["survival"]["estimate"])
        assert cells[1] == f"{share} ({format_share(lo)[:-1]}\u2013{format_share(hi)})"
        median = s["lifetime"]["p50"]
        beyond = median >= summary["horizon"] or s["survival"]["estimate"] >= 0.5  # fewer than half dissolve
        assert cells[2] == (f"more than {summary['horizon']:g}" if beyond else f"{median:.1f}")
        nlo, nhi = s["npv"]["ci95"]
        assert cells[3] == f"{amount(s['npv']['mean'])} ({amount(nlo)}\u2013{amount(nhi)})"
        p10, p90 = amount(s["npv"]["p10"]), amount(s["npv"]["p90"])
        dash = " to " if p10.startswith("\u2212") or p90.startswith("\u2212") else "\u2013"  # no "-0.1-5" ranges
        assert cells[4] == f"{p10}{dash}{p90}"
        assert cells[5] == f"{s['resilience']['mean']:.2f}"
    # the summary agrees with the survival chart's title
    best = max(plans, key=lambda p: stats[p]["survival"]["estimate"])
    assert format_share(stats[best]["survival"]["estimate"]) in png_title(jv / "survival.png")


def test_findings_are_computed_from_the_results(jv: Path, jv_deck: Path) -> None:
    board = deck.load_board(jv)
    found = deck.findings(board)
    summary = board.summary
    # with partners (as in the flagship), a fourth: the partner most likely to leave, in the findings' words
    assert found[3:] == ([partner_finding(summary, board.studies.get("drivers"))] if summary.get("partners") else [])
    assert len(found) == (4 if summary.get("partners") else 3)
    base = next(iter(summary["plans"]))
    top = max((r for r in summary["plans"][base]["end_causes"] if r != "survived"),
              key=lambda r: summary["plans"][base]["end_causes"][r])
    # the main end cause is a risk, or with partners (as in the flagship) a partner's id
    name = summary["risks"][top]["name"] if top in summary["risks"] else allysim.plotting.theme.plan_label(top)
    assert found[1].startswith(name)
    assert format_share(summary["plans"][base]["end_causes"][top]) in found[1]
    best = max(summary["plans"], key=lambda p: summary["plans"][p]["survival"]["estimate"])
    assert allysim.plotting.theme.plan_label(best) in found[0]
    prs = open_deck(jv_deck)
    shown = [p.text for s in prs.slides[1].shapes if s.name == "Findings" for p in s.text_frame.paragraphs]
    assert shown == found


def test_studies_add_a_column_and_a_value_finding(jv: Path, tmp_path: Path) -> None:
    folder = copy_folder(jv, tmp_path / "studies")
    summary = json.loads((folder / "summary.json").read_text())
    plans = list(summary["plans"])
    head = {k: summary[k] for k in ("scenario", "scenario_sha256", "runs", "seed", "currency")}
    compare = {**head, "baseline": plans[0], "plans": {
        p: {"npv": {"mean": 1.0, "ci95": [0.5, 1.5]}, "survival": {"mean": 0.1, "ci95": [0.05, 0.15]},
            "p_better": 0.615} for p in plans[1:]}}
    value = {**head, "plan": plans[-1], "method": "exact", "contingencies": {
        "alliance_office": {"name": "Dedicated alliance management office", "cost": 4.0,
                            "npv": {"mean": -0.5, "ci95": [-0.9, -0.1]}, "survival": {"mean": 0.01, "ci95": [0, 0.02]},
                            "shapley_npv": -0.4, "shapley_survival": 0.01},
        "escalation_protocol": {"name": "Executive escalation protocol", "cost": 1.0,
                                "npv": {"mean": 3.0, "ci95": [2.0, 4.0]}, "survival": {"mean": 0.05, "ci95": [0, 0.1]},
                                "shapley_npv": 3.1, "shapley_survival": 0.05}}}
    (folder / "compare.json").write_text(json.dumps(compare))
    (folder / "value.json").write_text(json.dumps(value))
    board = deck.load_board(folder)
    found = deck.findings(board)
    assert found[2].startswith("Dedicated alliance management office does not pay for itself")  # CI below 0
    value["contingencies"]["alliance_office"]["npv"]["ci95"] = [-0.9, 0.2]
    (folder / "value.json").write_text(json.dumps(value))
    found = deck.findings(deck.load_board(folder))
    assert "does not pay" not in found[2] and "within the noise" in found[2] and "runs would settle it" in found[2]
    value["contingencies"]["alliance_office"]["npv"]["ci95"] = [-0.9, -0.1]
    (folder / "value.json").write_text(json.dumps(value))
    assert "62% of paired runs" in found[0] or "62%" in deck.key_numbers(board).rows[plans[1]][6][0]
    prs = open_deck(deck.build_deck(folder, date=DATE))
    table = key_table(prs)
    assert table.cell(0, 6).text_frame.text == "NPV beats baseline"
    assert [table.cell(i, 6).text_frame.text for i in range(1, len(plans) + 1)] == ["baseline"] + ["62%"] * (
        len(plans) - 1)
    assert "Shapley" in " ".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    # a study of another version of the scenario is left out, and the method slide says so
    (folder / "value.json").write_text(json.dumps({**value, "scenario_sha256": "f" * 64}))
    board = deck.load_board(folder)
    assert "value" not in board.studies and any("value.json" in n for n in board.notes)


@pytest.fixture
def fallback_fonts(monkeypatch: pytest.MonkeyPatch):
    """Measure text as on a machine without Arial or Liberation Sans: with DejaVu Sans, the widest fallback."""
    monkeypatch.setattr(deck_layout, "_METRIC_FONTS", {False: ("no-such-font.ttf",), True: ("no-such-font-bold.ttf",)})
    deck_layout._metric_font.cache_clear()
    deck.text_width.cache_clear()
    yield
    deck_layout._metric_font.cache_clear()
    deck.text_width.cache_clear()


def test_layout_fits_whichever_fonts_are_installed(jv: Path, crowded: Path, tmp_path: Path,
                                                   fallback_fonts: None) -> None:
    assert "DejaVu" in deck_layout._metric_font(False).getname()[0]
    for folder in (jv, crowded):
        prs = open_deck(deck.build_deck(folder, tmp_path / f"{folder.name}.pptx", date=DATE))
        assert_inside_slide(prs)
        assert_text_fits(prs)


def test_eight_plans_and_long_names_fit(crowded: Path) -> None:
    path = deck.build_deck(crowded, crowded / "board.pptx", date=DATE)
    prs = open_deck(path)
    names = titles(prs)
    assert len(key_table(prs).rows) == 9
    assert names[1:3] == ["Executive summary", "Key numbers by plan"]
    assert not any(s.shape_type == 13 for slide in prs.slides for s in slide.shapes)  # no charts in the folder
    risks = [t for t in names if t.startswith("Appendix: risks")]
    assert len(risks) >= 2 and risks[0] == f"Appendix: risks (1 of {len(risks)})"  # a long table continues
    rows = sum(len(s.table.rows) - 1 for slide in prs.slides if title_of(slide).startswith("Appendix: risks")
               for s in slide.shapes if s.has_table)
    assert rows == 18
    assert_inside_slide(prs)
    assert_text_fits(prs)
    method = " ".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    assert "no charts" in method


def test_the_appendix_falls_back_to_names_when_the_scenario_file_is_gone_or_changed(jv: Path,
                                                                                     tmp_path: Path) -> None:
    folder = copy_folder(jv, tmp_path / "moved")
    assert deck.load_board(folder).scenario_path == folder / "scenario.yaml"  # the folder's own copy
    (folder / "scenario.yaml").write_text(FLAGSHIP.read_text() + "\n# edited\n")
    assert deck.load_board(folder).scenario_path != folder / "scenario.yaml"  # an edited copy is not used
    (folder / "scenario.yaml").unlink()  # as in a folder written before the copy was made
    summary = json.loads((folder / "summary.json").read_text())
    (tmp_path / "edited.yaml").write_text(FLAGSHIP.read_text() + "\n# edited\n")
    for given, note in ((str(tmp_path / "edited.yaml"), "has changed"), (str(tmp_path / "gone.yaml"), "was not found")):
        (folder / "summary.json").write_text(json.dumps({**summary, "scenario_file": given}))
        board = deck.load_board(folder)
        assert board.scenario is None and any(note in n for n in board.notes)
    prs = open_deck(deck.build_deck(folder, date=DATE))  # the scenario file is gone: names only
    risk_slide = next(s for s in prs.slides if title_of(s).startswith("Appendix: risks"))
    table = next(s for s in risk_slide.shapes if s.has_table).table
    assert table.cell(1, 0).text_frame.text == summary["risks"]["strategy_shift"]["name"]
    assert "was not found" in " ".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)


def test_a_chart_kept_only_as_svg_is_redrawn(jv: Path, tmp_path: Path) -> None:
    folder = copy_folder(jv, tmp_path / "svg")
    for chart in RUN_CHARTS + ("partners",):
        (folder / f"{chart}.png").unlink(missing_ok=True)
    (folder / "survival.svg").write_text("<svg/>")  # only its presence matters: the deck redraws from the data
    prs = open_deck(deck.build_deck(folder, date=DATE))
    assert titles(prs)[2] == png_title(jv / "survival.png")
    assert sum(s.shape_type == 13 for slide in prs.slides for s in slide.shapes) == 1


def test_deck_is_reproducible_and_written_where_asked(jv: Path, jv_deck: Path, tmp_path: Path) -> None:
    one = deck.build_deck(jv, tmp_path / "one.pptx", date=DATE)
    assert one.read_bytes() == jv_deck.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))
    props = open_deck(one).core_properties
    assert props.author.startswith("allysim")
    assert props.title == json.loads((jv / "summary.json").read_text())["scenario"]


def test_deck_refuses_a_folder_that_is_not_an_output(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no such output folder"):
        deck.build_deck(tmp_path / "missing")
    with pytest.raises(OutputError, match="summary.json"):
        deck.build_deck(tmp_path)


@pytest.mark.parametrize(("dist", "text"), [
    ({"family": "triangular", "low": 0.1, "likely": 0.2, "high": 0.45}, "0.1\u20130.45, likely 0.2 (triangular)"),
    ({"family": "lognormal", "median": 1.5, "p90": 5}, "median 1.5, P90 5 (lognormal)"),
    ({"family": "choice", "values": [0.5, 2, 8], "weights": [0.6, 0.3, 0.1]}, "0.5, 2 or 8 (60% / 30% / 10%)"),
    ({"family": "normal", "mean": 0.06, "sd": 0.03, "clip": [0, 0.2]},
     "mean 0.06, sd 0.03 (normal), clipped to 0\u20130.2"),
    ({"family": "uniform", "low": 250_000, "high": 2_000_000}, "250k\u20132M (uniform)"),
])
def test_distributions_read_as_words(dist: dict, text: str) -> None:
    from pydantic import TypeAdapter

    from allysim.scenario.distributions import Distribution

    assert appendix.describe(TypeAdapter(Distribution).validate_python(dist)) == text


@pytest.mark.parametrize(("dist", "unit", "text"), [
    ({"family": "pert", "low": 0.5, "likely": 1, "high": 3}, "year", "6\u201336 months, likely 12 (PERT)"),
    ({"family": "constant", "value": 0.75}, "year", "9 months"),
    ({"family": "exponential", "mean": 1}, "year", "mean 1 year (exponential)"),
    ({"family": "constant", "value": 2}, "quarter", "2 quarters"),
])
def test_durations_read_in_round_units(dist: dict, unit: str, text: str) -> None:
    from pydantic import TypeAdapter

    from allysim.scenario.distributions import Distribution

    assert appendix.describe_time(TypeAdapter(Distribution).validate_python(dist), unit) == text


# --- the brief -----------------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_brief_is_one_reproducible_page(jv: Path, tmp_path: Path) -> None:
    path = write_brief(jv)
    assert path == jv / "summary.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and pdf_pages(data) == 1
    assert b"CreationDate" not in data and b"ModDate" not in data
    assert write_brief(jv, tmp_path / "again.pdf").read_bytes() == data  # reruns give the same bytes


def test_brief_of_eight_plans_without_chart_files_is_one_page(crowded: Path) -> None:
    assert not list(crowded.glob("*.png"))  # the brief draws survival and NPV from the data
    assert pdf_pages(write_brief(crowded).read_bytes()) == 1


# --- what people see: LibreOffice ----------------------------------------------------------------------------


def office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(office() is None, reason="LibreOffice (soffice) is not installed")
def test_decks_render_in_libreoffice_without_overlapping_words(jv: Path, crowded: Path, tmp_path: Path) -> None:
    decks = [deck.build_deck(jv, tmp_path / "jv.pptx", date=DATE),
             deck.build_deck(crowded, tmp_path / "crowded.pptx", date=DATE)]
    profile = f"-env:UserInstallation={(tmp_path / 'office-profile').as_uri()}"  # never shares a running office's
    subprocess.run([office(), profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *map(str, decks)], check=True, capture_output=True, timeout=240)
    for path in decks:
        pdf = path.with_suffix(".pdf")
        assert pdf_pages(pdf.read_bytes()) == len(open_deck(path).slides)
        if shutil.which("pdftotext") is None:
            continue
        html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
            width, height = float(page[0]), float(page[1])
            words = [tuple(map(float, w)) for w in
                     re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page[2])]
            for x0, y0, x1, y1 in words:
                assert 0 <= x0 and x1 <= width + 0.5 and 0 <= y0 and y1 <= height + 0.5, (path.name, x0, y0)
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    overlap_x = min(a[2], b[2]) - max(a[0], b[0])
                    overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                    # boxes are line boxes: consecutive lines touch; glyphs drawn over each other overlap more
                    lower = 0.3 * min(a[3] - a[1], b[3] - b[1])
                    assert overlap_x <= 1.0 or overlap_y <= lower, (path.name, a, b)


@pytest.mark.parametrize(("dist", "unit", "text"), [
    ({"family": "pert", "low": 0.1533, "likely": 0.6667, "high": 3}, "quarter",
     "2 weeks to 9 months, likely 2 months (PERT)"),
    ({"family": "uniform", "low": 0.02, "high": 1.5}, "year", "1 week to 18 months (uniform)"),
    ({"family": "uniform", "low": 0.25, "high": 1.5}, "year", "3\u201318 months (uniform)"),
])
def test_durations_in_mixed_units_read_in_words(dist: dict, unit: str, text: str) -> None:
    from pydantic import TypeAdapter

    from allysim.scenario.distributions import Distribution

    assert appendix.describe_time(TypeAdapter(Distribution).validate_python(dist), unit) == text


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stress scenario's run (8 long-named plans whose means span k and M), few runs."""
    folder = tmp_path_factory.mktemp("stress")
    scenario = allysim.load_scenario(Path(__file__).parent / "data" / "stress.yaml")
    write_results(allysim.simulate(scenario, runs=300, seed=424242, workers=1), folder)
    return folder


@pytest.mark.parametrize("folder", ["jv", "crowded", "stress"])
def test_the_findings_quote_amounts_as_the_npv_chart_does(folder: str, request: pytest.FixtureRequest) -> None:
    board = deck.load_board(request.getfixturevalue(folder))
    title = board.chart("npv", draw_missing=True).title
    amounts = re.findall(r"[A-Z]{3} \u2212?[\d.,]+[kMB]?", title)
    assert len(amounts) in (1, 2), title
    first = deck.findings(board)[0]
    assert all(a in first for a in amounts), (title, first)


def test_the_brief_keeps_the_words_that_tell_plans_apart(crowded: Path) -> None:
    import matplotlib.pyplot as plt

    board = deck.load_board(crowded)
    fig = deck.draw_brief(board)
    try:
        texts = [" ".join(t.get_text().split()) for t in fig.texts]
    finally:
        plt.close(fig)
    names = [t for t in texts if t.startswith("A long plan name")]
    assert len(names) == len(board.plans) - 2
    assert sorted(n.rsplit(" ", 2)[-2:][1] for n in names) == [str(j) for j in range(len(names))], names
    assert all(n.endswith(f"clauses {n.rsplit(' ', 1)[1]}") for n in names)  # written in full, never twins


# --- the command line's places -------------------------------------------------------------------------------


def test_deck_and_workbook_out_make_their_folder_and_the_brief_goes_beside_the_deck(jv: Path, tmp_path: Path) -> None:
    folder = copy_folder(jv, tmp_path / "run")
    before = sorted(p.name for p in folder.iterdir())
    result = CliRunner().invoke(cli, ["deck", str(folder), "--out", str(tmp_path / "board" / "q3" / "jv.pptx")])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "board" / "q3").iterdir()} == {"jv.pptx", "summary.pdf"}
    result = CliRunner().invoke(cli, ["workbook", str(folder), "--out", str(tmp_path / "new" / "dir" / "x.xlsx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "dir" / "x.xlsx").stat().st_size > 0
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written into the run folder


@pytest.mark.parametrize("command", ["report", "deck", "workbook"])
def test_a_file_where_a_folder_is_taken_says_what_to_run(jv: Path, command: str) -> None:
    result = CliRunner().invoke(cli, [command, str(FLAGSHIP)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "is a file" not in lines[0] and "Traceback" not in result.output, lines
    assert "takes an output folder" in lines[0] and f"allysim run {FLAGSHIP}" in lines[0], lines
    result = CliRunner().invoke(cli, [command, str(jv / "summary.json")])
    assert result.exit_code == 2 and f"allysim {command} {jv}" in result.output, result.output
