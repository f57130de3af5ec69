"""One replication: one alliance lifetime, simulated event by event on SimPy.

Nothing ticks. Risk occurrences, the end of value factors and escalations, and delayed contingency effects are SimPy
timeouts; between two events health recovers in closed form, ``h(t) = 1 - (1 - h0) exp(-recovery t)``, and value
and per-time costs are integrated exactly with continuous discounting (:meth:`Life.advance`).

Risk arrivals use the time-change construction of a Poisson process: each risk holds a unit-exponential budget
drawn from its arrival stream, spent at its current rate. When an escalation or a rate factor changes the rate, the
unspent budget is rescheduled at the new rate. This is exact for piecewise-constant rates and keeps arrivals
coupled across plans (common random numbers).

A shared environment (a continuous-time Markov chain, SPEC section 9) is drawn first, as a whole path up to the
horizon, from its own stream: it does not depend on the plan, so every plan of a replication lives in the same
environment history. Each change of state is a SimPy event that reschedules the pending arrivals of the risks whose
multiplier changes, by the same time change, and changes the value rate.

The order of operations at an occurrence is SPEC section 3's, step for step, in :meth:`Life.occur`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import simpy

from .errors import SimulationError
from .scenario import Contingency, Environment, Scenario
from .streams import Layout, Streams, sources

__all__ = ["CompiledPlan", "Outcome", "GRID_POINTS", "DEFAULT_EVENT_BUDGET", "EXTRA_SETTERS"]

GRID_POINTS = 101
DEFAULT_EVENT_BUDGET = 200_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one replication produced."""

    lifetime: float
    cause: int  # index of the risk that ended the alliance, or -1 if it survived
    npv: float
    value: float
    risk_cost: float
    contingency_cost: float
    min_health: float
    resilience: float
    occurrences: list[int]
    activations: list[int]
    successes: list[int]
    costs: list[float]  # present value of what each contingency cost (0 for those not in the plan)
    health: list[float]  # health on the model's grid, 0 after dissolution (empty when not kept)
    env_time: list[float]  # time spent in each environment state over the life (empty without an environment)
    env_state: int  # the environment's state when the run ended, -1 without an environment
    env_grid: list[int]  # the environment's state at each point of the grid, to the horizon (empty when not kept)


class _Quantity:
    """A compiled random quantity: its stream (a layout index, -1 for a constant) and inverse CDF."""

    __slots__ = ("source", "fn", "value")

    def __init__(self, dist, lo: float, hi: float, layout: Layout, source: str) -> None:  # noqa: ANN001
        self.fn = dist.sampler(lo, hi)
        self.source = -1 if dist.is_constant else layout.index(source)
        self.value = self.fn(0.5) if dist.is_constant else math.nan


class _RiskSpec:
    """A risk compiled for fast simulation: quantities, stream indices and the contingencies it triggers."""

    def __init__(self, model: "CompiledPlan", index: int, scenario: Scenario, removed: bool) -> None:
        risk = scenario.risks[index]
        impact, layout, rid = risk.impact, model.layout, risk.id
        self.index, self.id = index, rid
        self.removed = removed
        self.hazard = 0.0 if removed else risk.hazard
        self.cap = risk.max_occurrences
        self.arrivals = layout.index(f"{rid}.arrivals")
        self.health = _Quantity(impact.health, 0.0, 1.0, layout, f"{rid}.health")
        self.cost = _Quantity(impact.cost, 0.0, math.inf, layout, f"{rid}.cost")
        self.fatal = impact.fatal
        self.fatal_source = layout.find(f"{rid}.fatal")
        self.value = None
        if impact.value is not None:
            self.value = (_Quantity(impact.value.factor, 0.0, 1.0, layout, f"{rid}.value_factor"),
                          _Quantity(impact.value.duration, 0.0, math.inf, layout, f"{rid}.value_duration"))
        self.escalates = [[model.risk_index[e.risk], e.factor,
                           None if e.duration is None else _Quantity(e.duration, 0.0, math.inf, layout,
                                                                     f"{rid}.escalates{j}")]
                          for j, e in enumerate(impact.escalates)]
        self.on_risk: list[_ContingencySpec] = []


class _ContingencySpec:
    def __init__(self, model: "CompiledPlan", index: int, c: Contingency) -> None:
        layout = model.layout
        self.index, self.id = index, c.id
        self.trigger = c.trigger.kind
        self.threshold = c.trigger.health_below
        self.success = c.success
        self.success_source = layout.index(f"{c.id}.success")
        self.cap = c.max_activations if c.max_activations is not None else math.inf
        self.delay = _Quantity(c.delay, 0.0, math.inf, layout, f"{c.id}.delay")
        self.delayed = not (c.delay.is_constant and c.delay.mean() <= 0)
        effect = c.effect
        self.reduce = effect.reduce_impact or 0.0
        self.restore = effect.restore_health
        self.rescue = effect.rescue_health
        self.rate_factors = [[model.risk_index[rf.risk], rf.factor, rf.duration] for rf in effect.rate_factor]
        self.setup, self.per_time, self.per_activation = c.cost.setup, c.cost.per_time, c.cost.per_activation


class _EnvironmentSpec:
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
        self.value = [state.value for state in env.states.values()]
        self.hold = hold  # the environment stays in its initial state (the drivers' "without the environment")

    def setter(self, parts: list[str]) -> Callable[[float], None]:
        """A setter of one uncertain environment parameter (``environment.transitions.FROM.TO``,
        ``environment.states.STATE.rates.RISK_ID``, ``environment.states.STATE.value``)."""
        if parts[1] == "transitions":
            origin = self.index[parts[2]]
            entry = next(e for e in self.exits[origin] if e[0] == self.index[parts[3]])

            def set_transition(value: float) -> None:
                entry[1] = value
                self.leave[origin] = sum(rate for _, rate in self.exits[origin])
            return set_transition
        state = self.index[parts[2]]
        if parts[3:4] == ["rates"]:
            row, risk = self.rates[state], self.risk_index[parts[4]]

            def set_multiplier(value: float) -> None:
                row[risk] = value
            return set_multiplier

        def set_value(value: float) -> None:
            self.value[state] = value
        return set_value


class CompiledPlan:
    """A scenario compiled for one plan (a set of contingencies), ready to simulate replications.

    ``removed_risks`` simulates the scenario without those risks (their rate set to 0) while keeping every random
    stream where it was, so the variant stays paired with the original. ``hold_environment`` keeps the environment
    in the state it starts in (drawn as usual), for the paired effect of the environment's changes.
    """

    def __init__(self, scenario: Scenario, contingencies: tuple[str, ...], *,
                 removed_risks: tuple[str, ...] = (), layout: Layout | None = None,
                 event_budget: int = DEFAULT_EVENT_BUDGET, health_path: bool = True,
                 hold_environment: bool = False) -> None:
        self.scenario = scenario
        self.health_path = health_path  # keep health on the time grid (for fan charts); studies need not
        self.layout = layout or sources(scenario)
        self.event_budget = event_budget
        self.risk_index = {r.id: i for i, r in enumerate(scenario.risks)}
        self.contingency_ids = tuple(c.id for c in scenario.contingencies)
        self.risks = [_RiskSpec(self, i, scenario, r.id in removed_risks) for i, r in enumerate(scenario.risks)]
        chosen = set(contingencies)
        self.contingencies = [_ContingencySpec(self, i, c) for i, c in enumerate(scenario.contingencies)
                              if c.id in chosen]
        for c in self.contingencies:
            if c.trigger == "risk":
                self.risks[self.risk_index[scenario.contingencies[c.index].trigger.on]].on_risk.append(c)
        self.rescuers = [c for c in self.contingencies if c.trigger == "dissolution"]
        self.watchers = [c for c in self.contingencies if c.trigger == "health"]
        health = scenario.alliance.health
        self.h0, self.floor, self.recovery = health.initial, health.dissolve_below, health.recovery
        self.value_rate = scenario.alliance.value_rate
        self.discount = scenario.discount_per_time
        self.horizon = scenario.horizon
        self.grid = [self.horizon * k / (GRID_POINTS - 1) for k in range(GRID_POINTS)]
        self.grid_decay = math.exp(-self.recovery * self.horizon / (GRID_POINTS - 1))
        self.environment = None if scenario.environment is None else \
            _EnvironmentSpec(scenario, scenario.environment, self.layout, hold_environment)
        self.setters = [self._setter(path) for path in scenario.uncertain]

    def run(self, seed: int, replication: int, values: Sequence[float] | None = None) -> Outcome:
        """Simulate replication ``replication`` of root seed ``seed``.

        ``values`` are this replication's draws of the scenario's uncertain parameters, in
        ``scenario.uncertain`` order (see :class:`allysim.uncertainty.Draws`); without them every uncertain
        parameter keeps its median.
        """
        if values is not None:
            for setter, value in zip(self.setters, values):
                setter(value)
        return Life(self, Streams(self.layout, seed, replication), replication).run()

    # ------------------------------------------------------------------ uncertain parameters (SPEC section 8)

    def _setter(self, path: str) -> Callable[[float], None]:
        """A function that puts one draw of the uncertain parameter ``path`` where the simulation reads it."""
        parts = path.split(".")
        if parts[0] == "alliance":
            return _ALLIANCE_SETTERS[parts[-1]].__get__(self)
        if parts[0] == "risks":
            risk = self.risks[self.risk_index[parts[1]]]
            return _risk_setter(risk, parts[2:])
        if parts[0] == "contingencies":
            chosen = {c.id: c for c in self.contingencies}
            if parts[1] not in chosen:
                return _ignore  # not in this plan: its draws have nothing to change
            return _contingency_setter(chosen[parts[1]], parts[2:])
        setter = EXTRA_SETTERS.get(parts[0])
        if setter is None:
            raise ValueError(f"no engine setter for the uncertain parameter {path!r}")
        return setter(self, parts)

    def _set_value_rate(self, value: float) -> None:
        self.value_rate = value

    def _set_initial(self, value: float) -> None:
        self.h0 = value

    def _set_floor(self, value: float) -> None:
        self.floor = value

    def _set_recovery(self, value: float) -> None:
        self.recovery = value
        self.grid_decay = math.exp(-value * self.horizon / (GRID_POINTS - 1))


def _ignore(value: float) -> None:
    return None


_ALLIANCE_SETTERS = {"value_rate": CompiledPlan._set_value_rate, "initial": CompiledPlan._set_initial,
                     "dissolve_below": CompiledPlan._set_floor, "recovery": CompiledPlan._set_recovery}

# Setters for parts of the format that live outside alliance, risks and contingencies (e.g. the environment):
# top-level key -> function(model, path parts) returning a setter of one float.
EXTRA_SETTERS: dict[str, Callable[[CompiledPlan, list[str]], Callable[[float], None]]] = {
    "environment": lambda plan, parts: plan.environment.setter(parts),  # type: ignore[union-attr]
}


def _risk_setter(risk: _RiskSpec, parts: list[str]) -> Callable[[float], None]:
    if parts == ["rate"]:
        def set_rate(value: float) -> None:
            risk.hazard = 0.0 if risk.removed else value
        return set_rate
    if parts == ["probability"]:
        def set_probability(value: float) -> None:
            risk.hazard = 0.0 if risk.removed else -math.log1p(-value)
        return set_probability
    if parts == ["impact", "fatal"]:
        def set_fatal(value: float) -> None:
            risk.fatal = value
        return set_fatal
    if parts[:1] == ["impact"]:
        parts = parts[1:]
    if parts[:1] == ["escalates"] and parts[2:] == ["factor"]:
        entry = risk.escalates[int(parts[1])]

        def set_escalation(value: float) -> None:
            entry[1] = value
        return set_escalation
    raise ValueError(f"no engine setter for risks.{risk.id}.{'.'.join(parts)}")


_CONTINGENCY_FIELDS = {("success",): "success", ("trigger", "health_below"): "threshold",
                       ("effect", "reduce_impact"): "reduce", ("effect", "restore_health"): "restore",
                       ("effect", "rescue_health"): "rescue", ("cost", "setup"): "setup",
                       ("cost", "per_time"): "per_time", ("cost", "per_activation"): "per_activation"}


def _contingency_setter(c: _ContingencySpec, parts: list[str]) -> Callable[[float], None]:
    name = _CONTINGENCY_FIELDS.get(tuple(parts))
    if name is not None:
        def set_field(value: float) -> None:
            setattr(c, name, value)
        return set_field
    if parts[:2] == ["effect", "rate_factor"] and parts[3:] == ["factor"]:
        entry = c.rate_factors[int(parts[2])]

        def set_rate_factor(value: float) -> None:
            entry[1] = value
        return set_rate_factor
    raise ValueError(f"no engine setter for contingencies.{c.id}.{'.'.join(parts)}")


class _RiskState:
    __slots__ = ("spec", "factor", "env", "budget", "mark", "token", "count")

    def __init__(self, spec: _RiskSpec) -> None:
        self.spec = spec
        self.factor = _Product()  # active escalations and rate factors
        self.env = 1.0  # the environment state's multiplier
        self.budget = 0.0  # unit-exponential mass left before the next arrival
        self.mark = 0.0  # when the budget was last brought up to date
        self.token = 0  # invalidates a scheduled arrival when the rate changes
        self.count = 0

    @property
    def rate(self) -> float:
        hazard = self.spec.hazard
        return hazard * self.factor.value * self.env if hazard else 0.0  # a zero rate stays 0 whatever the factors


class _Product:
    """The product of the factors in force, kept up to date in O(1) per change.

    A runaway scenario can pile up hundreds of thousands of factors before the event budget stops it, so the
    product is never recomputed from the whole list on the hot path; a zero factor is counted apart so that
    removing it is exact.
    """

    __slots__ = ("nonzero", "zeros")

    def __init__(self) -> None:
        self.nonzero = 1.0
        self.zeros = 0

    @property
    def value(self) -> float:
        return 0.0 if self.zeros else self.nonzero

    def add(self, factor: float) -> None:
        if factor == 0.0:
            self.zeros += 1
        else:
            self.nonzero *= factor

    def remove(self, factor: float) -> None:
        if factor == 0.0:
            self.zeros -= 1
        else:
            self.nonzero /= factor


class Life:
    """The state of one alliance through one replication."""

    def __init__(self, model: CompiledPlan, streams: Streams, replication: int) -> None:
        self.m, self.streams, self.replication = model, streams, replication
        self.env = simpy.Environment()
        self.t = 0.0
        self.h = model.h0
        self.value_factor = _Product()
        self.value_pv = 0.0
        self.risk_cost = 0.0
        self.disc = 1.0  # the discount factor exp(-delta t) at self.t
        self.alive_pv = 0.0  # integral of the discount factor over the life so far: per_time costs accrue on it
        self.activation_pv = [0.0] * len(model.contingency_ids)
        self.area = 0.0
        self.min_h = model.h0
        self.alive = True
        self.cause = -1
        self.events = 0
        # with no health path wanted, the grid cursor starts past the end, so advance() never fills it
        self.grid_next = 1 if model.health_path else GRID_POINTS
        self.health_path = [model.h0] if model.health_path else []
        self.activations = [0] * len(model.contingency_ids)
        self.successes = [0] * len(model.contingency_ids)
        self.ended = self.env.event()
        self.u = streams.u  # the next uniform of a source: the hot path of every draw
        self.states = [_RiskState(spec) for spec in model.risks]
        self.env_value = 1.0  # the environment state's value factor
        self.env_state = -1
        self.env_since = 0.0
        self.env_time: list[float] = []
        self.env_grid: list[int] = []

    # ------------------------------------------------------------------ driving the run

    def run(self) -> Outcome:
        m = self.m
        if m.environment is not None:
            self.start_environment(m.environment)
        for state in self.states:
            state.budget = -math.log1p(-self.u(state.spec.arrivals))
            self._schedule(state)
        self.env.timeout(m.horizon).callbacks.append(self._horizon)
        self.env.run(until=self.ended)
        if self.alive:
            self.advance(m.horizon)
        lifetime = self.t
        if self.env_state >= 0:
            self.env_time[self.env_state] += lifetime - self.env_since
        if m.health_path:
            self.health_path.extend([0.0] * (GRID_POINTS - len(self.health_path)))
        costs = [0.0] * len(m.contingency_ids)
        for c in m.contingencies:  # setup at t = 0, per_time while alive, per_activation when activated
            costs[c.index] = c.setup + c.per_time * self.alive_pv + self.activation_pv[c.index]
        cont_cost = sum(costs)
        cost = self.risk_cost + cont_cost
        return Outcome(
            lifetime=lifetime, cause=self.cause, npv=self.value_pv - cost, value=self.value_pv,
            risk_cost=self.risk_cost, contingency_cost=cont_cost, min_health=self.min_h,
            resilience=self.area / m.horizon, occurrences=[s.count for s in self.states],
            activations=self.activations, successes=self.successes, costs=costs, health=self.health_path,
            env_time=self.env_time, env_state=self.env_state, env_grid=self.env_grid,
        )

    # ------------------------------------------------------------------ the shared environment

    def start_environment(self, spec: _EnvironmentSpec) -> None:
        """Draw the environment's whole path, enter its first state and schedule every change of state."""
        path = self.environment_path(spec)
        self.env_time = [0.0] * len(spec.names)
        if self.m.health_path:  # the state at each grid time, for charts: the path is known to the horizon
            k, last = 0, len(path) - 1
            for t in self.m.grid:
                while k < last and path[k + 1][0] <= t:
                    k += 1
                self.env_grid.append(path[k][1])
        first = path[0][1]
        self.env_state, self.env_value = first, spec.value[first]
        for state, multiplier in zip(self.states, spec.rates[first]):
            state.env = multiplier
        for t, to in path[1:]:
            self.env.timeout(t).callbacks.append(lambda _e, to=to: self._switch(to))

    def environment_path(self, spec: _EnvironmentSpec) -> list[tuple[float, int]]:
        """(time, state) pairs from t = 0 up to the horizon, from the environment's own stream only."""
        source, u = spec.source, self.u
        state = spec.start
        if state < 0:
            draw, state = u(source), 0
            for share in spec.shares:  # the first state whose cumulative share exceeds the draw
                if draw < share:
                    break
                draw -= share
                state += 1
            state = min(state, len(spec.shares) - 1)
            while spec.shares[state] <= 0.0:  # rounding at the top end never lands on a state with no share
                state -= 1
        path = [(0.0, state)]
        t, budget = 0.0, self.m.event_budget
        while not spec.hold and spec.leave[state] > 0.0:
            t += -math.log1p(-u(source)) / spec.leave[state]
            if t >= self.m.horizon:
                break
            exits = spec.exits[state]
            if len(exits) == 1:
                state = exits[0][0]
            else:  # the next state in proportion to the rates out of this one
                draw = u(source) * spec.leave[state]
                for to, rate in exits:
                    if rate > 0.0:  # rounding at the top end falls to the last exit that can be taken
                        state = to
                        if draw < rate:
                            break
                        draw -= rate
            path.append((t, state))
            if len(path) > budget:
                raise SimulationError(
                    f"replication {self.replication} stopped at t = {t:.4g} {self.m.scenario.time_unit}s: the "
                    f"environment changed state more than {budget:,} times before the horizon. Check the rates "
                    "under environment.transitions (they are per time unit).")
        return path

    def _switch(self, to: int) -> None:
        """The environment enters state ``to``: value and the risks whose multiplier changes follow at once."""
        if not self.alive:
            return
        now, spec = self.env.now, self.m.environment
        self.advance(now)
        before = self.env_state
        self.env_time[before] += now - self.env_since
        self.env_since, self.env_state, self.env_value = now, to, spec.value[to]
        old, new = spec.rates[before], spec.rates[to]
        for i, state in enumerate(self.states):
            if old[i] != new[i]:
                self._rescale(state, lambda state=state, k=new[i]: setattr(state, "env", k))

    # ------------------------------------------------------------------ the end of the run

    def _horizon(self, _event: simpy.Event) -> None:
        if not self.ended.triggered:
            self.ended.succeed()

    def _schedule(self, state: _RiskState) -> None:
        """Schedule the risk's next arrival from its budget at its current rate (none beyond the horizon)."""
        state.token += 1
        state.mark = self.env.now
        rate = state.rate
        cap = state.spec.cap
        if rate <= 0.0 or (cap is not None and state.count >= cap):
            return
        if not math.isfinite(rate):
            raise SimulationError(self._runaway(state.spec.id, f"the rate of risk '{state.spec.id}' overflowed"))
        wait = state.budget / rate
        if self.env.now + wait > self.m.horizon:
            return
        token = state.token
        self.env.timeout(wait).callbacks.append(lambda _e: self._arrive(state, token))

    def _rescale(self, state: _RiskState, change: Callable[[], None]) -> None:
        """Spend the budget used so far at the old rate, change the rate, reschedule."""
        state.budget = max(0.0, state.budget - state.rate * (self.env.now - state.mark))
        change()
        self._schedule(state)

    def _arrive(self, state: _RiskState, token: int) -> None:
        if token != state.token or not self.alive:
            return
        self._count_event(state.spec.id)
        state.count += 1
        state.budget = -math.log1p(-self.u(state.spec.arrivals))
        self._schedule(state)
        self.occur(state.spec)

    def _count_event(self, source: str) -> None:
        self.events += 1
        if self.events > self.m.event_budget:
            raise SimulationError(self._runaway(source, f"it exceeded its budget of {self.m.event_budget:,} events"))

    def _runaway(self, source: str, what: str) -> str:
        """Name what ran away: the risk that occurred most, and the contingency that activated most."""
        busiest = max(self.states, key=lambda s: s.count)
        blame = f"risk '{busiest.spec.id}' occurred {busiest.count:,} times"
        if any(self.activations):
            j = max(range(len(self.activations)), key=self.activations.__getitem__)
            blame += f", contingency '{self.m.contingency_ids[j]}' activated {self.activations[j]:,} times"
        return (f"replication {self.replication} stopped at t = {self.env.now:.4g} {self.m.scenario.time_unit}s: "
                f"{what} ({blame}; last event: {source}). Check the "
                "rates of that risk and the escalates or rate_factor effects that raise them.")

    # ------------------------------------------------------------------ continuous dynamics

    def advance(self, now: float) -> None:
        """Bring health, value, per-time costs and resilience from ``self.t`` up to ``now`` in closed form.

        With gap g = 1 - h at t0, health is 1 - g exp(-rho s) and the discount factor D0 exp(-delta s), s in
        [0, dt]. So the discounted value is V F (D0 I(delta) - g D0 I(rho + delta)), the discounted alive time
        D0 I(delta) and the health area dt - g I(rho), with I(x) = (1 - exp(-x dt)) / x, computed by
        :func:`_integral` so that it stays exact as x dt goes to 0 (and is dt at x = 0).
        """
        dt = now - self.t
        if dt <= 0.0:
            return
        m, gap, disc0 = self.m, 1.0 - self.h, self.disc
        rho, delta = m.recovery, m.discount
        i_rho, i_delta = _integral(rho, dt), _integral(delta, dt)
        flat = disc0 * i_delta
        self.alive_pv += flat
        if m.value_rate:
            self.value_pv += m.value_rate * self.value_factor.value * self.env_value * (flat - gap * disc0 * _integral(rho + delta, dt))
        self.area += dt - gap * i_rho
        grid, k = m.grid, self.grid_next
        if k < GRID_POINTS and grid[k] <= now:
            # the gap shrinks by the same factor from one (evenly spaced) grid point to the next
            g, step, path = gap * math.exp(-rho * (grid[k] - self.t)), m.grid_decay, self.health_path
            while k < GRID_POINTS and grid[k] <= now:
                path.append(1.0 - g)
                g *= step
                k += 1
            self.grid_next = k
        self.h = 1.0 - gap * (1.0 - rho * i_rho)  # exp(-x dt) = 1 - x I(x)
        self.disc = disc0 * (1.0 - delta * i_delta)
        self.t = now

    def pay_risk(self, amount: float) -> None:
        self.risk_cost += amount * self.disc


    # ------------------------------------------------------------------ an occurrence, SPEC section 3

    def occur(self, risk: _RiskSpec) -> None:
        now = self.env.now
        self.advance(now)
        before = self.h
        # 1. contingencies on this risk with no delay activate; delayed ones activate and act later
        keep, acting = 1.0, []
        for c in risk.on_risk:
            if self.trigger(c):
                keep *= 1.0 - c.reduce
                acting.append(c)
        # 2. the occurrence hits, scaled by every successful reduce_impact; min_health is the low point right
        #    after a hit, before steps 3, 5 and 6 lift health again
        self.h = max(0.0, self.h - keep * self.draw(risk.health))
        if self.h < self.min_h:
            self.min_h = self.h
        cost = self.draw(risk.cost)
        if cost:
            self.pay_risk(keep * cost)
        if risk.value is not None:
            factor = self.draw(risk.value[0])
            duration = self.draw(risk.value[1])
            self.add_value_factor(1.0 - (1.0 - factor) * keep, duration)
        for target, k, duration in risk.escalates:
            length = None if duration is None else self.draw(duration)
            self.add_rate_factor(target, 1.0 + (k - 1.0) * keep, length)
        # 3. the other effects of those successful activations
        for c in acting:
            self.apply(c)
        # 4. fatal is drawn
        fatal = False
        if risk.fatal > 0.0:
            fatal = self.u(risk.fatal_source) < risk.fatal * keep
        # 5. about to dissolve: on-dissolution contingencies try to rescue
        if (fatal or self.h < self.m.floor) and not self.rescue():
            self.dissolve(risk.index)
            return
        # 6. every health_below threshold this occurrence crossed downward, and still under, as one set: all of
        #    them activate before any acts, so no restore can hide a threshold from another and file order
        #    does not matter
        after = self.h
        crossed = [c for c in self.m.watchers if before >= c.threshold > after]
        acting = [c for c in crossed if self.trigger(c)]
        for c in acting:
            self.apply(c)

    def draw(self, q: _Quantity) -> float:
        return q.value if q.source < 0 else q.fn(self.u(q.source))

    def trigger(self, c: _ContingencySpec) -> bool:
        """Activate ``c``; a delayed one acts later by itself. True when it worked and acts now."""
        worked = self.activate(c)
        if worked is None:
            return False
        if c.delayed:
            self.act_later(c, worked)
            return False
        return worked

    def activate(self, c: _ContingencySpec) -> bool | None:
        """Activate ``c`` (None if it has used up max_activations): pay per_activation, draw success."""
        if self.activations[c.index] >= c.cap:
            return None
        self.activations[c.index] += 1
        if c.per_activation:
            self.activation_pv[c.index] += c.per_activation * self.disc
        worked = self.u(c.success_source) < c.success
        if worked:
            self.successes[c.index] += 1
        return worked

    def act_later(self, c: _ContingencySpec, worked: bool) -> None:
        event = self.env.timeout(self.draw(c.delay))
        event.callbacks.append(lambda _e: self._delayed(c, worked))

    def _delayed(self, c: _ContingencySpec, worked: bool) -> None:
        if not self.alive:
            return
        self._count_event(c.id)
        if worked:
            self.advance(self.env.now)
            self.apply(c)

    def apply(self, c: _ContingencySpec) -> None:
        """Effects other than reduce_impact and rescue_health."""
        if c.restore is not None:
            self.h = min(1.0, self.h + c.restore)
        for target, factor, duration in c.rate_factors:
            self.add_rate_factor(target, factor, duration)

    def rescue(self) -> bool:
        for c in self.m.rescuers:
            worked = self.activate(c)
            if worked:
                self.h = max(self.h, c.rescue)  # validation holds rescue_health >= dissolve_below
                self.apply(c)
                return True
        return False

    def dissolve(self, cause: int) -> None:
        self.alive = False
        self.cause = cause
        if not self.ended.triggered:
            self.ended.succeed()

    # ------------------------------------------------------------------ factors that last a while

    def add_value_factor(self, factor: float, duration: float) -> None:
        self.value_factor.add(factor)
        self.env.timeout(duration).callbacks.append(lambda _e: self._end_value_factor(factor))

    def _end_value_factor(self, factor: float) -> None:
        if self.alive:
            self.advance(self.env.now)
            self.value_factor.remove(factor)

    def add_rate_factor(self, target: int, factor: float, duration: float | None) -> None:
        state = self.states[target]
        self._rescale(state, lambda: state.factor.add(factor))
        if duration is not None:
            self.env.timeout(duration).callbacks.append(lambda _e: self._end_rate_factor(state, factor))

    def _end_rate_factor(self, state: _RiskState, factor: float) -> None:
        if self.alive:
            self._rescale(state, lambda: state.factor.remove(factor))


def _integral(rate: float, dt: float) -> float:
    """Integral of exp(-rate s) over [0, dt]: dt (1 - exp(-y)) / y with y = rate dt, exact as y -> 0."""
    y = rate * dt
    if y < 1e-9:
        return dt * (1.0 - 0.5 * y)  # the series; also right for subnormal rates, where -expm1(-y) / rate is not
    return -math.expm1(-y) / y * dt
