"""optimize: independent shields on independent fatal risks, where every portfolio's survival, NPV and cost, hence the
frontiers and the best portfolios, are known in closed form."""

from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.portfolios import frontier

T, V = 2.0, 10.0
RISKS = {"a": 0.30, "b": 0.20, "c": 0.10}  # fatal at every occurrence
SHIELDS = {"sa": ("a", 0.9, 1.0), "sb": ("b", 0.8, 0.5), "sc": ("c", 0.5, 2.0)}  # risk, success, setup cost
RUNS = 4000

SHIELDS_YAML = f"""\
allysim: 1
name: Shields
horizon: {T}
seed: 4
alliance: {{value_rate: {V}}}
risks:
""" + "".join(f"  - {{id: {r}, rate: {rate}, impact: {{fatal: 1}}}}\n" for r, rate in RISKS.items()) + \
    "contingencies:\n" + "".join(
        f"  - {{id: {c}, trigger: {{on: {r}}}, success: {s}, effect: {{reduce_impact: 1}}, cost: {{setup: {k}}}}}\n"
        for c, (r, s, k) in SHIELDS.items()) + """\
plans:
  none: []
  c_only: [sc]
  ab: [sa, sb]
  all: all
"""


def exact(portfolio: tuple[str, ...]) -> tuple[float, float, float]:
    """(cost, survival, NPV): a shield thins its risk's fatal occurrences to rate r (1 - success); undiscounted,
    NPV = V E[min(life, T)] - cost = V (1 - exp(-hazard T)) / hazard - cost."""
    hazard = 0.0
    for r, rate in RISKS.items():
        shield = next((c for c in portfolio if SHIELDS[c][0] == r), None)
        hazard += rate * (1 - SHIELDS[shield][1]) if shield else rate
    cost = sum(SHIELDS[c][2] for c in portfolio)
    return cost, math.exp(-hazard * T), V * (1 - math.exp(-hazard * T)) / hazard - cost


@pytest.fixture(scope="module")
def result():
    return allysim.optimize(allysim.parse_scenario(SHIELDS_YAML), runs=RUNS, budget=1.6)


def test_every_portfolio_matches_its_closed_form(result):
    data = result.to_dict()
    assert data["method"] == "exact"
    assert len(data["portfolios"]) == 8
    for i, p in enumerate(data["portfolios"]):
        cost, survival, npv = exact(tuple(p["contingencies"]))
        assert p["cost"]["mean"] == pytest.approx(cost, abs=1e-12)  # setup at t = 0: exact
        se = math.sqrt(survival * (1 - survival) / RUNS)
        assert abs(p["survival"]["estimate"] - survival) < 4 * se
        npv_runs = result.outcomes[i].npv
        assert abs(npv_runs.mean() - npv) < 4 * npv_runs.std(ddof=1) / math.sqrt(RUNS)


def test_frontiers_and_best_are_the_exact_ones(result):
    data = result.to_dict()
    portfolios = [tuple(p["contingencies"]) for p in data["portfolios"]]
    truth = [exact(p) for p in portfolios]
    cost = [t[0] for t in truth]
    assert data["frontier"]["survival"] == frontier(cost, [t[1] for t in truth])
    assert data["frontier"]["npv"] == frontier(cost, [t[2] for t in truth])
    assert portfolios[data["best"]["npv"]] == max(portfolios, key=lambda p: exact(p)[2]) == ("sa", "sb")
    assert portfolios[data["best"]["survival"]] == ("sa", "sb", "sc")
    within = [p for p in portfolios if exact(p)[0] <= 1.6]
    assert portfolios[data["best"]["survival_within_budget"]] == max(within, key=lambda p: exact(p)[1])
    # the closed forms put the frontiers where the test expects them: far apart compared with the noise
    assert [portfolios[i] for i in data["frontier"]["npv"]] == [(), ("sb",), ("sa",), ("sa", "sb")]


def test_best_versus_runner_up_is_paired_and_clear(result):
    data = result.to_dict()
    versus = data["versus_runner_up"]["npv"]
    portfolios = [tuple(p["contingencies"]) for p in data["portfolios"]]
    assert portfolios[versus["runner_up"]] == ("sa", "sb", "sc")  # the next best NPV, in closed form too
    expected = exact(("sa", "sb"))[2] - exact(("sa", "sb", "sc"))[2]
    lo, hi = versus["npv"]["ci95"]
    assert abs(versus["npv"]["mean"] - expected) < 4 * (hi - lo) / 3.92  # 4 paired standard errors
    assert versus["clear_npv"] and 0 < versus["p_better"] < 1
    assert versus["cost"]["mean"] == pytest.approx(-2.0)
    # paired: the two differ only by shield sc, so runs where c never occurs are identical but for its cost
    best, second = result.outcomes[versus["best"]], result.outcomes[versus["runner_up"]]
    same = best.alive == second.alive
    assert same.mean() > 0.8


def test_dominated_plans_are_named_with_what_dominates_them(result):
    plans = result.to_dict()["plans"]
    portfolios = [tuple(p["contingencies"]) for p in result.to_dict()["portfolios"]]
    assert plans["c_only"]["dominated_by"] is not None
    assert portfolios[plans["c_only"]["dominated_by"]] == ("sa", "sb")  # cheaper, safer, richer: the best NPV
    assert plans["c_only"]["dominance"]["clear_npv"]
    assert plans["ab"]["dominated_by"] is None and plans["all"]["dominated_by"] is None
    assert plans["none"]["dominated_by"] is None  # nothing is cheaper than nothing


def test_frontier_function():
    assert frontier([0, 1, 2, 3], [0.5, 0.4, 0.8, 0.8]) == [0, 2]
    assert frontier([0, 0, 1], [1, 1, 0]) == [0, 1]  # a tie: neither beats the other


def test_greedy_beyond_the_exact_limit_says_it_is_a_heuristic():
    s = allysim.parse_scenario(SHIELDS_YAML)
    greedy = allysim.optimize(s, runs=1000, seed=4, exact_limit=2).to_dict()
    assert greedy["method"] == "greedy" and "heuristic" in greedy["method_note"]
    portfolios = [tuple(p["contingencies"]) for p in greedy["portfolios"]]
    assert portfolios[greedy["best"]["npv"]] == ("sa", "sb")
    exhaustive = allysim.optimize(s, runs=1000, seed=4).to_dict()
    by_set = {tuple(p["contingencies"]): p for p in exhaustive["portfolios"]}
    for p in greedy["portfolios"]:  # the same portfolios on the same seed: the same numbers
        assert p == by_set[tuple(p["contingencies"])]


def test_listed_candidates_and_bad_arguments():
    s = allysim.parse_scenario(SHIELDS_YAML)
    data = allysim.optimize(s, contingencies=["sb", "sa"], runs=200).to_dict()
    assert list(data["candidates"]) == ["sa", "sb"] and len(data["portfolios"]) == 4
    assert data["plans"]["all"]["index"] is None and "sc" in data["plans"]["all"]["note"]
    with pytest.raises(allysim.UsageError, match="unknown contingency 'sx'"):
        allysim.optimize(s, contingencies=["sx"], runs=10)
    with pytest.raises(allysim.UsageError, match="budget"):
        allysim.optimize(s, budget=-1, runs=10)


def test_cli_optimize_writes_json_and_chart(tmp_path):
    path = tmp_path / "shields.yaml"
    path.write_text(SHIELDS_YAML, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["optimize", str(path), "--runs", "300", "--workers", "1", "--budget", "1.6",
                                      "--set", "horizon=1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "optimize.json").read_text())
    assert data["overrides"] == {"horizon": 1} and data["budget"] == 1.6
    assert (out / "frontier.png").stat().st_size > 10_000
    (out / "frontier.png").unlink()
    redraw = CliRunner().invoke(cli, ["report", str(out)])  # from optimize.json alone, no simulation
    assert redraw.exit_code == 0, redraw.output
    assert (out / "frontier.png").exists()
    bad = CliRunner().invoke(cli, ["optimize", str(path), "--runs", "10", "--contingencies", "sa,zz",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "unknown contingency 'zz'" in bad.output
    assert not (tmp_path / "bad").exists()


def test_recommendation_in_words_stays_within_the_evidence(result):
    from allysim.recommendation import recommend

    data = result.to_dict()
    words = recommend(data)
    assert words.headline == "Recommended portfolio: the Ab plan"
    assert "beats the runner-up, the All plan" in words.points[0] + words.points[1]
    assert any("The C only plan is dominated by the Ab plan" in p for p in words.points)
    assert any("Within the budget of" in p for p in words.points)
    tie = json.loads(json.dumps(data))
    tie["versus_runner_up"]["npv"]["npv"] = {"mean": 0.1, "ci95": [-0.2, 0.4]}
    tie["versus_runner_up"]["npv"]["clear_npv"] = False
    words = recommend(tie)
    assert words.headline == "No clear winner on expected NPV: the Ab plan or the All plan"
    assert "within the noise (verdict: unclear; roughly " in words.points[1]
    even = json.loads(json.dumps(data))
    even["versus_runner_up"]["npv"]["npv"] = {"mean": 0.1, "ci95": [0.05, 0.15], "verdict": "tied"}
    words = recommend(even)  # clear of zero, but within the materiality: never "beats"
    assert words.headline == "The Ab plan and the All plan about break even on expected NPV"
    assert "beats" not in " ".join(words.points) and "about break even (verdict: tied" in words.points[1]
    assert dict(words.rows)["Fund"].startswith("The Ab plan has the highest estimated expected NPV")
    assert any("sensitivity study" in m for m in words.missing)


def test_deck_has_the_recommended_portfolio_slide(result, tmp_path):
    from allysim.deck import build_deck
    from allysim.outputs import write_json
    from allysim.plotting.render import render_study_chart

    s = allysim.parse_scenario(SHIELDS_YAML, source=str(tmp_path / "shields.yaml"))
    (tmp_path / "shields.yaml").write_text(SHIELDS_YAML, encoding="utf-8")
    out = tmp_path / "out"
    result_run = CliRunner().invoke(cli, ["run", str(tmp_path / "shields.yaml"), "--runs", "200", "--workers", "1",
                                          "--format", "none", "--out", str(out), "--quiet"])
    assert result_run.exit_code == 0, result_run.output
    data = result.to_dict()
    data["scenario_sha256"] = s.sha256
    write_json(out / "optimize.json", data)
    render_study_chart("frontier", data, out, ("png",))
    deck = build_deck(out)
    from pptx import Presentation

    titles = [slide.shapes.title.text_frame.text for slide in Presentation(str(deck)).slides]
    assert "Recommended portfolio: the Ab plan" in titles
    k = titles.index("Recommended portfolio: the Ab plan")
    assert "Ab plan" in titles[k + 1]  # the frontier chart follows, titled with the same finding
    # one slide a director can act on: what to fund, the margin with its interval and verdict, the tail, and what
    # the folder lacks to say more (no sensitivity study here: no flip, no value of learning, said so)
    slide = Presentation(str(deck)).slides[k]
    text = next(s.text_frame.text for s in slide.shapes if s.name == "Recommendation")
    paragraphs = text.split("\n")
    assert [p.split("  ")[0] for p in paragraphs[:3]] == ["Fund", "Margin", "Tail"], paragraphs
    assert "(95% CI " in paragraphs[1] and "(verdict: better)" in paragraphs[1]
    assert "worst 10% of futures" in paragraphs[2] and "loses money in" in paragraphs[2]
    assert paragraphs[-1].startswith("Not in this folder: a sensitivity study")


TEN = """\
allysim: 1
name: Ten contingencies
horizon: 4
seed: 12
alliance: {value_rate: 5, health: {recovery: 0.4, dissolve_below: 0.3}}
risks:
  - {id: clash, rate: 0.8, impact: {health: {uniform: {low: 0.05, high: 0.3}}, cost: 0.2, fatal: 0.05}}
  - {id: exit, rate: 0.15, impact: {fatal: 0.6, escalates: [{risk: clash, factor: 2, duration: 1}]}}
  - {id: drift, rate: 0.5, impact: {health: 0.1, value: {factor: 0.7, duration: 0.5}}}
contingencies:
  - {id: c0, trigger: {on: clash}, success: 0.6, effect: {reduce_impact: 0.5}, cost: {setup: 0.2}}
  - {id: c1, trigger: {on: exit}, success: 0.5, effect: {reduce_impact: 0.8}, cost: {setup: 0.5}}
  - {id: c2, trigger: {on: drift}, delay: 0.2, success: 0.7, effect: {restore_health: 0.1}, cost: {per_activation: 0.1}}
  - {id: c3, trigger: {health_below: 0.6}, success: 0.8, effect: {restore_health: 0.2}, cost: {per_time: 0.1}}
  - {id: c4, trigger: {health_below: 0.45}, success: 0.5, max_activations: 2, effect: {restore_health: 0.3}}
  - {id: c5, trigger: {on: dissolution}, success: 0.3, max_activations: 1, effect: {rescue_health: 0.5}, cost: {setup: 0.3}}
  - {id: c6, trigger: {on: clash}, success: 0.9, effect: {rate_factor: {risk: clash, factor: 0.7, duration: 1}}, cost: {per_activation: 0.05}}
  - {id: c7, trigger: {on: drift}, success: 0.4, effect: {rate_factor: {risk: exit, factor: 0.5}}, cost: {setup: 0.1}}
  - {id: c8, trigger: {health_below: 0.8}, delay: {uniform: {low: 0.1, high: 0.3}}, success: 0.6, effect: {restore_health: 0.05}, cost: {per_time: 0.05}}
  - {id: c9, trigger: {on: dissolution}, success: 0.2, effect: {rescue_health: 0.4}, cost: {per_activation: 1}}
plans:
  none: []
  all: all
"""


def test_every_portfolio_of_ten_contingencies_shared_equals_exhaustive():
    from dataclasses import fields

    from allysim.runner import RunOptions

    if "exhaustive" not in {f.name for f in fields(RunOptions)}:
        pytest.skip("path sharing (and its exhaustive reference) is not in this version")
    s = allysim.parse_scenario(TEN)
    shared = allysim.optimize(s, runs=40, seed=5).to_dict()
    exhaustive = allysim.optimize(s, runs=40, seed=5, exhaustive=True).to_dict()
    assert shared["method"] == "exact" and len(shared["portfolios"]) == 1024
    shared.pop("sharing", None), exhaustive.pop("sharing", None)
    assert json.dumps(shared, sort_keys=True) == json.dumps(exhaustive, sort_keys=True)  # bit for bit


@pytest.mark.parametrize("currency, budget, expected", [
    ("USD M", "1.6M", 1.6), ("USD M", "1600k", 1.6), ("USD M", "1.6", 1.6), ("USD", "1.6M", 1.6e6),
    ("EUR thousands", "1.6M", 1600.0)])
def test_budget_suffix_is_read_in_the_scenario_currency_unit(tmp_path, currency, budget, expected):
    """--budget 3M in a scenario counted in USD millions is 3, not 3,000,000 (which would fit every portfolio)."""
    path = tmp_path / "shields.yaml"
    path.write_text(SHIELDS_YAML.replace("seed: 4\n", f"seed: 4\ncurrency: {currency}\n"), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["optimize", str(path), "--runs", "50", "--workers", "1", "--budget", budget,
                                      "--out", str(out), "--format", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "optimize.json").read_text())["budget"] == pytest.approx(expected, rel=1e-12)


def test_money_suffix_in_the_file_is_read_in_its_currency_unit():
    """``setup: 500k`` in a scenario counted in USD millions costs 0.5 of them; a plain number is already in them."""
    suffixed = SHIELDS_YAML.replace("seed: 4\n", "seed: 4\ncurrency: USD M\n").replace("setup: 0.5}", "setup: 500k}")
    s = allysim.parse_scenario(suffixed)
    assert {c.id: c.cost.setup for c in s.contingencies} == {"sa": 1.0, "sb": 0.5, "sc": 2.0}
    s = allysim.parse_scenario(SHIELDS_YAML.replace("setup: 0.5}", "setup: 500k}"))  # currency USD: full amounts
    assert {c.id: c.cost.setup for c in s.contingencies}["sb"] == 500_000


def test_a_budget_below_every_cost_says_what_the_cheapest_costs(result, capsys):
    from allysim import console
    from allysim.recommendation import recommend

    data = json.loads(json.dumps(result.to_dict()))
    empty = next(i for i, p in enumerate(data["portfolios"]) if not p["contingencies"])
    data["portfolios"][empty]["cost"]["mean"] = 9.0  # now the shield sb (setup 0.5) is the cheapest
    data["budget"], data["best"]["survival_within_budget"] = 0.1, None
    data["versus_runner_up"].pop("survival_within_budget", None)
    cheapest = min(data["portfolios"], key=lambda p: p["cost"]["mean"])
    assert cheapest["contingencies"] == ["sb"]
    words = " ".join(recommend(data).points)
    said = re.search(r"the cheapest, sb, costs USD ([0-9.]+)\.", words)
    assert said and float(said.group(1)) == pytest.approx(cheapest["cost"]["mean"], abs=0.05)
    console.print_optimize(data)
    said = re.search(r"no portfolio costs at most the budget of 0\.10: the cheapest, sb, costs ([0-9.]+)",
                     " ".join(capsys.readouterr().out.split()))
    assert said and float(said.group(1)) == pytest.approx(cheapest["cost"]["mean"], abs=0.05)


def exact_tail(portfolio: tuple[str, ...]) -> tuple[float, float, float]:
    """(cvar10, its per-run asymptotic variance, p_loss) in closed form.

    The life L is exponential with the portfolio's hazard h, and NPV = V min(L, T) - cost. With P(L < T) > 10% for
    every portfolio here, the worst 10% are the lives below q = -ln(0.9) / h, whose mean is 1/h - 9 q, so
    cvar10 = V (1 + 9 ln 0.9) / h - cost; the estimator's variance per run is V^2 Var((q - L)+) / 0.1^2. A run
    loses money when V L < cost: p_loss = 1 - exp(-h cost / V) (0 for a free portfolio).
    """
    from scipy import integrate

    hazard = sum(rate * (1 - SHIELDS[c][1]) if (c := next((c for c in portfolio if SHIELDS[c][0] == r), None))
                 else rate for r, rate in RISKS.items())
    cost = sum(SHIELDS[c][2] for c in portfolio)
    assert 1 - math.exp(-hazard * T) > 0.1
    q = -math.log(0.9) / hazard
    m1 = integrate.quad(lambda t: (q - t) * hazard * math.exp(-hazard * t), 0, q)[0]
    m2 = integrate.quad(lambda t: (q - t) ** 2 * hazard * math.exp(-hazard * t), 0, q)[0]
    return (V * (1 + 9 * math.log(0.9)) / hazard - cost, V**2 * (m2 - m1 * m1) / 0.01,
            1 - math.exp(-hazard * cost / V))


def test_tail_objectives_match_their_closed_forms(result):
    data = result.to_dict()
    portfolios = [tuple(p["contingencies"]) for p in data["portfolios"]]
    truth = [exact_tail(p) for p in portfolios]
    for p, (cvar10, var, p_loss) in zip(data["portfolios"], truth):
        tol = 4 * math.sqrt(var / RUNS)
        assert abs(p["npv"]["cvar10"]["estimate"] - cvar10) <= tol, (p["contingencies"], p["npv"]["cvar10"], cvar10)
        assert abs(p["npv"]["p_loss"]["estimate"] - p_loss) <= 4 * math.sqrt(p_loss * (1 - p_loss) / RUNS) + 1e-12
    cost = [exact(p)[0] for p in portfolios]
    assert data["frontier"]["cvar10"] == frontier(cost, [t[0] for t in truth])
    assert data["frontier"]["p_loss"] == frontier(cost, [-t[2] for t in truth])  # fewer losses is better
    assert portfolios[data["best"]["cvar10"]] == max(portfolios, key=lambda p: exact_tail(p)[0]) == ("sa", "sb")
    assert portfolios[data["best"]["p_loss"]] == ()  # a free portfolio never loses money: V min(L, T) >= 0
    versus = data["versus_runner_up"]["p_loss"]
    assert portfolios[versus["runner_up"]] == ("sb",)  # the next fewest losses: cheap, on the second risk
    assert versus["p_loss"]["mean"] < 0 and versus["clear_p_loss"]
    assert data["objective"] == "npv"


def test_objective_chooses_what_best_means(tmp_path):
    s = allysim.parse_scenario(SHIELDS_YAML)
    data = allysim.optimize(s, runs=300, objective="p_loss").to_dict()
    assert data["objective"] == "p_loss" and data["best"]["p_loss"] == 0
    with pytest.raises(allysim.UsageError, match="unknown objective 'tail'"):
        allysim.optimize(s, runs=10, objective="tail")
    path = tmp_path / "shields.yaml"
    path.write_text(SHIELDS_YAML, encoding="utf-8")
    out = tmp_path / "out"
    ok = CliRunner().invoke(cli, ["optimize", str(path), "--runs", "300", "--workers", "1", "--objective", "cvar10",
                                  "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert json.loads((out / "optimize.json").read_text())["objective"] == "cvar10"
    assert "best worst 10% (CVaR) (objective)" in " ".join(ok.output.split())
    bad = CliRunner().invoke(cli, ["optimize", str(path), "--runs", "10", "--objective", "tail",
                                   "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and not (tmp_path / "bad").exists()
    from allysim.cli import OBJECTIVES as CLI_OBJECTIVES
    from allysim.portfolios import OBJECTIVES

    assert CLI_OBJECTIVES == OBJECTIVES


def test_the_recommendation_names_the_flip_and_what_to_learn_first_from_a_sensitivity_study(result):
    """With sensitivity.json of the recommended plan: the switch point with its interval, and the assumption most
    worth learning (its EVPPI) beside the EVPI, in the currency's rounding."""
    from allysim.recommendation import recommend

    data = result.to_dict()
    entry = {"label": "risk a rate", "p10": 0.1, "p90": 0.3, "rank": 1,
             "npv": {"at_p10": 2.0, "at_p90": 1.0, "swing": {"mean": -1.0, "ci95": [-1.2, -0.8]}},
             "survival": {"at_p10": 0.8, "at_p90": 0.6}, "variance_share": {"npv": 0.5},
             "switch": {"value": 0.24, "ci95": [0.2, 0.28], "direction": "plan better below"}, "difference": []}
    study = {"plan": "ab", "against": "none", "currency": "USD", "runs": 500, "inputs": {"risks.a.rate": entry},
             "p_better": 0.6, "versus": {"npv": {"mean": 0.2, "ci95": [0.1, 0.3]}},
             "value_of_information": {"evpi": 0.42, "inputs": {"risks.a.rate": {"evppi": 0.31}}}}
    words = recommend(data, study)
    rows = dict(words.rows)
    assert rows["Flips if"].startswith("If risk a rate is below 0.24, the Ab plan beats the None plan")
    assert "95% interval 0.20 to 0.28" in rows["Flips if"]
    assert rows["Learn first"] == ("Risk a rate: knowing it before choosing is worth USD 0.31 of expected NPV "
                                   "(EVPPI); knowing every uncertain assumption, USD 0.42 (EVPI).")
    assert not words.missing
    other = recommend(data, {**study, "plan": "all"})  # a study of another choice is not the recommendation's flip
    assert "Flips if" not in dict(other.rows)
    assert "not the recommended portfolio: run allysim sensitivity --plan ab" in dict(other.rows)["Assumptions"]
