"""The statistics allysim reports, one copy each: every caller (summaries, studies, charts, deck) uses these.

- :func:`wilson`: Wilson score interval of a proportion (good coverage near 0 and 1, unlike the normal
  approximation); scalars or arrays, exact at 0 and 1.
- :func:`mean_ci`: mean, sample sd and Student-t interval of the mean; :func:`paired` the same for run-by-run
  differences of two plans simulated on common random numbers.
- :func:`cvar` / :func:`paired_cvar`: the mean of the worst share of runs (CVaR, 10% by default) with its
  asymptotic interval, and the paired difference of two plans' CVaRs; :func:`loss_share`: the share of runs below
  0 (:func:`losing`), with its Wilson interval.
- :func:`kaplan_meier`: the survival curve of runs censored at the horizon; :func:`survival_curve` the same with
  its pointwise Wilson band (what the survival chart draws); :func:`dissolved_share`: the share of runs ended by
  each time of a grid; :func:`quantile_marks`: the mean, P10, P50 and P90 of values.
- :func:`health_bins` / :func:`hist_percentile`: health kept as histograms (exact 0, 200 bins of 0.005, exact 1),
  and percentiles read back from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import stdtrit  # Student t quantiles, without importing all of scipy.stats

__all__ = ["Z95", "TAIL", "wilson", "wilson_band", "mean_ci", "paired", "cvar", "paired_cvar", "losing", "loss_share",
           "percentile", "kaplan_meier", "SurvivalCurve", "survival_curve", "dissolved_share", "quantile_marks",
           "widened_interval",
           "HEALTH_BINS",
           "health_bins", "hist_percentile", "MAX_STEPS", "CURVE_POINTS"]

Z95 = 1.959963984540054  # two-sided 95% normal quantile
TAIL = 0.1  # the worst share of runs whose mean is the CVaR (npv.cvar10)
HEALTH_BINS = 202  # [exactly 0] + 200 bins over (0, 1) + [exactly 1]
MAX_STEPS = 1500  # beyond this many distinct dissolution times a survival curve is evaluated on a fine grid
CURVE_POINTS = 1001


def wilson_band(share: ArrayLike, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise Wilson score interval of proportions ``share`` out of ``n`` runs (0 and 1 exactly at the ends)."""
    p = np.asarray(share, dtype=float)
    n = max(n, 1)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n + z * z / (4 * n * n)) / denominator
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))  # exact ends, free of rounding residue
    hi = np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of ``successes`` out of ``n``; ``(0, 1)`` when there are no runs."""
    if n == 0:
        return (0.0, 1.0)
    lo, hi = wilson_band(successes / n, n, z)
    return (float(lo), float(hi))


def mean_ci(x: ArrayLike, level: float = 0.95) -> tuple[float, float, float | None, float | None]:
    """Mean, sample sd, and Student-t interval of the mean (None when it cannot be estimated)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean = float(np.mean(x))
    if n < 2:
        return mean, 0.0, None, None
    sd = float(np.std(x, ddof=1))
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def paired(x: ArrayLike, base: ArrayLike) -> dict[str, Any]:
    """Mean of the run-by-run difference ``x - base`` with its 95% paired t-interval."""
    mean, _sd, lo, hi = mean_ci(np.asarray(x, dtype=float) - np.asarray(base, dtype=float))
    return {"mean": mean, "ci95": [lo, hi]}


def _shortfall(x: np.ndarray, share: float) -> tuple[float, np.ndarray]:
    """CVaR of the lower ``share`` tail, and each run's shortfall below the ``share``-quantile divided by ``share``.

    CVaR = q - E[(q - X)+] / share, with q the ``share``-quantile (Rockafellar and Uryasev 2002): exactly the mean of
    the worst ``share`` of runs, the run at the boundary weighted by the fraction of it that falls inside, so a
    discrete NPV (a count of losses) has its exact tail mean. ``inverted_cdf`` takes q as a value the runs reached.
    """
    q = float(np.quantile(x, share, method="inverted_cdf"))
    scaled = np.maximum(q - x, 0.0) / share
    return q - float(scaled.mean()), scaled


def _tail_t(n: int, share: float) -> float:
    """The 97.5% Student t quantile with one degree of freedom fewer than the runs in the tail (at least 1)."""
    return float(stdtrit(max(1.0, n * share - 1.0), 0.975))


def cvar(x: ArrayLike, share: float = TAIL) -> dict[str, Any]:
    """The mean of the worst ``share`` of ``x`` (CVaR, expected shortfall) with a 95% interval.

    The interval is estimate +- t se with the asymptotic standard error of Hong and Liu (2009; the influence
    function of the estimator): se = sd((q - X)+) / (share sqrt(n)), q the ``share``-quantile. The error of q itself
    drops out to first order, because CVaR is the maximum over t of t - E[(t - X)+] / share, reached at q. The
    quantile t is Student's with n share - 1 degrees of freedom (the runs in the tail), a small-sample allowance.
    Measured coverage (2,000 seeds each): 95% for a normal or exponential NPV from 1,000 runs; a heavy lognormal
    loss tail is covered 93% of the time at 1,000 runs and 95% at 5,000.

    Examples
    --------
    >>> cvar([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.2)["estimate"]
    1.5
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    estimate, scaled = _shortfall(x, share)
    if n < 2:
        return {"estimate": estimate, "ci95": [None, None]}
    half = _tail_t(n, share) * float(np.std(scaled, ddof=1)) / math.sqrt(n)
    return {"estimate": estimate, "ci95": [estimate - half, estimate + half]}


def paired_cvar(x: ArrayLike, base: ArrayLike, share: float = TAIL) -> dict[str, Any]:
    """CVaR of ``x`` minus CVaR of ``base``, runs paired on common random numbers, with its 95% interval.

    The two estimators' influence terms are differenced run by run, so the interval gains from the pairing as
    :func:`paired` does for means: se = sd((q_x - x)+ / share - (q_b - base)+ / share) / sqrt(n).
    """
    x, base = np.asarray(x, dtype=float), np.asarray(base, dtype=float)
    a, sa = _shortfall(x, share)
    b, sb = _shortfall(base, share)
    mean = a - b
    if len(x) < 2:
        return {"mean": mean, "ci95": [None, None]}
    half = _tail_t(len(x), share) * float(np.std(sa - sb, ddof=1)) / math.sqrt(len(x))
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def losing(x: ArrayLike) -> np.ndarray:
    """Which runs lose money: NPV below 0 by more than rounding (1e-9 of the largest |NPV|), so that a run that
    exactly breaks even, summed in floating point to -2e-15, is not a loss."""
    x = np.asarray(x, dtype=float)
    if not len(x):
        return np.zeros(0, dtype=bool)
    return x < -1e-9 * max(1.0, float(np.max(np.abs(x))))


def loss_share(x: ArrayLike) -> dict[str, Any]:
    """The share of runs that lose money (:func:`losing`), with its Wilson interval."""
    x = np.asarray(x, dtype=float)
    losses = int(np.count_nonzero(losing(x)))
    return {"estimate": losses / len(x) if len(x) else 0.0, "ci95": list(wilson(losses, len(x)))}


def percentile(x: ArrayLike, q: float) -> float:
    """Percentile ``q`` (0-100), linear between order statistics."""
    return float(np.percentile(x, q))


def kaplan_meier(lifetime: ArrayLike, survived: ArrayLike, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the step survival curve (times, share still alive from each time on) on [0, horizon].

    Runs that reach the horizon are censored there; with no other censoring this is the Kaplan-Meier estimate.
    Beyond :data:`MAX_STEPS` distinct dissolution times the curve is evaluated on :data:`CURVE_POINTS` times.
    """
    life = np.asarray(lifetime, dtype=float)
    alive = np.asarray(survived, dtype=bool)
    n = max(len(life), 1)
    deaths = np.sort(life[~alive])
    times, counts = np.unique(deaths, return_counts=True)
    if len(times) > MAX_STEPS:
        grid = np.linspace(0.0, horizon, CURVE_POINTS)
        return grid, 1.0 - np.searchsorted(deaths, grid, side="right") / n
    share = 1.0 - np.cumsum(counts) / n
    t = np.concatenate([[0.0], times, [horizon]])
    s = np.concatenate([[1.0], share, [share[-1] if len(share) else 1.0]])
    if len(times) and times[0] <= 0:  # dissolved at t = 0: the curve starts below 1
        t, s = t[1:], s[1:]
    return t, s


@dataclass(frozen=True)
class SurvivalCurve:
    """A plan's survival curve on [0, horizon] (:func:`kaplan_meier`) with its pointwise 95% Wilson band."""

    time: np.ndarray
    share: np.ndarray  # the share still alive from each time on
    low: np.ndarray
    high: np.ndarray
    runs: int


def survival_curve(lifetime: ArrayLike, survived: ArrayLike, horizon: float) -> SurvivalCurve:
    """The survival curve of runs censored at the horizon, with its pointwise 95% Wilson band."""
    t, s = kaplan_meier(lifetime, survived, horizon)
    runs = len(np.asarray(lifetime))
    lo, hi = wilson_band(s, runs)
    return SurvivalCurve(t, s, lo, hi, runs)


def dissolved_share(grid: ArrayLike, lifetime: ArrayLike, survived: ArrayLike) -> np.ndarray:
    """The share of runs dissolved by each time of ``grid``."""
    t = np.asarray(grid, dtype=float)
    life = np.asarray(lifetime, dtype=float)
    ended = np.sort(life[~np.asarray(survived, dtype=bool)])
    return np.searchsorted(ended, t, side="right") / max(len(life), 1)


def quantile_marks(values: ArrayLike) -> dict[str, float]:
    """The mean and P10, P50, P90 of ``values`` (all 0 for none)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return {"mean": 0.0, "p10": 0.0, "p50": 0.0, "p90": 0.0}
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"mean": float(np.mean(values)), "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def widened_interval(centre: float, ci: tuple[float, float], extra_se: float, z: float = Z95) -> tuple[float, float]:
    """A 95% interval ``ci`` around ``centre`` widened by a second, independent error of standard error
    ``extra_se`` (e.g. the sampling error of Shapley values over random orders), each side combined in quadrature."""
    lo, hi = ci
    if extra_se <= 0:
        return lo, hi
    extra = z * extra_se
    return centre - math.hypot(centre - lo, extra), centre + math.hypot(hi - centre, extra)


def health_bins(health: np.ndarray) -> np.ndarray:
    """Bin index of each health value: 0 for exactly 0, 201 for exactly 1, else 1 + floor(200 h)."""
    index = 1 + np.minimum(np.floor(health * 200).astype(np.int64), 199)
    index[health <= 0.0] = 0
    index[health >= 1.0] = HEALTH_BINS - 1
    return index


def hist_percentile(counts: np.ndarray, q: float) -> float:
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
