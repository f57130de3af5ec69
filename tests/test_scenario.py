"""Scenario loading: every rule of SPEC section 7 refuses bad input with one located line."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import allysim
from allysim.errors import ScenarioError
from allysim.scenario import json_schema, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "tests" / "data" / "perf.yaml"

BASE = """\
allysim: 1
name: Test alliance
time_unit: year
horizon: 10
discount_rate: 0.08
alliance:
  health: {initial: 1.0, dissolve_below: 0.25, recovery: 0.3}
  value_rate: 12
risks:
  - id: shift
    rate: 0.15
    impact:
      health: {triangular: {low: 0.1, likely: 0.2, high: 0.45}}
      cost: {lognormal: {median: 1.5, p90: 5}}
      fatal: 0.05
      escalates:
        - {risk: exit, factor: 2.0, duration: 1.0}
  - id: exit
    probability: 0.1
    impact: {fatal: 1.0}
contingencies:
  - id: protocol
    trigger: {on: shift}
    success: 0.8
    effect: {reduce_impact: 0.5}
    cost: {setup: 0.3, per_activation: 0.2}
  - id: committee
    trigger: {health_below: 0.5}
    delay: {uniform: {low: 0.05, high: 0.25}}
    effect: {restore_health: 0.2, rate_factor: {risk: shift, factor: 0.5, duration: 2}}
    cost: {per_time: 0.2}
  - id: renegotiation
    trigger: {on: dissolution}
    success: 0.4
    max_activations: 1
    effect: {rescue_health: 0.5}
plans:
  do_nothing: []
  governance: [protocol]
  full: all
"""

LOCATED = re.compile(r"^t\.yaml:\d+:\d+: ")


def refused(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="t.yaml")
    for line in info.value.problems:
        assert LOCATED.match(line), line
        assert "Traceback" not in line
    return info.value.problems


def test_base_scenario_is_valid():
    s = parse_scenario(BASE, source="t.yaml")
    assert s.plan_sets == {"do_nothing": (), "governance": ("protocol",),
                           "full": ("protocol", "committee", "renegotiation")}
    assert s.risk("exit").constant_hazard == pytest.approx(-math.log(0.9))
    assert s.discount_per_time == pytest.approx(math.log(1.08))
    assert len(s.sha256) == 64


def test_defaults_follow_the_spec():
    s = parse_scenario("allysim: 1\nname: x\nhorizon: 5\nrisks: [{id: a, rate: 1}]\n")
    assert s.time_unit == "year" and s.discount_rate == 0 and s.runs == 10_000 and s.seed is None
    assert s.alliance.health.initial == 1 and s.alliance.health.dissolve_below == 0.2
    assert s.alliance.health.recovery == 0 and s.alliance.value_rate == 0
    assert s.plan_sets == {"default": ()}
    assert s.risks[0].impact.fatal == 0 and s.risks[0].name == "" and s.risks[0].label == "a"


def test_example_scenarios_are_valid():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = allysim.load_scenario(path)
        assert len(s.risks) >= 6 and len(s.contingencies) >= 3 and len(s.plan_sets) >= 3, path.name
        kinds = {c.trigger.kind for c in s.contingencies}
        assert {"risk", "dissolution", "health"} <= kinds <= {"risk", "dissolution", "health", "exit"}, path.name


def test_units_convert_to_the_time_unit_and_money():
    text = BASE.replace("horizon: 10", "horizon: 18 months").replace(
        "delay: {uniform: {low: 0.05, high: 0.25}}", "delay: {uniform: {low: 0 days, high: 6 months}}").replace(
        "cost: {setup: 0.3, per_activation: 0.2}", "cost: {setup: 2.5M, per_activation: 300k}")
    s = parse_scenario(text)
    assert s.horizon == pytest.approx(1.5)
    assert s.contingency("committee").delay.high == pytest.approx(0.5)
    assert s.contingency("protocol").cost.setup == 2.5e6
    assert s.contingency("protocol").cost.per_activation == 3e5
    monthly = parse_scenario(text.replace("time_unit: year", "time_unit: month"))
    assert monthly.horizon == pytest.approx(18)
    assert monthly.discount_per_time == pytest.approx(math.log(1.08) / 12)


def test_yaml_12_numbers_and_keys():
    s = parse_scenario(BASE.replace("rate: 0.15", "rate: 15e-2"))  # PyYAML alone reads 15e-2 as text
    assert s.risks[0].rate == pytest.approx(0.15)
    assert s.contingencies[0].trigger.on == "shift"  # `on` stays a key, not YAML 1.1's True


@pytest.mark.parametrize("old, new, expected", [
    # syntax
    ("horizon: 10", "horizon: [10", "not valid YAML"),
    ("  - id: exit\n", "  - id: exit\n   bad indent: 1\n", "not valid YAML"),
    # missing required keys
    ("horizon: 10\n", "", "missing required key 'horizon'"),
    ("name: Test alliance\n", "", "missing required key 'name'"),
    ("    trigger: {on: shift}\n", "", "missing required key 'trigger'"),
    # unknown keys, with a suggestion
    ("    rate: 0.15", "    rat: 0.15", "unknown key 'rat' (did you mean 'rate'?)"),
    ("discount_rate: 0.08", "discount_rate: 0.08\nhorizn: 3", "unknown key 'horizn'"),
    ("effect: {reduce_impact: 0.5}", "effect: {reduce_impact: 0.5, boost: 1}", "unknown key 'boost'"),
    # wrong types
    ("    rate: 0.15", "    rate: fast", "expected a number, got 'fast'"),
    ("    rate: 0.15", "    rate: true", "expected a number, got true"),
    ("horizon: 10", "horizon: [1, 2]", "expected a number"),
    ("  full: all", "  full: everything", "plans.full"),
    ("max_activations: 1", "max_activations: 1.5", "expected a whole number"),
    # out of range and non-finite
    ("    rate: 0.15", "    rate: -0.1", "risks[0].rate: must be >= 0, got -0.1"),
    ("    probability: 0.1", "    probability: 1.0", "must be < 1"),
    ("fatal: 0.05", "fatal: 1.5", "must be <= 1"),
    ("    success: 0.8", "    success: -0.2", "must be >= 0"),
    ("horizon: 10", "horizon: 0", "must be > 0"),
    ("dissolve_below: 0.25", "dissolve_below: 1.0", "must be < 1"),
    ("    rate: 0.15", "    rate: .nan", "must be a finite number"),
    ("    rate: 0.15", "    rate: .inf", "must be a finite number"),
    ("allysim: 1", "allysim: 2", "must be 1"),
    ("time_unit: year", "time_unit: fortnight", "must be 'year'"),
    # distributions
    ("low: 0.1, likely: 0.2, high: 0.45", "low: 0.5, likely: 0.2, high: 0.45", "low <= likely <= high"),
    ("median: 1.5, p90: 5", "median: 1.5, p90: 1", "p90 (1) must be > median (1.5)"),
    ("median: 1.5, p90: 5", "median: 1.5", "give either {median, p90} or {mean, sd}"),
    ("{triangular: {low: 0.1", "{triangle: {low: 0.1", "did you mean 'triangular'?"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{uniform: {low: 0.3, high: 0.25}}", "low (0.3) must be <= high"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{uniform: {low: 0.05, high: 0.25}, clip: [1, 0]}", "clip"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{normal: {mean: 0.1, sd: -1}}", "must be >= 0"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{uniform: 0.1}", "expected a mapping of its parameters"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{choice: {values: [1, 2], weights: [1]}}", "weights has 1"),
    ("{uniform: {low: 0.05, high: 0.25}}", "{normal: {mean: 0.1, sd: 0.1}}", "delay must be >= 0"),
    # units
    ("horizon: 10", "horizon: 10 moons", "'10 moons' is not a time"),
    # a near miss gets the likely fix
    ("time_unit: year", "time_unit: quarters", "got 'quarters' (did you mean 'quarter'?)"),
    ("horizon: 10", "horizon: 3 m", "'3 m' is not a time (did you mean '3 months'?)"),
    ("horizon: 10", "horizon: 2 yeras", "(did you mean '2 years'?)"),
    ("discount_rate: 0.08", "discount_rate: 9%", "got '9%' (did you mean 0.09?)"),
    ("    probability: 0.1", "    probability: 12.5 %", "(did you mean 0.125?)"),
    ("cost: {setup: 0.3", "cost: {setup: 3 bananas", "is not an amount of money"),
    ("    rate: 0.15", "    rate: 3 months", "expected a number"),
    # dangling references
    ("trigger: {on: shift}", "trigger: {on: shfit}", "unknown risk (or 'dissolution') 'shfit' (did you mean"),
    ("{risk: exit, factor: 2.0", "{risk: exits, factor: 2.0", "unknown risk 'exits'"),
    ("rate_factor: {risk: shift", "rate_factor: {risk: nobody", "unknown risk 'nobody'"),
    ("governance: [protocol]", "governance: [protocl]", "unknown contingency 'protocl'"),
    ("governance: [protocol]", "governance: [protocol, protocol]", "listed twice"),
    # impossible combinations
    ("    effect: {reduce_impact: 0.5}", "    delay: 1\n    effect: {reduce_impact: 0.5}", "reduce_impact needs"),
    ("trigger: {health_below: 0.5}", "trigger: {health_below: 0.5, on: shift}", "give exactly one of on"),
    ("    probability: 0.1", "    probability: 0.1\n    rate: 0.1", "give exactly one of rate"),
    ("    max_activations: 1\n", "    max_activations: 1\n    delay: 0.5\n", "on: dissolution contingency acts at once"),
    ("effect: {rescue_health: 0.5}", "effect: {rescue_health: 0.1}", "rescue_health 0.1 is below dissolve_below"),
    ("effect: {restore_health: 0.2,", "effect: {rescue_health: 0.5, restore_health: 0.2,", "rescue_health needs"),
    ("initial: 1.0", "initial: 0.1", "initial health 0.1 is below dissolve_below"),
    ("  - id: exit", "  - id: shift", "duplicate id 'shift'"),
    ("  - id: exit", "  - id: survived", "'survived' is reserved"),
    ("  - id: exit", "  - id: Exit", "must be lowercase letters"),
    ("    effect: {reduce_impact: 0.5}", "    effect: {}", "an effect needs at least one"),
    ("  full: all", "  full: all\n  full: []", "duplicate key"),
])
def test_bad_input_is_refused_with_a_located_line(old, new, expected):
    assert old in BASE, old
    problems = refused(BASE.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_location_points_at_the_offending_value():
    problems = refused(BASE.replace("    rate: 0.15", "    rate: -0.1"))
    assert problems == ["t.yaml:11:11: risks[0].rate: must be >= 0, got -0.1"]
    problems = refused(BASE.replace("    rate: 0.15", "    rat: 0.15"))
    assert problems[0].startswith("t.yaml:11:5: risks[0].rat: unknown key 'rat'")


def test_every_problem_is_reported_not_just_the_first():
    text = BASE.replace("    rate: 0.15", "    rate: -1").replace("fatal: 0.05", "fatal: 2")
    assert len(refused(text)) == 2


@pytest.mark.parametrize("text, expected", [
    ("- 1\n- 2\n", "a scenario is a mapping"),
    ("", "a scenario is a mapping"),
    ("a: !!python/object/apply:os.system ['echo pwned']\n", "tag"),
    ("a: !!python/name:os.system\n", "tag"),
    ("a: !custom 1\n", "tag"),
    ("a: 1\n---\nb: 2\n", "several YAML documents"),
    ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than"),
])
def test_hostile_or_foreign_yaml_is_refused(text, expected):
    assert any(expected in p for p in refused(text))


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    assert any("aliases expand too far" in p for p in refused("\n".join(lines) + "\n"))


def test_non_utf8_and_huge_files_are_refused():
    with pytest.raises(ScenarioError, match=r"t\.yaml:1:1: not UTF-8"):
        parse_scenario(b"name: \xff\xfe\n", source="t.yaml")
    with pytest.raises(ScenarioError, match="limited to"):
        parse_scenario(b"# " + b"x" * 3_000_000, source="t.yaml")


def test_missing_file_is_a_located_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file"):
        allysim.load_scenario(tmp_path / "nope.yaml")


def test_json_schema_describes_the_file_format():
    schema = json_schema()
    assert schema["title"].startswith("allysim scenario")
    assert {"allysim", "name", "horizon", "risks"} <= set(schema["required"])
    text = str(schema)
    assert "triangular" in text and "lognormal" in text and "18 months" in text


def test_every_shipped_scenario_conforms_to_the_json_schema():
    from schema_check import schema_problems

    from allysim.scenario.yamlio import load_yaml

    schema = json_schema()
    paths = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "tests" / "data").glob("*.yaml"))
    assert len(paths) >= 4
    for path in paths:
        document, _ = load_yaml(path.read_bytes(), str(path))  # YAML 1.2, as editors read it: 'on' is a key
        assert schema_problems(document, schema) == [], path.name
    # both spellings of a rate factor: one mapping, or a list of them
    document, _ = load_yaml(BASE.encode(), "t.yaml")
    effect = document["contingencies"][0]["effect"]
    effect["rate_factor"] = {"risk": "shift", "factor": 0.5}
    assert schema_problems(document, schema) == []
    effect["rate_factor"] = [{"risk": "shift", "factor": 0.5, "duration": "18 months"}]
    assert schema_problems(document, schema) == []
    # and the check can fail: what the loader refuses, the schema refuses too
    for key, value in (("horizon", [1]), ("time_unit", "quarters"), ("colour", "red")):
        broken = {**document, key: value}
        assert schema_problems(broken, schema), key
    effect["rate_factor"] = {"risk": "shift"}
    assert schema_problems(document, schema)


def test_bench_scenario_is_valid():
    s = allysim.load_scenario(BENCH)
    assert len(s.risks) == 8 and set(s.plan_sets) == {"do_nothing", "full"}
