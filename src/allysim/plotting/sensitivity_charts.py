"""The charts of ``allysim sensitivity``: ``sensitivity`` (a tornado of swings) and ``switch`` (the difference
between the plan and ``--against`` across each input that can flip the choice).

Both draw a computed ``sensitivity.json`` and nothing else: ``tornado_axes`` and ``switch_axes`` draw on given axes
(so a deck can place them without a frame), ``sensitivity`` and ``switch`` return a framed 16:9 figure whose title
states the finding in words, within the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..wording import format_amount as _num
from ..wording import format_share
from . import theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SHOWN", "sensitivity", "sensitivity_findings", "switch", "switch_axes", "tornado_axes"]

SHOWN = 10  # inputs on the tornado
LABEL_IN = 3.6  # widest input label on the tornado, in inches (longer ones wrap to two lines, then shorten)
LOW, HIGH = "#0072B2", "#D55E00"  # input at its P10, at its P90


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
        _, e = moving[0]
        out["headline"] = (f"{e['label']} moves {plan}'s NPV most: {_num(e['npv']['at_p10'])} at its P10, "
                           f"{_num(e['npv']['at_p90'])} at its P90 ({currency})")
    else:
        out["headline"] = f"No uncertain input moves {plan}'s NPV beyond the noise of these runs"
    if against is None:
        out["switch"] = "There is no other plan to compare with"
    elif flips:
        _, e = flips[0]
        sw = e["switch"]
        lo, hi = sw["ci95"]
        if lo is None and hi is None:
            out["switch"] = (f"The choice between {plan} and {against} may flip with {e['label'].lower()}, but these "
                             "runs cannot tell where: run more")
            out["bullets"] = _bullets(data, moving, flips, out["switch"])
            return out
        between = (f"95% interval {_num(lo) if lo is not None else 'below the range'} to "
                   f"{_num(hi) if hi is not None else 'above the range'}")
        better_above = sw.get("direction") == "plan better above"
        out["switch"] = (f"If {e['label'].lower()} is {'above' if better_above else 'below'} {_num(sw['value'])}, "
                         f"{plan} beats {against}; {'below' if better_above else 'above'} it, {against} does "
                         f"({between})")
    else:
        points = [d for _, e in ranked for d in e.get("difference", [])]
        wins = [d["npv"]["ci95"][0] is not None and d["npv"]["ci95"][0] > 0 for d in points]
        losses = [d["npv"]["ci95"][1] is not None and d["npv"]["ci95"][1] < 0 for d in points]
        if points and all(wins):
            out["switch"] = f"{plan} beats {against} across the whole range of every input: no assumption flips it"
        elif points and all(losses):
            out["switch"] = f"{against} beats {plan} across the whole range of every input: no assumption flips it"
        else:
            out["switch"] = (f"No input flips the choice between {plan} and {against} within its range, though at "
                             "some values the difference is within the noise")
    out["bullets"] = _bullets(data, moving, flips, out["switch"])
    return out


def _bullets(data: Mapping[str, Any], moving: list, flips: list, no_flip: str) -> list[str]:
    """A slide's sentences: what we do not know, what moves the result, what could change the choice."""
    plan, against = data["plan"], data.get("against")
    currency = data.get("currency", "")
    inputs = data["inputs"]
    out = [(f"{len(inputs)} assumption{'s' if len(inputs) != 1 else ''} given as ranges, not single numbers; each "
            "simulated life draws one value of each (one \"world\"), and every plan lives in the same worlds.")]
    if moving:
        parts = [f"{e['label']} ({_num(e['npv']['at_p10'])} to {_num(e['npv']['at_p90'])})" for _, e in moving[:3]]
        out.append(f"What moves {plan}'s mean NPV most, input at its P10 to its P90 ({currency}): "
                   + "; ".join(parts) + ".")
    else:
        out.append(f"No range moves {plan}'s mean NPV beyond the noise of these runs.")
    if against is None:
        return out
    if flips:
        for _, e in flips[:2]:
            sw = e["switch"]
            lo, hi = sw["ci95"]
            side = "above" if sw.get("direction") == "plan better above" else "below"
            where = (f"95% interval {_num(lo) if lo is not None else 'below the range'} to "
                     f"{_num(hi) if hi is not None else 'above the range'}")
            out.append(f"The choice depends on {e['label'].lower()}: {plan} beats {against} only {side} "
                       f"{_num(sw['value'])} ({where}); its range runs from {_num(e['p10'])} (P10) to "
                       f"{_num(e['p90'])} (P90).")
    else:
        out.append(no_flip + ".")
    versus = data.get("versus", {}).get("npv", {})
    ci = versus.get("ci95") or [None, None]
    if data.get("p_better") is not None and ci[0] is not None:
        if _excludes_zero(ci):
            better = ci[0] > 0
            out.append(f"Over all that uncertainty, {plan if better else against}'s mean NPV is higher by "
                       f"{_num(abs(versus['mean']))} {currency} (95% interval {_num(abs(ci[0 if better else 1]))} "
                       f"to {_num(abs(ci[1 if better else 0]))}); {plan} does better in "
                       f"{format_share(data['p_better'])} of the simulated lives.")
        else:
            out.append(f"Over all that uncertainty, the difference in mean NPV between {plan} and {against} is "
                       f"within the noise; {plan} does better in {format_share(data['p_better'])} of the lives.")
    return out


# --------------------------------------------------------------------------- tornado


def tornado_axes(data: Mapping[str, Any], ax_npv: Axes, ax_survival: Axes | None = None) -> Axes:
    """Draw the swings: per input (ranked), the plan's mean NPV (and survival) at the input's P10 and P90."""
    ranked = _ranked(data)[:SHOWN]
    centre = data["npv"]["mean"]
    ys = list(range(len(ranked)))[::-1]
    labels = [_label(e["label"], LABEL_IN, theme.TICK_SIZE) for _, e in ranked]
    for y, (_, e) in zip(ys, ranked):
        lo, hi = e["npv"]["at_p10"], e["npv"]["at_p90"]
        ax_npv.barh(y, lo - centre, left=centre, color=LOW, height=0.6)
        ax_npv.barh(y, hi - centre, left=centre, color=HIGH, height=0.6)
        for value, color in ((lo, LOW), (hi, HIGH)):
            ax_npv.annotate(_num(value), (value, y), xytext=(4 if value >= centre else -4, 0),
                            textcoords="offset points", ha="left" if value >= centre else "right", va="center",
                            size=theme.ANNOTATION_SIZE, color=color)
    ax_npv.axvline(centre, color=theme.INK, linewidth=1.0)
    ax_npv.margins(x=0.16)
    ax_npv.xaxis.set_major_formatter(_money())
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
        ax_survival.xaxis.set_major_formatter(_percent(1 if max(shown) - min(shown) < 0.05 else 0))
        ax_survival.set_yticks(ys, [""] * len(ys))
        ax_survival.set_xlabel("survival")
        ax_survival.grid(axis="x")
        ax_survival.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    ax_npv.legend(handles=[Patch(color=LOW, label="input at its P10"), Patch(color=HIGH, label="input at its P90")],
                  loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.3)
    return ax_npv


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _money() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: _num(v))


def _label(text: str, width_in: float, size: float, lines: int = 2) -> str:
    return "\n".join(theme.wrap(text, width_in, size, max_lines=lines))


def _percent(decimals: int = 0) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:.{decimals}%}")


def sensitivity(data: Mapping[str, Any], *, provenance: theme.Provenance | None = None,
                titled: bool = True) -> Figure:
    """The ``sensitivity`` chart: a tornado of the plan's NPV and survival swings, inputs ranked by NPV swing."""
    from matplotlib.figure import Figure

    words = sensitivity_findings(data)
    with theme.style():
        fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, _capital(words["headline"]),
                          f"Mean NPV and survival of {data['plan']} with one input pinned at its P10 or P90, the "
                          f"others still uncertain; {data.get('runs', 0):,} paired runs each",
                          provenance or theme.Provenance.from_summary(data), titled=titled)
        labels = [line for _, e in _ranked(data)[:SHOWN]
                  for line in _label(e["label"], LABEL_IN, theme.TICK_SIZE).split("\n")]
        left_in = 0.45 + max(theme.text_width(t, theme.TICK_SIZE) for t in labels)
        box = theme.plot_box(fig, top - 0.05, left_in=left_in)
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
    width_in = ax.get_position().width * ax.figure.get_size_inches()[0]
    ax.set_title(_label(entry["label"], width_in, theme.ANNOTATION_SIZE, lines=3), loc="left",
                 size=theme.ANNOTATION_SIZE)
    ax.yaxis.set_major_formatter(_money())
    ax.xaxis.set_major_formatter(_money())
    ax.set_ylabel(f"{plan} − {against}\nNPV ({currency})" if currency else f"{plan} − {against}: NPV")
    return ax


def switch(data: Mapping[str, Any], *, provenance: theme.Provenance | None = None, titled: bool = True) -> Figure:
    """The ``switch`` chart: plan minus ``against`` across each input that can flip the decision."""
    from matplotlib.figure import Figure

    words = sensitivity_findings(data)
    shown = _switch_inputs(data)
    with theme.style():
        fig = Figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        subtitle = (f"Mean NPV difference {data['plan']} minus {data.get('against')}, with the input pinned across "
                    "its range (P5 to P95), others still uncertain; band: 95% interval"
                    + ("; shaded: where the switch lies (95%)" if words["flips"] else ""))
        top = theme.frame(fig, _capital(words["switch"]), subtitle, provenance or theme.Provenance.from_summary(data),
                          titled=titled)
        box = theme.plot_box(fig, top - 0.04, left_in=1.5)
        n = max(1, len(shown))
        gap = 0.06
        width = (box[2] - box[0] - gap * (n - 1)) / n
        for k, (_, entry) in enumerate(shown):
            ax = fig.add_axes((box[0] + k * (width + gap), box[1], width, box[3] - box[1] - 0.05))
            switch_axes(entry, ax, data["plan"], str(data.get("against")), str(data.get("currency", "")))
            if k:
                ax.set_ylabel("")
    return fig


CHARTS = {"sensitivity": sensitivity, "switch": switch}
