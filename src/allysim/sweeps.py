"""Results against one parameter: every plan at every value of a sweep, on common random numbers.

Where the best plan by mean NPV changes between two values, ``switches`` says where (the crossing of the two plans'
paired difference, interpolated) with a bootstrap interval; ``switch`` is the first.

Each value gives a version of the scenario (the parameter set over the file's value, exactly as ``--set`` does);
every version is simulated on the same seed, the same replications and one shared stream layout
(:func:`allysim.streams.shared_layout`), so replication ``i`` lives through the same draws at every value. Curves
are then smooth, and the difference between two points is paired run by run: the survival of a scenario whose
only fatal risk's rate is swept falls exactly monotonically, run by run, as the rate rises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import provenance
from .errors import UsageError
from .results import PlanRuns, Results, Variant, sharing_of
from .runner import RunOptions, simulate_variants
from .scenario import Scenario
from .scenario.overrides import parse_overrides
from .scenario.paths import ParameterPath
from .stats import mean_ci, paired, wilson
from .streams import shared_layout, sources
from .verdicts import Materiality, judged, materiality_for

__all__ = ["Sweep", "sweep"]


def _alive(p: PlanRuns) -> np.ndarray:
    return (p.cause < 0).astype(float)


@dataclass
class Sweep:
    """Every plan at every value of one parameter. ``to_dict()`` is ``sweep.json``."""

    parameter: str
    values: list[Any]
    results: list[Results]  # one per value, in order; every plan on the same replications
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's

    @property
    def plans(self) -> list[str]:
        return list(self.results[0].plans)

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use: by default 1% of the mean |NPV| of the first plan simulated (the
        baseline unless ``plans`` leaves it out), over every value of the sweep."""
        first = self.plans[0]
        npv = np.concatenate([res.plans[first].npv for res in self.results])
        return materiality_for(self.materiality_option, self.results[0].scenario.materiality, npv, first)

    def to_dict(self) -> dict[str, Any]:
        plans: dict[str, list[dict[str, Any]]] = {name: [] for name in self.plans}
        best = []
        material = self.materiality.value
        for k, (value, res) in enumerate(zip(self.values, self.results)):
            for name, p in res.plans.items():
                alive = int(np.count_nonzero(p.cause < 0))
                mean, _sd, lo, hi = mean_ci(p.npv)
                entry: dict[str, Any] = {
                    "value": value,
                    "survival": {"estimate": alive / len(p), "ci95": list(wilson(alive, len(p)))},
                    "npv": {"mean": mean, "ci95": [lo, hi]},
                }
                if k:  # the same plan one value earlier, on the same replications
                    before = self.results[k - 1].plans[name]
                    entry["change_from_previous"] = {"npv": judged(paired(p.npv, before.npv), res.runs, material),
                                                     "survival": paired(_alive(p), _alive(before))}
                plans[name].append(entry)
            best.append({"value": value, **_best(res, material)})
        first = self.results[0]
        switches = self._switches(best)
        return {
            **provenance(first),
            "overrides": {k: v for k, v in first.scenario.overrides.items() if k != self.parameter},
            "parameter": self.parameter, "parameter_label": ParameterPath.parse(self.parameter).label(first.scenario),
            "values": list(self.values), "plans": plans, "best": best,
            "switches": switches, "switch": switches[0] if switches else None, "sharing": sharing_of(self.results),
            "materiality": self.materiality.to_dict(),
            "meaning": "every plan simulated at every value on the same seed and replications (common random "
                       "numbers); best is the plan with the highest mean NPV at that value; its npv_margin over the "
                       "runner-up carries a verdict (better: the paired 95% interval excludes zero and the margin "
                       "exceeds the materiality), and clear says whether the verdict is better; switches lists every "
                       "value where the best plan changes, from one plan to another: where their mean NPV difference, "
                       "interpolated linearly between the two values around it, crosses zero, with a bootstrap "
                       "95% interval over replications (null on a side where the crossing may lie beyond those "
                       "two values)",
        }

    def _switches(self, best: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every change of the best plan between two neighbouring (numeric) values: where the new best's mean NPV
        minus the old one's crosses zero, with a bootstrap interval over replications and its direction."""
        if len(self.values) < 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                           for v in self.values):
            return []
        n = len(self.results[0].plans[best[0]["plan"]])
        rng = np.random.default_rng(np.random.SeedSequence(self.results[0].seed, spawn_key=(2**32 - 4,)))
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP)
        out = []
        for k in range(1, len(self.values)):
            old, new = best[k - 1]["plan"], best[k]["plan"]
            if old == new:
                continue
            x = np.array([float(self.values[k - 1]), float(self.values[k])])
            runs = np.column_stack([self.results[j].plans[new].npv - self.results[j].plans[old].npv
                                    for j in (k - 1, k)])  # (runs, 2): the new best minus the old, paired
            sign = 1.0 if x[1] > x[0] else -1.0  # the new best is better above when the values rise
            at = _crossing(x, runs.mean(axis=0))
            boot = counts @ runs / n
            found = [_crossing(x, row) for row in boot]
            inside = np.array([v for v in found if v is not None])
            early = sum(1 for row, v in zip(boot, found) if v is None and row[0] > 0)  # new best already at x[0]
            late = BOOTSTRAP - len(inside) - early
            low_side, high_side = (early, late) if sign > 0 else (late, early)
            lo = None if low_side > 0.025 * BOOTSTRAP or not len(inside) else float(np.quantile(inside, 0.025))
            hi = None if high_side > 0.025 * BOOTSTRAP or not len(inside) else float(np.quantile(inside, 0.975))
            out.append({"value": at if at is not None else float(x[1]), "ci95": [lo, hi], "from": old, "to": new,
                        "direction": f"{new} better {'above' if sign > 0 else 'below'}"})
        return out


BOOTSTRAP = 400  # resamples of replications for a switch's interval


def _crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    """Where the line through (x[0], y[0]) and (x[1], y[1]) crosses zero between them, rising (None if it does not)."""
    if y[0] <= 0.0 < y[1]:
        return float(x[0] + (x[1] - x[0]) * (0.0 - y[0]) / (y[1] - y[0]))
    return None


def _best(res: Results, materiality: float = 0.0) -> dict[str, Any]:
    """The plan with the highest mean NPV, and how it compares with the runner-up on the same runs (its verdict
    judged against the materiality)."""
    ranked = sorted(res.plans, key=lambda name: -float(np.mean(res.plans[name].npv)))
    out: dict[str, Any] = {"plan": ranked[0]}
    if len(ranked) > 1:
        top, second = res.plans[ranked[0]], res.plans[ranked[1]]
        margin = judged(paired(top.npv, second.npv), res.runs, materiality)
        out.update({"runner_up": ranked[1], "npv_margin": margin, "clear": margin["verdict"] == "better"})
    return out


def sweep(scenario: Scenario, parameter: str, values: Sequence[Any], plans: Sequence[str] | None = None, *,
          overrides: Any = None, materiality: float | None = None, options: RunOptions | None = None,
          **settings: Any) -> Sweep:
    """Simulate ``plans`` (default: every plan) at each value of ``parameter`` on common random numbers.

    Parameters
    ----------
    parameter : str
        A parameter path, as for ``--set`` (``"risks.partner_buyout.rate"``, ``"horizon"``, ...).
    values : sequence
        The values, in order: numbers, numbers with units, or distributions, as ``--set`` takes them.
    overrides : mapping or list of str, optional
        Other parameters set over the file's values, the same at every point.
    options, settings
        How to simulate (:class:`allysim.RunOptions`, or its fields as keywords: ``runs``, ``seed``, ``workers``,
        ...): every value on the same seed and runs.

    Examples
    --------
    >>> s = allysim.sweep(scenario, "risks.partner_buyout.rate", [0.05, 0.1, 0.2], runs=2000)  # doctest: +SKIP
    >>> [p["survival"]["estimate"] for p in s.to_dict()["plans"]["full"]]                      # doctest: +SKIP
    """
    base = scenario.with_overrides(overrides)
    values = list(values)
    if len(values) < 1:
        raise UsageError("a sweep needs at least one value")
    # every version validated before anything is simulated; a bad value (or path) is told as --set PATH=VALUE
    versions = [base.with_overrides({parameter: v}) for v in values]
    canonical = str(ParameterPath.parse(parameter))  # with_overrides has checked it
    if any(o.key == canonical for o in parse_overrides(overrides)):
        raise UsageError(f"{parameter} is both swept and set; drop its --set")
    names = list(plans) if plans else list(base.plan_sets)
    unknown = [p for p in names if p not in base.plan_sets]
    if unknown:
        raise UsageError(f"unknown plan {unknown[0]!r}; {base.source} has plans: {', '.join(base.plan_sets)}")
    if len(set(names)) != len(names):
        raise UsageError("each plan may be named once")
    options = RunOptions.of(options, **settings).resolve(base)  # one seed for every value, even a fresh one
    layout = shared_layout([sources(v) for v in versions])
    results = []
    for version in versions:
        variants = {name: Variant(version.plan_sets[name]) for name in names}
        results.append(simulate_variants(version, variants, options, health_bands=False, layout=layout))
    return Sweep(canonical, values, results, materiality)
