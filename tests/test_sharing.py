"""Path sharing: variants derived from a shared path are the very bits an exhaustive simulation gives.

The reference is ``exhaustive=True`` (every variant simulated in full). Shared and exhaustive runs are compared array
by array and study by study (the JSON, bit for bit, except the ``sharing`` block that says how each was made), over
hypothesis-generated scenarios using every trigger kind, delays, caps, rescues and cascades, and over hand-written
scenarios where the number of derived replications is known exactly.
"""

from __future__ import annotations

import functools
import json
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, note, settings
from hypothesis import strategies as st
from test_properties import EVENT_BUDGET, SETTINGS, SOURCE, dump, scenarios

import allysim
from allysim import SimulationError, Variant, studies
from allysim.cli import cli
from allysim.engine import CompiledPlan
from allysim.streams import sources

FIELDS = ("lifetime", "cause", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience",
          "occurrences", "activations", "successes", "costs", "health_hist", "env_time", "env_state", "env_hist")


def variants_of(scenario: allysim.Scenario) -> dict[str, Variant]:
    """Every subset of contingencies; every plan without each risk; subsets without a risk: mixed sharing."""
    ids = tuple(c.id for c in scenario.contingencies)
    out = {f"set {','.join(s)}": Variant(s) for k in range(len(ids) + 1) for s in combinations(ids, k)}
    for r in scenario.risks:
        out[f"all without {r.id}"] = Variant(ids, removed_risks=(r.id,))
        out[f"none without {r.id}"] = Variant((), removed_risks=(r.id,))
    if len(scenario.risks) > 1:
        out["first without two"] = Variant(ids[:1], removed_risks=tuple(r.id for r in scenario.risks[:2]))
    return out


def assert_identical(shared: allysim.Results, exhaustive: allysim.Results) -> None:
    assert shared.plans.keys() == exhaustive.plans.keys()
    for name, p in shared.plans.items():
        q = exhaustive.plans[name]
        for field in FIELDS:
            a, b = getattr(p, field), getattr(q, field)
            assert a.dtype == b.dtype and a.shape == b.shape, (name, field)
            # bit for bit: compare the raw bytes, so that -0.0 != 0.0 and NaN == NaN would both show
            assert a.tobytes() == b.tobytes(), (name, field)


def without_sharing(data: dict) -> str:
    return json.dumps({k: v for k, v in data.items() if k != "sharing"}, sort_keys=True)


def both(run, *args, **kwargs):  # noqa: ANN001, ANN201
    """Run a simulation or study shared and exhaustive; None when a storm stopped both (never just one)."""
    outcomes = []
    for exhaustive in (False, True):
        try:
            outcomes.append(run(*args, exhaustive=exhaustive, **kwargs))
        except SimulationError as exc:
            outcomes.append(exc)
    errors = [isinstance(o, SimulationError) for o in outcomes]
    if any(errors):
        # the runaway guard counts the simulated variants' events: a storm stops the exhaustive run, and the
        # shared run too unless every stormy replication was derived (then it is within the budget's margin)
        note(f"storm: {outcomes}")
        return None
    return outcomes


@settings(max_examples=60, **SETTINGS)
@given(doc=scenarios(), seed=st.integers(0, 2**32))
def test_shared_variants_are_bit_for_bit_the_exhaustive_ones(doc, seed):
    text = dump(doc)
    note(text)
    scenario = allysim.parse_scenario(text, source=SOURCE)
    pair = both(allysim.simulate_variants, scenario, variants_of(scenario), runs=12, seed=seed,
                event_budget=EVENT_BUDGET)
    if pair is None:
        return
    shared, exhaustive = pair
    assert_identical(shared, exhaustive)
    s = shared.sharing()
    assert s["simulated"] + s["derived"] == s["replications"] == 12 * s["variants"]
    assert exhaustive.sharing()["derived"] == 0


@settings(max_examples=25, **SETTINGS)
@given(doc=scenarios(), seed=st.integers(0, 2**32))
def test_studies_write_the_same_json_shared_or_exhaustive(doc, seed, monkeypatch_module):
    text = dump(doc)
    note(text)
    scenario = allysim.parse_scenario(text, source=SOURCE)
    plans = list(scenario.plan_sets)
    cases = [(studies.risk_drivers, {})]
    if any(scenario.plan_sets.values()):
        cases.append((studies.contingency_values, {}))
    if len(plans) > 1:
        cases.append((studies.compare, {}))
    for study, options in cases:
        pair = both(study, scenario, runs=10, seed=seed, **options)
        if pair is None:
            continue
        shared, exhaustive = (s.to_dict() for s in pair)
        assert without_sharing(shared) == without_sharing(exhaustive), study.__name__
        assert exhaustive["sharing"]["derived"] == 0 and exhaustive["sharing"]["exhaustive"] is True


@st.composite
def uncertain_scenarios(draw) -> dict:
    """A generated scenario with some of its parameters uncertain (SPEC section 8): drawn once per replication,
    shared by every variant, read by shadows too."""
    doc = draw(scenarios())
    ranged = lambda lo, hi: {"uniform": {"low": lo, "high": hi}}  # noqa: E731
    for risk in doc["risks"]:
        if "rate" in risk and draw(st.booleans()):
            risk["rate"] = ranged(risk["rate"] * 0.5, risk["rate"] * 1.5)
        if risk.get("impact", {}).get("fatal") and draw(st.booleans()):
            risk["impact"]["fatal"] = ranged(0.0, risk["impact"]["fatal"])
    for c in doc.get("contingencies", []):
        if draw(st.booleans()):
            c["success"] = ranged(0.1, 0.9)
        if draw(st.booleans()):
            c["cost"] = {"setup": ranged(0, 2), "per_time": ranged(0, 1), "per_activation": ranged(0, 1)}
        if "health_below" in c["trigger"] and draw(st.booleans()):
            c["trigger"]["health_below"] = ranged(0.2, 0.9)
        if "restore_health" in c["effect"] and draw(st.booleans()):
            c["effect"]["restore_health"] = ranged(0.0, 0.5)
    return doc


@settings(max_examples=30, **SETTINGS)
@given(doc=uncertain_scenarios(), seed=st.integers(0, 2**32))
def test_sharing_is_exact_with_uncertain_parameters_and_pins(doc, seed):
    text = dump(doc)
    note(text)
    scenario = allysim.parse_scenario(text, source=SOURCE)
    variants = variants_of(scenario)
    ids = tuple(c.id for c in scenario.contingencies)
    for path in list(scenario.uncertain)[:2]:  # pinned worlds, as a sensitivity study makes them
        for q in (0.1, 0.9):
            variants[f"{path} at {q}"] = Variant(ids, pins=((path, q),))
            variants[f"{path} at {q}, none"] = Variant((), pins=((path, q),))
    pair = both(allysim.simulate_variants, scenario, variants, runs=10, seed=seed, event_budget=EVENT_BUDGET)
    if pair is not None:
        assert_identical(*pair)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Studies simulate with the property tests' small event budget, so that storms stop quickly."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(studies, "simulate_variants",
                   functools.partial(allysim.simulate_variants, event_budget=EVENT_BUDGET))
        yield


# --------------------------------------------------------------------------- what is derived, exactly


IDLE = """\
allysim: 1
name: Idle contingencies
horizon: 5
alliance: {value_rate: 10, health: {recovery: 0.5}}
risks:
  - {id: shock, rate: 0.6, impact: {health: 0.3, cost: 1}}
  - {id: never, rate: 0, impact: {fatal: 1}}
  - {id: drag, rate: 0.4, impact: {health: 0.1, value: {factor: 0.5, duration: 1}}}
contingencies:
  - {id: on_never, trigger: {on: never}, effect: {reduce_impact: 0.5}, cost: {setup: 1, per_time: 0.2}}
  - {id: hopeless, trigger: {on: shock}, success: 0, effect: {reduce_impact: 0.9}, cost: {per_activation: 0.3}}
  - {id: late, trigger: {health_below: 0.5}, success: 0, delay: 0.2, effect: {restore_health: 0.5},
     cost: {per_activation: 0.1, per_time: 0.05}}
  - {id: works, trigger: {on: shock}, success: 1, effect: {restore_health: 0.1}, cost: {per_activation: 0.2}}
plans:
  none: []
  all: all
"""


def test_contingencies_that_never_act_are_derived_in_every_replication():
    # on_never never activates, hopeless and late always fail: every subset has the path of its 'works' part,
    # so each replication simulates two paths (with and without works) when shock occurs, one otherwise
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    pair = [studies.contingency_values(scenario, runs=200, seed=5, exhaustive=e) for e in (False, True)]
    shared, exhaustive = (s.to_dict() for s in pair)
    assert without_sharing(shared) == without_sharing(exhaustive)
    shock = pair[1].results.plans["{on_never,hopeless,late,works}"].occurrences[:, 0] > 0
    assert shared["sharing"] == {"variants": 16, "replications": 3200,
                                 "simulated": 200 + int(np.count_nonzero(shock)),
                                 "derived": 3200 - 200 - int(np.count_nonzero(shock)), "exhaustive": False}
    # contingencies that never act change nothing but their costs: they lose exactly what they cost
    c = shared["contingencies"]
    for cid in ("on_never", "hopeless", "late"):
        assert c[cid]["npv"]["mean"] == pytest.approx(-c[cid]["cost"], rel=1e-12) and c[cid]["cost"] > 0
        assert c[cid]["survival"]["mean"] == 0 and c[cid]["shapley_survival"] == 0


def test_risks_that_never_occur_are_derived():
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    pair = [studies.risk_drivers(scenario, plan="all", runs=300, seed=2, exhaustive=e) for e in (False, True)]
    shared = pair[0].to_dict()
    assert without_sharing(shared) == without_sharing(pair[1].to_dict())
    base = pair[1].results.plans["all"]
    occurred = int(np.count_nonzero(base.occurrences[:, 0])) + int(np.count_nonzero(base.occurrences[:, 2]))
    # the base plan is simulated in every replication; 'without r' only where r occurred
    assert shared["sharing"]["simulated"] == 300 + occurred
    assert shared["risks"]["never"]["npv"] == {"mean": 0.0, "ci95": [0.0, 0.0], "verdict": "tied"}  # an exact tie


def test_sharing_does_not_depend_on_workers():
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    variants = variants_of(scenario)
    one = allysim.simulate_variants(scenario, variants, runs=300, seed=9, workers=1)
    two = allysim.simulate_variants(scenario, variants, runs=300, seed=9, workers=2)
    assert_identical(one, two)
    assert one.sharing() == two.sharing()


def test_each_distinct_path_is_kept_once_and_variants_are_derived_when_read():
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    results = allysim.simulate_variants(scenario, variants_of(scenario), runs=300, seed=9, workers=1,
                                        health_bands=False)
    plans = list(results.plans.values())
    tables = {id(p._table) for p in plans}
    assert len(tables) == 1  # one table of simulated paths for every variant
    assert len(plans[0]._table) == results.sharing()["simulated"]  # a row per simulated path, none per variant
    p = results.plans["set works"]
    assert "occurrences" not in vars(p) and "npv" not in vars(p)
    p.npv  # noqa: B018 - reading one array gathers what it needs, and nothing else
    assert set(vars(p)) & set(FIELDS) == {"npv", "health_hist", "env_hist"}  # the histograms come whole


def test_a_shared_simulation_resumes_from_its_checkpoint_to_the_same_bits(tmp_path):
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    variants = variants_of(scenario)
    options = dict(runs=300, seed=9, workers=1, checkpoint=tmp_path / "cp", keep_checkpoint=True, checkpoint_after=0)
    first = allysim.simulate_variants(scenario, variants, **options)
    resumed = allysim.simulate_variants(scenario, variants, resume=True, **options)  # every chunk read back
    assert_identical(first, resumed)
    assert first.sharing() == resumed.sharing()


def test_a_shadow_leaves_the_path_unchanged_and_counts_its_own_costs():
    scenario = allysim.parse_scenario(IDLE, source="idle.yaml")
    layout = sources(scenario)
    plain = CompiledPlan(scenario, ("works",), layout=layout)
    shadowed = CompiledPlan(scenario, ("works",), layout=layout, shadows=True)
    everything = CompiledPlan(scenario, ("on_never", "hopeless", "late", "works"), layout=layout)
    for rep in range(50):
        a, b, c = plain.run(3, rep), shadowed.run(3, rep), everything.run(3, rep)
        for field in ("lifetime", "cause", "npv", "value", "risk_cost", "min_health", "resilience", "occurrences",
                      "activations", "successes", "costs", "health"):
            assert getattr(a, field) == getattr(b, field), field
        assert b.shadow_worked == [False] * 4
        # the shadows' activations and costs are what the contingencies cost when in the plan
        assert b.shadow_activations[:3] == c.activations[:3] and b.shadow_costs[:3] == c.costs[:3]
        assert b.shadow_costs[3] == 0.0 and a.shadow_costs is None


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("command", ["value", "drivers", "compare"])
def test_exhaustive_flag_gives_the_same_json_and_the_closing_line_says_what_was_shared(tmp_path, command):
    path = tmp_path / "idle.yaml"
    path.write_text(IDLE)
    outputs = []
    for flag in ([], ["--exhaustive"]):
        out = tmp_path / ("ex" if flag else "sh")
        result = CliRunner().invoke(cli, [command, str(path), "--runs", "100", "--seed", "4", "--workers", "1",
                                          "--format", "none", "--out", str(out), *flag])
        assert result.exit_code == 0, result.output
        last = result.output.strip().splitlines()[-1]
        if flag:
            assert re.fullmatch(r"sharing: all [\d,]+ replications simulated \(--exhaustive\)", last), last
        else:
            assert re.fullmatch(r"sharing: [\d,]+ of [\d,]+ replications simulated, [\d,]+ \(\d+%\) derived from "
                                r"identical paths", last), last
        outputs.append(json.loads((out / f"{command}.json").read_text()))
    assert without_sharing(outputs[0]) == without_sharing(outputs[1])
    assert outputs[0]["sharing"]["derived"] > 0


def test_sharing_is_exact_with_a_shared_environment():
    # the flagship has an economic cycle: every variant lives in the same environment history, except those that
    # hold it in its initial state, which share paths only among themselves
    root = Path(__file__).resolve().parents[1]
    scenario = allysim.load_scenario(root / "scenarios" / "joint_venture.yaml")
    assert scenario.environment is not None
    variants = variants_of(scenario)
    ids = tuple(c.id for c in scenario.contingencies)
    variants["all, environment held"] = Variant(ids, hold_environment=True)
    variants["none, environment held"] = Variant((), hold_environment=True)
    variants["none, environment held, without first risk"] = Variant((), removed_risks=(scenario.risks[0].id,),
                                                                     hold_environment=True)
    shared, exhaustive = (allysim.simulate_variants(scenario, variants, runs=40, seed=8, exhaustive=e)
                          for e in (False, True))
    assert_identical(shared, exhaustive)
    assert shared.sharing()["derived"] > 0
