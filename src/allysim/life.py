"""One replication: one alliance lifetime, simulated event by event on SimPy (:class:`Life`).

Nothing ticks. Risk occurrences, the end of value factors and escalations, and delayed contingency effects are SimPy
events; between two events health recovers in closed form, ``h(t) = 1 - (1 - h0) exp(-recovery t)``, and value and
per-time costs are integrated exactly with continuous discounting (:meth:`Life.advance`).

Risk arrivals use the time-change construction of a Poisson process: each risk holds a unit-exponential budget
drawn from its arrival stream, spent at its current rate. When an escalation or a rate factor changes the rate, the
unspent budget is rescheduled at the new rate. This is exact for piecewise-constant rates and keeps arrivals
coupled across plans (common random numbers).

A shared environment (a continuous-time Markov chain, SPEC section 9) is drawn first, as a whole path up to the
horizon, from its own stream: it does not depend on the plan, so every plan of a replication lives in the same
environment history. Each change of state is a SimPy event that reschedules the pending arrivals of the risks whose
multiplier changes, by the same time change, and changes the value rate.

The order of operations at an occurrence is SPEC section 3's, step for step, in :meth:`Life.occur`.

Shadows, for path sharing (:mod:`allysim.sharing`): a contingency followed as a shadow (``c.shadow``) is activated
wherever it would activate (its per_activation cost counted, its success drawn from its own stream) but never acts.
Its own streams are read by nobody else, so the path is exactly the plan's; the :class:`Outcome` carries its costs
and activations, and whether any of them worked.

Where the time goes, and why it is safe. A study simulates hundreds of thousands of these lives, so the hot path
(an arrival: :meth:`Life._arrive`, :meth:`Life.occur`, :meth:`Life.advance`, :meth:`Life._schedule`) keeps
lookups local and calls few functions: each event is one :class:`Call` (a SimPy event that calls one function, a
``Timeout`` without the checks), a pending arrival is recognised by identity rather than by a closure per schedule,
the integrals of :meth:`Life.advance` are written out in place, and the health path is kept as one record per
stretch of recovery, put on the grid a chunk of replications at a time (:func:`health_matrix`). Every number is computed by the same
floating-point operations in the same order as the plain formulas in the comments, so the results do not change
by a bit with these shortcuts.
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING, Sequence

import simpy

from .errors import SimulationError
from .events import Call, Clock
from .forking import Forking
from .healthgrid import health_matrix
from .outcome import Outcome
from .streams import Streams

if TYPE_CHECKING:  # the engine imports this module, not the converse
    from .compiled import ContingencySpec, EnvironmentSpec, Quantity, RiskSpec
    from .engine import CompiledPlan

__all__ = ["Life", "Product", "GRID_POINTS", "health_matrix"]

GRID_POINTS = 101

_expm1, _log1p, _isfinite = math.expm1, math.log1p, math.isfinite
_NO_SHADOWS = (None, None, None)  # an Outcome's shadow fields without shadows
_NO_PARTNERS = ((), (), (), (), 0, "", None)  # its partner fields without partners (allysim.outcome's defaults)


class Product:
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

    def copy(self) -> Product:
        new = Product.__new__(Product)
        new.nonzero, new.zeros = self.nonzero, self.zeros
        return new


class _RiskState(Product):
    """A risk during one replication: the product of its escalations and rate factors in force (a
    :class:`Product`), its budget and its pending arrival."""

    __slots__ = ("spec", "env", "budget", "mark", "pending", "count")

    def __init__(self, spec: RiskSpec) -> None:
        self.spec = spec
        self.nonzero = 1.0  # Product's, set here: one call fewer per risk and replication
        self.zeros = 0
        self.env = 1.0  # the environment state's multiplier
        self.budget = 0.0  # unit-exponential mass left before the next arrival
        self.mark = 0.0  # when the budget was last brought up to date
        self.pending: Call | None = None  # the scheduled arrival; a rescheduled risk's earlier one is void
        self.count = 0

    def copy(self, spec: RiskSpec | None = None) -> _RiskState:
        """A copy with no pending arrival, reading ``spec`` if given (see :meth:`allysim.forking.Forking.copy`)."""
        new = _RiskState.__new__(_RiskState)
        new.spec, new.nonzero, new.zeros, new.env, new.budget, new.mark, new.pending, new.count = \
            self.spec if spec is None else spec, self.nonzero, self.zeros, self.env, self.budget, self.mark, None, \
            self.count
        return new

    @property
    def rate(self) -> float:
        hazard = self.spec.hazard
        # a zero rate stays 0 whatever the factors
        return hazard * self.value * self.env if hazard else 0.0


class Life(Forking):
    """The state of one alliance through one replication (copyable where a variant parts from its path:
    :class:`allysim.forking.Forking`)."""

    def __init__(self, model: CompiledPlan, streams: Streams, replication: int) -> None:
        self.m, self.streams, self.replication = model, streams, replication
        self.env = Clock()
        self.t = 0.0
        self.h = model.h0
        self.value_factor = Product()
        self.value_pv = 0.0
        self.risk_cost = 0.0
        self.disc = 1.0  # the discount factor exp(-delta t) at self.t
        self.alive_pv = 0.0  # integral of the discount factor over the life so far: per_time costs accrue on it
        n = len(model.contingency_ids)
        self.activation_pv = [0.0] * n
        self.area = 0.0
        self.min_h = model.h0
        self.alive = True
        self.cause = -1
        self.events = 0
        self.keep_health = model.health_path
        self.health_path = array("d", (model.h0, model.recovery) if model.health_path else ())  # see health_matrix
        self.activations = [0] * n
        self.successes = [0] * n
        self.ended = simpy.Event(self.env)
        self.u = streams.u  # the next uniform of a source: the hot path of every draw
        self.states = [_RiskState(spec) for spec in model.risks]
        self.env_value = 1.0  # the environment state's value factor
        self.env_state = -1
        self.env_since = 0.0
        self.env_time: list[float] = []
        self.env_grid: list[int] = []
        self.rho, self.delta = model.recovery, model.discount  # set per replication (uncertain), fixed within it
        self.rho_delta = model.recovery + model.discount
        self.vr = model.value_rate  # the value rate at full health; with partners, times the shares still in
        self.hwatch: Sequence = ()  # partners whose exit hazard depends on health (allysim.membership)

    # ------------------------------------------------------------------ driving the run

    def drop_pending(self) -> None:
        """Forget every scheduled event this Life holds (the queue is cleared): no reference cycle outlives a run."""
        for state in self.states:
            state.pending = None

    def run(self) -> Outcome:
        self.begin()
        return self.conclude()

    def begin(self) -> None:
        """t = 0: the environment's path, the partners, each risk's first arrival, the reviews and the horizon."""
        m = self.m
        env = self.env
        if m.environment is not None:
            self.start_environment(m.environment)
        if m.partners:
            self.start_partners()
        u, arrive, horizon = self.u, self._arrive, m.horizon
        for state in self.states:  # _schedule at t = 0, written out: a large register has many rare risks
            spec = state.spec
            hazard = spec.hazard
            if not hazard:
                continue  # never arrives: its budget would be read by no one
            state.budget = budget = -_log1p(-u(spec.arrivals))
            rate = hazard * state.env  # no factor is in force yet (nonzero is 1.0: the same bits as the product)
            if rate <= 0.0 or (spec.cap is not None and spec.cap <= 0):
                continue
            if not _isfinite(rate):
                raise SimulationError(self._runaway(spec.id, f"the rate of risk '{spec.id}' overflowed"))
            wait = budget / rate if spec.curve is None else spec.curve.arrival(0.0, budget, rate)
            if wait > horizon:
                continue
            state.pending = Call(env, wait, arrive, state)
        for c in m.reviewers:  # each review schedules the next one
            Call(env, c.reviews[0], self._review_due, (c, 0))
        env.stop_at(horizon, self.ended)  # alive at the horizon: the run stops there, the life not ended by anything

    def conclude(self) -> Outcome:
        """The events from here to the end of the life, and its accounts."""
        m = self.m
        self.env.run_until(self.ended)
        # Events still scheduled (arrivals after a dissolution, factors that would end later) hold callbacks that
        # refer back to this Life, and so does each risk's pending arrival: reference cycles that only the garbage
        # collector would free, at up to a third of the run time in a process holding many objects (a study's
        # outcomes). Broken here, a replication is freed by reference counting alone, and the executor pauses the
        # collector while a chunk runs. SimPy has no public way to drop scheduled events.
        self.env.clear()
        self.drop_pending()
        if self.alive:
            self.advance(m.horizon)
        lifetime = self.t
        if self.env_state >= 0:
            self.env_time[self.env_state] += lifetime - self.env_since
        n = len(m.contingency_ids)
        costs = [0.0] * n
        cont_cost = 0.0
        for c in m.contingencies:  # setup at t = 0, per_time while alive, per_activation when activated
            costs[c.index] = c.setup + c.per_time * self.alive_pv + self.activation_pv[c.index]
            # added one by one in file order (not sum(), which compensates on Python >= 3.12), so that a variant
            # derived from a shared path adds up its costs to the same bits (allysim.sharing)
            cont_cost += costs[c.index]
        partners = _NO_PARTNERS
        if m.partners:
            cont_cost, partners = self.partner_outcome(cont_cost)
        cost = self.risk_cost + cont_cost
        shadow = _NO_SHADOWS
        if m.shadows:
            activations, successes, activation_pv, alive_pv = self.activations, self.successes, self.activation_pv, \
                self.alive_pv
            shadow = ([0] * n, [0.0] * n, [False] * n)
            for c in m.shadowed:
                j = c.index
                shadow[0][j] = activations[j]
                shadow[1][j] = c.setup + c.per_time * alive_pv + activation_pv[j]
                shadow[2][j] = successes[j] > 0
                activations[j] = successes[j] = 0
        # Outcome's fields in order (allysim.outcome), positional: one is made per path
        return Outcome(lifetime, self.cause, self.value_pv - cost, self.value_pv, self.risk_cost, cont_cost,
                       self.min_h, self.area / m.horizon, [s.count for s in self.states], self.activations,
                       self.successes, costs, self.health_path, self.env_time, self.env_state, self.env_grid,
                       *shadow, *partners)

    # ------------------------------------------------------------------ the shared environment

    def start_environment(self, spec: EnvironmentSpec) -> None:
        """Draw the environment's whole path, enter its first state and schedule every change of state."""
        m = self.m
        path = spec.path(self.u, m.horizon, m.event_budget, f"replication {self.replication}", m.scenario.time_unit)
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
        if self.m.partners:
            for ps, factor in zip(self.pstates, spec.exit_factors[first]):
                ps.env = factor
        for t, to in path[1:]:
            Call(self.env, t, self._switch, to)

    def _switch(self, event: Call) -> None:
        """The environment enters state ``event.data``: value and the risks whose multiplier changes follow at
        once."""
        to = event.data
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
                self._rescale(state)
                state.env = new[i]
                self._schedule(state)
        if self.m.partners:
            self.partner_environment(spec.exit_factors[to])

    # ------------------------------------------------------------------ the end of the run

    def _schedule(self, state: _RiskState) -> None:
        """Schedule the risk's next arrival from its budget at its current rate (none beyond the horizon)."""
        state.pending = None
        now = self.env.now
        state.mark = now
        spec = state.spec
        hazard = spec.hazard
        if not hazard:  # the hot path: most risks of a large register never occur
            return
        rate = hazard * (0.0 if state.zeros else state.nonzero) * state.env  # state.rate, written out
        if rate <= 0.0 or (spec.cap is not None and state.count >= spec.cap):
            return
        if not _isfinite(rate):
            raise SimulationError(self._runaway(spec.id, f"the rate of risk '{spec.id}' overflowed"))
        curve = spec.curve
        if curve is None:
            wait = state.budget / rate
            if now + wait > self.m.horizon:
                return
        else:  # a hazard by age: the time t at which rate (H(t) - H(now)) spends the budget
            due = curve.arrival(now, state.budget, rate)
            if due > self.m.horizon:
                return
            wait = due - now
        state.pending = Call(self.env, wait, self._arrive, state)

    def _rescale(self, state: _RiskState) -> None:
        """Spend the budget used so far at the old rate; the caller changes the rate, then calls _schedule."""
        curve, now = state.spec.curve, self.env.now
        spent = state.rate * (now - state.mark) if curve is None else curve.spent(state.mark, now, state.rate)
        state.budget = max(0.0, state.budget - spent)

    def _arrive(self, event: Call) -> None:
        state = event.data
        if event is not state.pending or not self.alive:
            return  # rescheduled since (a rate changed), or the alliance has ended
        spec = state.spec
        self.events += 1
        if self.events > self.m.event_budget:
            raise self._over_budget(spec.id)
        state.count += 1
        state.budget = -_log1p(-self.u(spec.arrivals))
        self._schedule(state)
        self.occur(spec)

    def _count_event(self, source: str) -> None:
        self.events += 1
        if self.events > self.m.event_budget:
            raise self._over_budget(source)

    def _over_budget(self, source: str) -> SimulationError:
        return SimulationError(self._runaway(source, f"it exceeded its budget of {self.m.event_budget:,} events"))

    def _runaway(self, source: str, what: str) -> str:
        """Name what ran away: the risk that occurred most, and the contingency that activated most."""
        busiest = max(self.states, key=lambda s: s.count)
        blame = f"risk '{busiest.spec.id}' occurred {busiest.count:,} times"
        acted = [c.index for c in self.m.contingencies if self.activations[c.index]]  # shadows never act
        if acted:
            j = max(acted, key=self.activations.__getitem__)
            blame += f", contingency '{self.m.contingency_ids[j]}' activated {self.activations[j]:,} times"
        return (f"replication {self.replication} stopped at t = {self.env.now:.4g} {self.m.scenario.time_unit}s: "
                f"{what} ({blame}; last event: {source}). Check the "
                "rates of that risk and the escalates or rate_factor effects that raise them.")

    # ------------------------------------------------------------------ continuous dynamics

    def advance(self, now: float) -> None:
        """Bring health, value, per-time costs and resilience from ``self.t`` up to ``now`` in closed form.

        With gap g = 1 - h at t0, health is 1 - g exp(-rho s) and the discount factor D0 exp(-delta s), s in
        [0, dt]. So the discounted value is V F (D0 I(delta) - g D0 I(rho + delta)), the discounted alive time
        D0 I(delta) and the health area dt - g I(rho), with I(x) = (1 - exp(-x dt)) / x, computed as
        :func:`_integral` does (written out here, the same operations) so that it stays exact as x dt goes to 0.
        """
        dt = now - self.t
        if dt <= 0.0:
            return
        gap, disc0, rho, delta = 1.0 - self.h, self.disc, self.rho, self.delta
        y = rho * dt
        i_rho = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt  # _integral(rho, dt)
        y = delta * dt
        i_delta = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt  # _integral(delta, dt)
        flat = disc0 * i_delta
        self.alive_pv += flat
        if self.vr:
            y = self.rho_delta * dt
            i_both = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt  # _integral(rho + delta, dt)
            vf = self.value_factor
            self.value_pv += self.vr * (0.0 if vf.zeros else vf.nonzero) * self.env_value \
                * (flat - gap * disc0 * i_both)
        self.area += dt - gap * i_rho
        if self.keep_health:  # this stretch of recovery, its grid points computed a chunk at a time (health_matrix)
            mark = self.health_path.append
            mark(self.t)
            mark(gap)
        self.h = 1.0 - gap * (1.0 - rho * i_rho)  # exp(-x dt) = 1 - x I(x)
        self.disc = disc0 * (1.0 - delta * i_delta)
        self.t = now

    # ------------------------------------------------------------------ an occurrence, SPEC section 3

    def occur(self, risk: RiskSpec) -> None:
        self.advance(self.env.now)
        before = self.h
        # 1. contingencies on this risk with no delay activate; delayed ones activate and act later
        keep, acting = 1.0, None
        if risk.on_risk:
            seen = None if self.forks is None else self.successes[:]
            acting = []
            for c in risk.on_risk:
                if self.trigger(c):
                    keep *= 1.0 - c.reduce
                    acting.append(c)
            if seen is not None and seen != self.successes:
                self.fork_triggered(risk.on_risk, seen, (risk.index, before))
        self.hit(risk, before, keep, acting)

    def hit(self, risk: RiskSpec, before: float, keep: float, acting: list | None) -> None:
        """Steps 2 to 6 of an occurrence of ``risk``, once the contingencies on it have activated (``keep``: the
        share of the impact left by those that reduce it; ``acting``: those that worked)."""
        u = self.u
        # 2. the occurrence hits, scaled by every successful reduce_impact; min_health is the low point right
        #    after a hit, before steps 3, 5 and 6 lift health again. (Draws written out: q.value for a constant,
        #    else q.fn of the next uniform of its stream; x if x > 0.0 else 0.0 is max(0.0, x), bit for bit.)
        q = risk.health
        h = self.h - keep * (q.value if q.source < 0 else q.fn(u(q.source)))
        self.h = h = h if h > 0.0 else 0.0
        if h < self.min_h:
            self.min_h = h
        q = risk.cost
        cost = q.value if q.source < 0 else q.fn(u(q.source))
        if cost:
            self.risk_cost += keep * cost * self.disc
        if risk.value is not None:
            factor = self.draw(risk.value[0])
            duration = self.draw(risk.value[1])
            self.add_value_factor(1.0 - (1.0 - factor) * keep, duration)
        for target, k, duration in risk.escalates:
            length = None if duration is None else self.draw(duration)
            self.add_rate_factor(target, 1.0 + (k - 1.0) * keep, length)
        if risk.pescalates:
            for target, k, duration in risk.pescalates:
                length = None if duration is None else self.draw(duration)
                self.add_exit_factor(target, 1.0 + (k - 1.0) * keep, length)
        # 3. the other effects of those successful activations
        if acting:
            for c in acting:
                self.apply(c)
        # 4. fatal is drawn
        fatal = False
        if risk.fatal > 0.0:
            fatal = u(risk.fatal_source) < risk.fatal * keep
        pulled = self.pull(risk, keep) if risk.pulls else None  # partners it makes leave, drawn with fatal
        if pulled and self.forks is not None:
            self.fork_pulled(risk, before, fatal, pulled)
        self.settle(risk, before, fatal, pulled)

    def settle(self, risk: RiskSpec, before: float, fatal: bool, pulled: list | None) -> None:
        """Steps 5 and 6 of an occurrence of ``risk`` (``before``: health before it hit; ``fatal``: drawn;
        ``pulled``: the partners it makes leave)."""
        # 5. about to dissolve: on-dissolution contingencies try to rescue
        if (fatal or self.h < self.m.floor) and not self.rescue(
                ("occurrence", risk.index, before, None if pulled is None else [ps.spec.k for ps in pulled])):
            self.dissolve(risk.index)
            return
        self.rescued_from(risk, before, pulled)

    def rescued_from(self, risk: RiskSpec, before: float, pulled: list | None) -> None:
        """Step 6 of an occurrence of ``risk``, and the exits it pulls first, once the alliance stands (step 5)."""
        if pulled:  # SPEC 12: each exit as a partner's exit, in file order, while the alliance stands
            for n, ps in enumerate(pulled):
                if ps.inside:  # what is left of the occurrence after this exit, for a copy made during it
                    then = None if self.forks is None else \
                        ("rest of occurrence", risk.index, before, [q.spec.k for q in pulled[n + 1:]])
                    self.exit(ps, False, then)
                    if not self.alive:
                        return
        # 6. every health_below threshold this occurrence crossed downward, and still under, as one set: all of
        #    them activate before any acts, so no restore can hide a threshold from another and file order
        #    does not matter
        crossed = None
        after = self.h
        for c in self.m.watchers:  # a loop, not a comprehension: most occurrences cross nothing
            if before >= c.threshold > after:
                crossed = [c] if crossed is None else crossed + [c]
        if crossed:
            self.act_on_crossed(crossed)
        if self.hwatch:
            self.health_moved()

    def act_on_crossed(self, crossed: list[ContingencySpec]) -> None:
        """Step 6 for thresholds ``crossed`` downward: all activate before any acts (after an occurrence, or a
        partner's own exit); where one works for the first time, a variant parts from this path (forking)."""
        seen = None if self.forks is None else self.successes[:]
        acting = [c for c in crossed if self.trigger(c)]
        if seen is not None and seen != self.successes:
            self.fork_triggered(crossed, seen, None)
        for c in acting:
            self.apply(c)

    def draw(self, q: Quantity) -> float:
        return q.value if q.source < 0 else q.fn(self.u(q.source))

    def trigger(self, c: ContingencySpec) -> bool:
        """Activate ``c``; a delayed one acts later by itself. True when it worked and acts now."""
        worked = self.activate(c, self.disc)
        if worked is None or c.shadow:
            return False
        if c.delayed:
            self.act_later(c, worked)
            return False
        return worked

    def activate(self, c: ContingencySpec, disc: float) -> bool | None:
        """Activate ``c`` (None if it has used up max_activations): pay per_activation (at the discount factor
        ``disc`` of the present), draw success."""
        j = c.index
        if self.activations[j] >= c.cap:
            return None
        self.activations[j] += 1
        if c.per_activation:
            self.activation_pv[j] += c.per_activation * disc
        worked = self.u(c.success_source) < c.success
        if worked:
            self.successes[j] += 1
        return worked

    def _review_due(self, event: Call) -> None:
        self._review(*event.data)

    def _review(self, c: ContingencySpec, k: int) -> None:
        """Review ``k`` of ``c`` (SPEC section 13): if the alliance is alive and the condition holds, activate.

        Health and the discount factor are read at this instant without bringing the state up to it: a review
        that does not act leaves the path to the bit as it would be without the review, so variants with and
        without the contingency stay one shared path (:mod:`allysim.sharing`)."""
        if not self.alive:
            return
        now = self.env.now
        if k + 1 < len(c.reviews):
            Call(self.env, c.reviews[k + 1] - now, self._review_due, (c, k + 1))
        self._count_event(c.id)
        health, disc = self.peek(now)
        if c.review_below is not None and not health < c.review_below:
            return
        if c.review_partners is not None and not self.members() < c.review_partners:
            return
        if c.review_share is not None and not self.shares < c.review_share:
            return
        worked = self.activate(c, disc)
        if worked is None or c.shadow:
            return
        if c.delayed:
            self.act_later(c, worked)
        elif worked:
            self.advance(now)
            self.apply(c)
            if self.hwatch:
                self.health_moved()

    def peek(self, now: float) -> tuple[float, float]:
        """Health and the discount factor at ``now``, by :meth:`advance`'s operations, without advancing."""
        dt = now - self.t
        if dt <= 0.0:
            return self.h, self.disc
        y = self.rho * dt
        i_rho = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt
        y = self.delta * dt
        i_delta = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt
        return 1.0 - (1.0 - self.h) * (1.0 - self.rho * i_rho), self.disc * (1.0 - self.delta * i_delta)

    def act_later(self, c: ContingencySpec, worked: bool) -> None:
        Call(self.env, self.draw(c.delay), self._delayed, (c, worked))

    def drop_delayed(self, j: int) -> None:
        """Forget the pending actions of contingency ``j`` (a shadow now, in a copy: allysim.forking)."""
        self.env.hold([entry for entry in self.env.pending() if not (
            type(entry[3]) is Call and entry[3].callbacks[0].__func__ is Life._delayed and entry[3].data[0].index == j)])

    def _delayed(self, event: Call) -> None:
        c, worked = event.data
        if not self.alive:
            return
        if worked and self.forks is not None and self.successes[c.index] == 1:
            self.fork_delayed(c)  # its first action: the path without it, copied here (allysim.lineups)
        self._count_event(c.id)
        if worked:
            self.advance(self.env.now)
            self.apply(c)
            if self.hwatch:
                self.health_moved()

    def apply(self, c: ContingencySpec) -> None:
        """Effects other than reduce_impact and rescue_health."""
        if c.restore is not None:
            self.h = min(1.0, self.h + c.restore)
        for target, factor, duration in c.rate_factors:
            self.add_rate_factor(target, factor, duration)
        if c.exit_factors:
            for target, factor, duration in c.exit_factors:
                self.add_exit_factor(target, factor, duration)

    def rescue(self, then: tuple | None = None, start: int = 0) -> bool:
        """On-dissolution contingencies from position ``start`` try, in file order, until one works: True if one
        rescued the alliance. Where one works for the first time, the variant with it flipped parts from this path:
        a copy that goes on as ``then`` says (the rest of the event: :meth:`allysim.forking.Forking.resume`)."""
        rescuers = self.m.rescuers
        for i in range(start, len(rescuers)):
            c = rescuers[i]
            worked = self.activate(c, self.disc)
            if worked and then is not None and self.forks is not None and self.successes[c.index] == 1:
                self.fork_worked(c, ("rescue", then, i))
            if worked and not c.shadow:
                self.rescued(c)
                return True
        return False

    def rescued(self, c: ContingencySpec) -> None:
        """``c`` rescues the alliance."""
        self.h = max(self.h, c.rescue)  # validation holds rescue_health >= dissolve_below
        self.apply(c)

    def dissolve(self, cause: int) -> None:
        self.alive = False
        self.cause = cause
        if not self.ended.triggered:
            self.ended.succeed()

    # ------------------------------------------------------------------ partners: see allysim.membership

    def start_partners(self) -> None:
        raise NotImplementedError("a plan with partners is simulated by allysim.membership.PartneredLife")

    start_partners = partner_outcome = partner_environment = pull = exit = add_exit_factor = health_moved = \
        members = start_partners

    # ------------------------------------------------------------------ factors that last a while

    def add_value_factor(self, factor: float, duration: float) -> None:
        self.value_factor.add(factor)
        Call(self.env, duration, self._end_value_factor, factor)

    def _end_value_factor(self, event: Call) -> None:
        if self.alive:
            self.advance(self.env.now)
            self.value_factor.remove(event.data)

    def add_rate_factor(self, target: int, factor: float, duration: float | None) -> None:
        state = self.states[target]
        self._rescale(state)
        state.add(factor)
        self._schedule(state)
        if duration is not None:
            Call(self.env, duration, self._end_rate_factor, (state, factor))

    def _end_rate_factor(self, event: Call) -> None:
        state, factor = event.data
        if self.alive:
            self._rescale(state)
            state.remove(factor)
            self._schedule(state)


def _integral(rate: float, dt: float) -> float:
    """Integral of exp(-rate s) over [0, dt]: dt (1 - exp(-y)) / y with y = rate dt, exact as y -> 0.

    :meth:`Life.advance` writes this out in place, operation for operation; it stays here as the reference."""
    y = rate * dt
    if y < 1e-9:
        return dt * (1.0 - 0.5 * y)  # the series; also right for subnormal rates, where -expm1(-y) / rate is not
    return -math.expm1(-y) / y * dt
