"""The charts of ``allysim sensitivity``: ``sensitivity`` (a tornado of swings), ``switch`` (the difference
between the plan and ``--against`` across each input that can flip the choice) and ``information`` (the value of
learning each input before choosing, ranked).

Both draw a computed ``sensitivity.json`` and nothing else, on a caller's axes, one per panel (the tornado's NPV and
survival; one per input for the switch chart), and return them; ``*_panels`` says which panels there are,
``*_title`` states the finding in words within the evidence (:func:`allysim.findings.sensitivity_findings`, shared
with the deck and the console), and :mod:`allysim.plotting.render` frames them on a 16:9 slide (``*_body`` lays the panels out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..findings import plan_phrase, ranked_inputs, sensitivity_findings
from ..wording import MoneyScale, capitalized, format_amount, format_money, format_share
from . import theme
from .layout import horizon_span
from .panels import Body, given, returned

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SHOWN", "information", "information_body", "information_subtitle", "information_title", "sensitivity", "sensitivity_body", "sensitivity_panels",
           "sensitivity_subtitle", "sensitivity_title", "switch", "switch_axes", "switch_body", "switch_panels",
           "switch_subtitle", "switch_title"]

SHOWN = 10  # inputs on the tornado
LABEL_IN = 3.6  # widest input label on the tornado, in inches (longer ones wrap to two lines, then shorten)
LOW, HIGH = "#0072B2", "#D55E00"  # input at its P10, at its P90


def _plan(name: Any) -> Any:
    """How a sentence names a plan: ``the Full plan`` (None stays None)."""
    return None if name is None else plan_phrase(str(name))


def _money(amount: float, currency: Any) -> str:
    return format_money(amount, str(currency or ""))


# --------------------------------------------------------------------------- tornado


def sensitivity_panels(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The tornado's panels: ``npv`` (unless no input moves it at all) and ``survival`` (likewise)."""
    ranked = ranked_inputs(data)[:SHOWN]
    shown = [k for k in ("npv", "survival")
             if any(e[k]["at_p10"] != e[k]["at_p90"] for _, e in ranked)]
    return tuple(shown) or ("npv",)


def sensitivity_title(data: Mapping[str, Any]) -> str:
    """The tornado's finding: the input that moves NPV most, only when its swing is clear of the noise."""
    return capitalized(sensitivity_findings(data)["headline"])


def sensitivity_subtitle(data: Mapping[str, Any]) -> str:
    """What the tornado draws, in words."""
    what = " and ".join(w for k, w in (("npv", "Mean NPV"), ("survival", "survival")) if k in sensitivity_panels(data))
    return (f"{capitalized(what)} of {_plan(data['plan'])} with one input pinned at its P10 or P90, the others still "
            f"uncertain; {data.get('runs', 0):,} paired runs each")


LABEL_PAD = 9.0  # points between a row's label and the axis line


def _tornado_labels(data: Mapping[str, Any]) -> list[str]:
    return [_label(capitalized(e["label"]), LABEL_IN, theme.TICK_SIZE) for _, e in ranked_inputs(data)[:SHOWN]]


def sensitivity_body(data: Mapping[str, Any], height_in: float) -> Body:
    """How the tornado's panels share a slide's plot area ``height_in`` tall."""
    lines = [line for label in _tornado_labels(data) for line in label.split("\n")]
    left_in = 0.45 + LABEL_PAD / 72 + max((theme.text_width(t, theme.TICK_SIZE) for t in lines), default=1.0)
    shown = sensitivity_panels(data)
    return Body(widths=(0.65, 0.35) if len(shown) == 2 else (1.0,), left_in=left_in, right_in=0.45, gap_in=0.5,
                top_in=0.5)


def sensitivity(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None) -> Any:
    """Draw the swings: per input (ranked by NPV swing), the plan's mean NPV and survival with the input pinned
    at its P10 (blue) and at its P90 (orange), around the plan's mean over all uncertainty (black line).

    Parameters
    ----------
    data
        ``sensitivity.json``.
    ax
        One axes per panel of :func:`sensitivity_panels` (NPV, survival), or one for the first; by default a new
        slide-sized figure's.

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).
    """
    from matplotlib.patches import Patch

    axes, single = given(ax, lambda h: sensitivity_body(data, h))
    shown = sensitivity_panels(data)[: len(axes)]
    ranked = ranked_inputs(data)[:SHOWN]
    ys = list(range(len(ranked)))[::-1]
    labels = _tornado_labels(data)
    # the end labels share one unit and one number of decimals, as every amount shown together does
    ends = MoneyScale.of([e["npv"][q] for _, e in ranked for q in ("at_p10", "at_p90")])
    with theme.style():
        for k, (ax_, panel) in enumerate(zip(axes, shown)):
            centre = data["npv"]["mean"] if panel == "npv" else data["survival"]["estimate"]
            for y, (_, e) in zip(ys, ranked):
                lo, hi = e[panel]["at_p10"], e[panel]["at_p90"]
                ax_.barh(y, lo - centre, left=centre, color=LOW, height=0.6)
                ax_.barh(y, hi - centre, left=centre, color=HIGH, height=0.6)
                if panel == "npv":
                    for value, color in ((lo, LOW), (hi, HIGH)):
                        ax_.annotate(ends.number(value), (value, y), xytext=(4 if value >= centre else -4, 0),
                                     textcoords="offset points", ha="left" if value >= centre else "right",
                                     va="center", size=theme.ANNOTATION_SIZE, color=color)
            ax_.axvline(centre, color=theme.INK, linewidth=1.0)
            if panel == "npv":
                ax_.margins(x=0.24)  # room for the end labels
                ax_.xaxis.set_major_locator(_few_ticks())
                ax_.xaxis.set_major_formatter(_money_ticks())
                ax_.set_xlabel(f"Mean NPV ({data.get('currency', '')})" if data.get("currency") else "Mean NPV")
            else:
                values = [centre] + [e["survival"][q] for _, e in ranked for q in ("at_p10", "at_p90")]
                pad = max(0.02, (max(values) - min(values)) * 0.12)
                ax_.set_xlim(max(0.0, min(values) - pad), min(1.0, max(values) + pad))
                ax_.xaxis.set_major_formatter(_share_ticks())
                ax_.set_xlabel(f"Survival to {horizon_span(data)}")
            ax_.set_yticks(ys, labels if k == 0 else [""] * len(ys))
            # the labels clear of the axis line, and of each other: two lines each in a row's height
            row_pt = ax_.get_position().height * ax_.figure.get_size_inches()[1] * 72 / max(len(ys), 1)
            ax_.tick_params(axis="y", length=0, pad=LABEL_PAD, labelsize=min(theme.TICK_SIZE, row_pt / 2.6))
            ax_.grid(axis="x")
            ax_.grid(axis="y", visible=False)
        axes[0].legend(handles=[Patch(color=LOW, label="Input at its P10 (low)"),
                                Patch(color=HIGH, label="Input at its P90 (high)"),
                                Patch(color=theme.INK, label="Mean over all uncertainty")],
                       loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, borderaxespad=0.3)
    return returned(axes, single)


def _money_ticks() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: _signed(v))


def _few_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])


def _signed(amount: float) -> str:
    """An amount on a chart's label or tick, three significant figures: ``\u22121.5M``."""
    return format_amount(amount, trim=True)


def _share_ticks() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_share(v) if 0 < v < 1 else f"{v:.0%}")


def _label(text: str, width_in: float, size: float, lines: int = 2) -> str:
    return "\n".join(theme.wrap(text, width_in, size, max_lines=lines))


# --------------------------------------------------------------------------- switch


SWITCH_MOST = 6  # inputs the switch chart draws at most (in two rows beyond three)


def _switch_inputs(data: Mapping[str, Any], most: int = SWITCH_MOST) -> list[tuple[str, Mapping[str, Any]]]:
    """Inputs whose difference crosses zero; else those whose difference moves most across their range."""
    ranked = [(p, e) for p, e in ranked_inputs(data) if e.get("difference")]
    flips = [(p, e) for p, e in ranked if e.get("switch")]
    if flips:
        return flips[:most]

    def spread(e: Mapping[str, Any]) -> float:
        means = [d["npv"]["mean"] for d in e["difference"]]
        return max(means) - min(means)

    return sorted(ranked, key=lambda kv: -spread(kv[1]))[:most]


def switch_panels(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The switch chart's panels: the inputs it draws (those that can flip the choice, else those that move the
    difference most), by path."""
    return tuple(path for path, _ in _switch_inputs(data))


def switch_title(data: Mapping[str, Any]) -> str:
    """The switch chart's finding: where the choice flips, or that no input flips it, within the evidence."""
    return capitalized(sensitivity_findings(data)["switch"])


def switch_subtitle(data: Mapping[str, Any]) -> str:
    """What the switch chart draws, in words."""
    words = sensitivity_findings(data)
    return (f"Mean NPV of {_plan(data['plan'])} minus {_plan(data.get('against'))}, with the input pinned across "
            "its range (P5 to P95), others still uncertain; band: 95% interval"
            + ("; shaded: where the switch lies (95%)" if words["flips"] else ""))


def switch_body(data: Mapping[str, Any], height_in: float) -> Body:
    """How the switch chart's panels share a slide's plot area ``height_in`` tall."""
    n = max(1, len(switch_panels(data)))
    rows = 1 if n <= 3 or height_in < 4.0 else 2
    # one difference axis for every panel, its numbers on the left of each row only: narrow gaps, wide panels
    return Body(widths=(1.0,) * n, left_in=1.5, right_in=0.45, gap_in=0.3, top_in=0.75 if rows > 1 else 0.9,
                rows=rows, row_gap_in=0.85)


def switch(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None) -> Any:
    """Draw the plan minus ``against`` (mean NPV) across each input that can flip the decision, one panel each.

    Parameters
    ----------
    data
        ``sensitivity.json`` with an ``against`` plan.
    ax
        One axes per input of :func:`switch_panels`, or one for the first; by default a new slide-sized
        figure's.

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).
    """
    axes, single = given(ax, lambda h: switch_body(data, h))
    shown = _switch_inputs(data)[: len(axes)]
    per_row = -(-len(axes) // 2) if len(axes) > 3 and len({round(a.get_position().y0, 3) for a in axes}) > 1 \
        else len(axes)
    with theme.style():
        for k, (ax_, (path, entry)) in enumerate(zip(axes, shown)):
            switch_axes(entry, ax_, str(data["plan"]), str(data.get("against")), str(data.get("currency", "")),
                        money=".cost" in path)
            if k % per_row:
                ax_.set_ylabel("")
            elif per_row < len(axes):
                ax_.set_ylabel(f"Difference ({data['currency']})" if data.get("currency") else "Difference")
        # one scale for every input, so that the panels compare: the numbers on the first panel of each row
        low = min(a.get_ylim()[0] for a in axes)
        high = max(a.get_ylim()[1] for a in axes)
        for k, ax_ in enumerate(axes):
            ax_.set_ylim(low, high)
            if k % per_row:
                ax_.tick_params(axis="y", labelleft=False)
    return returned(axes, single)


def switch_axes(entry: Mapping[str, Any], ax: Axes, plan: str, against: str, currency: str = "",
                money: bool = False) -> Axes:
    """Draw one input's difference (plan minus against, mean NPV) across its range, the zero line and every switch
    (each with its 95% interval shaded)."""
    points = entry["difference"]
    x = [d["value"] for d in points]
    mean = [d["npv"]["mean"] for d in points]
    lo = [d["npv"]["ci95"][0] if d["npv"]["ci95"][0] is not None else d["npv"]["mean"] for d in points]
    hi = [d["npv"]["ci95"][1] if d["npv"]["ci95"][1] is not None else d["npv"]["mean"] for d in points]
    ax.fill_between(x, lo, hi, color=theme.PLAN_COLORS[1], alpha=0.18, linewidth=0)
    ax.plot(x, mean, color=theme.PLAN_COLORS[1], linewidth=2.2, marker="o", markersize=4)
    ax.axhline(0.0, color=theme.INK, linewidth=1.0)
    switches = entry.get("switches") or ([entry["switch"]] if entry.get("switch") else [])  # older files: one
    for sw in switches:
        a, b = sw["ci95"]
        ax.axvspan(a if a is not None else min(x), b if b is not None else max(x), color=theme.PLAN_COLORS[2],
                   alpha=0.12, linewidth=0)
        ax.axvline(sw["value"], color=theme.PLAN_COLORS[2], linewidth=1.6, linestyle="--")
        ax.annotate(f"switch at {format_amount(sw['value'])}", (sw["value"], 0), xytext=(6, 8),
                    textcoords="offset points",
                    color=theme.PLAN_COLORS[2], size=theme.ANNOTATION_SIZE)
    width_in = ax.get_position().width * ax.figure.get_size_inches()[0]
    # "rate per month of Partner withdraws ...": the risk or contingency above the panel (up to three lines), what
    # is pinned under its axis
    name, what = _input_parts(str(entry["label"]))
    ax.set_title(_label(capitalized(name or what), width_in - 0.15, theme.ANNOTATION_SIZE, lines=3), loc="left",
                 size=theme.ANNOTATION_SIZE)
    ax.yaxis.set_major_formatter(_money_ticks())
    ax.xaxis.set_major_formatter(_money_ticks())
    ax.set_ylabel(f"Difference in mean NPV ({currency})" if currency else "Difference in mean NPV")  # which: subtitle
    pinned = (capitalized(what) if name else "Value") + (f" ({currency})" if money and currency else "")
    label_size = next((s for s in (theme.TICK_SIZE, theme.TICK_SIZE - 1.5, theme.TICK_SIZE - 3)
                       if theme.text_width(pinned, s) <= width_in), theme.TICK_SIZE - 3)
    ax.set_xlabel(_label(pinned, width_in, label_size, lines=1), size=label_size)
    ax.set_xticks(_spaced_ticks(min(x), max(x), width_in))
    ax.set_xlim(min(x) - 0.04 * (max(x) - min(x)), max(x) + 0.04 * (max(x) - min(x)))
    return ax


def _input_parts(label: str) -> tuple[str, str]:
    """An input's label as (what it belongs to, what of it is pinned): ``rate per month of Partner exit`` and the
    older ``Partner exit: rate per month`` both give ``("Partner exit", "rate per month")``; ``("", label)`` when
    neither form fits."""
    name, _, what = label.rpartition(": ")
    if name:
        return name, what
    found = re.match(r"(.+?) of (?=[A-Z0-9])(.+)", label)
    return (found.group(2), found.group(1)) if found else ("", label)


# --------------------------------------------------------------------------- value of information


TOTAL = "#555555"  # the bar of every input together


def _information_rows(data: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(label, value) per bar: every input together (EVPI) first, then each input by EVPPI, largest first."""
    voi = data["value_of_information"]
    inputs = data.get("inputs") or {}
    rows = [("All uncertain inputs together", float(voi["evpi"]))]
    ranked = sorted(voi["inputs"].items(), key=lambda kv: -kv[1]["evppi"])[:SHOWN]
    rows += [(str((inputs.get(p) or {}).get("label") or p), float(v["evppi"])) for p, v in ranked]
    return rows


def information_title(data: Mapping[str, Any]) -> str:
    """The chart's finding in numbers: what knowing the most valuable input, and every input, before choosing
    would be worth."""
    rows = _information_rows(data)
    currency = data.get("currency", "")
    if len(rows) < 2:
        return "No uncertain input to learn about"
    label, value = rows[1]
    return (f"Knowing {label} before choosing is worth {_money(value, currency)} of expected NPV; knowing "
            f"every uncertain input, {_money(rows[0][1], currency)}")


def information_subtitle(data: Mapping[str, Any]) -> str:
    """What the chart draws, in words."""
    plans = data["value_of_information"].get("plans") or []
    return (f"Expected NPV gained by learning an input before choosing among {len(plans)} plans (EVPPI; all together: "
            f"EVPI), from {data.get('runs', 0):,} paired runs by nonparametric regression")


def information_body(data: Mapping[str, Any], height_in: float) -> Body:
    """The chart's one panel, with room on the left for the inputs' names."""
    lines = [line for label, _ in _information_rows(data)
             for line in _label(label, LABEL_IN, theme.TICK_SIZE).split("\n")]
    left_in = 0.45 + LABEL_PAD / 72 + max((theme.text_width(t, theme.TICK_SIZE) for t in lines), default=1.0)
    return Body(widths=(1.0,), left_in=left_in, right_in=0.9, gap_in=0.5, top_in=0.2)


def information(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None) -> Any:
    """Draw the value of information: a bar per input, its EVPPI, the largest on top under the EVPI of every input
    together (grey), each labelled with its amount.

    Parameters
    ----------
    data
        ``sensitivity.json`` with its ``value_of_information``.
    ax
        The axes to draw on; by default a new slide-sized figure's.
    """
    axes, single = given(ax, lambda h: information_body(data, h))
    ax_ = axes[0]
    rows = _information_rows(data)
    ys = list(range(len(rows)))[::-1]
    amounts = MoneyScale.of([v for _, v in rows])  # one unit and one number of decimals for every bar
    with theme.style():
        for y, (k, (_label_text, value)) in zip(ys, enumerate(rows)):
            ax_.barh(y, value, color=TOTAL if k == 0 else LOW, height=0.6)
            ax_.annotate(amounts.number(value), (value, y), xytext=(4, 0), textcoords="offset points", ha="left",
                         va="center", size=theme.ANNOTATION_SIZE, color=TOTAL if k == 0 else LOW)
        ax_.set_yticks(ys, [_label(label, LABEL_IN, theme.TICK_SIZE) for label, _ in rows])
        ax_.tick_params(axis="y", length=0, pad=LABEL_PAD)
        ax_.set_xlim(0.0, max([v for _, v in rows] + [1e-12]) * 1.18)
        ax_.xaxis.set_major_locator(_few_ticks())
        ax_.xaxis.set_major_formatter(_money_ticks())
        currency = data.get("currency", "")
        ax_.set_xlabel(f"Expected NPV gained by knowing it first ({currency})" if currency else
                       "Expected NPV gained by knowing it first")
        ax_.grid(axis="x")
        ax_.grid(axis="y", visible=False)
    return returned(axes, single)


def _spaced_ticks(low: float, high: float, width_in: float) -> list[float]:
    """As many round ticks within ``low`` to ``high`` as ``width_in`` inches hold with their labels apart."""
    from matplotlib.ticker import MaxNLocator

    if not high > low:
        return [low]

    def apart(ticks: list[float]) -> bool:
        """Whether the labels, centred on their ticks, leave a gap of 0.15 in between neighbours."""
        at = [(t - low) / (high - low) * width_in for t in ticks]
        half = [theme.text_width(_signed(t), theme.TICK_SIZE) / 2 for t in ticks]
        return all(b - a >= ha + hb + 0.15 for a, b, ha, hb in zip(at, at[1:], half, half[1:]))

    coarsest: list[float] = []
    for bins in (6, 5, 4, 3, 2, 1):
        found = [t for t in MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
                 if low - 1e-12 <= t <= high + 1e-12]
        if len(found) >= 2 and apart(found):
            return found
        if len(found) >= 2:
            coarsest = found
    if len(coarsest) >= 2 and apart([coarsest[0], coarsest[-1]]):
        return [coarsest[0], coarsest[-1]]  # the two ends of the round ticks
    return [coarsest[len(coarsest) // 2]] if coarsest else [low]
