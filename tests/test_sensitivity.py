"""``allysim sensitivity`` (SPEC section 10) against closed forms."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import brentq
from scipy.special import stdtrit

import allysim
from allysim.cli import cli
from allysim.errors import UsageError
from allysim.scenario.uncertain import quantiles
from allysim.sensitivities import sensitivity


def scenario_from_yaml(text: str) -> allysim.Scenario:
    return allysim.parse_scenario(textwrap.dedent(text), source="t.yaml")


HORIZON, COST = 10.0, 3.0
SHIELD = f"""
    allysim: 1
    name: shield against a fatal risk
    horizon: {HORIZON}
    alliance: {{value_rate: 1}}
    risks:
      - id: crash
        rate: {{uniform: {{low: 0.02, high: 0.3}}}}
        impact: {{fatal: 1}}
    contingencies:
      - id: shield
        trigger: {{on: crash}}
        effect: {{reduce_impact: 1}}
        cost: {{setup: {COST}}}
    plans: {{none: [], shield: [shield]}}
"""


def _difference(rate: float) -> float:
    """Shield minus none, in expectation: (T - c) - (1 - exp(-rate T)) / rate (value rate 1, no discounting)."""
    return HORIZON - COST - (1 - math.exp(-rate * HORIZON)) / rate


def _life_sd(rate: float) -> float:
    """Standard deviation of min(Exp(rate), T): the lifetime, hence the NPV, of the unshielded alliance."""
    mean = (1 - math.exp(-rate * HORIZON)) / rate
    second = 2 / rate**2 * (1 - math.exp(-rate * HORIZON) * (1 + rate * HORIZON))
    return math.sqrt(second - mean**2)


def test_the_switch_point_of_a_shield_solves_its_break_even_equation() -> None:
    """Protecting against a fatal risk at cost c pays above the rate where (T - c) = (1 - e^{-rT}) / r."""
    runs = 3000
    study = sensitivity(scenario_from_yaml(SHIELD), runs=runs, seed=17)
    data = study.to_dict()
    entry = data["inputs"]["risks.crash.rate"]
    exact = brentq(_difference, 0.02, 0.3)
    # the study interpolates linearly between the levels it simulated: the same interpolation of the exact curve
    values = [d["value"] for d in entry["difference"]]
    curve = [_difference(v) for v in values]
    k = next(i for i in range(len(curve) - 1) if curve[i] * curve[i + 1] < 0)
    interpolated = values[k] + (values[k + 1] - values[k]) * curve[k] / (curve[k] - curve[k + 1])
    assert abs(interpolated - exact) < 1e-3  # the refinement leaves little interpolation error
    slope = (_difference(exact + 1e-6) - _difference(exact - 1e-6)) / 2e-6
    se = _life_sd(exact) / math.sqrt(runs) / slope
    switch = entry["switch"]
    assert abs(switch["value"] - interpolated) < 4 * se, (switch, interpolated, se)
    assert switch["direction"] == "plan better above"
    lo, hi = switch["ci95"]
    assert lo < switch["value"] < hi and hi - lo < 8 * se
    # each point of the difference curve against its closed form
    for point in entry["difference"]:
        half = 4 * _life_sd(point["value"]) / math.sqrt(runs)
        assert abs(point["npv"]["mean"] - _difference(point["value"])) < half
    # p_better over all uncertainty: shield wins exactly in the runs where none dies before T - c
    assert data["plan"] == "shield" and data["against"] == "none"
    assert 0 < data["p_better"] < 1


TWO_RISKS = """
    allysim: 1
    name: wide and narrow
    horizon: 5
    alliance: {value_rate: 1}
    risks:
      - id: wide
        rate: {uniform: {low: 0.01, high: 0.3}}
        impact: {fatal: 1}
      - id: narrow
        rate: {uniform: {low: 0.1, high: 0.12}}
        impact: {fatal: 1}
"""


def test_conditional_survival_at_p10_and_p90_and_the_ranking_of_a_wide_against_a_narrow_input() -> None:
    runs, horizon = 6000, 5.0
    scenario = scenario_from_yaml(TWO_RISKS)
    data = sensitivity(scenario, runs=runs, seed=3).to_dict()
    assert data["against"] is None and data["p_better"] is None
    wide, narrow = data["inputs"]["risks.wide.rate"], data["inputs"]["risks.narrow.rate"]
    assert list(data["inputs"]) == ["risks.wide.rate", "risks.narrow.rate"]
    assert (wide["rank"], narrow["rank"]) == (1, 2)

    def averaged(a: float, b: float) -> float:  # E[exp(-rate T)] for rate ~ U[a, b]
        return (math.exp(-a * horizon) - math.exp(-b * horizon)) / ((b - a) * horizon)

    for path, other in (("risks.wide.rate", (0.1, 0.12)), ("risks.narrow.rate", (0.01, 0.3))):
        item = scenario.uncertain[path]
        for level, key in ((0.1, "at_p10"), (0.9, "at_p90")):
            rate = quantiles(item, (level,))[0]
            expected = math.exp(-rate * horizon) * averaged(*other)
            got = data["inputs"][path]["survival"][key]
            assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / runs), (path, key)
    # the wide range explains more of the variance, and both estimates come with intervals around them
    assert wide["variance_share"]["npv"] > narrow["variance_share"]["npv"]
    for entry in (wide, narrow):
        lo, hi = entry["variance_share_ci95"]["npv"]
        assert lo <= entry["variance_share"]["npv"] <= hi


def test_sensitivity_needs_uncertain_inputs_and_two_different_plans() -> None:
    plain = scenario_from_yaml(SHIELD.replace("{uniform: {low: 0.02, high: 0.3}}", "0.1"))
    with pytest.raises(UsageError, match="no uncertain parameters"):
        sensitivity(plain, runs=10, seed=1)
    with pytest.raises(UsageError, match="names the plan itself"):
        sensitivity(scenario_from_yaml(SHIELD), plan="none", against="none", runs=10, seed=1)
    with pytest.raises(UsageError, match="unknown plan"):
        sensitivity(scenario_from_yaml(SHIELD), against="nope", runs=10, seed=1)


def test_cli_writes_sensitivity_json_and_both_charts(tmp_path) -> None:
    path = tmp_path / "shield.yaml"
    path.write_text(textwrap.dedent(SHIELD))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sensitivity", str(path), "--runs", "300", "--seed", "1", "--out", str(out),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "sensitivity.json").read_text())
    assert set(data) >= {"plan", "against", "inputs", "p_better"}
    entry = data["inputs"]["risks.crash.rate"]
    assert set(entry) >= {"p10", "p90", "npv", "survival", "variance_share", "difference", "switch"}
    assert set(entry["npv"]) >= {"at_p10", "at_p90"} and set(entry["variance_share"]) == {"npv", "survival"}
    assert all(set(d) >= {"value", "npv"} for d in entry["difference"])
    assert (out / "sensitivity.png").stat().st_size > 10_000 and (out / "switch.png").stat().st_size > 10_000
    assert "beats" in result.output or "flips" in result.output
    # a scenario without ranges is refused with one line and exit code 2, nothing written
    plain = tmp_path / "plain.yaml"
    plain.write_text(textwrap.dedent(SHIELD.replace("{uniform: {low: 0.02, high: 0.3}}", "0.1")))
    result = CliRunner().invoke(cli, ["sensitivity", str(plain), "--runs", "10", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and not (tmp_path / "p").exists()


def test_the_same_seed_gives_the_same_study_for_any_worker_count() -> None:
    scenario = scenario_from_yaml(SHIELD)
    one = sensitivity(scenario, runs=200, seed=5, workers=1).to_dict()
    two = sensitivity(scenario, runs=200, seed=5, workers=2).to_dict()
    assert json.dumps(one, sort_keys=True, default=str) == json.dumps(two, sort_keys=True, default=str)
    assert np.isfinite(one["inputs"]["risks.crash.rate"]["npv"]["at_p10"])


def test_the_findings_say_in_words_what_matters_and_what_flips_the_choice() -> None:
    from allysim.findings import sensitivity_findings

    data = sensitivity(scenario_from_yaml(SHIELD), runs=1500, seed=9).to_dict()
    words = sensitivity_findings(data)
    assert words["flips"] == ["risks.crash.rate"]
    assert words["switch"].startswith("If rate per year of crash is above ")
    assert any(b.startswith("The choice depends on rate per year of crash: the Shield plan beats the None plan only above")
               for b in words["bullets"])
    # one input only, and the plan's own NPV does not depend on it (the shield removes the risk): no mover
    assert words["moving"] == [] and "beyond the noise" in words["headline"]


def test_report_redraws_and_the_deck_tells_the_sensitivity_study(tmp_path) -> None:
    from pptx import Presentation

    path = tmp_path / "shield.yaml"
    path.write_text(textwrap.dedent(SHIELD))
    out = tmp_path / "out"
    runner = CliRunner()
    for args in (["run", str(path)], ["sensitivity", str(path)]):
        result = runner.invoke(cli, [*args, "--runs", "300", "--seed", "4", "--out", str(out), "--workers", "1",
                                     "--quiet"])
        assert result.exit_code == 0, result.output
    (out / "switch.png").unlink()
    assert runner.invoke(cli, ["report", str(out)]).exit_code == 0
    assert (out / "switch.png").exists() and (out / "sensitivity.png").exists()
    assert runner.invoke(cli, ["deck", str(out), "--no-brief"]).exit_code == 0
    texts = [shape.text_frame.text for slide in Presentation(str(out / "deck.pptx")).slides
             for shape in slide.shapes if shape.has_text_frame]
    assert any("What we do not know" in t for t in texts)
    assert any(t.startswith("If rate per year of crash is above") for t in texts)
    assert any("Two kinds of randomness" in t for t in texts)


MIDDLING = """
    allysim: 1
    name: a shield that pays only at middling rates
    horizon: 10
    alliance: {value_rate: 1}
    risks:
      - id: crash
        rate: {uniform: {low: 0.001, high: 1.5}}
        impact: {fatal: 1}
    contingencies:
      - id: shield
        trigger: {on: crash}
        effect: {reduce_impact: 1}
        cost: {setup: 3, per_activation: 0.5}
    plans: {none: [], shield: [shield]}
"""


def _middling(rate: float) -> float:
    """Shield minus none, in expectation, with no discounting: the shielded alliance lives to T = 10 and pays 3 once
    and 0.5 at each of its Poisson(10 rate) crashes; the other lives min(Exp(rate), T):
    d(rate) = 10 - 3 - 0.5 x 10 rate - (1 - exp(-10 rate)) / rate. Rare crashes do not repay the setup, frequent ones
    cost more to absorb than the life they save: d crosses zero upward near 0.092 and downward near 1.239."""
    return 7 - 5 * rate - (1 - math.exp(-10 * rate)) / rate


def test_a_difference_that_crosses_zero_twice_has_two_switches_each_with_its_interval() -> None:
    runs = 2000
    study = sensitivity(scenario_from_yaml(MIDDLING), runs=runs, seed=17)
    entry = study.to_dict()["inputs"]["risks.crash.rate"]
    switches = entry["switches"]
    assert [s["direction"] for s in switches] == ["plan better above", "plan better below"]
    assert entry["switch"] == switches[0]
    values = [d["value"] for d in entry["difference"]]
    curve = [_middling(v) for v in values]
    for switch, (a, b) in zip(switches, ((0.01, 0.5), (0.5, 1.5))):
        exact = brentq(_middling, a, b)
        # the study interpolates linearly between the levels it simulated: the same interpolation of the exact curve
        k = next(i for i in range(len(curve) - 1) if curve[i] * curve[i + 1] < 0 and a < values[i] < b)
        interpolated = values[k] + (values[k + 1] - values[k]) * curve[k] / (curve[k] - curve[k + 1])
        assert abs(interpolated - exact) < 0.01 * exact  # the refinement of both brackets leaves little error
        # standard error of the crossing: that of the mean difference at the bracket over the curve's slope there
        lo, hi = entry["difference"][k]["npv"]["ci95"]  # the paired t-interval of the mean difference there
        slope = (curve[k + 1] - curve[k]) / (values[k + 1] - values[k])
        se = (hi - lo) / 2 / stdtrit(runs - 1, 0.975) / abs(slope)
        assert abs(switch["value"] - interpolated) < 4 * se, (switch, interpolated, se)
        lo, hi = switch["ci95"]
        assert lo is not None and hi is not None and lo < switch["value"] < hi and hi - lo < 8 * se
    # the shield is better exactly between the two crossings
    for point in entry["difference"]:
        inside = switches[0]["value"] < point["value"] < switches[1]["value"]
        assert (point["npv"]["mean"] > 0) == inside or abs(_middling(point["value"])) < 0.2
    # the words name every range in which each plan is better, never the first crossing alone
    from allysim.findings import sensitivity_findings
    from allysim.wording import format_amount

    words = sensitivity_findings(study.to_dict())
    low, high = (format_amount(s["value"]) for s in switches)
    shield_wins = f"beats the None plan between {low} and {high}; the None plan does below {low} and above {high}"
    assert shield_wins in words["switch"], words["switch"]
    assert any(shield_wins in bullet for bullet in words["bullets"]), words["bullets"]


def test_crossings_are_found_in_order_with_their_directions() -> None:
    from allysim.sensitivities import _crossings

    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    assert _crossings(x, np.array([-1.0, 1.0, 1.0, -1.0, -1.0, -1.0])) == [(0.5, 1, (0, 1)), (2.5, -1, (2, 3))]
    assert _crossings(x, np.array([-1.0, 0.0, 2.0, 1.0, 0.0, 1.0])) == [(1.0, 1, (0, 2))]  # touching 0 is no crossing
    assert _crossings(x, np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])) == []


MANY = """
    allysim: 1
    name: many uncertain rates
    horizon: 10
    alliance: {value_rate: 1}
    risks:
""" + "".join(f"""      - id: r{i}
        rate: {{uniform: {{low: {0.01 * (i + 1)}, high: {0.1 + 0.04 * i}}}}}
        impact: {{health: 0.05}}
""" for i in range(4)) + """      - id: crash
        rate: {uniform: {low: 0.02, high: 0.3}}
        impact: {fatal: 1}
    contingencies:
      - id: shield
        trigger: {on: crash}
        effect: {reduce_impact: 1}
        cost: {setup: 3}
    correlations:
      - {between: [risks.r0.rate, risks.crash.rate], rho: 0.5}
    plans: {none: [], shield: [shield]}
"""


def test_the_inputs_simulated_a_few_at_a_time_give_the_numbers_of_one_simulation_of_every_variant(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned variants are simulated a batch of inputs at a time and dropped (memory independent of inputs x
    runs): each input's findings are exactly those computed straightforwardly from one simulation of every variant,
    for any batch size and any number of workers."""
    import allysim.sensitivities as module
    from allysim.results import Variant
    from allysim.runner import simulate_variants
    from allysim.stats import mean_ci, paired
    from allysim.verdicts import judged

    scenario = scenario_from_yaml(MANY)
    runs, seed = 100, 11
    calls: list[int] = []
    real = module.simulate_variants

    def counted(scenario, variants, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(len(variants))
        return real(scenario, variants, *args, **kwargs)

    monkeypatch.setattr(module, "simulate_variants", counted)
    monkeypatch.setattr(module, "BATCH_BYTES", 1)  # one input at a time
    study = sensitivity(scenario, runs=runs, seed=seed)
    data = study.to_dict()
    # one input's pinned variants at most in any simulation after the main sample's
    assert max(calls[1:]) <= len(module.LEVELS) * 2 and len(calls) >= 1 + len(scenario.uncertain)
    monkeypatch.setattr(module, "BATCH_BYTES", 2**40)  # every input at once
    assert json.dumps(sensitivity(scenario, runs=runs, seed=seed, workers=2).to_dict()) == json.dumps(data)
    # the reference: every variant, at every level the study ended with, simulated together once
    sides = {"plan": ("shield",), "against": ()}
    variants = {f"{side} | {path} @ {q:.6g}": Variant(ids, pins=((path, q),))
                for path, qs in study.levels.items() for q in qs for side, ids in sides.items()}
    every = simulate_variants(scenario, variants, runs=runs, seed=seed, health_bands=False).plans
    assert data["sharing"]["replications"] == runs * (len(variants) + 2)
    for path, entry in data["inputs"].items():
        low, high = every[f"plan | {path} @ 0.1"], every[f"plan | {path} @ 0.9"]
        assert entry["npv"]["at_p10"] == mean_ci(low.npv)[0] and entry["npv"]["at_p90"] == mean_ci(high.npv)[0]
        assert entry["npv"]["swing"] == paired(high.npv, low.npv)
        assert entry["survival"]["at_p90"] == float(np.mean(high.cause < 0))
        assert [d["level"] for d in entry["difference"]] == study.levels[path]
        for point in entry["difference"]:
            q = point["level"]
            diff = every[f"plan | {path} @ {q:.6g}"].npv - every[f"against | {path} @ {q:.6g}"].npv
            assert point["npv"] == judged(paired(diff, 0.0), runs, study.materiality.value)
        assert (entry["difference"], entry["switches"]) == study._difference(path, every)
    assert any(len(qs) > len(module.LEVELS) for qs in study.levels.values())  # a refinement was simulated too


@pytest.mark.parametrize("name, inside", [("A crash ends it", "a crash ends it"),
                                          ("EU sanctions hit the JV", "EU sanctions hit the JV")])
def test_the_findings_quote_a_risk_name_as_it_reads_inside_a_sentence(name: str, inside: str) -> None:
    """Inside a sentence a risk's name loses only the capital that started it: never 'rate per year of A crash',
    never 'eu sanctions hit the jv' (the user's acronyms and names stay as written)."""
    from allysim.findings import sensitivity_findings

    text = SHIELD.replace("- id: crash\n", f"- id: crash\n        name: {name}\n")
    data = sensitivity(scenario_from_yaml(text), runs=1500, seed=9).to_dict()
    assert data["inputs"]["risks.crash.rate"]["label"] == f"rate per year of {inside}"
    words = sensitivity_findings(data)
    for sentence in [words["switch"], *words["bullets"]]:
        if "crash" in sentence.lower() or "sanctions" in sentence.lower():
            assert f"of {inside}" in sentence, sentence
