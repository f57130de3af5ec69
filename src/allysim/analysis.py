"""Statistics of simulated alliances: the numbers of ``summary.json`` and ``health.json``.

Intervals: survival by the Wilson score interval (good coverage near 0 and 1, unlike the normal approximation);
means by Student's t. Percentiles use linear interpolation between order statistics.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import stdtrit  # Student t quantiles, without importing all of scipy.stats

from . import __version__
from .results import HEALTH_BINS

if TYPE_CHECKING:
    from .results import PlanRuns, Results
    from .scenario import Scenario

__all__ = ["wilson", "mean_ci", "provenance", "summarize", "plan_summary", "health_bands", "BAND_PERCENTILES"]

Z95 = 1.959963984540054
BAND_PERCENTILES = (5, 25, 50, 75, 95)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float | None, float | None]:
    """Mean, sample sd, and Student-t interval of the mean (None when it cannot be estimated)."""
    n = len(x)
    mean = float(np.mean(x))
    if n < 2:
        return mean, 0.0, None, None
    sd = float(np.std(x, ddof=1))
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def _pct(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q))


def plan_summary(results: "Results", name: str) -> dict[str, Any]:
    """One plan's entry of ``summary.json``."""
    scenario = results.scenario
    p: PlanRuns = results.plans[name]
    n = len(p)
    survived = int(np.count_nonzero(p.cause < 0))
    npv_mean, npv_sd, lo, hi = mean_ci(p.npv)
    risk_ids = [r.id for r in scenario.risks]
    causes = np.bincount(p.cause[p.cause >= 0], minlength=len(risk_ids)) if n else np.zeros(len(risk_ids))
    chosen = set(results.variants[name].contingencies)
    return {
        "contingencies_in_plan": list(results.variants[name].contingencies),
        "survival": {"estimate": survived / n, "ci95": list(wilson(survived, n))},
        "lifetime": {"mean": float(np.mean(p.lifetime)), "p10": _pct(p.lifetime, 10),
                     "p50": _pct(p.lifetime, 50), "p90": _pct(p.lifetime, 90)},
        "npv": {"mean": npv_mean, "sd": npv_sd, "ci95": [lo, hi],
                **{f"p{q}": _pct(p.npv, q) for q in (5, 10, 50, 90, 95)}},
        "value": {"mean": float(np.mean(p.value))},
        "risk_cost": {"mean": float(np.mean(p.risk_cost))},
        "contingency_cost": {"mean": float(np.mean(p.contingency_cost))},
        "resilience": {"mean": float(np.mean(p.resilience))},
        "min_health": {"mean": float(np.mean(p.min_health))},
        "end_causes": {**{rid: float(causes[i]) / n for i, rid in enumerate(risk_ids)}, "survived": survived / n},
        "risks": {rid: {"occurrences_mean": float(np.mean(p.occurrences[:, i]))} for i, rid in enumerate(risk_ids)},
        "contingencies": {
            c.id: {"activations_mean": float(np.mean(p.activations[:, j])),
                   "successes_mean": float(np.mean(p.successes[:, j])),
                   "cost_mean": float(np.mean(p.costs[:, j]))}
            for j, c in enumerate(scenario.contingencies) if c.id in chosen
        },
    }


def provenance(results: "Results") -> dict[str, Any]:
    """Where numbers came from: the head of every JSON output."""
    s = results.scenario
    return {
        "scenario": s.name,
        "scenario_file": s.source,
        "scenario_sha256": s.sha256,
        "allysim_version": __version__,
        "runs": results.runs,
        "seed": results.seed,
        "horizon": s.horizon,
        "time_unit": s.time_unit,
        "currency": s.currency,
        "overrides": s.overrides,
    }


def summarize(results: "Results") -> dict[str, Any]:
    """The whole ``summary.json``."""
    s = results.scenario
    return {
        **provenance(results),
        "discount_rate": s.discount_rate,
        "dissolve_below": s.alliance.health.dissolve_below,
        "money": "present value at t = 0, discounted continuously at ln(1 + discount_rate) per year",
        "risks": {r.id: {"name": r.label, "category": r.category} for r in s.risks},
        "contingencies": {c.id: {"name": c.label} for c in s.contingencies},
        **({"precision": results.precision} if results.precision is not None else {}),
        **({"uncertain": uncertain_summary(s)} if s.uncertain else {}),
        "plans": {name: plan_summary(results, name) for name in results.plans},
    }


def uncertain_summary(scenario: "Scenario") -> dict[str, Any]:
    """``uncertain`` of summary.json: each uncertain parameter's P10, P50 and P90 (exact, from its distribution)."""
    from .uncertainty import quantiles

    out = {}
    for path, item in scenario.uncertain.items():
        p10, p50, p90 = quantiles(item, (0.1, 0.5, 0.9))
        out[path] = {"p10": p10, "p50": p50, "p90": p90}
    return out


def _hist_percentile(counts: np.ndarray, q: float) -> float:
    """Percentile ``q`` of health from a histogram: exact at 0 and 1, linear within the 0.005-wide bins."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    target = q / 100 * total
    cum = np.cumsum(counts)
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(k, HEALTH_BINS - 1)
    if k == 0:
        return 0.0
    if k == HEALTH_BINS - 1:
        return 1.0
    before = cum[k - 1]
    within = (target - before) / counts[k] if counts[k] else 0.0
    return float(min(1.0, max(0.0, (k - 1 + within) / 200)))


def health_bands(results: "Results") -> dict[str, Any]:
    """The content of ``health.json``."""
    s = results.scenario
    return {
        "time_unit": s.time_unit,
        "dissolve_below": s.alliance.health.dissolve_below,
        "grid": [float(t) for t in results.grid],
        "plans": {
            name: {f"p{q}": [_hist_percentile(row, q) for row in p.health_hist] for q in BAND_PERCENTILES}
            for name, p in results.plans.items()
        },
    }
