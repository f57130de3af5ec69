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
