"""The charts of ``allysim sensitivity``: ``sensitivity`` (a tornado of swings) and ``switch`` (the difference
between the plan and ``--against`` across each input that can flip the choice).

Both draw a computed ``sensitivity.json`` and nothing else: ``tornado_axes`` and ``switch_axes`` draw on given axes
(so a deck can place them without a frame), ``sensitivity`` and ``switch`` return a framed 16:9 figure whose title
states the finding in words, within the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["sensitivity", "switch", "tornado_axes", "switch_axes", "sensitivity_findings", "SHOWN"]

SHOWN = 10  # inputs on the tornado
LOW, HIGH = "#0072B2", "#D55E00"  # input at its P10, at its P90


def _num(x: float) -> str:
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}B"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e3:
        return f"{x / 1e3:.3g}k"
    return f"{x:.3g}"


def _ranked(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(data["inputs"].items(), key=lambda kv: kv[1].get("rank", 0))


def _excludes_zero(ci: Sequence[Any] | None) -> bool:
    return bool(ci) and ci[0] is not None and ci[1] is not None and (ci[0] > 0 or ci[1] < 0)


def sensitivity_findings(data: Mapping[str, Any]) -> dict[str, Any]:
    """Findings in words, shared by the charts and the deck: which inputs matter, which flip the choice."""
    ranked = _ranked(data)
    plan, against = data["plan"], data.get("against")
    currency = data.get("currency", "")
    moving = [(p, e) for p, e in ranked if _excludes_zero(e["npv"]["swing"]["ci95"])]
    flips = [(p, e) for p, e in ranked if e.get("switch")]
    out: dict[str, Any] = {"moving": [p for p, _ in moving], "flips": [p for p, _ in flips]}
    if moving:
        path, e = moving[0]
        out["headline"] = (f"{e['label']} moves {plan}'s NPV most: {_num(e['npv']['at_p10'])} at its P10, "
                           f"{_num(e['npv']['at_p90'])} at its P90 ({currency})")
    else:
        out["headline"] = f"No uncertain input moves {plan}'s NPV beyond the noise of these runs"
    if against is None:
        out["switch"] = "There is no other plan to compare with"
    elif flips:
        path, e = flips[0]
        sw = e["switch"]
        lo, hi = sw["ci95"]
        between = (f"95% interval {_num(lo) if lo is not None else 'below the range'} to "
                   f"{_num(hi) if hi is not None else 'above the range'}")
        better_above = sw.get("direction") == "plan better above"
        out["switch"] = (f"If {e['label'].lower()} is {'above' if better_above else 'below'} {_num(sw['value'])}, "
                         f"{plan} beats {against}; {'below' if better_above else 'above'} it, {against} does "
                         f"({between})")
    else:
        out["switch"] = f"No input, anywhere in its range, flips the choice between {plan} and {against}"
    return out


# --------------------------------------------------------------------------- tornado


def tornado_axes(data: Mapping[str, Any], ax_npv: Axes, ax_survival: Axes | None = None) -> Axes:
    """Draw the swings: per input (ranked), the plan's mean NPV (and survival) at the input's P10 and P90."""
    ranked = _ranked(data)[:SHOWN]
    centre = data["npv"]["mean"]
    ys = list(range(len(ranked)))[::-1]
    labels = [e["label"] for _, e in ranked]
    for y, (_, e) in zip(ys, ranked):
        lo, hi = e["npv"]["at_p10"], e["npv"]["at_p90"]
        ax_npv.barh(y, lo - centre, left=centre, color=LOW, height=0.6)
        ax_npv.barh(y, hi - centre, left=centre, color=HIGH, height=0.6)
        for value, color in ((lo, LOW), (hi, HIGH)):
            ax_npv.annotate(_num(value), (value, y), xytext=(4 if value >= centre else -4, 0),
                            textcoords="offset points", ha="left" if value >= centre else "right", va="center",
                            size=theme.ANNOTATION_SIZE, color=color)
    ax_npv.axvline(centre, color=theme.INK, linewidth=1.0)
    ax_npv.set_yticks(ys, labels)
    ax_npv.set_xlabel(f"{data['plan']}: mean NPV ({data.get('currency', '')})")
    ax_npv.grid(axis="x")
    ax_npv.grid(axis="y", visible=False)
    if ax_survival is not None:
        base = data["survival"]["estimate"]
        for y, (_, e) in zip(ys, ranked):
            ax_survival.barh(y, e["survival"]["at_p10"] - base, left=base, color=LOW, height=0.6)
            ax_survival.barh(y, e["survival"]["at_p90"] - base, left=base, color=HIGH, height=0.6)
        ax_survival.axvline(base, color=theme.INK, linewidth=1.0)
        shown = [base] + [e["survival"][k] for _, e in ranked for k in ("at_p10", "at_p90")]
        pad = max(0.02, (max(shown) - min(shown)) * 0.12)
        ax_survival.set_xlim(max(0.0, min(shown) - pad), min(1.0, max(shown) + pad))
        ax_survival.set_yticks(ys, [""] * len(ys))
        ax_survival.set_xlabel("survival")
        ax_survival.xaxis.set_major_formatter(_percent())
        ax_survival.grid(axis="x")
        ax_survival.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    ax_npv.legend(handles=[Patch(color=LOW, label="input at its P10"), Patch(color=HIGH, label="input at its P90")],
                  loc="lower right")
    return ax_npv


def _percent() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:.0%}")


def sensitivity(data: Mapping[str, Any], *, provenance: theme.Provenance | None = None) -> Figure:
    """The ``sensitivity`` chart: a tornado of the plan's NPV and survival swings, inputs ranked by NPV swing."""
    from matplotlib.figure import Figure

    words = sensitivity_findings(data)
    with theme.style():
        fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, words["headline"],
                          f"Mean NPV and survival of {data['plan']} with one input pinned at its P10 or P90, the "
                          f"others still uncertain; {data.get('runs', 0):,} paired runs each",
                          provenance or theme.Provenance.from_summary(data))
        labels = [e["label"] for _, e in _ranked(data)[:SHOWN]]
        left_in = min(4.5, 0.3 + max(theme.text_width(t, theme.TICK_SIZE) for t in labels))
        box = theme.plot_box(fig, top, left_in=left_in)
        width = box[2] - box[0]
        ax_npv = fig.add_axes((box[0], box[1], width * 0.62, box[3] - box[1]))
        ax_surv = fig.add_axes((box[0] + width * 0.67, box[1], width * 0.33, box[3] - box[1]))
        tornado_axes(data, ax_npv, ax_surv)
    return fig


# --------------------------------------------------------------------------- switch


def _switch_inputs(data: Mapping[str, Any], most: int = 4) -> list[tuple[str, Mapping[str, Any]]]:
    """Inputs whose difference crosses zero; else those whose difference moves most across their range."""
    ranked = [(p, e) for p, e in _ranked(data) if e.get("difference")]
    flips = [(p, e) for p, e in ranked if e.get("switch")]
    if flips:
        return flips[:most]

    def spread(e: Mapping[str, Any]) -> float:
        means = [d["npv"]["mean"] for d in e["difference"]]
        return max(means) - min(means)

    return sorted(ranked, key=lambda kv: -spread(kv[1]))[:most]


def switch_axes(entry: Mapping[str, Any], ax: Axes, plan: str, against: str, currency: str = "") -> Axes:
    """Draw one input's difference (plan minus against, mean NPV) across its range, the zero line and the switch."""
    points = entry["difference"]
    x = [d["value"] for d in points]
    mean = [d["npv"]["mean"] for d in points]
    lo = [d["npv"]["ci95"][0] if d["npv"]["ci95"][0] is not None else d["npv"]["mean"] for d in points]
    hi = [d["npv"]["ci95"][1] if d["npv"]["ci95"][1] is not None else d["npv"]["mean"] for d in points]
    ax.fill_between(x, lo, hi, color=theme.PLAN_COLORS[1], alpha=0.18, linewidth=0)
    ax.plot(x, mean, color=theme.PLAN_COLORS[1], linewidth=2.2, marker="o", markersize=4)
    ax.axhline(0.0, color=theme.INK, linewidth=1.0)
    sw = entry.get("switch")
    if sw:
        a, b = sw["ci95"]
        ax.axvspan(a if a is not None else min(x), b if b is not None else max(x), color=theme.PLAN_COLORS[2],
                   alpha=0.12, linewidth=0)
        ax.axvline(sw["value"], color=theme.PLAN_COLORS[2], linewidth=1.6, linestyle="--")
        ax.annotate(f"switch at {_num(sw['value'])}", (sw["value"], 0), xytext=(6, 8), textcoords="offset points",
                    color=theme.PLAN_COLORS[2], size=theme.ANNOTATION_SIZE)
    ax.set_title(entry["label"], loc="left", size=theme.ANNOTATION_SIZE + 1)
    ax.set_ylabel(f"{plan} − {against}\nNPV ({currency})" if currency else f"{plan} − {against}: NPV")
    return ax


def switch(data: Mapping[str, Any], *, provenance: theme.Provenance | None = None) -> Figure:
    """The ``switch`` chart: plan minus ``against`` across each input that can flip the decision."""
    from matplotlib.figure import Figure

    words = sensitivity_findings(data)
    shown = _switch_inputs(data)
    with theme.style():
        fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        subtitle = (f"Mean NPV difference {data['plan']} minus {data.get('against')}, with the input pinned across "
                    "its range (P5 to P95), others still uncertain; band: 95% interval; shaded: where the switch "
                    "lies (95%)")
        top = theme.frame(fig, words["switch"], subtitle, provenance or theme.Provenance.from_summary(data))
        box = theme.plot_box(fig, top, left_in=1.4)
        n = max(1, len(shown))
        gap = 0.07
        width = (box[2] - box[0] - gap * (n - 1)) / n
        for k, (_, entry) in enumerate(shown):
            ax = fig.add_axes((box[0] + k * (width + gap), box[1], width, box[3] - box[1] - 0.05))
            switch_axes(entry, ax, data["plan"], str(data.get("against")), str(data.get("currency", "")))
            if k:
                ax.set_ylabel("")
    return fig


CHARTS = {"sensitivity": sensitivity, "switch": switch}
