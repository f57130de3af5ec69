"""The runner: executors, chunking and precision-driven stopping give the numbers a plain run gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import allysim
from allysim.runner import chunk_ranges

BENCH = Path(__file__).resolve().parent / "data" / "perf.yaml"


@pytest.fixture(scope="module")
def perf():
    return allysim.load_scenario(BENCH)


def same(a: allysim.Results, b: allysim.Results) -> bool:
    return json.dumps(a.summary(), sort_keys=True) == json.dumps(b.summary(), sort_keys=True) and all(
        np.array_equal(getattr(a.plans[k], f), getattr(b.plans[k], f))
        for k in a.plans for f in ("lifetime", "npv", "cause", "health_hist", "costs"))


def test_chunks_cover_every_replication_once():
    for start, stop, workers in ((0, 1, 1), (0, 10_000, 2), (37, 1234, 3), (0, 7, 8)):
        ranges = chunk_ranges(start, stop, workers)
        covered = [i for a, b in ranges for i in range(a, b)]
        assert covered == list(range(start, stop))


def test_precision_stops_early_and_matches_a_plain_run(perf):
    results = allysim.simulate(perf, runs=50_000, seed=4, precision=0.02)
    report = results.precision
    assert report["met"] and report["runs_used"] == results.runs < 50_000
    for reached in report["reached"].values():
        assert reached["survival_halfwidth"] <= 0.02 and reached["npv_relative_halfwidth"] <= 0.02
    plain = allysim.simulate(perf, runs=results.runs, seed=4)
    summary = results.summary()
    assert summary["precision"] == report and summary["runs"] == results.runs
    assert summary["plans"] == plain.summary()["plans"]


def test_precision_caps_at_runs(perf):
    results = allysim.simulate(perf, runs=300, seed=4, precision=0.001)
    assert results.runs == 300 and results.precision["met"] is False


def test_dask_local_cluster_gives_identical_results(perf):
    pytest.importorskip("dask.distributed")
    local = allysim.simulate(perf, runs=300, seed=8, workers=1)
    dask = allysim.simulate(perf, runs=300, seed=8, workers=2, executor="dask", scheduler="local")
    assert same(local, dask)


def test_bad_arguments_are_usage_errors(perf):
    for kwargs in ({"runs": 0}, {"seed": -1}, {"workers": 0}, {"precision": 1.5}, {"plans": ["nope"]},
                   {"executor": "mpi"}, {"scheduler": "tcp://x:1"}):
        with pytest.raises(allysim.UsageError):
            allysim.simulate(perf, **{"runs": 10, **kwargs})
