"""The compiled parts of a plan (allysim.compiled): what CompiledPlan builds from a scenario and the event loop
reads. Each public name is checked against the scenario it was compiled from, the streams it reads, and the setters
of uncertain parameters that write into it."""

from __future__ import annotations

import math

import pytest

from allysim.compiled import ContingencySpec, EnvironmentSpec, Quantity, RiskSpec
from allysim.engine import CompiledPlan

from conftest import scenario_from_yaml

SCENARIO = """
    allysim: 1
    name: compiled parts
    horizon: 10
    alliance:
      health: {initial: 1.0, dissolve_below: 0.25, recovery: 0.3}
      value_rate: 12
    partners:
      - id: northwind
        share: 0.5
        exit: {rate: 0.04}
      - id: fabrikam
        share: 0.5
        exit: {rate: 0.1}
    risks:
      - id: shock
        rate: 0.3
        max_occurrences: 4
        impact:
          health: 0.2
          cost: {uniform: {low: 0, high: 100}}
          fatal: 0.05
          escalates:
            - {risk: spill, factor: 2, duration: {uniform: {low: 1, high: 3}}}
            - {partner: northwind, factor: 3}
          exit: {fabrikam: 0.4}
      - id: spill
        rate: 0.5
        impact: {cost: 7, value: {factor: 0.9, duration: 2}}
    contingencies:
      - id: guard
        trigger: {on: shock}
        success: 0.8
        max_activations: 3
        effect: {reduce_impact: 0.5, rate_factor: {risk: spill, factor: 0.6, duration: 2}}
        cost: {setup: 1.5, per_time: 0.2, per_activation: 0.4}
      - id: keep
        trigger: {on: exit, partner: northwind}
        effect: {retain: true}
      - id: patch
        trigger: {health_below: 0.6}
        delay: {uniform: {low: 0.5, high: 1}}
        effect: {restore_health: 0.2, rate_factor: {partner: fabrikam, factor: 0.5, duration: 2}}
    plans:
      none: []
      all: [guard, keep, patch]
    environment:
      initial: {calm: 0.7, storm: 0.3}
      states:
        calm: {}
        storm: {rates: {shock: 3}, value: 0.5}
      transitions:
        calm: {storm: 0.2}
        storm: {calm: 0.6}
"""


@pytest.fixture(scope="module")
def model() -> CompiledPlan:
    return CompiledPlan(scenario_from_yaml(SCENARIO), ("guard", "keep", "patch"))


def test_a_random_quantity_is_its_stream_and_inverse_cdf(model: CompiledPlan) -> None:
    cost = model.risks[0].cost
    assert isinstance(cost, Quantity)
    assert cost.source == model.layout.index("shock.cost") >= 0
    assert math.isnan(cost.value)  # drawn per occurrence, never read as a constant
    assert [cost.fn(u) for u in (0.0, 0.25, 0.9)] == pytest.approx([0.0, 25.0, 90.0])  # uniform(0, 100)


def test_a_constant_quantity_reads_no_stream(model: CompiledPlan) -> None:
    cost = model.risks[1].cost
    assert (cost.source, cost.value) == (-1, 7.0)
    assert model.risks[1].health.source == -1 and model.risks[1].health.value == 0.0  # no health impact
    factor, duration = model.risks[1].value
    assert (factor.value, duration.value) == (0.9, 2.0)


def test_a_risk_is_compiled_with_its_indices_cascades_and_contingencies(model: CompiledPlan) -> None:
    shock, spill = model.risks
    assert isinstance(shock, RiskSpec)
    assert (shock.index, shock.id, shock.hazard, shock.cap, shock.fatal) == (0, "shock", 0.3, 4, 0.05)
    assert spill.cap is None and spill.value is not None and shock.value is None
    assert shock.arrivals == model.layout.index("shock.arrivals")
    assert shock.fatal_source == model.layout.find("shock.fatal")
    # escalations by target: a risk's rate (escalates) and a partner's exit hazard (pescalates)
    assert [e[:2] for e in shock.escalates] == [[1, 2.0]]
    assert shock.escalates[0][2].source == model.layout.index("shock.escalates0")
    assert [e[:2] for e in shock.pescalates] == [[0, 3.0]] and shock.pescalates[0][2] is None  # permanent
    assert shock.pulls == [[1, 0.4, model.layout.index("shock.exit.fabrikam")]]
    assert [c.id for c in shock.on_risk] == ["guard"] and spill.on_risk == []


def test_a_removed_risk_has_no_hazard_and_keeps_its_streams() -> None:
    scenario = scenario_from_yaml(SCENARIO)
    kept, removed = CompiledPlan(scenario, ()), CompiledPlan(scenario, (), removed_risks=("shock",))
    assert removed.risks[0].removed and removed.risks[0].hazard == 0.0 and not kept.risks[0].removed
    assert removed.risks[0].arrivals == kept.risks[0].arrivals  # the variant stays paired with the original
    assert removed.risks[1].hazard == kept.risks[1].hazard == 0.5


def test_a_contingency_is_compiled_with_its_trigger_effect_and_cost(model: CompiledPlan) -> None:
    guard, keep, patch = model.contingencies
    assert all(isinstance(c, ContingencySpec) for c in model.contingencies)
    assert (guard.trigger, guard.success, guard.cap, guard.reduce, guard.delayed) == ("risk", 0.8, 3, 0.5, False)
    assert guard.rate_factors == [[1, 0.6, 2.0]] and guard.exit_factors == []
    assert (guard.setup, guard.per_time, guard.per_activation) == (1.5, 0.2, 0.4)
    assert guard.success_source == model.layout.index("guard.success")
    assert (keep.trigger, keep.retain, keep.replace, keep.exit_partner, keep.cap) == ("exit", True, False, 0, math.inf)
    assert (patch.trigger, patch.threshold, patch.restore, patch.delayed) == ("health", 0.6, 0.2, True)
    assert patch.delay.source == model.layout.index("patch.delay") and patch.delay.fn(0.5) == pytest.approx(0.75)
    assert patch.exit_factors == [[1, 0.5, 2.0]] and patch.rate_factors == []
    assert model.retainers == [keep] and model.watchers == [patch] and not any(c.shadow for c in model.followed)


def test_shadows_follow_the_contingencies_outside_the_plan() -> None:
    shadowed = CompiledPlan(scenario_from_yaml(SCENARIO), ("keep",), shadows=True)
    assert [(c.id, c.shadow) for c in shadowed.followed] == [("guard", True), ("keep", False), ("patch", True)]
    assert [c.id for c in shadowed.contingencies] == ["keep"]


def test_the_environment_is_compiled_by_index_and_its_setters_write_where_the_loop_reads(
        model: CompiledPlan) -> None:
    env = model.environment
    assert isinstance(env, EnvironmentSpec)
    assert (env.names, env.start, env.shares) == (("calm", "storm"), -1, [0.7, 0.3])  # -1: drawn from the shares
    assert env.exits == [[[1, 0.2]], [[0, 0.6]]] and env.leave == [0.2, 0.6]
    assert env.rates == [[1.0, 1.0], [3.0, 1.0]] and env.value == [1.0, 0.5] and not env.hold
    env.transition_setter("calm", "storm")(0.5)
    assert env.exits[0] == [[1, 0.5]] and env.leave[0] == 0.5  # the total exit rate follows
    env.multiplier_setter("storm", "spill")(2.5)
    assert env.rates[1] == [3.0, 2.5]
    env.value_setter("calm")(1.25)
    assert env.value == [1.25, 0.5]


def test_the_uncertain_setters_write_into_the_compiled_parts() -> None:
    scenario = scenario_from_yaml(SCENARIO.replace("rate: 0.3\n", "rate: {uniform: {low: 0.1, high: 0.5}}\n")
                                  .replace("{risk: spill, factor: 0.6, duration: 2}",
                                           "{risk: spill, factor: {uniform: {low: 0.4, high: 0.8}}, duration: 2}"))
    model = CompiledPlan(scenario, ("guard",))
    paths = [str(p) for p in scenario.uncertain]
    assert len(paths) == 2 and len(model.setters) == 2
    values = {"risks.shock.rate": 0.45, "contingencies.guard.effect.rate_factor.0.factor": 0.7}
    for path, setter in zip(paths, model.setters):
        setter(values[path])
    assert model.risks[0].hazard == 0.45
    assert model.contingencies[0].rate_factors == [[1, 0.7, 2.0]]
