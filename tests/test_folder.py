"""The read side of an output folder against the write side: what outputs.py writes, folder.py reads back exactly;
what is damaged is named in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import allysim
from allysim.errors import OutputError
from allysim.folder import load_output, read_runs_csv
from allysim.outputs import atomic_file, write_results

SCENARIO = """\
allysim: 1
name: Folder
horizon: 5
risks:
  - {id: feud, rate: 0.3, impact: {fatal: 0.5, health: 0.2}}
contingencies:
  - {id: talks, trigger: {on: feud}, effect: {reduce_impact: 0.5}}
plans:
  none: []
  talks: [talks]
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[allysim.Results, Path]:
    results = allysim.simulate(allysim.parse_scenario(SCENARIO, source="f.yaml"), runs=200, seed=3)
    folder = tmp_path_factory.mktemp("out")
    write_results(results, folder)
    return results, folder


def test_what_is_written_is_read_back(written: tuple[allysim.Results, Path]) -> None:
    results, folder = written
    data = load_output(folder)
    assert data.plans == ["none", "talks"] and data.summary == json.loads((folder / "summary.json").read_text())
    for name, runs in results.plans.items():
        table = data.runs[name]
        np.testing.assert_array_equal(table.run, np.arange(200))
        np.testing.assert_allclose(table.lifetime, runs.lifetime, rtol=1e-9)
        np.testing.assert_allclose(table.npv, runs.npv, rtol=1e-9)
        np.testing.assert_array_equal(table.survived, runs.cause < 0)
    assert data.health is not None and data.health.plans["talks"]["p50"].shape == (len(data.health.grid),)
    assert data.provenance.seed == 3 and data.provenance.runs == 200


def test_a_damaged_row_is_named_with_its_line(written: tuple[allysim.Results, Path], tmp_path: Path) -> None:
    lines = (written[1] / "runs.csv").read_text().splitlines()
    lines[2] = lines[2].replace("true", "maybe").replace("false", "maybe")
    (tmp_path / "runs.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(OutputError, match=r"runs\.csv:3: survived must be true or false"):
        read_runs_csv(tmp_path / "runs.csv")


def test_a_missing_folder_or_file_is_one_line(written: tuple[allysim.Results, Path], tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no such output folder"):
        load_output(tmp_path / "nowhere")
    (tmp_path / "summary.json").write_text((written[1] / "summary.json").read_text())
    with pytest.raises(OutputError, match=r"runs\.csv: missing"):
        load_output(tmp_path)


def test_an_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target, text=True) as fh:
        fh.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


# --------------------------------------------------------------------------- the one table of studies


def test_every_surface_reads_the_one_study_registry():
    """Each study of the registry is a command; each of its charts has a drawer; the deck shows every chart the
    registry gives a slide; the workbook and the method slide name a study by its registry entry (no table of their
    own to drift)."""
    from allysim.cli import cli
    from allysim.deck import DECK_CHARTS
    from allysim.plotting.render import PANEL_CHARTS
    from allysim.study_registry import CHARTS, RUN_CHARTS, STUDIES, study, study_of_chart

    assert set(cli.commands) >= {s.name for s in STUDIES}
    assert set(PANEL_CHARTS) == {c.name for s in STUDIES for c in s.charts}
    assert list(DECK_CHARTS) == [c.name for c in (*RUN_CHARTS, *(c for s in STUDIES for c in s.charts)) if c.on_deck]
    assert [c for c, chart in CHARTS.items() if not chart.on_deck] == ["information", "calibration"]
    assert all(c.title for c in CHARTS.values())
    assert study_of_chart("switch") is study("sensitivity") and study("sensitivity").title == "Sensitivity"
    assert len({s.sheet for s in STUDIES}) == len(STUDIES) and len({s.file for s in STUDIES}) == len(STUDIES)


def test_the_method_slide_names_each_study_by_its_title(tmp_path):
    from click.testing import CliRunner
    from pptx import Presentation

    from allysim.cli import cli

    path = tmp_path / "folder.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    for command in (["run"], ["drivers"]):
        result = runner.invoke(cli, [*command, str(path), "--runs", "60", "--seed", "2", "--workers", "1", "--quiet",
                                     "--format", "none", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["deck", str(out), "--no-brief"]).exit_code == 0
    texts = " ".join(shape.text_frame.text for slide in Presentation(str(out / "deck.pptx")).slides
                     for shape in slide.shapes if shape.has_text_frame)
    assert "Risk drivers (drivers.json): 60 runs, seed 2, as the run." in texts



def test_a_value_json_without_its_verdicts_is_judged_once_as_the_folder_is_read(tmp_path: Path) -> None:
    """The contingency value chart colours each bar by the verdict value.json records; a file written before
    verdicts were recorded gets them from the reader (the interval widened by the sampling error, against the
    materiality), so the chart never judges an effect itself; a recorded verdict is kept as written."""
    from allysim.folder import with_verdicts

    def entry(mean: float, ci: list[float], se: float | None = None) -> dict:
        return {"shapley_npv": mean, "shapley_npv_ci95": ci, **({"shapley_npv_sampling_se": se} if se else {})}

    study = {"materiality": {"value": 0.5}, "contingencies": {
        "pays": entry(2.0, [1.0, 3.0]), "noise": entry(2.0, [1.0, 3.0], se=1.0), "small": entry(0.2, [0.1, 0.3]),
        "kept": {**entry(2.0, [1.0, 3.0]), "shapley_verdict": "unclear"}}}
    judged = {c: e["shapley_verdict"] for c, e in with_verdicts(study)["contingencies"].items()}
    assert judged == {"pays": "better", "noise": "unclear", "small": "tied", "kept": "unclear"}
