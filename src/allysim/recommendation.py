"""The recommendation in words, from ``optimize.json`` (and ``sensitivity.json`` when the folder has one): what to
fund, its margin over the runner-up with its interval and verdict, the tail it protects against, the assumption
that would flip the choice and at what value, what is worth learning first, and which plans are dominated.

Claims are made from the verdicts the studies recorded (:mod:`allysim.verdicts`): a portfolio beats the runner-up
only when the margin's 95% interval excludes zero and the margin exceeds the materiality; a smaller margin is "about
break even", a wider interval "within the noise" with the runs that would settle it.

Used by the deck's recommendation slide and by the docs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .findings import one_apart, plan_phrase, portfolio_count, portfolio_name
from .wording import Evidence, MoneyScale, capitalized, format_money, format_points, format_share, share_interval

__all__ = ["Recommendation", "recommend", "OBJECTIVE_WORDS"]

# per objective: what the best is best at, and whether its margin is in percentage points (else money)
OBJECTIVE_WORDS = {"npv": ("expected NPV", False), "survival": ("survival", True),
                   "cvar10": ("mean NPV in the worst 10% of futures", False),
                   "p_loss": ("share of futures losing money", True)}


@dataclass(frozen=True)
class Recommendation:
    """A headline and the sentences under it; ``rows`` labels the slide's sentences (``Fund``, ``Margin``,
    ``Tail``, ``Flips if``, ``Learn first``, ``Also``); ``missing`` names what the folder lacked to say more."""

    headline: str
    points: tuple[str, ...]
    rows: tuple[tuple[str, str], ...] = ()
    missing: tuple[str, ...] = ()


def _margin(entry: Mapping[str, Any], currency: str, points: bool) -> str:
    """A paired difference with its interval: money on a scale of its own, or survival in points."""
    mean, (lo, hi) = entry["mean"], entry["ci95"]
    if points:
        amount = format_points(mean)
        return amount if lo is None else f"{amount} (95% CI {format_points(lo)} to {format_points(hi)})"
    if lo is None:
        return format_money(mean, currency)
    scale = MoneyScale.of([mean, lo, hi], currency)
    return f"{format_money(mean, currency, scale)} (95% CI {format_money(lo, currency, scale)} to " \
           f"{format_money(hi, currency, scale)})"


TITLE_NAMES_CHARS = 80  # portfolios named in a title by more characters in all are named by their sizes


def recommend(data: Mapping[str, Any], sensitivity: Mapping[str, Any] | None = None) -> Recommendation:
    """What ``optimize.json`` recommends, in words, with the flip and the value of learning from
    ``sensitivity.json`` when given.

    Examples
    --------
    >>> recommend(json.load(open("reports/jv/optimize.json"))).headline        # doctest: +SKIP
    'Recommended portfolio: the Governance plan'
    """
    portfolios = data["portfolios"]
    currency = str(data.get("currency") or "")
    scale = MoneyScale.of([p["npv"]["mean"] for p in portfolios] + [p["cost"]["mean"] for p in portfolios],
                          currency)
    objective = str(data.get("objective") or "npv")
    what, in_points = OBJECTIVE_WORDS.get(objective, OBJECTIVE_WORDS["npv"])

    def money(x: float) -> str:
        return format_money(x, currency, scale)

    def name(i: int) -> str:
        return portfolio_name(data, i)

    def titled(i: int, j: int | None = None) -> tuple[str, str]:
        """The portfolios ``i`` (and ``j``) as a title names them: in full, unless the title would then run past
        two lines of a slide, when a long list of contingencies gives way to its size."""
        full = (name(i), name(j) if j is not None else "")
        if sum(len(t) for t in full) <= TITLE_NAMES_CHARS:
            return full
        return (portfolio_name(data, i, limit=TITLE_NAMES_CHARS // 2),
                portfolio_name(data, j, limit=TITLE_NAMES_CHARS // 2) if j is not None else "")

    def facts(i: int) -> str:
        p = portfolios[i]
        return (f"expected cost {money(p['cost']['mean'])}, mean NPV {money(p['npv']['mean'])}, survival "
                f"{format_share(p['survival']['estimate'])} ({share_interval(*p['survival']['ci95'])})")

    best = data["best"]
    versus = data.get("versus_runner_up") or {}
    rows: list[tuple[str, str]] = []
    missing: list[str] = []
    top = best.get(objective, best["npv"])
    v = versus.get(objective) if objective in best else versus.get("npv")
    margin = Evidence.of(v[objective if objective in best else "npv"], data.get("runs")) if v else None
    if v is None:
        headline = f"Recommended portfolio: {titled(top)[0]}"
        rows.append(("Fund", f"{capitalized(name(top))}, the only portfolio: {facts(top)}."))
    elif margin.gain:
        headline = f"Recommended portfolio: {titled(top)[0]}"
        rows.append(("Fund", f"{capitalized(name(top))} has the highest {what}: {facts(top)}."))
        rows.append(("Margin", f"It beats the runner-up, {name(v['runner_up'])}, by "
                               f"{_margin(v[objective], currency, in_points)} on the same simulated futures "
                               f"(verdict: better), and does better in {format_share(v['p_better'])} of them."))
    else:
        other = name(v["runner_up"])
        first, second = titled(top, v["runner_up"])
        apart = one_apart(data, top, v["runner_up"])
        if apart is not None:  # two line-ups one candidate apart: name the larger once, and the one that differs
            larger, extra = portfolio_name(data, apart[0], limit=TITLE_NAMES_CHARS), apart[1]
        sized = (first, second) != (name(top), name(v["runner_up"])) and not any(
            entry.get("index") in (top, v["runner_up"]) for entry in (data.get("plans") or {}).values())
        counts = [portfolio_count(data, i) for i in (top, v["runner_up"])]
        two = (f"two portfolios of {counts[0]} each" if counts[0] == counts[1] else
               f"two portfolios, one of {counts[0]} and one of {counts[1]}")  # two long unnamed line-ups
        comma = "," if " and " in first + second else ""
        if margin.tied:
            headline = (f"{capitalized(larger)} does about as well on {what} with or without {extra}"
                        if apart is not None else f"{capitalized(two)} about break even on {what}" if sized
                        else f"{capitalized(first)}{comma} and {second}{comma} about break even on {what}")
            judged = "about break even (verdict: tied, smaller than the materiality)"
        else:
            headline = (f"No clear winner on {what}: {larger}, with or without {extra}" if apart is not None else
                        f"No clear winner on {what} between {two}" if sized else
                        f"No clear winner on {what}: {first}{comma} or {second}")
            judged = f"within the noise (verdict: unclear; {margin.settle()})"
        rows.append(("Fund", f"{capitalized(name(top))} has the highest estimated {what} ({facts(top)}), "
                             f"but not clearly: choose between it and {other} on survival and cost."))
        rows.append(("Margin", f"Its lead over {other}, {_margin(v[objective], currency, in_points)}, is {judged}."))
    tail = _tail(data, top, currency)
    if tail:
        rows.append(("Tail", tail))
    else:
        missing.append("the tail measures (npv.cvar10 and npv.p_loss in optimize.json: rerun optimize)")
    flip, learn, lacking = _sensitivity_rows(sensitivity)
    missing += lacking
    if flip:
        studied = str((sensitivity or {}).get("plan"))
        if ((data.get("plans") or {}).get(studied) or {}).get("index") == top:
            rows.append(("Flips if", flip))
        else:  # the sensitivity study tested another choice: say so, and how to test this one
            named = [p for p, e in (data.get("plans") or {}).items() if e.get("index") == top]
            how = (f"run allysim sensitivity --plan {named[0]} to test the recommendation" if named else
                   "add the recommended portfolio to the scenario's plans and run allysim sensitivity --plan on it "
                   "to test it")
            rows.append(("Assumptions", f"{flip} This tests {plan_phrase(studied)}, not the recommended portfolio: "
                                        f"{how}."))
    if learn:
        rows.append(("Learn first", learn))
    s, vs = best["survival"], versus.get("survival")
    if objective != "survival" and s != top:
        gap = ""
        if vs is not None:
            judged = Evidence.of(vs["survival"], data.get("runs"))
            gap = (f", {format_points(judged.mean)} above {name(vs['runner_up'])}" if judged.gain else
                   f"; its lead over {name(vs['runner_up'])} is within the noise")
        rows.append(("Also", f"For the highest survival, fund {name(s)}: {facts(s)}{gap}."))
    if data.get("budget") is not None:
        b = best.get("survival_within_budget")
        budget = money(float(data["budget"]))
        if b is None:
            cheapest = min(range(len(portfolios)), key=lambda i: portfolios[i]["cost"]["mean"])
            rows.append(("Also", f"No portfolio costs less than the budget of {budget}: the cheapest, "
                                 f"{name(cheapest)}, costs {money(portfolios[cheapest]['cost']['mean'])}."))
        else:
            rows.append(("Also", f"Within the budget of {budget}, the safest portfolio is {name(b)}: {facts(b)}."))
    dominated = []
    for plan, entry in (data.get("plans") or {}).items():
        j = entry.get("dominated_by")
        if j is None:
            continue
        d = entry["dominance"]
        clear = d["clear_npv"] or d["clear_survival"]
        saves = -d["cost"]["mean"]
        cheaper = f"costs {money(saves)} less" if saves > 1e-9 * max(1.0, scale.factor) else "costs the same"
        dominated.append(f"{plan_phrase(plan)} is dominated by {name(j)}, which {cheaper} and adds "
                         f"{money(d['npv']['mean'])} of NPV and {format_points(d['survival']['mean'])} of survival"
                         + ("" if clear else " (on estimates within the noise)"))
    if dominated:
        rows.append(("Also", capitalized("; ".join(dominated)) + "."))
    elif data.get("plans"):
        rows.append(("Also", "None of the scenario's named plans is dominated: for each, no portfolio costs no "
                             "more and does at least as well on both NPV and survival."))
    if data.get("method") != "exact":
        rows.append(("Also", f"Heuristic search: {len(portfolios):,} of the "
                             f"{2 ** len(data.get('candidates') or {}):,} possible portfolios were simulated, so a "
                             "better one may exist."))
    return Recommendation(headline, tuple(text for _, text in rows), tuple(rows), tuple(missing))


def _tail(data: Mapping[str, Any], top: int, currency: str) -> str:
    """The tail the recommended portfolio protects against, beside the portfolio without contingencies."""
    portfolios = data["portfolios"]
    chosen = portfolios[top]["npv"]
    empty = next((i for i, p in enumerate(portfolios) if not p["contingencies"]), None)
    if not isinstance(chosen.get("cvar10"), Mapping) or not isinstance(chosen.get("p_loss"), Mapping):
        return ""
    tail, loss = chosen["cvar10"]["estimate"], chosen["p_loss"]["estimate"]
    if empty is None or empty == top:
        scale = MoneyScale.of([tail], currency)
        return (f"In the worst 10% of futures its NPV averages {format_money(tail, currency, scale)}; it loses "
                f"money in {format_share(loss)} of futures.")
    bare = portfolios[empty]["npv"]
    scale = MoneyScale.of([tail, bare["cvar10"]["estimate"]], currency)
    return (f"In the worst 10% of futures its NPV averages {format_money(tail, currency, scale)}, against "
            f"{format_money(bare['cvar10']['estimate'], currency, scale)} with no contingency; it loses money in "
            f"{format_share(loss)} of futures, against {format_share(bare['p_loss']['estimate'])}.")


def _sensitivity_rows(study: Mapping[str, Any] | None) -> tuple[str, str, list[str]]:
    """The assumption that would flip the choice and at what value, and what is worth learning first, from
    ``sensitivity.json``; and what was missing to say them."""
    if not study:
        return "", "", ["a sensitivity study (allysim sensitivity): the assumption that would flip the choice and "
                        "what is worth learning first"]
    from .findings import sensitivity_findings

    words = sensitivity_findings(study)
    flip = words["switch"].rstrip(".") + "."
    info = study.get("value_of_information")
    if not isinstance(info, Mapping) or not info.get("inputs"):
        return flip, "", ["the value of information (value_of_information in sensitivity.json: rerun sensitivity)"]
    inputs = info["inputs"]
    first = max(inputs, key=lambda p: float(inputs[p].get("evppi") or 0.0))
    worth = float(inputs[first].get("evppi") or 0.0)
    currency = str(study.get("currency") or "")
    label = str((study.get("inputs") or {}).get(first, {}).get("label") or first)
    scale = MoneyScale.of([worth, float(info.get("evpi") or 0.0)], currency)
    if worth <= 0:
        return flip, ("No single assumption is worth learning before choosing: knowing any of them exactly would "
                      "not change the choice."), []
    return flip, (f"{capitalized(label)}: knowing it before choosing is worth {format_money(worth, currency, scale)} of expected "
                  f"NPV (EVPPI); knowing every uncertain assumption, {format_money(float(info.get('evpi') or 0.0), currency, scale)} "
                  "(EVPI)."), []
