"""Report: reading an output folder back, writing every chart in every format, and redrawing identical files."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # chart_helpers sits beside this file

from allysim.errors import OutputError, UsageError  # noqa: E402
from allysim.folder import OutputData, load_output  # noqa: E402
from allysim.plotting import theme  # noqa: E402
from allysim.plotting.render import (  # noqa: E402
    FORMATS,
    draw_study_chart,
    parse_formats,
    render_charts,
    render_study_chart,
)
from allysim.study_registry import RUN_CHARTS  # noqa: E402

from chart_helpers import assert_readable, make_output  # noqa: E402

CHARTS = tuple(c.name for c in RUN_CHARTS if not c.when)  # the charts of every run (partners: only with partners)

DATA_FILES = ("summary.json", "runs.csv", "health.json")
ROOT = Path(__file__).resolve().parents[1]


def png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) from a PNG's IHDR chunk, checking its signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def png_pixels(path: Path) -> np.ndarray:
    """Return a PNG's pixels."""
    import matplotlib.image

    return matplotlib.image.imread(path)


def check_chart_file(path: Path) -> None:
    """Check one chart file: valid for its format, 16:9 and at least 1600 px wide as PNG."""
    assert path.stat().st_size > 1000, path
    if path.suffix == ".png":
        width, height = png_size(path)
        assert width >= 1600, path
        assert width / height == pytest.approx(16 / 9, rel=0.01), path
    elif path.suffix == ".svg":
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg")
        width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
        assert width / height == pytest.approx(16 / 9, rel=0.01)
    elif path.suffix == ".pdf":
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    else:  # pragma: no cover
        raise AssertionError(f"unexpected chart file {path}")


def copy_data(source: Path, target: Path) -> Path:
    """Copy only the data files of an output folder, as a user would move results elsewhere."""
    target.mkdir(parents=True)
    for name in DATA_FILES:
        shutil.copy2(source / name, target / name)
    return target


def assert_same_charts(a: list[Path], b: list[Path]) -> None:
    """SVG and PDF files must be byte-identical and PNGs pixel-identical."""
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b):
        if x.suffix == ".png":
            assert np.array_equal(png_pixels(x), png_pixels(y)), x.name
        else:
            assert x.read_bytes() == y.read_bytes(), x.name


# --- reading ---------------------------------------------------------------------------------------------------


def test_load_output_reads_every_file_in_plan_order(tmp_path: Path) -> None:
    summary = make_output(tmp_path, n_plans=3, n_risks=4, runs=50)
    data = load_output(tmp_path)
    assert data.plans == list(summary["plans"])
    runs = data.runs["governance"]
    assert runs.survived.dtype == bool and len(runs.lifetime) == 50
    assert np.array_equal(runs.run, np.arange(50))
    assert runs.survived.mean() == pytest.approx(summary["plans"]["governance"]["survival"]["estimate"])
    assert set(runs.end_cause) <= set(summary["risks"]) | {"survived"}
    assert np.all(runs.lifetime[runs.survived] == summary["horizon"])
    assert data.health is not None and len(data.health.grid) == 101
    assert set(data.health.plans["full"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert data.provenance.seed == summary["seed"]


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: shutil.rmtree(d), "no such output folder"),
    (lambda d: (d / "summary.json").unlink(), "summary.json: missing"),
    (lambda d: (d / "summary.json").write_text("{not json"), "summary.json: cannot be read"),
    (lambda d: (d / "runs.csv").write_text("plan,run\nx,0\n"), "missing column(s) lifetime"),
    (lambda d: (d / "health.json").unlink(), "health.json: missing"),
    (lambda d: (d / "health.json").write_text(json.dumps({"grid": [0, 1]})), "not a health band file"),
])
def test_load_output_refuses_a_broken_folder_saying_which_file(tmp_path: Path, damage, message: str) -> None:
    folder = tmp_path / "out"
    make_output(folder, n_plans=2, n_risks=2, runs=20)
    damage(folder)
    with pytest.raises(OutputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_output(folder)


@pytest.mark.parametrize(("bad", "message"), [("lifetime", "could not convert string to float"),
                                              ("survived", "survived must be true or false")])
def test_load_output_names_the_line_of_a_bad_row(tmp_path: Path, bad: str, message: str) -> None:
    make_output(tmp_path, n_plans=1, n_risks=2, runs=10)
    lines = (tmp_path / "runs.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index(bad)] = "maybe"
    lines[3] = ",".join(row)
    (tmp_path / "runs.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(OutputError, match=rf"runs\.csv:4: {message}"):
        load_output(tmp_path)


def test_load_output_refuses_runs_missing_a_plan(tmp_path: Path) -> None:
    make_output(tmp_path, n_plans=2, n_risks=2, runs=10)
    lines = (tmp_path / "runs.csv").read_text().splitlines()
    (tmp_path / "runs.csv").write_text("\n".join(line for line in lines if not line.startswith("governance")))
    with pytest.raises(OutputError, match="no rows for plan"):
        load_output(tmp_path)


@pytest.mark.parametrize(("given", "parsed"), [("png", ("png",)), ("png,svg,pdf", ("png", "svg", "pdf")),
                                               ("none", ()), ("", ()), (("pdf", "PNG", "pdf"), ("pdf", "png")),
                                               ((), ())])
def test_parse_formats(given, parsed) -> None:
    assert parse_formats(given) == parsed


def test_parse_formats_refuses_an_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown chart format 'jpg'"):
        parse_formats("png,jpg")


# --- writing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n_plans", "n_risks", "copy"), [(1, 1, False), (3, 30, True), (8, 8, False)])
def test_every_chart_is_written_in_every_format(tmp_path: Path, n_plans: int, n_risks: int, copy: bool) -> None:
    first = tmp_path / "run"
    make_output(first, n_plans=n_plans, n_risks=n_risks, runs=200)
    written = render_charts(load_output(first), first, ("png", "svg", "pdf"))
    assert sorted(p.name for p in written) == sorted(f"{c}.{f}" for c in CHARTS for f in ("png", "svg", "pdf"))
    for path in written:
        check_chart_file(path)
    assert not [p for p in first.iterdir() if p.name.endswith(".tmp")]
    # each file carries its chart's finding as its title metadata (alt text when pasted in a deck)
    titles = {p.stem: svg_title(p) for p in written if p.suffix == ".svg"}
    assert all(titles.values())
    for path in written:
        if path.suffix == ".png":
            assert Image.open(path).text["Title"] == titles[path.stem]
        elif path.suffix == ".pdf":
            assert b"/Title (" in path.read_bytes()
    if copy:  # `allysim report` on a copy of the folder's data redraws the same files
        second = copy_data(first, tmp_path / "copied")
        assert_same_charts(written, render_charts(load_output(second), second, ("png", "svg", "pdf")))


def test_no_format_writes_nothing(tmp_path: Path) -> None:
    make_output(tmp_path, n_plans=1, n_risks=2, runs=20)
    before = sorted(os.listdir(tmp_path))
    assert render_charts(load_output(tmp_path), tmp_path, ()) == []
    assert render_charts(load_output(tmp_path), tmp_path, "none") == []
    assert sorted(os.listdir(tmp_path)) == before


def test_output_data_built_in_memory_draws_the_same_pictures(tmp_path: Path) -> None:
    make_output(tmp_path / "a", n_plans=2, n_risks=3, runs=100)
    loaded = load_output(tmp_path / "a")
    built = OutputData(summary=json.loads(json.dumps(loaded.summary)), runs=dict(loaded.runs), health=loaded.health)
    (tmp_path / "b").mkdir()
    assert_same_charts(render_charts(loaded, tmp_path / "a", "svg"), render_charts(built, tmp_path / "b", "svg"))


def test_in_memory_data_without_health_bands_skips_only_the_health_chart(tmp_path: Path) -> None:
    make_output(tmp_path, n_plans=2, n_risks=3, runs=50)
    loaded = load_output(tmp_path)
    written = render_charts(OutputData(loaded.summary, loaded.runs, None), tmp_path, "png")
    assert [p.stem for p in written] == ["survival", "npv", "causes"]


def test_a_failed_save_leaves_the_previous_chart_and_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    make_output(tmp_path, n_plans=1, n_risks=2, runs=30)
    data = load_output(tmp_path)
    (tmp_path / "survival.png").write_bytes(b"previous")

    def broken_savefig(self, handle, **kwargs):
        handle.write(b"half a chart")
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken_savefig)
    with pytest.raises(KeyboardInterrupt):
        render_charts(data, tmp_path, "png")
    assert (tmp_path / "survival.png").read_bytes() == b"previous"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_saved_files_are_readable_by_others(tmp_path: Path) -> None:
    figure = matplotlib.figure.Figure()
    old = os.umask(0o022)
    try:
        (path,) = theme.save_figure(figure, tmp_path, "plain", ("svg",))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o044 == 0o044


# --- the real pipeline: every example scenario through `allysim run` and `allysim report` --------------------------


SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.skipif(not (ROOT / "src" / "allysim" / "cli.py").exists() or not SCENARIOS,
                    reason="needs the allysim CLI and example scenarios")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_example_scenario_charts_and_reports_identically(tmp_path: Path, scenario: Path) -> None:
    from click.testing import CliRunner

    from allysim.cli import cli

    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(cli, ["run", str(scenario), "--runs", "60", "--workers", "1", "--quiet", "--out",
                                  str(out), "--format", "png,svg,pdf"])
    assert result.exit_code == 0, result.output
    written = sorted(out / f"{c}.{f}" for c in CHARTS for f in ("png", "svg", "pdf"))
    for path in written:
        check_chart_file(path)

    summary = json.loads((out / "summary.json").read_text())
    base, *others = summary["plans"].values()
    survival = [base["survival"]["estimate"]] + ([max(p["survival"]["estimate"] for p in others)] if others else [])
    title = svg_title(out / "survival.svg")
    shown = [int(x) for x in re.findall(r"(\d+)%", title)]
    assert shown == [int(np.floor(100 * s + 0.5)) for s in survival] or title.startswith("No plan"), title

    import matplotlib.pyplot as plt

    from allysim.plotting.render import draw_charts

    for name, fig in draw_charts(load_output(out)).items():  # real names and numbers: still no overlaps
        assert_readable(fig, name)
        plt.close(fig)

    # SVG files are byte-identical only if every artist is drawn identically: the cheapest complete check.
    copied = copy_data(out, tmp_path / "copied")
    result = runner.invoke(cli, ["report", str(copied), "--format", "svg"])
    assert result.exit_code == 0, result.output
    svgs = [p for p in written if p.suffix == ".svg"]
    assert_same_charts(svgs, sorted(copied / p.name for p in svgs))


def svg_title(path: Path) -> str:
    """Return the title an SVG chart carries in its metadata."""
    root = ET.parse(path).getroot()
    ns = {"dc": "http://purl.org/dc/elements/1.1/", "cc": "http://creativecommons.org/ns#",
          "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    return root.find(".//cc:Work/dc:title", ns).text


def test_load_output_names_a_field_the_charts_need_that_the_summary_lacks(tmp_path: Path) -> None:
    make_output(tmp_path, n_plans=2, n_risks=2, runs=10)
    summary = json.loads((tmp_path / "summary.json").read_text())
    del summary["plans"]["governance"]["npv"]["mean"]
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(OutputError, match=r"plans\.governance\.npv\.mean is missing"):
        load_output(tmp_path)


def test_null_statistics_are_computed_from_the_runs_instead(tmp_path: Path) -> None:
    make_output(tmp_path, n_plans=2, n_risks=2, runs=40)
    summary = json.loads((tmp_path / "summary.json").read_text())
    for plan in summary["plans"].values():  # what the core writes for NaN, e.g. an sd from a single run
        plan["npv"]["p10"] = None
        plan["resilience"]["mean"] = None
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    written = render_charts(load_output(tmp_path), tmp_path, "png")
    assert [p.stem for p in written] == list(CHARTS)


# --- the study charts: written by compare, value and drivers, redrawn by report ----------------------------------

STUDIES = {"compare": "compare", "value": "contingency_value", "drivers": "risk_drivers"}  # command -> chart
BENCH = ROOT / "tests" / "data" / "perf.yaml"


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder written by `allysim run`, `compare`, `value` and `drivers` on perf.yaml, charts in every format."""
    from click.testing import CliRunner

    from allysim.cli import cli

    folder = tmp_path_factory.mktemp("studies") / "perf"
    for command in ("run", *STUDIES):
        result = CliRunner().invoke(cli, [command, str(BENCH), "--runs", "40", "--seed", "4", "--workers", "1",
                                          "--quiet", "--out", str(folder), "--format", "png,svg,pdf"])
        assert result.exit_code == 0, result.output
    return folder


def test_each_study_writes_its_chart_in_every_format(study_folder: Path) -> None:
    for command, chart in STUDIES.items():
        study = json.loads((study_folder / f"{command}.json").read_text())
        fig = draw_study_chart(chart, study, list(json.loads((study_folder / "summary.json").read_text())["plans"]))
        title = theme.title_of(fig)
        for fmt in FORMATS:
            check_chart_file(study_folder / f"{chart}.{fmt}")
        assert svg_title(study_folder / f"{chart}.svg") == title  # the finding drawn is the JSON's
        assert Image.open(study_folder / f"{chart}.png").text["Title"] == title
        assert_readable(fig, chart)


def test_report_redraws_every_chart_of_a_folder_identically(study_folder: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from allysim.cli import cli

    copied = tmp_path / "copied"
    copied.mkdir()
    for path in study_folder.iterdir():
        if path.suffix in (".json", ".csv"):
            shutil.copy2(path, copied / path.name)
    result = CliRunner().invoke(cli, ["report", str(copied), "--format", "png,svg,pdf"])
    assert result.exit_code == 0, result.output
    charts_ = [*CHARTS, *STUDIES.values()]  # the studies this folder holds
    names = sorted(f"{c}.{f}" for c in charts_ for f in FORMATS)
    assert sorted(p.name for p in copied.iterdir() if p.suffix[1:] in FORMATS) == names
    assert_same_charts([study_folder / n for n in names], [copied / n for n in names])


@pytest.mark.parametrize("command", list(STUDIES))
def test_report_on_a_folder_holding_one_study_draws_its_chart(study_folder: Path, tmp_path: Path,
                                                              command: str) -> None:
    shutil.copy2(study_folder / f"{command}.json", tmp_path / f"{command}.json")
    data = load_output(tmp_path)
    assert data.plans == [] and list(data.studies) == [command]
    assert data.provenance.seed == 4
    written = render_charts(data, tmp_path, ("svg", "png"))
    chart = STUDIES[command]
    assert [p.name for p in written] == [f"{chart}.svg", f"{chart}.png"]
    if command != "compare":  # compare's colours come from the summary.json beside it, absent here
        assert_same_charts(written, [study_folder / p.name for p in written])


def test_render_study_chart_matches_what_report_draws(study_folder: Path, tmp_path: Path) -> None:
    shutil.copy2(study_folder / "summary.json", tmp_path / "summary.json")
    for command, chart in STUDIES.items():
        study = json.loads((study_folder / f"{command}.json").read_text())
        written = render_study_chart(chart, study, tmp_path, "svg")
        assert written == [tmp_path / f"{chart}.svg"]
        assert_same_charts(written, [study_folder / f"{chart}.svg"])


def test_compare_colours_follow_the_summary_of_the_same_scenario(tmp_path: Path) -> None:
    from allysim.plotting.render import _plan_order

    from chart_helpers import make_comparison

    study = make_comparison(4)
    order = ["escalation_and_exit_clauses_with_a_long_name", "do_nothing", "full", "governance", "other"]
    summary = {"scenario_sha256": study["scenario_sha256"], "plans": {p: {} for p in order}}
    assert _plan_order(study, summary) == order
    assert _plan_order(study, {**summary, "scenario_sha256": "another"}) is None
    assert _plan_order(study, {**summary, "plans": {"do_nothing": {}}}) is None
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (path,) = render_study_chart("compare", study, tmp_path, "svg")
    (tmp_path / "alone").mkdir()
    (alone,) = render_study_chart("compare", study, tmp_path / "alone", "svg")
    assert path.read_bytes() != alone.read_bytes()


def test_report_refuses_a_folder_with_nothing_to_draw(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an output")
    with pytest.raises(OutputError, match="nothing to draw: no summary.json"):
        load_output(tmp_path)


@pytest.mark.parametrize(("damage", "message"), [
    (lambda v: "{not json", r"value\.json: cannot be read .*rerun `allysim value`"),
    (lambda v: json.dumps([v]), r"value\.json: expected a JSON object"),
    (lambda v: json.dumps({**v, "contingencies": {}}), r"value\.json: has no contingencies"),
    (lambda v: json.dumps({**v, "contingencies": {"x": {"cost": 1.0, "shapley_npv": None, "shapley_survival": 0}}}),
     r"value\.json: contingencies\.x\.shapley_npv is missing; rerun `allysim value`"),
])
def test_a_broken_study_is_named_with_the_command_that_rewrites_it(study_folder: Path, tmp_path: Path, damage,
                                                                   message: str) -> None:
    value = json.loads((study_folder / "value.json").read_text())
    (tmp_path / "value.json").write_text(damage(value))
    with pytest.raises(OutputError, match=message):
        load_output(tmp_path)


def test_render_study_chart_refuses_an_unknown_chart_and_broken_data(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown study chart 'tornado'"):
        render_study_chart("tornado", {}, tmp_path, "png")
    with pytest.raises(OutputError, match=r"drivers\.json: has no risks"):
        render_study_chart("risk_drivers", {"plan": "a", "risks": {}}, tmp_path, "png")
    with pytest.raises(OutputError, match="has no risks"):
        render_study_chart("risk_drivers", {"plan": "a", "risks": {}}, tmp_path / "absent", "png")
    assert not (tmp_path / "absent").exists()  # refused before anything is created
    assert render_study_chart("risk_drivers", {}, tmp_path, "none") == []
