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
    keeper = Checkpoint(tmp_path / "cp", MANIFEST, after=0)
    assert keeper.start(resume=False) == {}
    saved = {(0, 4): chunk(0, 4, 1), (4, 10): chunk(4, 10, 2)}
    for (start, stop), part in saved.items():
        keeper.save(start, stop, part)
    assert not list((tmp_path / "cp").glob("*.tmp")) and not list((tmp_path / "cp").glob(".*"))
    loaded = Checkpoint(tmp_path / "cp", MANIFEST, after=0).start(resume=True)
    assert sorted(loaded) == sorted(saved)
    for key, part in saved.items():
        for name in PlanRuns.fields():
            np.testing.assert_array_equal(getattr(loaded[key]["v0"], name), getattr(part["v0"], name))
    assert Checkpoint.saved_seed(tmp_path / "cp") == 7


def test_a_checkpoint_of_another_run_is_refused_and_a_fresh_start_clears_it(tmp_path: Path) -> None:
    keeper = Checkpoint(tmp_path / "cp", MANIFEST, after=0)
    keeper.start(resume=False)
    keeper.save(0, 4, chunk(0, 4, 1))
    with pytest.raises(UsageError, match="belongs to another run"):
        Checkpoint(tmp_path / "cp", {**MANIFEST, "seed": 8}, after=0).start(resume=True)
    assert Checkpoint(tmp_path / "cp", {**MANIFEST, "seed": 8}, after=0).start(resume=False) == {}
    assert not list((tmp_path / "cp").glob("chunk-*.npz"))


def test_finish_removes_the_checkpoint(tmp_path: Path) -> None:
    keeper = Checkpoint(tmp_path / "cp", MANIFEST, after=0)
    keeper.start(resume=False)
    keeper.save(0, 4, chunk(0, 4, 1))
    keeper.finish()
    assert not (tmp_path / "cp").exists() and Checkpoint.saved_seed(tmp_path / "cp") is None


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


def test_chunks_are_held_for_the_first_seconds_then_written_all_together(tmp_path: Path, monkeypatch) -> None:
    clock = Clock()
    monkeypatch.setattr("allysim.checkpoint.time", clock)
    folder = tmp_path / "cp"
    keeper = Checkpoint(folder, MANIFEST, after=2.0)
    keeper.start(resume=False)
    parts = {(0, 2): chunk(0, 2, 1), (2, 4): chunk(2, 4, 2), (4, 7): chunk(4, 7, 3), (7, 10): chunk(7, 10, 4)}
    on_disk = []
    for (start, stop), part in parts.items():
        keeper.save(start, stop, part)
        on_disk.append(len(list(folder.glob("chunk-*.bin"))) if folder.exists() else None)
        clock.now += 0.9  # each chunk takes 0.9 s: the third one finishes 1.8 s in, the fourth 2.7 s in
    assert on_disk == [None, None, None, 4]  # nothing at all, then every chunk at once
    assert keeper.on_disk and keeper.saved == 4
    loaded = Checkpoint(folder, MANIFEST).start(resume=True)
    assert sorted(loaded) == sorted(parts)
    for key, part in parts.items():
        for name in PlanRuns.fields():
            np.testing.assert_array_equal(getattr(loaded[key]["v0"], name), getattr(part["v0"], name))


def test_a_run_shorter_than_the_wait_writes_no_checkpoint_and_the_same_numbers(tmp_path: Path) -> None:
    import allysim

    scenario = allysim.load_scenario(Path(__file__).resolve().parent / "data" / "perf.yaml")
    folder = tmp_path / "cp"
    seen = []

    def look(done: int) -> None:
        seen.append(folder.exists())

    quiet = allysim.simulate(scenario, runs=400, seed=3, workers=1, checkpoint=folder, keep_checkpoint=True,
                             checkpoint_after=3600, progress=look)
    assert len(seen) > 1 and not any(seen) and not folder.exists()
    saved = allysim.simulate(scenario, runs=400, seed=3, workers=1, checkpoint=folder, keep_checkpoint=True,
                             checkpoint_after=0)
    assert len(list(folder.glob("chunk-*.bin"))) == len(seen)  # the same chunks, written at once this time
    for name in quiet.plans:
        for field in PlanRuns.fields():
            np.testing.assert_array_equal(getattr(quiet.plans[name], field), getattr(saved.plans[name], field))


@pytest.mark.parametrize("text", ["soon", "-1", "inf", "nan"])
def test_a_bad_wait_in_the_environment_is_a_usage_error(text: str, monkeypatch) -> None:
    monkeypatch.setenv("ALLYSIM_CHECKPOINT_AFTER", text)
    with pytest.raises(UsageError, match="ALLYSIM_CHECKPOINT_AFTER must be a number of seconds >= 0"):
        Checkpoint("cp", MANIFEST)


def test_the_wait_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("ALLYSIM_CHECKPOINT_AFTER", " 0.5 ")
    assert Checkpoint("cp", MANIFEST).after == 0.5
    monkeypatch.delenv("ALLYSIM_CHECKPOINT_AFTER")
    assert Checkpoint("cp", MANIFEST).after == 5.0
