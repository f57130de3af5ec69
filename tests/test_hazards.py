"""Hazards that change with age (SPEC section 13) against closed forms, and the hazard objects' own arithmetic.

Every statistical test runs under a fixed seed and compares an estimate with a value derived in the test, within
Z = 4 standard errors of the closed form's own variance; where an easy mistake (a constant rate of the same mean, a
multiplier applied to the age instead of the hazard, the uncertain shape fixed at its median) would give another
answer, the test asserts that the mistake lies more than two tolerances away. Notation: T horizon, k a Weibull
shape, s its scale, H(t) = (t / s)^k the cumulative hazard.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate, stats

import allysim
from allysim.hazards import Steps, Weibull

from conftest import check_mean, check_power, check_proportion

MakeScenario = Callable[[str], allysim.Scenario]


def survived(p) -> int:  # noqa: ANN001 - PlanRuns
    return int(np.count_nonzero(p.cause < 0))


# --------------------------------------------------------------------------- the hazard objects


@pytest.mark.parametrize("curve", [Weibull(0.56, 81.0), Weibull(1.0, 3.0), Weibull(2.5, 4.0),
                                   Steps([0.0, 2.0, 6.0], [0.05, 0.2, 0.08]),
                                   Steps([0.0, 1.0, 3.0], [0.0, 0.4, 0.0]), Steps([0.0], [0.3])])
def test_the_cumulative_hazard_is_the_integral_of_the_intensity_and_the_inverse_inverts_it(curve) -> None:  # noqa: ANN001
    breaks = list(getattr(curve, "ages", []))
    for t in (0.3, 1.0, 2.5, 5.0, 7.0, 40.0):
        area = integrate.quad(curve.intensity, 0, t, points=[b for b in breaks if 0 < b < t] or None,
                              limit=200)[0]
        assert curve.cumulative(t) == pytest.approx(area, rel=1e-7, abs=1e-12)
        h = curve.cumulative(t)
        if curve.intensity(t * (1 - 1e-9)) > 0:  # H rises into t: t is the smallest age where H reaches h
            assert curve.inverse(h) == pytest.approx(t, rel=1e-12)
    # the time change: from any age, budget E at multiplier m lands where m (H(t) - H(now)) = E
    for now, budget, m in ((0.0, 0.7, 1.0), (1.5, 0.2, 3.0), (4.0, 1.3, 0.25)):
        t = curve.arrival(now, budget, m)
        if math.isfinite(t):
            assert t >= now
            assert curve.spent(now, t, m) == pytest.approx(budget, rel=1e-9)


def test_a_hazard_that_stops_never_spends_a_larger_budget() -> None:
    curve = Steps([0.0, 2.0], [0.1, 0.0])  # H stops at 0.2
    assert curve.inverse(0.19) == pytest.approx(1.9)
    assert curve.inverse(0.21) == math.inf
    assert curve.arrival(3.0, 0.01, 1.0) == math.inf


def test_uncertain_parameters_are_set_in_place() -> None:
    w, s = Weibull(0.5, 2.0), Steps([0.0, 1.0], [0.1, 0.2])
    w.set("shape", 2.0)
    w.set("scale", 4.0)
    s.set("1", 0.5)
    assert w.cumulative(2.0) == pytest.approx(0.25)
    assert s.cumulative(3.0) == pytest.approx(0.1 + 2 * 0.5)


# --------------------------------------------------------------------------- the engine against closed forms


def test_a_fatal_weibull_hazard_gives_weibull_lifetimes(make_scenario: MakeScenario) -> None:
    k, s, T, n = 0.56, 8.0, 10.0, 8_000
    scenario = make_scenario(f"""
        allysim: 1
        name: weibull ending
        horizon: {T}
        risks:
          - id: ending
            hazard: {{weibull: {{shape: {k}, scale: {s}}}}}
            impact: {{fatal: 1}}
        """)
    p = allysim.simulate(scenario, runs=n, seed=201).plans["default"]
    # P(no occurrence by t) = exp(-(t / s)^k), at several ages
    for t in (0.5, 2.0, 5.0, T):
        expected = math.exp(-((t / s) ** k))
        tol = check_proportion(int(np.count_nonzero(p.lifetime > t)) if t < T else survived(p), n, expected,
                               f"survival to {t}")
    # a constant rate with the same survival to T would put far fewer ends early in life
    early = math.exp(-((0.5 / s) ** k))
    tol = check_proportion(int(np.count_nonzero(p.lifetime > 0.5)), n, early, "survival to 0.5")
    check_power(early, math.exp(-((T / s) ** k) * 0.5 / T), tol, "a constant rate of the same 10-year survival")
    # the whole distribution of the lifetimes that end before T: Weibull truncated at T
    ended = p.lifetime[p.cause >= 0]
    cdf = lambda x: -np.expm1(-((x / s) ** k)) / -math.expm1(-((T / s) ** k))  # noqa: E731
    assert stats.kstest(ended, cdf).pvalue > 1e-4


def test_a_step_hazard_survives_with_the_sum_of_rates_times_durations(make_scenario: MakeScenario) -> None:
    T, n = 10.0, 8_000
    scenario = make_scenario(f"""
        allysim: 1
        name: steps
        horizon: {T}
        time_unit: year
        risks:
          - id: ending
            hazard: {{steps: [[0, 0.05], ["24 months", 0.2], [6, 0.08]]}}
            impact: {{fatal: 1}}
        """)
    p = allysim.simulate(scenario, runs=n, seed=202).plans["default"]
    for t, area in ((1.0, 0.05), (2.0, 0.1), (4.0, 0.1 + 0.4), (6.0, 0.1 + 0.8), (T, 0.1 + 0.8 + 0.32)):
        expected = math.exp(-area)
        tol = check_proportion(int(np.count_nonzero(p.lifetime > t)) if t < T else survived(p), n, expected,
                               f"survival to {t}")
    check_power(math.exp(-1.22), math.exp(-0.05 * T), tol, "the first step's rate kept for ever")


def test_a_non_fatal_weibull_risk_occurs_a_poisson_number_of_times_with_mean_h(make_scenario: MakeScenario) -> None:
    k, s, T, n = 1.8, 2.0, 5.0, 6_000  # a rising hazard: about (5 / 2)^1.8 = 5.2 occurrences
    scenario = make_scenario(f"""
        allysim: 1
        name: weibull repeats
        horizon: {T}
        risks:
          - id: incident
            hazard: {{weibull: {{shape: {k}, scale: {s}}}}}
            impact: {{cost: 1}}
        """)
    p = allysim.simulate(scenario, runs=n, seed=203).plans["default"]
    mean = (T / s) ** k
    counts = p.occurrences[:, 0]
    tol = check_mean(counts, mean, mean, "occurrences (Poisson: variance = mean)")
    check_power(mean, (T / s) ** 1.0 * k, tol, "the first occurrence's law renewed after each occurrence")
    check_proportion(int(np.count_nonzero(counts == 0)), n, math.exp(-mean), "no occurrence")
    check_proportion(int(np.count_nonzero(counts <= 3)), n, float(stats.poisson.cdf(3, mean)), "at most 3")


def test_an_uncertain_shape_gives_the_mixture_of_weibull_survivals(make_scenario: MakeScenario) -> None:
    s, T, n = 6.0, 10.0, 10_000
    scenario = make_scenario(f"""
        allysim: 1
        name: uncertain shape
        horizon: {T}
        risks:
          - id: ending
            hazard:
              weibull:
                shape: {{uniform: {{low: 0.4, high: 2.0}}}}
                scale: {s}
            impact: {{fatal: 1}}
        """)
    assert list(scenario.uncertain) == ["risks.ending.hazard.shape"]
    p = allysim.simulate(scenario, runs=n, seed=204).plans["default"]
    # S(t) = E_k[exp(-(t / s)^k)], k ~ U(0.4, 2)
    for t in (2.0, 5.0, 0.3):
        expected = integrate.quad(lambda k, t=t: math.exp(-((t / s) ** k)), 0.4, 2.0)[0] / 1.6
        tol = check_proportion(int(np.count_nonzero(p.lifetime > t)), n, expected, f"survival to {t}")
    # early in life the young, fragile worlds (small k) weigh: the median shape alone misses them
    check_power(expected, math.exp(-((0.3 / s) ** 1.2)), tol, "the shape fixed at its median")


# --------------------------------------------------------------------------- the format: errors, paths, schema

_BAD = [
    ("{weibull: {shape: 0, scale: 81}}", "7:31: risks[0].hazard.weibull.shape: must be > 0"),
    ("{weibull: {shape: 0.5}}", "risks[0].hazard.weibull.scale: missing required key 'scale'"),
    ("{steps: [[1, 0.1], [2, 0.2]]}", "risks[0].hazard.steps[0][0]: the first step starts at age 0"),
    ("{steps: [[0, 0.1], [2, 0.2], [1, 0.3]]}", "risks[0].hazard.steps[2][0]: ages increase"),
    ("{steps: [[0, -0.1]]}", "risks[0].hazard.steps[0][1]: must be >= 0, got -0.1"),
    ("{steps: []}", "risks[0].hazard.steps: steps is empty"),
    ("{steps: [[0, 0.1, 3]]}", "each step is a pair [age, rate]"),
    ("{weibull: {shape: 1, scale: 2}, steps: [[0, 1]]}", "risks[0].hazard: give exactly one of weibull"),
    ("{steps: [[0, {uniform: {low: -1, high: 1}}]]}", "risks[0].hazard.steps[0][1]: its draws reach -1"),
]


@pytest.mark.parametrize(("hazard", "message"), _BAD)
def test_a_bad_hazard_is_one_located_line(hazard: str, message: str) -> None:
    text = f"allysim: 1\nname: x\nhorizon: 10\nrisks:\n  - id: a\n    impact: {{fatal: 1}}\n    hazard: {hazard}\n"
    with pytest.raises(allysim.ScenarioError) as caught:
        allysim.parse_scenario(text, source="t.yaml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("t.yaml:7:") and message in caught.value.problems[0]


def test_a_risk_gives_one_of_rate_probability_and_hazard() -> None:
    text = "allysim: 1\nname: x\nhorizon: 10\nrisks:\n  - id: a\n    rate: 0.1\n    hazard: {steps: [[0, 1]]}\n"
    with pytest.raises(allysim.ScenarioError, match=r"t.yaml:5:5: risks\[0\]: give exactly one of rate .* hazard"):
        allysim.parse_scenario(text, source="t.yaml")


HAZARDS = """
    allysim: 1
    name: two curves
    horizon: 10
    risks:
      - id: ending
        hazard: {weibull: {shape: 0.56, scale: "81 years"}}
        impact: {fatal: 1}
      - id: middle
        hazard: {steps: [[0, 0.05], ["2 years", 0.2], [6, 0.08]]}
        impact: {health: 0.1}
    """


def test_hazard_paths_set_and_sweep_like_any_parameter(make_scenario: MakeScenario) -> None:
    s = make_scenario(HAZARDS)
    changed = s.with_overrides({"risks.ending.hazard.shape": 1.5, "risks.middle.hazard.steps.1": 0.4,
                                "risks.ending.hazard.scale": "6 years"})
    assert changed.risk("ending").hazard.weibull.shape == 1.5 and changed.risk("ending").hazard.weibull.scale == 6
    assert changed.risk("middle").hazard.steps[1] == (2.0, 0.4)
    # a whole hazard replaces a rate, and a rate a hazard
    assert s.with_overrides({"risks.ending.rate": 0.1}).risk("ending").hazard is None
    swapped = s.with_overrides({"risks.middle.hazard": {"weibull": {"shape": 2, "scale": 5}}})
    assert swapped.risk("middle").hazard.weibull.shape == 2
    for path, words in (("risks.middle.hazard.shape", "not a weibull hazard"),
                        ("risks.ending.hazard.steps.0", "not a hazard by steps"),
                        ("risks.middle.hazard.steps.3", "has no entry 3"),
                        ("risks.ending.hazard.shap", "did you mean 'risks.ending.hazard.shape'")):
        with pytest.raises(allysim.ScenarioError, match=re.escape(words)):
            s.with_overrides({path: 1})
    sweep = allysim.sweep(s, "risks.ending.hazard.shape", [0.3, 1.0, 3.0], runs=300, seed=9).to_dict()
    survival = [point["survival"]["estimate"] for point in sweep["plans"]["default"]]
    # (10 / 81)^k falls as k rises: a larger shape defers the risk past a short horizon
    assert survival[0] < survival[1] < survival[2]


def test_uncertain_scale_and_steps_are_drawn_per_replication(make_scenario: MakeScenario) -> None:
    text = HAZARDS.replace('scale: "81 years"', "scale: {uniform: {low: '5 years', high: '10 years'}}")
    text = text.replace('["2 years", 0.2]', '["2 years", {uniform: {low: 0.1, high: 0.3}}]')
    s = make_scenario(text)
    assert list(s.uncertain) == ["risks.ending.hazard.scale", "risks.middle.hazard.steps.1"]
    assert s.risk("ending").hazard.weibull.scale == pytest.approx(7.5)  # the median, where a number stands
    draws = allysim.simulate(s, runs=400, seed=3).params
    assert np.all((draws[:, 0] >= 5) & (draws[:, 0] <= 10)) and np.all((draws[:, 1] >= 0.1) & (draws[:, 1] <= 0.3))
    assert np.std(draws[:, 0]) == pytest.approx(5 / math.sqrt(12), rel=0.15)


def test_a_scenario_with_hazards_conforms_to_the_json_schema() -> None:
    from schema_check import schema_problems

    from allysim.scenario.yamlio import load_yaml

    document, _ = load_yaml(textwrap.dedent(HAZARDS).encode(), "t.yaml")
    schema = allysim.json_schema()
    assert schema_problems(document, schema) == []
    document["risks"][1]["hazard"]["steps"][1][1] = {"pert": {"low": 0.1, "likely": 0.2, "high": 0.4}}
    document["risks"][0]["hazard"]["weibull"]["shape"] = {"uniform": {"low": 0.4, "high": 0.8}}
    assert schema_problems(document, schema) == []
    document["risks"][0]["hazard"] = {"gompertz": {"shape": 1}}
    assert schema_problems(document, schema) != []


def test_a_flat_curve_gives_the_constant_rate_lives_under_every_factor(perf_yaml) -> None:  # noqa: ANN001
    """Weibull(1, 1 / lam) and steps that never change are the constant rate lam written as a curve: the time change
    through H must give the same lives as the constant rate's arithmetic, escalations, rate factors, contingencies and
    all (to rounding, since (t / s)^1 and a sum of steps round differently from lam t)."""
    text = perf_yaml.read_text(encoding="utf-8")
    rates = [float(r) for r in re.findall(r"\n    rate: ([0-9.]+)\n", text)]
    assert len(rates) >= 6
    weibull = re.sub(r"\n    rate: ([0-9.]+)\n",
                     lambda m: f"\n    hazard: {{weibull: {{shape: 1.0, scale: {1 / float(m.group(1))!r}}}}}\n", text)
    steps = re.sub(r"\n    rate: ([0-9.]+)\n",
                   lambda m: f"\n    hazard: {{steps: [[0, {m.group(1)}], [3, {m.group(1)}], [7, {m.group(1)}]]}}\n",
                   text)
    runs = {name: allysim.simulate(allysim.parse_scenario(t), runs=300, seed=11, plans=["full"]).plans["full"]
            for name, t in (("rate", text), ("weibull", weibull), ("steps", steps))}
    base = runs["rate"]
    assert np.count_nonzero(base.occurrences.sum(axis=1)) > 250  # the factors were exercised
    for name in ("weibull", "steps"):
        p = runs[name]
        assert np.array_equal(p.cause, base.cause) and np.array_equal(p.occurrences, base.occurrences), name
        assert np.allclose(p.lifetime, base.lifetime, rtol=1e-9, atol=1e-9), name
        assert np.allclose(p.npv, base.npv, rtol=1e-9, atol=1e-6), name


def test_an_environment_state_multiplies_a_weibull_hazard_from_the_instant_it_starts(make_scenario: MakeScenario) -> None:
    k, s, q, m, T, n = 0.7, 12.0, 0.25, 4.0, 8.0, 10_000
    scenario = make_scenario(f"""
        allysim: 1
        name: a storm over a young alliance
        horizon: {T}
        risks:
          - id: ending
            hazard: {{weibull: {{shape: {k}, scale: {s}}}}}
            impact: {{fatal: 1}}
        environment:
          initial: calm
          states:
            calm: {{}}
            storm: {{rates: {{ending: {m}}}}}
          transitions:
            calm: {{storm: {q}}}
        """)
    p = allysim.simulate(scenario, runs=n, seed=205).plans["default"]

    def H(t: float) -> float:
        return (t / s) ** k

    # the storm starts at tau ~ Exp(q) and stays: S(T) = E[exp(-(H(min(tau, T)) + m (H(T) - H(min(tau, T)))))]
    stormy = integrate.quad(lambda u: q * math.exp(-q * u) * math.exp(-(H(u) + m * (H(T) - H(u)))), 0, T)[0]
    expected = stormy + math.exp(-q * T) * math.exp(-H(T))
    tol = check_proportion(int(np.count_nonzero(p.cause < 0)), n, expected, "survival through the storm")
    check_power(expected, math.exp(-H(T)), tol, "the environment's multiplier ignored")
    # a multiplier applied to the age (H(m t)) instead of the hazard is another number
    aged = integrate.quad(lambda u: q * math.exp(-q * u) * math.exp(-(H(u) + H(u + m * (T - u)) - H(u))), 0, T)[0]
    check_power(expected, aged + math.exp(-q * T) * math.exp(-H(T)), tol, "the multiplier applied to the age")


def test_a_vanishing_multiplier_puts_the_next_occurrence_at_infinity_not_in_a_traceback():
    # a rate factor of 2.2e-309 (found by a property test) asks H for a budget of ~1e308: x ** (1 / k) overflows
    from allysim.hazards import Weibull

    hazard = Weibull(shape=0.5, scale=2.0)
    assert hazard.arrival(now=1.0, budget=0.7, multiplier=2.2e-309) == math.inf
    assert hazard.inverse(1e308) == math.inf
    assert Weibull(shape=5.0, scale=1e-60).cumulative(1e100) == math.inf
    assert hazard.arrival(now=1.0, budget=0.7, multiplier=1.0) < math.inf
