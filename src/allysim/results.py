"""What a simulation produced: per-replication outcome arrays per plan, and health histograms for fan charts.

Health paths are not kept run by run: each plan keeps, for every point of the time grid, a histogram of health
across replications (exact 0 for dissolved alliances, 200 bins of width 0.005, exact 1). Histograms add up exactly
across chunks and workers, so the health bands are identical for any number of workers, and memory does not grow
with the number of runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from . import analysis
from .engine import GRID_POINTS, Outcome
from .life import health_matrix
from .stats import HEALTH_BINS, health_bins

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["Variant", "PlanRuns", "Results", "sharing_of", "sum_sharing", "column", "matrix"]

_FLOATS = ("lifetime", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience")


def _unset() -> Any:
    """The default of the partner arrays: a factory, not a class attribute, so that :class:`allysim.sharing.
    DerivedRuns` gathers them when first read."""
    return None


@dataclass(frozen=True)
class Variant:
    """What to simulate: a set of contingencies, optionally without some risks or the environment's changes,
    optionally with some uncertain parameters pinned at quantile levels of their distributions (``pins``:
    ``(path, level)`` pairs)."""

    contingencies: tuple[str, ...]
    removed_risks: tuple[str, ...] = ()
    pins: tuple[tuple[str, float], ...] = ()
    hold_environment: bool = False  # the environment stays in its initial state (no effect without one)


@dataclass
class PlanRuns:
    """Outcome arrays of one plan, indexed by replication."""

    lifetime: np.ndarray
    cause: np.ndarray  # risk index that ended the run, -1 if it survived
    npv: np.ndarray
    value: np.ndarray
    risk_cost: np.ndarray
    contingency_cost: np.ndarray
    min_health: np.ndarray
    resilience: np.ndarray
    occurrences: np.ndarray  # (runs, risks)
    activations: np.ndarray  # (runs, contingencies)
    successes: np.ndarray  # (runs, contingencies)
    costs: np.ndarray  # (runs, contingencies): present value of what each contingency cost
    health_hist: np.ndarray  # (grid points, HEALTH_BINS) counts
    env_time: np.ndarray  # (runs, environment states): time spent in each state over the life
    env_state: np.ndarray  # the environment's state at the end of the life, -1 without an environment
    env_hist: np.ndarray  # (grid points, environment states) counts of runs in each state, to the horizon
    # partners (SPEC section 12); without partners, (runs, 0) arrays, zeros and empty strings
    partner_costs: np.ndarray = field(default_factory=_unset)  # (runs, partners): each candidate's cost (PV)
    partner_exit: np.ndarray = field(default_factory=_unset)  # (runs, partners): when each first left (inf: never)
    partner_tenure: np.ndarray = field(default_factory=_unset)  # (runs, partners): each one's time in
    partners_end: np.ndarray = field(default_factory=_unset)  # (runs,) partners in when the run ended
    exits: np.ndarray = field(default_factory=_unset)  # (runs,) object: the exits in order, "id@time;id@time"
    simulated: np.ndarray | None = None  # (runs,) True where simulated, False where derived from a shared path

    def __post_init__(self) -> None:
        n = len(self.lifetime)
        if self.simulated is None:
            self.simulated = np.ones(n, dtype=bool)
        if self.partners_end is None:  # made without partner arrays: a scenario without partners (or old chunks)
            for name in ("partner_costs", "partner_exit", "partner_tenure"):
                setattr(self, name, np.zeros((n, 0)))
            self.partners_end = np.zeros(n, dtype=np.int16)
            self.exits = np.full(n, "", dtype=object)

    @classmethod
    def empty(cls, runs: int, risks: int, contingencies: int, states: int = 0, partners: int = 0) -> "PlanRuns":
        floats = {name: np.zeros(runs) for name in _FLOATS}
        return cls(partner_costs=np.zeros((runs, partners)), partner_exit=np.zeros((runs, partners)),
                   partner_tenure=np.zeros((runs, partners)), partners_end=np.zeros(runs, np.int16),
                   exits=np.full(runs, "", dtype=object),
                   cause=np.full(runs, -1, dtype=np.int16), occurrences=np.zeros((runs, risks), np.int32),
                   activations=np.zeros((runs, contingencies), np.int32),
                   successes=np.zeros((runs, contingencies), np.int32), costs=np.zeros((runs, contingencies)),
                   health_hist=np.zeros((GRID_POINTS, HEALTH_BINS), np.int64), env_time=np.zeros((runs, states)),
                   env_state=np.full(runs, -1, dtype=np.int16), env_hist=np.zeros((GRID_POINTS, states), np.int64),
                   **floats)

    @classmethod
    def from_outcomes(cls, outcomes: list[Outcome], grid: list[float] | None = None) -> "PlanRuns":
        """The arrays of ``outcomes``; their health paths (if kept) counted in histograms on ``grid`` (the
        model's)."""
        hist = np.zeros((GRID_POINTS, HEALTH_BINS), np.int64)
        if outcomes and outcomes[0].health:
            if grid is None:
                raise ValueError("outcomes that kept their health paths need the grid they were kept on")
            health = health_matrix(outcomes, grid)  # (runs, grid)
            # one bincount over (grid point, bin) pairs instead of one per grid point
            cells = health_bins(health) + np.arange(GRID_POINTS) * HEALTH_BINS
            hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * HEALTH_BINS).reshape(GRID_POINTS, HEALTH_BINS)
        return cls(
            cause=column(outcomes, "cause", np.int16),
            occurrences=matrix(outcomes, "occurrences", np.int32),
            activations=matrix(outcomes, "activations", np.int32),
            successes=matrix(outcomes, "successes", np.int32),
            costs=matrix(outcomes, "costs", float),
            health_hist=hist,
            env_time=matrix(outcomes, "env_time", float),
            env_state=column(outcomes, "env_state", np.int16),
            env_hist=_env_hist(outcomes),
            **partner_arrays(outcomes),
            **{name: column(outcomes, name, float) for name in _FLOATS},
        )

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """Every array's name, in one place for everything that stores or moves plan runs (checkpoints)."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def per_run(cls) -> tuple[str, ...]:
        """The arrays indexed by replication (every field but the histograms)."""
        return tuple(name for name in cls.fields() if not name.endswith("_hist"))

    def place(self, start: int, part: "PlanRuns") -> None:
        """Copy a chunk's arrays into replications ``start, start + 1, ...``."""
        stop = start + len(part.lifetime)
        for name in self.per_run():
            getattr(self, name)[start:stop] = getattr(part, name)
        self.health_hist += part.health_hist
        self.env_hist += part.env_hist

    def __len__(self) -> int:
        return len(self.lifetime)

    def head(self, n: int) -> "PlanRuns":
        """The first ``n`` replications (the health histogram must already count exactly those)."""
        if n == len(self):
            return self
        return PlanRuns(health_hist=self.health_hist, env_hist=self.env_hist,
                        **{name: getattr(self, name)[:n] for name in self.per_run()})


def column(outcomes: list[Outcome], name: str, dtype: type | np.dtype) -> np.ndarray:
    """Field ``name`` of each outcome, as one array (runs,)."""
    return np.fromiter(map(attrgetter(name), outcomes), dtype=dtype, count=len(outcomes))


def matrix(outcomes: list[Outcome], name: str, dtype: type | np.dtype) -> np.ndarray:
    """List field ``name`` of each outcome (one length for all), as one array (runs, length)."""
    get = attrgetter(name)
    n = len(outcomes)
    width = len(get(outcomes[0])) if n else 0
    return np.fromiter(chain.from_iterable(map(get, outcomes)), dtype=dtype, count=n * width).reshape(n, width)


def partner_arrays(outcomes: list[Outcome]) -> dict[str, np.ndarray]:
    """The partner arrays of ``outcomes`` (SPEC section 12): (runs, partners), or (runs, 0) without partners."""
    n = len(outcomes)
    out = {name: matrix(outcomes, name, float) for name in ("partner_costs", "partner_exit", "partner_tenure")}
    out["partners_end"] = column(outcomes, "partners_end", np.int16)
    exits = np.empty(n, dtype=object)
    exits[:] = [o.exits for o in outcomes]
    out["exits"] = exits
    return out


def _env_hist(outcomes: list[Outcome]) -> np.ndarray:
    """Counts of runs in each environment state at each grid point (zeros when the states were not kept)."""
    states = len(outcomes[0].env_time) if outcomes else 0
    if not outcomes or not outcomes[0].env_grid:
        return np.zeros((GRID_POINTS, states), np.int64)
    cells = np.array([o.env_grid for o in outcomes]) + np.arange(GRID_POINTS) * states
    return np.bincount(cells.ravel(), minlength=GRID_POINTS * states).reshape(GRID_POINTS, states)


def sharing_of(results: "list[Results]") -> dict[str, Any]:
    """The ``sharing`` block of a study made of several simulations (a sweep's values, optimize's batches)."""
    distinct = {id(p): p for r in results for p in r.plans.values()}.values()
    simulated = sum(int(np.count_nonzero(p.simulated)) for p in distinct)
    total = sum(len(p) for p in distinct)
    return {"variants": len(distinct), "replications": total, "simulated": simulated, "derived": total - simulated,
            "exhaustive": all(r.exhaustive for r in results) if results else False}


def sum_sharing(blocks: "list[dict[str, Any]]") -> dict[str, Any]:
    """``sharing`` blocks of separate simulations added up."""
    out = {key: sum(b[key] for b in blocks) for key in ("variants", "replications", "simulated", "derived")}
    return {**out, "exhaustive": all(b["exhaustive"] for b in blocks) if blocks else False}


@dataclass
class Results:
    """The outcome of :func:`allysim.simulate`: every plan's replications, paired by index.

    Examples
    --------
    >>> results = allysim.simulate(scenario, runs=2000, seed=7)   # doctest: +SKIP
    >>> results.summary()["plans"]["do_nothing"]["survival"]       # doctest: +SKIP
    >>> allysim.write_results(results, "reports/jv")               # doctest: +SKIP
    """

    scenario: "Scenario"
    seed: int
    runs: int
    plans: dict[str, PlanRuns]
    variants: dict[str, Variant]
    precision: dict[str, Any] | None = None  # what --precision reached, when it was asked for
    params: np.ndarray | None = None  # (runs, uncertain parameters): each replication's draws, shared by its plans
    exhaustive: bool = False  # every variant simulated in full, no path shared

    def sharing(self) -> dict[str, Any]:
        """How many replications were simulated and how many derived exactly from a shared path (``sharing`` in
        the studies' JSON). Variants that are the same set of contingencies and removed risks count once."""
        return sharing_of([self])

    @property
    def grid(self) -> np.ndarray:
        """Times at which health bands are kept, from 0 to the horizon."""
        return np.linspace(0.0, self.scenario.horizon, GRID_POINTS)

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (SPEC section 5)."""
        return analysis.summarize(self)

    def health_bands(self) -> dict[str, Any]:
        """The content of ``health.json``: health percentiles on the time grid per plan."""
        return analysis.health_bands(self)

    def rows(self) -> Iterator[tuple]:
        """Rows of ``runs.csv`` (columns :func:`allysim.outputs.runs_columns`), plan by plan, run by run."""
        # a run ended by a partner's exit is credited to the partner: cause index len(risks) + its index
        risk_ids = [r.id for r in self.scenario.risks] + [p.id for p in self.scenario.partners] + ["survived"]
        env = self.scenario.environment
        partners = bool(self.scenario.partners)
        numbers = ("lifetime", "npv", "risk_cost", "contingency_cost", "min_health", "resilience")
        for name, p in self.plans.items():
            # a block of rows at a time, column by column: Python floats rather than numpy scalars, and memory
            # bounded by the block whatever the number of runs
            for start in range(0, len(p), _ROW_BLOCK):
                block = slice(start, start + _ROW_BLOCK)
                life, npv, risk_cost, cont_cost, low, resilience = (
                    [_num(x) for x in getattr(p, column)[block].tolist()] for column in numbers)
                causes = p.cause[block].tolist()
                states = p.env_state[block].tolist() if env is not None else None
                ends = p.partners_end[block].tolist() if partners else None
                exits = p.exits[block].tolist() if partners else None
                for k, cause in enumerate(causes):
                    row = (name, start + k, life[k], "false" if cause >= 0 else "true", risk_ids[cause], npv[k],
                           risk_cost[k], cont_cost[k], low[k], resilience[k])
                    if env is not None:
                        row = (*row, env.names[states[k]])
                    yield row if ends is None else (*row, ends[k], exits[k])

    def params_rows(self) -> Iterator[tuple]:
        """Rows of ``params.csv``: the replication index, then each uncertain parameter's draw."""
        if self.params is None:
            return
        for i, row in enumerate(self.params):
            yield (i, *(_num(x) for x in row))


_ROW_BLOCK = 10_000


def _num(x: float) -> str:
    return format(float(x), ".10g")
