"""Copies of a path where another variant parts from it are the very bits a simulation of that variant gives.

With candidate partners, a path is copied where a variant still to stand for parts from it: at a candidate's first
attempt to leave (its own exit, or pulled by a risk), the line-up without it; at a contingency's first success, the
plan with it flipped (on a risk, on crossing a health threshold, or the first action of a delayed one). The copy
goes on as that variant's path (allysim.lineups, allysim.life.Life.copy). These tests hold a copy to the life it was
made from, and every kind of copy to ``exhaustive=True``.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from test_partners_sharing import CHOOSING, assert_identical

import allysim
from allysim import Variant, life, lineups, membership
from allysim.engine import CompiledPlan
from allysim.outcome import Outcome
from allysim.streams import Streams

from conftest import scenario_from_yaml

SEED = 20261207

# CHOOSING, with a contingency on a risk that reduces its impact, a delayed one on a health threshold, a risk that
# cuts value for a while and a scheduled review on health: every kind of pending event and every place a copy is
# made
FORKING = CHOOSING.replace("""      - id: rescue
        trigger: {on: dissolution}""", """      - id: brace
        trigger: {on: shift}
        success: 0.7
        effect: {reduce_impact: 0.5}
        cost: {per_activation: 0.2}
      - id: mend
        trigger: {health_below: 0.45}
        delay: 0.25
        effect: {restore_health: 0.2}
        cost: {per_activation: 0.4}
      - id: audit
        trigger: {review: {every: 1.5}, if: {health_below: 0.7}}
        effect: {restore_health: 0.1}
      - id: rescue
        trigger: {on: dissolution}""").replace("""      - id: dispute
        probability: 0.2""", """      - id: slump
        rate: 0.3
        impact: {health: 0.05, value: {factor: 0.7, duration: 0.5}}
      - id: dispute
        probability: 0.2""")


def outcome_fields(o: Outcome) -> dict:
    record = o.lineup
    fields = {name: getattr(o, name) for name in o.__dataclass_fields__ if name != "lineup"}
    fields["health"] = list(fields["health"])
    if record is not None:  # the copy's endings start after the copy: the record up to the end is compared
        fields["record"] = (record.lineup, record.left, record.checks, record.stretches[:record.size],
                            record.ghost_costs)
    return fields


@pytest.mark.parametrize("plan", [("alpha", "beta", "retain", "calm", "brace", "mend", "audit"),
                                  ("gamma", "backfill", "rescue"), ()])
def test_a_copy_lives_the_path_of_the_life_it_was_made_from(plan: tuple[str, ...]):
    s = scenario_from_yaml(FORKING)
    model = CompiledPlan(s, s.ordered(plan), shadows=True)
    assert model.life is lineups.RecordingLife
    copied = 0
    for rep in range(40):
        for steps in (0, 1, 4, 9, 15):
            one = model.life(model, Streams(model.layout, SEED, rep), rep)
            one.begin()
            for _ in range(steps):
                if not one.env._queue:
                    break
                one.env.step()
            two = one.copy(model)
            copied += bool(one.env._queue)
            assert outcome_fields(two.conclude()) == outcome_fields(one.conclude()), (rep, steps)
    assert copied > 100


ONE_BODY = """
    allysim: 1
    name: one body
    horizon: 8
    discount_rate: 0.06
    alliance:
      health: {initial: 0.95, dissolve_below: 0.25, recovery: 0.35}
      value_rate: {uniform: {low: 8, high: 12}}
    risks:
      - id: shift
        rate: 0.6
        impact:
          health: {triangular: {low: 0.05, likely: 0.15, high: 0.35}}
          escalates: [{risk: dispute, factor: 2, duration: 1}]
      - id: slump
        rate: 0.3
        impact: {health: 0.05, value: {factor: 0.7, duration: 0.5}}
      - id: dispute
        probability: 0.2
        impact: {health: {uniform: {low: 0.1, high: 0.3}}, fatal: 0.05}
    contingencies:
      - id: brace
        trigger: {on: shift}
        success: 0.7
        effect: {reduce_impact: 0.5}
      - id: mend
        trigger: {health_below: 0.45}
        delay: 0.25
        effect: {restore_health: 0.2}
      - id: audit
        trigger: {review: {every: 1.5}, if: {health_below: 0.7}}
        effect: {restore_health: 0.1}
    environment:
      initial: calm
      states:
        calm: {}
        storm: {rates: {shift: 2}, value: 0.8}
      transitions: {calm: {storm: 0.3}, storm: {calm: 1.0}}
    """


def test_a_copy_of_a_life_without_partners_lives_its_path():
    s = scenario_from_yaml(ONE_BODY)
    model = CompiledPlan(s, ("brace", "mend", "audit"))
    assert model.life is life.Life
    for rep in range(40):
        for steps in (1, 3, 7, 12):
            one = model.life(model, Streams(model.layout, SEED, rep), rep)
            one.begin()
            for _ in range(steps):
                if one.env._queue:
                    one.env.step()
            two = one.copy(model)
            assert outcome_fields(two.conclude()) == outcome_fields(one.conclude()), (rep, steps)


def test_every_kind_of_copy_gives_the_exhaustive_bits(monkeypatch: pytest.MonkeyPatch):
    s = scenario_from_yaml(FORKING)
    made: dict[str, int] = {}

    def counted(name: str, kind=None):  # noqa: ANN001, ANN202
        method = getattr(lineups.RecordingLife, name)

        def wrapper(self, *args):  # noqa: ANN001, ANN202
            before = len(self.forks.pending)
            method(self, *args)
            label = kind(args) if kind else name
            made[label] = made.get(label, 0) + len(self.forks.pending) - before
        return wrapper

    monkeypatch.setattr(lineups.RecordingLife, "fork_pulled", counted("fork_pulled"))
    monkeypatch.setattr(lineups.RecordingLife, "fork_delayed", counted("fork_delayed"))
    monkeypatch.setattr(lineups.RecordingLife, "fork_triggered", counted(
        "fork_triggered", lambda args: "on a risk" if args[2] is not None else "on a threshold"))
    monkeypatch.setattr(lineups.RecordingLife, "fork_worked", counted(
        "fork_worked", lambda args: args[1][0] + (" pulled" if args[1][0] != "rescue" and args[1][5] else "")))
    own = counted("fork", lambda args: "pulled" if args[1] is not None else "own exit")
    monkeypatch.setattr(membership.PartneredLife, "fork", own)
    monkeypatch.setattr(lineups.RecordingLife, "fork", own)
    ids = s.choice_ids
    variants = {",".join(c) or "-": Variant(c) for k in range(len(ids) + 1) for c in combinations(ids, k)
                if len(c) <= 5 or len(c) >= len(ids) - 1}
    variants["founder steady"] = Variant(("alpha", "retain", "brace"), removed_risks=("founder",))
    variants["held"] = Variant(("alpha", "gamma", "mend"), hold_environment=True)
    runs = 60
    shared = allysim.simulate_variants(s, variants, runs=runs, seed=SEED, workers=1)
    exhaustive = allysim.simulate_variants(s, variants, runs=runs, seed=SEED, workers=1, exhaustive=True)
    assert_identical(shared, exhaustive)
    for kind in ("own exit", "pulled", "on a risk", "on a threshold", "fork_delayed", "retain", "retain pulled",
                 "follow", "rescue"):
        assert made.get(kind, 0) > 0, (kind, made)
    simulated = shared.sharing()["simulated"]
    assert simulated < 0.5 * len(variants) * runs


def test_a_copy_carries_every_slot_of_a_state_but_its_pending_events():
    s = scenario_from_yaml(FORKING)
    model = CompiledPlan(s, ("alpha",), shadows=True)
    one = model.life(model, Streams(model.layout, SEED, 0), 0)
    for state in (one.states[0], one.pstates[2], one.value_factor):
        names = [name for cls in type(state).__mro__ for name in getattr(cls, "__slots__", ())]
        for k, name in enumerate(names):
            setattr(state, name, ("value", k) if name not in ("nonzero", "zeros") else k + 0.5)
        copy = state.copy()
        for name in names:
            expected = None if name == "pending" else getattr(state, name)
            assert getattr(copy, name) == expected, (type(state).__name__, name)
