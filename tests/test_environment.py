"""A shared environment (SPEC section 9) against matrix-exponential closed forms, and its pairing across plans.

The environment is a continuous-time Markov chain with generator Q and initial distribution pi0. With R the
diagonal matrix of a risk's rate in each state, the probability that a fatal risk has not struck by T is
pi0 expm((Q - R) T) 1; the expected time spent in each state up to T is pi0 int_0^T expm(Q t) dt, the expected
count of a regime-scaled risk pi0 int_0^T expm(Q t) dt r, and the discounted value pi0 int_0^T expm((Q - delta) t)
dt v. Each integral comes from one matrix exponential of the augmented matrix [[A, I], [0, 0]], whose upper right
block at T is int_0^T expm(A t) dt. Every statistical check is within Z = 4 standard errors derived in the test, and
where a plausible mistake (an environment frozen at its initial state, risks independent of it) would give another
answer, the test asserts that the mistake lies outside the tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.linalg import expm

import allysim
from allysim.errors import ScenarioError, SimulationError
from allysim.outputs import runs_columns, write_runs_csv
from allysim.studies import risk_drivers

MakeScenario = Callable[[str], allysim.Scenario]
Z = 4.0


def integral_of_expm(a: np.ndarray, horizon: float) -> np.ndarray:
    """int_0^T expm(A t) dt, from the augmented matrix [[A, I], [0, 0]]."""
    n = len(a)
    big = np.zeros((2 * n, 2 * n))
    big[:n, :n] = a
    big[:n, n:] = np.eye(n)
    return expm(big * horizon)[:n, n:]


def generator(scenario: allysim.Scenario) -> tuple[np.ndarray, np.ndarray]:
    env = scenario.environment
    assert env is not None
    return np.array(env.generator()), np.array(env.initial_shares)


def check(observed: np.ndarray, expected: float, what: str, sd: float | None = None) -> float:
    """Assert the mean of ``observed`` is within Z standard errors of ``expected``; return the tolerance."""
    sd = float(np.std(observed, ddof=1)) if sd is None else sd
    tol = Z * sd / math.sqrt(len(observed))
    mean = float(np.mean(observed))
    assert abs(mean - expected) <= tol, f"{what}: observed {mean:.6g}, expected {expected:.6g} +- {tol:.3g}"
    return tol


def check_power(expected: float, mistaken: float, tol: float, mistake: str) -> None:
    assert abs(expected - mistaken) > 2 * tol, f"test too weak to detect {mistake}: {expected:.4f} vs {mistaken:.4f}"


REGIMES = """
    allysim: 1
    name: three regimes
    horizon: 8
    risks:
      - id: blow
        rate: 0.1
        impact: {fatal: 1.0}
      - id: shield_test
        rate: 0.0
    contingencies:
      - id: shield
        trigger: {on: blow}
        effect: {reduce_impact: 0.5}
    plans:
      none: []
      shield: [shield]
    environment:
      initial: {calm: 0.6, storm: 0.3, crisis: 0.1}
      states:
        calm: {rates: {blow: 0.5}}
        storm: {rates: {blow: 3}}
        crisis: {rates: {blow: 8}}
      transitions:
        calm: {storm: 0.3, crisis: 0.05}
        storm: {calm: 0.8, crisis: 0.4}
        crisis: {storm: 1.5}
"""

CYCLE = """
    allysim: 1
    name: a business cycle
    horizon: 6
    discount_rate: 0.1
    alliance: {value_rate: 10}
    risks:
      - id: shock
        rate: 0.4
      - id: steady
        rate: 0.7
    environment:
      initial: {boom: 0.5, normal: 0.5}
      states:
        boom: {rates: {shock: 0.5}, value: 1.2}
        normal: {}
        bust: {rates: {shock: 3.0}, value: 0.6}
      transitions:
        boom: {normal: 0.5}
        normal: {boom: 0.3, bust: 0.2}
        bust: {normal: 0.9, boom: 0.1}
"""

RUNS = 20_000


@pytest.fixture(scope="module")
def regimes(make_scenario: MakeScenario) -> allysim.Results:
    return allysim.simulate(make_scenario(REGIMES), runs=RUNS, seed=16)


@pytest.fixture(scope="module")
def cycle(make_scenario: MakeScenario) -> allysim.Results:
    return allysim.simulate(make_scenario(CYCLE), runs=RUNS, seed=61)


# --------------------------------------------------------------------------- closed forms


def test_survival_under_a_regime_switching_fatal_rate(regimes: allysim.Results) -> None:
    s = regimes.scenario
    q, pi0 = generator(s)
    r = 0.1 * np.array([0.5, 3.0, 8.0])
    p = regimes.plans["none"]
    for t in (2.0, 5.0, s.horizon):
        exact = float(pi0 @ expm((q - np.diag(r)) * t) @ np.ones(3))
        alive = (p.lifetime >= t).astype(float) if t < s.horizon else (p.cause < 0).astype(float)
        tol = check(alive, exact, f"survival to t = {t}", sd=math.sqrt(exact * (1 - exact)))
        if t < s.horizon:
            continue
        frozen = float(pi0 @ np.exp(-r * t))  # the environment never leaves its initial state
        check_power(exact, frozen, tol, "an environment frozen at its initial state")
        mixed = float(np.exp(-(pi0 @ r) * t))  # one average rate, as if the risk ignored the environment
        check_power(exact, mixed, tol, "a risk that ignores the environment")


def test_end_causes_by_state(regimes: allysim.Results) -> None:
    """The chance of dying in state k before T is [pi0 int_0^T expm((Q - R) t) dt R]_k."""
    s = regimes.scenario
    q, pi0 = generator(s)
    r = 0.1 * np.array([0.5, 3.0, 8.0])
    exact = pi0 @ integral_of_expm(q - np.diag(r), s.horizon) @ np.diag(r)
    p = regimes.plans["none"]
    summary = regimes.summary()["plans"]["none"]
    for k, state in enumerate(s.environment.names):
        ended_here = ((p.cause == 0) & (p.env_state == k)).astype(float)
        check(ended_here, float(exact[k]), f"dissolved by blow in {state}",
              sd=math.sqrt(exact[k] * (1 - exact[k])))
        assert summary["end_causes_by_state"][state]["blow"] == pytest.approx(ended_here.mean(), abs=1e-12)
    for rid, share in summary["end_causes"].items():
        assert sum(by[rid] for by in summary["end_causes_by_state"].values()) == pytest.approx(share, abs=1e-12)


def test_time_share_count_and_value_in_a_business_cycle(cycle: allysim.Results) -> None:
    s = cycle.scenario
    q, pi0 = generator(s)
    T = s.horizon
    p = cycle.plans["default"]
    occupancy = pi0 @ integral_of_expm(q, T)  # expected time in each state up to T
    assert occupancy.sum() == pytest.approx(T)
    shares = cycle.summary()["plans"]["default"]["environment"]["time_share"]
    for k, state in enumerate(s.environment.names):
        tol = check(p.env_time[:, k] / T, occupancy[k] / T, f"time share of {state}")
        assert shares[state] == pytest.approx(float(np.mean(p.env_time[:, k])) / T, rel=1e-12)
        check_power(occupancy[k] / T, pi0[k] if k < 2 else 0.0, tol, "a frozen environment")
    shock = 0.4 * np.array([0.5, 1.0, 3.0])
    expected = float(occupancy @ shock)
    tol = check(p.occurrences[:, 0].astype(float), expected, "regime-scaled count")
    check_power(expected, float(pi0 @ shock) * T, tol, "a frozen environment")
    check(p.occurrences[:, 1].astype(float), 0.7 * T, "count of a risk the environment leaves alone")
    delta = s.discount_per_time
    values = np.array([1.2, 1.0, 0.6])
    exact = 10.0 * float(pi0 @ integral_of_expm(q - delta * np.eye(3), T) @ values)
    tol = check(p.value, exact, "discounted value")
    check_power(exact, 10.0 * float(pi0 @ values) * -math.expm1(-delta * T) / delta, tol, "a frozen environment")


# --------------------------------------------------------------------------- pairing and exactness


def test_every_plan_lives_in_the_same_environment(regimes: allysim.Results) -> None:
    none, shield = regimes.plans["none"], regimes.plans["shield"]
    # the shield halves the fatal probability on the same draws: it can only lengthen a life
    assert np.all(shield.lifetime >= none.lifetime)
    assert np.any(shield.lifetime > none.lifetime)
    both = (none.cause < 0) & (shield.cause < 0)
    np.testing.assert_array_equal(none.env_time[both], shield.env_time[both])
    np.testing.assert_array_equal(none.env_state[both], shield.env_state[both])
    np.testing.assert_allclose(none.env_time.sum(axis=1), none.lifetime, rtol=1e-12)


def test_one_state_is_an_exact_rate_multiplier(make_scenario: MakeScenario) -> None:
    base = """
        allysim: 1
        name: one state
        horizon: 5
        alliance: {value_rate: 3, health: {recovery: 0.4}}
        risks:
          - id: hit
            rate: RATE
            impact: {health: {uniform: {low: 0.1, high: 0.5}}, fatal: 0.2, cost: 1}
    """
    plain = make_scenario(base.replace("RATE", "1.0"))
    scaled = make_scenario(base.replace("RATE", "0.25") + """
        environment:
          initial: only
          states:
            only: {rates: {hit: 4}}
    """)
    a = allysim.simulate(plain, runs=500, seed=3).plans["default"]
    b = allysim.simulate(scaled, runs=500, seed=3).plans["default"]
    for name in ("lifetime", "cause", "npv", "min_health", "resilience", "occurrences"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert np.all(b.env_state == 0)


def test_an_environment_of_neutral_states_changes_nothing(make_scenario: MakeScenario) -> None:
    text = """
        allysim: 1
        name: neutral
        horizon: 5
        discount_rate: 0.05
        alliance: {value_rate: 3, health: {recovery: 0.4}}
        risks:
          - id: hit
            rate: 0.8
            impact: {health: {uniform: {low: 0.1, high: 0.5}}, fatal: 0.1, cost: 1}
    """
    plain = allysim.simulate(make_scenario(text), runs=500, seed=5).plans["default"]
    neutral = allysim.simulate(make_scenario(text + """
        environment:
          initial: a
          states: {a: {}, b: {rates: {hit: 1}, value: 1}}
          transitions: {a: {b: 2}, b: {a: 2}}
    """), runs=500, seed=5).plans["default"]
    np.testing.assert_array_equal(plain.cause, neutral.cause)
    for name in ("lifetime", "npv", "value", "min_health", "resilience"):
        np.testing.assert_allclose(getattr(plain, name), getattr(neutral, name), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_held_environment_as_a_driver(make_scenario: MakeScenario) -> None:
    scenario = make_scenario(REGIMES)
    drivers = risk_drivers(scenario, plan="none", runs=4000, seed=8)
    held = drivers.results.plans["environment held at its initial state"]
    base = drivers.results.plans["none"]
    # held in the state drawn at t = 0: the same initial state as the changing environment, all life long
    np.testing.assert_allclose(held.env_time.max(axis=1), held.lifetime, rtol=1e-12)
    starts = held.env_state
    out = drivers.to_dict()["environment"]
    assert out["states"] == ["calm", "storm", "crisis"]
    # the chain mostly leaves crisis and storm for calmer states: holding the start state costs survival
    q, pi0 = generator(scenario)
    r = 0.1 * np.array([0.5, 3.0, 8.0])
    exact = float(pi0 @ np.exp(-r * 8)) - float(pi0 @ expm((q - np.diag(r)) * 8) @ np.ones(3))
    diff = (held.cause < 0).astype(float) - (base.cause < 0).astype(float)
    check(diff, exact, "survival effect of holding the environment")
    assert out["survival"]["mean"] == pytest.approx(diff.mean(), abs=1e-12)
    assert set(np.unique(starts)) == {0, 1, 2}


def test_outputs_name_the_states(regimes: allysim.Results, tmp_path) -> None:
    path = write_runs_csv(regimes, tmp_path / "runs.csv")
    lines = path.read_text().splitlines()
    assert lines[0].split(",")[-1] == "env_state_at_end"
    states = {line.split(",")[-1] for line in lines[1:]}
    assert states == {"calm", "storm", "crisis"}
    summary = regimes.summary()["plans"]["shield"]
    assert sum(summary["environment"]["time_share"].values()) == pytest.approx(1.0)
    total = sum(v for by in summary["end_causes_by_state"].values() for v in by.values())
    assert total == pytest.approx(1.0)


def test_no_environment_no_new_outputs(make_scenario: MakeScenario) -> None:
    s = make_scenario("""
        allysim: 1
        name: plain
        horizon: 2
        risks: [{id: hit, rate: 1}]
    """)
    results = allysim.simulate(s, runs=10, seed=1)
    assert "environment" not in results.summary()["plans"]["default"]
    assert "env_state_at_end" not in runs_columns(results.scenario)
    assert "environment" not in risk_drivers(s, runs=10, seed=1).to_dict()


def test_a_racing_environment_stops_with_a_clear_error(make_scenario: MakeScenario) -> None:
    s = make_scenario("""
        allysim: 1
        name: racing
        horizon: 10
        risks: [{id: hit, rate: 1}]
        environment:
          initial: a
          states: {a: {}, b: {}}
          transitions: {a: {b: 1.0e+9}, b: {a: 1.0e+9}}
    """)
    with pytest.raises(SimulationError, match="environment changed state more than"):
        allysim.simulate(s, runs=1, seed=1)


# --------------------------------------------------------------------------- validation


VALID = """\
allysim: 1
name: env
horizon: 10
risks:
  - id: downturn
    rate: 0.2
  - id: buyout
    rate: 0.1
environment:
  initial: normal
  states:
    normal: {}
    recession:
      rates: {downturn: 3.0, buyout: 1.5}
      value: 0.8
  transitions:
    normal: {recession: 0.1}
    recession: {normal: 0.5}
"""


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("initial: normal", "initial: nromal",
     "t.yaml:10:12: environment.initial: unknown state 'nromal' (did you mean 'normal'?)"),
    ("initial: normal", "initial: 5", "t.yaml:10:12: environment.initial: expected a state name, or shares"),
    ("initial: normal", "initial: {normal: 0.7, recession: 0.2}",
     "t.yaml:10:12: environment.initial: initial shares must sum to 1, got 0.9"),
    ("initial: normal", "initial: {normal: 0.7, recesion: 0.3}",
     "t.yaml:10:26: environment.initial.recesion: unknown state 'recesion'"),
    ("buyout: 1.5", "buyot: 1.5",
     "t.yaml:14:30: environment.states.recession.rates.buyot: unknown risk 'buyot' (did you mean 'buyout'?)"),
    ("buyout: 1.5", "buyout: -1.5", "t.yaml:14:38: environment.states.recession.rates.buyout: must be >= 0"),
    ("value: 0.8", "value: -0.8", "t.yaml:15:14: environment.states.recession.value: must be >= 0, got -0.8"),
    ("value: 0.8", "valeu: 0.8", "t.yaml:15:7: environment.states.recession.valeu: unknown key 'valeu' "
                                 "(did you mean 'value'?); allowed: rates, value"),
    ("{recession: 0.1}", "{recession: -0.1}", "t.yaml:17:25: environment.transitions.normal.recession: must be >= 0"),
    ("{normal: 0.5}", "{boom: 0.5}", "t.yaml:18:17: environment.transitions.recession.boom: unknown state 'boom'"),
    ("{normal: 0.5}", "{recession: 0.5}", "t.yaml:18:17: environment.transitions.recession.recession: a transition "
                                          "from 'recession' to itself"),
    ("    recession: {normal", "    slump: {normal", "t.yaml:18:5: environment.transitions.slump: unknown state"),
    ("    normal: {}", "    Normal: {}", "t.yaml:12:5: environment.states.Normal: state name 'Normal' must be"),
    ("  states:", "  stats:", "t.yaml:11:3: environment.stats: unknown key 'stats' (did you mean 'states'?)"),
])
def test_bad_environments_are_located(old: str, new: str, expected: str) -> None:
    assert old in VALID
    with pytest.raises(ScenarioError) as err:
        allysim.parse_scenario(VALID.replace(old, new, 1), source="t.yaml")
    assert expected in str(err.value), str(err.value)


def test_good_environments_validate() -> None:
    allysim.parse_scenario(VALID, source="t.yaml")
    # a state nobody enters and nobody leaves, and a state written with nothing under it, are fine
    s = allysim.parse_scenario(VALID.replace("    normal: {}", "    normal:\n    limbo: {value: 0}"), source="t.yaml")
    assert s.environment.names == ("normal", "limbo", "recession")
    assert s.environment.states["normal"].value == 1.0
    assert s.environment.generator()[0] == [-0.1, 0.0, 0.1]
    shares = allysim.parse_scenario(VALID.replace("initial: normal", "initial: {normal: 0.8, recession: 0.2}"),
                                    source="t.yaml")
    assert shares.environment.initial_shares == (0.8, 0.2)


def test_cli_run_and_drivers_show_the_environment(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from allysim.cli import cli

    path = tmp_path / "env.yaml"
    path.write_text(VALID.replace("    rate: 0.1\n", "    rate: 0.1\n    impact: {fatal: 0.5}\n", 1))
    out = tmp_path / "out"
    runner = CliRunner()
    for command in ("run", "drivers"):
        result = runner.invoke(cli, [command, str(path), "--runs", "200", "--seed", "4", "--out", str(out),
                                     "--format", "none", "--workers", "1"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "(environment changes)" in " ".join(result.output.split())  # a narrow terminal wraps it at its space
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["plans"]["default"]["environment"]["time_share"]) == {"normal", "recession"}
    assert (out / "runs.csv").read_text().splitlines()[0].endswith(",env_state_at_end")
    assert set(json.loads((out / "drivers.json").read_text())["environment"]) >= {"npv", "survival"}


# --------------------------------------------------------------------------- uncertain environment parameters


def test_an_uncertain_multiplier_is_drawn_once_per_replication(make_scenario: MakeScenario) -> None:
    """A fatal risk of rate 1 x K, K ~ uniform(a, b) per replication: survival (e^{-aT} - e^{-bT}) / ((b - a) T)."""
    a, b, T = 0.05, 0.4, 3.0
    s = make_scenario(f"""
        allysim: 1
        name: uncertain multiplier
        horizon: {T}
        risks:
          - id: hit
            rate: 1
            impact: {{fatal: 1}}
        environment:
          initial: only
          states:
            only: {{rates: {{hit: {{uniform: {{low: {a}, high: {b}}}}}}}}}
            other: {{value: {{uniform: {{low: 0, high: 2}}}}}}
          transitions:
            only: {{other: {{uniform: {{low: 0, high: 0.5}}}}}}
            other: {{only: 1}}
    """)
    assert list(s.uncertain) == ["environment.states.only.rates.hit", "environment.states.other.value",
                                 "environment.transitions.only.other"]
    from allysim.runner import Variant, simulate_variants

    results = simulate_variants(s, {"with": Variant(()), "without": Variant((), removed_risks=("hit",))},
                                runs=RUNS, seed=11)
    p, full = results.plans["with"], results.plans["without"]
    k = results.params[:, 0]
    assert k.min() >= a and k.max() <= b
    assert np.all(full.cause < 0)  # the same environment path, lived to the horizon without the risk
    # the risk's rate is K in state `only` and 1 in `other`: given K and the path, survival is
    # exp(-K t_only - t_other); the engine's lives must match it on average
    conditional = np.exp(-k * full.env_time[:, 0] - full.env_time[:, 1])
    alive = (p.cause < 0).astype(float)
    tol = check(alive - conditional, 0.0, "survival given the drawn multiplier and path")
    # with the chain stuck in `only` the answer would be the closed form (e^{-aT} - e^{-bT}) / ((b - a) T)
    frozen = (math.exp(-a * T) - math.exp(-b * T)) / ((b - a) * T)
    check_power(float(np.mean(alive)), frozen, tol, "an environment that never leaves its first state")
    # the drawn transition rate shows in the time spent in `other`: more time there when the rate is higher
    rate = results.params[:, 2]
    assert rate.min() >= 0 and rate.max() <= 0.5
    assert np.corrcoef(rate, full.env_time[:, 1])[0, 1] > 0.2


def test_state_shares_over_time_for_the_charts(cycle: allysim.Results) -> None:
    """health.json's environment shares at time t are pi0 expm(Q t), for every plan alike."""
    s = cycle.scenario
    q, pi0 = generator(s)
    bands = cycle.health_bands()
    env = bands["environment"]
    assert env["states"] == ["boom", "normal", "bust"]
    for k in (0, 10, 50, 100):
        t = bands["grid"][k]
        exact = pi0 @ expm(q * t)
        for j, state in enumerate(env["states"]):
            share, p = env["share"][state][k], float(exact[j])
            tol = Z * math.sqrt(max(p * (1 - p), 1e-12) / RUNS)
            assert abs(share - p) <= tol, f"{state} at t = {t}: {share:.4f} vs {p:.4f} +- {tol:.4f}"
    assert env["share"]["bust"][0] == 0.0  # nobody starts in a bust
    counts = cycle.plans["default"].env_hist
    assert np.all(counts.sum(axis=1) == RUNS)


# --------------------------------------------------------------------------- charts


def test_charts_show_the_environment(regimes: allysim.Results) -> None:
    from allysim.plotting import run_charts
    from allysim.wording import environment_ends

    from chart_helpers import causes_slide  # the causes chart as a whole slide, subtitle included

    summary = regimes.summary()["plans"]["none"]
    note = environment_ends(summary["environment"]["time_share"], summary["end_causes_by_state"])
    p = regimes.plans["none"]
    dead = p.cause >= 0
    crisis = float(np.mean(p.env_state[dead] == 2))  # the share of dissolutions that happened in a crisis
    assert f"crisis held {summary['environment']['time_share']['crisis']:.0%} of the life and {crisis:.0%} of the " \
           "dissolutions" in note
    assert note.startswith("storm held")
    fig = causes_slide({"none": summary["end_causes"]}, environment_note=note)
    subtitle = next(t.get_text() for t in fig.texts if t.get_gid() == "subtitle")
    assert "Storm held" in subtitle.replace("\n", " ")
    bands = regimes.health_bands()
    fig = run_charts.health(bands["grid"], {"none": bands["plans"]["none"]}, dissolve_below=0.2,
                            environment=bands["environment"]["share"]).figure
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "Runs in storm" in labels and "Runs in crisis" in labels and "Runs in calm" not in labels
    plain = run_charts.health(bands["grid"], {"none": bands["plans"]["none"]}, dissolve_below=0.2).figure
    assert not any("Runs in" in t.get_text() for legend in plain.legends for t in legend.get_texts())


def test_the_drivers_chart_draws_the_environment_as_one_more_row(make_scenario: MakeScenario) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from allysim.plotting import study_charts
    from allysim.plotting.render import draw_study_chart

    def row_labels(drivers: dict) -> str:
        fig = draw_study_chart("risk_drivers", drivers)
        return " ".join(t.get_text() for ax in fig.axes for t in ax.get_yticklabels()).replace("\n", " ")

    with_env = risk_drivers(make_scenario(REGIMES), plan="none", runs=200, seed=8).to_dict()
    assert study_charts.ENVIRONMENT_ROW in row_labels(with_env)
    without = dict(with_env)
    del without["environment"]
    assert study_charts.ENVIRONMENT_ROW not in row_labels(without)
