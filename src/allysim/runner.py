"""Many replications: seeds, chunks, worker processes, and the :class:`Results` they fill.

Replications are cut into chunks of consecutive indices; each chunk runs every variant (plan) on the same
replication indices, so all plans see the same random streams. Chunks run in this process or in worker processes,
and their arrays are put back by replication index, never by completion order: any number of workers gives the
same numbers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
import multiprocessing

import numpy as np

from .engine import DEFAULT_EVENT_BUDGET, GRID_POINTS, Model
from .errors import UsageError
from .results import HEALTH_BINS, PlanRuns, Results, health_bins
from .scenario import Scenario
from .streams import sources

__all__ = ["Variant", "simulate", "simulate_variants", "resolve_seed", "default_workers"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Variant:
    """What to simulate: a set of contingencies, optionally without some risks."""

    contingencies: tuple[str, ...]
    removed_risks: tuple[str, ...] = ()


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_seed(seed: int | None, scenario: Scenario) -> int:
    """The seed to use: the given one, else the scenario's, else fresh entropy (recorded in the results)."""
    if seed is None:
        seed = scenario.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


def simulate(scenario: Scenario, runs: int | None = None, seed: int | None = None,
             plans: list[str] | tuple[str, ...] | None = None, workers: int | None = 1,
             progress: Progress | None = None, event_budget: int = DEFAULT_EVENT_BUDGET) -> Results:
    """Simulate every plan of ``scenario`` (or the named ``plans``) on common random numbers.

    Parameters
    ----------
    scenario : Scenario
        From :func:`allysim.load_scenario`.
    runs : int, optional
        Replications per plan; default the scenario's ``runs``.
    seed : int, optional
        Root seed; default the scenario's ``seed``, else fresh entropy. ``results.seed`` records it.
    plans : list of str, optional
        Plan names, in the order wanted; default every plan in file order.
    workers : int, optional
        Worker processes (``None``: one per CPU). Results do not depend on it.

    Examples
    --------
    >>> results = allysim.simulate(scenario, runs=2000, seed=7)            # doctest: +SKIP
    >>> results.summary()["plans"]["full"]["survival"]["estimate"]        # doctest: +SKIP
    """
    available = scenario.plan_sets
    names = list(plans) if plans else list(available)
    unknown = [p for p in names if p not in available]
    if unknown:
        raise UsageError(f"unknown plan {unknown[0]!r}; {scenario.source} has plans: {', '.join(available)}")
    if len(set(names)) != len(names):
        raise UsageError("each plan may be named once")
    variants = {name: Variant(available[name]) for name in names}
    return simulate_variants(scenario, variants, runs=runs, seed=seed, workers=workers, progress=progress,
                             event_budget=event_budget)


def simulate_variants(scenario: Scenario, variants: dict[str, Variant], runs: int | None = None,
                      seed: int | None = None, workers: int | None = 1, progress: Progress | None = None,
                      event_budget: int = DEFAULT_EVENT_BUDGET) -> Results:
    """Simulate named variants of one scenario on the same replications (paired)."""
    runs = scenario.runs if runs is None else runs
    if not isinstance(runs, (int, np.integer)) or runs < 1:
        raise UsageError(f"runs must be a whole number >= 1, got {runs!r}")
    seed = resolve_seed(seed, scenario)
    workers = default_workers() if workers is None else workers
    if not isinstance(workers, (int, np.integer)) or workers < 1:
        raise UsageError(f"workers must be a whole number >= 1, got {workers!r}")
    # identical variants are simulated once and shared: on common random numbers they would give the same arrays
    unique = {v: f"v{i}" for i, v in enumerate(dict.fromkeys(variants.values()))}
    job = _Job(scenario, {key: v for v, key in unique.items()}, seed, event_budget)
    store = {key: PlanRuns.empty(int(runs), len(scenario.risks), len(scenario.contingencies))
             for key in job.variants}
    for start, chunk in _execute(job, int(runs), int(workers)):
        for key, part in chunk.items():
            store[key].place(start, part)
        if progress is not None:
            progress(len(next(iter(chunk.values())).lifetime))
    return Results(scenario=scenario, seed=seed, runs=int(runs),
                   plans={name: store[unique[v]] for name, v in variants.items()}, variants=dict(variants))


# --------------------------------------------------------------------------- chunks and workers


@dataclass
class _Job:
    scenario: Scenario
    variants: dict[str, Variant]
    seed: int
    event_budget: int
    models: dict[str, Model] = field(default_factory=dict, repr=False)

    def model(self, name: str) -> Model:
        if name not in self.models:
            layout = sources(self.scenario)
            v = self.variants[name]
            self.models[name] = Model(self.scenario, v.contingencies, removed_risks=v.removed_risks,
                                      layout=layout, event_budget=self.event_budget)
        return self.models[name]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["models"] = {}  # compiled models hold closures; each worker compiles its own
        return state

    def run_chunk(self, start: int, stop: int) -> dict[str, PlanRuns]:
        out = {}
        for name in self.variants:
            model = self.model(name)
            outcomes = [model.run(self.seed, rep) for rep in range(start, stop)]
            out[name] = PlanRuns.from_outcomes(outcomes)
        return out


def _chunk_size(runs: int, workers: int) -> int:
    """Big enough to amortise dispatch, small enough to balance load and move the progress bar."""
    return max(1, min(500, math.ceil(runs / (workers * 8))))


def _execute(job: _Job, runs: int, workers: int) -> Iterator[tuple[int, dict[str, PlanRuns]]]:
    size = _chunk_size(runs, workers)
    starts = list(range(0, runs, size))
    if workers == 1 or len(starts) == 1:
        for start in starts:
            yield start, job.run_chunk(start, min(runs, start + size))
        return
    # fork starts workers in milliseconds and works from notebooks and unguarded scripts; elsewhere, spawn
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(starts)), mp_context=context,
                             initializer=_init_worker, initargs=(job,)) as pool:
        pending: dict[Future, int] = {}
        queue = iter(starts)
        try:
            for start in queue:
                pending[pool.submit(_run_in_worker, start, min(runs, start + size))] = start
                if len(pending) >= workers * 2:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    start = pending.pop(future)
                    yield start, future.result()
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending[pool.submit(_run_in_worker, nxt, min(runs, nxt + size))] = nxt
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _run_in_worker(start: int, stop: int) -> dict[str, PlanRuns]:
    assert _WORKER_JOB is not None  # set by the pool initializer
    return _WORKER_JOB.run_chunk(start, stop)


__all__ += ["GRID_POINTS", "HEALTH_BINS", "health_bins"]
