"""Hazards fitted to a history of alliances: constant, Weibull and piecewise-constant, one cause at a time.

Each cause of ending is fitted as a competing risk: its endings are events, every other row (still going, or ended
by another cause) is right-censored at its lifetime. Three models, by maximum likelihood:

- ``exponential``: one constant rate, events / exposure (in closed form: lifelines' ``ExponentialFitter`` finds it
  by iterating, to about 1e-6);
- ``weibull``: ``S(t) = exp(-(t/scale)^shape)`` (lifelines ``WeibullFitter``: ``rho_`` is the shape, ``lambda_``
  the scale, exactly SPEC section 13's parameters);
- ``steps``: a constant rate from each breakpoint on ("0.2 from age 2", as the scenario's ``steps`` hazard), whose
  MLE is in closed form: the endings in each step over the time at risk in it. An ending exactly at a breakpoint
  closes the step before it (pieces ``(a, b]``, the life-table convention and lifelines' ``PiecewiseExponentialFitter``'s):
  a history recorded in whole years (ATOP's "lasted 4 years": it ended during its fourth year) puts most endings
  exactly on a breakpoint, and they happened before it. The fit is computed here rather than by lifelines, whose
  hazard exactly at a breakpoint is the average of the two pieces (so with such ties its fit follows neither
  convention); on data without ties the two agree (tests/test_calibration.py checks it).

Intervals are Wald intervals on the log scale (``estimate * exp(+-1.96 se/estimate)``, from the observed information):
always positive, and for a rate with ``d`` endings exactly ``rate * exp(+-1.96/sqrt(d))``, the interval that a
lognormal with median ``rate`` and ``sigma = 1/sqrt(d)`` spans, which is how ``calibrated.yaml`` writes it. The
Kaplan-Meier curve is lifelines' (Greenwood's variance, log(-log) interval). ``best`` is the lowest AIC; a tie goes
to the simpler model.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._version import __version__
from .errors import UsageError
from .history import History
from .stats import Z95

__all__ = ["MODELS", "Calibration", "calibrate", "default_steps", "fit_exponential", "parse_steps", "fit_steps", "survival_curves"]

MODELS = ("exponential", "weibull", "steps")  # in order of simplicity: an AIC tie goes to the first


@dataclass(frozen=True)
class Calibration:
    """The fits of every cause, ready to write as ``calibration.json`` (SPEC section 13)."""

    history: History
    causes: dict[str, dict[str, Any]]
    model: str
    steps: tuple[float, ...] | None = None  # the breakpoints asked for; None: each cause's quartiles
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        h = self.history
        return {"n": h.n, "events": h.events, "exposure": h.exposure, "time_unit": h.time_unit,
                "longest": float(h.durations.max()),
                "causes": self.causes, "model": self.model, "as_of": h.as_of, "file": h.source,
                "file_sha256": h.sha256, "allysim_version": __version__}


def calibrate(history: History, model: str = "best", steps: Sequence[float] | None = None,
              progress: Callable[[int], None] | None = None) -> Calibration:
    """Fit every model to every cause of ``history``; choose ``model``, or the lowest AIC with ``best``.

    Parameters
    ----------
    history
        From :func:`~allysim.history.read_history`.
    model
        ``exponential``, ``weibull``, ``steps`` or ``best``.
    steps
        The step hazard's breakpoints, the first 0 (default: 0 and the quartiles of each cause's ending times,
        merging any step that no ending falls in).
    progress
        Called with 1 after each fit (it may have ``expect(n)`` to announce how many).

    Examples
    --------
    >>> fits = calibrate(read_history("examples/data/atop_defense_spells.csv"))    # doctest: +SKIP
    >>> fits.causes["all"]["chosen"], round(fits.causes["all"]["models"]["weibull"]["shape"]["estimate"], 2)
    ('weibull', 0.56)
    """
    if model not in (*MODELS, "best"):
        raise UsageError(f"--model {model!r}: use exponential, weibull, steps or best")
    breaks = _check_steps(steps) if steps is not None else None
    names = history.cause_names
    if progress is not None and hasattr(progress, "expect"):
        progress.expect(len(names) * (len(MODELS) + 1))
    causes: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for name in names:
        events = history.ended & (history.causes == name)
        causes[name] = _fit_cause(history.durations, events, model, breaks, progress, name, notes)
    return Calibration(history, causes, model, breaks, notes)


def parse_steps(text: str | None) -> tuple[float, ...] | None:
    """``"0,2,6"`` as breakpoints (checked by :func:`calibrate`); None stays None (the default quartiles)."""
    if text is None:
        return None
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise UsageError(f"--steps {text!r}: give ages separated by commas, the first 0, e.g. --steps 0,2,6") from None


def _check_steps(steps: Sequence[float]) -> tuple[float, ...]:
    breaks = tuple(float(s) for s in steps)
    if not breaks or breaks[0] != 0 or any(b <= a for a, b in zip(breaks, breaks[1:])) \
            or not all(math.isfinite(b) for b in breaks):
        raise UsageError(f"--steps {','.join(f'{s:g}' for s in breaks)}: give increasing ages, the first 0, e.g. "
                         "--steps 0,2,6")
    return breaks


def _fit_cause(durations: np.ndarray, events: np.ndarray, model: str, breaks: tuple[float, ...] | None,
               progress: Callable[[int], None] | None, name: str, notes: list[str]) -> dict[str, Any]:
    from lifelines import KaplanMeierFitter

    def done() -> None:
        if progress is not None:
            progress(1)

    # a row still going at its start has no time at risk: it adds nothing to any likelihood (lifelines refuses it)
    positive = durations > 0
    t, d = durations[positive], events[positive]
    models: dict[str, Any] = {"exponential": fit_exponential(t, d)}
    done()
    models["weibull"] = _fit_weibull(t, d, name, notes)
    done()
    cuts = breaks if breaks is not None else default_steps(t[d])
    models["steps"] = fit_steps(t, d, cuts)
    done()
    fitted = [m for m in MODELS if models[m] is not None]
    if model == "best":
        chosen = min(fitted, key=lambda m: (round(models[m]["aic"], 6), MODELS.index(m)))
    elif models[model] is None:
        raise UsageError(f"cause {name!r}: the Weibull fit did not converge ({int(d.sum())} endings); choose "
                         "--model exponential or steps")
    else:
        chosen = model
    km = KaplanMeierFitter().fit(durations, events)
    done()
    fits = {"events": int(events.sum()), "models": models, "chosen": chosen, "kaplan_meier": _km_points(km)}
    horizon = max(fits["kaplan_meier"][-1]["time"], float(durations.max()), 1e-9)  # the chart's age axis
    curves = survival_curves(fits, horizon)  # per point of age: each fitted model's survival
    fits["fitted"] = [{k: float(curve[i]) for k, curve in curves.items()} for i in range(len(curves["time"]))]
    return fits


def fit_exponential(durations: np.ndarray, events: np.ndarray) -> dict[str, Any]:
    """The constant rate's MLE in closed form, endings / exposure (what lifelines' ``ExponentialFitter`` finds by
    iterating, to about 1e-6), its interval and log-likelihood ``d log(rate) - rate * exposure``."""
    count, exposure = int(events.sum()), float(durations.sum())
    rate = count / exposure
    loglik = count * math.log(rate) - rate * exposure
    return {"rate": _log_wald(rate, rate / math.sqrt(count)), "loglik": loglik, "aic": 2 - 2 * loglik}


def _fit_weibull(t: np.ndarray, d: np.ndarray, name: str, notes: list[str]) -> dict[str, Any] | None:
    from lifelines import WeibullFitter
    from lifelines.exceptions import ConvergenceError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines warns about convergence; the checks below decide
            weibull = WeibullFitter().fit(t, d)
        shape, scale = float(weibull.rho_), float(weibull.lambda_)
        variance = weibull.variance_matrix_
        se_shape = math.sqrt(float(variance.loc["rho_", "rho_"]))
        se_scale = math.sqrt(float(variance.loc["lambda_", "lambda_"]))
    except (ConvergenceError, ValueError, KeyError, np.linalg.LinAlgError):
        se_shape = se_scale = math.nan
        shape = scale = math.nan
    if not all(math.isfinite(v) and v > 0 for v in (shape, scale, se_shape, se_scale)):
        notes.append(f"cause {name!r}: the Weibull fit did not converge with {int(d.sum())} endings; it is left out")
        return None
    return {"shape": _log_wald(shape, se_shape), "scale": _log_wald(scale, se_scale),
            "loglik": float(weibull.log_likelihood_), "aic": float(weibull.AIC_)}


def _log_wald(estimate: float, se: float) -> dict[str, Any]:
    """A positive estimate and its 95% interval, Wald on the log scale: ``estimate * exp(+-1.96 se/estimate)``."""
    spread = math.exp(Z95 * se / estimate)
    return {"estimate": estimate, "ci95": [estimate / spread, estimate * spread]}


def default_steps(times: np.ndarray) -> tuple[float, ...]:
    """0 and the quartiles of the ending ``times``, less any breakpoint that would leave a step without an ending."""
    cuts = [0.0]
    for q in np.quantile(times, [0.25, 0.5, 0.75]) if times.size else []:
        q = float(q)
        if q > cuts[-1] and np.any((times > cuts[-1]) & (times <= q)):
            cuts.append(q)
    if len(cuts) > 1 and not np.any(times > cuts[-1]):
        cuts.pop()
    return tuple(cuts)


def fit_steps(durations: np.ndarray, events: np.ndarray, breaks: Sequence[float]) -> dict[str, Any]:
    """The piecewise-constant hazard's MLE: in each step, the endings in ``(a, b]`` over the time at risk in it.

    A step without an ending has rate 0 and, for interval, 0 to the exact Poisson upper bound ``3.689 / exposure``.
    """
    edges = [*breaks, math.inf]
    rates = []
    loglik = 0.0
    for a, b in zip(edges, edges[1:]):
        exposure = float(np.clip(durations - a, 0.0, b - a).sum())
        count = int(np.sum(events & (durations > a) & (durations <= b)))
        if count:
            rate = count / exposure
            entry = _log_wald(rate, rate / math.sqrt(count))
            loglik += count * math.log(rate) - rate * exposure
        else:
            entry = {"estimate": 0.0, "ci95": [0.0, _POISSON_UPPER_0 / exposure if exposure > 0 else math.inf]}
        rates.append({"from": float(a), **entry, "events": count, "exposure": exposure})
    return {"rates": rates, "loglik": loglik, "aic": 2 * len(rates) - 2 * loglik}


_POISSON_UPPER_0 = 3.688879454113936  # upper 97.5% bound on a Poisson mean when none was seen: chi2(0.975, 2) / 2


def _km_points(km: Any) -> list[dict[str, Any]]:
    """The Kaplan-Meier curve at 0 and at each ending time (it changes nowhere else)."""
    times = km.survival_function_.index.to_numpy(dtype=float)
    survival = km.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    band = km.confidence_interval_.to_numpy(dtype=float)
    observed = km.event_table["observed"].reindex(km.survival_function_.index).fillna(0).to_numpy() > 0
    keep = observed | (times == 0)
    return [{"time": float(t), "survival": float(s), "ci95": [float(lo), float(hi)]}
            for t, s, (lo, hi), k in zip(times, survival, band, keep) if k]


# --------------------------------------------------------------------------- curves (calibration.json's ``fitted``)


def survival_curves(cause: Mapping[str, Any], horizon: float, points: int = 400) -> dict[str, np.ndarray]:
    """Each fitted model's survival on ``[0, horizon]``, from a cause of ``calibration.json``: what its ``fitted``
    holds for the chart, on the ages from 0 to the longest history.

    Returns ``{"time": t, MODEL: S(t), ...}`` for every model that was fitted.
    """
    t = np.linspace(0.0, horizon, points)
    curves: dict[str, np.ndarray] = {"time": t}
    models = cause["models"]
    if models.get("exponential"):
        curves["exponential"] = np.exp(-models["exponential"]["rate"]["estimate"] * t)
    if models.get("weibull"):
        shape = models["weibull"]["shape"]["estimate"]
        scale = models["weibull"]["scale"]["estimate"]
        curves["weibull"] = np.exp(-((t / scale) ** shape))
    if models.get("steps"):
        rates = models["steps"]["rates"]
        starts = np.array([r["from"] for r in rates])
        values = np.array([r["estimate"] for r in rates])
        widths = np.clip(t[:, None] - starts[None, :], 0.0, np.append(np.diff(starts), np.inf)[None, :])
        curves["steps"] = np.exp(-(widths * values[None, :]).sum(axis=1))
    return curves
