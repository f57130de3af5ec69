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
``exhaustive=True`` simulates every variant in full instead: the reference the tests hold sharing to. The outcomes
are kept as tables, a path's once (:mod:`allysim.pathtables`).

The engine's runaway guard (its event budget) counts the events of the simulated plans: a variant derived from a
shared path is not itself checked against the budget, and a copy goes on with the count of the path it was copied
from.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import CompiledPlan, Outcome
from .lineups import LineupRecord
from .membership import lineups_share_paths
from .pathtables import DerivedRuns, Rows, SharedChunk, SharedStore, Table
from .results import PlanRuns

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
_ROWS_AT_ONCE = 1024  # rows of a chunk made into arrays at once (while its outcomes are fresh in memory)


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
    rows, tables = Rows(0), []  # the rows being placed; those placed, made into tables about a thousand at a time
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
            tables.append(Table(rows, grid))
            rows = Rows(rows.first + len(rows))
    if len(rows) or not tables:
        tables.append(Table(rows, grid))
    source = np.array(columns, dtype=np.int32).reshape(n, count).T.copy()  # (variants, replications)
    table = Table.joined(tables)
    names = [str(k) for k in range(count)] if names is None else list(names)
    paths = np.zeros(count * n, dtype=bool)
    paths[simulated] = True
    return SharedChunk(names, table, source, paths.reshape(count, n), [m.contingencies for m in masks])


def _stand(outcome: Outcome, first: int, cover: _Cover, column: _Column, rows: Rows,
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


def _place(outcome: Outcome, first: int, cover: _Cover, column: _Column, rows: Rows,
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
