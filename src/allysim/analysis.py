"""Summaries of simulated alliances: the dictionaries of ``summary.json`` and ``health.json``.

The intervals and percentiles come from :mod:`allysim.stats`: survival and the share of runs that lose money by the
Wilson score interval, means by Student's t, the mean of the worst 10% of runs (CVaR) by its asymptotic (influence
function) interval, percentiles by linear interpolation between order statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ._version import __version__
from .errors import SimulationError
from .stats import cvar, hist_percentile, loss_share, mean_ci, percentile, wilson

if TYPE_CHECKING:
    from .scenario import Scenario


class Simulated(Protocol):
    """What the summaries read of :class:`allysim.results.Results`, whose ``summary()`` calls them."""

    scenario: Scenario
    seed: int
    runs: int
    plans: Mapping[str, Any]  # plan name -> allysim.results.PlanRuns
    variants: Mapping[str, Any]  # plan name -> allysim.results.Variant
    precision: dict[str, Any] | None

    @property
    def grid(self) -> np.ndarray: ...

__all__ = ["provenance", "summarize", "plan_summary", "environment_summary", "health_bands", "BAND_PERCENTILES",
           "first_exits", "partners_still_in"]

BAND_PERCENTILES = (5, 25, 50, 75, 95)


def plan_summary(results: Simulated, name: str) -> dict[str, Any]:
    """One plan's entry of ``summary.json``."""
    scenario = results.scenario
    p = results.plans[name]
    n = len(p)
    survived = int(np.count_nonzero(p.cause < 0))
    npv_mean, npv_sd, lo, hi = mean_ci(p.npv)
    risk_ids = [r.id for r in scenario.risks] + [q.id for q in scenario.partners]  # a partner's exit ends runs too
    causes = np.bincount(p.cause[p.cause >= 0], minlength=len(risk_ids)) if n else np.zeros(len(risk_ids))
    chosen = set(results.variants[name].contingencies)
    return {
        "contingencies_in_plan": list(results.variants[name].contingencies),
        "survival": {"estimate": survived / n, "ci95": list(wilson(survived, n))},
        "lifetime": {"mean": float(np.mean(p.lifetime)), "p10": percentile(p.lifetime, 10),
                     "p50": percentile(p.lifetime, 50), "p90": percentile(p.lifetime, 90)},
        "npv": {"mean": npv_mean, "sd": npv_sd, "ci95": [lo, hi],
                **{f"p{q}": percentile(p.npv, q) for q in (5, 10, 50, 90, 95)},
                "cvar10": cvar(p.npv), "p_loss": loss_share(p.npv)},
        "value": {"mean": float(np.mean(p.value))},
        "risk_cost": {"mean": float(np.mean(p.risk_cost))},
        "contingency_cost": {"mean": float(np.mean(p.contingency_cost))},
        "resilience": {"mean": float(np.mean(p.resilience))},
        "min_health": {"mean": float(np.mean(p.min_health))},
        "end_causes": {**{rid: float(causes[i]) / n for i, rid in enumerate(risk_ids)}, "survived": survived / n},
        "risks": {r.id: {"occurrences_mean": float(np.mean(p.occurrences[:, i]))}
                  for i, r in enumerate(scenario.risks)},
        "contingencies": {
            c.id: {"activations_mean": float(np.mean(p.activations[:, j])),
                   "successes_mean": float(np.mean(p.successes[:, j])),
                   "cost_mean": float(np.mean(p.costs[:, j]))}
            for j, c in enumerate(scenario.contingencies) if c.id in chosen
        },
        **({} if scenario.environment is None else environment_summary(results, name)),
        **({} if not scenario.partners else partner_summary(results, name)),
    }


def partner_summary(results: Simulated, name: str) -> dict[str, Any]:
    """A plan's partners (SPEC section 12): for each partner in its line-up, the probability that it has left by the
    horizon or the end of the alliance, and its mean time in; and how many partners are in at the end."""
    scenario = results.scenario
    p = results.plans[name]
    n = len(p)
    lineup = scenario.lineup(results.variants[name].contingencies)
    partners = {}
    for k, q in enumerate(scenario.partners):
        if q.id not in lineup:
            continue
        left = int(np.count_nonzero(np.isfinite(p.partner_exit[:, k])))
        partners[q.id] = {"exit": {"estimate": left / n, "ci95": list(wilson(left, n))},
                          "tenure": {"mean": float(np.mean(p.partner_tenure[:, k]))},
                          "cost_mean": float(np.mean(p.partner_costs[:, k]))}
    counts = np.bincount(p.partners_end.astype(np.int64), minlength=len(lineup) + 1)
    return {"partners_in_plan": list(lineup), "partners": partners,
            "partners_at_end": {"mean": float(np.mean(p.partners_end)),
                                "distribution": {str(k): float(c) / n for k, c in enumerate(counts)}}}


def environment_summary(results: Simulated, name: str) -> dict[str, Any]:
    """A plan's life in the shared environment: the mean share of the life spent in each state, and how the runs
    ended, split by the state the environment was in at the end (each entry a share of all runs, so a risk's
    entries add up over the states to its ``end_causes`` share)."""
    env = results.scenario.environment
    p = results.plans[name]
    n = len(p)
    states = env.names if env is not None else ()
    alive = p.lifetime > 0.0
    share = np.zeros_like(p.env_time)
    share[alive] = p.env_time[alive] / p.lifetime[alive, None]
    share[~alive, p.env_state[~alive]] = 1.0  # a life of length 0 is spent where it starts
    risk_ids = [r.id for r in results.scenario.risks] + [q.id for q in results.scenario.partners]
    by_state = {}
    for k, state in enumerate(states):
        here = p.env_state == k
        causes = np.bincount(p.cause[here & (p.cause >= 0)], minlength=len(risk_ids))
        by_state[state] = {**{rid: float(causes[i]) / n for i, rid in enumerate(risk_ids)},
                           "survived": float(np.count_nonzero(here & (p.cause < 0))) / n}
    return {"environment": {"time_share": {state: float(np.mean(share[:, k])) for k, state in enumerate(states)}},
            "end_causes_by_state": by_state}


def provenance(results: Simulated) -> dict[str, Any]:
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


_NAMED = {"npv": "NPV", "risk_cost": "risk cost", "contingency_cost": "contingency cost"}


def _finite(plans: Mapping[str, Any]) -> Mapping[str, Any]:
    """Refuse results that overflowed: amounts within the scenario's bounds can still add up past the largest
    number (a huge value rate over a huge horizon); no output may hold an infinite NPV. Returns ``plans``."""
    for runs in plans.values():
        for name in ("npv", "risk_cost", "contingency_cost"):
            values = np.asarray(getattr(runs, name))
            if values.size and not np.isfinite(values).all():
                raise SimulationError(f"the {_NAMED[name]} of run {int(np.argmin(np.isfinite(values)))} "
                                      "is too large to compute (more than 1.8e308): the scenario's amounts, horizon "
                                      "or value factors multiply past what a computer can count; write amounts in "
                                      "a larger unit, such as millions, or shorten the horizon")
    return plans


def summarize(results: Simulated) -> dict[str, Any]:
    """The whole ``summary.json``."""
    s = results.scenario
    return {
        **provenance(results),
        "discount_rate": s.discount_rate,
        "dissolve_below": s.alliance.health.dissolve_below,
        "money": "present value at t = 0, discounted continuously at ln(1 + discount_rate) per year",
        "risks": {r.id: {"name": r.label, "category": r.category} for r in s.risks},
        "contingencies": {c.id: {"name": c.label} for c in s.contingencies},
        **({"partners": {q.id: {"name": q.label, "share": s.shares[q.id], "candidate": q.candidate,
                                "required": q.required} for q in s.partners}} if s.partners else {}),
        **({"precision": results.precision} if results.precision is not None else {}),
        **({"uncertain": uncertain_summary(s)} if s.uncertain else {}),
        "plans": {name: plan_summary(results, name) for name in _finite(results.plans)},
    }


def uncertain_summary(scenario: "Scenario") -> dict[str, Any]:
    """``uncertain`` of summary.json: each uncertain parameter's P10, P50 and P90 (exact, from its distribution)."""
    from .scenario.uncertain import quantiles

    out = {}
    for path, item in scenario.uncertain.items():
        p10, p50, p90 = quantiles(item, (0.1, 0.5, 0.9))
        out[path] = {"p10": p10, "p50": p50, "p90": p90}
    return out


def health_bands(results: Simulated) -> dict[str, Any]:
    """The content of ``health.json``."""
    s = results.scenario
    return {
        "time_unit": s.time_unit,
        "dissolve_below": s.alliance.health.dissolve_below,
        "grid": [float(t) for t in results.grid],
        "plans": {
            name: {f"p{q}": [hist_percentile(row, q) for row in p.health_hist] for q in BAND_PERCENTILES}
            for name, p in results.plans.items()
        },
        **({} if s.environment is None else {"environment": environment_shares(results)}),
    }


def environment_shares(results: Simulated) -> dict[str, Any]:
    """The share of runs in each environment state at each grid time, to the horizon (the same for every plan,
    since every plan lives in the same environment history)."""
    env = results.scenario.environment
    counts = next(iter(results.plans.values())).env_hist.astype(float)
    total = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    return {"states": list(env.names), "share": {name: [float(x) for x in share[:, k]]
                                                  for k, name in enumerate(env.names)}}


def first_exits(exits: Any, partners: Any) -> dict[str, np.ndarray]:
    """When each partner first left, run by run (inf: never), from the ``exits`` column of runs.csv
    (``id@time;id@time``, in order); ids not in ``partners`` are ignored.

    Examples
    --------
    >>> first_exits(["a@1.5;b@2;a@3", ""], ["a", "b"])["a"].tolist()
    [1.5, inf]
    """
    ids = list(partners)
    out = {q: np.full(len(exits), np.inf) for q in ids}
    for run, text in enumerate(exits):
        for item in str(text or "").split(";"):
            q, sep, t = item.rpartition("@")
            if sep and q in out and not np.isfinite(out[q][run]):
                out[q][run] = float(t)
    return out


def partners_still_in(exits: Any, partners: Any, grid: Any) -> dict[str, np.ndarray]:
    """For each partner, the share of runs in which it has not left by each time of ``grid`` (SPEC section 12,
    the ``partners`` chart). A partner that left counts as gone from its first exit, even if a contingency later
    fills its seat; at the horizon, one minus this share is the partner's ``exit`` estimate of summary.json.

    Examples
    --------
    >>> partners_still_in(["a@1", "", "a@3;b@0.5", ""], ["a", "b"], [0, 2, 4])["a"].tolist()
    [1.0, 0.75, 0.5]
    """
    t = np.asarray(grid, dtype=float)
    out = {}
    for q, first in first_exits(exits, partners).items():
        gone = np.sort(first[np.isfinite(first)])
        n = max(len(first), 1)
        out[q] = 1.0 - np.searchsorted(gone, t, side="right") / n
    return out
