"""Partners (SPEC section 12): closed forms, exact path sharing, streams, and bad input.

Every statistical check is against a closed form, with a tolerance of about four standard errors computed in the
test (conftest), and each check says which plausible engine mistake it would catch.
"""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.linalg import expm

import allysim
from allysim import Variant
from allysim.cli import cli

from conftest import check_power, check_proportion, check_sample_mean, scenario_from_yaml

SEED = 20261207


def alive(p) -> np.ndarray:  # noqa: ANN001
    return p.cause < 0


def members(n: int, rate: float, extra: str = "") -> str:
    return "".join(f"""
          - id: m{i}
            exit: {{rate: {rate}{extra}}}""" for i in range(n))


# --------------------------------------------------------------------------- closed forms


def test_k_of_n_survival_with_constant_exit_rates():
    n, lam, horizon, k = 4, 0.1, 5.0, 2
    s = scenario_from_yaml(f"""
        allysim: 1
        name: quorum
        horizon: {horizon}
        alliance: {{min_partners: {k}}}
        partners:{members(n, lam)}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    q = math.exp(-lam * horizon)  # one member still in at the horizon
    expected = sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k, n + 1))
    tol = check_proportion(int(alive(p).sum()), runs, expected, "k-of-n survival")
    check_power(expected, sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k + 1, n + 1)), tol,
                "dissolving at k rather than below k members")
    # an alliance ended by its exits is credited to the member whose exit broke the quorum
    assert set(np.unique(p.cause[p.cause >= 0])) <= set(range(n))


def test_contagion_is_a_pure_death_chain():
    n, lam, c, horizon = 3, 0.1, 2.5, 6.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: contagion
        horizon: {horizon}
        partners:{members(n, lam, f", contagion: {c}")}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    # state j = exits so far; from j the next exit comes at rate (n - j) lam c^j
    q = np.zeros((n + 1, n + 1))
    for j in range(n):
        q[j, j + 1] = (n - j) * lam * c**j
        q[j, j] = -q[j, j + 1]
    law = expm(q * horizon)[0]  # P(j exits by the horizon)
    ends = p.partners_end
    for j in range(n + 1):
        check_proportion(int(np.count_nonzero(ends == n - j)), runs, law[j], f"{j} exits by the horizon")
    survival = 1 - law[n]
    tol = check_proportion(int(alive(p).sum()), runs, survival, "survival of the death chain")
    without = 1 - (1 - math.exp(-lam * horizon)) ** n  # contagion ignored: independent exits
    check_power(survival, without, tol, "contagion ignored")


def test_a_required_partner_ends_the_alliance_when_it_leaves():
    la, lb, horizon = 0.08, 0.3, 5.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: anchor
        horizon: {horizon}
        partners:
          - {{id: anchor, required: true, exit: {{rate: {la}}}}}
          - {{id: follower, exit: {{rate: {lb}}}}}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    expected = math.exp(-la * horizon)
    tol = check_proportion(int(alive(p).sum()), runs, expected, "survival with a required partner")
    check_power(expected, 1 - (1 - math.exp(-la * horizon)) * (1 - math.exp(-lb * horizon)), tol,
                "required ignored (the alliance standing while any partner is in)")
    assert not np.any(p.cause == 1)  # the follower's exit never ends it
    causes = allysim.simulate(s, runs=2000, seed=SEED, workers=1).summary()["plans"]["default"]["end_causes"]
    assert causes["follower"] == 0.0 and causes["anchor"] + causes["survived"] == pytest.approx(1.0)


def test_exits_pulled_by_risks_thin_the_risk():
    r, q, m, horizon = 0.4, 0.3, 0.5, 5.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: pulled
        horizon: {horizon}
        partners:
          - {{id: a}}
        risks:
          - id: takeover
            rate: {r}
            impact: {{exit: {{a: {q}}}}}
        contingencies:
          - id: blocking_stake
            trigger: {{on: takeover}}
            effect: {{reduce_impact: {m}}}
        plans:
          bare: []
          blocked: [blocking_stake]
        """)
    runs = 20_000
    res = allysim.simulate(s, runs=runs, seed=SEED, workers=1)
    for plan, thin in (("bare", q), ("blocked", q * (1 - m))):
        expected = math.exp(-r * thin * horizon)
        tol = check_proportion(int(alive(res.plans[plan]).sum()), runs, expected, f"survival, {plan}")
    check_power(math.exp(-r * q * (1 - m) * horizon), math.exp(-r * q * horizon), tol,
                "reduce_impact not scaling the exit probability")
    assert np.all(res.plans["bare"].cause[res.plans["bare"].cause >= 0] == 1)  # credited to the partner


def test_retention_thins_the_exits():
    lam, success, horizon = 0.3, 0.6, 5.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: retention
        horizon: {horizon}
        partners:
          - {{id: a, exit: {{rate: {lam}}}}}
        risks: []
        contingencies:
          - id: keep
            trigger: {{on: exit, partner: a}}
            success: {success}
            effect: {{retain: true}}
            cost: {{per_activation: 1}}
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    thin = lam * (1 - success)
    expected = math.exp(-thin * horizon)
    tol = check_proportion(int(alive(p).sum()), runs, expected, "survival with retention")
    check_power(expected, math.exp(-lam * horizon), tol, "retention never working")
    # attempts come at rate lam until the first one that is not retained, or the horizon
    attempts = (1 - math.exp(-thin * horizon)) / (1 - success)
    check_sample_mean(p.activations[:, 0].astype(float), attempts, "retention attempts")


def test_a_partner_pulled_out_and_retained_keeps_its_exit_clock_running():
    # a's own exits: rate lam until b leaves (at rate nu), then c lam (contagion); a risk pulls a out at rate mu and
    # every exit of a is retained. The pulls must leave a's own exit process alone: its own attempts (activations
    # of keep less the pulls) average lam E[min(tau, T)] + c lam E[(T - tau)+], tau ~ Exp(nu). (A pull that
    # restarted a's exit clock when no own exit was due before the horizon lost the time since, 6 SE low here.)
    lam, mu, nu, c, horizon = 0.1, 3.0, 0.15, 10.0, 10.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: pulled and retained
        horizon: {horizon}
        alliance: {{min_partners: 1}}
        partners:
          - {{id: a, exit: {{rate: {lam}, contagion: {c}}}}}
          - {{id: b, exit: {{rate: {nu}}}}}
        risks:
          - {{id: pull, rate: {mu}, impact: {{exit: {{a: 1}}}}}}
        contingencies:
          - id: keep
            trigger: {{on: exit, partner: a}}
            success: 1
            effect: {{retain: true}}
        """)
    p = allysim.simulate(s, runs=40_000, seed=SEED, workers=1).plans["default"]
    own = (p.activations[:, 0] - p.occurrences[:, 0]).astype(float)
    before = (1 - math.exp(-nu * horizon)) / nu
    check_sample_mean(own, lam * before + c * lam * (horizon - before), "own exit attempts of a pulled partner")


def test_value_is_the_shares_still_in():
    v, s1, s2, l1, l2, horizon = 10.0, 0.6, 0.4, 0.2, 0.05, 8.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: shares
        horizon: {horizon}
        alliance: {{value_rate: {v}}}
        partners:
          - {{id: big, share: {s1}, exit: {{rate: {l1}}}}}
          - {{id: small, share: {s2}, exit: {{rate: {l2}}}}}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    expected = v * (s1 * (1 - math.exp(-l1 * horizon)) / l1 + s2 * (1 - math.exp(-l2 * horizon)) / l2)
    tol = check_sample_mean(p.value, expected, "value from the shares still in")
    check_power(expected, v * (s1 + s2) * (1 - math.exp(-(l1 + l2) * horizon)) / (l1 + l2) + 0.0, tol,
                "value stopping at the first exit")
    # tenure of each partner: E[min(T, exit)] = (1 - e^{-l T}) / l, independent of the other (min_partners 1:
    # the alliance ends only when both have left)
    for k, lam in ((0, l1), (1, l2)):
        check_sample_mean(p.partner_tenure[:, k], (1 - math.exp(-lam * horizon)) / lam, f"tenure of partner {k}")


@pytest.mark.parametrize("horizon", [6.0, 1.0])  # the climb back over x before the horizon, and after it
def test_a_health_coupled_hazard_follows_the_climb_back_over_x(horizon):
    lam, factor, h0, x, rho = 0.1, 4.0, 0.3, 0.6, 0.5
    s = scenario_from_yaml(f"""
        allysim: 1
        name: coupled
        horizon: {horizon}
        alliance:
          health: {{initial: {h0}, dissolve_below: 0.05, recovery: {rho}}}
        partners:
          - {{id: a, exit: {{rate: {lam}, health_below: {{x: {x}, factor: {factor}}}}}}}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    climb = math.log((1 - h0) / (1 - x)) / rho  # 1 - (1 - h0) e^{-rho t} = x
    low = min(climb, horizon)
    expected = math.exp(-lam * (factor * low + (horizon - low)))
    tol = check_proportion(int(alive(p).sum()), runs, expected, "survival with a health-coupled hazard")
    check_power(expected, math.exp(-lam * horizon), tol, "the health factor ignored")
    if climb < horizon:
        check_power(expected, math.exp(-lam * factor * horizon), tol, "the hazard never coming back down")


def test_optimize_picks_the_steady_candidate_and_counts_infeasible_lineups():
    v, horizon = 10.0, 10.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: choose
        horizon: {horizon}
        alliance: {{value_rate: {v}, min_partners: 2}}
        partners:
          - {{id: incumbent, share: 0.5}}
          - {{id: flighty, share: 0.5, candidate: true, exit: {{rate: 0.5}}, cost: {{setup: 30}}}}
          - {{id: steady, share: 0.5, candidate: true, exit: {{rate: 0.01}}, cost: {{setup: 5}}}}
        risks: []
        plans:
          with_steady: [steady]
        """)
    runs = 4000
    result = allysim.optimize(s, runs=runs, seed=SEED, workers=1).to_dict()
    assert result["infeasible"]["count"] == 1 and result["infeasible"]["portfolios"] == [[]]
    best = result["portfolios"][result["best"]["npv"]]
    assert best["contingencies"] == ["steady"]
    # with steady alone, the alliance (two members, min 2) lasts until steady leaves, at full value
    expected = v * (1 - math.exp(-0.01 * horizon)) / 0.01 - 5
    runs_ = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["with_steady"]
    check_sample_mean(runs_.npv, expected, "NPV with the steady candidate")
    assert best["npv"]["mean"] == pytest.approx(float(np.mean(runs_.npv)), rel=1e-12)


# --------------------------------------------------------------------------- exactness, streams


RICH = """
    allysim: 1
    name: rich
    horizon: 8
    discount_rate: 0.05
    alliance:
      health: {initial: 0.9, dissolve_below: 0.25, recovery: 0.4}
      value_rate: 12
      min_partners: 2
      min_share: 0.4
    partners:
      - {id: north, share: 0.4, exit: {rate: 0.08, health_below: {x: 0.6, factor: 3}, contagion: 1.5},
         on_exit: {health: {uniform: {low: 0.05, high: 0.2}}, cost: 1}}
      - {id: south, share: 0.3, exit: {probability: 0.06, contagion: 2}, on_exit: {health: 0.1}}
      - {id: east, share: 0.3, candidate: true, exit: {rate: 0.1}, cost: {setup: 0.5, per_time: 0.1}}
    risks:
      - id: shock
        rate: 0.4
        impact:
          health: {uniform: {low: 0.05, high: 0.3}}
          exit: {south: 0.2}
          escalates: [{partner: north, factor: 2, duration: 1}]
    contingencies:
      - id: keep
        trigger: {on: exit, partner: north}
        success: 0.5
        effect: {retain: true, restore_health: 0.05}
        cost: {per_activation: 0.8}
      - id: backfill
        trigger: {on: exit}
        delay: {uniform: {low: 0.2, high: 0.6}}
        success: 0.7
        effect: {replace: true}
        cost: {setup: 0.2, per_activation: 1}
      - id: calm
        trigger: {health_below: 0.5}
        effect: {rate_factor: {partner: north, factor: 0.5, duration: 2}}
      - id: rescue
        trigger: {on: dissolution}
        success: 0.5
        effect: {rescue_health: 0.4}
    environment:
      initial: normal
      states:
        normal: {}
        crisis: {exits: {north: 3}, rates: {shock: 2}}
      transitions: {normal: {crisis: 0.2}, crisis: {normal: 0.8}}
    plans:
      none: []
      all_in: [keep, backfill, calm, rescue, east]
    """

FIELDS = ("lifetime", "cause", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience",
          "occurrences", "activations", "successes", "costs", "partner_costs", "partner_exit", "partner_tenure",
          "partners_end")


def assert_identical(a: allysim.Results, b: allysim.Results) -> None:
    assert a.plans.keys() == b.plans.keys()
    for name in a.plans:
        p, q = a.plans[name], b.plans[name]
        for field in FIELDS:
            x, y = getattr(p, field), getattr(q, field)
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), (name, field)
        assert list(p.exits) == list(q.exits), name


def test_shared_paths_are_the_exhaustive_bits_with_partners():
    s = scenario_from_yaml(RICH)
    ids = s.choice_ids
    variants = {",".join(c) or "-": Variant(c) for k in range(len(ids) + 1) for c in combinations(ids, k)}
    variants.update({f"{pid} steady": Variant(("keep", "east"), removed_risks=(pid,)) for pid in ("north", "south")})
    variants["no shock"] = Variant(("backfill",), removed_risks=("shock",))
    shared = allysim.simulate_variants(s, variants, runs=400, seed=SEED, workers=1, health_bands=False)
    exhaustive = allysim.simulate_variants(s, variants, runs=400, seed=SEED, workers=1, exhaustive=True,
                                           health_bands=False)
    assert shared.sharing()["derived"] > 0
    assert_identical(shared, exhaustive)


def test_partner_studies_are_the_same_shared_and_exhaustive_and_for_any_worker_count(tmp_path: Path):
    path = tmp_path / "rich.yaml"
    path.write_text(RICH.replace("\n    ", "\n"))
    out = {}
    for name, extra in (("paths", []), ("exhaustive", ["--exhaustive"]), ("two", ["--workers", "2"])):
        for study in ("value", "optimize", "drivers"):
            folder = tmp_path / f"{name}_{study}"
            result = CliRunner().invoke(cli, [study, str(path), "--runs", "300", "--seed", "5", "--format", "none",
                                              "--quiet", "--out", str(folder), *extra])
            assert result.exit_code == 0, result.output
            data = json.loads((folder / f"{study}.json").read_text())
            out[name, study] = json.dumps({k: v for k, v in data.items() if k not in ("sharing", "scenario_file")},
                                          sort_keys=True)
    for study in ("value", "optimize", "drivers"):
        assert out["paths", study] == out["exhaustive", study] == out["two", study], study


def test_adding_a_partner_moves_no_other_stream():
    def scenario(middle: str) -> allysim.Scenario:
        return scenario_from_yaml(f"""
            allysim: 1
            name: streams
            horizon: 10
            partners:
              - {{id: a, exit: {{rate: 0.1}}}}{middle}
              - {{id: b, exit: {{rate: 0.2}}}}
            risks:
              - {{id: r, rate: 0.5, impact: {{health: 0.01}}}}
            """)

    one = scenario("")
    two = scenario("\n              - {id: c, exit: {rate: 0.3}}")
    p = allysim.simulate(one, runs=300, seed=SEED, workers=1).plans["default"]
    q = allysim.simulate(two, runs=300, seed=SEED, workers=1).plans["default"]
    # min_partners 1, no contagion: a's and b's exits, and the risk's occurrences, do not depend on c
    assert p.partner_exit[:, 0].tobytes() == q.partner_exit[:, 0].tobytes()
    assert p.partner_exit[:, 1].tobytes() == q.partner_exit[:, 2].tobytes()
    both = alive(p)  # where the shorter-lived alliance reached the horizon, the longer one did too: same risk path
    assert both.sum() > 100 and p.occurrences[both].tobytes() == q.occurrences[both].tobytes()


def test_a_run_with_partners_draws_its_charts(tmp_path: Path):
    """partners_in_plan holds ids: the folder check must not take it for a broken number and refuse the run."""
    path = tmp_path / "rich.yaml"
    path.write_text(RICH.replace("\n    ", "\n"))
    folder = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(path), "--runs", "50", "--seed", "5", "--format", "png",
                                      "--quiet", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "summary.json").read_text())["plans"]["all_in"]["partners_in_plan"]
    assert (folder / "survival.png").stat().st_size > 0


def test_runs_csv_and_summary_carry_the_partners(tmp_path: Path):
    path = tmp_path / "rich.yaml"
    path.write_text(RICH.replace("\n    ", "\n"))
    folder = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(path), "--runs", "200", "--seed", "5", "--format", "none",
                                      "--quiet", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    summary = json.loads((folder / "summary.json").read_text())
    plan = summary["plans"]["all_in"]
    assert set(plan["partners"]) == {"north", "south", "east"}
    assert set(summary["plans"]["none"]["partners"]) == {"north", "south"}
    assert sum(plan["partners_at_end"]["distribution"].values()) == pytest.approx(1.0)
    assert sum(plan["end_causes"].values()) == pytest.approx(1.0)
    header, *rows = (folder / "runs.csv").read_text().splitlines()
    assert header.endswith(",env_state_at_end,partners_at_end,exits")
    exits = [row.rsplit(",", 1)[1] for row in rows]
    assert any(";" in e for e in exits) and all(not e or all("@" in part for part in e.split(";")) for e in exits)


# --------------------------------------------------------------------------- bad input


BAD = [
    ("partners:\n  - {id: a, share: -0.5}\n  - {id: b}", "partners[0].share: must be >= 0"),
    ("partners:\n  - {id: a, exit: {probability: 1.5}}\n  - {id: b}", "partners[0].exit.probability"),
    ("alliance: {min_share: 1.5}\npartners:\n  - {id: a}\n  - {id: b}", "no line-up can meet it"),
    ("partners:\n  - {id: a}\n  - {id: b, candidate: true, required: true}", "cannot be required"),
    ("partners:\n  - {id: a}\ncontingencies:\n  - {id: k, trigger: {on: exit}, delay: 1, effect: {retain: true}}",
     "retain acts at the instant of the exit"),
    ("partners:\n  - {id: a}\ncontingencies:\n  - {id: k, trigger: {on: exit, partner: zz}, effect: {retain: true}}",
     "unknown partner 'zz'"),
]


@pytest.mark.parametrize("extra, message", BAD)
def test_bad_partner_input_is_refused_with_a_located_line(tmp_path: Path, extra: str, message: str):
    text = "allysim: 1\nname: bad\nhorizon: 5\nrisks:\n  - {id: r, rate: 0.1, impact: {exit: {a: 0.1}}}\n" + extra
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(path), "--runs", "10", "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert message in result.output and f"{path}:" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_impact_exit_naming_a_risk_is_refused(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("allysim: 1\nname: bad\nhorizon: 5\npartners:\n  - {id: a}\n"
                    "risks:\n  - {id: r, rate: 0.1, impact: {exit: {r: 0.1}}}\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and f"{path}:7:" in result.output and "'r' is a risk, not a partner" in result.output


def test_an_exit_hazard_by_age_follows_its_weibull_curve_and_the_health_factor():
    k, scale, factor, h0, x, rho, horizon = 0.6, 20.0, 3.0, 0.3, 0.6, 0.5, 6.0
    s = scenario_from_yaml(f"""
        allysim: 1
        name: aging
        horizon: {horizon}
        alliance:
          health: {{initial: {h0}, dissolve_below: 0.05, recovery: {rho}}}
        partners:
          - {{id: a, exit: {{hazard: {{weibull: {{shape: {k}, scale: {scale}}}}},
                             health_below: {{x: {x}, factor: {factor}}}}}}}
        risks: []
        """)
    runs = 20_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    climb = math.log((1 - h0) / (1 - x)) / rho
    cumulative = factor * (climb / scale) ** k + (horizon / scale) ** k - (climb / scale) ** k
    expected = math.exp(-cumulative)
    tol = check_proportion(int(alive(p).sum()), runs, expected, "survival with a Weibull exit hazard")
    check_power(expected, math.exp(-(horizon / scale) ** k), tol, "the health factor ignored on a curve")


@pytest.mark.parametrize("condition", ["partners_below: 2", "share_below: 0.7"])
def test_a_review_acts_when_too_few_partners_or_too_little_share_remain(condition):
    lam, age = 0.5, 1.5
    s = scenario_from_yaml(f"""
        allysim: 1
        name: reviews
        horizon: 3
        partners:
          - {{id: a, share: 0.4, exit: {{rate: {lam}}}}}
          - {{id: b, share: 0.6}}
        risks: []
        contingencies:
          - id: board_review
            trigger: {{review: [{age}], if: {{{condition}}}}}
            effect: {{restore_health: 0.1}}
        """)
    runs = 10_000
    p = allysim.simulate(s, runs=runs, seed=SEED, workers=1).plans["default"]
    expected = 1 - math.exp(-lam * age)  # a has left by the review: one partner, share 0.6
    tol = check_proportion(int(p.activations[:, 0].sum()), runs, expected, f"reviews acting ({condition})")
    check_power(expected, 1.0, tol, "the condition ignored")


def test_the_json_schema_accepts_partners_and_refuses_an_unknown_key():
    import textwrap

    from schema_check import schema_problems

    from allysim.scenario import json_schema
    from allysim.scenario.yamlio import load_yaml

    schema = json_schema()
    document, _ = load_yaml(textwrap.dedent(RICH))
    document["partners"][0]["exit"]["rate"] = {"pert": {"low": 0.02, "likely": 0.08, "high": 0.2}}  # uncertain
    assert schema_problems(document, schema) == []
    document["partners"][1]["shares"] = 0.5
    assert any("shares" in line for line in schema_problems(document, schema))
