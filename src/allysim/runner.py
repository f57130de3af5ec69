"""Many replications: seeds, chunks, executors, precision-driven stopping, and the :class:`Results` they fill.

Replications are cut into chunks of consecutive indices; each chunk runs every variant (plan) on the same
replication indices, so all plans see the same random streams. Chunks run wherever the executor puts them (this
process, worker processes, a Dask cluster) and their arrays are put back by replication index, never by completion
order: any executor and any number of workers give the same numbers.
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from .checkpoint import Checkpoint
from .engine import DEFAULT_EVENT_BUDGET
from .errors import AllysimWarning, UsageError
from .executors import Executor, Job, make_executor
from .results import PlanRuns, Results, Variant
from .scenario import MAX_RUNS, Scenario
from .sharing import SharedStore, masks_of
from .stats import Z95, mean_ci, wilson
from .streams import Layout
from .uncertainty import Draws

__all__ = ["RunOptions", "Variant", "simulate", "simulate_variants", "open_executor", "resolve_seed", "default_workers", "chunk_ranges"]

Progress = Callable[[int], None]
Store = dict[str, PlanRuns] | SharedStore  # where chunks are put back: whole arrays, or shared paths
MAX_CHUNK = 500
FIRST_BATCH = 1000  # replications before --precision first checks the intervals


WORKERS_PER_CPU = 4  # local worker processes beyond this many per CPU only compete for the CPUs


def _capped(workers: int, executor: str, scheduler: str | None) -> int:
    """At most :data:`WORKERS_PER_CPU` local processes per CPU, with a note; a remote cluster's are its own."""
    if executor == "dask" and scheduler not in (None, "local"):
        return workers
    cpus = os.cpu_count() or 1
    most = WORKERS_PER_CPU * cpus
    if workers > most:
        warnings.warn(f"{workers:,} workers is more than {WORKERS_PER_CPU} per CPU ({cpus} CPU"
                      f"{'' if cpus == 1 else 's'}); using {most}: more processes would only compete for the CPUs "
                      "(the results do not depend on it)", AllysimWarning, stacklevel=4)
        return most
    return workers


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
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise UsageError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class RunOptions:
    """How to simulate, whatever is simulated: one object, built once and passed whole.

    ``simulate``, ``simulate_variants`` and every study take ``options=RunOptions(...)`` or the same names as
    keywords; :meth:`resolve` checks them against a scenario and fills in the defaults, once.

    Attributes
    ----------
    runs : int, optional
        Replications per variant (with ``precision``: at most this many); default the scenario's ``runs``.
    seed : int, optional
        Root seed; default the scenario's ``seed``, else fresh entropy, recorded in the results.
    workers : int, optional
        Worker processes (``None``: one per CPU). Results do not depend on it.
    executor, scheduler : str
        ``"local"`` (default) or ``"dask"`` with a scheduler address (``"local"`` starts a LocalCluster).
    progress : callable, optional
        Called with the number of replications just finished. If it has an ``expect`` method, that is called
        first with the number of replications about to run, so a progress bar can show its total.
    precision : float, optional
        Stop as soon as every variant's 95% interval half-width is at most ``precision`` for survival and at most
        ``precision * |mean|`` for NPV (checked after batches of replications), or at ``runs``.
    event_budget : int
        Events one replication may take before it stops with a :class:`~allysim.errors.SimulationError`.
    checkpoint, resume
        A folder keeping finished chunks (see :mod:`allysim.checkpoint`), and whether to continue from it.
    checkpoint_after : float, optional
        Seconds of simulation before the first chunk is written to ``checkpoint`` (chunks finished earlier are
        held until then; a run that ends sooner writes no checkpoint). Default ``ALLYSIM_CHECKPOINT_AFTER`` from
        the environment, else :data:`allysim.checkpoint.CHECKPOINT_AFTER` (5 s); 0 writes every chunk at once.
    exhaustive : bool
        Simulate every variant in full, rather than deriving a variant's replication exactly from another's
        identical path (:mod:`allysim.sharing`): the same numbers, slower; the reference for tests and audits.
    keep_checkpoint : bool
        Leave the checkpoint when the simulation completes, for the caller to remove once the results are safely
        written (:func:`allysim.checkpoint.discard`); if writing fails, ``resume=True`` returns them at once.

    Examples
    --------
    >>> options = RunOptions(runs=2000, seed=7, workers=2)                     # doctest: +SKIP
    >>> allysim.compare(scenario, options=options)                           # doctest: +SKIP
    """

    runs: int | None = None
    seed: int | None = None
    workers: int | None = 1
    executor: str = "local"
    scheduler: str | None = None
    progress: Progress | None = None
    precision: float | None = None
    event_budget: int = DEFAULT_EVENT_BUDGET
    checkpoint: str | os.PathLike[str] | None = None
    resume: bool = False
    exhaustive: bool = False
    keep_checkpoint: bool = False
    checkpoint_after: float | None = None

    @classmethod
    def of(cls, options: RunOptions | None = None, **settings: Any) -> RunOptions:
        """``options`` (default all defaults) with ``settings`` replacing some of its fields."""
        unknown = sorted(set(settings) - {f.name for f in fields(cls)})
        if unknown:
            raise UsageError(f"unknown simulation option {unknown[0]!r}; known: "
                             f"{', '.join(f.name for f in fields(cls))}")
        return replace(options or cls(), **settings)

    def resolve(self, scenario: Scenario) -> RunOptions:
        """These options checked, with every default filled in from ``scenario`` (runs, seed, workers)."""
        seed = self.seed
        if self.resume and seed is None and scenario.seed is None and self.checkpoint is not None:
            seed = Checkpoint.saved_seed(self.checkpoint)  # a fresh seed was drawn last time: reuse it
        runs = scenario.runs if self.runs is None else self.runs
        if not isinstance(runs, (int, np.integer)) or isinstance(runs, bool) or not 1 <= runs <= MAX_RUNS:
            raise UsageError(f"runs must be a whole number from 1 to {MAX_RUNS:,}, got {runs!r}")
        workers = default_workers() if self.workers is None else self.workers
        if not isinstance(workers, (int, np.integer)) or workers < 1:
            raise UsageError(f"workers must be a whole number >= 1, got {workers!r}")
        workers = _capped(int(workers), self.executor, self.scheduler)
        precision = self.precision
        if precision is not None and not (isinstance(precision, (int, float)) and 0 < precision < 1):
            raise UsageError(f"precision must be a number between 0 and 1, got {precision!r}")
        return replace(self, runs=int(runs), seed=resolve_seed(seed, scenario), workers=int(workers))


def simulate(scenario: Scenario, runs: int | None = None, seed: int | None = None,
             plans: list[str] | tuple[str, ...] | None = None, *, overrides: Any = None,
             options: RunOptions | None = None, **settings: Any) -> Results:
    """Simulate every plan of ``scenario`` (or the named ``plans``) on common random numbers.

    Parameters
    ----------
    scenario : Scenario
        From :func:`allysim.load_scenario`.
    runs : int, optional
        Replications per plan (with ``precision``: at most this many); default the scenario's ``runs``.
    seed : int, optional
        Root seed; default the scenario's ``seed``, else fresh entropy. ``results.seed`` records it.
    plans : list of str, optional
        Plan names, in the order wanted; default every plan in file order.
    options : RunOptions, optional
        How to simulate; ``settings`` (``workers=2``, ``precision=0.01``, ... any field of :class:`RunOptions`)
        replace some of its fields.
    overrides : mapping or list of str, optional
        Parameters set over the file's values, ``{"risks.partner_buyout.rate": 0.2}`` or
        ``["horizon=7"]`` (see :meth:`Scenario.with_overrides`); recorded as ``overrides`` in the outputs.

    Examples
    --------
    >>> results = allysim.simulate(scenario, runs=2000, seed=7)            # doctest: +SKIP
    >>> results.summary()["plans"]["full"]["survival"]["estimate"]        # doctest: +SKIP
    >>> allysim.simulate(scenario, runs=2000, overrides={"horizon": 7})    # doctest: +SKIP
    """
    scenario = scenario.with_overrides(overrides)
    available = scenario.plan_sets
    names = list(plans) if plans else list(available)
    unknown = [p for p in names if p not in available]
    if unknown:
        raise UsageError(f"unknown plan {unknown[0]!r}; {scenario.source} has plans: {', '.join(available)}")
    if len(set(names)) != len(names):
        raise UsageError("each plan may be named once")
    variants = {name: Variant(available[name]) for name in names}
    if runs is not None:
        settings["runs"] = runs
    if seed is not None:
        settings["seed"] = seed
    return simulate_variants(scenario, variants, RunOptions.of(options, **settings))


def _model_digest(scenario: Scenario) -> str:
    """The sha256 of a scenario as validated: two scenarios that simulate alike have the same digest."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def simulate_variants(scenario: Scenario, variants: dict[str, Variant], options: RunOptions | None = None, *,
                      health_bands: bool = True, layout: Layout | None = None, executor: Executor | None = None,
                      **settings: Any) -> Results:
    """Simulate named variants of one scenario on the same replications (paired).

    In each replication, only the variants whose paths can differ are simulated; the others are derived exactly
    from a shared path (:mod:`allysim.sharing`), to the same bits. ``exhaustive=True`` simulates every variant in
    full instead. ``results.sharing()`` says how many replications were simulated and how many derived.

    ``options`` (or ``settings``, the fields of :class:`RunOptions` as keywords) say how. With
    ``options.checkpoint`` (a folder), every finished chunk is kept there, and ``resume=True`` continues from what
    a previous, interrupted call with the same arguments left (see :mod:`allysim.checkpoint`). With
    ``health_bands=False`` no health path is kept (faster; the results then have no health bands). ``layout`` fixes
    where each random source reads its uniforms: versions of one scenario with different parameter values (a sweep)
    share streams only with one layout for all of them (:func:`allysim.streams.shared_layout`). ``executor`` (from
    :func:`open_executor`) runs the chunks on workers the caller keeps across several calls and closes itself.
    """
    options = RunOptions.of(options, **settings).resolve(scenario)
    runs, seed, workers, precision = int(options.runs or 0), int(options.seed or 0), int(options.workers or 1), \
        options.precision  # resolve() filled every one in
    # identical variants are simulated once and shared: on common random numbers they would give the same arrays
    unique = {v: f"v{i}" for i, v in enumerate(dict.fromkeys(variants.values()))}
    job = Job(scenario, {key: v for v, key in unique.items()}, seed, options.event_budget, health_path=health_bands,
              layout=layout, exhaustive=options.exhaustive)
    states = 0 if scenario.environment is None else len(scenario.environment.states)
    store: Store
    if job.shared:  # each distinct path kept once; variants are derived from them when read
        masks = [masks_of(scenario, v.contingencies, v.removed_risks).contingencies for v in job.variants.values()]
        store = SharedStore(list(job.variants), masks, runs)
    else:
        store = {key: PlanRuns.empty(runs, len(scenario.risks), len(scenario.contingencies), states,
                                     len(scenario.partners))
                 for key in job.variants}
    keeper = None
    covered: list[tuple[int, int]] = []
    if options.checkpoint is not None:
        keeper = Checkpoint(options.checkpoint, {
            # everything that changes the numbers: the file, the model as validated (--set overrides included), the
            # seed, the runs, the event budget and what each variant is
            "scenario_sha256": scenario.sha256, "model_sha256": _model_digest(scenario),
            "overrides": [f"{key}={value}" for key, value in scenario.overrides.items()],
            "event_budget": options.event_budget, "seed": seed, "runs": runs, "precision": precision,
            "exhaustive": options.exhaustive, "variants": {key: [list(v.contingencies), list(v.removed_risks)]
                         + ([[list(p) for p in v.pins]] if v.pins else [])
                         + (["hold_environment"] if v.hold_environment else []) for key, v in job.variants.items()}},
            after=options.checkpoint_after)
        for (first, last), chunk in sorted(keeper.start(options.resume).items()):
            _place(store, first, chunk)
            covered.append((first, last))
    pool = executor or make_executor(options.executor, workers, options.scheduler)
    try:
        done = 0
        target = runs if precision is None else min(runs, FIRST_BATCH)
        while True:
            _fill(pool, job, store, _missing(covered, done, target), workers, options.progress, keeper)
            done = target
            if precision is None or done >= runs:
                break
            needed = _runs_needed(store, done, precision)
            if needed <= done:
                break
            target = min(runs, max(needed, math.ceil(done * 1.25)))
    except BaseException:  # an interrupt or an error: stop the workers now rather than let them finish their chunks
        pool.close(cancel=True)
        raise
    if executor is None:
        pool.close()
    if keeper is not None and not options.keep_checkpoint:
        keeper.finish()
    plans = {key: p.head(done) for key, p in store.items()}
    draws = Draws.of(scenario)
    results = Results(scenario=scenario, seed=seed, runs=done,
                      plans={name: plans[unique[v]] for name, v in variants.items()}, variants=dict(variants),
                      params=draws.draw(seed, 0, done) if draws else None, exhaustive=options.exhaustive)
    if precision is not None:
        results.precision = _precision_report(results, precision, runs)
    return results


def open_executor(options: RunOptions) -> Executor:
    """The workers ``options`` (resolved) ask for, to be kept across several :func:`simulate_variants` calls and
    closed by the caller: ``close()``, or ``close(cancel=True)`` when abandoning."""
    return make_executor(options.executor, int(options.workers or 1), options.scheduler)


def chunk_ranges(start: int, stop: int, workers: int) -> list[tuple[int, int]]:
    """Consecutive ranges covering ``start .. stop - 1``: big enough to amortise dispatch, small enough to balance
    load across workers and move the progress bar."""
    size = max(1, min(MAX_CHUNK, math.ceil((stop - start) / (workers * 8))))
    return [(a, min(stop, a + size)) for a in range(start, stop, size)]


def _missing(covered: list[tuple[int, int]], start: int, stop: int) -> list[tuple[int, int]]:
    """The parts of ``start .. stop - 1`` that no saved chunk covers."""
    gaps, at = [], start
    for first, last in sorted(covered):
        if last <= at or first >= stop:
            continue
        if first > at:
            gaps.append((at, first))
        at = max(at, last)
    if at < stop:
        gaps.append((at, stop))
    return gaps


def _fill(pool: Executor, job: Job, store: Store, gaps: list[tuple[int, int]], workers: int,
          progress: Progress | None, keeper: Checkpoint | None) -> None:
    ranges = [r for start, stop in gaps for r in chunk_ranges(start, stop, workers)]
    expect = getattr(progress, "expect", None)  # a progress bar that shows its total is told it up front
    if expect is not None:
        expect(sum(stop - start for start, stop in ranges))
    for first, chunk in pool.map(job, ranges):
        _place(store, first, chunk)
        n = len(next(iter(chunk.values())))
        if keeper is not None:
            keeper.save(first, first + n, chunk)
        if progress is not None:
            progress(n)


def _place(store: Store, first: int, chunk: Mapping[str, PlanRuns]) -> None:
    """Put a chunk's replications in their places, from replication ``first`` on."""
    if isinstance(store, SharedStore):
        store.place(first, chunk)
        return
    for key, part in chunk.items():
        store[key].place(first, part)


def _half_widths(p: PlanRuns) -> tuple[float, float]:
    """95% half-widths: survival (Wilson) and NPV relative to |mean| (Student t)."""
    n = len(p)
    lo, hi = wilson(int(np.count_nonzero(p.cause < 0)), n)
    mean, _sd, npv_lo, npv_hi = mean_ci(p.npv)
    npv_rel = 0.0 if npv_lo is None or npv_hi == npv_lo else (npv_hi - npv_lo) / 2 / max(abs(mean), 1e-300)
    return (hi - lo) / 2, npv_rel


def _runs_needed(store: Store, done: int, precision: float) -> int:
    """Replications every variant needs for its half-widths to reach ``precision`` (they shrink as 1/sqrt(n))."""
    worst = max(max(_half_widths(p.head(done))) for p in store.values())
    if worst <= precision:
        return done
    return math.ceil(done * (worst / precision) ** 2 * 1.05)


def _precision_report(results: Results, precision: float, cap: int) -> dict:
    reached = {}
    for name, p in results.plans.items():
        survival, npv = _half_widths(p)
        reached[name] = {"survival_halfwidth": survival, "npv_relative_halfwidth": npv}
    met = all(max(r.values()) <= precision for r in reached.values())
    return {"target": precision, "met": met, "runs_used": results.runs, "runs_cap": cap, "reached": reached,
            "rule": "95% CI half-width <= target for survival, <= target x |mean| for NPV, for every plan",
            "z": Z95}
