"""The compiled parts of a plan: what the event loop of one replication reads on its hot path.

:class:`allysim.engine.CompiledPlan` builds them from a validated scenario; :class:`allysim.life.Life` (and
:class:`allysim.membership.PartneredLife`) read them. Each random quantity is its stream's index and inverse CDF
(:class:`Quantity`); each risk, contingency and the environment is a plain object of numbers and indices
(:class:`RiskSpec`, :class:`ContingencySpec`, :class:`EnvironmentSpec`), mutable where an uncertain parameter is set
per replication.
"""

from __future__ import annotations

import math
from typing import Callable, Protocol

from .errors import SimulationError
from .scenario import Contingency, Environment, Scenario
from .streams import Layout

__all__ = ["Quantity", "RiskSpec", "ContingencySpec", "EnvironmentSpec", "Compiling"]


class Compiling(Protocol):
    """What the compiled parts read of the plan being compiled (:class:`allysim.engine.CompiledPlan`): the scenario,
    its streams' layout, and the risks' and partners' indices."""

    scenario: Scenario
    layout: Layout
    risk_index: dict[str, int]
    partner_index: dict[str, int]


class Quantity:
    """A compiled random quantity: its stream (a layout index, -1 for a constant) and inverse CDF."""

    __slots__ = ("source", "fn", "value")

    def __init__(self, dist, lo: float, hi: float, layout: Layout, source: str) -> None:  # noqa: ANN001
        self.fn = dist.sampler(lo, hi)
        self.source = -1 if dist.is_constant else layout.index(source)
        self.value = self.fn(0.5) if dist.is_constant else math.nan


class RiskSpec:
    """A risk compiled for fast simulation: quantities, stream indices and the contingencies it triggers."""

    def __init__(self, model: Compiling, index: int, scenario: Scenario, removed: bool) -> None:
        risk = scenario.risks[index]
        impact, layout, rid = risk.impact, model.layout, risk.id
        self.index, self.id = index, rid
        self.removed = removed
        # a hazard by age (SPEC section 13) is the engine's own copy of the curve, its parameters set per
        # replication when uncertain; the constant rate then stands at 1, a scale of the curve (0 when removed)
        self.curve = None if risk.hazard is None else risk.hazard.curve()
        constant = risk.constant_hazard
        self.hazard = 0.0 if removed else (1.0 if constant is None else constant)
        self.cap = risk.max_occurrences
        self.arrivals = layout.index(f"{rid}.arrivals")
        self.health = Quantity(impact.health, 0.0, 1.0, layout, f"{rid}.health")
        self.cost = Quantity(impact.cost, 0.0, math.inf, layout, f"{rid}.cost")
        self.fatal = impact.fatal
        self.fatal_source = layout.find(f"{rid}.fatal")
        self.value = None
        if impact.value is not None:
            self.value = (Quantity(impact.value.factor, 0.0, 1.0, layout, f"{rid}.value_factor"),
                          Quantity(impact.value.duration, 0.0, math.inf, layout, f"{rid}.value_duration"))
        # [target, factor, duration]: a risk's rate (escalates) or a partner's exit hazard (pescalates); by file
        # index in escalation_entries, for the setters of uncertain factors
        self.escalation_entries = [[model.risk_index[e.risk] if e.risk is not None else model.partner_index[e.partner],
                                    e.factor, None if e.duration is None else
                                    Quantity(e.duration, 0.0, math.inf, layout, f"{rid}.escalates{j}")]
                                   for j, e in enumerate(impact.escalates)]
        self.escalates = [x for x, e in zip(self.escalation_entries, impact.escalates) if e.risk is not None]
        self.pescalates = [x for x, e in zip(self.escalation_entries, impact.escalates) if e.partner is not None]
        # [partner, probability, stream]: partners an occurrence makes leave (SPEC 12), drawn with fatal
        self.pulls = [[model.partner_index[pid], q, layout.index(f"{rid}.exit.{pid}")]
                      for pid, q in impact.exit.items()]
        self.partner_index = model.partner_index
        self.on_risk: list[ContingencySpec] = []


class ContingencySpec:
    def __init__(self, model: Compiling, index: int, c: Contingency, shadow: bool = False) -> None:
        layout = model.layout
        self.index, self.id = index, c.id
        self.shadow = shadow  # not in the plan: activations are counted and successes drawn, it never acts
        self.trigger = c.trigger.kind
        self.threshold = c.trigger.health_below
        # scheduled reviews (SPEC section 13): the ages before the horizon, and the condition's health threshold
        # (None: every review activates)
        self.reviews = c.trigger.review_ages(model.scenario.horizon)
        condition = c.trigger.condition
        self.review_below = None if condition is None else condition.health_below
        self.review_partners = None if condition is None else condition.partners_below
        self.review_share = None if condition is None else condition.share_below
        self.success = c.success
        self.success_source = layout.index(f"{c.id}.success")
        self.cap = c.max_activations if c.max_activations is not None else math.inf
        self.delay = Quantity(c.delay, 0.0, math.inf, layout, f"{c.id}.delay")
        self.delayed = not (c.delay.is_constant and c.delay.mean() <= 0)
        effect = c.effect
        self.reduce = effect.reduce_impact or 0.0
        self.restore = effect.restore_health
        self.rescue = effect.rescue_health
        self.rate_factor_entries = [[model.risk_index[rf.risk] if rf.risk is not None
                                     else model.partner_index[rf.partner], rf.factor, rf.duration]
                                    for rf in effect.rate_factor]
        self.rate_factors = [x for x, rf in zip(self.rate_factor_entries, effect.rate_factor) if rf.risk is not None]
        self.exit_factors = [x for x, rf in zip(self.rate_factor_entries, effect.rate_factor)
                             if rf.partner is not None]
        self.retain, self.replace = bool(effect.retain), bool(effect.replace)
        self.exit_partner = model.partner_index[c.trigger.partner] if c.trigger.partner is not None else -1
        self.setup, self.per_time, self.per_activation = c.cost.setup, c.cost.per_time, c.cost.per_activation


class EnvironmentSpec:
    """The environment compiled: each state's exits, risk multipliers (by risk index) and value factor."""

    def __init__(self, scenario: Scenario, env: Environment, layout: Layout, hold: bool) -> None:
        self.names = env.names
        index = {name: i for i, name in enumerate(self.names)}
        self.source = layout.index("environment")
        self.start = index[env.initial] if isinstance(env.initial, str) else -1  # -1: drawn from the shares
        self.shares = list(env.initial_shares)
        self.index = index
        self.risk_index = {r.id: i for i, r in enumerate(scenario.risks)}
        # [to, rate] pairs, mutable so that an uncertain rate can be set per replication
        self.exits = [[[index[to], rate] for to, rate in env.transitions.get(name, {}).items()]
                      for name in self.names]
        self.leave = [sum(rate for _, rate in exits) for exits in self.exits]
        self.rates = [[state.rate(r.id) for r in scenario.risks] for state in env.states.values()]
        self.exit_factors = [[state.exit_factor(p.id) for p in scenario.partners] for state in env.states.values()]
        self.value = [state.value for state in env.states.values()]
        self.hold = hold  # the environment stays in its initial state (the drivers' "without the environment")

    def path(self, u: Callable[[int], float], horizon: float, budget: int, where: str,
             time_unit: str) -> list[tuple[float, int]]:
        """(time, state) pairs from t = 0 up to ``horizon``, from the environment's own stream only (``u``: a
        replication's next uniform of a source; ``where``: the replication, for the message of a runaway path)."""
        source = self.source
        state = self.start
        if state < 0:
            draw, state = u(source), 0
            for share in self.shares:  # the first state whose cumulative share exceeds the draw
                if draw < share:
                    break
                draw -= share
                state += 1
            state = min(state, len(self.shares) - 1)
            while self.shares[state] <= 0.0:  # rounding at the top end never lands on a state with no share
                state -= 1
        path = [(0.0, state)]
        t = 0.0
        while not self.hold and self.leave[state] > 0.0:
            t += -math.log1p(-u(source)) / self.leave[state]
            if t >= horizon:
                break
            exits = self.exits[state]
            if len(exits) == 1:
                state = exits[0][0]
            else:  # the next state in proportion to the rates out of this one
                draw = u(source) * self.leave[state]
                for to, rate in exits:
                    if rate > 0.0:  # rounding at the top end falls to the last exit that can be taken
                        state = to
                        if draw < rate:
                            break
                        draw -= rate
            path.append((t, state))
            if len(path) > budget:
                raise SimulationError(
                    f"{where} stopped at t = {t:.4g} {time_unit}s: the environment changed state more than "
                    f"{budget:,} times before the horizon. Check the rates under environment.transitions (they are "
                    "per time unit).")
        return path

    def transition_setter(self, origin_name: str, to_name: str) -> Callable[[float], None]:
        """A setter of the uncertain rate ``environment.transitions.FROM.TO``."""
        origin = self.index[origin_name]
        entry = next(e for e in self.exits[origin] if e[0] == self.index[to_name])

        def set_transition(value: float) -> None:
            entry[1] = value
            self.leave[origin] = sum(rate for _, rate in self.exits[origin])
        return set_transition

    def multiplier_setter(self, state_name: str, risk_id: str) -> Callable[[float], None]:
        """A setter of the uncertain multiplier ``environment.states.STATE.rates.RISK_ID``."""
        row, risk = self.rates[self.index[state_name]], self.risk_index[risk_id]

        def set_multiplier(value: float) -> None:
            row[risk] = value
        return set_multiplier

    def value_setter(self, state_name: str) -> Callable[[float], None]:
        """A setter of the uncertain value factor ``environment.states.STATE.value``."""
        state = self.index[state_name]

        def set_value(value: float) -> None:
            self.value[state] = value
        return set_value
