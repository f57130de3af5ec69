"""The words on top of a run's charts: each chart's title (its finding) and subtitle (what is drawn).

Computing apart from drawing: these functions take the numbers a chart shows and the paired differences from the
baseline (:meth:`allysim.folder.OutputData.versus_baseline`) and return a :class:`Headline`; the chart functions
of :mod:`~allysim.plotting.run_charts` draw, and :mod:`~allysim.plotting.render` puts the headline on the slide.

Titles follow the claims rule of :mod:`allysim.wording`: a plan is named as lifting survival or raising NPV only
when the 95% interval of its paired difference from the baseline excludes zero; otherwise the title says the
difference is within the noise and how many runs would settle it. Numbers are rounded by :mod:`allysim.wording`,
as on the deck and in the console.

Examples
--------
>>> from allysim.wording import Evidence
>>> survival({"base": 0.41, "plan": 0.58}, {"plan": Evidence(0.17, 0.15, 0.19, 2000)}, horizon=10).title
'Plan lifts 10-year survival from 41% to 58%'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import findings
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    capitalized,
    format_health,
    format_money,
    format_number,
    format_share,
    format_span,
    median_life,
)
from . import layout
from .partners_chart import MAX_PANELS

__all__ = ["Headline", "survival", "npv", "health", "causes", "partners"]


@dataclass(frozen=True)
class Headline:
    """A chart's title (the finding, in words) and subtitle (what is drawn)."""

    title: str
    subtitle: str = ""


def _winner(values: Mapping[str, float], evidence: Mapping[str, Evidence], shown: Mapping[str, str]) -> tuple[str, bool]:
    """The plan a title names and whether its gain is clear: :func:`allysim.findings.winner`, the one rule."""
    found = findings.winner(values, evidence, shown)
    return found.plan, found.clear


def _judged(difference: Evidence) -> str:
    """``, within the noise (roughly N runs would settle it)`` for a difference whose interval is known; '' when
    it is not (the title then states the two numbers and claims nothing)."""
    return f", {difference.noise()}" if difference.known else ""


def survival(estimates: Mapping[str, float], evidence: Mapping[str, Evidence] | None = None, *, horizon: float,
             time_unit: str = "year", runs: int | None = None,
             median_lives: Mapping[str, float] | None = None) -> Headline:
    """The survival chart's headline: which plan lifts the share of alliances that reach the horizon.

    Parameters
    ----------
    estimates
        Per plan (the baseline first), the share that survives the horizon (``survival.estimate``).
    evidence
        Per plan but the baseline, its paired difference in survival from the baseline.
    horizon, time_unit, runs
        The planned life, and the runs per plan (for the subtitle).
    median_lives
        Per plan, the median lifetime: named instead when almost no alliance survives under any plan.
    """
    plans = list(estimates)
    base = plans[0]
    life = format_span(horizon, time_unit)
    shown = {p: format_share(estimates[p]) for p in plans}
    many = f"{runs:,} simulated alliances" if runs else "simulated alliances"
    subtitle = f"Share of {many} still together over time, with 95% confidence band"
    if len(plans) == 1:
        return Headline(f"Alliance survives its {life} life in {shown[base]} of runs", subtitle)
    if all(shown[p] in ("0%", "<1%") for p in plans) and median_lives:
        # "lifts survival from 0% to <1%" says nothing: how long the alliances last does
        longest = layout.best(median_lives)
        words = {p: median_life(median_lives[p], horizon, time_unit, estimates[p]) for p in plans}
        title = f"Almost no alliance completes its {life} life; the median life is {words[base]} in the baseline"
        if words[longest] != words[base]:
            title += f" and {words[longest]} under {layout.plan_noun(longest)}"
        return Headline(title, subtitle)
    best, clear = _winner(estimates, evidence or {}, shown)
    if best == base:
        return Headline(f"No plan lifts {life} survival above the baseline's {shown[base]} "
                        f"({layout.plan_phrase(base)})", subtitle)
    gain = (evidence or {}).get(best, Evidence(estimates[best] - estimates[base]))
    if clear:
        return Headline(f"{layout.plan_phrase(best)} lifts {life} survival from {shown[base]} to {shown[best]}",
                        subtitle)
    return Headline(f"{layout.plan_phrase(best)} survives its {life} life in {shown[best]} of runs against "
                    f"{shown[base]}{_judged(gain)}", subtitle)


def npv(stats: Mapping[str, Mapping[str, float]], evidence: Mapping[str, Evidence] | None = None, *,
        currency: str | Currency = "") -> Headline:
    """The NPV chart's headline: the expected NPV, and which plan raises it.

    Parameters
    ----------
    stats
        Per plan (the baseline first), ``mean``, ``p10``, ``p50`` and ``p90`` of its NPV.
    evidence
        Per plan but the baseline, its paired difference in NPV from the baseline.
    currency
        The scenario's display currency.
    """
    plans = list(stats)
    base = plans[0]
    subtitle = ("NPV across simulated alliances: P10 and P90 dashed, P50 solid, the mean \u25c6; histograms "
                "(left), S-curves (right)")
    means = {p: float(stats[p]["mean"]) for p in plans}
    if len(plans) == 1:
        m = stats[base]
        scale = MoneyScale.of([m["mean"], m["p10"], m["p90"]], currency)
        return Headline(f"Expected NPV is {format_money(m['mean'], currency, scale)}; 80% of runs fall between "
                        f"{format_money(m['p10'], currency, scale)} and {format_money(m['p90'], currency, scale)}",
                        subtitle)
    scale = MoneyScale.of(list(means.values()), currency)
    shown = {p: scale.number(means[p]) for p in plans}
    best, clear = _winner(means, evidence or {}, shown)

    def money(plan: str) -> str:
        return format_money(means[plan], currency, scale)

    if best == base:
        return Headline(f"No plan raises expected NPV above the baseline's {money(base)} "
                        f"({layout.plan_phrase(base)})", subtitle)
    if clear:
        return Headline(f"{layout.plan_phrase(best)} raises expected NPV from {money(base)} to {money(best)}",
                        subtitle)
    gain = (evidence or {}).get(best, Evidence(means[best] - means[base]))
    return Headline(f"{layout.plan_phrase(best)} has the highest expected NPV, {money(best)} against "
                    f"{money(base)}{_judged(gain)}", subtitle)


def health(resilience: Mapping[str, float] | None, evidence: Mapping[str, Evidence] | None = None, *,
           horizon: float, time_unit: str = "year", dissolve_below: float = 0.0,
           shaded: tuple[str, ...] = ()) -> Headline:
    """The health chart's headline: which plan lifts the average health over the life (resilience).

    Parameters
    ----------
    resilience
        Per plan (the baseline first), the mean time-average health; None: the title describes the chart.
    evidence
        Per plan but the baseline, its paired difference in resilience from the baseline.
    shaded
        Environment states shaded on the chart, named in the subtitle.
    """
    life = format_span(horizon, time_unit)
    plans = list(resilience or {})
    subtitle = ("Health over time (1 = full): the median, middle 50% and middle 90% of runs at each time; the strip "
                "below, the share dissolved by then; " +
                (f"an alliance dissolves when health falls below {format_number(dissolve_below, 6, trim=True)}" if len(plans) <= 1
                 else "beside each plan, its average health over the life"))
    if shaded:
        subtitle += "; shaded: share of runs in " + ", ".join(s.replace("_", " ") for s in shaded)
    if resilience is None:
        return Headline("Alliance health over time", subtitle)
    base = plans[0]
    shown = {p: format_health(resilience[p]) for p in plans}
    if len(plans) == 1:
        return Headline(f"Alliance health averages {shown[base]} over its {life} life", subtitle)
    best, clear = _winner(resilience, evidence or {}, shown)
    if best == base:
        return Headline(f"No plan lifts average health above the baseline's {shown[base]} "
                        f"({layout.plan_phrase(base)})", subtitle)
    if clear:
        return Headline(f"{layout.plan_phrase(best)} lifts average health over the {life} life from "
                        f"{shown[base]} to {shown[best]}", subtitle)
    gain = (evidence or {}).get(best, Evidence(resilience[best] - resilience[base]))
    return Headline(f"{layout.plan_phrase(best)} has the highest average health, {shown[best]} against "
                    f"{shown[base]}{_judged(gain)}", subtitle)


SURVIVED = "survived"


def causes(end_causes: Mapping[str, Mapping[str, float]], evidence: Mapping[str, Evidence] | None = None, *,
           risk_names: Mapping[str, str] | None = None, horizon: float | None = None, time_unit: str = "year",
           runs: int | None = None, environment_note: str = "") -> Headline:
    """The causes chart's headline: the risk that ends the most alliances in the baseline, and the plan that cuts
    it most.

    Parameters
    ----------
    end_causes
        Per plan (the baseline first): ``{risk id: share, ..., "survived": share}``.
    evidence
        Per plan but the baseline, its paired difference from the baseline in the share of runs ended by the
        baseline's main risk: a plan is said to cut it only when the interval lies below zero.
    risk_names
        Display name of each risk id.
    horizon, time_unit, runs, environment_note
        For the subtitle.
    """
    plans = list(end_causes)
    names = dict(risk_names or {})
    base = plans[0]
    risks = [r for r in end_causes[base] if r != SURVIVED]
    top = max(risks, key=lambda r: (end_causes[base][r], -risks.index(r))) if risks else None
    share = float(end_causes[base].get(top, 0.0)) if top else 0.0
    span = f" within the {format_span(horizon, time_unit)} life" if horizon is not None else ""
    many = f"{runs:,} simulated alliances" if runs else "simulated alliances"
    subtitle = f"How {many} ended{span}: dissolved, by the cause that ended it, or survived"
    if environment_note:
        subtitle += f". {environment_note[0].upper()}{environment_note[1:]}"
    if top is None or share <= 0:
        everyone = format_share(float(end_causes[base].get(SURVIVED, 1.0)))
        return Headline(f"No risk ended an alliance: {everyone} survive" if len(plans) == 1 else
                        f"No risk ended an alliance under the baseline ({layout.plan_phrase(base)}): {everyone} "
                        f"survive", subtitle)
    from . import theme

    risk = layout.title_name(names.get(top, theme.plan_label(top)), limit=50)
    if len(plans) == 1:
        return Headline(f"{risk} is the main threat, ending {format_share(share)} of alliances", subtitle)
    shares = {p: float(end_causes[p].get(top, 0.0)) for p in plans}
    evidence = evidence or {}
    lead = f"{risk} ends {format_share(share)} of alliances in the baseline"
    found = findings.lowest(shares, evidence, {p: format_share(shares[p]) for p in plans})
    if found.clear:
        return Headline(f"{lead}; {layout.plan_phrase(found.plan)} cuts that to {format_share(shares[found.plan])}",
                        subtitle)
    if found.plan == base:
        return Headline(f"{lead}, and no plan reduces that", subtitle)
    lowest = found.plan
    gain = evidence.get(lowest, Evidence(shares[lowest] - share))
    return Headline(f"{lead}; under {layout.plan_noun(lowest)} {format_share(shares[lowest])}"
                    f"{_judged(gain)}", subtitle)


def partners(exit_shares: Mapping[str, Mapping[str, float]], at_end: Mapping[str, Mapping[str, float]], *,
             partner_names: Mapping[str, str] | None = None, horizon: float, time_unit: str = "year",
             runs: int | None = None) -> Headline:
    """The partners chart's headline: the partner most likely to leave under the baseline, and how often every
    partner of the line-up is still in at the end.

    Parameters
    ----------
    exit_shares
        Per plan (the baseline first): ``{partner id: share of runs in which it left by the horizon}`` for the
        partners of its line-up.
    at_end
        Per plan: ``{K: share of runs ending with K partners in}`` (summary.json ``partners_at_end.distribution``).
    """
    plans = list(exit_shares)
    base = plans[0]
    names = dict(partner_names or {})
    span = format_span(horizon, time_unit)
    many = f"{runs:,} simulated alliances" if runs else "simulated alliances"
    if len({q for shares in exit_shares.values() for q in shares}) > MAX_PANELS:  # ranked rows, not panels
        subtitle = (f"Left: share of {many} in which each partner is gone by the end of the {span} life, a dot per "
                    f"plan, the most likely to leave on top; right: how many partners are in at the end")
    else:
        subtitle = (f"Left: share of {many} in which each partner is still in, over the {span} life (gone from its "
                    f"first exit); right: how many partners are in at the end")
    shares = exit_shares[base]
    if not shares or max(shares.values()) <= 0:
        return Headline(f"No partner left in any run within the {span} life", subtitle)
    top = max(shares, key=lambda q: (shares[q], -list(shares).index(q)))
    name = layout.title_name(names.get(top, top), limit=50)
    title = f"{capitalized(name)} is the partner most likely to leave: gone in {format_share(shares[top])} of runs within " \
            f"the {span} life"
    ends = at_end.get(base) or {}
    if ends:
        full = max(ends, key=int)
        every = "both partners are" if int(full) == 2 else f"all {full} partners are" if int(full) > 2 else \
            "the partner is"
        title += f"; {every} still in at the end in {format_share(float(ends[full]))} of runs"
    if len(plans) > 1:
        subtitle += f" (under the baseline, {layout.plan_phrase(base)}, in the title)"
    return Headline(title, subtitle)
