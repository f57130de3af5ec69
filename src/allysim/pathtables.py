"""Where the outcomes of shared paths are kept (:mod:`allysim.sharing`): a chunk's rows as they are placed
(:class:`Rows`), made into arrays (:class:`Table`); a chunk of replications (:class:`SharedChunk`) and a whole
simulation (:class:`SharedStore`), each holding its distinct paths once and which stands for each variant's
replications; and a variant's arrays, gathered from them when first read (:class:`DerivedRuns`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from .engine import GRID_POINTS, Outcome
from .life import health_matrix
from .results import HEALTH_BINS, PlanRuns, column, health_bins, matrix, partner_arrays

__all__ = ["Rows", "Table", "DerivedRuns", "SharedChunk", "SharedStore"]


class Rows:
    """A chunk's rows as they are placed (:func:`_place`), for its :class:`Table`: each is the outcome of a simulated
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


class Table:
    """Simulated outcomes as arrays, one row per path simulated or derived from one (:class:`Rows`), from which every
    variant's arrays are gathered.

    A contingency is either in the simulated plan or a shadow: activations and costs hold whichever applied, and a
    variant keeps those of its own contingencies (:meth:`gather`).
    """

    FIELDS = ("lifetime", "value", "risk_cost", "min_health", "resilience", "cause", "occurrences", "activations",
              "successes", "costs", "env_time", "env_state", "partner_costs", "partner_exit", "partner_tenure",
              "partners_end", "exits")

    def __init__(self, rows: Rows | None = None, grid: list[float] | None = None,
                 parts: list[Table] | None = None, **arrays: np.ndarray) -> None:
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
    def joined(cls, tables: list[Table]) -> Table:
        """The rows of ``tables``, one after the other, joined now (a chunk's, made about a thousand rows at a time)."""
        if len(tables) == 1:
            return tables[0]
        new = cls(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in cls.FIELDS})
        for name in ("health", "env_grid"):
            if tables[0].__dict__.get(name) is not None:
                setattr(new, name, np.concatenate([getattr(t, name) for t in tables]))
        return new

    @classmethod
    def concat(cls, tables: list[Table]) -> Table:
        """The rows of ``tables``, one after the other (a study reads a few arrays: each is joined when read). The
        tables handed over belong to the new one."""
        return cls(parts=tables)

    @classmethod
    def of_plans(cls, plans: list[PlanRuns]) -> Table:
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

    def __init__(self, table: Table, rows: np.ndarray, contingencies: int, simulated: np.ndarray,
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
    """A chunk of replications simulated with shared paths: each distinct path once (a :class:`Table`), and for
    each variant which path stands for each replication. As a mapping it gives each variant's arrays, derived on
    access, like an exhaustive chunk's; :class:`SharedStore` keeps it whole instead."""

    def __init__(self, names: list[str], table: Table, rows: np.ndarray, simulated: np.ndarray,
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
        chunk = cls(names, Table.of_plans(parts), rows, np.array([p.simulated for p in parts]), contingencies)
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
        self.tables: list[Table] = []
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
                self.tables = [Table.concat(self.tables)]
            k = self._where[name]
            health, env = _hists(self.health_hist, self.env_hist, k, self.tables[0])
            self._views[name] = DerivedRuns(self.tables[0], self.rows[k], self.contingencies[k], self.simulated[k],
                                            health, env)
        return self._views[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _hists(health: np.ndarray | None, env: np.ndarray | None, k: int, table: Table) -> tuple[np.ndarray, np.ndarray]:
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
