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

So a variant ``u`` simulated in replication ``i`` stands, in that replication, for every variant ``v`` with

    acted(u)  <=  contingencies(v)  <=  contingencies(u) + shadows of u that never worked
    removed(u)  <=  removed(v),  and no risk of removed(v) occurred in u's path

where ``acted(u)`` are the contingencies of ``u`` with at least one successful activation. ``v``'s outcome is
``u``'s, with ``v``'s own contingency costs (setup, per_time on the same discounted alive time, per_activation on the
same activations) added up in the engine's order, so that the derived numbers are the very bits a simulation of
``v`` would give. Each replication simulates one variant per distinct path, whatever the order of the variants.
``exhaustive=True`` simulates every variant in full instead: the reference the tests hold sharing to.

The engine's runaway guard (its event budget) counts the events of the simulated plans: a variant derived from a
shared path is not itself checked against the budget.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from .engine import GRID_POINTS, CompiledPlan, Outcome
from .results import HEALTH_BINS, PlanRuns, health_bins

__all__ = ["Masks", "masks_of", "simulate_shared", "simulate_exhaustive"]


@dataclass(frozen=True)
class Masks:
    """A variant as bit masks: bit j of ``contingencies`` for the scenario's contingency j, likewise for risks.

    ``world`` names the values of the uncertain parameters the variant lives in (its pins, SPEC section 8): only
    variants of one world can share a path.
    """

    contingencies: int
    removed: int
    world: Hashable = ()


def masks_of(scenario, contingencies: Sequence[str], removed_risks: Sequence[str],  # noqa: ANN001
             world: Hashable = ()) -> Masks:
    """The bit masks of a variant of ``scenario``."""
    cids = {c.id: j for j, c in enumerate(scenario.contingencies)}
    rids = {r.id: j for j, r in enumerate(scenario.risks)}
    return Masks(sum(1 << cids[c] for c in set(contingencies)), sum(1 << rids[r] for r in set(removed_risks)),
                 world)


def _bits(flags: Sequence) -> int:  # noqa: ANN001 - counts or booleans
    mask = 0
    for j, x in enumerate(flags):
        if x:
            mask |= 1 << j
    return mask


Values = Sequence[Sequence[Sequence[float]] | None]


def simulate_exhaustive(models: Sequence[CompiledPlan], seed: int, start: int, stop: int,
                        values: Values | None = None) -> list[PlanRuns]:
    """Every variant simulated in full on replications ``start .. stop - 1``."""
    values = values or [None] * len(models)
    return [PlanRuns.from_outcomes([m.run(seed, rep, None if v is None else v[rep - start])
                                    for rep in range(start, stop)]) for m, v in zip(models, values)]


def simulate_shared(models: Sequence[CompiledPlan], masks: Sequence[Masks], seed: int, start: int, stop: int,
                    values: Values | None = None) -> list[PlanRuns]:
    """Every variant on replications ``start .. stop - 1``, simulating one per distinct path (models need shadows).

    ``models[k]`` is variant ``k`` compiled with ``shadows=True``; ``masks[k]`` its :class:`Masks`; ``values[k]``
    (if any) its uncertain parameters' draws, one row per replication (the same rows for variants of one world).
    """
    values = values or [None] * len(models)
    n, count = stop - start, len(models)
    everything = (1 << len(models[0].contingency_ids)) - 1
    # fewest removed risks first: a path with a risk can stand for the variant without it, not the converse
    order = sorted(range(count), key=lambda k: bin(masks[k].removed).count("1"))
    source = np.empty((count, n), dtype=np.int64)  # which simulated outcome stands for variant k in replication i
    simulated = np.zeros((count, n), dtype=bool)
    outcomes: list[Outcome] = []
    for i, rep in enumerate(range(start, stop)):
        paths: list[tuple] = []  # (acted, allowed, removed, occurred, world, outcome index)
        for k in order:
            want, removed, world = masks[k].contingencies, masks[k].removed, masks[k].world
            for acted, allowed, gone, occurred, lives_in, row in paths:
                if not (acted & ~want or want & ~allowed or gone & ~removed or removed & occurred) \
                        and lives_in == world:
                    source[k, i] = row
                    break
            else:
                outcome = models[k].run(seed, rep, None if values[k] is None else values[k][i])
                row = len(outcomes)
                outcomes.append(outcome)
                acted = _bits(outcome.successes)  # shadows' successes are reported apart, in shadow_worked
                paths.append((acted, everything & ~_bits(outcome.shadow_worked), removed,
                              _bits(outcome.occurrences), world, row))
                source[k, i] = row
                simulated[k, i] = True
    table = _Table(outcomes, health=bool(models[0].health_path))
    return [table.derive(source[k], masks[k].contingencies, simulated[k]) for k in range(count)]


class _Table:
    """The simulated outcomes of a chunk as arrays, from which every variant's arrays are gathered."""

    def __init__(self, outcomes: list[Outcome], health: bool) -> None:
        floats = ("lifetime", "value", "risk_cost", "min_health", "resilience")
        for name in floats:
            setattr(self, name, np.array([getattr(o, name) for o in outcomes], dtype=float))
        rows = len(outcomes)
        self.cause = np.array([o.cause for o in outcomes], dtype=np.int16)
        self.occurrences = np.array([o.occurrences for o in outcomes], dtype=np.int32).reshape(rows, -1)
        # a contingency is either in the simulated plan or a shadow: one of each pair below is 0, so the sum is exact
        self.activations = (np.array([o.activations for o in outcomes], dtype=np.int32)
                            + np.array([o.shadow_activations for o in outcomes], dtype=np.int32)).reshape(rows, -1)
        self.successes = np.array([o.successes for o in outcomes], dtype=np.int32).reshape(rows, -1)
        self.costs = (np.array([o.costs for o in outcomes], dtype=float)
                      + np.array([o.shadow_costs for o in outcomes], dtype=float)).reshape(rows, -1)
        self.health = np.array([o.health for o in outcomes], dtype=float) if health else None
        self.env_time = np.array([o.env_time for o in outcomes], dtype=float).reshape(rows, -1)
        self.env_grid = np.array([o.env_grid for o in outcomes], dtype=np.int64) if health else None
        self.env_state = np.array([o.env_state for o in outcomes], dtype=np.int16)

    def derive(self, rows: np.ndarray, contingencies: int, simulated: np.ndarray) -> PlanRuns:
        """A variant's arrays: its replications' outcomes, with its own contingencies' counts and costs."""
        chosen = [j for j in range(self.costs.shape[1]) if contingencies >> j & 1]
        inside = np.zeros(self.costs.shape[1], dtype=bool)
        inside[chosen] = True
        costs = np.where(inside, self.costs[rows], 0.0)
        contingency_cost = np.zeros(len(rows))
        for j in chosen:  # one by one in file order, as the engine adds them: the same bits
            contingency_cost = contingency_cost + costs[:, j]
        value, risk_cost = self.value[rows], self.risk_cost[rows]
        hist = np.zeros((GRID_POINTS, HEALTH_BINS), np.int64)
        if self.health is not None and len(rows):
            cells = health_bins(self.health[rows]) + np.arange(GRID_POINTS) * HEALTH_BINS
            hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * HEALTH_BINS).reshape(GRID_POINTS, HEALTH_BINS)
        states = self.env_time.shape[1]
        env_hist = np.zeros((GRID_POINTS, states), np.int64)
        if self.env_grid is not None and self.env_grid.size and len(rows):
            cells = self.env_grid[rows] + np.arange(GRID_POINTS) * states
            env_hist = np.bincount(cells.ravel(), minlength=GRID_POINTS * states).reshape(GRID_POINTS, states)
        return PlanRuns(
            lifetime=self.lifetime[rows], cause=self.cause[rows], npv=value - (risk_cost + contingency_cost),
            value=value, risk_cost=risk_cost, contingency_cost=contingency_cost, min_health=self.min_health[rows],
            resilience=self.resilience[rows], occurrences=self.occurrences[rows],
            activations=np.where(inside, self.activations[rows], 0).astype(np.int32),
            successes=np.where(inside, self.successes[rows], 0).astype(np.int32), costs=costs, health_hist=hist,
            env_time=self.env_time[rows], env_state=self.env_state[rows], env_hist=env_hist,
            simulated=simulated.copy(),
        )
