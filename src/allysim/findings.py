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
  "(none)").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .wording import Evidence, plan_label

__all__ = ["plan_phrase", "plan_subject", "Winner", "winner", "lowest", "leaders", "verdict_words", "VERDICT_WORDS", "portfolio_words",
           "dominated_words"]


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
    text = plan_phrase(name, label=label)
    return text[:1].upper() + text[1:]


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


def portfolio_words(contingencies: Sequence[str]) -> str:
    """A portfolio by its contingencies' ids: ``a + b``, or ``no contingency`` for the empty one."""
    return " + ".join(contingencies) or "no contingency"


def dominated_words(plan: str, by: str, clear: bool) -> str:
    """``The Base plan is dominated by a + b: ...`` (never "Plan plan 1", never "dominated by (none)")."""
    return (f"{plan_subject(plan)} is dominated by {by}: no more cost, at least as much NPV and survival"
            + ("" if clear else " (on estimates within the noise)"))
