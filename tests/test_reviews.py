"""Scheduled reviews (SPEC section 13) against closed forms; their validation, paths, sweeps and path sharing.

At each review age before the horizon, a contingency triggered by ``review`` activates if the alliance is alive and
its condition (``if: {health_below: x}``) holds, like any other activation. The closed forms use a single-drop risk
(at most one occurrence, rate lam, health drop d) so that "health is below x at age a" has a known probability,
and a fatal Weibull risk so that a rate factor started by a review acts over a known window. Tolerances are 4
standard errors of the closed form's own variance; where a plausible engine mistake would give another answer,
the test asserts the mistake lies more than two tolerances away.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable

import numpy as np
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli

from conftest import check_mean, check_power, check_proportion

MakeScenario = Callable[[str], allysim.Scenario]

ONE_DROP = """
    allysim: 1
    name: a review after one drop
    horizon: 10
    discount_rate: {discount}
    alliance:
      health: {{recovery: {recovery}, dissolve_below: 0.2}}
    risks:
      - id: blow
        rate: {lam}
        max_occurrences: 1
        impact: {{health: {drop}}}
    contingencies:
      - id: board
        trigger: {trigger}
        effect: {{restore_health: 0.5}}
        cost: {{per_activation: 1}}
    """


def one_drop(make: MakeScenario, trigger: str, lam: float = 0.5, drop: float = 0.5, recovery: float = 0.0,
             discount: float = 0.0) -> allysim.Scenario:
    return make(ONE_DROP.format(trigger=trigger, lam=lam, drop=drop, recovery=recovery, discount=discount))


def test_a_conditional_review_activates_when_the_drop_came_before_it(make_scenario: MakeScenario) -> None:
    lam, n = 0.5, 6_000
    s = one_drop(make_scenario, "{review: [2], if: {health_below: 0.6}}", lam=lam)
    p = allysim.simulate(s, runs=n, seed=301).plans["default"]
    # no recovery: health is 0.5 < 0.6 at age 2 exactly when the one drop came before 2
    expected = -math.expm1(-2 * lam)
    tol = check_proportion(int(p.activations[:, 0].sum()), n, expected, "activated at the age-2 review")
    check_power(expected, 1.0, tol, "the condition ignored")
    assert set(np.unique(p.activations[:, 0])) <= {0, 1}
    # activated exactly where the drop came first, and then health is restored: min_health is 0.5 either way
    hit_early = p.occurrences[:, 0] == 1  # occurrences before the horizon; the activation needs one before 2
    assert np.all(p.activations[:, 0] <= hit_early)


def test_the_condition_reads_health_recovered_up_to_the_review(make_scenario: MakeScenario) -> None:
    lam, drop, x, rho, n = 0.5, 0.5, 0.6, 0.2, 8_000
    s = one_drop(make_scenario, f"{{review: [2], if: {{health_below: {x}}}}}", lam=lam, drop=drop, recovery=rho)
    p = allysim.simulate(s, runs=n, seed=302).plans["default"]
    # a drop at u < 2 leaves 1 - d e^{-rho (2 - u)} at age 2, below x when 2 - u < w = ln(d / (1 - x)) / rho
    w = math.log(drop / (1 - x)) / rho
    expected = math.exp(-lam * (2 - w)) - math.exp(-2 * lam)
    tol = check_proportion(int(p.activations[:, 0].sum()), n, expected, "activated at the review")
    check_power(expected, -math.expm1(-2 * lam), tol, "health read before its recovery")


def test_reviews_without_a_condition_activate_at_every_age_while_alive(make_scenario: MakeScenario) -> None:
    mu, n, ages = 0.15, 6_000, (2.0, 4.0, 6.0)
    s = make_scenario(f"""
        allysim: 1
        name: reviews
        horizon: 10
        discount_rate: 0.08
        risks:
          - id: ending
            rate: {mu}
            impact: {{fatal: 1}}
        contingencies:
          - id: board
            trigger: {{review: [2, 4, 6, 10, 12]}}
            effect: {{restore_health: 0.1}}
            cost: {{per_activation: 1}}
        """)
    p = allysim.simulate(s, runs=n, seed=303).plans["default"]
    # the number of reviews is the number of ages the alliance is alive at (none at or after the horizon):
    # a sum of Bernoulli(e^{-mu a}) that are nested, so its variance is computed from the joint law
    alive = [math.exp(-mu * a) for a in ages]
    mean = sum(alive)
    second = sum(alive[max(i, j)] for i in range(3) for j in range(3))  # E[1{L>a_i} 1{L>a_j}] = e^{-mu max}
    check_mean(p.activations[:, 0], mean, second - mean * mean, "reviews held")
    # each review's cost is discounted at its own age, exactly
    delta = math.log(1.08)
    held = p.activations[:, 0]
    expected = np.array([sum(math.exp(-delta * a) for a in ages[:k]) for k in range(4)])[held]
    assert np.allclose(p.contingency_cost, expected, rtol=1e-12, atol=0)


def test_a_review_every_period_holds_one_review_per_period_before_the_horizon(make_scenario: MakeScenario) -> None:
    s = make_scenario("""
        allysim: 1
        name: quarterly reviews
        time_unit: month
        horizon: "2 years"
        risks:
          - {id: quiet, rate: 0}
        contingencies:
          - id: board
            trigger: {review: {every: 1 quarter}}
            effect: {restore_health: 0.1}
            max_activations: 5
        """)
    assert s.contingency("board").trigger.review_ages(s.horizon) == (3, 6, 9, 12, 15, 18, 21)
    p = allysim.simulate(s, runs=20, seed=1).plans["default"]
    assert np.all(p.activations[:, 0] == 5)  # seven reviews, capped at five activations


def test_a_review_starts_a_rate_factor_over_a_known_window_of_a_weibull_hazard(make_scenario: MakeScenario) -> None:
    k, scale, a, D, f, success, T, n = 1.6, 6.0, 2.0, 3.0, 0.2, 0.7, 8.0, 10_000
    s = make_scenario(f"""
        allysim: 1
        name: a safeguard over a window
        horizon: {T}
        risks:
          - id: ending
            hazard: {{weibull: {{shape: {k}, scale: {scale}}}}}
            impact: {{fatal: 1}}
        contingencies:
          - id: safeguard
            trigger: {{review: [{a}]}}
            success: {success}
            effect: {{rate_factor: {{risk: ending, factor: {f}, duration: {D}}}}}
        """)
    p = allysim.simulate(s, runs=n, seed=304).plans["default"]

    def H(t: float) -> float:
        return (t / scale) ** k

    # S(T) = exp(-(H(a) + m (H(a + D) - H(a)) + H(T) - H(a + D))), m = f if the safeguard works, else 1
    def survival(m: float) -> float:
        return math.exp(-(H(a) + m * (H(a + D) - H(a)) + H(T) - H(a + D)))

    expected = success * survival(f) + (1 - success) * survival(1.0)
    tol = check_proportion(int(np.count_nonzero(p.cause < 0)), n, expected, "survival with the safeguard")
    check_power(expected, survival(1.0), tol, "the rate factor ignored")
    for_good = success * math.exp(-(H(a) + f * (H(T) - H(a)))) + (1 - success) * survival(1.0)
    check_power(expected, for_good, tol, "the factor kept past its window")
    # within the window the ends are thinned by f: survival to a + D
    inside = success * math.exp(-(H(a) + f * (H(a + D) - H(a)))) + (1 - success) * math.exp(-H(a + D))
    check_proportion(int(np.count_nonzero(p.lifetime > a + D)), n, inside, "survival to the end of the window")


def test_a_delayed_review_acts_after_its_delay_if_still_alive(make_scenario: MakeScenario) -> None:
    s = make_scenario("""
        allysim: 1
        name: delayed
        horizon: 10
        risks:
          - {id: quiet, rate: 0}
        contingencies:
          - id: board
            trigger: {review: [2]}
            delay: 1
            effect: {rate_factor: {risk: quiet, factor: 2}}
            cost: {per_activation: 1}
        """)
    p = allysim.simulate(s, runs=5, seed=1).plans["default"]
    assert np.all(p.activations[:, 0] == 1) and np.all(p.successes[:, 0] == 1)


# --------------------------------------------------------------------------- sweeps, sharing, the CLI


def test_a_sweep_over_the_review_threshold_answers_act_below_what(make_scenario: MakeScenario, tmp_path) -> None:  # noqa: ANN001
    lam, n = 0.5, 2_000
    s = one_drop(make_scenario, "{review: [2], if: {health_below: 0.6}}", lam=lam, recovery=0.2)
    path = "contingencies.board.trigger.if.health_below"
    values = [0.3, 0.55, 0.7, 0.95]
    sweep = allysim.sweep(s, path, values, runs=n, seed=305)
    shares = [float(np.mean(r.plans["default"].activations[:, 0])) for r in sweep.results]
    # below the lowest health a drop can leave (0.5) the review never acts; above 1 - d e^{-2 rho} after a drop
    # at age 0 (0.665) it acts whenever the drop came before 2
    assert shares[0] == 0
    assert shares[1] < shares[2] == shares[3]
    check_proportion(int(shares[3] * n), n, -math.expm1(-2 * lam), "acted at a threshold above every drop")
    data = sweep.to_dict()
    assert data["parameter"] == path and data["values"] == values
    # the same values through the command line
    file = tmp_path / "s.yaml"
    file.write_text(textwrap.dedent(ONE_DROP.format(trigger="{review: [2], if: {health_below: 0.6}}", lam=lam,
                                                    drop=0.5, recovery=0.2, discount=0.0)))
    result = CliRunner().invoke(cli, ["sweep", str(file), "--set", f"{path}=0.3,0.6,0.9", "--runs", "200",
                                      "--seed", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "sweep.json").read_text())["parameter"] == path


def test_an_uncertain_review_threshold_is_drawn_per_replication(make_scenario: MakeScenario) -> None:
    s = one_drop(make_scenario, "{review: [2], if: {health_below: {uniform: {low: 0.3, high: 0.9}}}}")
    assert list(s.uncertain) == ["contingencies.board.trigger.if.health_below"]
    results = allysim.simulate(s, runs=3_000, seed=306)
    p, draws = results.plans["default"], results.params[:, 0]
    # no recovery: the review acts when the drop came before 2 and the drawn threshold is above 0.5
    expected = -math.expm1(-1.0) * (0.9 - 0.5) / 0.6
    check_proportion(int(p.activations[:, 0].sum()), 3_000, expected, "activated")
    assert not np.any(p.activations[:, 0][draws <= 0.5])


def test_shared_paths_with_reviews_are_the_exhaustive_bits(make_scenario: MakeScenario) -> None:
    s = make_scenario("""
        allysim: 1
        name: reviews share paths
        horizon: 8
        discount_rate: 0.05
        alliance: {health: {recovery: 0.3, dissolve_below: 0.3}, value_rate: 10}
        risks:
          - id: ending
            hazard: {weibull: {shape: 0.7, scale: 20}}
            impact: {fatal: 0.5, health: 0.2, cost: 1}
          - id: strain
            hazard: {steps: [[0, 0.3], [3, 0.8]]}
            impact: {health: {uniform: {low: 0.1, high: 0.4}}}
        contingencies:
          - id: board
            trigger: {review: {every: 1}, if: {health_below: 0.7}}
            success: 0.5
            effect: {restore_health: 0.3}
            cost: {per_activation: 0.5}
          - id: audit
            trigger: {review: [2, 5]}
            delay: 0.5
            success: 0.6
            effect: {rate_factor: {risk: strain, factor: 0.5, duration: 2}}
            cost: {setup: 1, per_activation: 0.2}
        plans:
          none: []
          board: [board]
          both: all
        """)
    shared = allysim.contingency_values(s, runs=400, seed=307).to_dict()
    exhaustive = allysim.contingency_values(s, runs=400, seed=307, exhaustive=True).to_dict()
    assert shared.pop("sharing")["derived"] > 0
    exhaustive.pop("sharing")
    assert json.dumps(shared, sort_keys=True) == json.dumps(exhaustive, sort_keys=True)


# --------------------------------------------------------------------------- the format


_BAD = [
    ("{review: [4, 2]}", "contingencies[0].trigger.review[1]: review ages increase: 2 is not after the previous 4"),
    ("{review: [-1, 2]}", "contingencies[0].trigger.review[0]: a review age is >= 0"),
    ("{review: []}", "contingencies[0].trigger.review: review lists no age"),
    ("{review: {every: 0}}", "contingencies[0].trigger.review"),
    ("{review: {every: 0.00001}}", "every 1e-05 means 1,000,000 reviews over the horizon (at most 100,000)"),
    ("{review: [2], on: hit}", "contingencies[0].trigger: give exactly one of on: <risk id>"),
    ("{on: hit, if: {health_below: 0.5}}", "if: {...} is the condition of a review"),
    ("{review: [2], if: {health_above: 0.5}}", "health_above"),
    ("{review: [2], if: {health_below: 0.5, share_below: 0.5}}", "give exactly one condition"),
    ("{review: [2], if: {partners_below: 2}}", "partners_below needs partners"),
]


@pytest.mark.parametrize(("trigger", "message"), _BAD)
def test_a_bad_review_is_located(trigger: str, message: str) -> None:
    text = ("allysim: 1\nname: x\nhorizon: 10\nrisks:\n  - {id: hit, rate: 0.1}\ncontingencies:\n  - id: c\n"
            f"    trigger: {trigger}\n    effect: {{restore_health: 0.1}}\n")
    with pytest.raises(allysim.ScenarioError) as caught:
        allysim.parse_scenario(text, source="t.yaml")
    problems = caught.value.problems
    assert len(problems) == 1 and re.match(r"t\.yaml:\d+:\d+: ", problems[0]), problems
    assert message in problems[0], problems[0]


def test_a_review_cannot_reduce_an_impact_or_rescue(make_scenario: MakeScenario) -> None:
    text = ("allysim: 1\nname: x\nhorizon: 10\nrisks:\n  - {id: hit, rate: 0.1}\ncontingencies:\n  - id: c\n"
            "    trigger: {review: [2]}\n    effect: {reduce_impact: 0.5}\n")
    with pytest.raises(allysim.ScenarioError, match="reduce_impact needs trigger on: <risk id>"):
        allysim.parse_scenario(text, source="t.yaml")


def test_review_paths_for_set(make_scenario: MakeScenario) -> None:
    s = one_drop(make_scenario, "{review: {every: 2}}")
    conditional = s.with_overrides({"contingencies.board.trigger.if.health_below": 0.4,
                                    "contingencies.board.trigger.review.every": "6 months"})
    trigger = conditional.contingency("board").trigger
    assert trigger.condition.health_below == 0.4 and trigger.review.every == 0.5
    plain = one_drop(make_scenario, "{on: blow}")
    with pytest.raises(allysim.ScenarioError, match="not triggered by reviews"):
        plain.with_overrides({"contingencies.board.trigger.if.health_below": 0.4})


def test_a_scenario_with_reviews_conforms_to_the_json_schema() -> None:
    from schema_check import schema_problems

    from allysim.scenario.yamlio import load_yaml

    schema = allysim.json_schema()
    for trigger in ("{review: [2, '30 months']}", "{review: {every: 1 year}, if: {health_below: 0.6}}",
                    "{review: [2], if: {health_below: {uniform: {low: 0.4, high: 0.8}}}}"):
        text = textwrap.dedent(ONE_DROP.format(trigger=trigger, lam=0.5, drop=0.5, recovery=0, discount=0))
        document, _ = load_yaml(text.encode(), "t.yaml")
        assert schema_problems(document, schema) == [], trigger
    document["contingencies"][0]["trigger"]["review"] = {"each": 1}
    assert schema_problems(document, schema) != []


def test_the_worked_example_is_valid_and_conforms_to_the_json_schema() -> None:
    from pathlib import Path

    from schema_check import schema_problems

    from allysim.scenario.yamlio import load_yaml

    path = Path(__file__).resolve().parents[1] / "examples" / "age_and_reviews.yaml"
    scenario = allysim.load_scenario(path)
    assert {c.trigger.kind for c in scenario.contingencies} == {"review"}
    assert scenario.risk("partner_exit").hazard.weibull is not None
    assert scenario.risk("integration_strain").hazard.steps is not None
    document, _ = load_yaml(path.read_bytes(), str(path))
    assert schema_problems(document, allysim.json_schema()) == []
