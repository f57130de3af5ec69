"""The best portfolio: which contingencies to fund, the cost-survival and cost-NPV frontiers, and how sure we are.

A portfolio is a subset of the scenario's contingencies (or of the ones listed). Every portfolio is simulated on
common random numbers (the same seed, replications and streams), so two portfolios differ run by run only by the
contingencies that differ, and the best one is compared with the runner-up on paired runs.

Up to :data:`EXACT_LIMIT` contingencies every one of the 2^n portfolios is simulated (``method: "exact"``).
Beyond that a heuristic (``method: "greedy"``) explores a small part of them and says so: two greedy chains from the
empty portfolio, each adding at every step the contingency that most raises, over the same runs, mean NPV (one
chain) or survival per unit of cost (the other), until every contingency is in; every portfolio met on the way is
kept. The frontiers and the best are then those of the portfolios explored, which need not include the true best.

"Best" is by one of :data:`OBJECTIVES`: the highest mean NPV, survival or mean NPV of the worst 10% of runs
(``cvar10``), or the lowest share of runs losing money (``p_loss``); ``optimize.json`` holds every objective's best
and frontier, and ``objective`` says which one the recommendation uses.

The one place that simulates portfolios is :func:`_simulate`, through :func:`allysim.simulate_variants`, which
shares identical paths between the portfolios of a batch (:mod:`allysim.sharing`): the fewer, larger batches, the
more is derived rather than simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from .analysis import provenance
from .errors import UsageError
from .results import PlanRuns, Results, Variant, sum_sharing
from .runner import RunOptions, simulate_variants
from .scenario import Scenario
from .sharing import DerivedRuns
from .stats import cvar, losing, loss_share, mean_ci, paired, paired_cvar, wilson
from .verdicts import Materiality, judge, judged, materiality_for

__all__ = ["Portfolios", "Outcomes", "optimize", "frontier", "EXACT_LIMIT", "OBJECTIVES"]

OBJECTIVES = ("npv", "survival", "cvar10", "p_loss")  # what "best" may mean; p_loss is minimised, the others maximised

EXACT_LIMIT = 12  # 4,096 portfolios
BATCH_BYTES = 400_000_000  # outcome arrays of the portfolios simulated together: the fewer calls the more sharing
SHARED_BYTES = 40  # per portfolio and replication with shared paths: path index, flag, the three arrays optimize keeps


@dataclass(frozen=True)
class Outcomes:
    """What optimize keeps of one portfolio, replication by replication."""

    npv: np.ndarray
    alive: np.ndarray  # 1.0 if the alliance reached the horizon
    cost: np.ndarray  # present value of the portfolio's contingency costs


@dataclass
class Portfolios:
    """Every portfolio simulated, the frontiers and the best. ``to_dict()`` is ``optimize.json``."""

    scenario: Scenario
    seed: int
    runs: int
    contingencies: tuple[str, ...]  # the candidates, in file order
    portfolios: list[tuple[str, ...]]  # index -> contingency ids, in file order
    outcomes: list[Outcomes]
    method: str  # "exact" or "greedy"
    budget: float | None = None
    objective: str = "npv"  # what "best" means for the recommendation: one of OBJECTIVES
    sharing: dict[str, Any] | None = None  # how many replications were simulated, how many derived
    materiality_option: float | None = None  # --materiality / materiality=, over the scenario's
    infeasible: list[tuple[str, ...]] = field(default_factory=list)  # line-ups that cannot form the alliance
    _summary: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._summary = [_summary(o) for o in self.outcomes]

    def cost(self, i: int) -> float:
        return self._summary[i]["cost"]["mean"]

    def npv(self, i: int) -> float:
        return self._summary[i]["npv"]["mean"]

    def survival(self, i: int) -> float:
        return self._summary[i]["survival"]["estimate"]

    def score(self, i: int, objective: str) -> float:
        """Portfolio ``i`` on ``objective`` (one of :data:`OBJECTIVES`), higher always better: the share of runs
        that lose money enters negated."""
        npv = self._summary[i]["npv"]
        if objective == "npv":
            return npv["mean"]
        if objective == "survival":
            return self.survival(i)
        if objective == "cvar10":
            return npv["cvar10"]["estimate"]
        if objective == "p_loss":
            return -npv["p_loss"]["estimate"]
        raise UsageError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")

    def index(self, ids: Sequence[str]) -> int | None:
        """The index of the portfolio holding exactly ``ids``, if it was simulated."""
        wanted = set(ids)
        return next((i for i, p in enumerate(self.portfolios) if set(p) == wanted), None)

    def frontier(self, objective: str) -> list[int]:
        """Portfolios that no other beats on both cost and ``objective`` (one of :data:`OBJECTIVES`), cheapest
        first."""
        return frontier([self.cost(i) for i in range(len(self.portfolios))],
                        [self.score(i, objective) for i in range(len(self.portfolios))])

    def best(self, objective: str, budget: float | None = None) -> int | None:
        """The portfolio best on ``objective`` (cheapest on a tie), within ``budget`` if given."""
        pool = [i for i in range(len(self.portfolios)) if budget is None or self.cost(i) <= budget]
        if not pool:
            return None
        return max(pool, key=lambda i: (self.score(i, objective), -self.cost(i), -len(self.portfolios[i])))

    def runner_up(self, objective: str, budget: float | None = None) -> int | None:
        """The next best portfolio on ``objective`` that is not an exact tie with the best (the same outcome in
        every run, as when a contingency never activates and costs nothing): the margin over an exact copy says
        nothing. Only when every other portfolio ties exactly is the runner-up a tie."""
        top = self.best(objective, budget)
        pool = [i for i in range(len(self.portfolios)) if i != top and (budget is None or self.cost(i) <= budget)]
        if top is None or not pool:
            return None
        ranked = sorted(pool, key=lambda i: (self.score(i, objective), -self.cost(i), -len(self.portfolios[i])),
                        reverse=True)
        return next((i for i in ranked if not self._tie(top, i)), ranked[0])

    def _tie(self, a: int, b: int) -> bool:
        """Whether portfolios ``a`` and ``b`` have the same outcomes in every run."""
        x, y = self.outcomes[a], self.outcomes[b]
        return bool(np.array_equal(x.npv, y.npv) and np.array_equal(x.alive, y.alive)
                    and np.array_equal(x.cost, y.cost))

    @property
    def materiality(self) -> Materiality:
        """The materiality the verdicts use: by default 1% of the mean |NPV| of the baseline plan's portfolio
        (the first plan), else of the portfolio without any contingency."""
        first, ids = next(iter(self.scenario.plan_sets.items()))
        i = None if any(c not in self.contingencies for c in ids) else self.index(ids)
        name = first
        if i is None:
            i, name = self.index(()), "the portfolio without contingencies"
        npv = self.outcomes[i if i is not None else 0].npv
        return materiality_for(self.materiality_option, self.scenario.materiality, npv, name)

    def versus(self, a: int, b: int) -> dict[str, Any]:
        """Portfolio ``a`` minus portfolio ``b`` on the same replications (``p_loss``: the share of runs losing
        money, so a negative difference is fewer losses)."""
        x, y = self.outcomes[a], self.outcomes[b]
        runs, material = len(x.npv), self.materiality.value
        npv, survival = judged(paired(x.npv, y.npv), runs, material), judged(paired(x.alive, y.alive), runs)
        tail = judged(paired_cvar(x.npv, y.npv), runs, material)
        loss = paired(losing(x.npv), losing(y.npv))
        loss = {**loss, **judge(loss, runs, sign=-1).fields()}  # fewer losing runs is better
        # clear_*: the verdict is better or worse (for NPV and CVaR, beyond the materiality too)
        return {"npv": npv, "survival": survival, "cvar10": tail, "p_loss": loss, "cost": paired(x.cost, y.cost),
                "p_better": float(np.mean(x.npv > y.npv)),
                **{f"clear_{k}": e["verdict"] in ("better", "worse")
                   for k, e in (("npv", npv), ("survival", survival), ("cvar10", tail), ("p_loss", loss))}}

    def dominated_by(self, i: int) -> int | None:
        """A portfolio at most as costly with at least the NPV and survival of ``i``, better in one (estimates);
        of several, the one with the highest NPV."""
        c, n, s = self.cost(i), self.npv(i), self.survival(i)
        better = [j for j in range(len(self.portfolios)) if j != i and self.cost(j) <= c and self.npv(j) >= n
                  and self.survival(j) >= s and (self.cost(j) < c or self.npv(j) > n or self.survival(j) > s)]
        return max(better, key=lambda j: (self.npv(j), self.survival(j), -self.cost(j))) if better else None

    def to_dict(self) -> dict[str, Any]:
        best: dict[str, int | None] = {objective: self.best(objective) for objective in OBJECTIVES}
        best["survival_within_budget"] = self.best("survival", self.budget) if self.budget is not None else None
        versus: dict[str, Any] = {}
        for key, top in best.items():
            objective = "survival" if key == "survival_within_budget" else key
            second = self.runner_up(objective, self.budget if key == "survival_within_budget" else None)
            if top is not None and second is not None:
                versus[key] = {"best": top, "runner_up": second, **self.versus(top, second)}
        plans: dict[str, Any] = {}
        for name, ids in self.scenario.plan_sets.items():
            outside = [c for c in ids if c not in self.contingencies]
            i = None if outside else self.index(ids)
            entry: dict[str, Any] = {"contingencies": list(ids), "index": i, "dominated_by": None}
            if outside:
                entry["note"] = f"holds {', '.join(outside)}, not among the contingencies optimized"
            elif i is None:
                entry["note"] = "not among the portfolios the heuristic explored"
            else:
                j = self.dominated_by(i)
                entry["dominated_by"] = j
                if j is not None:
                    entry["dominance"] = self.versus(j, i)
            plans[name] = entry
        names = {c.id: c.label for c in self.scenario.contingencies}
        names.update({p.id: p.label for p in self.scenario.partners})
        return {
            **provenance(_Provenance(self.scenario, self.runs, self.seed)),
            "method": self.method,
            "method_note": _METHOD_NOTES[self.method],
            "candidates": {cid: names[cid] for cid in self.contingencies},
            "candidate_partners": [q.id for q in self.scenario.partners if q.id in self.contingencies],
            "budget": self.budget,
            "portfolios": [{"contingencies": list(p), **self._summary[i]} for i, p in enumerate(self.portfolios)],
            "objective": self.objective,
            "frontier": {objective: self.frontier(objective) for objective in OBJECTIVES},
            "best": best,
            "versus_runner_up": versus, "materiality": self.materiality.to_dict(),
            "plans": plans, "sharing": self.sharing,
            **({"infeasible": {"count": len(self.infeasible), "portfolios": [list(p) for p in self.infeasible],
                               "meaning": "line-ups of candidate partners that break alliance.min_partners or "
                                          "min_share at t = 0: no alliance forms, so they were not simulated"}}
               if self.scenario.partners else {}),
            "meaning": "cost is the expected present value of the portfolio's contingency costs; objective is what "
                       "best means for the recommendation (npv: the highest mean NPV; survival: the highest "
                       "survival; cvar10: the highest mean NPV of the worst 10% of runs; p_loss: the lowest share "
                       "of runs with NPV below 0); the frontier for an objective lists, cheapest first, the "
                       "portfolios that no other beats on both cost and that objective; versus_runner_up is best "
                       "minus runner-up on the same runs (the runner-up: the next best that is not an exact tie), each "
                       "difference with its verdict, and clear_* says whether that verdict is better or worse",
        }


_METHOD_NOTES = {
    "exact": "every portfolio simulated on common random numbers",
    "greedy": "heuristic: greedy chains from the empty portfolio (adding the contingency that most raises mean NPV, "
              "or survival per unit of cost, on the same runs); only the portfolios met on the way were simulated, "
              "so the true best may be missing",
}


@dataclass(frozen=True)
class _Provenance:
    """What :func:`allysim.analysis.provenance` reads from a Results."""

    scenario: Scenario
    runs: int
    seed: int


def _summary(o: Outcomes) -> dict[str, Any]:
    n = len(o.npv)
    alive = int(o.alive.sum())
    mean, _sd, lo, hi = mean_ci(o.npv)
    return {"cost": {"mean": float(o.cost.mean())},
            "npv": {"mean": mean, "ci95": [lo, hi], "cvar10": cvar(o.npv), "p_loss": loss_share(o.npv)},
            "survival": {"estimate": alive / n, "ci95": list(wilson(alive, n))}}


def frontier(cost: Sequence[float], score: Sequence[float]) -> list[int]:
    """Indices no other point beats on both counts (cost at most, score at least, one strictly), cheapest first.

    Examples
    --------
    >>> frontier([0, 1, 2, 3], [0.5, 0.4, 0.8, 0.8])
    [0, 2]
    """
    order = sorted(range(len(cost)), key=lambda i: (cost[i], -score[i]))
    kept: list[int] = []
    top = -np.inf
    for i in order:
        if score[i] > top:
            kept.append(i)
            top = score[i]
        elif score[i] == top and kept and cost[kept[-1]] == cost[i]:
            kept.append(i)  # the same cost and score as a kept one: neither beats the other
    return kept


# --------------------------------------------------------------------------- simulation


@dataclass
class _Simulator:
    """Simulates portfolios on common random numbers, remembering those already done."""

    scenario: Scenario
    options: RunOptions  # resolved: runs and seed fixed, the same for every call
    done: dict[tuple[str, ...], Outcomes] = field(default_factory=dict)
    sharing: list[dict[str, Any]] = field(default_factory=list)  # each batch's, for optimize.json

    def __call__(self, portfolios: Sequence[tuple[str, ...]]) -> list[Outcomes]:
        todo = [p for p in dict.fromkeys(portfolios) if p not in self.done]
        # exhaustive, the runner keeps every outcome array of the variants of one call, until optimize keeps three
        # of them; with shared paths it keeps each distinct path once (a fraction of the variants' replications) and
        # which path stands for each variant's replications, and optimize keeps three arrays per variant
        per_run = 70 + 4 * len(self.scenario.risks) + 16 * len(self.scenario.contingencies)
        if not self.options.exhaustive:
            per_run = SHARED_BYTES
        batch = max(8, BATCH_BYTES // (int(self.options.runs or 1) * per_run))
        for start in range(0, len(todo), batch):
            self.done.update(_simulate(self.scenario, todo[start:start + batch], self.options, self.sharing))
        return [self.done[p] for p in portfolios]


def _simulate(scenario: Scenario, portfolios: Sequence[tuple[str, ...]],
              options: RunOptions, sharing: list[dict[str, Any]]) -> dict[tuple[str, ...], Outcomes]:
    """Simulate each portfolio over the same replications and keep NPV, survival and contingency cost."""
    variants = {",".join(p) or "-": Variant(p) for p in portfolios}
    results: Results = simulate_variants(scenario, variants, options, health_bands=False)
    sharing.append(results.sharing())
    out = {}
    for p in portfolios:
        runs_ = results.plans[",".join(p) or "-"]
        # arrays gathered for this portfolio alone (a copy when not derived from shared paths), then let go by it
        cost = _own(runs_, "contingency_cost")  # first: npv reads it
        out[p] = Outcomes(npv=_own(runs_, "npv"), alive=(runs_.cause < 0).astype(float), cost=cost)
        for name in ("npv", "cause", "contingency_cost"):
            if isinstance(runs_, DerivedRuns):
                vars(runs_).pop(name, None)
    return out


def _own(runs: PlanRuns, name: str) -> np.ndarray:
    """Array ``name`` of ``runs``, owned by the caller: a derived variant's arrays are gathered for it alone."""
    array = getattr(runs, name)
    return array if isinstance(runs, DerivedRuns) else array.copy()


def _order(scenario: Scenario, ids: Sequence[str]) -> tuple[str, ...]:
    return scenario.ordered(ids)


def optimize(scenario: Scenario, contingencies: Sequence[str] | None = None, budget: float | None = None, *,
             objective: str = "npv", overrides: Any = None, exact_limit: int = EXACT_LIMIT,
             materiality: float | None = None, options: RunOptions | None = None, **settings: Any) -> Portfolios:
    """Every portfolio of ``contingencies`` (default: all the scenario's), the frontiers and the best.

    Parameters
    ----------
    contingencies : sequence of str, optional
        The candidates; a portfolio is any subset of them (the others are left out).
    budget : float, optional
        The most a portfolio may cost (expected present value of its contingency costs) for
        ``best["survival_within_budget"]``.
    objective : {"npv", "survival", "cvar10", "p_loss"}
        What "best" means for the recommendation (``optimize.json``'s ``objective``): the highest mean NPV, the
        highest survival, the highest mean NPV of the worst 10% of runs, or the lowest share of runs losing money.
        ``best`` and ``frontier`` hold every objective's answer either way.
    exact_limit : int
        Up to this many candidates every portfolio is simulated; beyond, a greedy heuristic (module docstring).
    overrides, options, settings
        As for :func:`allysim.compare`: parameters set over the file's values, and how to simulate.

    Examples
    --------
    >>> result = allysim.optimize(scenario, budget=5, runs=5000)          # doctest: +SKIP
    >>> data = result.to_dict(); data["portfolios"][data["best"]["npv"]]   # doctest: +SKIP
    """
    scenario = scenario.with_overrides(overrides)
    known = list(scenario.choice_ids)  # contingencies, and candidate partners (SPEC section 12)
    ids = list(contingencies) if contingencies is not None else known
    unknown = [c for c in ids if c not in known]
    if unknown:
        what = "contingencies and candidate partners" if len(known) > len(scenario.contingencies) else \
            "contingencies"
        raise UsageError(f"unknown contingency {unknown[0]!r}; {scenario.source} has {what}: "
                         f"{', '.join(known) or 'none'}")
    if len(set(ids)) != len(ids):
        raise UsageError("each contingency may be listed once")
    if not ids:
        raise UsageError(f"{scenario.source} has no contingencies to choose from")
    if objective not in OBJECTIVES:
        raise UsageError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    if budget is not None and not (isinstance(budget, (int, float)) and np.isfinite(budget) and budget >= 0):
        raise UsageError(f"budget must be a number >= 0, got {budget!r}")
    candidates = _order(scenario, ids)
    resolved = RunOptions.of(options, **settings).resolve(scenario)  # one seed for every call, even a fresh one
    simulator = _Simulator(scenario, resolved)
    infeasible: list[tuple[str, ...]] = []
    if len(candidates) <= exact_limit:
        portfolios = [s for k in range(len(candidates) + 1) for s in combinations(candidates, k)]
        method = "exact"
        if scenario.partners:  # a line-up that breaks min_partners or min_share at t = 0 is no alliance at all
            infeasible = [p for p in portfolios if scenario.infeasible(p)]
            portfolios = [p for p in portfolios if not scenario.infeasible(p)]
            if not portfolios:
                raise UsageError("no line-up of the candidate partners listed meets alliance.min_partners and "
                                 "min_share at the start; list more candidate partners")
        outcomes = simulator(portfolios)
    else:
        portfolios, outcomes = _greedy(scenario, candidates, simulator)
        method = "greedy"
    return Portfolios(scenario, int(resolved.seed or 0), len(outcomes[0].npv), candidates, list(portfolios),
                      list(outcomes), method, None if budget is None else float(budget), objective=objective,
                      sharing=sum_sharing(simulator.sharing), infeasible=infeasible, materiality_option=materiality)


def _greedy(scenario: Scenario, candidates: tuple[str, ...],
            simulate: _Simulator) -> tuple[list[tuple[str, ...]], list[Outcomes]]:
    """Two greedy chains from the empty portfolio (module docstring); every portfolio met is kept."""
    def npv_gain(now: Outcomes, then: Outcomes) -> float:
        return float(np.mean(then.npv - now.npv))

    def survival_per_cost(now: Outcomes, then: Outcomes) -> float:
        extra = float(np.mean(then.cost - now.cost))
        return float(np.mean(then.alive - now.alive)) / max(extra, 1e-12)

    for gain in (npv_gain, survival_per_cost):
        current: tuple[str, ...] = ()
        now = simulate([current])[0]
        while len(current) < len(candidates):
            steps = [_order(scenario, (*current, c)) for c in candidates if c not in current]
            outcomes = simulate(steps)
            k = max(range(len(steps)), key=lambda j: gain(now, outcomes[j]))
            current, now = steps[k], outcomes[k]
    met = sorted(simulate.done, key=lambda p: (len(p), [candidates.index(c) for c in p]))
    return met, [simulate.done[p] for p in met]
