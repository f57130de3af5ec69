"""Which uncertain assumptions matter, and which could change the decision (SPEC section 10, ``sensitivity``).

For a scenario with uncertain parameters (SPEC section 8), per input:

- ``at_p10`` / ``at_p90``: the plan's mean NPV and survival with that input pinned at its P10 / P90 and every other
  input still uncertain (inputs correlated with it follow their conditional law). Paired re-simulation: the pinned
  variants run on the same replications, streams and draws of the other inputs as the main sample.
- ``variance_share``: the input's first-order share of the variance of the plan's NPV (and of survival, the 0/1
  outcome of a run) across runs, estimated from the main sample with SALib's RBD-FAST given-data estimator (bias
  corrected) and a bootstrap interval. Lives differ even in one world, so the shares of all inputs add up to
  what the uncertainty explains, well under 1: the rest is what happens in a life.
- ``difference``: plan minus ``against`` (default: the baseline) with the input pinned at levels across its range
  (P5 .. P95), and ``switches``: every value where that difference crosses zero (a contingency may pay only at
  middling rates, and cross twice), each refined by extra levels inside its bracket, with its own direction and a
  bootstrap interval over replications (``null`` on a side where the crossing may lie beyond its stretch of the
  range); ``switch`` is the first of them.
- ``p_better``: the share of runs, over all uncertainty, in which the plan's NPV beats ``against``'s.
- ``value_of_information``: over the plans compared (``plans``, default all), what learning each input (EVPPI), and
  every input together (EVPI), before choosing would be worth in expected NPV (:mod:`allysim.information`), from
  the main sample's paired runs.

Memory does not grow with the number of inputs times the runs: the main sample is simulated first, then the pinned
variants a few inputs at a time (:data:`BATCH_BYTES` of arrays at most, one input at least), each input's findings
computed from its variants' runs and those runs dropped before the next inputs are simulated. Every variant's numbers
depend only on (seed, replication, source) and its own pins, so the findings are the very numbers one simulation of
every variant at once would give. What remains of size inputs x runs is the main sample's draws of the inputs, which
the variance shares and the value of information read (8 bytes per input and run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .analysis import provenance
from .engine import GRID_POINTS
from .errors import UsageError
from .results import PlanRuns, Results, Variant, sum_sharing
from .runner import RunOptions, chunk_ranges, open_executor, simulate_variants
from .scenario import Scenario
from .scenario.paths import ParameterPath
from .scenario.uncertain import quantiles
from .stats import HEALTH_BINS, mean_ci, paired
from .verdicts import Materiality, judged, materiality_for

__all__ = ["BOOTSTRAP", "LEVELS", "REFINE", "Sensitivity", "sensitivity"]

LEVELS = (0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95)  # quantile levels at which each input is pinned
REFINE = 3  # extra levels inside a bracket where the difference changes sign
BOOTSTRAP = 400  # resamples of replications for the switch point's interval
BATCH_BYTES = 64 * 2**20  # the pinned variants' arrays simulated at once, at most (one input's at least)


def _name(path: str, side: str, level: float) -> str:
    return f"{side} | {path} @ {level:.6g}"


def _alive(runs: PlanRuns) -> np.ndarray:
    return (runs.cause < 0).astype(float)


@dataclass
class Sensitivity:
    """The study's simulations and findings. ``to_dict()`` is ``sensitivity.json``."""

    scenario: Scenario
    plan: str
    against: str | None
    results: Results  # the main sample: the plan, against and the plans compared, with every input uncertain
    levels: dict[str, list[float]] = field(default_factory=dict)  # per input, the levels simulated, sorted
    seed: int = 0
    compared: tuple[str, ...] = ()  # the plans whose choice the value of information is about, the first the base
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's
    pinned: dict[str, dict[str, Any]] = field(default_factory=dict)  # per input, what its pinned variants showed
    pinned_sharing: list[dict[str, Any]] = field(default_factory=list)  # the pinned simulations' ``sharing``

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use: by default 1% of the mean |NPV| of ``against`` (the baseline unless
        told otherwise), else of the plan, over the main sample."""
        side, name = ("against", self.against) if self.against is not None else ("plan", self.plan)
        return materiality_for(self.materiality_option, self.scenario.materiality,
                               self.results.plans[_name("", side, -1)].npv, name)

    def to_dict(self) -> dict[str, Any]:
        res = self.results
        main = res.plans[_name("", "plan", -1)]
        inputs: dict[str, Any] = {}
        shares = _variance_shares(self)
        for path, item in self.scenario.uncertain.items():
            p10, p90 = quantiles(item, (0.1, 0.9))
            found = self.pinned[path]
            entry: dict[str, Any] = {
                "label": ParameterPath.parse(path).label(self.scenario), "p10": p10, "p90": p90,
                "npv": found["npv"], "survival": found["survival"],
                "variance_share": {"npv": shares[path]["npv"][0], "survival": shares[path]["survival"][0]},
                "variance_share_ci95": {"npv": shares[path]["npv"][1], "survival": shares[path]["survival"][1]},
                "difference": found["difference"], "switches": found["switches"],
            }
            entry["switch"] = entry["switches"][0] if entry["switches"] else None
            inputs[path] = entry
        ranked = sorted(inputs, key=lambda p: -abs(inputs[p]["npv"]["at_p90"] - inputs[p]["npv"]["at_p10"]))
        for rank, path in enumerate(ranked, 1):
            inputs[path]["rank"] = rank
        out: dict[str, Any] = {
            **provenance(res), "plan": self.plan, "against": self.against,
            "meaning": "per uncertain input: the plan's mean results with it pinned at its P10 and P90 (the others "
                       "still uncertain); its first-order share of the variance across runs; the difference plan "
                       "minus against across its range, and the value where that difference crosses zero",
            "npv": {"mean": mean_ci(main.npv)[0], "ci95": list(mean_ci(main.npv)[2:])},
            "survival": {"estimate": float((main.cause < 0).mean())},
            "inputs": {p: inputs[p] for p in ranked},
            "p_better": None, "sharing": sum_sharing([res.sharing(), *self.pinned_sharing]),
            "materiality": self.materiality.to_dict(),
            "value_of_information": self._information(),
        }
        if self.against is not None:
            other = res.plans[_name("", "against", -1)]
            out["p_better"] = float(np.mean(main.npv > other.npv))
            out["versus"] = {"npv": judged(paired(main.npv, other.npv), res.runs, self.materiality.value),
                             "survival": judged(paired((main.cause < 0).astype(float),
                                                       (other.cause < 0).astype(float)), res.runs)}
        return out

    def _information(self) -> dict[str, Any] | None:
        """EVPI and each input's EVPPI over the plans compared (None with fewer than two)."""
        if len(self.compared) < 2:
            return None
        from .information import value_of_information

        res = self.results
        npv = {name: res.plans[_name("", f"compared {name}", -1)].npv for name in self.compared}
        return value_of_information(npv, res.params, list(self.scenario.uncertain))

    def _findings(self, path: str, plans: dict[str, PlanRuns]) -> dict[str, Any]:
        """What ``path``'s pinned variants (``plans``, by name) show: its swings, and its difference curve and
        switches when there is a plan to compare with."""
        low, high = plans[_name(path, "plan", 0.1)], plans[_name(path, "plan", 0.9)]
        npv10, npv90 = mean_ci(low.npv), mean_ci(high.npv)
        found: dict[str, Any] = {
            "npv": {"at_p10": npv10[0], "at_p90": npv90[0], "ci95_at_p10": [npv10[2], npv10[3]],
                    "ci95_at_p90": [npv90[2], npv90[3]], "swing": paired(high.npv, low.npv)},
            "survival": {"at_p10": float(_alive(low).mean()), "at_p90": float(_alive(high).mean()),
                         "swing": paired(_alive(high), _alive(low))},
            "difference": [], "switches": []}
        if self.against is not None:
            found["difference"], found["switches"] = self._difference(path, plans)
        return found

    def _difference(self, path: str, plans: dict[str, PlanRuns]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        item = self.scenario.uncertain[path]
        levels = self.levels[path]
        runs = self.results.runs
        values = np.asarray(quantiles(item, levels), dtype=float)
        diffs = np.column_stack([plans[_name(path, "plan", q)].npv - plans[_name(path, "against", q)].npv
                                 for q in levels])  # (runs, levels)
        curve = []
        for k, q in enumerate(levels):
            alive = _alive(plans[_name(path, "plan", q)]) - _alive(plans[_name(path, "against", q)])
            curve.append({"value": float(values[k]), "level": q,
                          "npv": judged(paired(diffs[:, k], 0.0), runs, self.materiality.value),
                          "survival": judged(paired(alive, 0.0), runs)})
        found = _crossings(values, diffs.mean(axis=0))
        if not found:
            return curve, []
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(2**32 - 2,)))
        n = diffs.shape[0]
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP)
        boot = counts @ diffs / n  # (resamples, levels): mean differences of each resample
        switches = []
        for j, (at, direction, _bracket) in enumerate(found):
            # this crossing's stretch: from past the previous crossing's bracket to the start of the next one's, where
            # the mean difference crosses zero once; each resample's crossing of the same direction there
            start = found[j - 1][2][1] if j else 0
            stop = found[j + 1][2][0] if j + 1 < len(found) else len(levels) - 1
            stretch = slice(start, stop + 1)
            inside, below = [], 0
            for row in boot:
                x = next((c for c in _crossings(values[stretch], row[stretch]) if c[1] == direction), None)
                if x is not None:
                    inside.append(x[0])
                elif direction * row[start] > 0:  # already on the far side at the stretch's start
                    below += 1
            above = BOOTSTRAP - len(inside) - below  # still on the near side at the stretch's end
            lo = None if below > 0.025 * BOOTSTRAP or not inside else float(np.quantile(inside, 0.025))
            hi = None if above > 0.025 * BOOTSTRAP or not inside else float(np.quantile(inside, 0.975))
            switches.append({"value": at, "ci95": [lo, hi],
                             "direction": "plan better above" if direction > 0 else "plan better below"})
        return curve, switches


def _crossings(x: np.ndarray, y: np.ndarray) -> list[tuple[float, int, tuple[int, int]]]:
    """Every crossing of zero by the piecewise-linear curve (x, y), in order: (where, +1 upward or -1 downward, the
    indices of the levels on either side). A curve that touches zero and turns back does not cross."""
    nonzero = [k for k in range(len(y)) if y[k] != 0.0]
    out = []
    for a, b in zip(nonzero, nonzero[1:]):
        if y[a] * y[b] < 0:
            at = x[a] + (x[b] - x[a]) * y[a] / (y[a] - y[b]) if b == a + 1 else x[a + 1]  # else: zero in between
            out.append((float(at), 1 if y[b] > 0 else -1, (a, b)))
    return out


def _variance_shares(study: Sensitivity) -> dict[str, dict[str, tuple[float, list[float]]]]:
    """First-order variance shares of NPV and survival from the main sample (SALib RBD-FAST, given data)."""
    from SALib.analyze import rbd_fast

    res = study.results
    main = res.plans[_name("", "plan", -1)]
    x = res.params
    paths = list(study.scenario.uncertain)
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    out: dict[str, dict[str, tuple[float, list[float]]]] = {p: {} for p in paths}
    for output, y in (("npv", main.npv), ("survival", (main.cause < 0).astype(float))):
        if np.ptp(y) == 0.0 or len(y) < 50:
            for p in paths:
                out[p][output] = (0.0, [0.0, 0.0])
            continue
        rng = np.random.default_rng(np.random.SeedSequence(study.seed, spawn_key=(2**32 - 3,)))
        si = rbd_fast.analyze(problem, x, np.asarray(y, dtype=float), M=10, num_resamples=100, seed=rng)
        for k, p in enumerate(paths):
            s, half = float(si["S1"][k]), float(si["S1_conf"][k])
            out[p][output] = (max(0.0, s), [max(0.0, s - half), min(1.0, s + half)])
    return out


def sensitivity(scenario: Scenario, plan: str | None = None, against: str | None = None, *,
                plans: Sequence[str] | None = None, overrides: Any = None, materiality: float | None = None,
                options: RunOptions | None = None,
                **settings: Any) -> Sensitivity:
    """Which uncertain inputs move ``plan``'s results, and which could switch the choice against ``against``.

    ``plan`` defaults to the plan with the most contingencies, ``against`` to the first plan (the baseline); with a
    single plan there is nothing to compare, and only the swings and variance shares are computed. ``plans`` (default:
    every plan) are the plans whose choice the value of information is about, the first the reference of the paired
    differences.
    ``overrides`` as for :func:`allysim.simulate` (a parameter set to a plain number is no longer uncertain);
    ``options`` (or its fields as keywords: ``runs``, ``seed``, ``workers``, ...) say how to simulate.

    Examples
    --------
    >>> study = allysim.sensitivity(scenario, runs=2000, seed=7)          # doctest: +SKIP
    >>> study.to_dict()["inputs"]["risks.partner_buyout.probability"]      # doctest: +SKIP
    """
    scenario = scenario.with_overrides(overrides)
    if not scenario.uncertain:
        raise UsageError(f"{scenario.source} has no uncertain parameters: write a range where a number is unsure, "
                         "e.g. rate: {pert: {low: 0.02, likely: 0.06, high: 0.15}} (docs/uncertainty.md)")
    sets = scenario.plan_sets
    for name in (plan, against):
        if name is not None and name not in sets:
            raise UsageError(f"unknown plan {name!r}; {scenario.source} has plans: {', '.join(sets)}")
    if plan is None:
        plan = max(sets, key=lambda name: len(sets[name]))
    if against is None:
        against = next(iter(sets))
        if against == plan:
            against = next((p for p in sets if p != plan), None)
    elif against == plan:
        raise UsageError(f"--against names the plan itself ({plan}); choose another plan to compare with")
    if plans is not None and len(plans) < 2:
        raise UsageError("--plans needs at least two plans to choose between, e.g. --plans do_nothing,full")
    compared = list(plans) if plans is not None else list(sets)
    unknown = [p for p in compared if p not in sets]
    if unknown:
        raise UsageError(f"unknown plan {unknown[0]!r} in --plans; {scenario.source} has plans: {', '.join(sets)}")
    if len(set(compared)) != len(compared):
        raise UsageError("each plan may be named once in --plans")
    run = RunOptions.of(options, **settings).resolve(scenario)  # one seed for the main sample and the refinement
    mine = scenario.ordered(sets[plan])  # contingencies, then candidate partners, in file order
    theirs = scenario.ordered(sets[against]) if against is not None else None
    sides = {"plan": mine} if theirs is None else {"plan": mine, "against": theirs}

    def pinned(levels: dict[str, list[float]]) -> dict[str, Variant]:
        return {_name(path, side, q): Variant(ids, pins=((path, q),))
                for path, qs in levels.items() for q in qs for side, ids in sides.items()}

    main = {_name("", side, -1): Variant(ids) for side, ids in sides.items()}
    # the same as the sides where they are the same plans: simulated once
    main.update({_name("", f"compared {name}", -1): Variant(scenario.ordered(sets[name])) for name in compared})
    levels = {path: list(LEVELS) if theirs is not None else [0.1, 0.9] for path in scenario.uncertain}
    pool = open_executor(run)  # one set of workers for every simulation of the study
    try:
        results = simulate_variants(scenario, main, run, health_bands=False, executor=pool)
        if run.precision is not None:  # the pinned variants run on the replications the main sample needed
            run = replace(run, runs=results.runs, precision=None)
        study = Sensitivity(scenario, plan, against, results, levels, int(run.seed or 0), tuple(compared),
                            materiality)
        size = _input_bytes(scenario, results.runs, len(LEVELS if theirs is not None else (0.1, 0.9)) * len(sides),
                            int(run.workers or 1))
        for batch in _batches(list(levels), max(1, BATCH_BYTES // size)):
            group = {path: levels[path] for path in batch}
            found = simulate_variants(scenario, pinned(group), run, health_bands=False, executor=pool)
            study.pinned_sharing.append(found.sharing())
            plans = dict(found.plans)
            extra = _refinements(group, plans) if theirs is not None else {}
            if extra:
                more = simulate_variants(scenario, pinned(extra), run, health_bands=False, executor=pool)
                study.pinned_sharing.append(more.sharing())
                plans.update(more.plans)
                for path, qs in extra.items():
                    study.levels[path] = sorted(study.levels[path] + qs)
            for path in batch:
                study.pinned[path] = study._findings(path, plans)
            del found, plans  # these inputs' runs go before the next inputs are simulated
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()
    return study


def _input_bytes(scenario: Scenario, runs: int, variants: int, workers: int) -> int:
    """About the memory one input's pinned variants take: their arrays, and in a worker the draws of every input
    for a chunk of each."""
    per_run = 8 * 8 + 16 + 4 * len(scenario.risks) + 16 * len(scenario.contingencies) + 24 * len(scenario.partners)
    states = 0 if scenario.environment is None else len(scenario.environment.states)
    fixed = 8 * GRID_POINTS * (HEALTH_BINS + states)  # a variant's histograms
    chunk = chunk_ranges(0, runs, workers)[0]
    draws = 32 * (chunk[1] - chunk[0]) * len(scenario.uncertain)  # a chunk's draws, as Python floats
    return variants * (fixed + runs * (per_run + 8 * states) + draws)


def _batches(paths: list[str], size: int) -> list[list[str]]:
    return [paths[k:k + size] for k in range(0, len(paths), size)]


def _refinements(levels: dict[str, list[float]], plans: dict[str, PlanRuns]) -> dict[str, list[float]]:
    """Extra levels inside every bracket where each input's mean difference changes sign."""
    out = {}
    for path, qs in levels.items():
        means = np.array([float(np.mean(plans[_name(path, "plan", q)].npv - plans[_name(path, "against", q)].npv))
                          for q in qs])
        extra = []
        for _at, _direction, (a, b) in _crossings(np.asarray(qs, dtype=float), means):
            extra += [qs[a] + (qs[b] - qs[a]) * j / (REFINE + 1) for j in range(1, REFINE + 1)]
        if extra:
            out[path] = extra
    return out
