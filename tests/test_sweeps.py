"""sweep: every plan at every value on common random numbers; a fatal rate's sweep against exp(-rate T), exactly
monotone run by run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.streams import shared_layout, sources

SCENARIO = """\
allysim: 1
name: One fatal risk among others
horizon: 3
seed: 9
alliance: {value_rate: 2, health: {recovery: 0.5}}
risks:
  - {id: buyout, rate: 0.1, impact: {fatal: 1}}
  - {id: friction, rate: 1.5, impact: {health: {uniform: {low: 0, high: 0.2}}, cost: {uniform: {low: 0, high: 1}}}}
contingencies:
  - {id: team, trigger: {health_below: 0.6}, success: 0.7, effect: {restore_health: 0.3}, cost: {setup: 0.5}}
plans:
  none: []
  team: [team]
"""
RATES = [0.0, 0.05, 0.1, 0.2, 0.4, 0.8]
RUNS = 3000


@pytest.fixture(scope="module")
def swept():
    scenario = allysim.parse_scenario(SCENARIO)
    # with dissolve_below 0 health never ends the alliance (it dissolves only strictly below the threshold), so
    # only the buyout can: survival is exp(-rate T) whatever friction and the crisis team do
    return allysim.sweep(scenario, "risks.buyout.rate", RATES, runs=RUNS,
                         overrides={"alliance.health.dissolve_below": 0.0})


def test_survival_is_exp_minus_rate_t_at_every_point(swept):
    data = swept.to_dict()
    assert data["parameter"] == "risks.buyout.rate" and data["values"] == RATES
    assert data["overrides"] == {"alliance.health.dissolve_below": 0.0}
    for plan in ("none", "team"):
        for rate, point in zip(RATES, data["plans"][plan]):
            p = math.exp(-rate * 3)
            se = math.sqrt(p * (1 - p) / RUNS)
            assert abs(point["survival"]["estimate"] - p) <= 4 * se + 1e-12, (plan, rate)


def test_survival_falls_monotonically_run_by_run(swept):
    for plan in ("none", "team"):
        alive = [res.plans[plan].cause < 0 for res in swept.results]
        for before, after in zip(alive, alive[1:]):
            assert not np.any(after & ~before)  # no run survives a higher rate that it did not survive a lower one
        estimates = [a.mean() for a in alive]
        assert estimates == sorted(estimates, reverse=True) and estimates[0] == 1.0


def test_points_are_paired(swept):
    data = swept.to_dict()
    second = data["plans"]["none"][1]["change_from_previous"]["survival"]
    lo, hi = second["ci95"]
    assert second["mean"] < 0 and hi - lo < 0.05  # paired: only the runs the new rate ends move
    assert "change_from_previous" not in data["plans"]["none"][0]


def test_best_plan_per_value():
    scenario = allysim.parse_scenario(SCENARIO)
    # the team costs 0.5 up front; it pays only when crises are frequent enough to need it
    data = allysim.sweep(scenario, "contingencies.team.cost.setup", [0.0, 100.0], runs=400).to_dict()
    assert [b["plan"] for b in data["best"]] == ["team", "none"]
    assert data["best"][1]["clear"] and data["best"][1]["runner_up"] == "team"
    assert data["best"][1]["npv_margin"]["mean"] == pytest.approx(100 - 0.0, rel=0.05)


def test_shared_layout_keeps_every_source_in_one_place():
    s = allysim.parse_scenario(SCENARIO)
    a, b = sources(s.with_overrides({"risks.buyout.rate": 0.01})), sources(s.with_overrides({"horizon": 30}))
    shared = shared_layout([a, b])
    assert shared.names == a.names
    assert all(n >= max(x, y) for n, x, y in zip(shared.sizes, a.sizes, b.sizes))


def test_bad_values_are_told_against_the_set():
    s = allysim.parse_scenario(SCENARIO, source="s.yaml")
    with pytest.raises(allysim.ScenarioError, match=r"--set risks.buyout.rate=-1: must be >= 0"):
        allysim.sweep(s, "risks.buyout.rate", [0.1, -1], runs=10)
    with pytest.raises(allysim.ScenarioError, match="has no risk 'buyuot'"):
        allysim.sweep(s, "risks.buyuot.rate", [0.1, 0.2], runs=10)
    with pytest.raises(allysim.UsageError, match="both swept and set"):
        allysim.sweep(s, "horizon", [1, 2], runs=10, overrides={"horizon": 3})


def test_cli_sweep(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sweep", str(path), "--set", "horizon=1:3:3", "--set", "risks.buyout.rate=0.3",
                                      "--plan", "none", "--runs", "200", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "sweep.json").read_text())
    assert data["values"] == [1.0, 2.0, 3.0] and list(data["plans"]) == ["none"]
    assert data["overrides"] == {"risks.buyout.rate": 0.3}
    assert (out / "sweep.png").stat().st_size > 10_000
    for args, message in ((["--set", "horizon=7"], "exactly one --set with several values"),
                          (["--set", "horizon=1:3:1"], "N is the number of points"),
                          (["--set", "horizon=1,-2"], "--set horizon=-2: must be > 0")):
        bad = CliRunner().invoke(cli, ["sweep", str(path), *args, "--runs", "10", "--out", str(tmp_path / "bad")])
        assert bad.exit_code == 2 and message in bad.output, bad.output
        assert not (tmp_path / "bad").exists()


def test_same_numbers_for_any_number_of_workers():
    s = allysim.parse_scenario(SCENARIO)
    one = allysim.sweep(s, "horizon", [1, 2], runs=300, workers=1).to_dict()
    two = allysim.sweep(s, "horizon", [1, 2], runs=300, workers=2).to_dict()
    assert one == two


MIDDLING = """\
allysim: 1
name: a shield that pays only at middling rates
horizon: 10
alliance: {value_rate: 1}
risks:
  - {id: crash, rate: 0.1, impact: {fatal: 1}}
contingencies:
  - {id: shield, trigger: {on: crash}, effect: {reduce_impact: 1}, cost: {setup: 3, per_activation: 0.5}}
plans: {none: [], shield: [shield]}
"""


def _middling(rate: float) -> float:
    """Shield minus none in mean NPV (no discounting): 10 - 3 - 0.5 x 10 rate - (1 - exp(-10 rate)) / rate."""
    return 7 - 5 * rate - (1 - math.exp(-10 * rate)) / rate


def test_every_change_of_the_best_plan_is_a_switch_with_its_interval():
    runs, values = 2000, [0.05, 0.3, 1.0, 1.5]
    s = allysim.parse_scenario(MIDDLING, source="t.yaml")
    study = allysim.sweep(s, "risks.crash.rate", values, runs=runs, seed=8)
    data = study.to_dict()
    assert [b["plan"] for b in data["best"]] == ["none", "shield", "shield", "none"]
    switches = data["switches"]
    assert [(w["from"], w["to"], w["direction"]) for w in switches] == [
        ("none", "shield", "shield better above"), ("shield", "none", "none better above")]
    assert data["switch"] == switches[0]
    for w, k in zip(switches, (1, 3)):
        x0, x1 = values[k - 1], values[k]
        new, old = w["to"], w["from"]
        sign = 1.0 if new == "shield" else -1.0
        d0, d1 = sign * _middling(x0), sign * _middling(x1)  # new minus old, in closed form
        exact = x0 + (x1 - x0) * -d0 / (d1 - d0)  # the crossing of the line between the two values
        # delta method: the crossing's influence per run is h (d0 e1 - d1 e0) / (d1 - d0)^2, e the run's difference
        e0 = study.results[k - 1].plans[new].npv - study.results[k - 1].plans[old].npv
        e1 = study.results[k].plans[new].npv - study.results[k].plans[old].npv
        influence = (x1 - x0) * (d0 * e1 - d1 * e0) / (d1 - d0) ** 2
        se = float(np.std(influence, ddof=1)) / math.sqrt(runs)
        assert abs(w["value"] - exact) < 4 * se, (w, exact, se)
        lo, hi = w["ci95"]
        assert lo is not None and hi is not None and lo < w["value"] < hi < lo + 8 * se
