"""The comparative questions: which plan is better, what each contingency is worth, which risks hurt most.

All three rest on one mechanism: paired simulation of variants of one scenario on common random numbers (the same
seed, replications and streams), so that only the change differs between two variants and their difference is
measured run by run. Every variant goes through the same runner and workers, and identical variants are simulated
once (:func:`allysim.runner.simulate_variants`).

- :func:`compare`: every plan minus the baseline plan, for NPV and survival.
- :func:`contingency_values`: each contingency of a plan, one at a time (the plan minus that contingency) and by
  its Shapley value (its share of the whole plan's effect over no contingencies, averaged over every order in which
  the contingencies could be added). Exact over all subsets up to :data:`EXACT_LIMIT` contingencies; beyond that,
  estimated over random permutations, with the sampling error reported.
- :func:`risk_drivers`: what each risk costs, the paired effect of removing it from the scenario; and what a shared
  environment's changes cost, the paired effect of holding it in its initial state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

import numpy as np

from .analysis import provenance
from .errors import UsageError
from .results import PlanRuns, Results, Variant
from .runner import RunOptions, resolve_seed, simulate_variants
from .scenario import Scenario
from .scenario.paths import ParameterPath
from .stats import losing, mean_ci, paired, paired_cvar
from .verdicts import Materiality, judge, judged, materiality_for

__all__ = ["compare", "contingency_values", "risk_drivers", "Comparison", "ContingencyValues", "RiskDrivers",
           "paired", "EXACT_LIMIT", "PERMUTATIONS"]

EXACT_LIMIT = 10
PERMUTATIONS = 64


def _alive(p: PlanRuns) -> np.ndarray:
    return (p.cause < 0).astype(float)


def _order(scenario: Scenario, ids: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Contingency ids (then candidate partner ids) in file order, so that one set is always one variant."""
    return scenario.ordered(ids)


def _plan(scenario: Scenario, plan: str | None, default: str) -> str:
    sets = scenario.plan_sets
    if plan is None:
        if default == "largest":
            return max(sets, key=lambda name: len(sets[name]))
        return next(iter(sets))
    if plan not in sets:
        raise UsageError(f"unknown plan {plan!r}; {scenario.source} has plans: {', '.join(sets)}")
    return plan


# --------------------------------------------------------------------------- compare


@dataclass
class Comparison:
    """Paired differences of every plan from the baseline. ``to_dict()`` is ``compare.json``."""

    results: Results
    baseline: str
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use (``docs/deciding.md``)."""
        return materiality_for(self.materiality_option, self.results.scenario.materiality,
                               self.results.plans[self.baseline].npv, self.baseline)

    def to_dict(self) -> dict[str, Any]:
        base = self.results.plans[self.baseline]
        runs, material = self.results.runs, self.materiality.value
        plans = {}
        for name, p in self.results.plans.items():
            if name == self.baseline:
                continue
            loss = paired(losing(p.npv), losing(base.npv))  # fewer losing runs is better: judged negated
            plans[name] = {
                "npv": {**judged(paired(p.npv, base.npv), runs, material),
                        "cvar10": judged(paired_cvar(p.npv, base.npv), runs, material),
                        "p_loss": {**loss, **judge(loss, runs, sign=-1).fields()}},
                "survival": judged(paired(_alive(p), _alive(base)), runs),
                "p_better": float(np.mean(p.npv > base.npv)),
            }
        return {**provenance(self.results), "baseline": self.baseline, "materiality": self.materiality.to_dict(),
                "plans": plans, "sharing": self.results.sharing()}


def compare(scenario: Scenario, plans: list[str] | tuple[str, ...] | None = None, *, overrides: Any = None,
            materiality: float | None = None, options: RunOptions | None = None, **settings: Any) -> Comparison:
    """Compare plans on common random numbers: each plan minus the baseline (the first plan, or the first named).

    Examples
    --------
    >>> comparison = allysim.compare(scenario, runs=5000, seed=7)              # doctest: +SKIP
    >>> comparison.to_dict()["plans"]["full"]["npv"]                           # doctest: +SKIP
    {'mean': 6.7, 'ci95': [6.4, 7.0]}
    """
    scenario = scenario.with_overrides(overrides)
    sets = scenario.plan_sets
    names = list(plans) if plans else list(sets)
    for name in names:
        _plan(scenario, name, "first")
    if len(names) < 2:
        raise UsageError("compare needs at least two plans: the baseline and one to compare with it")
    if len(set(names)) != len(names):
        raise UsageError("each plan may be named once")
    variants = {name: Variant(_order(scenario, sets[name])) for name in names}
    results = simulate_variants(scenario, variants, RunOptions.of(options, **settings))
    return Comparison(results, names[0], materiality)


# --------------------------------------------------------------------------- contingency values


@dataclass
class ContingencyValues:
    """Each contingency's value in a plan. ``to_dict()`` is ``value.json``."""

    results: Results  # every subset simulated, keyed by subset name; the plan itself under its own name
    plan: str
    contingencies: tuple[str, ...]
    method: str  # "exact" or "permutation"
    shapley: dict[str, dict[str, Any]]
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use: by default 1% of the baseline plan's mean |NPV| when it is one of the
        subsets simulated, else of the plan without its contingencies."""
        res = self.results
        first, ids = next(iter(res.scenario.plan_sets.items()))
        name = _subset_name(_order(res.scenario, ids))
        reference = first if name in res.plans else f"{self.plan} without its contingencies"
        return materiality_for(self.materiality_option, res.scenario.materiality,
                               res.plans[name if name in res.plans else _subset_name(())].npv, reference)

    def to_dict(self) -> dict[str, Any]:
        res, ids = self.results, self.contingencies
        whole = res.plans[_subset_name(ids)]
        empty = res.plans[_subset_name(())]
        material = self.materiality.value
        index = {c.id: j for j, c in enumerate(res.scenario.contingencies)}
        partners = {p.id: k for k, p in enumerate(res.scenario.partners)}
        out = {}
        for cid in ids:
            without = res.plans[_subset_name(tuple(i for i in ids if i != cid))]
            npv = paired(whole.npv, without.npv)
            if cid in index:
                cost = float(np.mean(whole.costs[:, index[cid]]))
                label, kind = res.scenario.contingency(cid).label, {}
            else:  # a candidate partner: what it brings, and what having it costs
                cost = float(np.mean(whole.partner_costs[:, partners[cid]]))
                label, kind = res.scenario.partner(cid).label, {"kind": "partner"}
            out[cid] = {
                "name": label, **kind,
                "npv": judged(npv, res.runs, material),
                "survival": judged(paired(_alive(whole), _alive(without)), res.runs),
                "cost": cost,
                "gross_npv": npv["mean"] + cost,
                **self.shapley[cid],
            }
            # the verdict of the Shapley net value, the number the tables and charts show (its interval widened by
            # the sampling error over random orders, as the chart draws it)
            net = judge({"mean": out[cid]["shapley_npv"], "ci95": _widened(out[cid])}, res.runs, material)
            out[cid].update({f"shapley_{k}": v for k, v in net.fields().items()})
        return {
            **provenance(res), "plan": self.plan, "method": self.method, "materiality": self.materiality.to_dict(),
            "total": {"npv": judged(paired(whole.npv, empty.npv), res.runs, material),
                      "survival": judged(paired(_alive(whole), _alive(empty)), res.runs)},
            "contingencies": out, "sharing": res.sharing(),
        }


def _widened(entry: dict[str, Any]) -> list[float | None]:
    """The 95% interval of a Shapley net value, holding the sampling error over random orders too (quadrature)."""
    mean, (lo, hi) = entry["shapley_npv"], entry["shapley_npv_ci95"]
    se = entry.get("shapley_npv_sampling_se")
    if lo is None or hi is None or not se:
        return [lo, hi]
    extra = 1.959963984540054 * se
    return [mean - math.hypot(mean - lo, extra), mean + math.hypot(hi - mean, extra)]


def _subset_name(ids: tuple[str, ...]) -> str:
    return "{" + ",".join(ids) + "}"


def contingency_values(scenario: Scenario, plan: str | None = None, *, permutations: int = PERMUTATIONS,
                       overrides: Any = None, materiality: float | None = None, options: RunOptions | None = None,
                       **settings: Any) -> ContingencyValues:
    """What each contingency of ``plan`` (default: the plan with the most contingencies) is worth.

    For each contingency: the one-at-a-time effect (the plan minus that contingency), its Shapley value for NPV and
    survival (these add up to the plan's effect over no contingencies), and its expected cost. Every subset of
    contingencies is simulated once on common random numbers: exactly all 2^n subsets up to 10 contingencies, else
    the subsets met along ``permutations`` random orders. ``overrides`` as for :func:`allysim.simulate`.
    """
    scenario = scenario.with_overrides(overrides)
    plan = _plan(scenario, plan, "largest")
    ids = _order(scenario, scenario.plan_sets[plan])
    if not ids:
        raise UsageError(f"plan {plan!r} has no contingencies to value")
    options = RunOptions.of(options, **settings)
    seed = resolve_seed(options.seed, scenario)  # the permutations and the simulation share it
    options = replace(options, seed=seed)
    n = len(ids)
    if n <= EXACT_LIMIT:
        subsets = [s for k in range(n + 1) for s in combinations(ids, k)]
        orders = None
    else:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32 - 1,)))
        orders = [tuple(ids[i] for i in rng.permutation(n)) for _ in range(permutations)]
        subsets = [(), ids] + [tuple(i for i in ids if i != cid) for cid in ids]  # ends, and one-at-a-time
        for order in orders:
            subsets += [tuple(order[:k]) for k in range(1, n)]
    variants = {}
    for subset in subsets:
        ordered = _order(scenario, subset)
        variants[_subset_name(ordered)] = Variant(ordered)
    results = simulate_variants(scenario, variants, options, health_bands=False)
    shapley = _exact_shapley(results, ids) if orders is None else _sampled_shapley(scenario, results, ids, orders)
    return ContingencyValues(results, plan, ids, "exact" if orders is None else "permutation", shapley,
                             materiality)


def _exact_shapley(results: Results, ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Shapley values run by run: phi_i = sum over S not holding i of |S|!(n-|S|-1)!/n! [v(S+i) - v(S)].

    The weighted sum is linear, so computing it per replication gives the Shapley value of the means and, from
    the spread across replications, its confidence interval.
    """
    n = len(ids)
    out = {}
    for cid in ids:
        others = tuple(i for i in ids if i != cid)
        npv = np.zeros(results.runs)
        alive = np.zeros(results.runs)
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for subset in combinations(others, k):
                with_i = results.plans[_subset_name(tuple(i for i in ids if i in subset or i == cid))]
                without = results.plans[_subset_name(subset)]
                npv += weight * (with_i.npv - without.npv)
                alive += weight * (_alive(with_i) - _alive(without))
        out[cid] = _shapley_entry(npv, alive, None, None)
    return out


def _sampled_shapley(scenario: Scenario, results: Results, ids: tuple[str, ...],
                     orders: list[tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """Shapley values estimated over random orders; the sampling error is the spread over orders."""
    marginal = {cid: ([], []) for cid in ids}  # per order: mean NPV and survival gained when cid is added
    runs_npv = {cid: np.zeros(results.runs) for cid in ids}
    runs_alive = {cid: np.zeros(results.runs) for cid in ids}
    for order in orders:
        for k, cid in enumerate(order):
            before = results.plans[_subset_name(_order(scenario, order[:k]))]
            after = results.plans[_subset_name(_order(scenario, order[:k + 1]))]
            d_npv, d_alive = after.npv - before.npv, _alive(after) - _alive(before)
            marginal[cid][0].append(float(d_npv.mean()))
            marginal[cid][1].append(float(d_alive.mean()))
            runs_npv[cid] += d_npv / len(orders)
            runs_alive[cid] += d_alive / len(orders)
    out = {}
    for cid in ids:
        m_npv, m_alive = np.array(marginal[cid][0]), np.array(marginal[cid][1])
        se = lambda x: float(np.std(x, ddof=1) / math.sqrt(len(x))) if len(x) > 1 else None  # noqa: E731
        out[cid] = _shapley_entry(runs_npv[cid], runs_alive[cid], se(m_npv), se(m_alive))
    return out


def _shapley_entry(npv: np.ndarray, alive: np.ndarray, se_npv: float | None,
                   se_alive: float | None) -> dict[str, Any]:
    _, _, npv_lo, npv_hi = mean_ci(npv)
    _, _, alive_lo, alive_hi = mean_ci(alive)
    entry: dict[str, Any] = {
        "shapley_npv": float(npv.mean()), "shapley_survival": float(alive.mean()),
        "shapley_npv_ci95": [npv_lo, npv_hi], "shapley_survival_ci95": [alive_lo, alive_hi],
    }
    if se_npv is not None:
        entry["shapley_npv_sampling_se"] = se_npv
        entry["shapley_survival_sampling_se"] = se_alive
    return entry


# --------------------------------------------------------------------------- risk drivers


@dataclass
class RiskDrivers:
    """What each risk costs under a plan. ``to_dict()`` is ``drivers.json``."""

    results: Results
    plan: str
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use: by default 1% of the mean |NPV| of the plan the risks are removed
        from."""
        return materiality_for(self.materiality_option, self.results.scenario.materiality,
                               self.results.plans[self.plan].npv, self.plan)

    def to_dict(self) -> dict[str, Any]:
        res = self.results
        base = res.plans[self.plan]
        material = self.materiality.value
        risks = {}
        for r in res.scenario.risks:
            without = res.plans[_without_name(r.id)]
            risks[r.id] = {"name": r.label, "category": r.category,
                           "npv": judged(paired(without.npv, base.npv), res.runs, material),
                           "survival": judged(paired(_alive(without), _alive(base)), res.runs)}
        out = {**provenance(res), "plan": self.plan, "materiality": self.materiality.to_dict(),
               "meaning": "each risk's effect is the plan without that risk minus the plan with it: what the "
                          "risk costs, in NPV and in survival probability",
               "risks": risks, "sharing": res.sharing()}
        steady = {pid: res.plans[_steady_name(pid)] for pid in _leavers(res.scenario, res.variants[self.plan].contingencies)}
        if steady:
            out["partners"] = {
                pid: {"name": res.scenario.partner(pid).label, "npv": paired(without.npv, base.npv),
                      "survival": paired(_alive(without), _alive(base))} for pid, without in steady.items()}
            out["partners_meaning"] = ("each partner's effect is the plan with that partner never leaving minus the "
                                       "plan: what its possible exit costs, in NPV and in survival probability")
        env = res.scenario.environment
        if env is not None:
            held = res.plans[_HELD]
            out["environment"] = {
                "name": "Environment", "states": list(env.names),
                "meaning": "the plan with the environment held in the state it starts in minus the plan with it "
                           "changing: what the environment's changes cost, in NPV and in survival probability",
                "npv": judged(paired(held.npv, base.npv), res.runs, material),
                "survival": judged(paired(_alive(held), _alive(base)), res.runs)}
        return out


_HELD = "environment held at its initial state"


def _steady_name(partner_id: str) -> str:
    return f"{partner_id} never leaving"


def _leavers(scenario: Scenario, ids: tuple[str, ...]) -> list[str]:
    """The partners of a plan's line-up that could leave: by their own hazard, or pulled out by a risk."""
    pulled = {pid for r in scenario.risks for pid, q in r.impact.exit.items() if q > 0}
    paths = [ParameterPath.parse(path) for path in scenario.uncertain]
    uncertain = {path["ID"] for path in paths if path.section == "partners"}
    return [p.id for p in scenario.partners if p.id in scenario.lineup(ids)
            and (p.exit.base > 0 or p.id in pulled or p.id in uncertain)]


def _without_name(risk_id: str) -> str:
    return f"without {risk_id}"


def risk_drivers(scenario: Scenario, plan: str | None = None, *, overrides: Any = None,
                 materiality: float | None = None, options: RunOptions | None = None,
                 **settings: Any) -> RiskDrivers:
    """What each risk costs under ``plan`` (default: the first plan): the paired effect of removing it.

    With a shared environment, the environment is a driver too: the paired effect of holding it in the state it
    starts in (``drivers.json``'s ``environment``). ``overrides`` as for :func:`allysim.simulate`.
    """
    scenario = scenario.with_overrides(overrides)
    plan = _plan(scenario, plan, "first")
    contingencies = _order(scenario, scenario.plan_sets[plan])
    variants = {plan: Variant(contingencies)}
    for r in scenario.risks:
        variants[_without_name(r.id)] = Variant(contingencies, removed_risks=(r.id,))
    for pid in _leavers(scenario, contingencies):  # a partner that could leave: the plan with it never leaving
        variants[_steady_name(pid)] = Variant(contingencies, removed_risks=(pid,))
    if scenario.environment is not None:
        variants[_HELD] = Variant(contingencies, hold_environment=True)
    results = simulate_variants(scenario, variants, RunOptions.of(options, **settings), health_bands=False)
    return RiskDrivers(results, plan, materiality)
