"""Uncertain parameters (SPEC section 8): validation, draws, copula, and the engine using the draws."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from scipy import special, stats

import allysim
from allysim.errors import ScenarioError
from allysim.runner import Variant, simulate, simulate_variants
from allysim.scenario.uncertain import quantiles
from allysim.uncertainty import Draws


def scenario_from_yaml(text: str) -> allysim.Scenario:
    return allysim.parse_scenario(textwrap.dedent(text), source="t.yaml")


def _fatal_rate(a: float, b: float, horizon: float = 5.0) -> str:
    return f"""
        allysim: 1
        name: uncertain fatal rate
        horizon: {horizon}
        risks:
          - id: crash
            rate: {{uniform: {{low: {a}, high: {b}}}}}
            impact: {{fatal: 1}}
    """


# --------------------------------------------------------------------------- closed forms


def test_uniform_fatal_rate_gives_the_averaged_survival() -> None:
    a, b, horizon, n = 0.05, 0.4, 5.0, 20_000
    results = simulate(scenario_from_yaml(_fatal_rate(a, b, horizon)), runs=n, seed=11)
    expected = (math.exp(-a * horizon) - math.exp(-b * horizon)) / ((b - a) * horizon)
    survival = float(np.mean(results.plans["default"].cause < 0))
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(survival - expected) < 4 * se


def test_uncertain_fatal_probability_of_a_certain_rate() -> None:
    """rate r fixed, fatal q ~ U[c, d]: survival E[exp(-r q T)] = (e^{-rcT} - e^{-rdT}) / (r (d - c) T)."""
    r, c, d, horizon, n = 0.5, 0.1, 0.9, 4.0, 20_000
    scenario = scenario_from_yaml(f"""
        allysim: 1
        name: uncertain fatal share
        horizon: {horizon}
        risks:
          - id: hit
            rate: {r}
            impact: {{fatal: {{uniform: {{low: {c}, high: {d}}}}}}}
    """)
    results = simulate(scenario, runs=n, seed=5)
    expected = (math.exp(-r * c * horizon) - math.exp(-r * d * horizon)) / (r * (d - c) * horizon)
    survival = float(np.mean(results.plans["default"].cause < 0))
    assert abs(survival - expected) < 4 * math.sqrt(expected * (1 - expected) / n)


def test_the_engine_uses_each_replications_draws_exactly() -> None:
    """No risk hits: NPV is value_rate x horizon minus the setup cost, run by run, with the drawn values."""
    scenario = scenario_from_yaml("""
        allysim: 1
        name: drawn values
        horizon: 3
        alliance:
          value_rate: {triangular: {low: 1, likely: 2, high: 5}}
          health: {initial: {uniform: {low: 0.5, high: 1}}}
        risks:
          - {id: never, rate: 0}
        contingencies:
          - id: watch
            trigger: {on: never}
            effect: {restore_health: 0.1}
            cost: {setup: {lognormal: {median: 0.5, p90: 1}}, per_time: {uniform: {low: 0, high: 0.2}}}
        plans: {bare: [], watched: [watch]}
    """)
    results = simulate(scenario, runs=300, seed=2)
    params = results.params
    col = {path: k for k, path in enumerate(scenario.uncertain)}
    value, initial = params[:, col["alliance.value_rate"]], params[:, col["alliance.health.initial"]]
    setup = params[:, col["contingencies.watch.cost.setup"]]
    per_time = params[:, col["contingencies.watch.cost.per_time"]]
    bare, watched = results.plans["bare"], results.plans["watched"]
    # health never recovers (recovery 0) and nothing hits: health stays at its drawn initial level
    np.testing.assert_allclose(bare.resilience, initial, rtol=1e-12)
    np.testing.assert_allclose(bare.npv, value * initial * 3, rtol=1e-12)
    np.testing.assert_allclose(watched.contingency_cost, setup + per_time * 3, rtol=1e-12)
    np.testing.assert_allclose(watched.npv, bare.npv - setup - per_time * 3, rtol=1e-12)


# --------------------------------------------------------------------------- draws: marginals and correlations


_CORRELATED = """
    allysim: 1
    name: correlated
    horizon: 1
    risks:
      - id: a
        rate: {uniform: {low: 0.1, high: 0.3}}
      - id: b
        probability: {pert: {low: 0.02, likely: 0.06, high: 0.15}}
      - id: c
        rate: {lognormal: {median: 0.2, p90: 0.5}}
    correlations:
      - {between: [risks.a.rate, risks.b.probability], rho: 0.6}
      - {between: [risks.b.probability, risks.c.rate], rho: -0.3}
"""


def test_marginals_are_exactly_the_declared_distributions() -> None:
    scenario = scenario_from_yaml(_CORRELATED)
    n = 20_000
    x = Draws.of(scenario).draw(9, 0, n)
    for k, item in enumerate(scenario.uncertain.values()):
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):
            value = quantiles(item, (q,))[0]
            share = float(np.mean(x[:, k] <= value))
            assert abs(share - q) < 4 * math.sqrt(q * (1 - q) / n), (item.path, q)


def test_rank_correlations_are_the_ones_asked() -> None:
    scenario = scenario_from_yaml(_CORRELATED)
    n, batches = 20_000, 20
    x = Draws.of(scenario).draw(4, 0, n)
    # a pair not listed is uncorrelated, as in a correlation matrix with 0 there
    for (i, j), rho in (((0, 1), 0.6), ((1, 2), -0.3), ((0, 2), 0.0)):
        whole = stats.spearmanr(x[:, i], x[:, j])[0]
        parts = [stats.spearmanr(p[:, i], p[:, j])[0] for p in np.array_split(x, batches)]
        se = float(np.std(parts, ddof=1)) / math.sqrt(batches)
        assert abs(whole - rho) < 4 * se, ((i, j), whole, rho, se)


def test_draws_do_not_depend_on_chunking_or_on_other_parameters() -> None:
    scenario = scenario_from_yaml(_CORRELATED)
    draws = Draws.of(scenario)
    whole = draws.draw(3, 0, 103)
    assert np.array_equal(np.vstack([draws.draw(3, 0, 41), draws.draw(3, 41, 42), draws.draw(3, 42, 103)]), whole)
    alone = Draws([scenario.uncertain["risks.a.rate"]])  # no correlations, no other parameter
    uncorrelated = scenario_from_yaml(_CORRELATED.split("    correlations:")[0])
    assert np.array_equal(Draws.of(uncorrelated).draw(3, 0, 103)[:, 0], alone.draw(3, 0, 103)[:, 0])


def test_a_pin_fixes_one_parameter_and_conditions_its_correlated_partners() -> None:
    scenario = scenario_from_yaml(_CORRELATED)
    draws = Draws.of(scenario)
    n = 20_000
    free = draws.uniforms(8, 0, n)
    pinned = draws.uniforms(8, 0, n, pins=[("risks.a.rate", 0.9)])
    assert np.all(pinned[:, 0] == 0.9)
    # b's normal score given a's is N(r z_a, 1 - r^2): its mean is r * ndtri(0.9)
    r = 2 * math.sin(math.pi * 0.6 / 6)
    zb = special.ndtri(pinned[:, 1])
    assert abs(zb.mean() - r * special.ndtri(0.9)) < 4 * math.sqrt(1 - r * r) / math.sqrt(n)
    assert abs(zb.std() - math.sqrt(1 - r * r)) < 0.02
    # a parameter with no correlation keeps its draws exactly
    alone = scenario_from_yaml(_CORRELATED.split("    correlations:")[0])
    d2 = Draws.of(alone)
    assert np.array_equal(d2.uniforms(8, 0, 50, pins=[("risks.a.rate", 0.1)])[:, 1:], d2.uniforms(8, 0, 50)[:, 1:])
    assert not np.array_equal(free[:, 1], pinned[:, 1])


def test_every_plan_and_worker_count_sees_the_same_worlds() -> None:
    text = _fatal_rate(0.1, 0.3) + """
        contingencies:
          - id: shield
            trigger: {on: crash}
            success: {beta: {a: 3, b: 2}}
            effect: {reduce_impact: 1}
        plans: {none: [], shield: [shield]}
    """
    scenario = scenario_from_yaml(text)
    one = simulate(scenario, runs=300, seed=21, workers=1)
    two = simulate(scenario, runs=300, seed=21, workers=2)
    assert np.array_equal(one.params, two.params)
    for plan in ("none", "shield"):
        assert np.array_equal(one.plans[plan].npv, two.plans[plan].npv)
        assert np.array_equal(one.plans[plan].lifetime, two.plans[plan].lifetime)
    # a shield can only help, run by run, in the same world
    assert np.all(one.plans["shield"].lifetime >= one.plans["none"].lifetime)


def test_a_pinned_variant_is_the_scenario_with_that_value() -> None:
    """Pinning the rate at its P90 gives the same runs as writing that rate as a plain number."""
    scenario = scenario_from_yaml(_fatal_rate(0.1, 0.3))
    p90 = quantiles(scenario.uncertain["risks.crash.rate"], (0.9,))[0]
    pinned = simulate_variants(scenario, {"p90": Variant((), pins=(("risks.crash.rate", 0.9),))}, runs=200, seed=4)
    fixed = simulate(scenario_from_yaml(_fatal_rate(0.1, 0.3).replace("{uniform: {low: 0.1, high: 0.3}}",
                                                                      repr(p90))), runs=200, seed=4)
    assert np.array_equal(pinned.plans["p90"].lifetime, fixed.plans["default"].lifetime)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("value, message", [
    ("{normal: {mean: 0.1, sd: 0.05}}", "t.yaml:7:11: risks[0].rate: its draws reach"),
    ("{uniform: {low: 0.3, high: 0.1}}", "t.yaml:7:21: risks[0].rate.uniform: low (0.3) must be <= high (0.1)"),
    ("{unifrom: {low: 0.1, high: 0.3}}", "did you mean 'uniform'?"),
    ("{normal: {mean: 0.1, sd: 0.05}, clip: [0, 0.5]}", None),
])
def test_a_range_is_validated_like_the_number_it_replaces(value: str, message: str | None) -> None:
    text = f"""
        allysim: 1
        name: t
        horizon: 5
        risks:
          - id: crash
            rate: {value}
    """
    if message is None:
        assert "risks.crash.rate" in scenario_from_yaml(text).uncertain
        return
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(text)
    assert any(line.startswith(message) or message in line for line in info.value.problems), info.value.problems


def test_a_probability_range_must_stay_in_0_1() -> None:
    text = """
        allysim: 1
        name: t
        horizon: 5
        risks:
          - {id: crash, rate: 0.1}
        contingencies:
          - id: fix
            trigger: {on: crash}
            success: {triangular: {low: 0.5, likely: 0.9, high: 1.2}}
            effect: {reduce_impact: 0.5}
    """
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(text)
    assert info.value.problems == [("t.yaml:10:14: contingencies[0].success: its draws reach 1.2, outside [0, 1] "
                                    "for a probability; narrow the distribution or bound it, e.g. with clip: "
                                    "[0, 1]")]
    clipped = scenario_from_yaml(text.replace("high: 1.2}}", "high: 1.2}, clip: [0, 1]}"))
    median = quantiles(clipped.uncertain["contingencies.fix.success"], (0.5,))[0]
    assert clipped.contingencies[0].success == pytest.approx(median)


def test_correlation_problems_are_located() -> None:
    unknown = _CORRELATED.replace("[risks.a.rate, risks.b.probability]", "[risks.a.rate, risks.b.rate]")
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(unknown)
    assert info.value.problems[0].startswith("t.yaml:13:30: correlations[0].between[1]: 'risks.b.rate' is not an "
                                             "uncertain parameter of this scenario")
    impossible = _CORRELATED.replace("rho: -0.3}", "rho: -0.9}\n      - {between: [risks.a.rate, risks.c.rate], "
                                                  "rho: 0.9}")
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(impossible)
    assert info.value.problems[0].startswith("t.yaml:12:1: correlations: these rank correlations cannot hold "
                                             "together: their matrix is not positive definite")


def test_a_range_that_crosses_another_field_is_refused() -> None:
    text = """
        allysim: 1
        name: t
        horizon: 5
        alliance:
          health: {initial: {uniform: {low: 0.1, high: 1}}, dissolve_below: 0.2}
        risks:
          - {id: crash, rate: 0.1}
    """
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(text)
    assert info.value.problems[0].startswith("t.yaml:6:21: alliance.health.initial: the lowest initial health (0.1) "
                                             "is below the highest dissolve_below (0.2)")


def test_outputs_hold_params_csv_and_the_uncertain_summary(tmp_path) -> None:
    from allysim.outputs import write_results

    scenario = scenario_from_yaml(_CORRELATED)
    results = simulate(scenario, runs=50, seed=1)
    write_results(results, tmp_path)
    lines = (tmp_path / "params.csv").read_text().splitlines()
    assert lines[0] == "run,risks.a.rate,risks.b.probability,risks.c.rate"
    assert len(lines) == 51 and lines[1].startswith("0,")
    summary = results.summary()["uncertain"]
    assert summary["risks.a.rate"] == pytest.approx({"p10": 0.12, "p50": 0.2, "p90": 0.28})
    plain = simulate(scenario_from_yaml(_fatal_rate(0.1, 0.1).replace("{uniform: {low: 0.1, high: 0.1}}", "0.1")),
                     runs=20, seed=1)
    assert plain.params is None and "uncertain" not in plain.summary()


def test_a_what_if_on_a_correlated_range_fixes_it_and_keeps_the_other_worlds() -> None:
    """--set on an uncertain parameter makes it a plain number (its correlations go); the others keep their draws."""
    scenario = scenario_from_yaml(_CORRELATED)
    low = scenario.with_overrides({"risks.a.rate": 0.1})
    high = scenario.with_overrides({"risks.a.rate": 0.3})
    assert "risks.a.rate" not in low.uncertain and low.correlations == high.correlations
    assert [c.between for c in low.correlations] == [("risks.b.probability", "risks.c.rate")]
    a, b = simulate(low, runs=100, seed=6), simulate(high, runs=100, seed=6)
    assert np.array_equal(a.params, b.params)  # every sweep point lives in the same worlds
    assert np.all(a.plans["default"].occurrences[:, 0] <= b.plans["default"].occurrences[:, 0])


def test_an_uncertain_escalation_factor_has_its_spec_path_and_closed_form() -> None:
    """A occurs at once and multiplies B's rate by k ~ U[1, 3] for good: survival E[exp(-b k T)]."""
    b, horizon, n = 0.1, 5.0, 20_000
    text = f"""
        allysim: 1
        name: escalation
        horizon: {horizon}
        risks:
          - id: trigger
            rate: 1000000
            max_occurrences: 1
            impact:
              escalates: [{{risk: killer, factor: {{uniform: {{low: 1, high: 3}}}}}}]
          - id: killer
            rate: {b}
            impact: {{fatal: 1}}
    """
    scenario = scenario_from_yaml(text)
    assert list(scenario.uncertain) == ["risks.trigger.escalates.0.factor"]
    results = simulate(scenario, runs=n, seed=8)
    expected = (math.exp(-b * 1 * horizon) - math.exp(-b * 3 * horizon)) / (b * 2 * horizon)
    survival = float(np.mean(results.plans["default"].cause < 0))
    assert abs(survival - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
    # a correlation may name it in either spelling
    both = text + """
        correlations:
          - {between: [risks.trigger.impact.escalates.0.factor, risks.killer.rate], rho: 0.5}
    """
    both = both.replace(f"rate: {b}\n", "rate: {uniform: {low: 0.05, high: 0.15}}\n")
    assert len(scenario_from_yaml(both).correlations) == 1


def test_the_json_schema_lets_every_spec_8_parameter_be_a_range() -> None:
    schema = allysim.json_schema()
    defs = schema["$defs"]
    for model, field in (("Alliance", "value_rate"), ("Health", "initial"), ("Health", "dissolve_below"),
                         ("Health", "recovery"), ("Risk", "rate"), ("Risk", "probability"), ("Impact", "fatal"),
                         ("Escalation", "factor"), ("Contingency", "success"), ("Trigger", "health_below"),
                         ("Effect", "reduce_impact"), ("Effect", "restore_health"), ("Effect", "rescue_health"),
                         ("RateFactor", "factor"), ("Costs", "setup"), ("Costs", "per_time"),
                         ("Costs", "per_activation")):
        entry = defs[model]["properties"][field]
        assert entry.get("x-allysim-range") is True, (model, field)
        families = entry["anyOf"][1]["oneOf"]
        assert any("pert" in option.get("properties", {}) for option in families)
    assert "correlations" in schema["properties"]
    assert "x-allysim-range" not in defs["Risk"]["properties"]["max_occurrences"]
