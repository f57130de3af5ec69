"""Checkpoints directly: chunks come back exactly, a checkpoint of another run is refused, nothing half-written stays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from allysim.checkpoint import Checkpoint, checkpoint_path
from allysim.errors import UsageError
from allysim.results import PlanRuns

MANIFEST = {"scenario_sha256": "ab" * 32, "seed": 7, "runs": 10, "precision": None, "variants": {"v0": [["c"], []]}}


def chunk(start: int, stop: int, seed: int) -> dict[str, PlanRuns]:
    """A chunk of random plan runs with every field filled."""
    rng = np.random.default_rng(seed)
    runs = PlanRuns.empty(stop - start, risks=3, contingencies=2)
    for name in PlanRuns.fields():
        array = getattr(runs, name)
        array[...] = rng.integers(0, 5, array.shape) if array.dtype.kind in "iu" else rng.random(array.shape)
    return {"v0": runs}


def test_the_checkpoint_is_a_hidden_sibling_of_the_output_folder() -> None:
    assert checkpoint_path("reports/jv") == Path("reports/.jv.checkpoint")


def test_saved_chunks_come_back_exactly(tmp_path: Path) -> None:
    keeper = Checkpoint(tmp_path / "cp", MANIFEST)
    assert keeper.start(resume=False) == {}
    saved = {(0, 4): chunk(0, 4, 1), (4, 10): chunk(4, 10, 2)}
    for (start, stop), part in saved.items():
        keeper.save(start, stop, part)
    assert not list((tmp_path / "cp").glob("*.tmp")) and not list((tmp_path / "cp").glob(".*"))
    loaded = Checkpoint(tmp_path / "cp", MANIFEST).start(resume=True)
    assert sorted(loaded) == sorted(saved)
    for key, part in saved.items():
        for name in PlanRuns.fields():
            np.testing.assert_array_equal(getattr(loaded[key]["v0"], name), getattr(part["v0"], name))
    assert Checkpoint.saved_seed(tmp_path / "cp") == 7


def test_a_checkpoint_of_another_run_is_refused_and_a_fresh_start_clears_it(tmp_path: Path) -> None:
    keeper = Checkpoint(tmp_path / "cp", MANIFEST)
    keeper.start(resume=False)
    keeper.save(0, 4, chunk(0, 4, 1))
    with pytest.raises(UsageError, match="belongs to another run"):
        Checkpoint(tmp_path / "cp", {**MANIFEST, "seed": 8}).start(resume=True)
    assert Checkpoint(tmp_path / "cp", {**MANIFEST, "seed": 8}).start(resume=False) == {}
    assert not list((tmp_path / "cp").glob("chunk-*.npz"))


def test_finish_removes_the_checkpoint(tmp_path: Path) -> None:
    keeper = Checkpoint(tmp_path / "cp", MANIFEST)
    keeper.start(resume=False)
    keeper.save(0, 4, chunk(0, 4, 1))
    keeper.finish()
    assert not (tmp_path / "cp").exists() and Checkpoint.saved_seed(tmp_path / "cp") is None
