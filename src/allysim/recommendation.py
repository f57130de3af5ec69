"""The recommendation in words, from ``optimize.json``: what to fund, by how much it beats the runner-up, which plans
are dominated. Claims stay within the evidence: a portfolio is called better only when the paired 95% interval of
its difference excludes a tie; otherwise the sentence says the difference is within the noise.

Used by the deck's "Recommended portfolio" slide (:func:`allysim.deck_deciding.portfolio_slide`) and by the docs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .wording import MoneyScale, format_money, format_points, format_share, plan_label

__all__ = ["Recommendation", "recommend", "portfolio_name"]


@dataclass(frozen=True)
class Recommendation:
    """A headline and the sentences under it."""

    headline: str
    points: tuple[str, ...]


def portfolio_name(data: Mapping[str, Any], index: int, most: int = 3) -> str:
    """A portfolio in words: a named plan's name, 'No contingency', 'Every contingency but X', or its contingencies'
    names."""
    ids = list(data["portfolios"][index]["contingencies"])
    names = data.get("candidates") or {}
    for plan, entry in (data.get("plans") or {}).items():
        if entry.get("index") == index:
            return f"the {plan_label(plan)} plan"
    if not ids:
        return "No contingency"
    missing = [c for c in names if c not in ids]
    if not missing:
        return "Every contingency"
    if len(missing) < len(ids) and len(missing) <= 2:
        return "Every contingency but " + " and ".join(str(names.get(c) or c) for c in missing)
    shown = " + ".join(str(names.get(c) or c) for c in ids[:most])
    return shown if len(ids) <= most else f"{shown} + {len(ids) - most} more"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _margin(entry: Mapping[str, Any], currency: str) -> str:
    """A paired NPV difference with its interval, on a scale of its own (a margin is small beside the NPVs)."""
    mean, (lo, hi) = entry["mean"], entry["ci95"]
    if lo is None:
        return format_money(mean, currency)
    scale = MoneyScale.of([mean, lo, hi], currency)
    return f"{format_money(mean, currency, scale)} (95% CI {format_money(lo, currency, scale)} to " \
           f"{format_money(hi, currency, scale)})"


def recommend(data: Mapping[str, Any]) -> Recommendation:
    """What ``optimize.json`` recommends, in words.

    Examples
    --------
    >>> recommend(json.load(open("reports/jv/optimize.json"))).headline        # doctest: +SKIP
    'Recommended portfolio: the Governance plan'
    """
    portfolios = data["portfolios"]
    currency = str(data.get("currency") or "")
    scale = MoneyScale.of([p["npv"]["mean"] for p in portfolios] + [p["cost"]["mean"] for p in portfolios],
                          currency)

    def money(x: float) -> str:
        return format_money(x, currency, scale)

    def name(i: int) -> str:
        return portfolio_name(data, i)

    def facts(i: int) -> str:
        p = portfolios[i]
        lo, hi = p["survival"]["ci95"]
        return (f"expected cost {money(p['cost']['mean'])}, mean NPV {money(p['npv']['mean'])}, survival "
                f"{format_share(p['survival']['estimate'])} ({format_share(lo)} to {format_share(hi)})")

    best = data["best"]
    versus = data.get("versus_runner_up") or {}
    points: list[str] = []
    top = best["npv"]
    v = versus.get("npv")
    if v is None:
        headline = f"Recommended portfolio: {name(top)}"
        points.append(f"{_sentence(name(top))}: {facts(top)}.")
    elif v["clear_npv"]:
        headline = f"Recommended portfolio: {name(top)}"
        points.append(f"{_sentence(name(top))} has the highest expected NPV: {facts(top)}.")
        points.append(f"It beats the runner-up, {name(v['runner_up'])}, by {_margin(v['npv'], currency)} of NPV "
                      f"on the same simulated futures, and does better in {format_share(v['p_better'])} of them.")
    else:
        headline = f"No clear winner on NPV: {name(top)} or {name(v['runner_up'])}"
        points.append(f"{_sentence(name(top))} has the highest estimated NPV ({facts(top)}), but its lead over "
                      f"{name(v['runner_up'])}, {_margin(v['npv'], currency)}, is within the noise: choose between "
                      "them on survival and cost, or simulate more runs.")
    s = best["survival"]
    vs = versus.get("survival")
    if s != top:
        margin = ""
        if vs is not None:
            diff = vs["survival"]["mean"]
            margin = (f", {format_points(diff)} above {name(vs['runner_up'])}" if vs["clear_survival"] else
                      f"; its lead over {name(vs['runner_up'])} is within the noise")
        points.append(f"For the highest survival, fund {name(s)}: {facts(s)}{margin}.")
    if data.get("budget") is not None:
        b = best.get("survival_within_budget")
        budget = money(float(data["budget"]))
        if b is None:
            cheapest = min(range(len(portfolios)), key=lambda i: portfolios[i]["cost"]["mean"])
            points.append(f"No portfolio costs less than the budget of {budget}: the cheapest, {name(cheapest)}, "
                          f"costs {money(portfolios[cheapest]['cost']['mean'])}.")
        else:
            points.append(f"Within the budget of {budget}, the safest portfolio is {name(b)}: {facts(b)}.")
    dominated = []
    for plan, entry in (data.get("plans") or {}).items():
        j = entry.get("dominated_by")
        if j is None:
            continue
        d = entry["dominance"]
        clear = d["clear_npv"] or d["clear_survival"]
        label = plan.replace("_", " ")
        saves = -d["cost"]["mean"]
        cheaper = f"costs {money(saves)} less" if saves > 1e-9 * max(1.0, scale.factor) else "costs the same"
        dominated.append(f"plan {label} is dominated by {name(j)}, which {cheaper} and adds {money(d['npv']['mean'])} of NPV and {format_points(d['survival']['mean'])} of "
                         "survival" + ("" if clear else " (on estimates within the noise)"))
    if dominated:
        points.append(_sentence("; ".join(dominated)) + ".")
    elif data.get("plans"):
        points.append("None of the scenario's named plans is dominated: for each, no portfolio costs no more and "
                      "does at least as well on both NPV and survival.")
    if data.get("method") != "exact":
        points.append(f"Heuristic search: {len(portfolios):,} of the {2 ** len(data.get('candidates') or {}):,} "
                      "possible portfolios were simulated, so a better one may exist.")
    return Recommendation(headline, tuple(points))
