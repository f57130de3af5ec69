"""Paired plan comparison, contingency values (Shapley) and risk drivers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.studies import compare, contingency_values, risk_drivers

BENCH = Path(__file__).resolve().parent / "data" / "perf.yaml"  # a copy of the benchmark scenario
ROOT = Path(__file__).resolve().parents[1]


def scenario(text: str) -> allysim.Scenario:
    return allysim.parse_scenario(text, source="t.yaml")


def four_se(x: np.ndarray) -> float:
    return 4 * float(np.std(x, ddof=1)) / math.sqrt(len(x))


RESCUE = """\
allysim: 1
name: Rescue
horizon: {T}
alliance: {{value_rate: 10}}
risks:
  - {{id: shock, rate: {lam}, impact: {{fatal: 1}}}}
contingencies:
  - id: rescue
    trigger: {{on: dissolution}}
    success: {s}
    effect: {{rescue_health: 1}}
    cost: {{per_activation: 0.5}}
  - id: idle
    trigger: {{on: never}}
    effect: {{restore_health: 0.1}}
    cost: {{setup: 2.0, per_activation: 9}}
  - id: twin_a
    trigger: {{health_below: 0.99}}
    effect: {{restore_health: 0.1}}
  - id: twin_b
    trigger: {{health_below: 0.99}}
    effect: {{restore_health: 0.1}}
plans:
  none: []
  rescue_only: [rescue]
  all: all
"""


def rescue_scenario(T=5.0, lam=0.2, s=0.6, never_rate=0.0):
    text = RESCUE.format(T=T, lam=lam, s=s) + ""
    text = text.replace("risks:\n", f"risks:\n  - {{id: never, rate: {never_rate}, impact: {{health: 0.5}}}}\n")
    return scenario(text)


def test_rescue_value_matches_the_closed_form():
    T, lam, s, runs = 5.0, 0.2, 0.6, 6000
    study = contingency_values(rescue_scenario(T, lam, s), plan="rescue_only", runs=runs, seed=3)
    data = study.to_dict()
    assert data["method"] == "exact"
    res = study.results
    whole, without = res.plans["{rescue}"], res.plans["{}"]
    diff = (whole.cause < 0).astype(float) - (without.cause < 0).astype(float)
    # survival with unlimited rescues of success s is exp(-lam (1 - s) T); without, exp(-lam T)
    expected = math.exp(-lam * (1 - s) * T) - math.exp(-lam * T)
    assert data["contingencies"]["rescue"]["survival"]["mean"] == pytest.approx(diff.mean())
    assert abs(diff.mean() - expected) < four_se(diff)


def test_null_contingency_is_worth_exactly_minus_its_cost():
    data = contingency_values(rescue_scenario(), plan="all", runs=500, seed=1).to_dict()
    idle = data["contingencies"]["idle"]
    # it never triggers: the only difference it makes is its setup cost, paid at t = 0, in every run
    assert idle["cost"] == pytest.approx(2.0)
    assert idle["npv"]["mean"] == pytest.approx(-2.0)
    assert idle["npv"]["ci95"] == pytest.approx([-2.0, -2.0])
    assert idle["survival"]["mean"] == 0.0
    assert idle["shapley_npv"] == pytest.approx(-2.0) and idle["shapley_survival"] == 0.0
    assert idle["gross_npv"] == pytest.approx(0.0, abs=1e-9)


def test_identical_contingencies_get_equal_shapley_values():
    sc = rescue_scenario(never_rate=0.8)  # 'never' now drops health below 0.99 and triggers the twins
    data = contingency_values(sc, plan="all", runs=400, seed=2).to_dict()
    a, b = data["contingencies"]["twin_a"], data["contingencies"]["twin_b"]
    assert a["shapley_npv"] != 0
    # the twins draw no randomness of their own (success 1, no delay), so symmetry holds run by run
    assert a["shapley_npv"] == pytest.approx(b["shapley_npv"], rel=1e-12, abs=1e-12)
    assert a["shapley_survival"] == pytest.approx(b["shapley_survival"], abs=1e-12)


@pytest.mark.parametrize("path", [BENCH, ROOT / "scenarios" / "joint_venture.yaml"])
def test_shapley_values_add_up_to_the_whole_plan(path):
    data = contingency_values(allysim.load_scenario(path), runs=150, seed=5).to_dict()
    total = data["total"]
    assert sum(c["shapley_npv"] for c in data["contingencies"].values()) == pytest.approx(total["npv"]["mean"])
    assert sum(c["shapley_survival"] for c in data["contingencies"].values()) == pytest.approx(
        total["survival"]["mean"], abs=1e-12)


def many_contingencies(n: int) -> allysim.Scenario:
    many = "\n".join(f"  - {{id: c{i}, trigger: {{on: hit}}, success: 0.5, effect: {{restore_health: {(i + 1) / 100}}}}}"
                     for i in range(n))
    return scenario(f"""\
allysim: 1
name: Many
horizon: 4
alliance: {{value_rate: 5, health: {{dissolve_below: 0.3}}}}
risks:
  - {{id: hit, rate: 2, impact: {{health: 0.15}}}}
contingencies:
{many}
""")


def test_shapley_is_exact_up_to_ten_contingencies():
    data = contingency_values(many_contingencies(10), runs=30, seed=1).to_dict()
    assert data["method"] == "exact" and data["sharing"]["variants"] == 2**10
    assert sum(v["shapley_npv"] for v in data["contingencies"].values()) == pytest.approx(data["total"]["npv"]["mean"])
    assert sum(v["shapley_survival"] for v in data["contingencies"].values()) == pytest.approx(
        data["total"]["survival"]["mean"], abs=1e-12)


def test_sampled_shapley_beyond_ten_contingencies():
    study = contingency_values(many_contingencies(11), runs=40, seed=1, permutations=6)
    data = study.to_dict()
    assert data["method"] == "permutation"
    values = data["contingencies"]
    # each sampled order telescopes from no contingency to all of them, so efficiency holds exactly
    assert sum(v["shapley_npv"] for v in values.values()) == pytest.approx(data["total"]["npv"]["mean"])
    assert all(v["shapley_npv_sampling_se"] is not None for v in values.values())
    assert len(set(map(id, study.results.plans.values()))) <= 2 + 11 + 6 * 10  # only the subsets met along the sampled orders


def test_compare_matches_paired_differences_and_is_narrower_than_unpaired():
    sc = allysim.load_scenario(BENCH)
    cmp = compare(sc, runs=2000, seed=1)
    data = cmp.to_dict()
    assert data["baseline"] == "do_nothing" and list(data["plans"]) == ["full"]
    base, full = cmp.results.plans["do_nothing"], cmp.results.plans["full"]
    d = full.npv - base.npv
    entry = data["plans"]["full"]
    assert entry["npv"]["mean"] == pytest.approx(d.mean())
    assert entry["p_better"] == pytest.approx(np.mean(full.npv > base.npv))
    paired_se = d.std(ddof=1) / math.sqrt(len(d))
    unpaired_se = math.sqrt(base.npv.var(ddof=1) / len(d) + full.npv.var(ddof=1) / len(d))
    ratio = paired_se / unpaired_se
    print(f"paired / unpaired NPV standard error on perf.yaml: {ratio:.2f}")
    assert ratio < 0.8
    lo, hi = entry["npv"]["ci95"]
    assert hi - lo == pytest.approx(2 * 1.9610 * paired_se, rel=1e-3)


def test_compare_uses_the_first_named_plan_as_baseline():
    sc = allysim.load_scenario(BENCH)
    data = compare(sc, plans=["full", "do_nothing"], runs=100, seed=1).to_dict()
    assert data["baseline"] == "full" and list(data["plans"]) == ["do_nothing"]
    with pytest.raises(allysim.UsageError):
        compare(sc, plans=["full"], runs=10)


def test_drivers_match_competing_risk_closed_form():
    T, l1, l2, runs = 5.0, 0.15, 0.1, 6000
    sc = scenario(f"""\
allysim: 1
name: Two fatal risks
horizon: {T}
risks:
  - {{id: a, rate: {l1}, impact: {{fatal: 1}}}}
  - {{id: b, rate: {l2}, impact: {{fatal: 1}}}}
""")
    study = risk_drivers(sc, runs=runs, seed=9)
    data = study.to_dict()
    with_all = (study.results.plans["default"].cause < 0).astype(float)
    for rid, other in (("a", l2), ("b", l1)):
        # removing one risk leaves the other: survival gain exp(-other T) - exp(-(l1 + l2) T)
        expected = math.exp(-other * T) - math.exp(-(l1 + l2) * T)
        without = (study.results.plans[f"without {rid}"].cause < 0).astype(float)
        diff = without - with_all
        assert data["risks"][rid]["survival"]["mean"] == pytest.approx(diff.mean())
        assert abs(diff.mean() - expected) < four_se(diff)


def test_identical_variants_are_simulated_once():
    sc = allysim.load_scenario(BENCH)
    v = allysim.Variant(sc.plan_sets["full"])
    results = allysim.simulate_variants(sc, {"a": v, "b": v}, runs=20, seed=1)
    assert results.plans["a"] is results.plans["b"]


def test_cli_commands_write_their_json(tmp_path):
    runner = CliRunner()
    for command, name, keys in (("compare", "compare.json", {"baseline", "plans"}),
                                ("value", "value.json", {"plan", "contingencies"}),
                                ("drivers", "drivers.json", {"plan", "risks"})):
        out = tmp_path / command
        result = runner.invoke(cli, [command, str(BENCH), "--runs", "60", "--seed", "2", "--out", str(out),
                                     "--format", "none", "--workers", "1"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        data = json.loads((out / name).read_text())
        assert keys <= set(data) and data["runs"] == 60 and data["seed"] == 2
    value = json.loads((tmp_path / "value" / "value.json").read_text())
    entry = value["contingencies"]["renegotiation"]
    assert {"npv", "survival", "cost", "shapley_npv", "shapley_survival"} <= set(entry)
    assert {"mean", "ci95", "verdict"} <= set(entry["npv"]) <= {"mean", "ci95", "verdict", "settling_runs"}
    cmp = json.loads((tmp_path / "compare" / "compare.json").read_text())
    assert set(cmp["plans"]["full"]) == {"npv", "survival", "p_better"}
    bad = runner.invoke(cli, ["value", str(BENCH), "--plan", "nope", "--out", str(tmp_path / "n")])
    assert bad.exit_code == 2 and not (tmp_path / "n").exists()


def test_compare_pairs_the_tail_measures_against_a_poisson_closed_form():
    # NPV = 6 - N without the reducer and 6 - N / 2 with it (N ~ Poisson(4) claims of cost 1, no discounting):
    # the reducer raises the mean of the worst 10% by half the top-10% mean of N, and its paired influence term is
    # half the baseline's, (N - k)+ / 0.1 / 2, so the paired standard error is half the baseline's own
    from scipy import stats as sp

    from conftest import poisson_tail

    runs = 20_000
    sc = scenario("""\
allysim: 1
name: Halved claims
horizon: 2
discount_rate: 0
alliance: {value_rate: 3}
risks:
  - {id: claim, rate: 2, impact: {cost: 1}}
contingencies:
  - {id: halve, trigger: {on: claim}, effect: {reduce_impact: 0.5}}
plans:
  none: []
  halved: [halve]
""")
    study = compare(sc, runs=runs, seed=23)
    entry = study.to_dict()["plans"]["halved"]["npv"]
    tail, var = poisson_tail(4.0)
    tol = 4 * 0.5 * math.sqrt(var / runs)
    assert abs(entry["cvar10"]["mean"] - 0.5 * tail) <= tol, (entry["cvar10"], 0.5 * tail, tol)
    assert abs(entry["cvar10"]["mean"] - tail) > 2 * tol  # the whole tail mean (a reducer applied twice) is apart
    lo, hi = entry["cvar10"]["ci95"]
    assert abs((hi - lo) / 2 / (1.96 * 0.5 * math.sqrt(var / runs)) - 1) < 0.1
    summary = {name: allysim.stats.cvar(p.npv)["estimate"] for name, p in study.results.plans.items()}
    assert entry["cvar10"]["mean"] == pytest.approx(summary["halved"] - summary["none"], abs=1e-12)
    # P(loss): P(N > 12) - P(N > 6), paired run by run
    expected = float(sp.poisson.sf(12, 4.0) - sp.poisson.sf(6, 4.0))
    # a run with exactly 6 claims breaks even (NPV 0, to rounding): not a loss
    d = (study.results.plans["halved"].occurrences[:, 0] > 12).astype(float) - \
        (study.results.plans["none"].occurrences[:, 0] > 6)
    assert entry["p_loss"]["mean"] == pytest.approx(d.mean())
    assert abs(entry["p_loss"]["mean"] - expected) <= four_se(d)
