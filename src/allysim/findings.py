"""Findings: which plan a sentence names, how it names it, and what it may claim, decided once for every surface.

The console, the charts' titles, the deck and the brief all ask this module (and :mod:`allysim.wording` for the
numbers), so they name the same winner with the same rounding:

- :func:`plan_phrase`: ``the Full plan``, ``Full plan`` in a title; a plan named ``base_plan`` or ``Plan 1`` is never
  "the Base plan plan" or "Plan plan 1".
- :func:`winner`: the one rule for "which plan does best" against the baseline (the first plan): among the plans
  whose gain is clear (verdict ``better``) and shows once rounded, the one with the largest value; without one, the
  plan with the largest value when it shows above the baseline once rounded, else the baseline.
- :func:`verdict_words`: the words of a verdict (:mod:`allysim.verdicts`) for each kind of effect, as the console's
  tables, the charts and the deck print them.
- :func:`portfolio_words`: a portfolio by its contingencies, ``no contingency`` for the empty one (never
  "(none)"); :func:`portfolio_name`: a portfolio of ``optimize.json`` as the recommendation names it.
- :func:`cause_names`: what ended an alliance, named once: a risk by its name, a partner's exit as
  ``Northwind's exit`` (never the partner's bare name, as if the partner were a risk).
- :func:`lineup_count`, :func:`lineup_every`, :func:`lineup_members`, :func:`portfolio_size`: a line-up of
  ``optimize.json`` holds contingencies and candidate partners, each kind named and counted apart: ``7 contingencies
  and 1 candidate partner``, ``every contingency and candidate partner``, ``6 of the 7 contingencies and the
  candidate partner``; :func:`one_apart`: two portfolios that differ by one candidate, for a title;
  :func:`valued_noun`, :func:`valued_name`: the same for the entries of ``value.json``.
- :func:`sensitivity_findings`: what a sensitivity study found (which inputs move the result, which flip the
  choice), in the words the sensitivity charts' titles, the console, the deck and the recommendation share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .wording import (
    Evidence,
    MoneyScale,
    capitalized,
    format_amount,
    format_money,
    format_points,
    format_share,
    plan_label,
)

__all__ = ["cause_names", "exit_words", "partner_words", "lineup_count", "lineup_every", "lineup_members", "portfolio_size", "portfolio_count", "one_apart", "valued_noun", "valued_name", "candidate_partners", "plan_phrase", "plan_subject", "Winner", "winner", "lowest", "leaders", "verdict_words", "VERDICT_WORDS", "portfolio_words",
           "dominated_words", "portfolio_name",
           "ranked_inputs", "sensitivity_findings", "most_likely_leaver", "partner_finding"]


def plan_phrase(name: str, *, label: str | None = None, article: bool = True) -> str:
    """How a sentence names a plan: ``governance -> the Governance plan``; ``base_plan -> the Base plan``;
    ``plan_1 -> plan 1``; ``label`` is a shortened display name to use instead of the plan's own.

    Examples
    --------
    >>> plan_phrase("governance"), plan_phrase("base_plan"), plan_phrase("plan_1"), plan_phrase("full", article=False)
    ('the Governance plan', 'the Base plan', 'plan 1', 'Full plan')
    """
    text = label if label is not None else plan_label(name)
    words = text.lower().split()
    if words and words[0] == "plan":  # "Plan 1", "Plan B": the name already says plan
        return ("plan " + text.split(" ", 1)[1] if len(words) > 1 else "the plan") if article else text
    if words and words[-1] == "plan":
        return f"the {text}" if article else text
    return f"the {text} plan" if article else f"{text} plan"


def plan_subject(name: str, *, label: str | None = None) -> str:
    """A plan as the subject of a sentence or title, capitalised: ``The Full plan``, ``Plan 1``."""
    return capitalized(plan_phrase(name, label=label))


@dataclass(frozen=True)
class Winner:
    """The plan a finding names, and whether its gain over the baseline is clear (verdict ``better``)."""

    plan: str
    clear: bool


def winner(values: Mapping[str, float], evidence: Mapping[str, Evidence], shown: Mapping[str, str] | None = None,
           ) -> Winner:
    """The one rule for which plan does best against the baseline (the first of ``values``).

    Among the plans whose difference from the baseline is ``better`` and shows once rounded (``shown``: the
    rounded text of each value), the one with the largest value wins, clearly; without one, the plan with the
    largest value when it shows above the baseline once rounded (not clearly), else the baseline.

    Examples
    --------
    >>> w = winner({"base": 0.41, "a": 0.60, "b": 0.58}, {"a": Evidence(0.19, -0.01, 0.39),
    ...                                                     "b": Evidence(0.17, 0.15, 0.19)})
    >>> w.plan, w.clear
    ('b', True)
    """
    plans = list(values)
    base = plans[0]
    shown = shown or {p: repr(values[p]) for p in plans}
    clear = [p for p in plans[1:] if p in evidence and evidence[p].gain and shown[p] != shown[base]]
    if clear:
        return Winner(_largest({p: values[p] for p in clear}), True)
    best = _largest(values)
    return Winner(best if shown[best] != shown[base] and values[best] > values[base] else base, False)


def lowest(values: Mapping[str, float], evidence: Mapping[str, Evidence], shown: Mapping[str, str] | None = None,
           ) -> Winner:
    """The one rule for which plan cuts a share most against the baseline (the first of ``values``): the rule of
    :func:`winner` with smaller values better (the differences judged ``worse`` are the clear cuts).

    Examples
    --------
    >>> lowest({"base": 0.19, "a": 0.04, "b": 0.10}, {"a": Evidence(-0.15, -0.2, -0.1), "b": Evidence(-0.09, -0.1, -0.08)},
    ...        {"base": "19%", "a": "4%", "b": "10%"}).plan
    'a'
    """
    flipped = {p: -v for p, v in values.items()}
    turned = {p: Evidence(-e.mean, None if e.high is None else -e.high, None if e.low is None else -e.low, e.runs,
                          e.materiality, {"better": "worse", "worse": "better"}.get(e.verdict, e.verdict))
              for p, e in evidence.items()}
    return winner(flipped, turned, shown)


def leaders(effects: Mapping[str, Evidence], most: int) -> list[str]:
    """The one rule for "these cost the most, within the noise of each other": among the effects judged ``better``
    (clearly costing something), the largest, then the next largest for as long as every 95% interval of the group
    shares a point with every other, at most ``most`` (the rows a chart shows).

    Examples
    --------
    >>> leaders({"a": Evidence(10, 8, 12), "b": Evidence(9, 7.5, 10.5), "c": Evidence(6, 5, 7)}, 15)
    ['a', 'b']
    """
    clear = sorted((k for k, e in effects.items() if e.gain), key=lambda k: -effects[k].mean)
    group: list[str] = []
    for k in clear[:most]:
        ends = [effects[x] for x in (*group, k)]
        if group and max(e.low for e in ends) > min(e.high for e in ends):  # type: ignore[type-var]
            break
        group.append(k)
    return group


def _largest(values: Mapping[str, float]) -> str:
    """The plan with the largest value (the earliest on ties)."""
    names = list(values)
    best = names[0]
    for name in names[1:]:
        if values[name] > values[best]:
            best = name
    return best


# the words of each verdict, by the kind of effect: better, worse, tied, unclear
VERDICT_WORDS: dict[str, tuple[str, str, str, str]] = {
    "plan": ("better NPV", "worse NPV", "about break even", "within the noise"),
    "contingency": ("pays for itself", "does not pay", "about break even", "within the noise"),
    "risk": ("costs NPV", "adds NPV", "costs about nothing", "within the noise"),
    "portfolio": ("clearly ahead", "clearly behind", "about the same", "within the noise"),
}


def verdict_words(evidence: Evidence, kind: str = "plan") -> str:
    """A verdict in a table's words: ``pays for itself``, ``about break even``, ``within the noise``.

    Examples
    --------
    >>> verdict_words(Evidence(0.3, 0.05, 0.55, materiality=1.0), "contingency")
    'about break even'
    """
    better, worse, tied, unclear = VERDICT_WORDS[kind]
    return {"better": better, "worse": worse, "tied": tied}.get(evidence.verdict, unclear)


def portfolio_words(contingencies: Sequence[str], partners: Mapping[str, str] | None = None) -> str:
    """A portfolio by its contingencies' ids and its candidate partners' names (``partners``: id -> name):
    ``a + b + Fabrikam``, or ``no contingency`` for the empty one."""
    names = partners or {}
    return " + ".join(str(names.get(c) or c) for c in contingencies) or "no contingency"


# --------------------------------------------------------------------------- end causes and line-ups


def partner_words(name: str) -> str:
    """A partner's name as the scenario gives it, without a trailing remark in brackets: ``Northwind (parent) ->
    Northwind``, for a table or a sentence that names it among others."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", name).strip() or name.strip()


def exit_words(name: str) -> str:
    """A partner's exit as an end cause, from its name as the scenario gives it (a trailing remark in brackets
    left out): ``Northwind (parent) -> Northwind's exit``, ``Siemens -> Siemens' exit``.

    Examples
    --------
    >>> exit_words("Northwind (parent)"), exit_words("Acme Partners")
    ("Northwind's exit", "Acme Partners' exit")
    """
    base = partner_words(name)
    return base + ("' exit" if base.endswith("s") else "'s exit")


def cause_names(data: Mapping[str, Any], *, risk_ids: bool = False) -> dict[str, str]:
    """Every end cause of ``summary.json`` (``data``: its ``risks`` and ``partners``) by the one label every
    surface prints: a risk by its name (by its id with ``risk_ids``, as the console's tables name risks), a partner
    by :func:`exit_words`; a cause missing from both by its id.

    Examples
    --------
    >>> cause_names({"risks": {"feud": {"name": "Leadership feud"}}, "partners": {"nw": {"name": "Northwind"}}})
    {'feud': 'Leadership feud', 'nw': "Northwind's exit"}
    """
    names = {str(r): str(r) if risk_ids else str(v.get("name") or plan_label(r))
             for r, v in (data.get("risks") or {}).items()}
    names.update({str(q): exit_words(str(v.get("name") or plan_label(q)))
                  for q, v in (data.get("partners") or {}).items()})
    return names


def candidate_partners(data: Mapping[str, Any]) -> list[str]:
    """The candidates of ``optimize.json`` that are candidate partners (the rest are contingencies)."""
    names = data.get("candidates") or {}
    return [q for q in data.get("candidate_partners") or [] if q in names]


def lineup_count(data: Mapping[str, Any]) -> str:
    """What the line-ups of ``optimize.json`` are made of: ``8 contingencies``, ``7 contingencies and 1 candidate
    partner``.

    Examples
    --------
    >>> lineup_count({"candidates": {"a": "A", "b": "B", "q": "Q"}, "candidate_partners": ["q"]})
    '2 contingencies and 1 candidate partner'
    """
    partners = candidate_partners(data)
    n = len(data.get("candidates") or {}) - len(partners)
    text = f"{n} contingenc{'y' if n == 1 else 'ies'}"
    if partners:
        text += f" and {len(partners)} candidate partner{'' if len(partners) == 1 else 's'}"
    return text


def valued_noun(items: Mapping[str, Mapping[str, Any]]) -> str:
    """What ``value.json``'s entries (``items``) are, in the singular: ``contingency``, ``candidate partner`` (an
    entry of ``"kind": "partner"``), or ``contingency or candidate partner`` for both.

    Examples
    --------
    >>> valued_noun({"a": {}, "q": {"kind": "partner"}}), valued_noun({"a": {}})
    ('contingency or candidate partner', 'contingency')
    """
    partners = sum(1 for v in items.values() if v.get("kind") == "partner")
    return "contingency" if not partners else "candidate partner" if partners == len(items) else \
        "contingency or candidate partner"


def valued_name(cid: str, item: Mapping[str, Any]) -> str:
    """A ``value.json`` entry by name: a contingency's as given, a candidate partner's by :func:`partner_words`."""
    name = str(item.get("name") or plan_label(cid))
    return partner_words(name) if item.get("kind") == "partner" else name


def lineup_members(data: Mapping[str, Any]) -> str:
    """What the line-ups of ``optimize.json`` hold, in the plural: ``contingencies``, ``contingencies and
    candidate partners`` (``candidate partners`` when every one is a candidate partner)."""
    return {"every contingency": "contingencies", "every candidate partner": "candidate partners"}.get(
        lineup_every(data), "contingencies and candidate partners")


def lineup_every(data: Mapping[str, Any]) -> str:
    """Every candidate of ``optimize.json``: ``every contingency``, or ``every contingency and candidate partner``
    when some are candidate partners (``every candidate partner`` when all are)."""
    partners = candidate_partners(data)
    if not partners:
        return "every contingency"
    return "every candidate partner" if len(partners) == len(data.get("candidates") or {}) else \
        "every contingency and candidate partner"


def portfolio_size(data: Mapping[str, Any], index: int) -> str:
    """A portfolio of ``optimize.json`` by what it holds of each kind, out of what it could hold: ``5 of the 8
    contingencies``, ``6 of the 7 contingencies and the candidate partner``, ``all 3 contingencies and 1 of the 2
    candidate partners`` (a portfolio too long to list in a title).

    Examples
    --------
    >>> data = {"candidates": {"a": "A", "b": "B", "q": "Q"}, "candidate_partners": ["q"],
    ...         "portfolios": [{"contingencies": ["a", "q"]}]}
    >>> portfolio_size(data, 0)
    '1 of the 2 contingencies and the candidate partner'
    """
    ids = set(data["portfolios"][index]["contingencies"])
    partners = candidate_partners(data)
    contingencies = [c for c in data.get("candidates") or {} if c not in partners]

    def counted(held: int, total: int, noun: str, nouns: str) -> str:
        if not total:
            return ""
        if held == total:
            return f"the {noun}" if total == 1 else f"all {total} {nouns}"
        return f"no {noun}" if not held else f"{held} of the {total} {nouns}"

    kept = sum(c in ids for c in contingencies)
    words = [counted(kept, len(contingencies), "contingency", "contingencies")]
    if any(q in ids for q in partners):
        words.append(counted(sum(q in ids for q in partners), len(partners), "candidate partner",
                             "candidate partners"))
    return " and ".join(w for w in words if w) or "no contingency"


def portfolio_count(data: Mapping[str, Any], index: int) -> str:
    """A portfolio of ``optimize.json`` by how many of each kind it holds: ``6 contingencies and 1 candidate
    partner``, ``5 contingencies``, ``no contingency``."""
    ids = list(data["portfolios"][index]["contingencies"])
    partners = set(candidate_partners(data))
    n, q = sum(c not in partners for c in ids), sum(c in partners for c in ids)
    words = [f"{n} contingenc{'y' if n == 1 else 'ies'}" if n else "",
             f"{q} candidate partner{'' if q == 1 else 's'}" if q else ""]
    return " and ".join(w for w in words if w) or "no contingency"


def one_apart(data: Mapping[str, Any], first: int, second: int) -> tuple[int, str] | None:
    """When two portfolios of ``optimize.json``, neither a plan of the scenario, differ by one candidate only: the
    larger of the two and the candidate's name, so a title can say ``every contingency, with or without the
    hotline`` rather than name two long line-ups; None otherwise."""
    named = {entry.get("index") for entry in (data.get("plans") or {}).values()}
    if first in named or second in named:
        return None
    a, b = (set(data["portfolios"][i]["contingencies"]) for i in (first, second))
    if len(a ^ b) != 1:
        return None
    (extra,) = a ^ b
    return (first if extra in a else second), str((data.get("candidates") or {}).get(extra) or extra)


def dominated_words(plan: str, by: str, clear: bool) -> str:
    """``The Base plan is dominated by a + b: ...`` (never "Plan plan 1", never "dominated by (none)")."""
    return (f"{plan_subject(plan)} is dominated by {by}: no more cost, at least as much NPV and survival"
            + ("" if clear else " (on estimates within the noise)"))


def portfolio_name(data: Mapping[str, Any], index: int, most: int = 3, limit: int | None = None) -> str:
    """A portfolio of ``optimize.json`` (``data``) in words, to stand inside a sentence (:func:`capitalized` at its
    start): a named plan's phrase, 'no contingency', 'every contingency but X' ('every contingency and candidate
    partner but X' with candidate partners), or its candidates' names; longer than ``limit`` characters (a title), its size
    instead (:func:`portfolio_size`: '5 of the 8 contingencies', '6 of the 7 contingencies and the candidate
    partner')."""
    text = _portfolio_name(data, index, most)
    named = any(entry.get("index") == index for entry in (data.get("plans") or {}).values())
    if limit is not None and len(text) > limit and not named:
        return portfolio_size(data, index)
    return text


def _portfolio_name(data: Mapping[str, Any], index: int, most: int) -> str:
    ids = list(data["portfolios"][index]["contingencies"])
    names = data.get("candidates") or {}
    for plan, entry in (data.get("plans") or {}).items():
        if entry.get("index") == index:
            return plan_phrase(plan)
    if not ids:
        return "no contingency"
    missing = [c for c in names if c not in ids]
    every = lineup_every(data)
    if not missing:
        return every
    if len(missing) < len(ids) and len(missing) <= 2:
        return f"{every} but " + " and ".join(str(names.get(c) or c) for c in missing)
    shown = " + ".join(str(names.get(c) or c) for c in ids[:most])
    return shown if len(ids) <= most else f"{shown} + {len(ids) - most} more"


# --------------------------------------------------------------------------- partners


def most_likely_leaver(summary: Mapping[str, Any], plan: str | None = None) -> tuple[str, str, float] | None:
    """The partner of ``plan``'s line-up (the baseline, the first plan, by default) most likely to leave: its id,
    name and exit probability; None without partners or when none ever left (the first in file order on ties)."""
    plans = summary.get("plans") or {}
    if not plans:
        return None
    stats = plans.get(plan if plan is not None else next(iter(plans))) or {}
    shares = {q: float(v["exit"]["estimate"]) for q, v in (stats.get("partners") or {}).items()}
    if not shares or max(shares.values()) <= 0:
        return None
    top = max(shares, key=lambda q: (shares[q], -list(shares).index(q)))
    return top, str(((summary.get("partners") or {}).get(top) or {}).get("name", top)), shares[top]


def partner_finding(summary: Mapping[str, Any], drivers: Mapping[str, Any] | None = None) -> str | None:
    """Who is most likely to leave under the baseline and, from ``drivers.json``, what its possible exit costs,
    within the evidence: an amount only when its 95% interval excludes zero and it exceeds the materiality, else
    that the cost is within the noise (or about nothing); None without partners or when none ever leaves.

    Examples
    --------
    >>> s = {"plans": {"base": {"partners": {"a": {"exit": {"estimate": 0.2}}}}}, "partners": {"a": {"name": "Acme"}}}
    >>> partner_finding(s)
    'Acme is the partner most likely to leave: it leaves in 20% of runs under the Base plan.'
    """
    top = most_likely_leaver(summary)
    if top is None:
        return None
    pid, name, share = top
    base = plan_phrase(next(iter(summary["plans"])))
    lead = f"{capitalized(name)} is the partner most likely to leave: it leaves in {format_share(share)} of runs under {base}"
    cost = ((drivers or {}).get("partners") or {}).get(pid)
    if not cost:
        return f"{lead}."
    currency = str(summary.get("currency") or drivers.get("currency") or "")  # type: ignore[union-attr]
    npv = Evidence.of(cost["npv"], drivers.get("runs"), materiality=drivers.get("materiality"))  # type: ignore[union-attr]
    if npv.verdict not in ("better", "worse"):
        return f"{lead}; what its possible exit costs in NPV is {npv.noise()}."
    low, high = cost["npv"]["ci95"]
    scale = MoneyScale.of([float(cost["npv"]["mean"]), float(low), float(high)], currency)
    if npv.verdict == "worse":  # the alliance does better without it: an exit adds NPV
        return (f"{lead}; its possible exit adds {format_money(-float(cost['npv']['mean']), currency, scale)} of "
                f"NPV (95% CI {format_money(-float(high), currency, scale)} to "
                f"{format_money(-float(low), currency, scale)}).")
    lives = float((cost.get("survival") or {}).get("mean", 0.0))
    points = format_points(lives)
    return (f"{lead}; its possible exit costs {format_money(float(cost['npv']['mean']), currency, scale)} of NPV "
            f"(95% CI {format_money(float(low), currency, scale)} to {format_money(float(high), currency, scale)})"
            + (f" and {points} of survival" if points != "0 points" and lives > 0 else "") + ".")


# --------------------------------------------------------------------------- a sensitivity study's findings


def ranked_inputs(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """A sensitivity study's inputs, by rank (the largest swing first)."""
    return sorted(data["inputs"].items(), key=lambda kv: kv[1].get("rank", 0))


def _excludes_zero(ci: Sequence[Any] | None) -> bool:
    return bool(ci) and ci[0] is not None and ci[1] is not None and (ci[0] > 0 or ci[1] < 0)


def sensitivity_findings(data: Mapping[str, Any]) -> dict[str, Any]:
    """Findings in words, shared by the charts and the deck: which inputs matter, which flip the choice."""
    ranked = ranked_inputs(data)
    plan, against = _plan(data["plan"]), _plan(data.get("against"))
    currency = data.get("currency", "")
    moving = [(p, e) for p, e in ranked if _excludes_zero(e["npv"]["swing"]["ci95"])]
    flips = [(p, e) for p, e in ranked if e.get("switch")]
    out: dict[str, Any] = {"moving": [p for p, _ in moving], "flips": [p for p, _ in flips]}
    if moving:
        _, e = moving[0]
        out["headline"] = (f"{capitalized(e['label'])} moves {plan}'s NPV most: {_money(e['npv']['at_p10'], currency)} at its "
                           f"P10, {_money(e['npv']['at_p90'], currency)} at its P90")
    else:
        out["headline"] = f"No uncertain input moves {plan}'s NPV beyond the noise of these runs"
    if against is None:
        out["switch"] = "There is no other plan to compare with"
    elif flips:
        _, e = flips[0]
        sw = e["switch"]
        lo, hi = sw["ci95"]
        if lo is None and hi is None:
            out["switch"] = (f"The choice between {plan} and {against} may flip with {e['label']}, but these "
                             "runs cannot tell where: run more")
            out["bullets"] = _bullets(data, moving, flips, out["switch"])
            return out
        if len(_switches(e)) > 1:  # every range in which each plan is better, never only the first crossing
            out["switch"] = capitalized(f"as {e['label']} varies, {_ranges(e, plan, against)}")
            out["bullets"] = _bullets(data, moving, flips, out["switch"])
            return out
        between = (f"95% interval {format_amount(lo) if lo is not None else 'below the range'} to "
                   f"{format_amount(hi) if hi is not None else 'above the range'}")
        better_above = sw.get("direction") == "plan better above"
        out["switch"] = (f"If {e['label']} is {'above' if better_above else 'below'} "
                         f"{format_amount(sw['value'])}, "
                         f"{plan} beats {against}; {'below' if better_above else 'above'} it, {against} does "
                         f"({between})")
    else:
        points = [d for _, e in ranked for d in e.get("difference", [])]
        wins = [Evidence.of(d["npv"]).gain for d in points]  # each point's verdict (materiality included)
        losses = [Evidence.of(d["npv"]).loss for d in points]
        if points and all(wins):
            out["switch"] = capitalized(f"{plan} beats {against} across the whole range of every input: no assumption "
                                     "flips it")
        elif points and all(losses):
            out["switch"] = capitalized(f"{against} beats {plan} across the whole range of every input: no assumption "
                                     "flips it")
        else:
            out["switch"] = (f"No input flips the choice between {plan} and {against} within its range, though at "
                             "some values the difference is within the noise")
    out["bullets"] = _bullets(data, moving, flips, out["switch"])
    return out


def _switches(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every crossing of one input, in order (``switches``; a study written before it had only ``switch``)."""
    return list(entry.get("switches") or ([entry["switch"]] if entry.get("switch") else []))


def _ranges(entry: Mapping[str, Any], plan: str, against: str) -> str:
    """Where each plan is better along one input, from every crossing: ``the Shield plan beats None between 0.09
    and 1.24; None does below 0.09 and above 1.24 (95% intervals of the crossings: 0.086 to 0.095; 1.23 to 1.25)``.

    Consecutive crossings of a continuous difference alternate in direction, so the ranges alternate in winner."""
    switches = _switches(entry)
    at = [format_amount(s["value"]) for s in switches]
    plan_first = switches[0].get("direction") != "plan better above"  # better below the first crossing
    wins: dict[bool, list[str]] = {True: [], False: []}
    for k in range(len(switches) + 1):
        where = (f"below {at[0]}" if k == 0 else f"above {at[-1]}" if k == len(switches)
                 else f"between {at[k - 1]} and {at[k]}")
        wins[plan_first == (k % 2 == 0)].append(where)

    def interval(s: Mapping[str, Any]) -> str:
        lo, hi = (s.get("ci95") or [None, None])[:2]
        return (f"{format_amount(lo) if lo is not None else 'below the range'} to "
                f"{format_amount(hi) if hi is not None else 'above the range'}")

    return (f"{plan} beats {against} {' and '.join(wins[True])}; {against} does {' and '.join(wins[False])} "
            f"(95% intervals of the crossings: {'; '.join(interval(s) for s in switches)})")


def _plan(name: Any) -> Any:
    """How a sentence names a plan: ``the Full plan`` (None stays None)."""
    if name is None:
        return None
    return plan_phrase(str(name))


def _money(amount: float, currency: Any) -> str:
    return format_money(amount, str(currency or ""))


def _pair(low: float, high: float, joint: str = " to ") -> str:
    """Two numbers in one unit and rounding: ``34.9 to 32.0``, ``1.20M to 950k`` never (``1.20M to 0.95M``)."""
    scale = MoneyScale.of([low, high])
    return f"{scale.number(low)}{joint}{scale.number(high)}"


def _bullets(data: Mapping[str, Any], moving: list, flips: list, no_flip: str) -> list[str]:
    """A slide's sentences: what we do not know, what moves the result, what could change the choice."""
    plan, against = _plan(data["plan"]), _plan(data.get("against"))
    currency = data.get("currency", "")
    inputs = data["inputs"]
    out = [(f"{len(inputs)} assumption{'s' if len(inputs) != 1 else ''} given as ranges, not single numbers; each "
            "simulated life draws one value of each (one \"world\"), and every plan lives in the same worlds.")]
    if moving:
        parts = [f"{e['label']} ({_pair(e['npv']['at_p10'], e['npv']['at_p90'])})" for _, e in moving[:3]]
        out.append(f"What moves {plan}'s mean NPV most, input at its P10 to its P90 ({currency}): "
                   + "; ".join(parts) + ".")
    else:
        out.append(f"No range moves {plan}'s mean NPV beyond the noise of these runs.")
    if against is None:
        return out
    if flips:
        for _, e in flips[:2]:
            if len(_switches(e)) > 1:
                out.append(f"The choice depends on {e['label']}: {_ranges(e, plan, against)}; its range "
                           f"runs from {_pair(e['p10'], e['p90'], ' (P10) to ')} (P90).")
                continue
            sw = e["switch"]
            lo, hi = sw["ci95"]
            side = "above" if sw.get("direction") == "plan better above" else "below"
            where = (f"95% interval {format_amount(lo) if lo is not None else 'below the range'} to "
                     f"{format_amount(hi) if hi is not None else 'above the range'}")
            out.append(f"The choice depends on {e['label']}: {plan} beats {against} only {side} "
                       f"{format_amount(sw['value'])} ({where}); its range runs from "
                       f"{_pair(e['p10'], e['p90'], ' (P10) to ')} (P90).")
    else:
        out.append(no_flip + ".")
    versus = data.get("versus", {}).get("npv", {})
    ci = versus.get("ci95") or [None, None]
    if data.get("p_better") is not None and ci[0] is not None:
        judged = Evidence.of(versus, data.get("runs"))
        if judged.tied:
            out.append(f"Over all that uncertainty, {plan} and {against} about break even: their mean NPVs differ by "
                       f"{_money(abs(versus['mean']), currency)}, less than the materiality; {plan} does better in "
                       f"{format_share(data['p_better'])} of the lives.")
        elif judged.clear:
            better = judged.gain
            out.append(f"Over all that uncertainty, {plan if better else against}'s mean NPV is higher by "
                       f"{_money(abs(versus['mean']), currency)} (95% interval "
                       f"{_pair(abs(ci[0 if better else 1]), abs(ci[1 if better else 0]))}); {plan} does better in "
                       f"{format_share(data['p_better'])} of the simulated lives.")
        else:
            out.append(f"Over all that uncertainty, the difference in mean NPV between {plan} and {against} is "
                       f"within the noise; {plan} does better in {format_share(data['p_better'])} of the lives.")
    return out

