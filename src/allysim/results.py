"""What a simulation produced: per-replication outcome arrays per plan, and health histograms for fan charts.

Health paths are not kept run by run: each plan keeps, for every point of the time grid, a histogram of health
across replications (exact 0 for dissolved alliances, 200 bins of width 0.005, exact 1). Histograms add up exactly
across chunks and workers, so the health bands are identical for any number of workers, and memory does not grow
with the number of runs.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import GRID_POINTS, Outcome

if TYPE_CHECKING:
    from .runner import Variant
    from .scenario import Scenario

__all__ = ["PlanRuns", "Results", "HEALTH_BINS", "health_bins", "RUNS_COLUMNS"]

HEALTH_BINS = 202  # [exactly 0] + 200 bins over (0, 1) + [exactly 1]
RUNS_COLUMNS = ("plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost", "contingency_cost",
                "min_health", "resilience")
_FLOATS = ("lifetime", "npv", "value", "risk_cost", "contingency_cost", "min_health", "resilience")


def health_bins(health: np.ndarray) -> np.ndarray:
    """Bin index of each health value: 0 for exactly 0, 201 for exactly 1, else 1 + floor(200 h)."""
    index = 1 + np.minimum(np.floor(health * 200).astype(np.int64), 199)
    index[health <= 0.0] = 0
    index[health >= 1.0] = HEALTH_BINS - 1
    return index


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

    @classmethod
    def empty(cls, runs: int, risks: int, contingencies: int) -> "PlanRuns":
        floats = {name: np.zeros(runs) for name in _FLOATS}
        return cls(cause=np.full(runs, -1, dtype=np.int16), occurrences=np.zeros((runs, risks), np.int32),
                   activations=np.zeros((runs, contingencies), np.int32),
                   successes=np.zeros((runs, contingencies), np.int32), costs=np.zeros((runs, contingencies)),
                   health_hist=np.zeros((GRID_POINTS, HEALTH_BINS), np.int64), **floats)

    @classmethod
    def from_outcomes(cls, outcomes: list[Outcome]) -> "PlanRuns":
        hist = np.zeros((GRID_POINTS, HEALTH_BINS), np.int64)
        if outcomes and outcomes[0].health:
            health = np.array([o.health for o in outcomes])  # (runs, grid)
            # one bincount over (grid point, bin) pairs instead of one per grid point
            cells = health_bins(health) + np.arange(GRID_POINTS) * HEALTH_BINS
            hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * HEALTH_BINS).reshape(GRID_POINTS, HEALTH_BINS)
        return cls(
            cause=np.array([o.cause for o in outcomes], dtype=np.int16),
            occurrences=np.array([o.occurrences for o in outcomes], dtype=np.int32),
            activations=np.array([o.activations for o in outcomes], dtype=np.int32).reshape(len(outcomes), -1),
            successes=np.array([o.successes for o in outcomes], dtype=np.int32).reshape(len(outcomes), -1),
            costs=np.array([o.costs for o in outcomes], dtype=float).reshape(len(outcomes), -1),
            health_hist=hist,
            **{name: np.array([getattr(o, name) for o in outcomes], dtype=float) for name in _FLOATS},
        )

    def place(self, start: int, part: "PlanRuns") -> None:
        """Copy a chunk's arrays into replications ``start, start + 1, ...``."""
        stop = start + len(part.lifetime)
        for name in (*_FLOATS, "cause", "occurrences", "activations", "successes", "costs"):
            getattr(self, name)[start:stop] = getattr(part, name)
        self.health_hist += part.health_hist

    def __len__(self) -> int:
        return len(self.lifetime)

    def head(self, n: int) -> "PlanRuns":
        """The first ``n`` replications (the health histogram must already count exactly those)."""
        if n == len(self):
            return self
        fields = {name: getattr(self, name)[:n] for name in
                  (*_FLOATS, "cause", "occurrences", "activations", "successes", "costs")}
        return PlanRuns(health_hist=self.health_hist, **fields)


@dataclass
class Results:
    """The outcome of :func:`allysim.simulate`: every plan's replications, paired by index.

    Examples
    --------
    >>> results = allysim.simulate(scenario, runs=2000, seed=7)   # doctest: +SKIP
    >>> results.summary()["plans"]["do_nothing"]["survival"]       # doctest: +SKIP
    >>> results.to_csv("runs.csv")                                 # doctest: +SKIP
    """

    scenario: "Scenario"
    seed: int
    runs: int
    plans: dict[str, PlanRuns]
    variants: dict[str, "Variant"]
    precision: dict[str, Any] | None = None  # what --precision reached, when it was asked for
    params: np.ndarray | None = None  # (runs, uncertain parameters): each replication's draws, shared by its plans

    @property
    def grid(self) -> np.ndarray:
        """Times at which health bands are kept, from 0 to the horizon."""
        return np.linspace(0.0, self.scenario.horizon, GRID_POINTS)

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (SPEC section 5)."""
        from .analysis import summarize

        return summarize(self)

    def health_bands(self) -> dict[str, Any]:
        """The content of ``health.json``: health percentiles on the time grid per plan."""
        from .analysis import health_bands

        return health_bands(self)

    def rows(self):  # noqa: ANN201 - an iterator of runs.csv rows
        """Rows of ``runs.csv``, plan by plan, replication by replication."""
        risk_ids = [r.id for r in self.scenario.risks] + ["survived"]
        for name, p in self.plans.items():
            survived = p.cause < 0
            for i in range(len(p)):
                yield (name, i, _num(p.lifetime[i]), "true" if survived[i] else "false", risk_ids[p.cause[i]],
                       _num(p.npv[i]), _num(p.risk_cost[i]), _num(p.contingency_cost[i]), _num(p.min_health[i]),
                       _num(p.resilience[i]))

    def params_rows(self):  # noqa: ANN201 - an iterator of params.csv rows
        """Rows of ``params.csv``: the replication index, then each uncertain parameter's draw."""
        if self.params is None:
            return
        for i, row in enumerate(self.params):
            yield (i, *(_num(x) for x in row))

    def params_to_csv(self, path: str | Path) -> Path:
        """Write ``params.csv`` (``run, PATH, PATH, ...``) atomically and return its path."""
        return _write_csv(path, ("run", *self.scenario.uncertain), self.params_rows())

    def to_csv(self, path: str | Path) -> Path:
        """Write ``runs.csv`` atomically and return its path."""
        return _write_csv(path, RUNS_COLUMNS, self.rows())


def _write_csv(path: str | Path, header: Any, rows: Any) -> Path:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _num(x: float) -> str:
    return format(float(x), ".10g")
