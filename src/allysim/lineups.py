"""One path for several line-ups of candidate partners (SPEC section 12), for path sharing (:mod:`allysim.sharing`).

A plan's candidate partners are in the alliance from t = 0, so at first sight each line-up is a world of its own.
It is not: the streams are keyed by (seed, replication, source), and a candidate's presence matters only where it
acts or is counted. A path simulated for one line-up is also the path of another line-up of the same contingencies
as long as

- no candidate in one line-up and not the other tries to leave (its own exit, retained or not, or a risk pulling it
  out): a candidate outside the line-up is followed as a *ghost* (:class:`RecordingLife`), its exit budget drawn
  from its own stream and its hazard taking health, contagion, escalations, rate factors and the environment as it
  would in, until it would first try to leave; nobody else reads a ghost's streams, so the path is the line-up's;
- every membership check (min_partners, min_share, at t = 0 and at each exit) has the same verdict with the other
  line-up's partners in.

The value differs (value_rate x health x factors x the shares still in), and so do the candidates' costs, tenures
and the partners at the end: :meth:`LineupRecord.derive` redoes them from each stretch between two events, with the
same operations in the same order as a simulation of that line-up, so the same bits.

And where a line-up passes a membership check that a line-up with fewer partners or shares would not, the smaller
line-up's alliance ends there, on the same path: each such check is kept as an :class:`Ending`, the outcome had the
alliance dissolved at that moment, which stands for the smaller line-ups (built only when one needs it).

And where a line-up parts from a path, at its candidate's first attempt to leave, the life is copied there and the
copy goes on as that line-up's path (:meth:`RecordingLife.fork`, :mod:`allysim.forking`).
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import TYPE_CHECKING

from .life import Life
from .membership import SHARE_TOLERANCE, PartneredLife
from .outcome import Outcome

if TYPE_CHECKING:
    from .compiled import RiskSpec
    from .engine import CompiledPlan
    from .membership import PartnerState
    from .streams import Streams

__all__ = ["LineupRecord", "Ending", "RecordingLife"]

_expm1 = math.expm1

# Ending.outcome builds an Outcome field by field, in this order
assert [f.name for f in fields(Outcome)] == [
    "lifetime", "cause", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience", "occurrences",
    "activations", "successes", "costs", "health", "env_time", "env_state", "env_grid", "shadow_activations",
    "shadow_costs", "shadow_worked", "partner_costs", "partner_exit", "partner_tenure", "exit_attempts",
    "partners_end", "exits", "lineup"], "allysim.outcome.Outcome changed: update Ending.outcome"


class LineupRecord:
    """What a path simulated for one line-up holds so that it can stand for other line-ups (module docstring).

    The line-up (partners in at t = 0, as bits), the partners that tried to leave (in, or ghosts: a retained exit
    counts), every membership check (the partners in, as bits, and whether the alliance fell short), the first
    ``size`` numbers of ``stretches`` (four per stretch of :meth:`RecordingLife.advance`: the partners in, the value
    factor, the environment's value factor, the discounted integral that value_rate x shares multiplies), what each
    ghost would have cost, and the path's :class:`Ending` s."""

    __slots__ = ("lineup", "left", "checks", "stretches", "size", "ghost_costs", "endings")

    def __init__(self, lineup: int, left: int, checks: list, stretches: list, size: int,
                 ghost_costs: list[float] | None, endings: list[Ending]) -> None:
        self.lineup, self.left, self.checks, self.stretches, self.size = lineup, left, checks, stretches, size
        self.ghost_costs, self.endings = ghost_costs, endings

    def standing(self, lineups: list[int], model: CompiledPlan, totals: dict[int, float]) -> list[int]:
        """The line-ups of ``lineups`` this path is also the path of, in their order: no candidate in one line-up and
        not the other tried to leave, and every membership check has the same verdict with that line-up in.
        ``model`` is the plan simulated (holding this replication's shares and min_share); ``totals`` caches shares
        added up by mask."""
        own, left, checks = self.lineup, self.left, self.checks
        unformed = bool(checks) and checks[0][1]  # no alliance formed at t = 0: credited to its first missing partner
        floor, least, known = model.min_share - SHARE_TOLERANCE, model.min_partners, totals.get
        order = checks[::-1]  # the last first: an ending's, where line-ups part most often
        out = []
        for lineup in lineups:
            drop, add = own & ~lineup, lineup & ~own
            if (drop | add) & left or (unformed and drop | add):
                continue
            for mask, short in order:
                mask = mask & ~drop | add
                total = known(mask)
                if total is None:
                    total = _total(mask, model, totals)
                if (mask.bit_count() < least or total < floor) != short:
                    break
            else:
                out.append(lineup)
        return out

    def derive(self, outcome: Outcome, lineup: int, model: CompiledPlan,
               totals: dict[int, float]) -> tuple[float, list[tuple[int, float, float]], int]:
        """What the outcome of ``lineup`` on this path (which it stands for: :meth:`standing`) has of its own, all else being
        ``outcome``'s: the value with its shares; the cost and tenure of each partner in one line-up and not the
        other, as ``(k, cost, tenure)``; its partners at the end. The same operations in the same order as a
        simulation of it (:meth:`RecordingLife.advance`, :meth:`allysim.membership.PartneredLife.partner_outcome`),
        so the same bits."""
        drop, add = self.lineup & ~lineup, lineup & ~self.lineup
        value, rate, st, known = 0.0, model.value_rate, self.stretches, totals.get
        for i in range(0, self.size, 4):
            mask = st[i] & ~drop | add
            total = known(mask)  # _total, its cache read here
            vr = rate * (_total(mask, model, totals) if total is None else total)
            if vr:
                value += vr * st[i + 1] * st[i + 2] * st[i + 3]
        changes = []
        bits = drop | add
        while bits:
            low = bits & -bits
            k = low.bit_length() - 1
            bits ^= low
            # out of the line-up: nothing paid, no tenure; in it, a ghost here: what it would have cost, the whole life
            changes.append((k, 0.0, 0.0) if drop & low else (k, self.ghost_costs[k], outcome.lifetime))
        return value, changes, outcome.partners_end + add.bit_count() - drop.bit_count()


def _total(mask: int, model: CompiledPlan, totals: dict[int, float]) -> float:
    """The shares of the partners in ``mask``, added in file order as
    :meth:`allysim.membership.PartneredLife._refresh_shares` does (cached in ``totals``)."""
    total = totals.get(mask)
    if total is None:
        total = 0.0
        for spec in model.partners:
            if mask >> spec.k & 1:
                total += spec.share
        totals[mask] = total
    return total


class Ending:
    """The path had its alliance dissolved at a membership check its line-up passed, credited to the partner
    leaving: what a line-up falling short there lives (module docstring). The state at that moment is kept, and the
    :class:`~allysim.outcome.Outcome` made from it only when a line-up needs it (:meth:`outcome`), by
    :meth:`allysim.life.Life.run`'s and :meth:`~allysim.membership.PartneredLife.partner_outcome`'s closing
    accounts, operation for operation."""

    __slots__ = ("record", "cause", "t", "value_pv", "risk_cost", "alive_pv", "activation_pv", "activations",
                 "successes", "min_h", "area", "env_time", "env_state", "env_grid", "counts", "first", "tenure",
                 "attempts", "inside", "exits", "exit_count", "health")

    def __init__(self, life: RecordingLife, cause: int) -> None:
        end = life.t
        self.cause, self.t = cause, end
        self.value_pv, self.risk_cost, self.alive_pv = life.value_pv, life.risk_cost, life.alive_pv
        self.activation_pv, self.activations, self.successes = life.activation_pv[:], life.activations[:], \
            life.successes[:]
        self.min_h, self.area = life.min_h, life.area
        self.env_time, self.env_state, self.env_grid = life.env_time[:], life.env_state, life.env_grid
        if self.env_state >= 0:
            self.env_time[self.env_state] += end - life.env_since
        self.counts = [s.count for s in life.states]
        # each partner's first exit, tenure to now and exits tried; the partners in, as bits
        first, tenure, attempts = self.first, self.tenure, self.attempts = [], [], []
        for ps in life.pstates:
            first.append(ps.first)
            tenure.append(ps.tenure + (end - ps.since) if ps.inside else ps.tenure)
            attempts.append(ps.attempts)
        left = life.ghosts_left | life.tried
        self.inside = life.mask
        self.exits, self.exit_count = life.exit_log, len(life.exit_log)  # the log only grows: its first entries
        self.health = life.health_path[:]
        self.record = LineupRecord(life.lineup, left, life.checks + [(life.mask, True)], life.stretches,
                                   len(life.stretches), None, [])

    def outcome(self, model: CompiledPlan) -> Outcome:
        """The outcome of the path's line-up, had the alliance ended here; its record derives the others'."""
        end, alive_pv = self.t, self.alive_pv
        n = len(model.contingency_ids)
        costs = [0.0] * n
        cont_cost = 0.0
        for c in model.contingencies:
            costs[c.index] = c.setup + c.per_time * alive_pv + self.activation_pv[c.index]
            cont_cost += costs[c.index]
        count = len(model.partners)
        pcosts, ghosts = [0.0] * count, [0.0] * count
        paid = 0.0
        for spec in model.partners:
            if spec.candidate and spec.inside:
                pcosts[spec.k] = spec.setup + spec.per_time * alive_pv
                paid += pcosts[spec.k]
            if spec.ghost:
                ghosts[spec.k] = spec.setup + spec.per_time * alive_pv
        self.record.ghost_costs = ghosts
        cont_cost = cont_cost + paid
        activations, successes = self.activations, self.successes
        shadow = ([0] * n, [0.0] * n, [False] * n)
        for c in model.shadowed:
            j = c.index
            shadow[0][j] = activations[j]
            shadow[1][j] = c.setup + c.per_time * alive_pv + self.activation_pv[j]
            shadow[2][j] = successes[j] > 0
            activations[j] = successes[j] = 0
        exits = ";".join(self.exits[:self.exit_count])
        # Outcome's fields in order (allysim.outcome), positional
        return Outcome(end, self.cause, self.value_pv - (self.risk_cost + cont_cost), self.value_pv, self.risk_cost,
                       cont_cost, self.min_h, self.area / model.horizon, self.counts, activations, successes, costs,
                       self.health, self.env_time, self.env_state, self.env_grid, *shadow, pcosts, self.first,
                       self.tenure, self.attempts, self.inside.bit_count(), exits, self.record)


class RecordingLife(PartneredLife):
    """A :class:`~allysim.membership.PartneredLife` that keeps a :class:`LineupRecord`, so that its path can stand
    for other line-ups of candidate partners (module docstring): it follows the candidates outside its line-up as
    ghosts, and keeps each stretch's value integral, each membership check and each :class:`Ending`."""

    def __init__(self, model: CompiledPlan, streams: Streams, replication: int) -> None:
        super().__init__(model, streams, replication)
        self.checks = []
        self.stretches: list = []
        self.endings: list[Ending] = []
        # shares added up, by mask (_total): this replication's, so a copy shares the cache (of one world: the same
        # shares, whichever variant's specs it reads)
        self.totals: dict[int, float] = {}
        self.lineup = self.candidates = 0
        for spec in model.partners:
            if spec.inside:
                self.lineup |= 1 << spec.k
                if spec.candidate:
                    self.candidates |= 1 << spec.k

    # ------------------------------------------------------------------ copies: where another variant parts

    def fork(self, ps: PartnerState, occurrence: tuple | None) -> None:
        """Candidate ``ps``, in this line-up, tries to leave for the first time: up to here the line-up without it
        lived this very path (it would have been a ghost, followed alike, and every membership check had the same
        verdict, or that line-up ended at one, an :class:`Ending` of this path). So, if that variant is still to
        stand for (``self.forks``), a copy of this life becomes its path (:meth:`leave`) and goes on from here by
        itself: the prefix is not simulated again. ``occurrence``: when a risk pulls it out, the rest of that
        occurrence (:meth:`resume`)."""
        k = ps.spec.k
        bit = 1 << k
        m = self.m
        floor, least, totals = m.min_share - SHARE_TOLERANCE, m.min_partners, self.totals
        for mask, short in self.checks:
            mask &= ~bit
            if (mask.bit_count() < least or _total(mask, m, totals) < floor) != short:
                return
        model = self.forks.model_for(lineup=self.lineup & ~bit)
        if model is not None:
            new = self.copy(model)
            new.leave(k)
            new.resumption = None if occurrence is None else ("pulled", occurrence)
            self.forks.add(new)

    def fork_pulled(self, risk: RiskSpec, before: float, fatal: bool, pulled: list[PartnerState]) -> None:
        """An occurrence of ``risk`` pulls partners out: a copy (:meth:`fork`) for each candidate among them leaving
        for the first time, holding what is left of the occurrence for the others."""
        for ps in pulled:
            if ps.spec.candidate and not ps.attempts:
                self.fork(ps, (risk.index, before, fatal, [q.spec.k for q in pulled if q is not ps]))

    def copy_into(self, new: Life, mapping: dict[int, object], specs: dict[int, object]) -> None:
        super().copy_into(new, mapping, specs)
        new.stretches = self.stretches[:]
        new.endings = []  # this path's endings stand for the smaller line-ups up to here

    def leave(self, k: int) -> None:
        """This copy as the path of its line-up, the same but for candidate ``k``, out of it (a ghost there,
        leaving now): the membership checks and stretches without it, the shares and value with the line-up's
        own shares (the same operations in the same order as :meth:`advance`, so the same bits)."""
        bit = 1 << k
        model = self.m
        self.pstates[k].inside = False
        self.ghost_left(self.pstates[k])
        self.lineup &= ~bit
        self.candidates &= ~bit
        self.checks = [(mask & ~bit, short) for mask, short in self.checks]
        st, value, rate, totals = self.stretches, 0.0, model.value_rate, self.totals
        for i in range(0, len(st), 4):
            st[i] &= ~bit
            vr = rate * _total(st[i], model, totals)
            if vr:
                value += vr * st[i + 1] * st[i + 2] * st[i + 3]
        self.value_pv = value
        self._refresh_shares()

    def checked(self, short: bool, cause: int) -> None:
        """A membership check (``cause``: the partner leaving, -1 at t = 0): its verdict, and when the line-up
        passes it after t = 0, an :class:`Ending` for the line-ups that would not."""
        if not short and cause >= 0 and self.could_fall_short():
            self.endings.append(Ending(self, cause))
        self.checks.append((self.mask, short))

    def could_fall_short(self) -> bool:
        """Whether a line-up without some of this one's candidates (those that have not tried to leave) would fall
        short now: without all of them is the likeliest, as a sum of shares only grows with its terms."""
        droppable = self.candidates & ~self.tried
        if not droppable:
            return False
        rest = self.mask & ~droppable
        m = self.m
        return rest.bit_count() < m.min_partners or _total(rest, m, self.totals) < m.min_share - SHARE_TOLERANCE

    def record(self) -> LineupRecord:
        """This path's :class:`LineupRecord`, as the life ends."""
        costs = [0.0] * len(self.pstates)
        for ps in self.pstates:
            spec = ps.spec
            if spec.ghost:
                costs[spec.k] = spec.setup + spec.per_time * self.alive_pv  # as partner_outcome, were it in
        return LineupRecord(self.lineup, self.ghosts_left | self.tried, self.checks, self.stretches, len(self.stretches), costs, self.endings)

    def advance(self, now: float) -> None:
        """:meth:`allysim.life.Life.advance`, operation for operation, keeping each stretch's value integral."""
        dt = now - self.t
        if dt <= 0.0:
            return
        gap, disc0, rho, delta = 1.0 - self.h, self.disc, self.rho, self.delta
        y = rho * dt
        i_rho = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt
        y = delta * dt
        i_delta = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt
        flat = disc0 * i_delta
        self.alive_pv += flat
        y = self.rho_delta * dt
        i_both = dt * (1.0 - 0.5 * y) if y < 1e-9 else -_expm1(-y) / y * dt
        vf = self.value_factor
        factor = 0.0 if vf.zeros else vf.nonzero
        integral = flat - gap * disc0 * i_both
        if self.vr:
            self.value_pv += self.vr * factor * self.env_value * integral
        self.stretches += (self.mask, factor, self.env_value, integral)
        self.area += dt - gap * i_rho
        if self.keep_health:
            mark = self.health_path.append
            mark(self.t)
            mark(gap)
        self.h = 1.0 - gap * (1.0 - rho * i_rho)
        self.disc = disc0 * (1.0 - delta * i_delta)
        self.t = now
