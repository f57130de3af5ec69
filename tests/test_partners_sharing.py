"""Paths shared between line-ups of candidate partners are the very bits an exhaustive simulation gives.

A path simulated for one line-up stands for another line-up of the same contingencies until a candidate in one and
not the other tries to leave, and where a line-up with fewer partners falls short at a membership check the larger
one passed, that line-up's alliance ends there, on the same path (allysim.lineups). These tests hold every derived
array, chart histogram and study to ``exhaustive=True``, on a scenario where each of those happens often.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

import allysim
import allysim.engine
import allysim.sharing
from allysim import Variant, lineups
from allysim.cli import cli
from allysim.sharing import masks_of

from conftest import scenario_from_yaml

SEED = 20261207

CHOOSING = """
    allysim: 1
    name: choosing partners
    horizon: 8
    discount_rate: 0.06
    alliance:
      health: {initial: 0.95, dissolve_below: 0.25, recovery: 0.35}
      value_rate: 10
      min_partners: 3
      min_share: 0.55
    partners:
      - {id: anchor, share: 0.3, required: true, exit: {rate: 0.03, health_below: {x: 0.5, factor: 3}}}
      - {id: founder, share: 0.2, exit: {rate: 0.08, contagion: 1.5}, on_exit: {health: 0.1, cost: 1}}
      - {id: alpha, share: {uniform: {low: 0.15, high: 0.25}}, candidate: true, cost: {setup: 0.5, per_time: 0.1},
         exit: {rate: 0.15, contagion: 1.3}, on_exit: {health: {uniform: {low: 0.05, high: 0.15}}}}
      - {id: beta, share: 0.2, candidate: true, cost: {setup: 1.0, per_time: 0.2},
         exit: {rate: 0.06, health_below: {x: 0.6, factor: 2}}}
      - {id: gamma, share: 0.15, candidate: true, cost: {setup: 0.3}, exit: {probability: 0.1}, on_exit: {cost: 0.5}}
    risks:
      - id: shift
        rate: 0.4
        impact:
          health: {triangular: {low: 0.05, likely: 0.15, high: 0.35}}
          cost: 0.5
          exit: {founder: 0.2, alpha: 0.2}
          escalates: [{partner: gamma, factor: 2, duration: 1}]
      - id: dispute
        probability: 0.2
        impact: {health: {uniform: {low: 0.1, high: 0.3}}, fatal: 0.05}
    contingencies:
      - id: retain
        trigger: {on: exit}
        success: 0.5
        effect: {retain: true}
        cost: {per_activation: 0.8}
      - id: backfill
        trigger: {on: exit}
        delay: {uniform: {low: 0.3, high: 0.8}}
        success: 0.6
        effect: {replace: true}
        cost: {setup: 0.2, per_activation: 1}
      - id: calm
        trigger: {health_below: 0.6}
        effect: {rate_factor: [{partner: alpha, factor: 0.5, duration: 2}, {partner: founder, factor: 0.5, duration: 2}]}
        cost: {per_activation: 0.3}
      - id: rescue
        trigger: {on: dissolution}
        success: 0.4
        effect: {rescue_health: 0.4}
    environment:
      initial: calm
      states:
        calm: {}
        storm: {exits: {beta: 3, founder: 2}, rates: {shift: 2}, value: 0.8}
      transitions: {calm: {storm: 0.3}, storm: {calm: 1.0}}
    plans:
      with_alpha: [alpha]
      broad: [alpha, beta, gamma, retain, backfill]
    """

FIELDS = ("lifetime", "cause", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience",
          "occurrences", "activations", "successes", "costs", "health_hist", "env_time", "env_state", "env_hist",
          "partner_costs", "partner_exit", "partner_tenure", "partners_end")


def assert_identical(a: allysim.Results, b: allysim.Results) -> None:
    assert a.plans.keys() == b.plans.keys()
    for name in a.plans:
        p, q = a.plans[name], b.plans[name]
        for field in FIELDS:
            x, y = getattr(p, field), getattr(q, field)
            assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), (name, field)
        assert list(p.exits) == list(q.exits), name


def every_variant(s: allysim.Scenario) -> dict[str, Variant]:
    ids = s.choice_ids
    variants = {",".join(c) or "-": Variant(c) for k in range(len(ids) + 1) for c in combinations(ids, k)}
    variants["founder steady"] = Variant(("alpha", "retain"), removed_risks=("founder",))
    variants["alpha steady"] = Variant(("alpha", "beta", "calm"), removed_risks=("alpha",))
    variants["no shift"] = Variant(("beta", "gamma", "backfill"), removed_risks=("shift",))
    variants["held"] = Variant(("alpha", "gamma"), hold_environment=True)
    return variants


@pytest.mark.parametrize("quorum", ["min_partners: 3\n      min_share: 0.55", "min_partners: 1\n      min_share: 0.7"])
def test_line_ups_share_paths_and_give_the_exhaustive_bits(monkeypatch: pytest.MonkeyPatch, quorum: str):
    # a quorum of three (a line-up with one candidate ends at the first exit), or a share of 0.7 that some line-ups
    # cannot reach at t = 0 (each such alliance credited to its own first missing partner)
    s = scenario_from_yaml(CHOOSING.replace("min_partners: 3\n      min_share: 0.55", quorum))
    endings = []
    made = lineups.Ending.outcome
    monkeypatch.setattr(lineups.Ending, "outcome", lambda self, model: endings.append(1) or made(self, model))
    variants = every_variant(s)
    runs = 150
    shared = allysim.simulate_variants(s, variants, runs=runs, seed=SEED, workers=1)
    exhaustive = allysim.simulate_variants(s, variants, runs=runs, seed=SEED, workers=1, exhaustive=True)
    assert_identical(shared, exhaustive)
    # the same with each line-up a world of its own (as when a review reads the partners in): more paths
    with monkeypatch.context() as patch:
        for module in (allysim.sharing, allysim.engine):
            patch.setattr(module, "lineups_share_paths", lambda scenario: False)
        apart = allysim.simulate_variants(s, variants, runs=runs, seed=SEED, workers=1)
    assert_identical(apart, exhaustive)
    assert shared.sharing()["simulated"] < 0.8 * apart.sharing()["simulated"]
    assert endings or s.min_partners == 1


def test_partner_studies_across_line_ups_are_the_same_shared_exhaustive_and_on_two_workers(tmp_path: Path):
    path = tmp_path / "choosing.yaml"
    path.write_text(CHOOSING.replace("\n    ", "\n"))
    out = {}
    for name, extra in (("paths", []), ("exhaustive", ["--exhaustive"]), ("two", ["--workers", "2"])):
        for study in ("value", "optimize"):
            folder = tmp_path / f"{name}_{study}"
            result = CliRunner().invoke(cli, [study, str(path), "--runs", "120", "--seed", "9", "--format", "none",
                                              "--quiet", "--out", str(folder), *extra])
            assert result.exit_code == 0, result.output
            data = json.loads((folder / f"{study}.json").read_text())
            out[name, study] = json.dumps({k: v for k, v in data.items() if k not in ("sharing", "scenario_file")},
                                          sort_keys=True)
    for study in ("value", "optimize"):
        assert out["paths", study] == out["exhaustive", study] == out["two", study], study


def test_a_review_reading_the_partners_in_keeps_each_line_up_a_world_of_its_own():
    text = CHOOSING.replace("""      - id: rescue
        trigger: {on: dissolution}""", """      - id: board
        trigger: {review: [2, 4], if: {partners_below: 4}}
        effect: {restore_health: 0.1}
      - id: rescue
        trigger: {on: dissolution}""")
    s = scenario_from_yaml(text)
    assert not allysim.membership.lineups_share_paths(s)
    assert masks_of(s, ("alpha",), ()).world != masks_of(s, ("alpha", "beta"), ()).world
    shared_s = scenario_from_yaml(CHOOSING)
    assert masks_of(shared_s, ("alpha",), ()).world == masks_of(shared_s, ("alpha", "beta"), ()).world
    variants = {",".join(c): Variant(c) for c in (("alpha",), ("alpha", "beta"), ("alpha", "beta", "board"),
                                                  ("beta", "gamma", "board", "retain"))}
    shared = allysim.simulate_variants(s, variants, runs=100, seed=SEED, workers=1)
    exhaustive = allysim.simulate_variants(s, variants, runs=100, seed=SEED, workers=1, exhaustive=True)
    assert_identical(shared, exhaustive)
