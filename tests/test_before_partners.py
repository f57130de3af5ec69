"""A scenario without partners gives the same numbers, to the bit, as before partners existed (SPEC section 12).

tests/data/before_partners holds copies of the four shipped scenarios and two benchmark scenarios as they were before
the format gained ``partners`` (tests/data/perf.yaml and stress.yaml are used as they are). Each is simulated with a
fixed seed, several plans at once (so paths are shared), and a few studies; the digest of every outcome array's bytes
must equal the digest recorded when these files were copied, computed by the code of that time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import allysim
from allysim.results import PlanRuns

DATA = Path(__file__).resolve().parent / "data"
BEFORE = DATA / "before_partners"

_ARRAYS = ("lifetime", "cause", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience",
           "occurrences", "activations", "successes", "costs", "health_hist", "env_time", "env_state", "env_hist")


def _digest(plans: dict[str, PlanRuns]) -> str:
    """SHA-256 (first 16 hex) of every plan's outcome arrays, in plan order, as raw bytes of fixed dtypes."""
    h = hashlib.sha256()
    for name, p in plans.items():
        h.update(name.encode())
        for field in _ARRAYS:
            array = np.asarray(getattr(p, field))
            kind = np.float64 if array.dtype.kind == "f" else np.int64
            h.update(field.encode())
            h.update(np.ascontiguousarray(array, dtype=kind).tobytes())
    return h.hexdigest()[:16]


RUNS = {"stress.yaml": 150, "thirty_risks.yaml": 300}
FILES = {name: BEFORE / name for name in ("joint_venture.yaml", "research_consortium.yaml",
                                          "diplomatic_coalition.yaml", "guild_alliance.yaml",
                                          "eight_contingencies.yaml", "thirty_risks.yaml")}
FILES["perf.yaml"] = DATA / "perf.yaml"
FILES["stress.yaml"] = DATA / "stress.yaml"

# computed with the code of the day these files were copied (before partners), seed 20261207
EXPECTED_RUN = {
    "diplomatic_coalition.yaml": "e55910d959192468",
    "eight_contingencies.yaml": "66a6e0c912961622",
    "guild_alliance.yaml": "fed4f16ad009cfd7",
    "joint_venture.yaml": "79179bd3eb84bbbf",
    "perf.yaml": "29fd5cdfcb2bc173",
    "research_consortium.yaml": "3e7a6439a1feb922",
    "stress.yaml": "984df5d96f4bf077",
    "thirty_risks.yaml": "4b6ebfab3a2719f6",
}
EXPECTED_STUDY = {
    "compare": "6e1432828c4d9f7b",
    "value": "7da8862633d666f1",
    "drivers": "243a176b6214b445",
    "optimize": "fdc0665da1b4319a",
}


def run_digest(name: str) -> str:
    scenario = allysim.load_scenario(FILES[name])
    results = allysim.simulate(scenario, runs=RUNS.get(name, 600), seed=20261207, workers=1)
    return _digest(results.plans)


def study_digest(kind: str) -> str:
    if kind == "compare":
        scenario = allysim.load_scenario(FILES["joint_venture.yaml"])
        return _digest(allysim.compare(scenario, runs=500, seed=20261207, workers=1).results.plans)
    if kind == "value":
        scenario = allysim.load_scenario(FILES["research_consortium.yaml"])
        return _digest(allysim.contingency_values(scenario, runs=300, seed=20261207, workers=1).results.plans)
    if kind == "drivers":
        scenario = allysim.load_scenario(FILES["diplomatic_coalition.yaml"])
        return _digest(allysim.risk_drivers(scenario, runs=300, seed=20261207, workers=1).results.plans)
    scenario = allysim.load_scenario(FILES["eight_contingencies.yaml"])  # optimize: 256 portfolios
    result = allysim.optimize(scenario, runs=200, seed=20261207, workers=1)
    h = hashlib.sha256()
    for o in result.outcomes:
        for array in (o.npv, o.alive, o.cost):
            h.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(FILES))
def test_run_is_unchanged_to_the_bit(name: str) -> None:
    assert run_digest(name) == EXPECTED_RUN[name]


@pytest.mark.parametrize("kind", ["compare", "value", "drivers", "optimize"])
def test_study_is_unchanged_to_the_bit(kind: str) -> None:
    assert study_digest(kind) == EXPECTED_STUDY[kind]


if __name__ == "__main__":  # print the digests of the code at hand (to record them once, before a change)
    print({name: run_digest(name) for name in sorted(FILES)})
    print({kind: study_digest(kind) for kind in ("compare", "value", "drivers", "optimize")})
