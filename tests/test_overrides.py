"""--set PATH=VALUE: parsing, resolving paths by id, validation told against the --set, closed forms, provenance."""

from __future__ import annotations

import json
import math
import pickle
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.errors import ScenarioError, UsageError
from allysim.scenario.overrides import parse_override, parse_sweep_values, resolve
from allysim.scenario.paths import PATH_HELP, SHAPES, ParameterPath, PathError, uncertain_shapes

FATAL = textwrap.dedent("""\
    allysim: 1
    name: One fatal risk
    horizon: 2
    runs: 4000
    seed: 11
    alliance: {value_rate: 5}
    risks:
      - id: buyout
        probability: 0.2
        impact: {fatal: 1}
      - id: friction
        rate: 0.5
        impact: {health: 0.01, escalates: [{risk: buyout, factor: 1.0, duration: 1}]}
    contingencies:
      - id: clause
        trigger: {on: buyout}
        success: 0.0
        effect: {reduce_impact: 0.5, rate_factor: {risk: friction, factor: 1.0}}
        cost: {setup: 1}
    plans:
      none: []
      clause: [clause]
    """)


@pytest.fixture
def fatal_file(tmp_path):
    path = tmp_path / "fatal.yaml"
    path.write_text(FATAL, encoding="utf-8")
    return path


def _survival_bounds(p: float, n: int) -> tuple[float, float]:
    se = math.sqrt(p * (1 - p) / n)
    return p - 4 * se, p + 4 * se


# --------------------------------------------------------------------------- parsing and resolving


@pytest.mark.parametrize("text, value", [
    ("horizon=7", 7), ("risks.a.rate=1e-3", 0.001), ("horizon=18 months", "18 months"),
    ("contingencies.c.success={beta: {a: 3, b: 5}}", {"beta": {"a": 3, "b": 5}}), (" horizon = 2.5 ", 2.5),
])
def test_values_are_yaml(text, value):
    assert parse_override(text).value == value


@pytest.mark.parametrize("text, message", [
    ("horizon", "expected PATH=VALUE"), ("=3", "path before '=' is empty"), ("horizon=", "no value"),
    ("horizon=true", "got true/false"), ("horizon=[1, 2]", "got a list"), ("horizon={a: [", "--set horizon"),
])
def test_malformed_sets_are_usage_errors(text, message):
    with pytest.raises(UsageError) as info:
        parse_override(text)
    assert message in str(info.value)
    assert str(info.value).startswith("--set ")


def test_a_parameter_is_set_once():
    with pytest.raises(UsageError, match="already set by --set horizon=2"):
        allysim.parse_scenario(FATAL, overrides=["horizon=2", "horizon=3"])


# --------------------------------------------------------------------------- the one table of parameter shapes


def _example(shape) -> str:
    """A path of ``shape`` with made-up ids, positions and keys."""
    values = {"ID": "x", "N": "1", "STATE": "s", "FROM": "a", "TO": "b", "RISK_ID": "r"}
    return ".".join(values.get(p, p) for p in shape.parts)


def test_every_shape_reads_back_in_both_spellings():
    for shape in SHAPES:
        text = _example(shape)
        parsed = ParameterPath.parse(text)
        assert parsed.shape is shape and str(parsed) == text
        if shape.file:  # the file's spelling reads as the same parameter
            filed = ".".join({"ID": "x", "N": "1"}.get(p, p) for p in shape.file_parts)
            assert str(ParameterPath.parse(filed)) == text
        placeholders = [p for p in shape.parts if p.isupper()]
        assert placeholders == [p for p in shape.file_parts if p.isupper()], shape.pattern


def test_the_help_names_every_shape_and_every_uncertain_shape_has_an_engine_setter():
    from allysim.engine import SETTERS

    for shape in SHAPES:
        assert shape.parts[-1] in PATH_HELP, shape.pattern
    assert sorted(SETTERS) == sorted(s.pattern for s in uncertain_shapes())


def test_a_path_that_is_no_parameter_says_what_would_be():
    with pytest.raises(PathError, match=r"'x' is not a position in risks\.a\.escalates: use 0"):
        ParameterPath.parse("risks.a.escalates.x.factor")
    with pytest.raises(PathError, match=r"^name a contingency and a parameter: contingencies\.ID\.success"):
        ParameterPath.parse("contingencies")
    with pytest.raises(PathError, match=r"'foo' is not a parameter of environment; environment has "
                                        r"transitions\.FROM\.TO"):
        ParameterPath.parse("environment.foo")


def test_one_label_per_parameter_for_every_study(fatal_file):
    """A sweep's axis and a sensitivity's rows name a parameter the same way: ParameterPath.label."""
    s = allysim.load_scenario(fatal_file)
    assert ParameterPath.parse("risks.buyout.probability").label(s) == "probability per year of buyout"
    assert ParameterPath.parse("contingencies.clause.success").label(s) == "success probability of clause"
    assert ParameterPath.parse("alliance.health.recovery").label(s) == "health recovery rate"
    data = allysim.sweep(s, "risks.buyout.impact.fatal", [0.5, 1.0], runs=20, seed=1).to_dict()
    assert data["parameter"] == "risks.buyout.impact.fatal"
    assert data["parameter_label"] == "fatal probability of buyout"


def test_paths_resolve_by_id_to_the_file_location():
    doc = {"risks": [{"id": "a", "rate": 1}, {"id": "b", "probability": 0.1,
                                                 "impact": {"escalates": [{"risk": "a", "factor": 2}]}}],
           "contingencies": [{"id": "c", "effect": {"rate_factor": {"risk": "a", "factor": 0.5}}},
                             {"id": "d", "effect": {"rate_factor": [{"risk": "a", "factor": 0.5}]}}]}
    assert resolve(doc, "risks.b.rate").location == ("risks", 1, "rate")
    assert resolve(doc, "risks.b.rate").replaces == ("probability", "hazard")
    assert resolve(doc, "risks.b.escalates.0.factor").location == ("risks", 1, "impact", "escalates", 0, "factor")
    assert resolve(doc, "risks.b.impact.escalates.0.factor").path == "risks.b.escalates.0.factor"
    assert resolve(doc, "contingencies.c.effect.rate_factor.0.factor").location == \
        ("contingencies", 0, "effect", "rate_factor", "factor")  # one mapping in the file, not a list
    assert resolve(doc, "contingencies.d.effect.rate_factor.0.factor").location == \
        ("contingencies", 1, "effect", "rate_factor", 0, "factor")
    assert resolve(doc, "contingencies.c.cost.setup").location == ("contingencies", 0, "cost", "setup")
    assert resolve(doc, "alliance.health.recovery").location == ("alliance", "health", "recovery")


@pytest.mark.parametrize("text, message", [
    ("risks.buyot.rate=0.1", "--set risks.buyot.rate=0.1: fatal.yaml has no risk 'buyot' (did you mean 'buyout'?)"
                             "; its risks: buyout, friction"),
    ("contingencies.clase.success=1", "has no contingency 'clase' (did you mean 'clause'?)"),
    ("risks.buyout.ratee=0.1", "'ratee' is not a parameter of risks.buyout (did you mean 'risks.buyout.rate'?)"),
    ("rissks.buyout.rate=0.1", "not a parameter path (did you mean 'risks'?)"),
    ("risks.friction.escalates.3.factor=2", "risks.friction.escalates has no entry 3: it has only 1 entry"),
    ("environment.states.x.value=1", "fatal.yaml has no environment"),
    ("risks.buyout.rate=-0.1", "--set risks.buyout.rate=-0.1: must be >= 0, got -0.1"),
    ("risks.buyout.probability=1.5", "--set risks.buyout.probability=1.5: must be < 1, got 1.5"),
    ("horizon=soon", "--set horizon=soon: 'soon' is not a time"),
    ("contingencies.clause.trigger.health_below=0.5",
     "--set contingencies.clause.trigger.health_below=0.5: contingencies[0].trigger: give exactly one of"),
    ("alliance.health.initial=0.1", "--set alliance.health.initial=0.1: initial health 0.1 is below "
                                    "dissolve_below 0.2"),
])
def test_bad_sets_are_one_line_naming_the_set(fatal_file, text, message):
    with pytest.raises(ScenarioError) as info:
        allysim.load_scenario(fatal_file, overrides=[text])
    assert len(info.value.problems) == 1
    assert message in info.value.problems[0]


def test_a_file_problem_is_still_told_against_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(FATAL.replace("horizon: 2", "horizon: -2"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:3:10: horizon: must be > 0"):
        allysim.load_scenario(path, overrides=["risks.buyout.rate=0.1"])


def test_rate_replaces_probability_and_overrides_are_recorded():
    s = allysim.parse_scenario(FATAL, source="t.yaml", overrides={"risks.buyout.rate": 0.3, "horizon": "18 months"})
    assert s.risk("buyout").rate == 0.3 and s.risk("buyout").probability is None
    assert s.horizon == 1.5
    assert s.overrides == {"risks.buyout.rate": 0.3, "horizon": "18 months"}
    again = s.with_overrides(["horizon=3"])  # adds to the earlier ones, replacing the same path
    assert again.overrides == {"risks.buyout.rate": 0.3, "horizon": 3}
    assert again.sha256 == s.sha256 == allysim.parse_scenario(FATAL).sha256  # the file's bytes
    shipped = pickle.loads(pickle.dumps(again))  # to worker processes, without the raw document
    assert shipped.overrides == again.overrides and shipped.horizon == 3


def test_sweep_values():
    assert parse_sweep_values("risks.a.rate=0.1:0.3:3") == ("risks.a.rate", [0.1, 0.2, 0.3])
    assert parse_sweep_values("horizon=5 years,7 years") == ("horizon", ["5 years", "7 years"])
    assert parse_sweep_values("x=[1, {pert: {low: 0, likely: 1, high: 2}}]")[1][1] == \
        {"pert": {"low": 0, "likely": 1, "high": 2}}
    for bad in ("x=1", "x=3:1:4", "x=0:1:1", "x=0:1", "x=1,1", "x=a:b:c"):
        with pytest.raises(UsageError):
            parse_sweep_values(bad)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("rate", [0.1, 0.6])
def test_set_rate_gives_exp_minus_rate_t(rate):
    s = allysim.parse_scenario(FATAL)
    results = allysim.simulate(s, runs=4000, seed=3, plans=["none"], overrides={"risks.buyout.rate": rate,
                                                                                  "risks.friction.rate": 0})
    survival = results.summary()["plans"]["none"]["survival"]["estimate"]
    lo, hi = _survival_bounds(math.exp(-rate * 2), 4000)
    assert lo < survival < hi
    # NPV = value_rate * E[min(lifetime, T)] = 5 (1 - exp(-rT)) / r, undiscounted
    npv = results.plans["none"].npv
    expected = 5 * (1 - math.exp(-rate * 2)) / rate
    assert abs(npv.mean() - expected) < 4 * npv.std(ddof=1) / math.sqrt(len(npv))


def test_set_horizon_and_discount_rate_closed_form():
    s = allysim.parse_scenario(FATAL)
    # no risk at all: NPV = 5 * integral_0^T exp(-d t) dt with d = ln(1.25), exactly
    results = allysim.simulate(s, runs=10, seed=1, plans=["none"],
                               overrides=["risks.buyout.rate=0", "risks.friction.rate=0", "horizon=3",
                                          "discount_rate=0.25"])
    d = math.log(1.25)
    np.testing.assert_allclose(results.plans["none"].npv, 5 * (1 - math.exp(-3 * d)) / d, rtol=1e-9)


def test_studies_take_overrides_and_record_them():
    s = allysim.parse_scenario(FATAL)
    comparison = allysim.compare(s, runs=200, seed=2, overrides={"contingencies.clause.cost.setup": 4})
    data = comparison.to_dict()
    assert data["overrides"] == {"contingencies.clause.cost.setup": 4}
    # the clause never works (success 0): its only effect is its setup cost, now 4, undiscounted
    assert data["plans"]["clause"]["npv"]["mean"] == pytest.approx(-4)
    assert allysim.risk_drivers(s, runs=50, seed=2, overrides=["horizon=1"]).to_dict()["overrides"] == \
        {"horizon": 1}
    assert allysim.contingency_values(s, runs=50, seed=2, overrides=["horizon=1"]).to_dict()["overrides"] == \
        {"horizon": 1}


# --------------------------------------------------------------------------- command line


def test_cli_set_is_recorded_in_every_output(fatal_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(fatal_file), "--runs", "300", "--workers", "1", "--format", "none",
                                 "--out", str(out), "--set", "risks.buyout.rate=0.4", "--set", "horizon=3"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overrides"] == {"risks.buyout.rate": 0.4, "horizon": 3}
    assert summary["horizon"] == 3
    result = runner.invoke(cli, ["compare", str(fatal_file), "--runs", "100", "--workers", "1", "--format", "none",
                                 "--out", str(out), "--set", "horizon=2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "compare.json").read_text())["overrides"] == {"horizon": 2}


def test_cli_bad_set_exits_2_writes_nothing(fatal_file, tmp_path):
    out = tmp_path / "out"
    for args in (["--set", "risks.nope.rate=1"], ["--set", "horizon="], ["--set", "risks.buyout.rate=-1"]):
        result = CliRunner().invoke(cli, ["run", str(fatal_file), "--runs", "50", "--out", str(out), *args])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert "--set " in result.output
        assert not out.exists()


def test_footer_names_the_overrides():
    from allysim.wording import Provenance

    text = Provenance.from_summary({"scenario": "JV", "overrides": {"horizon": 7, "risks.a.rate": 0.25}}).text()
    assert "set horizon=7, risks.a.rate=0.25" in text


def test_a_set_distribution_makes_the_parameter_uncertain():
    s = allysim.parse_scenario(FATAL, source="t.yaml",
                               overrides=["risks.buyout.probability={uniform: {low: 0.1, high: 0.3}}"])
    assert list(s.uncertain) == ["risks.buyout.probability"]
    with pytest.raises(ScenarioError, match=r"^--set risks.buyout.probability=\{uniform: \{low: 0.1, high: 1.3\}\}: "
                                            r"its draws reach"):
        allysim.parse_scenario(FATAL, source="t.yaml",
                               overrides=["risks.buyout.probability={uniform: {low: 0.1, high: 1.3}}"])


ENVIRONMENT = FATAL.replace("plans:", """environment:
  initial: calm
  states:
    calm: {}
    storm: {rates: {buyout: 3.0}, value: 0.5}
  transitions:
    calm: {storm: 0.2}
    storm: {calm: 1.0}
plans:""")


def test_environment_paths():
    s = allysim.parse_scenario(ENVIRONMENT, source="env.yaml")
    t = s.with_overrides({"environment.transitions.calm.storm": 0.5, "environment.states.storm.rates.buyout": 4,
                          "environment.states.storm.value": 0.25})
    assert t.overrides == {"environment.transitions.calm.storm": 0.5, "environment.states.storm.rates.buyout": 4,
                           "environment.states.storm.value": 0.25}
    for text, message in (("environment.states.strom.value=1", "no state 'strom' (did you mean 'storm'?)"),
                          ("environment.states.storm.rates.byout=2", "has no risk 'byout'"),
                          ("environment.transitions.calm.storm=-1", "--set environment.transitions.calm.storm=-1: ")):
        with pytest.raises(ScenarioError, match=re.escape(message)):
            s.with_overrides([text])


def test_docs_deciding_lists_every_parameter_path():
    """docs/deciding.md's table of paths is written for readers; it must name every shape of the one table."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "deciding.md").read_text(encoding="utf-8")
    missing = [s.pattern for s in SHAPES
               if f"`{s.pattern}`" not in text and f"`.{'.'.join(s.parts[3:])}`" not in text]
    assert missing == []


SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_label_has_no_capital_after_its_first_word_but_the_users_own_names(path: Path) -> None:
    """A parameter's label reads inside a sentence: a capital after its first word belongs to a name the user
    capitalised inside a name (an acronym, a partner), never to a sentence-like name's first word ('rate per month
    of A partner withdraws'); a name that is a proper noun is quoted whole ('share of Northwind (parent)')."""
    s = allysim.load_scenario(path)
    inner = {w for x in (*s.risks, *s.contingencies, *s.partners, s)
             for w in re.findall(r"[^\W\d_][\w']*", str(getattr(x, "label", None) or x.name))[1:]}
    paths = ([f"risks.{r.id}.rate" for r in s.risks] + [f"contingencies.{c.id}.success" for c in s.contingencies]
             + [f"partners.{q.id}.share" for q in s.partners])
    for text in paths:
        label = ParameterPath.parse(text).label(s)
        for word in re.findall(r"[^\W\d_][\w']*", label)[1:]:
            assert not word[:1].isupper() or (len(word) > 1 and word.isupper()) or word in inner or word in [
                q.label.split()[0] for q in s.partners if len(q.label.split()) == 1
                or q.label.split()[1].startswith("(")], (text, label)
    for q in s.partners:
        if len(q.label.split()) == 1 or q.label.split()[1].startswith("("):  # "Northwind (parent)": a name
            assert ParameterPath.parse(f"partners.{q.id}.share").label(s) == f"share of {q.label}"
