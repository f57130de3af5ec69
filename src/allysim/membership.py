"""Partners (SPEC section 12): an alliance of members, each of which may leave, simulated exactly on SimPy.

A plan whose scenario lists partners is simulated by :class:`PartneredLife`, a :class:`allysim.life.Life` that also
follows each partner's exit. A scenario without partners never reaches this module: its replications run on the
plain :class:`~allysim.life.Life`, which checks one attribute at an occurrence and nothing else.

Each partner's exit is a point process with hazard ``rate x health factor x contagion^(exits so far) x escalations x
rate factors x environment factor``. As for risks, the process is built by a time change: the partner holds a
unit-exponential budget drawn from its own stream, spent at its current hazard; when the hazard changes (health
falls below or climbs back over ``health_below.x``, another partner leaves, an escalation or rate factor starts or
ends, the environment changes state), the unspent budget is rescheduled at the new hazard. Health falls only at
events, and between events it recovers as ``1 - gap exp(-rho t)``, so the moment it climbs back over ``x`` is
``ln(gap / (1 - x)) / rho`` after the last event, and nothing ticks. That moment is not an event of its own: the
partner's next exit is worked out over both stretches at once (the budget spent at the hazard below ``x`` up to the
climb, the rest at the hazard above it: :meth:`PartneredLife._place_exit`), and the climb is taken into the
partner's state when it is next looked at (:meth:`PartneredLife._climb`), by the very operations an event at that
moment would run, so the numbers are the same bits.

At an exit, in SPEC 12's order (:meth:`PartneredLife.exit`): ``on: exit`` contingencies with ``retain`` try, in file
order, until one works; otherwise the partner leaves (its share stops counting, ``on_exit`` hits, the others take the
contagion), the alliance dissolves if fewer than ``min_partners`` remain, the shares still in fall under
``min_share`` or a ``required`` partner left (credited to the partner: cause index ``risks + k``), or from the health
drop unless rescued; then the other ``on: exit`` contingencies act (after their delay, if the alliance still
stands); ``replace`` fills the seat again. Every partner source is keyed by its name
(:class:`allysim.streams.Layout`), so adding a partner moves no other stream.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

from .compiled import Quantity
from .errors import SimulationError
from .events import Call
from .life import Life, Product

if TYPE_CHECKING:
    from .compiled import ContingencySpec, RiskSpec
    from .engine import CompiledPlan
    from .scenario import Partner, Scenario
    from .streams import Layout, Streams

__all__ = ["PartnerSpec", "PartnerState", "PartneredLife", "SHARE_TOLERANCE", "lineups_share_paths"]

# shares are added in floating point (0.7 + 0.1 is 0.7999999999999999): a sum this close to min_share meets it
SHARE_TOLERANCE = 1e-9

_INF = math.inf
_log1p, _log = math.log1p, math.log


def lineups_share_paths(scenario: Scenario) -> bool:
    """Whether paths can be shared between line-ups of candidate partners (SPEC section 12; :mod:`allysim.sharing`).

    They can when no decision but the membership checks (min_partners, min_share) and the value rate depends on
    which partners are in: a scheduled review conditioned on the partners or shares in reads them too."""
    return any(p.candidate for p in scenario.partners) and not any(
        c.trigger.condition is not None and (c.trigger.condition.partners_below is not None
                                             or c.trigger.condition.share_below is not None)
        for c in scenario.contingencies)


class PartnerSpec:
    """A partner compiled for one plan: its share, exit hazard, its effects on leaving, and its streams."""

    def __init__(self, p: Partner, k: int, scenario: Scenario, layout: Layout, *, inside: bool,
                 steady: bool, ghost: bool = False) -> None:
        self.k, self.id = k, p.id
        self.inside = inside  # in the plan's line-up at t = 0
        self.ghost = ghost  # a candidate outside the line-up followed as a ghost, for path sharing (allysim.lineups)
        self.steady = steady  # never leaves (the drivers' "without this partner's exit")
        self.share = scenario.shares[p.id]
        # a hazard by age (SPEC section 13): the engine's own copy of the curve, whose scale the rate (1) is
        self.curve = None if p.exit.hazard is None else p.exit.hazard.curve()
        self.rate = 0.0 if steady else p.exit.base
        hb = p.exit.health_below
        self.x = None if hb is None else hb.x
        self.factor = 1.0 if hb is None else hb.factor
        self.contagion = p.exit.contagion
        self.required, self.candidate = p.required, p.candidate
        self.setup, self.per_time = p.cost.setup, p.cost.per_time
        self.source = layout.index(f"{p.id}.exit")
        self.on_health = Quantity(p.on_exit.health, 0.0, 1.0, layout, f"{p.id}.on_exit_health")
        self.on_cost = Quantity(p.on_exit.cost, 0.0, math.inf, layout, f"{p.id}.on_exit_cost")

    def setter(self, parts: list[str]) -> Callable[[float], None]:
        """A setter of one uncertain number of this partner (``share``, ``exit.rate``, ...)."""
        key = ".".join(parts)
        if parts[:2] == ["exit", "hazard"] and self.curve is not None:
            curve, name = self.curve, parts[-1]  # exit.hazard.shape, exit.hazard.scale, exit.hazard.steps.N

            def set_curve(value: float) -> None:
                curve.set(name, value)
            return set_curve
        if key in ("exit.rate", "exit.probability"):
            probability = key == "exit.probability"

            def set_rate(value: float) -> None:
                self.rate = 0.0 if self.steady else -_log1p(-value) if probability else value
            return set_rate
        name = {"share": "share", "exit.contagion": "contagion", "exit.health_below.factor": "factor",
                "exit.health_below.x": "x", "cost.setup": "setup", "cost.per_time": "per_time"}.get(key)
        if name is None:
            raise ValueError(f"no engine setter for partners.{self.id}.{key}")

        def set_field(value: float) -> None:
            setattr(self, name, value)
        return set_field


class PartnerState(Product):
    """A partner during one replication: the product of its escalations and rate factors in force (a
    :class:`~allysim.life.Product`), whether it is in, its exit budget and pending exit, and its bookkeeping."""

    __slots__ = ("spec", "inside", "ghost", "env", "below", "spread", "budget", "mark", "pending", "due", "cross",
                 "since", "tenure", "first", "attempts")

    def __init__(self, spec: PartnerSpec) -> None:
        self.spec = spec
        self.nonzero = 1.0
        self.zeros = 0
        self.inside = False
        self.ghost = False  # followed as if in, never acting (allysim.lineups): until it would first try to leave
        self.env = 1.0  # the environment state's exit factor
        self.below = False  # health is below spec.x from mark on: the hazard takes spec.factor, until cross
        self.spread = 1.0  # contagion ** exits so far
        self.budget = 0.0
        self.mark = 0.0
        self.pending: Call | None = None
        self.due = _INF  # when the pending exit is
        self.cross = _INF  # when health climbs back over spec.x, if below (inf: not before the horizon)
        self.since = 0.0  # when it last joined
        self.tenure = 0.0
        self.first = _INF  # when it first left
        self.attempts = 0  # exits, retained or not

    def copy(self, spec: PartnerSpec | None = None) -> PartnerState:
        """A copy with nothing pending, reading ``spec`` if given (see :meth:`allysim.forking.Forking.copy`)."""
        new = PartnerState.__new__(PartnerState)
        new.spec, new.nonzero, new.zeros, new.inside, new.ghost, new.env, new.below, new.spread = \
            self.spec if spec is None else spec, self.nonzero, self.zeros, self.inside, self.ghost, self.env, \
            self.below, self.spread
        new.budget, new.mark, new.pending, new.due, new.cross, new.since, new.tenure, new.first, new.attempts = \
            self.budget, self.mark, None, self.due, self.cross, self.since, self.tenure, self.first, self.attempts
        return new

    @property
    def rate(self) -> float:
        spec = self.spec
        if not (self.inside or self.ghost) or not spec.rate:
            return 0.0
        product = 0.0 if self.zeros else self.nonzero
        return spec.rate * (spec.factor if self.below else 1.0) * self.spread * product * self.env


class PartneredLife(Life):
    """One alliance lifetime with partners: :class:`~allysim.life.Life` plus each partner's exit."""

    def drop_pending(self) -> None:
        super().drop_pending()
        for ps in self.pstates:  # a partner's pending exit calls back into this Life
            ps.pending = None

    def copy_into(self, new: Life, mapping: dict[int, object], specs: dict[int, object]) -> None:
        pstates = new.pstates = [ps.copy(spec) for ps, spec in zip(self.pstates, new.m.partners)]  # by position
        mapping.update(zip(map(id, self.pstates), pstates))
        new.hwatch = [pstates[ps.spec.k] for ps in self.hwatch]
        new.exit_log = self.exit_log[:]
        if self.checks is not None:
            new.checks = self.checks[:]

    def fork(self, ps: PartnerState, occurrence: tuple | None) -> None:
        """A candidate's first exit: only a path kept for other line-ups is copied there (allysim.lineups)."""

    def fork_pulled(self, risk: RiskSpec, before: float, fatal: bool, pulled: list[PartnerState]) -> None:
        """Partners pulled out by an occurrence: only a path kept for other line-ups is copied there."""

    def __init__(self, model: CompiledPlan, streams: Streams, replication: int) -> None:
        super().__init__(model, streams, replication)
        self.pstates = [PartnerState(spec) for spec in model.partners]
        self.hwatch = [ps for ps in self.pstates if ps.spec.x is not None]
        self.exits_so_far = 0
        self.exit_log: list[str] = []  # each exit as the outcome's exits text words it, "id@t"
        self.shares = 0.0
        self.mask = 0  # the partners in, as bits (k: 1 << k)
        self.ghosts_left = 0  # the ghosts that would have tried to leave, as bits
        self.tried = 0  # the partners that tried to leave (attempts > 0), as bits
        self.checks: list[tuple[int, bool]] | None = None  # allysim.lineups: each membership check and its verdict

    # ------------------------------------------------------------------ the start and the end

    def start_partners(self) -> None:
        """The line-up joins at t = 0: shares count, and each partner's first exit is scheduled."""
        for ps in self.pstates:
            if ps.spec.inside or ps.spec.ghost:
                ps.inside, ps.ghost = ps.spec.inside, ps.spec.ghost
                ps.budget = -_log1p(-self.u(ps.spec.source))
        self._refresh_shares()
        m = self.m
        members = sum(1 for ps in self.pstates if ps.inside)
        short = members < m.min_partners or self.shares < m.min_share - SHARE_TOLERANCE
        if self.checks is not None:
            self.checked(short, -1)
        if short:
            # a line-up that cannot form the alliance (a study's subset of candidates; named plans are refused by
            # the checks): it ends at t = 0, credited to the first partner missing from it
            missing = next((ps.spec.k for ps in self.pstates if not ps.inside), 0)
            self.dissolve(len(m.risks) + missing)
            return
        for ps in self.pstates:
            if ps.inside or ps.ghost:
                self._schedule_exit(ps)
        self.health_moved()

    def partner_outcome(self, contingency_cost: float) -> tuple[float, tuple]:
        """The contingency cost with the candidates' costs added (after the contingencies', one by one in file
        order, as :mod:`allysim.sharing` adds them), and the partner fields of the
        :class:`~allysim.outcome.Outcome`, in order (partner_costs to lineup)."""
        end, alive_pv = self.t, self.alive_pv
        costs, first, tenure, attempts = [], [], [], []
        paid = 0.0
        for ps in self.pstates:  # file order: k is the position
            spec = ps.spec
            if spec.candidate and spec.inside:
                cost = spec.setup + spec.per_time * alive_pv
                paid += cost
                costs.append(cost)
            else:
                costs.append(0.0)
            if ps.inside:
                ps.tenure += end - ps.since
            first.append(ps.first)
            tenure.append(ps.tenure)
            attempts.append(ps.attempts)
        return contingency_cost + paid, (costs, first, tenure, attempts, self.mask.bit_count(), ";".join(self.exit_log),
                                         self.record())

    def record(self) -> object:
        """The outcome's ``lineup``: None here (:class:`allysim.lineups.RecordingLife` keeps one)."""
        return None

    def members(self) -> int:
        """The partners in the alliance now."""
        return self.mask.bit_count()

    # ------------------------------------------------------------------ the exit hazard

    def _refresh_shares(self) -> None:
        total = 0.0
        mask = 0
        for ps in self.pstates:  # file order, so the sum is the same bits whatever the history
            if ps.inside:
                total += ps.spec.share
                mask |= 1 << ps.spec.k
        self.shares = total
        self.mask = mask
        self.vr = self.m.value_rate * total

    def _rescale_exit(self, ps: PartnerState) -> None:
        """Spend the budget used so far at the old hazard; the caller changes the hazard, then reschedules."""
        now = self.env.now
        if ps.cross <= now:  # health climbed back over x since: that change of hazard first
            self._climb(ps)
        ps.budget = self._spent(ps, now)

    def _spent(self, ps: PartnerState, now: float) -> float:
        """The budget left at ``now``, spent from ``mark`` at the hazard in force since."""
        spec = ps.spec
        rate = spec.rate  # ps.rate, written out (the hot path of every change of hazard)
        if rate and (ps.inside or ps.ghost):
            rate = rate * (spec.factor if ps.below else 1.0) * ps.spread * (0.0 if ps.zeros else ps.nonzero) * ps.env
        else:
            rate = 0.0
        spent = rate * (now - ps.mark) if spec.curve is None else spec.curve.spent(ps.mark, now, rate)
        budget = ps.budget - spent
        return budget if budget > 0.0 else 0.0  # max(0.0, budget), bit for bit

    def _climb(self, ps: PartnerState) -> None:
        """Health climbed back over x at ``ps.cross``: the budget spent below x up to then, the hazard above from
        then (what an event at that moment would do, done when the partner is next looked at)."""
        cross = ps.cross
        ps.budget = self._spent(ps, cross)
        ps.mark, ps.below, ps.cross = cross, False, _INF

    def _schedule_exit(self, ps: PartnerState) -> None:
        """Schedule the partner's next exit from now: its budget is up to date (:meth:`_rescale_exit`)."""
        now = self.env.now
        if ps.cross <= now:
            self._climb(ps)
        ps.mark = now
        self._place_exit(ps)

    def _place_exit(self, ps: PartnerState, keep: bool = False) -> None:
        """Schedule the exit that spends the budget from ``mark``: at the hazard below x until health climbs back
        over it (``cross``), then at the hazard above x. With ``keep``, a pending exit already at that time stays."""
        pending, ps.pending = ps.pending, None
        spec = ps.spec
        rate = spec.rate  # ps.rate, written out
        if not rate or not (ps.inside or ps.ghost):
            return
        start, budget, curve, when = ps.mark, ps.budget, spec.curve, _INF
        if ps.below:
            below = rate * spec.factor * ps.spread * (0.0 if ps.zeros else ps.nonzero) * ps.env
            cross = ps.cross
            if below > 0.0:
                if not math.isfinite(below):
                    raise self._overflowed(spec)
                wait = budget / below if curve is None else curve.arrival(start, budget, below) - start
                if start + wait < cross:  # it leaves before health climbs back
                    when = start + wait
            if when == _INF:
                if cross == _INF:
                    return
                budget = self._spent(ps, cross)  # as at the climb (_climb)
                start = cross
        if when == _INF:  # above x
            rate = rate * ps.spread * (0.0 if ps.zeros else ps.nonzero) * ps.env  # (x 1.0: the same bits)
            if rate <= 0.0:
                return
            if not math.isfinite(rate):
                raise self._overflowed(spec)
            # a hazard by age: the time t at which rate (H(t) - H(start)) spends the budget
            when = start + (budget / rate if curve is None else curve.arrival(start, budget, rate) - start)
        if when > self.m.horizon:
            return
        if keep and pending is not None and ps.due == when:
            ps.pending = pending  # already there
            return
        ps.pending = Call.at(self.env, when, self._exit_due, ps)
        ps.due = when

    def _overflowed(self, spec: PartnerSpec) -> SimulationError:
        return SimulationError(self._runaway(spec.id, f"the exit hazard of partner '{spec.id}' overflowed"))

    def _exit_due(self, event: Call) -> None:
        ps: PartnerState = event.data
        if event is not ps.pending or not self.alive:
            return
        if ps.ghost:  # a ghost would leave here: the path with it in parts from this one (allysim.lineups)
            self.ghost_left(ps)
            return
        if self.forks is not None and ps.spec.candidate and not ps.attempts:
            self.fork(ps, None)  # the path without this candidate, copied here (allysim.lineups)
        self._count_event(ps.spec.id)
        self.advance(self.env.now)
        if ps.cross <= self.env.now:
            self._climb(ps)
        ps.pending = None
        ps.budget = -_log1p(-self.u(ps.spec.source))  # for the next exit, should this one be retained
        self.exit(ps, watch=True)

    def health_moved(self) -> None:
        """Health changed at this event: each partner whose factor applies below x follows, and the moment health
        climbs back over x is worked out (closed form; never, without recovery), its exit scheduled with it."""
        h, now, horizon = self.h, self.env.now, self.m.horizon
        for ps in self.hwatch:
            if not (ps.inside or ps.ghost):
                continue
            if ps.cross <= now:
                self._climb(ps)
            x = ps.spec.x
            below = h < x
            cross = _INF
            if below and self.rho > 0.0 and x < 1.0:
                wait = _log((1.0 - h) / (1.0 - x)) / self.rho
                if now + wait <= horizon:
                    cross = now + wait
            if below != ps.below:
                self._rescale_exit(ps)
                ps.below, ps.cross = below, cross
                self._schedule_exit(ps)
            elif cross != ps.cross:  # still below, climbing back at another time: the same budget, spent anew
                ps.cross = cross
                self._place_exit(ps, keep=True)

    def add_exit_factor(self, k: int, factor: float, duration: float | None) -> None:
        ps = self.pstates[k]
        follow = ps.inside or ps.ghost
        if follow:
            self._rescale_exit(ps)
        ps.add(factor)
        if follow:
            self._schedule_exit(ps)
        if duration is not None:
            Call(self.env, duration, self._end_exit_factor, (ps, factor))

    def _end_exit_factor(self, event: Call) -> None:
        ps, factor = event.data
        if self.alive:
            follow = ps.inside or ps.ghost
            if follow:
                self._rescale_exit(ps)
            ps.remove(factor)
            if follow:
                self._schedule_exit(ps)

    def partner_environment(self, factors: list[float]) -> None:
        for ps, factor in zip(self.pstates, factors):
            if ps.env != factor:
                follow = ps.inside or ps.ghost
                if follow:
                    self._rescale_exit(ps)
                ps.env = factor
                if follow:
                    self._schedule_exit(ps)

    # ------------------------------------------------------------------ an exit, SPEC section 12

    def pull(self, risk: RiskSpec, keep: float) -> list[PartnerState] | None:
        """Step 4 of an occurrence: the partners it makes leave, each drawn from its own stream."""
        out = None
        for k, q, source in risk.pulls:
            ps = self.pstates[k]
            if ps.inside and not ps.spec.steady and q > 0.0 and self.u(source) < q * keep:
                out = [ps] if out is None else out + [ps]
            elif ps.ghost and not ps.spec.steady and q > 0.0 and self.u(source) < q * keep:
                self.ghost_left(ps)  # pulled: the same draw as in, and the path with it in parts from here
        return out

    def exit(self, ps: PartnerState, watch: bool, then: tuple | None = None) -> None:
        """Partner ``ps`` decides to leave (its own exit, or pulled by a risk's occurrence: ``watch=False``, the
        occurrence then runs step 6 for both, and ``then`` says what is left of it for a copy made meanwhile)."""
        ps.attempts += 1
        self.tried |= 1 << ps.spec.k
        self.retain(ps, watch, self.h, 0, then)

    def retain(self, ps: PartnerState, watch: bool, before: float, start: int, then: tuple | None = None) -> None:
        """The ``retain`` contingencies from position ``start`` try, in file order, until one works; else the partner
        leaves (``before``: health before the exit). Where one works for the first time (at the partner's own exit,
        or one pulled out with ``then`` given), the variant with it flipped parts from this path (a copy:
        :meth:`~allysim.forking.Forking.fork_worked`)."""
        k, retainers = ps.spec.k, self.m.retainers
        for i in range(start, len(retainers)):
            c = retainers[i]
            if c.exit_partner >= 0 and c.exit_partner != k:
                continue
            worked = self.activate(c, self.disc)
            if worked and (watch or then is not None) and self.forks is not None and self.successes[c.index] == 1:
                self.fork_worked(c, ("retain", k, before, i, watch, then))
            if worked and not c.shadow:
                self.retained(c, ps, watch, before)
                return
        self.depart(ps, watch, before, then)

    def retained(self, c: ContingencySpec, ps: PartnerState, watch: bool, before: float) -> None:
        """``c`` keeps the partner."""
        self.apply(c)
        if watch and ps.pending is None:  # its own exit, retained: its next one, from a new budget (a partner
            self._schedule_exit(ps)      # pulled out and retained keeps its exit clock running)
        self._watch(before, watch)

    def depart(self, ps: PartnerState, watch: bool, before: float, then: tuple | None = None) -> None:
        """The partner leaves: its share, on_exit, contagion, the membership checks, a rescue, then the other
        ``on: exit`` contingencies."""
        m, now, k = self.m, self.env.now, ps.spec.k
        if ps.pending is not None:
            ps.pending = None
        ps.inside, ps.cross = False, _INF
        ps.tenure += now - ps.since
        if ps.first == _INF:
            ps.first = now
        self.exit_log.append(f"{ps.spec.id}@{now:.6g}")  # worded once: copies made later share it
        self.exits_so_far += 1
        self._refresh_shares()
        spec = ps.spec
        drop = self.draw(spec.on_health)
        if drop:
            h = self.h - drop
            self.h = h = h if h > 0.0 else 0.0
            if h < self.min_h:
                self.min_h = h
        cost = self.draw(spec.on_cost)
        if cost:
            self.risk_cost += cost * self.disc
        for other in self.pstates:  # contagion (a ghost takes it as it would in)
            if (other.inside or other.ghost) and other.spec.contagion != 1.0:
                self._rescale_exit(other)
                other.spread *= other.spec.contagion
                self._schedule_exit(other)
        cause = len(m.risks) + k
        members = self.mask.bit_count()  # the partners still in (_refresh_shares)
        if spec.required:
            self.dissolve(cause)  # whatever the line-up
            return
        short = members < m.min_partners or self.shares < m.min_share - SHARE_TOLERANCE
        if self.checks is not None:
            self.checked(short, cause)
        if short:
            self.dissolve(cause)  # the alliance cannot stand without it: no rescue
            return
        if self.h < m.floor and not self.rescue(("exit", k, before) if watch else None):
            self.dissolve(cause)
            return
        self.follow_exit(ps, watch, before, 0, then)

    def follow_exit(self, ps: PartnerState, watch: bool, before: float, start: int,
                    then: tuple | None = None) -> None:
        """The other ``on: exit`` contingencies from position ``start``, then step 6. Where one works for the first
        time (as in :meth:`retain`) and acts at once, or is a shadow (in the variant with it, it acts), the variant
        with it flipped parts from this path. A delayed one in the plan parts from it only at its first action, where
        no copy is made: that variant is simulated apart."""
        k, watchers = ps.spec.k, self.m.exit_watchers
        for i in range(start, len(watchers)):
            c = watchers[i]
            if c.exit_partner >= 0 and c.exit_partner != k:
                continue
            worked = self.activate(c, self.disc)
            if worked and (watch or then is not None) and self.forks is not None and self.successes[c.index] == 1 \
                    and (c.shadow or not c.delayed):
                self.fork_worked(c, ("follow", k, before, i, watch, then))
            if worked is None or c.shadow:
                continue
            self.act_after_exit(c, ps, worked)
        self._watch(before, watch)

    def act_after_exit(self, c: ContingencySpec, ps: PartnerState, worked: bool) -> None:
        """An ``on: exit`` contingency other than ``retain`` has activated: it acts, now or after its delay."""
        if c.delayed:
            Call(self.env, self.draw(c.delay), self._after_exit, (c, ps, worked))
        elif worked:
            self._act_on_exit(c, ps)

    def ghost_left(self, ps: PartnerState) -> None:
        """A ghost (allysim.lineups) would try to leave now: from here it is followed no more."""
        ps.ghost = False
        ps.pending, ps.cross = None, _INF
        self.ghosts_left |= 1 << ps.spec.k

    def checked(self, short: bool, cause: int) -> None:
        raise NotImplementedError("only a RecordingLife records membership checks")

    def _watch(self, before: float, watch: bool) -> None:
        """Step 6 after an exit of the partner's own (a pulled exit leaves it to the occurrence)."""
        if not watch:
            return
        after = self.h
        crossed = [c for c in self.m.watchers if before >= c.threshold > after]
        if crossed:
            self.act_on_crossed(crossed)
        self.health_moved()

    def _act_on_exit(self, c: ContingencySpec, ps: PartnerState) -> None:
        self.apply(c)
        if c.replace and not ps.inside:
            ps.inside = True
            ps.since = self.env.now
            ps.budget = -_log1p(-self.u(ps.spec.source))
            ps.spread = ps.spec.contagion ** self.exits_so_far
            ps.below = ps.spec.x is not None and self.h < ps.spec.x
            self._refresh_shares()
            self._schedule_exit(ps)

    def _after_exit(self, event: Call) -> None:
        c, ps, worked = event.data
        if not self.alive:
            return
        self._count_event(c.id)
        if worked:
            self.advance(self.env.now)
            self._act_on_exit(c, ps)
            self.health_moved()
