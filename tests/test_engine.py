"""The engine against closed forms (SPEC section 3), and the invariants every simulation must keep.

Every statistical test runs under a fixed seed and compares an estimate with a value derived in the test, within
Z = 4 standard errors, where the standard error comes from the closed form's own variance (binomial for
proportions, the exact second moment where it has one, otherwise the sample variance). Where an easy mistake in
the engine (a wrong hazard, a rescue that forgets its cap, an effect applied whether or not it succeeded) would give
a different answer, the test also asserts that the mistake lies more than two tolerances away, so the test is able to
fail. Notation: T horizon, lam a hazard, delta = ln(1 + discount_rate) per year scaled to the time unit,
L = min(X, T) the lifetime of an alliance whose dissolution time is X.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import count
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

import allysim
from allysim.results import PlanRuns

from conftest import Z, check_mean, check_power, check_proportion, check_sample_mean

MakeScenario = Callable[[str], allysim.Scenario]
def survived(p: PlanRuns) -> int:
    return int(np.count_nonzero(p.cause < 0))


def first_arrival_moments(f, lam: float, horizon: float, no_arrival: float) -> tuple[float, float]:  # noqa: ANN001
    """E[f(U)] and Var[f(U)] where U ~ Exp(lam) is the first arrival, f(U) = no_arrival when U >= horizon."""
    tail = math.exp(-lam * horizon)
    m1 = integrate.quad(lambda u: lam * math.exp(-lam * u) * f(u), 0, horizon, epsabs=1e-13, epsrel=1e-12)[0]
    m2 = integrate.quad(lambda u: lam * math.exp(-lam * u) * f(u) ** 2, 0, horizon, epsabs=1e-13, epsrel=1e-12)[0]
    m1 += tail * no_arrival
    m2 += tail * no_arrival**2
    return m1, m2 - m1 * m1


def exp_moment_of_lifetime(lam: float, a: float, horizon: float) -> float:
    """E[exp(-a L)] for L = min(Exp(lam), T): lam (1 - e^{-(lam+a)T}) / (lam + a) + e^{-(lam+a)T}."""
    return lam * -math.expm1(-(lam + a) * horizon) / (lam + a) + math.exp(-(lam + a) * horizon)


# --------------------------------------------------------------------------- 1. a constant fatal hazard


def test_constant_fatal_hazard_gives_exponential_lifetimes(make_scenario: MakeScenario) -> None:
    lam, T, n = 0.1, 10.0, 10_000
    s = make_scenario(f"""
        allysim: 1
        name: constant fatal hazard
        horizon: {T}
        risks:
          - id: blow
            rate: {lam}
            impact:
              fatal: 1
        """)
    p = allysim.simulate(s, runs=n, seed=101).plans["default"]
    # P(X > t) = exp(-lam t), at the horizon and half way
    check_proportion(survived(p), n, math.exp(-lam * T), "survival to T")
    check_proportion(int(np.count_nonzero(p.lifetime > T / 2)), n, math.exp(-lam * T / 2), "survival to T/2")
    # E[L] = int_0^T e^{-lam t} dt = (1 - e^{-lam T}) / lam;  E[L^2] = int_0^T 2t e^{-lam t} dt
    #      = 2 (1 - e^{-lam T} (1 + lam T)) / lam^2
    m1 = -math.expm1(-lam * T) / lam
    m2 = 2 * (1 - math.exp(-lam * T) * (1 + lam * T)) / lam**2
    check_mean(p.lifetime, m1, m2 - m1 * m1, "mean restricted lifetime")
    assert np.all(p.cause[p.lifetime < T] == 0)


def test_probability_means_a_per_period_hazard(make_scenario: MakeScenario) -> None:
    # probability p per time unit -> hazard -ln(1 - p) -> S(T) = exp(T ln(1 - p)) = (1 - p)^T
    prob, T, n = 0.3, 4.0, 6_000
    s = make_scenario(f"""
        allysim: 1
        name: per-period fatal probability
        horizon: {T}
        risks:
          - id: blow
            probability: {prob}
            impact:
              fatal: 1
        """)
    p = allysim.simulate(s, runs=n, seed=102).plans["default"]
    expected = (1 - prob) ** T
    tol = check_proportion(survived(p), n, expected, "survival with probability p")
    check_power(expected, math.exp(-prob * T), tol, "probability read as a rate")


# --------------------------------------------------------------------------- 2. competing fatal risks


def test_competing_fatal_risks_split_the_ends_by_rate(make_scenario: MakeScenario) -> None:
    l1, l2, T, n = 0.05, 0.15, 5.0, 8_000
    s = make_scenario(f"""
        allysim: 1
        name: competing risks
        horizon: {T}
        risks:
          - id: first
            rate: {l1}
            impact:
              fatal: 1
          - id: second
            rate: {l2}
            impact:
              fatal: 1
        """)
    summary = allysim.simulate(s, runs=n, seed=103).summary()["plans"]["default"]
    causes = summary["end_causes"]
    # P(ended by i before T) = int_0^T l_i e^{-(l1+l2) t} dt = l_i / (l1+l2) * (1 - e^{-(l1+l2) T})
    ended = -math.expm1(-(l1 + l2) * T)
    check_proportion(round(causes["first"] * n), n, l1 / (l1 + l2) * ended, "share ended by first")
    check_proportion(round(causes["second"] * n), n, l2 / (l1 + l2) * ended, "share ended by second")
    check_proportion(round(causes["survived"] * n), n, 1 - ended, "share survived")
    assert causes["first"] + causes["second"] + causes["survived"] == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- 3. compound Poisson costs


@pytest.mark.parametrize(("discount_rate", "rate", "T", "cost", "ex", "ex2"), [
    # lognormal {mean 3, sd 2}: E[X] = 3, E[X^2] = sd^2 + mean^2 = 13
    (0.0, 2.0, 5.0, "lognormal: {mean: 3, sd: 2}", 3.0, 13.0),
    # exponential {mean 2}: E[X] = 2, E[X^2] = 2 mean^2 = 8
    (0.10, 1.5, 8.0, "exponential: {mean: 2}", 2.0, 8.0),
], ids=["lognormal-undiscounted", "exponential-discounted"])
def test_compound_poisson_risk_cost(make_scenario: MakeScenario, discount_rate: float, rate: float, T: float,
                                    cost: str, ex: float, ex2: float) -> None:
    n = 4_000
    s = make_scenario(f"""
        allysim: 1
        name: compound Poisson cost
        horizon: {T}
        discount_rate: {discount_rate}
        risks:
          - id: leak
            rate: {rate}
            impact:
              cost: {{{cost}}}
        """)
    p = allysim.simulate(s, runs=n, seed=104).plans["default"]
    delta = math.log1p(discount_rate)
    # Campbell's theorem for sum_i X_i e^{-delta t_i} over a Poisson(rate) process on [0, T]:
    #   E = rate E[X] int_0^T e^{-delta t} dt,  Var = rate E[X^2] int_0^T e^{-2 delta t} dt
    # (with delta = 0 these are rate T E[X] and rate T E[X^2])
    w1 = T if delta == 0 else -math.expm1(-delta * T) / delta
    w2 = T if delta == 0 else -math.expm1(-2 * delta * T) / (2 * delta)
    tol = check_mean(p.risk_cost, rate * ex * w1, rate * ex2 * w2, "risk cost PV")
    if delta:
        check_power(rate * ex * w1, rate * ex * T, tol, "undiscounted risk costs")
    # occurrences ~ Poisson(rate T)
    check_mean(p.occurrences[:, 0], rate * T, rate * T, "occurrences")
    assert survived(p) == n
    assert np.all(p.value == 0) and np.all(p.contingency_cost == 0)
    np.testing.assert_allclose(p.npv, -p.risk_cost, rtol=1e-12)


# --------------------------------------------------------------------------- 4. per-period probability, capped


def test_probability_with_one_occurrence_at_most(make_scenario: MakeScenario) -> None:
    prob, T, n = 0.3, 3.0, 8_000
    s = make_scenario(f"""
        allysim: 1
        name: capped per-period risk
        horizon: {T}
        risks:
          - id: once
            probability: {prob}
            max_occurrences: 1
          - id: free
            probability: {prob}
        """)
    p = allysim.simulate(s, runs=n, seed=105).plans["default"]
    once, free = p.occurrences[:, 0], p.occurrences[:, 1]
    assert set(np.unique(once)) <= {0, 1}
    # P(at least one occurrence by T) = 1 - (1 - p)^T
    expected = 1 - (1 - prob) ** T
    tol = check_proportion(int(np.count_nonzero(once)), n, expected, "P(at least one occurrence)")
    check_power(expected, -math.expm1(-prob * T), tol, "probability read as a rate")
    # uncapped: occurrences ~ Poisson(-ln(1 - p) T)
    mu = -math.log1p(-prob) * T
    check_mean(free, mu, mu, "uncapped occurrences")


# --------------------------------------------------------------------------- 5. health steps without recovery


def test_health_steps_dissolve_at_the_kth_drop(make_scenario: MakeScenario) -> None:
    lam, d, b, T, n = 0.3, 0.15, 0.5, 10.0, 8_000
    # the alliance dissolves at the k-th drop, k the smallest integer with 1 - k d < b (k = 4 here); (1 - b) / d
    # is kept away from an integer so that rounding in the engine's subtractions cannot move k
    k = next(j for j in count(1) if 1 - j * d < b)
    assert abs((1 - b) / d - round((1 - b) / d)) > 0.1
    s = make_scenario(f"""
        allysim: 1
        name: health steps
        horizon: {T}
        alliance:
          health:
            dissolve_below: {b}
            recovery: 0
        risks:
          - id: knock
            rate: {lam}
            impact:
              health: {d}
        """)
    p = allysim.simulate(s, runs=n, seed=106).plans["default"]
    # survival = P(N(T) < k), N(T) ~ Poisson(lam T)
    expected = float(stats.poisson.cdf(k - 1, lam * T))
    tol = check_proportion(survived(p), n, expected, "survival")
    check_power(expected, float(stats.poisson.cdf(k - 2, lam * T)), tol, "dissolving one drop early")
    # E[L] = int_0^T P(N(t) < k) dt,  E[L^2] = int_0^T 2t P(N(t) < k) dt
    m1 = integrate.quad(lambda t: stats.poisson.cdf(k - 1, lam * t), 0, T)[0]
    m2 = integrate.quad(lambda t: 2 * t * stats.poisson.cdf(k - 1, lam * t), 0, T)[0]
    check_mean(p.lifetime, m1, m2 - m1 * m1, "mean restricted lifetime")
    # exact per run: min health = 1 - (drops) d, and a dissolved alliance took exactly k drops
    drops = p.occurrences[:, 0]
    dead = p.cause >= 0
    assert np.all(drops[dead] == k) and np.all(drops[~dead] < k)
    np.testing.assert_allclose(p.min_health, 1 - drops * d, atol=1e-12)


# --------------------------------------------------------------------------- 6. rescue on dissolution


@pytest.mark.slow
def test_rescue_against_a_fatal_hazard(make_scenario: MakeScenario) -> None:
    lam, success, T, n = 0.2, 0.6, 5.0, 6_000
    s = make_scenario(f"""
        allysim: 1
        name: rescue
        horizon: {T}
        risks:
          - id: blow
            rate: {lam}
            impact:
              fatal: 1
        contingencies:
          - id: rescue_any
            trigger:
              on: dissolution
            success: {success}
            effect:
              rescue_health: 1
          - id: rescue_once
            trigger:
              on: dissolution
            success: {success}
            max_activations: 1
            effect:
              rescue_health: 1
        plans:
          bare: []
          unlimited: [rescue_any]
          once: [rescue_once]
        """)
    r = allysim.simulate(s, runs=n, seed=107)
    bare, unlimited, once = r.plans["bare"], r.plans["unlimited"], r.plans["once"]
    check_proportion(survived(bare), n, math.exp(-lam * T), "survival without rescue")
    # unlimited rescues thin the fatal hazard to lam (1 - s): S = exp(-lam (1 - s) T)
    mu = lam * (1 - success)
    expected = math.exp(-mu * T)
    check_proportion(survived(unlimited), n, expected, "survival with unlimited rescues")
    # one rescue: survive iff no occurrence, or one occurrence that was rescued: S = e^{-lam T} (1 + s lam T)
    expected_once = math.exp(-lam * T) * (1 + success * lam * T)
    tol = check_proportion(survived(once), n, expected_once, "survival with one rescue")
    check_power(expected_once, expected, tol, "a rescue that ignores max_activations")
    # every occurrence activates the rescue until one fails: by Wald, E[activations] = lam E[min(Exp(mu), T)]
    # = (1 - e^{-mu T}) / (1 - s); all succeeded but the last of a dissolved run
    ended = -math.expm1(-mu * T)
    check_sample_mean(unlimited.activations[:, 0], ended / (1 - success), "activations (unlimited)")
    check_sample_mean(unlimited.successes[:, 0], ended * success / (1 - success), "successes (unlimited)")
    np.testing.assert_array_equal(unlimited.successes[:, 0], unlimited.activations[:, 0] - (unlimited.cause >= 0))
    assert once.activations[:, 1].max() == 1 and np.all(once.successes <= once.activations)
    # common random numbers: a rescue can only lengthen a lifetime
    assert np.all(unlimited.lifetime >= bare.lifetime) and np.all(once.lifetime >= bare.lifetime)


# --------------------------------------------------------------------------- 7. discounted value under a hazard


def test_discounted_value_and_running_costs_under_a_hazard(make_scenario: MakeScenario) -> None:
    V, lam, rate, T, n = 10.0, 0.1, 0.08, 10.0, 8_000
    setup, per_time = 0.5, 0.3
    s = make_scenario(f"""
        allysim: 1
        name: discounted value
        horizon: {T}
        discount_rate: {rate}
        alliance:
          value_rate: {V}
        risks:
          - id: blow
            rate: {lam}
            impact:
              fatal: 1
        contingencies:
          - id: upkeep
            trigger:
              health_below: 0.5
            effect:
              restore_health: 0.1
            cost:
              setup: {setup}
              per_time: {per_time}
        """)
    p = allysim.simulate(s, runs=n, seed=108).plans["default"]
    delta = math.log1p(rate)
    # per run, health stays 1: value = V int_0^L e^{-delta t} dt = V (1 - e^{-delta L}) / delta, exactly;
    # per_time is paid the same way while alive, setup once at t = 0
    annuity = -np.expm1(-delta * p.lifetime) / delta
    np.testing.assert_allclose(p.value, V * annuity, rtol=1e-10)
    np.testing.assert_allclose(p.contingency_cost, setup + per_time * annuity, rtol=1e-10)
    assert np.all(p.risk_cost == 0) and np.all(p.activations == 0)
    # E[value] = V int_0^T e^{-(lam+delta) t} dt = V (1 - e^{-(lam+delta) T}) / (lam + delta);
    # Var = (V/delta)^2 Var[e^{-delta L}] with E[e^{-a L}] = lam (1 - e^{-(lam+a)T})/(lam+a) + e^{-(lam+a)T}
    mean = V * -math.expm1(-(lam + delta) * T) / (lam + delta)
    e1, e2 = exp_moment_of_lifetime(lam, delta, T), exp_moment_of_lifetime(lam, 2 * delta, T)
    var = (V / delta) ** 2 * (e2 - e1 * e1)
    tol = check_mean(p.value, mean, var, "discounted value")
    check_power(mean, V * -math.expm1(-lam * T) / lam, tol, "undiscounted value")
    check_mean(p.contingency_cost, setup + per_time / V * mean, (per_time / V) ** 2 * var, "contingency cost PV")


# --------------------------------------------------------------------------- 8. the recovery integral


def test_recovery_after_one_drop(make_scenario: MakeScenario) -> None:
    lam, d, rho, V, rate, T, n = 0.3, 0.4, 0.5, 10.0, 0.10, 6.0, 8_000
    s = make_scenario(f"""
        allysim: 1
        name: recovery
        horizon: {T}
        discount_rate: {rate}
        alliance:
          health:
            dissolve_below: 0
            recovery: {rho}
          value_rate: {V}
        risks:
          - id: dent
            rate: {lam}
            max_occurrences: 1
            impact:
              health: {d}
        """)
    p = allysim.simulate(s, runs=n, seed=109).plans["default"]
    delta = math.log1p(rate)
    # a drop at u < T: h(t) = 1 - d e^{-rho (t - u)} for t >= u, so
    #   area lost = d (1 - e^{-rho (T - u)}) / rho                       resilience = 1 - loss / T
    #   value     = V [ (1 - e^{-delta T}) / delta - d e^{-delta u} (1 - e^{-(rho+delta)(T-u)}) / (rho+delta) ]
    full_value = V * -math.expm1(-delta * T) / delta

    def loss(u: float) -> float:
        return d * -math.expm1(-rho * (T - u)) / rho

    def value(u: float) -> float:
        return full_value - V * d * math.exp(-delta * u) * -math.expm1(-(rho + delta) * (T - u)) / (rho + delta)

    # over U ~ Exp(lam):
    #   E[loss]  = (d/rho) [ (1 - e^{-lam T}) - lam (e^{-rho T} - e^{-lam T}) / (lam - rho) ]
    #   E[h(t)]  = 1 - d lam (e^{-rho t} - e^{-lam t}) / (lam - rho), hence
    #   E[value] = V [ (1 - e^{-delta T})/delta
    #                  - d lam/(lam - rho) ((1 - e^{-(rho+delta)T})/(rho+delta) - (1 - e^{-(lam+delta)T})/(lam+delta)) ]
    e_loss = d / rho * (-math.expm1(-lam * T) - lam * (math.exp(-rho * T) - math.exp(-lam * T)) / (lam - rho))
    e_value = full_value - V * d * lam / (lam - rho) * (
        -math.expm1(-(rho + delta) * T) / (rho + delta) - -math.expm1(-(lam + delta) * T) / (lam + delta))
    # the variances by quadrature of the same per-u functions; their means confirm the closed forms above
    m_res, v_res = first_arrival_moments(lambda u: 1 - loss(u) / T, lam, T, 1.0)
    m_val, v_val = first_arrival_moments(value, lam, T, full_value)
    assert m_res == pytest.approx(1 - e_loss / T, rel=1e-9) and m_val == pytest.approx(e_value, rel=1e-9)
    tol = check_mean(p.resilience, 1 - e_loss / T, v_res, "resilience")
    check_power(1 - e_loss / T, 1 - d * (T - 1 / lam * -math.expm1(-lam * T)) / T, tol, "no recovery")
    check_mean(p.value, e_value, v_val, "discounted value")

    # per run: without a drop, health stays 1; with one, value follows from the drop time that resilience reveals
    hit = p.occurrences[:, 0] == 1
    assert survived(p) == n and 0 < np.count_nonzero(hit) < n
    assert np.all(p.resilience[~hit] == 1.0) and np.all(p.min_health[~hit] == 1.0)
    np.testing.assert_allclose(p.value[~hit], full_value, rtol=1e-12)
    np.testing.assert_allclose(p.min_health[hit], 1 - d, rtol=1e-12)
    u = T + np.log1p(-(1 - p.resilience[hit]) * T * rho / d) / rho
    predicted = np.array([value(x) for x in u])
    np.testing.assert_allclose(p.value[hit], predicted, rtol=0, atol=1e-8 * full_value)


def test_no_occurrence_gives_the_deterministic_annuity(make_scenario: MakeScenario) -> None:
    V, rate, T = 7.0, 0.05, 12.0
    s = make_scenario(f"""
        allysim: 1
        name: nothing happens
        horizon: {T}
        discount_rate: {rate}
        alliance:
          health:
            recovery: 0.5
          value_rate: {V}
        risks:
          - id: dormant
            rate: 0
            impact:
              health: 0.5
              fatal: 1
        """)
    p = allysim.simulate(s, runs=50, seed=110).plans["default"]
    delta = math.log1p(rate)
    # value = V int_0^T e^{-delta t} dt = V (1 - e^{-delta T}) / delta, in every run
    np.testing.assert_allclose(p.value, V * -math.expm1(-delta * T) / delta, rtol=1e-12)
    assert np.all(p.resilience == 1.0) and np.all(p.lifetime == T) and np.all(p.occurrences == 0)


# --------------------------------------------------------------------------- 9. reduce_impact on the risk


@pytest.mark.slow
def test_reduce_impact_thins_the_fatal_hazard_and_the_costs(make_scenario: MakeScenario) -> None:
    lam, success, m, T, n = 0.3, 0.8, 0.5, 5.0, 6_000
    risk_cost, per_activation, rate = 2.0, 0.5, 0.10
    s = make_scenario(f"""
        allysim: 1
        name: reduce impact
        horizon: {T}
        discount_rate: {rate}
        risks:
          - id: breach
            rate: {lam}
            impact:
              fatal: 1
              cost: {risk_cost}
        contingencies:
          - id: shield
            trigger:
              on: breach
            success: {success}
            effect:
              reduce_impact: {m}
            cost:
              per_activation: {per_activation}
        plans:
          none: []
          shield: [shield]
        """)
    r = allysim.simulate(s, runs=n, seed=111)
    none, shield = r.plans["none"], r.plans["shield"]
    delta = math.log1p(rate)
    # an occurrence kills with probability (1 - s) * 1 + s * (1 - m) = 1 - s m: S = exp(-lam (1 - s m) T)
    mu = lam * (1 - success * m)
    expected = math.exp(-mu * T)
    check_proportion(survived(none), n, math.exp(-lam * T), "survival without the shield")
    tol = check_proportion(survived(shield), n, expected, "survival with the shield")
    check_power(expected, math.exp(-lam * (1 - m) * T), tol, "reduce_impact applied without success")
    # occurrences come at rate lam while alive: E[activations] = lam E[min(Exp(mu), T)] = (1 - e^{-mu T})/(1 - s m),
    # each succeeding with probability s
    activations = -math.expm1(-mu * T) / (1 - success * m)
    check_sample_mean(shield.activations[:, 0], activations, "activations")
    check_sample_mean(shield.successes[:, 0], success * activations, "successes")
    # PV of what is paid at each occurrence: lam int_0^T e^{-(mu+delta) t} dt per unit paid; the risk cost is
    # scaled by (1 - m) when the activation succeeds: E[paid] = c (1 - s m)
    occurrence_pv = lam * -math.expm1(-(mu + delta) * T) / (mu + delta)
    check_sample_mean(shield.contingency_cost, per_activation * occurrence_pv, "per-activation cost PV")
    check_sample_mean(shield.risk_cost, risk_cost * (1 - success * m) * occurrence_pv, "reduced risk cost PV")
    check_sample_mean(none.risk_cost, risk_cost * lam * -math.expm1(-(lam + delta) * T) / (lam + delta),
                      "risk cost PV without the shield")


# --------------------------------------------------------------------------- 10. escalation and rate factors


def _survival_after_trigger(a: float, b: float, T: float, remaining) -> float:  # noqa: ANN001
    """P(fatal B never occurs by T) when A (rate a, at most once) changes B's hazard b after it occurs.

    S = P(A after T) e^{-bT} + int_0^T a e^{-a u} e^{-b u} remaining(T - u) du, with remaining(r) the probability
    that B stays away for the r time units left after A.
    """
    after = integrate.quad(lambda u: a * math.exp(-(a + b) * u) * remaining(T - u), 0, T, epsabs=1e-13,
                           epsrel=1e-12, limit=200)[0]
    return math.exp(-(a + b) * T) + after


@pytest.mark.slow
@pytest.mark.parametrize("case", ["escalates_for_good", "escalates_for_a_while", "contingency_rate_factor"])
def test_a_risk_that_changes_a_fatal_risks_rate(make_scenario: MakeScenario, case: str) -> None:
    a, b, k, D, f, success, T, n = 0.3, 0.05, 4.0, 2.0, 0.25, 0.7, 8.0, 8_000
    escalation = {"escalates_for_good": f"[{{risk: blow, factor: {k}}}]",
                  "escalates_for_a_while": f"[{{risk: blow, factor: {k}, duration: {D}}}]",
                  "contingency_rate_factor": "[]"}[case]
    s = make_scenario(f"""
        allysim: 1
        name: escalation
        horizon: {T}
        risks:
          - id: spark
            rate: {a}
            max_occurrences: 1
            impact:
              escalates: {escalation}
          - id: blow
            rate: {b}
            impact:
              fatal: 1
        contingencies:
          - id: hedge
            trigger:
              on: spark
            success: {success}
            effect:
              rate_factor: {{risk: blow, factor: {f}}}
        plans:
          run: {"[hedge]" if case == "contingency_rate_factor" else "[]"}
        """)
    p = allysim.simulate(s, runs=n, seed=112).plans["run"]
    if case == "escalates_for_good":
        # closed form: e^{-(a+b)T} + a e^{-kbT} (1 - e^{-(a+b-kb)T}) / (a + b - kb)
        c = a + b - k * b
        expected = math.exp(-(a + b) * T) + a * math.exp(-k * b * T) * -math.expm1(-c * T) / c
        assert expected == pytest.approx(_survival_after_trigger(a, b, T, lambda r: math.exp(-k * b * r)), rel=1e-9)
    elif case == "escalates_for_a_while":
        # hazard k b for min(D, r), then b again
        expected = _survival_after_trigger(
            a, b, T, lambda r: math.exp(-k * b * min(D, r) - b * max(0.0, r - D)))
    else:
        # the hedge works with probability s and then multiplies B's hazard by f for good
        expected = _survival_after_trigger(
            a, b, T, lambda r: success * math.exp(-f * b * r) + (1 - success) * math.exp(-b * r))
    tol = check_proportion(survived(p), n, expected, f"survival ({case})")
    check_power(expected, math.exp(-b * T), tol, "the rate change ignored")
    assert set(np.unique(p.occurrences[:, 0])) <= {0, 1}
    assert np.all(p.cause[p.cause >= 0] == 1)


# --------------------------------------------------------------------------- 11. per-time and setup costs


@pytest.mark.parametrize(("unit", "per_year", "discount_rate"),
                         [("year", 1.0, 0.08), ("quarter", 4.0, 0.08), ("month", 12.0, 0.0)])
def test_running_costs_and_value_without_risk_are_exact(make_scenario: MakeScenario, unit: str, per_year: float,
                                                       discount_rate: float) -> None:
    years, setup, cost_per_year, value_per_year = 10.0, 0.7, 0.4, 12.0
    T, c, V = years * per_year, cost_per_year / per_year, value_per_year / per_year
    s = make_scenario(f"""
        allysim: 1
        name: running costs
        time_unit: {unit}
        horizon: {T}
        discount_rate: {discount_rate}
        alliance:
          value_rate: {V}
        risks:
          - id: harmless
            rate: {0.5 / per_year}
            impact:
              health: 0
        contingencies:
          - id: upkeep
            trigger:
              health_below: 0.5
            effect:
              restore_health: 0.1
            cost:
              setup: {setup}
              per_time: {c}
        plans:
          without: []
          with: [upkeep]
        """)
    r = allysim.simulate(s, runs=100, seed=113)
    # delta per time unit = ln(1 + rate) * years per unit; PV of a flow c over [0, T] = c (1 - e^{-delta T}) / delta
    delta = math.log1p(discount_rate) / per_year
    annuity = T if delta == 0 else -math.expm1(-delta * T) / delta
    with_, without = r.plans["with"], r.plans["without"]
    np.testing.assert_allclose(with_.contingency_cost, setup + c * annuity, rtol=1e-12)
    assert np.all(without.contingency_cost == 0)
    for p in (with_, without):
        np.testing.assert_allclose(p.value, V * annuity, rtol=1e-12)
        assert survived(p) == 100 and np.all(p.risk_cost == 0) and np.all(p.min_health == 1.0)
    # the same money whatever the time unit: the yearly version's numbers
    yearly = -math.expm1(-math.log1p(discount_rate) * years) / math.log1p(discount_rate) if discount_rate else years
    assert with_.contingency_cost[0] == pytest.approx(setup + cost_per_year * yearly, rel=1e-12)


# --------------------------------------------------------------------------- 12. the v1.1 clarifications (SPEC 3)

WATCHERS = {
    "early": """
          - id: early_warning
            trigger: {{health_below: 0.8}}
            success: {s1}
            effect: {{restore_health: 0.3}}
            cost: {{per_activation: 1}}
""",
    "late": """
          - id: crisis_team
            trigger: {{health_below: 0.6}}
            success: {s2}
            effect: {{restore_health: 0.3}}
            cost: {{per_activation: 100}}
""",
}


@pytest.mark.parametrize("order", [("early", "late"), ("late", "early")])
def test_thresholds_crossed_by_one_occurrence_all_activate_whatever_the_file_order(
        make_scenario: MakeScenario, order: tuple[str, str]) -> None:
    # One occurrence drops health from 1 to 0.5, crossing 0.8 and 0.6 at once. Step 6 is a set: both watchers
    # activate, then both restore (health 0.5 + 0.3 per success, capped at 1). Activating and restoring one at a
    # time would let the first restore lift health above the second threshold and silence it.
    lam, s1, s2, T, n = 0.15, 0.7, 0.5, 6.0, 6_000
    watchers = "".join(WATCHERS[k] for k in order).format(s1=s1, s2=s2)
    s = make_scenario(f"""
        allysim: 1
        name: two thresholds
        horizon: {T}
        alliance:
          health: {{dissolve_below: 0.1, recovery: 0}}
        risks:
          - id: blow
            rate: {lam}
            max_occurrences: 1
            impact: {{health: 0.5}}
        contingencies:
{watchers}""")
    p = allysim.simulate(s, runs=n, seed=121).plans["default"]
    col = {c.id: j for j, c in enumerate(s.contingencies)}
    early, late = p.activations[:, col["early_warning"]], p.activations[:, col["crisis_team"]]
    occurred = p.occurrences[:, 0]
    np.testing.assert_array_equal(early, occurred)  # exact, run by run
    np.testing.assert_array_equal(late, occurred)
    hit = -math.expm1(-lam * T)
    check_proportion(int(late.sum()), n, hit, "activations of the lower threshold")
    # the cost per run is 1 + 100 whenever the risk occurred (no discounting)
    np.testing.assert_allclose(p.contingency_cost, 101.0 * occurred, rtol=1e-12)
    # health right after: 0.5 + 0.3 per successful restore, capped at 1; with recovery 0 it stays there, so
    # every survivor's health on the grid ends at that level
    ok1, ok2 = p.successes[:, col["early_warning"]], p.successes[:, col["crisis_team"]]
    h_after = np.minimum(1.0, 0.5 + 0.3 * (ok1 + ok2))
    # E[h_after | occurred] = 0.5 + 0.3 (s1 (1 - s2) + s2 (1 - s1)) + 0.5 s1 s2
    expected = 0.5 + 0.3 * (s1 * (1 - s2) + s2 * (1 - s1)) + 0.5 * s1 * s2
    check_sample_mean(h_after[occurred == 1], expected, "health after both restores")
    mistaken = hit * (1 - (s1 if order[0] == "early" else s2))  # file order: a success silences the other
    tol = Z * math.sqrt(hit * (1 - hit) / n)
    check_power(hit, mistaken, tol, "file order deciding which thresholds activate")


def test_min_health_is_the_low_point_right_after_each_hit(make_scenario: MakeScenario) -> None:
    # Two risks, each at most once, no recovery. `strain` drops health 0.3 and a restore lifts it back at once
    # (step 3); `crisis` drops it 0.9, below dissolve_below, and a certain rescue lifts it to 0.5 (step 5). The
    # low point of a run is 0.1 if the crisis came (whatever the order: after a strain health is back at 1),
    # 0.7 if only the strain came, 1 otherwise. Hiding dips that steps 3 and 5 undo would give 1, 0.5 and 1.
    a, b, T, n = 0.12, 0.08, 5.0, 8_000
    s = make_scenario(f"""
        allysim: 1
        name: low points
        horizon: {T}
        alliance:
          health: {{dissolve_below: 0.25, recovery: 0}}
        risks:
          - id: strain
            rate: {a}
            max_occurrences: 1
            impact: {{health: 0.3}}
          - id: crisis
            rate: {b}
            max_occurrences: 1
            impact: {{health: 0.9}}
        contingencies:
          - id: repair
            trigger: {{on: strain}}
            effect: {{restore_health: 0.3}}
          - id: bailout
            trigger: {{on: dissolution}}
            effect: {{rescue_health: 0.5}}
        """)
    p = allysim.simulate(s, runs=n, seed=122).plans["default"]
    assert np.all(p.cause < 0)  # every crisis is rescued
    strain, crisis = p.occurrences[:, 0] == 1, p.occurrences[:, 1] == 1
    np.testing.assert_allclose(p.min_health, np.where(crisis, 0.1, np.where(strain, 0.7, 1.0)), atol=1e-12)
    pa, pb = -math.expm1(-a * T), -math.expm1(-b * T)
    values = np.array([0.1, 0.7, 1.0])
    probs = np.array([pb, (1 - pb) * pa, (1 - pb) * (1 - pa)])
    mean = float(probs @ values)
    tol = check_mean(p.min_health, mean, float(probs @ values**2) - mean**2, "expected min_health")
    hidden = float(probs @ np.array([0.5, 1.0, 1.0]))
    check_power(mean, hidden, tol, "min_health taken after restores and rescues")


def test_a_rescue_that_cannot_lift_health_is_refused(tmp_path: Path) -> None:
    # Without rescue_health a "successful" rescue would leave the alliance alive at health 0: a scenario that
    # dissolves 99% of the time would survive 100%. Such a contingency is refused before anything is simulated.
    from click.testing import CliRunner

    from allysim.cli import cli

    path = tmp_path / "no_lift.yaml"
    path.write_text("allysim: 1\nname: no lift\nhorizon: 10\nrisks:\n  - id: blow\n    rate: 0.5\n"
                    "    impact: {fatal: 1}\ncontingencies:\n  - id: rescue\n    trigger: {on: dissolution}\n"
                    "    effect: {restore_health: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "--runs", "10", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{path}:11:13: contingencies[0].effect: "), result.output
    assert "rescue_health" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()

# --------------------------------------------------------------------------- 13. invariants


EXTRA_PLANS = "  full: all\n  full_again: [escalation_protocol, steering_committee, renegotiation]\n" \
              "  rescue_only: [renegotiation]\n"
PERF_RUNS, PERF_SEED = 1_500, 20261128


@pytest.fixture(scope="module")
def perf(perf_yaml: Path) -> allysim.Results:
    """perf.yaml with two more plans: a copy of ``full``, and the rescue alone."""
    text = perf_yaml.read_text(encoding="utf-8")
    assert text.count("  full: all\n") == 1
    scenario = allysim.parse_scenario(text.replace("  full: all\n", EXTRA_PLANS), source=str(perf_yaml))
    return allysim.simulate(scenario, runs=PERF_RUNS, seed=PERF_SEED, workers=1)


def assert_same_runs(a: PlanRuns, b: PlanRuns, rows: slice = slice(None)) -> None:
    for name in PlanRuns.per_run():  # the histograms count every run; compared by the callers that need them
        if name == "simulated":  # how a run was obtained (simulated, or derived from a shared path), not what it is
            continue
        np.testing.assert_array_equal(getattr(a, name)[rows], getattr(b, name)[rows], err_msg=name)


def test_every_run_keeps_the_invariants(perf: allysim.Results) -> None:
    T = perf.scenario.horizon
    for name, p in perf.plans.items():
        alive = p.cause == -1
        assert np.all((p.lifetime > 0) & (p.lifetime <= T)), name
        np.testing.assert_array_equal(alive, p.lifetime == T, err_msg=name)
        assert np.all((p.cause >= -1) & (p.cause < len(perf.scenario.risks))), name
        assert np.all((p.min_health >= 0) & (p.min_health <= 1)), name
        # health is in [min_health, 1] while alive and 0 after: min_health L / T <= resilience <= L / T
        assert np.all(p.resilience <= p.lifetime / T + 1e-12), name
        assert np.all(p.resilience >= p.min_health * p.lifetime / T - 1e-12), name
        np.testing.assert_allclose(p.npv, p.value - p.risk_cost - p.contingency_cost, rtol=1e-9,
                                   atol=1e-9 * float(np.max(np.abs(p.value))), err_msg=name)
        assert np.all(p.value >= 0) and np.all(p.risk_cost >= 0) and np.all(p.contingency_cost >= 0), name
        assert np.all(p.successes <= p.activations) and np.all(p.occurrences >= 0), name
        assert np.all(p.health_hist.sum(axis=1) == PERF_RUNS), name
    assert np.all(perf.plans["do_nothing"].activations == 0)
    assert np.all(perf.plans["do_nothing"].contingency_cost == 0)
    renegotiation = perf.scenario.contingencies.index(perf.scenario.contingency("renegotiation"))
    assert perf.plans["full"].activations[:, renegotiation].max() <= 1  # max_activations: 1
    bands = perf.health_bands()
    assert len(bands["grid"]) == len(bands["plans"]["full"]["p50"]) and bands["grid"][-1] == T
    for name, plan in bands["plans"].items():
        curves = np.array([plan[f"p{q}"] for q in (5, 25, 50, 75, 95)])
        assert np.all((curves >= 0) & (curves <= 1)), name
        assert np.all(np.diff(curves, axis=0) >= 0), name  # p5 <= p25 <= ... <= p95 at every time
        assert np.all(curves[:, 0] == 1.0), name  # everyone starts at initial health 1
    summary = perf.summary()["plans"]
    for name, plan in summary.items():
        assert plan["survival"]["estimate"] == survived(perf.plans[name]) / PERF_RUNS
        assert sum(plan["end_causes"].values()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.slow
def test_results_do_not_depend_on_workers_plans_or_run_count(perf: allysim.Results, perf_yaml: Path) -> None:
    parallel = allysim.simulate(perf.scenario, runs=PERF_RUNS, seed=PERF_SEED, workers=2)
    for name in perf.plans:
        assert_same_runs(perf.plans[name], parallel.plans[name])
        np.testing.assert_array_equal(perf.plans[name].health_hist, parallel.plans[name].health_hist)
    assert perf.summary() == parallel.summary()
    assert perf.health_bands() == parallel.health_bands()
    # the scenario as shipped (two plans), fewer runs, run twice: the same numbers, replication by replication
    shipped = allysim.load_scenario(perf_yaml)
    once = allysim.simulate(shipped, runs=200, seed=PERF_SEED)
    again = allysim.simulate(shipped, runs=200, seed=PERF_SEED)
    alone = allysim.simulate(perf.scenario, runs=200, seed=PERF_SEED, plans=["full"])
    for name in ("do_nothing", "full"):
        assert_same_runs(once.plans[name], again.plans[name])
        assert_same_runs(once.plans[name], perf.plans[name], slice(0, 200))
    assert_same_runs(alone.plans["full"], perf.plans["full"], slice(0, 200))
    other = allysim.simulate(shipped, runs=200, seed=PERF_SEED + 1)
    assert not np.array_equal(other.plans["full"].npv, once.plans["full"].npv)


def test_plans_share_random_numbers(perf: allysim.Results) -> None:
    nothing, full = perf.plans["do_nothing"], perf.plans["full"]
    assert_same_runs(full, perf.plans["full_again"])
    np.testing.assert_array_equal(full.health_hist, perf.plans["full_again"].health_hist)
    assert np.corrcoef(nothing.npv, full.npv)[0, 1] > 0.5
    # the rescue acts only when do_nothing would dissolve: every run do_nothing survives is the same run under
    # rescue_only, and a rescue can only lengthen a life
    rescue = perf.plans["rescue_only"]
    kept = nothing.cause == -1
    assert 0 < np.count_nonzero(kept) < PERF_RUNS
    assert_same_runs(nothing, rescue, kept)
    assert np.all(rescue.lifetime >= nothing.lifetime)
    assert np.count_nonzero(rescue.lifetime > nothing.lifetime) > 0


def _in_unit(unit: str, k: float) -> str:
    """A scenario with recovery, value factors, escalation and a delayed contingency; k time units per year."""
    return f"""
        allysim: 1
        name: time units
        time_unit: {unit}
        horizon: {10 * k}
        discount_rate: 0.08
        alliance:
          health:
            dissolve_below: 0.3
            recovery: {0.4 / k}
          value_rate: {12 / k}
        risks:
          - id: shock
            rate: {0.6 / k}
            impact:
              health:
                triangular: {{low: 0.1, likely: 0.2, high: 0.4}}
              cost:
                exponential: {{mean: 1}}
              value:
                factor: 0.7
                duration:
                  uniform: {{low: {0.5 * k}, high: {2 * k}}}
              fatal: 0.05
              escalates:
                - {{risk: collapse, factor: 3, duration: {1 * k}}}
          - id: collapse
            rate: {0.04 / k}
            impact:
              fatal: 1
        contingencies:
          - id: mediation
            trigger:
              health_below: 0.5
            delay:
              uniform: {{low: {0.1 * k}, high: {0.3 * k}}}
            success: 0.7
            effect:
              restore_health: 0.25
            cost:
              per_time: {0.2 / k}
              per_activation: 0.1
        """


@pytest.mark.slow
def test_time_unit_does_not_change_the_alliance(make_scenario: MakeScenario) -> None:
    years = make_scenario(_in_unit("year", 1))
    months = make_scenario(_in_unit("month", 12))
    # the same seed draws the same uniforms, so each run is the same life measured in months
    y = allysim.simulate(years, runs=1_000, seed=114).plans["default"]
    m = allysim.simulate(months, runs=1_000, seed=114).plans["default"]
    np.testing.assert_array_equal(y.cause, m.cause)
    np.testing.assert_array_equal(y.occurrences, m.occurrences)
    np.testing.assert_array_equal(y.activations, m.activations)
    assert y.activations.sum() > 0 and 0.05 < survived(y) / len(y) < 0.95  # the delayed contingency acts; not trivial
    np.testing.assert_allclose(m.lifetime, 12 * y.lifetime, rtol=1e-9)
    for name in ("npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience"):
        np.testing.assert_allclose(getattr(m, name), getattr(y, name), rtol=1e-8, atol=1e-9, err_msg=name)
    # independent seeds: the two survival estimates agree within Z standard errors of their difference
    n = 4_000
    sy = survived(allysim.simulate(years, runs=n, seed=115).plans["default"]) / n
    sm = survived(allysim.simulate(months, runs=n, seed=116).plans["default"]) / n
    pooled = (sy + sm) / 2
    tol = Z * math.sqrt(2 * pooled * (1 - pooled) / n)
    assert abs(sy - sm) <= tol, f"survival in years {sy:.4f} vs in months {sm:.4f}, +- {tol:.4f}"


# --------------------------------------------------------------------------- 14. memory


@pytest.mark.parametrize("shadows", [False, True])
def test_a_replication_is_freed_without_the_cycle_collector(shadows: bool) -> None:
    """Every shipped scenario (environments, delays, escalations, rescues, dissolutions): once a replication has
    run, its Life goes by reference counting alone, which is what lets the executor pause the cycle collector."""
    import gc
    import weakref

    from allysim.engine import CompiledPlan
    from allysim.life import Life
    from allysim.membership import PartneredLife
    from allysim.streams import Streams, sources

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "scenarios").glob("*.yaml")) + sorted((root / "tests" / "data").glob("*.yaml"))
    assert len(files) >= 6
    dissolved = 0
    was = gc.isenabled()
    gc.disable()
    try:
        for file in files:
            scenario = allysim.load_scenario(file)
            ids = [c.id for c in scenario.contingencies]
            for chosen in (ids, ids[: len(ids) // 2]):
                model = CompiledPlan(scenario, chosen, layout=sources(scenario), event_budget=10**6,
                                     health_path=True, shadows=shadows)
                for rep in range(60):
                    life = model.life(model, Streams(model.layout, 7, rep), rep)
                    assert isinstance(life, PartneredLife if model.partners else Life)
                    outcome = life.run()
                    dissolved += outcome.cause >= 0
                    gone = weakref.ref(life)
                    del life
                    assert gone() is None, f"{file.name} replication {rep} kept its Life in a reference cycle"
    finally:
        if was:
            gc.enable()
    assert dissolved > 100  # the paths that leave pending arrivals behind were taken


# --------------------------------------------------------------------------- 15. the health path on the grid


def test_the_health_path_on_the_grid_is_the_closed_form_of_recovery(make_scenario: MakeScenario) -> None:
    """One drop of d at the first arrival t of a single risk: health on the grid is 1 up to t and
    1 - d exp(-rho (tau - t)) after; t is read back from the risk's own stream, independently of the engine."""
    from allysim.engine import CompiledPlan
    from allysim.life import health_matrix
    from allysim.streams import Streams, sources

    lam, d, rho, T = 0.3, 0.4, 0.7, 10.0
    s = make_scenario(f"""
        allysim: 1
        name: one drop
        horizon: {T}
        alliance: {{health: {{initial: 1.0, dissolve_below: 0.05, recovery: {rho}}}, value_rate: 1}}
        risks:
          - id: drop
            rate: {lam}
            max_occurrences: 1
            impact: {{health: {d}}}
        """)
    layout = sources(s)
    model = CompiledPlan(s, (), layout=layout)
    grid = np.asarray(model.grid)
    outcomes = [model.run(5, rep) for rep in range(400)]
    health = health_matrix(outcomes, model.grid)
    dropped = 0
    for rep, row in enumerate(health):
        t = -math.log1p(-Streams(layout, 5, rep).u(layout.index("drop.arrivals"))) / lam
        expected = np.where(grid <= t, 1.0, 1.0 - d * np.exp(-rho * (grid - t)))
        np.testing.assert_allclose(row, expected, rtol=0, atol=1e-14, err_msg=f"replication {rep}")
        dropped += t < T
    assert 100 < dropped < 400  # both kinds of path were checked


def test_a_grid_time_at_an_event_takes_the_health_just_before_it_and_zero_after_the_end() -> None:
    from array import array
    from types import SimpleNamespace

    from allysim.life import health_matrix

    rho, grid = 0.5, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    # health 0.9 at first, recovering; at t = 1.0 (a grid time) a drop leaves a gap of 0.5; dissolved at t = 2.0
    alive = SimpleNamespace(health=array("d", [0.9, rho, 0.0, 0.1, 1.0, 0.5]), lifetime=2.0)
    at_zero = SimpleNamespace(health=array("d", [1.0, rho]), lifetime=0.0)  # dissolved at once
    survivor = SimpleNamespace(health=array("d", [1.0, rho, 0.0, 0.0]), lifetime=2.5)
    health = health_matrix([alive, at_zero, survivor], grid)
    np.testing.assert_allclose(health[0], [0.9, 1 - 0.1 * math.exp(-rho * 0.5), 1 - 0.1 * math.exp(-rho),
                                           1 - 0.5 * math.exp(-rho * 0.5), 1 - 0.5 * math.exp(-rho), 0.0],
                               rtol=0, atol=1e-15)
    assert health[1].tolist() == [1.0, 0, 0, 0, 0, 0]
    assert health[2].tolist() == [1.0] * 6
