"""Path sharing: per replication, simulate only the variants whose paths can differ, and derive the others exactly.

A *variant* is a set of contingencies (a plan, a portfolio, a subset) and a set of risks removed from the scenario
(:class:`allysim.runner.Variant`). On common random numbers, every variant of a replication reads the same streams,
so many variants share one path, and that can be known from a single simulation:

1. A contingency of the plan that never activated in the replication, or whose activations all failed, changed
   nothing but its own costs: the variant without it has the same path.
2. A contingency outside the plan, followed as a *shadow* (:mod:`allysim.engine`: activated where it would
   activate, its success drawn from its own stream, never acting), whose would-be activations all fail: the
   variant with it has the same path, plus its own costs, which the shadow counted.
3. A risk that never occurred in the replication: the variant without it has the same path.
4. With candidate partners, a path stands for another line-up of the same contingencies while no candidate in one
   line-up and not the other has tried to leave and every membership check agrees, and where a line-up with fewer
   partners falls short at a check the path passed, that line-up ends there (:mod:`allysim.lineups`: its value,
   candidates' costs and tenures are redone from the path's record, to the same bits).

5. Where a variant still to stand for parts from the path being simulated, the life is copied there and the copy
   goes on as that variant's path (:mod:`allysim.forking`, :class:`_Forks`): its first part is not simulated
   again.

So a variant ``u`` simulated in replication ``i`` stands, in that replication, for every variant ``v`` with

    acted(u)  <=  contingencies(v)  <=  contingencies(u) + shadows of u that never worked
    removed(u)  <=  removed(v),  and no risk of removed(v) occurred in u's path
    lineup(u) xor lineup(v) holds no candidate that tried to leave in u's path, and the record agrees (4.)

where ``acted(u)`` are the contingencies of ``u`` with at least one successful activation. ``v``'s outcome is
``u``'s, with ``v``'s own contingency costs (setup, per_time on the same discounted alive time, per_activation on the
same activations) added up in the engine's order, so that the derived numbers are the very bits a simulation of
``v`` would give. Each replication simulates one variant per distinct path, whatever the order of the variants.
``exhaustive=True`` simulates every variant in full instead: the reference the tests hold sharing to.

The engine's runaway guard (its event budget) counts the events of the simulated plans: a variant derived from a
shared path is not itself checked against the budget, and a copy goes on with the count of the path it was copied
from.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import GRID_POINTS, CompiledPlan, Outcome
from .life import health_matrix
from .lineups import LineupRecord
from .membership import lineups_share_paths
from .results import HEALTH_BINS, PlanRuns, column, health_bins, matrix, partner_arrays

__all__ = ["Masks", "masks_of", "simulate_shared", "simulate_exhaustive", "SharedChunk", "SharedStore", "DerivedRuns"]


@dataclass(frozen=True)
class Masks:
    """A variant as bit masks: bit j of ``contingencies`` for the scenario's contingency j, likewise for risks.

    ``world`` names the values of the uncertain parameters the variant lives in (its pins, SPEC section 8): only
    variants of one world can share a path.
    """

    contingencies: int
    removed: int
    world: Hashable = ()
    lineup: int = 0  # the partners in at t = 0, as bits, when paths are shared between line-ups (else in world)


def masks_of(scenario, contingencies: Sequence[str], removed_risks: Sequence[str],  # noqa: ANN001
             world: Hashable = ()) -> Masks:
    """The bit masks of a variant of ``scenario``.

    With partners (SPEC section 12), a partner that never leaves (the drivers' variant) counts as a removed risk, its
    bit after the risks'; its "occurrences" are its exits, retained or not. A plan's candidate partners make its
    line-up: paths are shared between line-ups as the module docstring says, or, when a scheduled review reads the
    partners in (:func:`allysim.membership.lineups_share_paths`), each line-up is a world of its own."""
    cids = {c.id: j for j, c in enumerate(scenario.contingencies)}
    rids = {r.id: j for j, r in enumerate(scenario.risks)}
    rids.update({p.id: len(rids) + k for k, p in enumerate(scenario.partners)})
    candidates = tuple(c for c in scenario.ordered(contingencies) if c not in cids)
    lineup = 0
    if lineups_share_paths(scenario):
        lineup = sum(1 << k for k, p in enumerate(scenario.partners) if not p.candidate or p.id in candidates)
    elif candidates:
        world = (world, candidates)
    return Masks(sum(1 << cids[c] for c in set(contingencies) if c in cids),
                 sum(1 << rids[r] for r in set(removed_risks)), world, lineup)


def _bits(flags: Sequence) -> int:  # noqa: ANN001 - counts or booleans
    mask = 0
    for j, x in enumerate(flags):
        if x:
            mask |= 1 << j
    return mask


Values = Sequence[Sequence[Sequence[float]] | None]

_KNOWN = 65536  # entries a cover's caches hold at most (_Cover.covered)
_ROWS_AT_ONCE = 1024  # rows of a chunk made into arrays at once


def simulate_exhaustive(models: Sequence[CompiledPlan], seed: int, start: int, stop: int,
                        values: Values | None = None) -> list[PlanRuns]:
    """Every variant simulated in full on replications ``start .. stop - 1``."""
    values = values or [None] * len(models)
    return [PlanRuns.from_outcomes([m.run(seed, rep, None if v is None else v[rep - start])
                                    for rep in range(start, stop)], m.grid) for m, v in zip(models, values)]


def simulate_shared(models: Sequence[CompiledPlan], masks: Sequence[Masks], seed: int, start: int, stop: int,
                    values: Values | None = None, names: Sequence[str] | None = None) -> SharedChunk:
    """Every variant on replications ``start .. stop - 1``, simulating one per distinct path (models need shadows).

    ``models[k]`` is variant ``k`` compiled with ``shadows=True``; ``masks[k]`` its :class:`Masks`; ``values[k]``
    (if any) its uncertain parameters' draws, one row per replication (the same rows for variants of one world);
    ``names[k]`` its name in the returned chunk (default ``"0"``, ``"1"``, ...).
    """
    values = values or [None] * len(models)
    n, count = stop - start, len(models)
    # fewest removed risks first: a path with a risk can stand for the variant without it, not the converse; then
    # the most partners first: a line-up with fewer ends where it falls short, an ending of the larger one's path
    order = sorted(range(count), key=lambda k: (bin(masks[k].removed).count("1"), -bin(masks[k].lineup).count("1")))
    cover = _Cover(masks, order)
    columns: list[list[int]] = []  # by replication: which simulated outcome stands for each variant
    simulated: list[int] = []  # the variant and replication (k * n + i) of each path simulated
    grid = models[0].grid if models[0].health_path else None
    rows, tables = _Rows(0), []  # the rows being placed; those placed, made into tables a few thousand at a time
    shares: dict[int, dict[int, float]] = {}
    forks = _Forks(cover, models, values)
    for i, rep in enumerate(range(start, stop)):
        column = _Column(cover)
        forks.column, forks.i = column, i
        while column.todo:
            todo = column.todo
            first = (todo & -todo).bit_length() - 1  # the first variant, in order, that no path stands for yet
            k = order[first]
            forks.position = first
            outcome = models[k].run(seed, rep, None if values[k] is None else values[k][i], forks)
            simulated.append(k * n + i)
            _stand(outcome, first, cover, column, rows, shares, models[k])
            while forks.pending:  # copies of the path, where other variants part from it
                life, position = forks.pending.pop()
                if not column.todo >> position & 1:
                    continue  # meanwhile stood for
                forks.position = position
                outcome = life.resume()
                simulated.append(order[position] * n + i)
                _stand(outcome, position, cover, column, rows, shares, models[order[position]])
        columns.append(column.rows())
        shares.clear()
        if len(rows) >= _ROWS_AT_ONCE:  # into arrays while the outcomes are fresh in memory, and let go of
            tables.append(_Table(rows, grid))
            rows = _Rows(rows.first + len(rows))
    if len(rows) or not tables:
        tables.append(_Table(rows, grid))
    source = np.array(columns, dtype=np.int32).reshape(n, count).T.copy()  # (variants, replications)
    table = _Table.joined(tables)
    names = [str(k) for k in range(count)] if names is None else list(names)
    paths = np.zeros(count * n, dtype=bool)
    paths[simulated] = True
    return SharedChunk(names, table, source, paths.reshape(count, n), [m.contingencies for m in masks])


def _stand(outcome: Outcome, first: int, cover: _Cover, column: _Column, rows: _Rows,
           shares: dict[int, dict[int, float]], model: CompiledPlan) -> None:
    """Stand a path simulated for the variant at position ``first`` for every variant it is the outcome of, and
    each of its endings (a membership check its line-up passed) for the line-ups that fall short there."""
    record = outcome.lineup
    if record is None:
        _place(outcome, first, cover, column, rows)
        return
    outcome.lineup = None
    # shares added up, by mask: one cache per replication and world (their draws are the same)
    totals = shares.setdefault(cover.world_of[first], {})
    _place(outcome, first, cover, column, rows, record, model, totals)
    waiting: list[int] | None = None  # the line-ups with variants still to stand for, in this world
    for ending in record.endings:
        if waiting is None:
            left = column.todo & cover.world[cover.world_of[first]]
            waiting = [x for x, these in cover.lineups.items() if these & left]
        if not waiting:
            break
        lineups = ending.record.standing(waiting, model, totals)
        if lineups:
            _place(ending.outcome(model), first, cover, column, rows, ending.record, model, totals, lineups)
            waiting = None


def _place(outcome: Outcome, first: int, cover: _Cover, column: _Column, rows: _Rows,
           record: LineupRecord | None = None, model: CompiledPlan | None = None,
           totals: dict[int, float] | None = None, lineups: list[int] | None = None) -> None:
    """Stand ``outcome`` (simulated for the variant at position ``first``, or an ending of its path) for every variant
    not yet stood for that it is the outcome of (``column``: this replication's), and with a line-up ``record``, for
    the variants of other line-ups (``lineups``, if given, the only ones) it stands for."""
    acted = _bits(outcome.successes)  # shadows' successes are reported apart, in shadow_worked
    occurred = 0  # the risks and partners that occurred (exits tried), read only where some variant removes one
    if cover.removable:
        occurred = _bits(outcome.occurrences)
        if outcome.exit_attempts:
            occurred |= _bits(outcome.exit_attempts) << len(outcome.occurrences)
    found, lineups_here = cover.covered(column.todo, first, acted, _bits(outcome.shadow_worked), occurred,
                                        0 if record is None else record.left)
    if not found:
        return
    if record is None:
        column.stand(found, rows.add(outcome))
        return
    assert model is not None and totals is not None
    own = cover.masks[first].lineup
    if lineups is None:
        others = [x for x, these in lineups_here if these & found]
        rest = [x for x in others if x != own]
        lineups = record.standing(rest, model, totals) if rest else rest
        if own in others:  # the path's own line-up first, then the others it stands for, in order of position
            these = found & cover.lineups[own]
            column.stand(these, rows.add(outcome))
    base = -1  # the outcome's place among the simulated ones, once it has one
    for other in lineups:
        these = found & cover.lineups[other]
        if not these:
            continue
        if base < 0:
            base = rows.simulated(outcome)
        column.stand(these, rows.derive(base, *record.derive(outcome, other, model, totals)))


class _Cover:
    """The variants, in the order they are simulated, as bit sets of their positions: which of them a simulated
    path stands for.

    Variant ``v`` may take the path of ``u`` when (module docstring) they live in one world, acted(u) <=
    contingencies(v), no contingency of v is a shadow that worked in u's path, removed(u) <= removed(v), no risk or
    partner of removed(v) occurred in u's path, and no candidate partner in one line-up and not the other tried to
    leave (the line-ups' membership checks are then compared by the caller,
    :class:`allysim.lineups.LineupRecord`). Each condition is one AND per bit of the path's masks: bit ``p`` of
    ``contingency[j]`` is set when the variant at position ``p`` holds contingency ``j``, and so on."""

    def __init__(self, masks: Sequence[Masks], order: list[int]) -> None:
        masks = [masks[k] for k in order]
        self.masks, self.index = masks, order
        worlds: dict[Hashable, int] = {}
        self.world_of = [worlds.setdefault(m.world, len(worlds)) for m in masks]
        self.world = _sets(self.world_of, len(worlds))  # by world: the positions of the variants living in it
        self.contingency = _columns([m.contingencies for m in masks])
        self.removed = _columns([m.removed for m in masks])
        self.partner = _columns([m.lineup for m in masks])
        self.removable = 0  # the risks and partners some variant removes
        for m in masks:
            self.removable |= m.removed
        self.lineups: dict[int, int] = {}  # by line-up: the positions of its variants
        for p, m in enumerate(masks):
            self.lineups[m.lineup] = self.lineups.get(m.lineup, 0) | 1 << p
        self.all = (1 << len(masks)) - 1
        self._plans: dict[tuple, int] = {}  # what a path's contingencies allow, by (world, acted, worked)
        self._lineups: dict[tuple, tuple[int, list]] = {}  # what its line-up allows, by (line-up, left)

    def covered(self, todo: int, first: int, acted: int, worked: int, occurred: int, left: int) -> tuple[int, list]:
        """The positions (bits) of the variants not yet stood for that the path of the variant at ``first`` stands
        for (``worked``: the shadows that worked in it; ``left``: the partners that tried to leave in it, ghosts
        included), and the line-ups that may have variants among them, each with the positions of its variants, in
        order of first position.

        Paths of other replications meet the same conditions, so what the contingencies allow (by world, ``acted``
        and ``worked``) and what the line-ups allow (by line-up and ``left``) are each kept once worked out."""
        w = self.world_of[first]
        ok = self._plans.get((w, acted, worked))
        if ok is None:
            ok = _none(_all(self.world[w], self.contingency, acted), self.contingency, worked)
            self._plans[w, acted, worked] = _kept(self._plans, ok)
        ok &= todo
        if self.removable:
            ok = _all(ok, self.removed, self.masks[first].removed)
            ok = _none(ok, self.removed, occurred & self.removable)
        lineup = self.masks[first].lineup
        known = self._lineups.get((lineup, left))
        if known is None:
            keep = _none(_all(self.all, self.partner, left & lineup), self.partner, left & ~lineup)
            known = (keep, [(x, these) for x, these in self.lineups.items() if these & keep])
            self._lineups[lineup, left] = _kept(self._lineups, known)
        return ok & known[0], known[1]


def _kept(cache: dict, value: Any) -> Any:
    """``value``, about to be kept in ``cache``: a cache at :data:`_KNOWN` entries starts over (bounded memory)."""
    if len(cache) >= _KNOWN:
        cache.clear()
    return value


class _Forks:
    """Where a path puts its copies (:meth:`allysim.lineups.RecordingLife.fork` and the others): at a candidate
    partner's first exit, the path of the line-up without it; at a contingency's first action, the path of the plan
    without it, or with it where it is a shadow; each if no path stands yet for that variant (with the same risks and
    world: else the copy would live that path again). ``position``: the variant whose path is running; ``column``, ``i``: this
    replication's."""

    def __init__(self, cover: _Cover, models: Sequence[CompiledPlan], values: Values) -> None:
        self.cover, self.models, self.values = cover, models, values
        self.variants: dict[tuple, int] = {}
        for p, m in enumerate(cover.masks):
            self.variants.setdefault((cover.world_of[p], m.removed, m.contingencies, m.lineup), p)
        self.pending: list[tuple[Any, int]] = []
        self.position, self.target, self.i = -1, -1, 0
        self.column: _Column | None = None

    @property
    def contingencies(self) -> int:
        """The contingencies of the running variant, as bits."""
        return self.cover.masks[self.position].contingencies

    def model_for(self, *, lineup: int | None = None, contingencies: int | None = None) -> CompiledPlan | None:
        """The model of the running variant with line-up ``lineup`` or contingencies ``contingencies`` instead,
        holding this replication's draws, or None when there is no such variant or a path stands for it."""
        cover, p = self.cover, self.position
        w, u = cover.world_of[p], cover.masks[p]
        target = self.variants.get((w, u.removed, u.contingencies if contingencies is None else contingencies,
                                    u.lineup if lineup is None else lineup))
        if target is None or not self.column.todo >> target & 1:
            return None  # no such variant, or a path stands for it: the copy's path is that one
        k = self.cover.index[target]
        model = self.models[k]
        values = self.values[k]
        if values is not None:
            model.set_values(values[self.i])
        self.target = target
        return model

    def add(self, life: Any) -> None:
        """Keep ``life``, a copy made a life of the model :meth:`model_for` last returned, to go on later."""
        self.pending.append((life, self.target))


class _Column:
    """One replication's placing: the variants (bits by position) no path stands for yet, and which outcome
    stands for the others."""

    __slots__ = ("cover", "todo", "placed")

    def __init__(self, cover: _Cover) -> None:
        self.cover, self.todo, self.placed = cover, cover.all, []

    def stand(self, positions: int, row: int) -> None:
        self.placed.append((positions, row))
        self.todo &= ~positions

    def rows(self) -> list[int]:
        """The outcome row of each variant, by variant."""
        index = self.cover.index
        rows = [0] * len(index)
        for positions, row in self.placed:
            for p in _positions(positions):
                rows[index[p]] = row
        return rows


def _positions(bits: int) -> Iterator[int]:
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _sets(keys: Sequence[int], count: int) -> list[int]:
    """For each key value below ``count``, the positions holding it, as a bit set."""
    sets = [0] * count
    for p, key in enumerate(keys):
        sets[key] |= 1 << p
    return sets


def _columns(masks: Sequence[int]) -> list[int]:
    """For each bit ``j``, the positions of the masks holding it, as a bit set."""
    width = max((m.bit_length() for m in masks), default=0)
    flags = np.zeros((width, len(masks)), dtype=bool)
    for p, mask in enumerate(masks):
        for j in _positions(mask):
            flags[j, p] = True
    return [int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little") for row in flags]


def _all(ok: int, columns: list[int], bits: int) -> int:
    """``ok`` less the positions lacking any bit of ``bits``."""
    while bits and ok:
        low = bits & -bits
        j = low.bit_length() - 1
        ok &= columns[j] if j < len(columns) else 0
        bits ^= low
    return ok


def _none(ok: int, columns: list[int], bits: int) -> int:
    """``ok`` less the positions holding any bit of ``bits``."""
    while bits and ok:
        low = bits & -bits
        j = low.bit_length() - 1
        if j < len(columns):
            ok &= ~columns[j]
        bits ^= low
    return ok


class _Rows:
    """A chunk's rows as they are placed (:func:`_place`), for its :class:`_Table`: each is the outcome of a simulated
    path (or of one of its endings), or derived from such an outcome for another line-up, which is kept as what
    differs (:meth:`allysim.lineups.LineupRecord.derive`) and made into arrays with the others."""

    __slots__ = ("first", "outcomes", "source", "derived", "values", "ends", "cells")

    def __init__(self, first: int) -> None:
        self.first = first  # the number of the first row (rows are numbered across a chunk's tables)
        self.outcomes: list[Outcome] = []  # the outcomes the rows are made from
        self.source: list[int] = []  # by row, its outcome's place in outcomes
        self.derived: list[int] = []  # the derived rows (from 0 here), and in the lists below what each has of its own
        self.values: list[float] = []
        self.ends: list[int] = []
        self.cells: list[tuple[int, int, float, float]] = []  # (row, partner, cost, tenure), where it differs

    def __len__(self) -> int:
        return len(self.source)

    def add(self, outcome: Outcome) -> int:
        """A row of ``outcome``: its number."""
        self.source.append(self.simulated(outcome))
        return self.first + len(self.source) - 1

    def simulated(self, outcome: Outcome) -> int:
        """The place of ``outcome`` among the outcomes the rows are made from (added, unless it was last)."""
        outcomes = self.outcomes
        if not outcomes or outcomes[-1] is not outcome:
            outcomes.append(outcome)
        return len(outcomes) - 1

    def derive(self, base: int, value: float, changes: list[tuple[int, float, float]], end: int) -> int:
        """A row of the outcome at ``base`` but for these (:meth:`allysim.lineups.LineupRecord.derive`): its
        number."""
        row = len(self.source)
        self.source.append(base)
        self.derived.append(row)
        self.values.append(value)
        self.ends.append(end)
        for k, cost, tenure in changes:
            self.cells.append((row, k, cost, tenure))
        return self.first + row


class _Table:
    """Simulated outcomes as arrays, one row per simulated path, from which every variant's arrays are gathered.

    A contingency is either in the simulated plan or a shadow: activations and costs hold whichever applied, and a
    variant keeps those of its own contingencies (:meth:`gather`).
    """

    FIELDS = ("lifetime", "value", "risk_cost", "min_health", "resilience", "cause", "occurrences", "activations",
              "successes", "costs", "env_time", "env_state", "partner_costs", "partner_exit", "partner_tenure",
              "partners_end", "exits")

    def __init__(self, rows: _Rows | None = None, grid: list[float] | None = None,
                 parts: list[_Table] | None = None, **arrays: np.ndarray) -> None:
        self.health = self.env_grid = None  # only while a chunk's histograms are made
        self._parts = parts  # tables whose rows these are, one after the other: each array joined when first read
        if rows is None:
            for name, array in arrays.items():
                setattr(self, name, array)
            return
        outcomes = rows.outcomes
        for name in ("lifetime", "value", "risk_cost", "min_health", "resilience"):
            setattr(self, name, column(outcomes, name, float))
        self.cause = column(outcomes, "cause", np.int16)
        self.occurrences = matrix(outcomes, "occurrences", np.int32)
        # one of each pair below is 0 (in the plan, or a shadow), so the sum is exact
        self.activations = matrix(outcomes, "activations", np.int32) + matrix(outcomes, "shadow_activations", np.int32)
        self.successes = matrix(outcomes, "successes", np.int32)
        self.costs = matrix(outcomes, "costs", float) + matrix(outcomes, "shadow_costs", float)
        self.health = health_matrix(outcomes, grid) if grid is not None else None
        self.env_time = matrix(outcomes, "env_time", float)
        self.env_grid = np.array([o.env_grid for o in outcomes], dtype=np.int64) if grid is not None else None
        self.env_state = column(outcomes, "env_state", np.int16)
        for name, array in partner_arrays(outcomes).items():
            setattr(self, name, array)
        if rows.derived:  # each row from its outcome's, then what a derived row has of its own
            source = np.array(rows.source, dtype=np.intp)
            for name in (*self.FIELDS, "health", "env_grid"):
                array = getattr(self, name)
                if array is not None:
                    setattr(self, name, array.take(source, axis=0))
            derived = np.array(rows.derived, dtype=np.intp)
            self.value[derived] = rows.values
            self.partners_end[derived] = rows.ends
            if rows.cells:
                row, k, cost, tenure = zip(*rows.cells)
                self.partner_costs[row, k] = cost
                self.partner_tenure[row, k] = tenure

    def __len__(self) -> int:
        return len(self.lifetime)

    def __getattr__(self, name: str) -> np.ndarray:  # an array of joined tables, not joined yet
        parts = self.__dict__.get("_parts")
        if parts is None or name not in self.FIELDS:
            raise AttributeError(name)
        array = np.concatenate([getattr(t, name) for t in parts])
        for t in parts:  # the parts belong to this table: each array is kept once
            t.__dict__.pop(name, None)
        setattr(self, name, array)
        return array

    def paid(self) -> np.ndarray:
        """Each row's candidate partners' costs, added up in file order as the engine adds them (made once)."""
        paid = self.__dict__.get("_paid")
        if paid is None:
            partner_costs = self.partner_costs
            paid = np.zeros(len(partner_costs))
            for k in range(partner_costs.shape[1]):
                paid = paid + partner_costs[:, k]
            self._paid = paid
        return paid

    @classmethod
    def joined(cls, tables: list[_Table]) -> _Table:
        """The rows of ``tables``, one after the other, joined now (a chunk's, made a few thousand rows at a time)."""
        if len(tables) == 1:
            return tables[0]
        new = cls(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in cls.FIELDS})
        for name in ("health", "env_grid"):
            if tables[0].__dict__.get(name) is not None:
                setattr(new, name, np.concatenate([getattr(t, name) for t in tables]))
        return new

    @classmethod
    def concat(cls, tables: list[_Table]) -> _Table:
        """The rows of ``tables``, one after the other (a study reads a few arrays: each is joined when read). The
        tables handed over belong to the new one."""
        return cls(parts=tables)

    @classmethod
    def of_plans(cls, plans: list[PlanRuns]) -> _Table:
        """The rows of whole variants' arrays, one after the other (a saved chunk read back from a checkpoint)."""
        return cls(**{name: np.concatenate([getattr(p, name) for p in plans]) for name in cls.FIELDS})

    def hists(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A variant's health and environment histograms over these rows (zeros when paths were not kept)."""
        hist = np.zeros((GRID_POINTS, HEALTH_BINS), np.int64)
        if self.health is not None and len(rows):
            cells = health_bins(self.health[rows]) + np.arange(GRID_POINTS) * HEALTH_BINS
            hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * HEALTH_BINS).reshape(GRID_POINTS, HEALTH_BINS)
        states = self.env_time.shape[1]
        env_hist = np.zeros((GRID_POINTS, states), np.int64)
        if self.env_grid is not None and self.env_grid.size and len(rows):
            cells = self.env_grid[rows] + np.arange(GRID_POINTS) * states
            env_hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * states).reshape(GRID_POINTS, states)
        return hist, env_hist

    def gather(self, name: str, rows: np.ndarray, contingencies: int, runs: DerivedRuns) -> np.ndarray:
        """One array of a variant: its replications' rows, with its own contingencies' counts and costs."""
        if name in ("costs", "activations", "successes"):
            inside = np.array([bool(contingencies >> j & 1) for j in range(self.costs.shape[1])], dtype=bool)
            if name == "costs":
                return np.where(inside, self.costs.take(rows, axis=0), 0.0)
            return np.where(inside, getattr(self, name).take(rows, axis=0), 0).astype(np.int32)
        if name == "contingency_cost":
            total = np.zeros(len(rows))
            if contingencies:
                costs = self.costs.take(rows, axis=0)  # take: a row gather, faster than indexing
                for j in range(costs.shape[1]):  # one by one in file order, as the engine adds them: the same bits
                    if contingencies >> j & 1:
                        total = total + costs[:, j]
            if self.partner_costs.shape[1]:  # the candidate partners' costs, added up first, then added (engine)
                total = total + self.paid().take(rows)
            return total
        if name == "npv":  # from arrays made here and dropped, so that reading npv keeps npv alone
            cost = vars(runs).get("contingency_cost")
            if cost is None:
                cost = self.gather("contingency_cost", rows, contingencies, runs)
            return self.value.take(rows) - (self.risk_cost.take(rows) + cost)
        if name not in self.FIELDS:
            raise AttributeError(name)
        return getattr(self, name).take(rows, axis=0)


class DerivedRuns(PlanRuns):
    """A variant's :class:`PlanRuns`, gathered from the shared paths that stand for its replications.

    Each array is made when first read and kept: a study that reads a few arrays of many variants (``value`` reads
    NPV and survival of every subset) holds those, not every array of every variant.
    """

    def __init__(self, table: _Table, rows: np.ndarray, contingencies: int, simulated: np.ndarray,
                 health_hist: np.ndarray, env_hist: np.ndarray) -> None:  # no dataclass __init__: nothing gathered
        self._table, self._rows, self._contingencies = table, rows, contingencies
        self.simulated, self.health_hist, self.env_hist = simulated, health_hist, env_hist

    def __getattr__(self, name: str) -> np.ndarray:  # only for an array not gathered yet
        if name.startswith("_"):
            raise AttributeError(name)
        array = self._table.gather(name, self._rows, self._contingencies, self)
        setattr(self, name, array)
        return array

    def __len__(self) -> int:
        return len(self._rows)

    def head(self, n: int) -> PlanRuns:
        if n == len(self):
            return self
        return DerivedRuns(self._table, self._rows[:n], self._contingencies, self.simulated[:n], self.health_hist,
                           self.env_hist)


class SharedChunk(Mapping[str, PlanRuns]):
    """A chunk of replications simulated with shared paths: each distinct path once (a :class:`_Table`), and for
    each variant which path stands for each replication. As a mapping it gives each variant's arrays, derived on
    access, like an exhaustive chunk's; :class:`SharedStore` keeps it whole instead."""

    def __init__(self, names: list[str], table: _Table, rows: np.ndarray, simulated: np.ndarray,
                 contingencies: list[int]) -> None:
        self.names, self.table, self.rows, self.simulated = names, table, rows, simulated
        self.contingencies = contingencies
        self.runs = rows.shape[1]
        # (variants, grid, bins) histograms, or None when no path was kept (all zeros: no need to carry them)
        self.health_hist: np.ndarray | None = None
        self.env_hist: np.ndarray | None = None
        if table.health is not None:
            hists = [table.hists(r) for r in rows]
            self.health_hist = np.array([h for h, _ in hists]).reshape(len(names), GRID_POINTS, HEALTH_BINS)
            self.env_hist = np.array([e for _, e in hists]).reshape(len(names), GRID_POINTS, -1)
        table.health = table.env_grid = None  # counted in the histograms: the paths need not travel or stay

    @classmethod
    def of_plans(cls, plans: dict[str, PlanRuns], contingencies: list[int]) -> SharedChunk:
        """Whole variants' arrays (a chunk saved in a checkpoint) as a chunk: each variant its own rows."""
        names, parts = list(plans), list(plans.values())
        n = len(parts[0])
        rows = np.arange(len(parts) * n, dtype=np.int64).reshape(len(parts), n)
        chunk = cls(names, _Table.of_plans(parts), rows, np.array([p.simulated for p in parts]), contingencies)
        chunk.health_hist = np.array([p.health_hist for p in parts])
        chunk.env_hist = np.array([p.env_hist for p in parts]).reshape(len(parts), GRID_POINTS, -1)
        return chunk

    def __getitem__(self, name: str) -> PlanRuns:
        k = self.names.index(name)
        health, env = _hists(self.health_hist, self.env_hist, k, self.table)
        return DerivedRuns(self.table, self.rows[k], self.contingencies[k], self.simulated[k], health, env)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


class SharedStore(Mapping[str, PlanRuns]):
    """Every chunk of a shared simulation, kept as its distinct paths: memory grows with the paths simulated, not
    with variants x replications. Reading a variant gives a :class:`DerivedRuns` over all replications placed."""

    def __init__(self, names: list[str], contingencies: list[int], runs: int) -> None:
        self.names, self.contingencies, self.runs = names, contingencies, runs
        self.tables: list[_Table] = []
        self.filled = 0  # rows of the tables so far
        count = len(names)
        self.rows = np.zeros((count, runs), dtype=np.int32 if count * runs < 2**31 else np.int64)
        self.simulated = np.zeros((count, runs), dtype=bool)
        self.health_hist: np.ndarray | None = None
        self.env_hist: np.ndarray | None = None
        self._views: dict[str, DerivedRuns] = {}
        self._where = {name: k for k, name in enumerate(names)}

    def place(self, first: int, chunk: Mapping[str, PlanRuns]) -> None:
        """Keep a chunk of replications ``first, first + 1, ...`` (a :class:`SharedChunk`, or whole variants)."""
        if not isinstance(chunk, SharedChunk):
            chunk = SharedChunk.of_plans({name: chunk[name] for name in self.names}, self.contingencies)
        if chunk.names == self.names:
            order: Any = slice(None)
        else:
            where = {name: k for k, name in enumerate(chunk.names)}
            order = [where[name] for name in self.names]
        stop = first + chunk.runs
        self.rows[:, first:stop] = chunk.rows[order] + self.filled
        self.simulated[:, first:stop] = chunk.simulated[order]
        if chunk.health_hist is not None:
            self.health_hist = chunk.health_hist[order] + (0 if self.health_hist is None else self.health_hist)
            self.env_hist = chunk.env_hist[order] + (0 if self.env_hist is None else self.env_hist)
        self.tables.append(chunk.table)
        self.filled += len(chunk.table)
        self._views = {}

    def __getitem__(self, name: str) -> PlanRuns:
        if name not in self._views:
            if len(self.tables) > 1:
                self.tables = [_Table.concat(self.tables)]
            k = self._where[name]
            health, env = _hists(self.health_hist, self.env_hist, k, self.tables[0])
            self._views[name] = DerivedRuns(self.tables[0], self.rows[k], self.contingencies[k], self.simulated[k],
                                            health, env)
        return self._views[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _hists(health: np.ndarray | None, env: np.ndarray | None, k: int, table: _Table) -> tuple[np.ndarray, np.ndarray]:
    """Variant ``k``'s health and environment histograms (when no path was kept, zeros: one pair for every
    variant, read only)."""
    if health is None or env is None:
        states = table.env_time.shape[1]
        if states not in _ZEROS:
            pair = np.zeros((GRID_POINTS, HEALTH_BINS), np.int64), np.zeros((GRID_POINTS, states), np.int64)
            for array in pair:
                array.flags.writeable = False
            _ZEROS[states] = pair
        return _ZEROS[states]
    return health[k], env[k]


_ZEROS: dict[int, tuple[np.ndarray, np.ndarray]] = {}
