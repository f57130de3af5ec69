"""Helpers for the chart and report tests: synthetic output folders, and a check that no two labels overlap.

Synthetic output folders are shaped like ``allysim run``'s but need no simulation. Each plan's runs are drawn
with numpy from a fixed seed: competing exponential risks (a plan scales their rates down), NPVs that grow with
the lifetime, and health paths whose percentiles make ``health.json``. The summary is computed from those runs
exactly as SPEC section 5 describes it, so titles can be checked against it.
"""

from __future__ import annotations

import csv
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

BANDS = {"p5": 5, "p25": 25, "p50": 50, "p75": 75, "p95": 95}
RISK_WORDS = ("Partner strategy shift", "Key executive departure", "Regulatory change", "Cost overrun",
              "Cultural clash", "IP dispute", "Market downturn", "Technology failure", "Currency shock",
              "Leadership feud")
CATEGORIES = ("strategic", "people", "external", "financial", "operational")


def plan_names(n_plans: int) -> list[str]:
    """Return plan names, the baseline first; one is long, to exercise wrapping."""
    names = ["do_nothing", "governance", "full", "escalation_and_exit_clauses_with_a_long_name", "hedging",
             "joint_board", "staged_commitment", "everything_at_once"]
    return names[:n_plans] if n_plans > 1 else ["default"]


def risk_catalogue(n_risks: int) -> dict[str, dict[str, str]]:
    """Return ``{risk id: {name, category}}`` for ``n_risks`` risks."""
    risks = {}
    for i in range(n_risks):
        name = RISK_WORDS[i % len(RISK_WORDS)] + ("" if i < len(RISK_WORDS) else f" {i // len(RISK_WORDS) + 1}")
        risks[f"risk_{i:02d}"] = {"name": name, "category": CATEGORIES[i % len(CATEGORIES)]}
    return risks


def make_output(folder: Path, n_plans: int = 3, n_risks: int = 6, runs: int = 400, horizon: float = 10.0,
                time_unit: str = "year", seed: int = 20261127, money: float = 1.0) -> dict[str, Any]:
    """Write ``summary.json``, ``runs.csv`` and ``health.json`` into ``folder``; return the summary."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plans = plan_names(n_plans)
    risks = risk_catalogue(n_risks)
    ids = list(risks)
    # Rates fall off geometrically so that a few risks dominate, as in real registers.
    base_rates = 0.09 * 0.7 ** np.arange(n_risks) * (10.0 / horizon)
    grid = np.linspace(0.0, horizon, 101)
    rows: list[list[Any]] = []
    summary_plans: dict[str, Any] = {}
    health_plans: dict[str, Any] = {}
    for k, plan in enumerate(plans):
        mitigation = 1.0 - 0.55 * k / max(n_plans - 1, 1)
        times = rng.exponential(1.0 / (base_rates * mitigation), size=(runs, n_risks))
        first = times.min(axis=1)
        cause = times.argmin(axis=1)
        survived = first >= horizon
        lifetime = np.where(survived, horizon, first)
        end_cause = np.where(survived, "survived", np.array(ids, dtype=object)[cause])
        npv = money * (3.0 * lifetime - 4.0 - 0.6 * k + rng.normal(0.0, 4.0, runs))
        risk_cost = money * rng.gamma(2.0, 1.0 + 0.2 * (n_plans - k), runs)
        contingency_cost = money * 0.3 * k * lifetime / horizon
        paths = _health_paths(rng, lifetime, survived, grid, mitigation)
        resilience = paths.mean(axis=1)
        min_health = np.where(survived, paths.min(axis=1), rng.uniform(0.0, 0.2, runs))
        for r in range(runs):
            rows.append([plan, r, repr(float(lifetime[r])), "true" if survived[r] else "false", end_cause[r],
                         repr(float(npv[r])), repr(float(risk_cost[r])), repr(float(contingency_cost[r])),
                         repr(float(min_health[r])), repr(float(resilience[r]))])
        health_plans[plan] = {name: np.percentile(paths, q, axis=0).tolist() for name, q in BANDS.items()}
        summary_plans[plan] = _plan_summary(lifetime, survived, end_cause, npv, risk_cost, contingency_cost,
                                            resilience, ids, k)
    summary = {
        "scenario": "Northwind–Contoso cloud joint venture (synthetic)",
        "scenario_sha256": "3f2a9c1b0d4e" + "5a6b7c8d9e0f" * 4 + "1234",
        "allysim_version": "0.1.0",
        "runs": runs,
        "seed": seed,
        "horizon": horizon,
        "time_unit": time_unit,
        "currency": "USD",
        "dissolve_below": 0.25,
        "plans": summary_plans,
        "risks": risks,
        "contingencies": {},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    with open(folder / "runs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost",
                         "contingency_cost", "min_health", "resilience"])
        writer.writerows(rows)
    health = {"time_unit": time_unit, "dissolve_below": 0.25, "grid": grid.tolist(), "plans": health_plans}
    (folder / "health.json").write_text(json.dumps(health), encoding="utf-8")
    return summary


def _health_paths(rng: np.random.Generator, lifetime: np.ndarray, survived: np.ndarray, grid: np.ndarray,
                  mitigation: float) -> np.ndarray:
    """Return plausible health paths on ``grid`` (runs x points), 0 after dissolution."""
    runs = len(lifetime)
    drift = rng.normal(-0.03 * mitigation, 0.02, size=(runs, 1))
    noise = np.cumsum(rng.normal(0.0, 0.03, size=(runs, len(grid))), axis=1)
    paths = np.clip(1.0 + drift * grid[None, :] + noise, 0.26, 1.0)
    paths[~survived[:, None] & (grid[None, :] > lifetime[:, None])] = 0.0
    return paths


def _plan_summary(lifetime: np.ndarray, survived: np.ndarray, end_cause: np.ndarray, npv: np.ndarray,
                  risk_cost: np.ndarray, contingency_cost: np.ndarray, resilience: np.ndarray,
                  ids: list[str], k: int) -> dict[str, Any]:
    """Return the summary of one plan's runs, in ``summary.json``'s shape."""
    n = len(lifetime)
    p = float(survived.mean())
    z = 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    q = {name: float(np.quantile(npv, level)) for name, level in
         (("p5", 0.05), ("p10", 0.1), ("p50", 0.5), ("p90", 0.9), ("p95", 0.95))}
    se = float(npv.std(ddof=1) / np.sqrt(n))
    shares = {r: float(np.mean(end_cause == r)) for r in ids}
    shares["survived"] = float(np.mean(end_cause == "survived"))
    return {
        "survival": {"estimate": p, "ci95": [float(centre - half), float(centre + half)]},
        "lifetime": {"mean": float(lifetime.mean()), "p10": float(np.quantile(lifetime, 0.1)),
                     "p50": float(np.quantile(lifetime, 0.5)), "p90": float(np.quantile(lifetime, 0.9))},
        "npv": {"mean": float(npv.mean()), "sd": float(npv.std(ddof=1)),
                "ci95": [float(npv.mean() - 1.96 * se), float(npv.mean() + 1.96 * se)], **q},
        "value": {"mean": float(npv.mean() + risk_cost.mean() + contingency_cost.mean())},
        "risk_cost": {"mean": float(risk_cost.mean())},
        "contingency_cost": {"mean": float(contingency_cost.mean())},
        "resilience": {"mean": float(resilience.mean())},
        "end_causes": shares,
        "risks": {r: {"occurrences_mean": float(np.mean(end_cause == r)) * 1.4} for r in ids},
        "contingencies": {},
    }


def text_boxes(fig: Any) -> list[tuple[str, Any]]:
    """Return (text, bbox in display pixels) of every visible, non-empty label drawn on ``fig``."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        texts += ax.texts + [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):  # only the ticks inside the view are drawn
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) * 1e-9
            texts += [tick.label1 for tick in axis.get_major_ticks() if lo - span <= tick.get_loc() <= hi + span]
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
    return [(t.get_text(), t.get_window_extent(renderer).expanded(0.98, 0.9))
            for t in texts if t.get_visible() and t.get_text().strip()]


def assert_readable(fig: Any, name: str = "") -> None:
    """Assert that every label of ``fig`` lies on the slide and that no two labels overlap."""
    width, height = fig.canvas.get_width_height()
    boxes = text_boxes(fig)
    for label, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, (name, label)
    clashes = [(a, b) for (a, box_a), (b, box_b) in combinations(boxes, 2) if box_a.overlaps(box_b)]
    assert not clashes, (name, clashes[:3])


# --- synthetic studies: compare.json, value.json, drivers.json ---------------------------------------------------

CONTINGENCY_WORDS = ("Executive escalation protocol", "Named successors and retention bonuses",
                     "Joint IP committee and expert determination", "Relationship reset workshop",
                     "Dedicated alliance management office", "Pre-agreed restructuring option", "Hedging programme",
                     "Steering committee", "Exit clause with a buy-out formula agreed in advance by both boards",
                     "Quarterly partner health survey", "Shared KPI dashboard", "Board-level sponsor pairing")


def study_head(runs: int = 400, seed: int = 20261127, currency: str = "USD") -> dict[str, Any]:
    """Return the provenance head every study JSON starts with."""
    return {"scenario": "Northwind–Contoso cloud joint venture (synthetic)", "scenario_file": "jv.yaml",
            "scenario_sha256": "3f2a9c1b0d4e" + "5a6b7c8d9e0f" * 4 + "1234", "allysim_version": "0.1.0",
            "runs": runs, "seed": seed, "horizon": 10.0, "time_unit": "year", "currency": currency}


def _interval(rng: np.random.Generator, mean: float, half: float) -> dict[str, Any]:
    """Return ``{"mean", "ci95"}`` with a slightly asymmetric interval around ``mean``."""
    return {"mean": mean, "ci95": [mean - half * rng.uniform(0.8, 1.2), mean + half * rng.uniform(0.8, 1.2)]}


def make_comparison(n_plans: int = 4, seed: int = 5, money: float = 1e6) -> dict[str, Any]:
    """Return a synthetic ``compare.json`` with ``n_plans`` plans (the baseline and n - 1 alternatives)."""
    rng = np.random.default_rng(seed)
    names = plan_names(n_plans) if n_plans > 1 else ["do_nothing", "governance"]
    plans = {}
    for k, plan in enumerate(names[1:], start=1):
        npv = money * (rng.normal(4.0, 3.0) if k != 2 else -0.8)
        survival = float(np.clip(rng.normal(0.15, 0.1), -0.05, 0.6))
        plans[plan] = {"npv": _interval(rng, npv, money * 1.1), "survival": _interval(rng, survival, 0.04),
                       "p_better": float(rng.uniform(0.2, 0.9))}
    return {**study_head(), "baseline": names[0], "plans": plans}


def make_values(n: int = 6, sampled: bool = False, seed: int = 6, money: float = 1e6) -> dict[str, Any]:
    """Return a synthetic ``value.json`` with ``n`` contingencies, one of which does not pay for itself."""
    rng = np.random.default_rng(seed)
    contingencies = {}
    for i in range(n):
        cid = f"c{i:02d}"
        cost = money * float(rng.uniform(0.1, 3.0))
        net = money * float(rng.normal(1.2, 1.5)) if i != 1 else -0.4 * cost
        shapley = _interval(rng, net, money * 0.5)
        survival = float(rng.uniform(0.0, 0.09))
        alone = _interval(rng, net * rng.uniform(0.7, 1.3), money * 0.6)
        entry = {"name": CONTINGENCY_WORDS[i % len(CONTINGENCY_WORDS)] + ("" if i < 12 else f" {i}"),
                 "npv": alone, "survival": _interval(rng, survival * rng.uniform(0.5, 1.2), 0.02), "cost": cost,
                 "gross_npv": alone["mean"] + cost, "shapley_npv": net, "shapley_survival": survival,
                 "shapley_npv_ci95": shapley["ci95"], "shapley_survival_ci95": [survival - 0.02, survival + 0.02]}
        if sampled:
            entry["shapley_npv_sampling_se"] = money * 0.1
            entry["shapley_survival_sampling_se"] = 0.004
        contingencies[cid] = entry
    total_npv = sum(c["shapley_npv"] for c in contingencies.values())
    total_survival = sum(c["shapley_survival"] for c in contingencies.values())
    from allysim.folder import with_verdicts  # the verdicts a folder's value.json hands the charts

    return with_verdicts({**study_head(), "plan": "full", "method": "permutation" if sampled else "exact",
                          "total": {"npv": _interval(rng, total_npv, money),
                                    "survival": _interval(rng, total_survival, 0.05)},
                          "contingencies": contingencies})


def make_drivers(n_risks: int = 8, seed: int = 7, money: float = 1e6) -> dict[str, Any]:
    """Return a synthetic ``drivers.json`` with ``n_risks`` risks (named as :func:`risk_catalogue` names them)."""
    rng = np.random.default_rng(seed)
    risks = {}
    for rid, info in risk_catalogue(n_risks).items():
        npv = money * float(rng.gamma(1.2, 2.5)) - (money * 0.3 if rid == "risk_05" else 0.0)
        survival = float(rng.gamma(1.0, 0.06))
        risks[rid] = {"name": info["name"], "category": info["category"], "npv": _interval(rng, npv, money * 0.7),
                      "survival": _interval(rng, survival, 0.03)}
    return {**study_head(), "plan": "do_nothing", "risks": risks}


def big_scenario_yaml(n_risks: int = 30, n_contingencies: int = 12, n_plans: int = 8) -> str:
    """Return a scenario with many risks, contingencies and plans (for charts at their limits), as YAML text."""
    names = risk_catalogue(n_risks)
    lines = ["allysim: 1", "name: Many-risk stress alliance (synthetic)", "horizon: 10", "currency: USD M",
             "alliance: {health: {initial: 1.0, dissolve_below: 0.25, recovery: 0.3}, value_rate: 12}", "risks:"]
    for i, (rid, info) in enumerate(names.items()):
        fatal = f", fatal: {0.02 + 0.01 * (i % 4):.2f}" if i % 3 == 0 else ""
        lines.append(f"  - {{id: {rid}, name: {info['name']}, category: {info['category']}, "
                     f"rate: {0.3 * 0.88 ** i:.4f}, impact: {{health: {0.06 + 0.02 * (i % 5):.2f}, "
                     f"cost: {0.2 + 0.1 * (i % 7):.1f}{fatal}}}}}")
    lines.append("contingencies:")
    risk_ids = list(names)
    for j in range(n_contingencies):
        cid = f"cont_{j:02d}"
        name = CONTINGENCY_WORDS[j % len(CONTINGENCY_WORDS)]
        if j % 3 == 0:
            trigger, effect = f"{{on: {risk_ids[j % n_risks]}}}", "{reduce_impact: 0.5}"
        elif j % 3 == 1:
            trigger, effect = f"{{health_below: {0.4 + 0.02 * j:.2f}}}", "{restore_health: 0.15}"
        else:
            trigger, effect = "{on: dissolution}", "{rescue_health: 0.5}"
        lines.append(f"  - {{id: {cid}, name: \"{name}\", trigger: {trigger}, success: 0.7, effect: {effect}, "
                     f"cost: {{setup: {0.1 * (j % 4) + 0.05:.2f}, per_activation: {0.3 + 0.2 * (j % 5):.1f}}}}}")
    lines.append("plans:")
    plans = plan_names(n_plans) if n_plans > 1 else ["default"]
    ids = [f"cont_{j:02d}" for j in range(n_contingencies)]
    for k, plan in enumerate(plans):
        chosen = ids[: round(k * n_contingencies / max(n_plans - 1, 1))] if k < n_plans - 1 else "all"
        lines.append(f"  {plan}: {chosen if chosen == 'all' else '[' + ', '.join(chosen) + ']'}")
    return "\n".join(lines) + "\n"


def survival_slide(lifetimes: dict[str, Any], survived: dict[str, Any], horizon: float) -> Any:
    """The survival chart framed as a slide, its headline judged run by run against the first plan."""
    from allysim.plotting import headlines, run_charts
    from allysim.plotting.render import framed
    from allysim.stats import paired, survival_curve
    from allysim.wording import Evidence

    plans = list(lifetimes)
    alive = {p: np.asarray(survived[p], dtype=float) for p in plans}
    quoted = {p: float(alive[p].mean()) for p in plans}
    evidence = {p: Evidence.of(paired(alive[p], alive[plans[0]]), len(alive[p])) for p in plans[1:]}
    headline = headlines.survival(quoted, evidence, horizon=horizon, runs=len(alive[plans[0]]))
    curves = {p: survival_curve(lifetimes[p], survived[p], horizon) for p in plans}
    return framed(headline, lambda ax: run_charts.survival(curves, horizon=horizon, ax=ax))


def causes_slide(end_causes: dict[str, Any], risk_names: dict[str, str] | None = None,
                 environment_note: str = "") -> Any:
    """The causes chart framed as a slide (no evidence between plans)."""
    from allysim.plotting import headlines, run_charts
    from allysim.plotting.causes_chart import idle_note
    from allysim.plotting.render import framed

    headline = headlines.causes(end_causes, None, risk_names=risk_names, environment_note=environment_note)
    headline = headlines.Headline(headline.title, headline.subtitle + idle_note(end_causes))
    return framed(headline, lambda ax: run_charts.causes(end_causes, risk_names=risk_names, ax=ax))
