"""The contingency value chart: what each contingency of a plan adds to NPV after its own cost, and to survival.

It draws ``value.json`` (``allysim value``, SPEC section 5) on a caller's axes, one per panel, the way
:mod:`allysim.plotting.study_charts` draws the other paired studies; ``contingency_value_title`` states the
finding within the evidence: a contingency pays for itself, or does not, only when the 95% interval of its net
value excludes zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..stats import widened_interval
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    capitalized,
    format_money,
    format_points,
    format_ratio,
    signed_number,
    signed_points,
)
from . import layout, theme
from . import rows as kit
from .layout import Estimate, display_name, fit_subtitle, horizon_words, points_formatter, runs_words
from .panels import Body, given, returned, short_names

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["contingency_value", "contingency_value_body", "contingency_value_panels", "contingency_value_subtitle",
           "contingency_value_title", "VERDICT_WORDS"]


@dataclass(frozen=True)
class _Contingency:
    """One row of the contingency value chart."""

    name: str
    cost: float
    net: Estimate  # what it adds to the plan's NPV after its own cost (its fair share), with the 95% interval
    survival: Estimate  # what it adds to survival, in points
    decided: str | None  # the verdict value.json records beside its net value (allysim.verdicts, when it ran)
    materiality: float = 0.0

    @property
    def ratio(self) -> float | None:
        """Value before cost per unit of cost (None for a free contingency)."""
        return (self.net.mean + self.cost) / self.cost if self.cost > 0 else None

    @property
    def verdict(self) -> str:
        """``pays``, ``loses``, ``tied`` (about break even) or ``even`` (within the noise): the net value's verdict
        (:mod:`allysim.verdicts`) as ``value.json`` records it (:func:`allysim.folder.with_verdicts` judges an
        older file's when the folder is read); a net value without an interval reads as within the noise."""
        return {"better": "pays", "worse": "loses", "tied": "tied"}.get(self.decided or "unclear", "even")

    def evidence(self, runs: Any) -> Evidence:
        """The net value as a sentence may judge it."""
        return Evidence(self.net.mean, self.net.lo, self.net.hi,
                        int(runs) if isinstance(runs, (int, float)) and runs else None, self.materiality, self.decided)


VERDICT_COLORS = {"pays": kit.PAYS_COLOR, "tied": kit.NOISE_COLOR, "even": kit.NOISE_COLOR,
                  "loses": kit.SHORTFALL_COLOR}
VERDICT_INKS = {"pays": theme.INK, "tied": theme.MUTED, "even": theme.MUTED, "loses": kit.SHORTFALL_COLOR}
VERDICT_WORDS = {"pays": "Pays for itself", "tied": "About break even", "even": "Within the noise",
                 "loses": "Does not pay for itself"}


def _widened(mean: float, ci: Sequence[Any] | None, sampling_se: Any, factor: float = 1.0) -> Estimate:
    """Return a fair-share estimate whose 95% interval also holds the sampling error over random orders, if any.

    The interval over runs and the sampling error over random orders are combined in quadrature.
    """
    centre = mean * factor
    if not ci or any(v is None for v in ci):
        return Estimate(centre)
    extra = float(sampling_se) * factor if isinstance(sampling_se, (int, float)) and sampling_se > 0 else 0.0
    lo, hi = widened_interval(centre, (float(ci[0]) * factor, float(ci[1]) * factor), extra)
    return Estimate(centre, lo, hi)


def _contingency_rows(values: Mapping[str, Any]) -> list[_Contingency]:
    """Read ``value.json``'s contingencies, sorted by what each adds to NPV net of its cost (largest first)."""
    rows = [_Contingency(name=display_name(c.get("name"), cid), cost=float(c.get("cost") or 0.0),
                         net=_widened(float(c["shapley_npv"]), c.get("shapley_npv_ci95"),
                                      c.get("shapley_npv_sampling_se")),
                         survival=_widened(float(c["shapley_survival"]), c.get("shapley_survival_ci95"),
                                           c.get("shapley_survival_sampling_se"), factor=100.0),
                         decided=c.get("shapley_verdict"),
                         materiality=float((values.get("materiality") or {}).get("value") or 0.0))
            for cid, c in values["contingencies"].items()]
    order = sorted(range(len(rows)), key=lambda i: (-rows[i].net.mean, i))
    return [rows[i] for i in order]


def contingency_value_panels(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The panels the contingency value chart draws: ``npv`` (unless no money is modelled) and ``survival``
    (unless no contingency changes it)."""
    rows = _contingency_rows(values)
    shown = []
    if any(r.cost for r in rows) or not kit.empty([r.net for r in rows]):
        shown.append("npv")
    if not kit.empty([r.survival for r in rows], 0.05):
        shown.append("survival")
    return tuple(shown) or ("npv",)


def contingency_value_title(values: Mapping[str, Any]) -> str:
    """State which contingency returns the most, and which do not pay for themselves, within the evidence.

    A contingency pays for itself, or does not, only when the 95% interval of its net value excludes zero; when
    the interval holds zero its net value is "within the noise", with roughly how many runs would settle it.
    """
    rows = _contingency_rows(values)
    runs = values.get("runs")
    short = short_names([r.name for r in rows], kit.TITLE_NAME + 10)
    currency = Currency.parse(str(values.get("currency") or ""))
    n = len(rows)
    lives = max(rows, key=lambda r: r.survival.mean)
    lives_words = format_points(lives.survival.mean / 100)
    adds = lives.survival.evidence().gain and lives_words != "0 points"
    if "npv" not in contingency_value_panels(values):  # no money modelled
        if adds:
            return f"{short[lives.name]} adds the most survival, {lives_words}"
        return "No contingency changes survival beyond the noise"
    top = next((r for r in rows if r.verdict == "pays"), rows[0])  # the most net value among those that pay
    name = short[top.name]
    net = top.evidence(runs)
    if top.verdict != "pays":
        if all(r.verdict == "loses" for r in rows):
            lead = "No contingency pays for itself in NPV" if n > 1 else f"{name} does not pay for itself in NPV"
        elif n > 1:
            lead = f"No contingency clearly pays for itself in NPV: the best is {net.noise()}"
        else:
            lead = f"Whether {name} pays for itself in NPV is {net.noise()}"
        if adds:
            joint = " but adds " if n == 1 else f"; {short[lives.name]} adds the most survival, "
            return f"{lead}{joint}{lives_words}" + (" of survival" if n == 1 else "")
        return lead
    if top.ratio is None:
        lead = f"{name} adds {format_money(top.net.mean, currency)} of NPV at no cost"
    else:
        lead = f"{name} returns {format_ratio(top.ratio)} its cost"
    losers = [r for r in rows if r.verdict == "loses"]
    tied = [r for r in rows if r.verdict == "tied" and r is not top]
    even = [r for r in rows if r.verdict == "even" and r is not top]
    if not losers and not even and not tied:
        return lead if n == 1 else f"All {n} contingencies pay for themselves; {lead}"
    if len(losers) + len(even) + len(tied) == 1:  # one to name
        other = (losers or tied or even)[0]
        verdict = ("does not pay for itself" if losers else "about breaks even" if tied
                   else "is within the noise of breaking even")
        return f"{lead}; {short[other.name]} {verdict}"
    parts = []
    for group, one, many in ((losers, "does not pay for itself", "do not pay for themselves"),
                             (tied, "about breaks even", "about break even"),
                             (even, "is within the noise", "are within the noise")):
        if group:
            parts.append(f"{len(group)}{'' if parts else f' of {n}'} {one if len(group) == 1 else many}")
    return f"{lead}; {' and '.join(parts)}"


def _whole_plan_words(total: Mapping[str, Any], currency: Currency, runs: Any) -> str:
    """``the whole plan adds USD 6.9M of NPV and 35 points of survival``, claiming only clear changes."""
    npv, lives = Estimate.of(total["npv"]).evidence(runs), Estimate.of(total["survival"]).evidence(runs)
    scale = MoneyScale.of([npv.mean], currency)
    parts = []
    if npv.clear:
        parts.append(f"{'adds' if npv.gain else 'costs'} {format_money(abs(npv.mean), currency, scale)} of NPV")
    if lives.clear:
        parts.append(f"{'adds' if lives.gain else 'loses'} {format_points(lives.mean)} of survival")
    if not parts:
        return "the whole plan's effect is within the noise"
    if len(parts) == 2 and parts[0].split()[0] == parts[1].split()[0]:
        parts[1] = parts[1].split(" ", 1)[1]  # "adds USD 6.9M of NPV and 35 points of survival"
    return "the whole plan " + " and ".join(parts)


def contingency_value_subtitle(values: Mapping[str, Any]) -> str:
    """What the contingency value chart draws, in words."""
    plan = layout.plan_phrase(str(values.get("plan") or ""))
    currency = Currency.parse(str(values.get("currency") or ""))
    shown = contingency_value_panels(values)
    what = " and ".join(w for k, w in (("npv", "to NPV after its own cost"), ("survival", "to survival"))
                        if k in shown)
    whole, sampled = "", ""
    total = values.get("total") or {}
    if isinstance(total.get("npv"), Mapping) and isinstance(total.get("survival"), Mapping):
        whole = f"; {_whole_plan_words(total, currency, values.get('runs'))}"
    if values.get("method") == "permutation":
        sampled = "; sampled over random orders (in the intervals)"
    return fit_subtitle(f"What each contingency of the {plan} adds {what}: its fair share of the plan's gain "
                        f"over every order of adding them; {runs_words(values)}", sampled, whole)


def contingency_value_body(values: Mapping[str, Any], height_in: float) -> Body:
    """How the contingency value chart's panels share a slide's plot area ``height_in`` tall."""
    rows = _contingency_rows(values)
    shown = contingency_value_panels(values)
    names = kit.names_in([r.name for r in rows], len(rows), height_in - kit.HEADING_IN - kit.LEGEND_IN, 3.0)
    return Body(widths=(0.64, 0.36) if len(shown) == 2 else (1.0,), left_in=names + 0.5, right_in=0.45,
                gap_in=0.7, top_in=kit.HEADING_IN + kit.LEGEND_IN)


def contingency_value(values: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None) -> Any:
    """Draw what each contingency of a plan adds to NPV after its own cost, and to survival.

    One row per contingency, the one adding the most net value on top. The bar is its *fair share* of what the
    whole plan adds over having no contingencies (its Shapley value: averaged over every order in which the
    contingencies could be put in place), less its expected cost; the whisker its 95% interval. Its colour says
    whether it pays for itself: the interval lies above zero, holds zero (within the noise), or lies below. The
    label gives the net value and the return on cost. The survival panel shows the points of survival it adds.

    Parameters
    ----------
    values
        ``value.json``: ``{"plan", "method", "total", "contingencies": {ID: {"name", "cost", "shapley_npv",
        "shapley_survival", "shapley_npv_ci95", ...}}, "currency", ...}``.
    ax
        One axes per panel of :func:`contingency_value_panels`, or one for the first panel; by default a new
        slide-sized figure's.

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).

    Examples
    --------
    >>> ax = contingency_value({"plan": "full", "currency": "USD", "contingencies": {"office": {
    ...     "cost": 2.0, "shapley_npv": 1.5, "shapley_survival": 0.04}}}, plt.gca())   # doctest: +SKIP
    """
    rows = _contingency_rows(values)
    axes, single = given(ax, lambda h: contingency_value_body(values, h))
    shown = contingency_value_panels(values)[: len(axes)]
    currency = Currency.parse(str(values.get("currency") or ""))
    n = len(rows)
    size = kit.label_size(n)
    scale = MoneyScale.of([v for r in rows for v in (r.net.low, r.net.high)], currency)
    numbers = n <= 12  # beyond, the bars are too thin for a number each: the axis carries the scale
    with theme.style():
        for ax_, panel in zip(axes, shown):
            if panel == "npv":
                labels = [_net_label(r, scale) for r in rows] if numbers else None
                kit.bars(ax_, [r.net for r in rows], [VERDICT_COLORS[r.verdict] for r in rows], labels,
                      "What it adds to NPV after its own cost", f"NPV{layout.axis_unit(currency, scale)}",
                      layout.money_formatter(scale), height=kit.bar_height(n), size=size,
                      label_colors=[VERDICT_INKS[r.verdict] for r in rows])
            else:
                clear = [r.survival.evidence().gain for r in rows]
                kit.bars(ax_, [r.survival for r in rows], [kit.PAYS_COLOR if c else kit.NOISE_COLOR for c in clear],
                      [signed_points(r.survival.mean) for r in rows] if numbers else None,
                      f"{capitalized(horizon_words(values))} added", "Percentage points",
                      points_formatter(), height=kit.bar_height(n), size=size,
                      label_colors=[theme.INK if c else theme.MUTED for c in clear])
        kit.row_axes(axes, [r.name for r in rows], 3.0)
        verdicts = [v for v in VERDICT_WORDS if any(r.verdict == v for r in rows)] if "npv" in shown else []
        keys = [kit.patch(VERDICT_COLORS[v], VERDICT_WORDS[v]) for v in verdicts]
        if "npv" not in shown:
            keys = [kit.patch(kit.PAYS_COLOR, "Clearly adds survival"), kit.patch(kit.NOISE_COLOR, "Within the noise")]
        kit.legend(axes[0], [*keys, kit.whisker_key()])
    return returned(axes, single)


def _net_label(row: _Contingency, scale: MoneyScale) -> str:
    """``+1.21 (2.4×)``: the net value and, for a contingency with a cost, its return on that cost."""
    number = signed_number(row.net.mean, scale)
    if row.ratio is None:
        return f"{number} (free)"
    return number if row.ratio < 0 else f"{number} ({format_ratio(row.ratio)})"


