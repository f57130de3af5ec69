"""Charts of the deciding studies: ``sweep`` (results against one parameter) and ``frontier`` (every portfolio's
cost against its survival and NPV).

Each chart has a panel function that draws precomputed data (``sweep.json``, ``optimize.json``) on given axes and
returns them, a title function that states the finding in words within the evidence (a winner is named only when
the paired 95% interval excludes a tie), and a slide function that frames both in the allysim look.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..wording import Currency, MoneyScale, Provenance, format_money, format_share
from . import theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["sweep", "sweep_panels", "sweep_title", "frontier", "frontier_panels", "frontier_title",
           "portfolio_name"]

ACCENT = "#0072B2"
DOTS = "#B8B8B8"


def _provenance(data: Mapping[str, Any], provenance: Provenance | None) -> Provenance:
    return provenance if provenance is not None else Provenance.from_summary(data)


def _points(difference: float) -> str:
    points = 100 * difference
    if points != 0 and abs(points) < 0.5:
        return "<1 point"
    n = math.floor(abs(points) + 0.5)
    return f"{n} point{'' if n == 1 else 's'}"


def _horizon(data: Mapping[str, Any]) -> str:
    horizon, unit = data.get("horizon"), str(data.get("time_unit") or "year")
    if not isinstance(horizon, (int, float)):
        return "the horizon"
    return f"{horizon:g} {unit}{'' if horizon == 1 else 's'}"


# --------------------------------------------------------------------------- sweep


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        family = next(iter(value), "")
        return f"{family} distribution"
    return str(value)


def _switches(data: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """Where the best plan changes: (index of the first value with the new best, old, new)."""
    best = [b["plan"] for b in data["best"]]
    return [(k, best[k - 1], best[k]) for k in range(1, len(best)) if best[k] != best[k - 1]]


def sweep_title(data: Mapping[str, Any]) -> str:
    """The finding of a sweep in words: which plan is best by expected NPV, and where that changes."""
    label = str(data.get("parameter_label") or data["parameter"])
    values = data["values"]
    best = data["best"]
    span = f"{_value_text(values[0])} to {_value_text(values[-1])}"
    switches = _switches(data)
    if len(data["plans"]) == 1:
        plan = theme.plan_label(next(iter(data["plans"])))
        first = data["plans"][next(iter(data["plans"]))][0]["survival"]["estimate"]
        last = data["plans"][next(iter(data["plans"]))][-1]["survival"]["estimate"]
        return f"{plan}: survival goes from {format_share(first)} to {format_share(last)} as {label} goes {span}"
    if not switches:
        plan = theme.plan_label(best[0]["plan"])
        clear = all(b.get("clear") for b in best)
        tail = "" if clear else ", though within the noise at some values"
        return f"{plan} has the highest expected NPV at every {label} from {span}{tail}"
    k, old, new = switches[0]
    at = f"between {_value_text(values[k - 1])} and {_value_text(values[k])}"
    more = f" ({len(switches)} changes in all)" if len(switches) > 1 else ""
    sure = "" if best[k - 1].get("clear") and best[k].get("clear") else " (close to a tie there)"
    return (f"The best plan by expected NPV changes from {theme.plan_label(old)} to {theme.plan_label(new)} "
            f"as {label} passes {at}{sure}{more}")


def sweep_panels(data: Mapping[str, Any], axes: tuple[Axes, Axes], plan_order: Sequence[str] | None = None
                 ) -> tuple[Axes, Axes]:
    """Draw survival (first axes) and mean NPV (second) against the swept value, one line per plan with its 95%
    band, and a dashed line where the best plan changes."""
    values = list(data["values"])
    xs = [float(v) for v in values] if _numeric(values) else list(range(len(values)))
    order = list(plan_order or data["plans"])
    currency = Currency.parse(str(data.get("currency") or ""))
    scale = MoneyScale.of([e["npv"]["mean"] for p in data["plans"].values() for e in p], currency)
    surv_ax, npv_ax = axes
    for name, entries in data["plans"].items():
        i = order.index(name) if name in order else len(order)
        color = theme.plan_color(i)
        s = [100 * e["survival"]["estimate"] for e in entries]
        s_lo = [100 * e["survival"]["ci95"][0] for e in entries]
        s_hi = [100 * e["survival"]["ci95"][1] for e in entries]
        n = [e["npv"]["mean"] / scale.factor for e in entries]
        n_lo = [(e["npv"]["ci95"][0] if e["npv"]["ci95"][0] is not None else e["npv"]["mean"]) / scale.factor
                for e in entries]
        n_hi = [(e["npv"]["ci95"][1] if e["npv"]["ci95"][1] is not None else e["npv"]["mean"]) / scale.factor
                for e in entries]
        for ax, y, lo, hi in ((surv_ax, s, s_lo, s_hi), (npv_ax, n, n_lo, n_hi)):
            ax.fill_between(xs, lo, hi, color=color, alpha=0.14, linewidth=0)
            ax.plot(xs, y, color=color, linewidth=2.4, marker="o", markersize=4.5, label=theme.plan_label(name))
    for k, _old, new in _switches(data):
        x = (xs[k - 1] + xs[k]) / 2
        for ax in axes:
            ax.axvline(x, color=theme.MUTED, linestyle=(0, (4, 3)), linewidth=1.2)
        npv_ax.annotate(f"{theme.plan_label(new)} best →", (x, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(4, -2), textcoords="offset points", ha="left", va="top",
                        size=theme.ANNOTATION_SIZE, color=theme.TEXT)
    label = str(data.get("parameter_label") or data["parameter"])
    unit = currency.axis(scale)
    surv_ax.set_ylabel(f"Survival to {_horizon(data)} (%)")
    npv_ax.set_ylabel(f"Mean NPV{f' ({unit})' if unit else ''}")
    surv_ax.set_ylim(0, 100)
    for ax in axes:
        ax.set_xlabel(label[:1].upper() + label[1:])
        if not _numeric(values):
            ax.set_xticks(xs, [_value_text(v) for v in values])
        ax.margins(x=0.02)
    npv_ax.legend(loc="best")
    return axes


def _side_by_side(fig: Figure, top: float) -> tuple[Axes, Axes]:
    """Two panels of equal width under the frame's text: survival on the left, NPV on the right."""
    left, bottom, right, top = theme.plot_box(fig, top - 0.2 / theme.HEIGHT_IN, left_in=1.1)
    gap = 1.1 / theme.WIDTH_IN
    width = (right - left - gap) / 2
    return (fig.add_axes((left, bottom, width, top - bottom)),
            fig.add_axes((left + width + gap, bottom, width, top - bottom)))


def sweep(data: Mapping[str, Any], *, plan_order: Sequence[str] | None = None,
          provenance: Provenance | None = None, titled: bool = True) -> Figure:
    """The sweep slide: survival and NPV against the swept value, every plan, with bands."""
    import matplotlib.pyplot as plt

    subtitle = (f"Every plan at each value on the same {int(data.get('runs') or 0):,} simulated lives (common random "
                "numbers), with 95% intervals; dashed: where the best plan by expected NPV changes")
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, sweep_title(data), subtitle, _provenance(data, provenance), titled=titled)
        sweep_panels(data, _side_by_side(fig, top), plan_order)
    return fig


# --------------------------------------------------------------------------- frontier


def portfolio_name(data: Mapping[str, Any], index: int, most: int = 3) -> str:
    """A portfolio in words: a named plan's name, 'No contingency', 'All but X', or its contingencies' names."""
    ids = list(data["portfolios"][index]["contingencies"])
    names = data.get("candidates") or {}
    for plan, entry in (data.get("plans") or {}).items():
        if entry.get("index") == index:
            return f"the {theme.plan_label(plan)} plan"
    if not ids:
        return "No contingency"
    missing = [c for c in names if c not in ids]
    if not missing:
        return "Every contingency"
    if len(missing) < len(ids) and len(missing) <= 2:
        return "All but " + " and ".join(str(names.get(c) or c) for c in missing)
    shown = " + ".join(str(names.get(c) or c) for c in ids[:most])
    return shown if len(ids) <= most else f"{shown} + {len(ids) - most} more"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def frontier_title(data: Mapping[str, Any]) -> str:
    """The recommendation in words, within the evidence."""
    best = data["best"]["npv"]
    name = portfolio_name(data, best)
    currency = str(data.get("currency") or "")
    versus = (data.get("versus_runner_up") or {}).get("npv")
    if not versus:
        return f"{_sentence(name)}: the only portfolio"
    other = portfolio_name(data, versus["runner_up"])
    margin = versus["npv"]["mean"]
    if versus.get("clear_npv"):
        return (f"{_sentence(name)} gives the highest expected NPV, {format_money(margin, currency)} more than the "
                f"next best ({other})")
    return (f"{_sentence(name)} and {other} lead on expected NPV, within the noise of each other: "
            "choose on survival or cost")


def _frontier_line(ax: Axes, xs: Sequence[float], ys: Sequence[float]) -> None:
    """The frontier as a staircase: from each frontier point, flat until the next one raises the objective."""
    sx, sy = [], []
    for k, (x, y) in enumerate(zip(xs, ys)):
        if k:
            sx.append(x)
            sy.append(sy[-1])
        sx.append(x)
        sy.append(y)
    ax.plot(sx, sy, color=ACCENT, linewidth=2.0, zorder=2)


def frontier_panels(data: Mapping[str, Any], axes: tuple[Axes, Axes], plan_order: Sequence[str] | None = None
                    ) -> tuple[Axes, Axes]:
    """Draw every portfolio as a dot, cost against survival (first axes) and against mean NPV (second); the
    frontier of each as a line; the scenario's named plans and the best portfolios labelled."""
    portfolios = data["portfolios"]
    currency = Currency.parse(str(data.get("currency") or ""))
    cost = [p["cost"]["mean"] for p in portfolios]
    scale = MoneyScale.of(cost + [p["npv"]["mean"] for p in portfolios], currency)
    xs = [c / scale.factor for c in cost]
    plans = data.get("plans") or {}
    order = list(plan_order or plans)
    panels = (("survival", [100 * p["survival"]["estimate"] for p in portfolios]),
              ("npv", [p["npv"]["mean"] / scale.factor for p in portfolios]))
    for ax, (objective, ys) in zip(axes, panels):
        ax.scatter(xs, ys, s=22, color=DOTS, zorder=1, linewidths=0)
        line = data["frontier"][objective]
        _frontier_line(ax, [xs[i] for i in line], [ys[i] for i in line])
        ax.scatter([xs[i] for i in line], [ys[i] for i in line], s=34, color=ACCENT, zorder=3, linewidths=0)
        labelled: dict[int, list[str]] = {}
        for name, entry in plans.items():
            i = entry.get("index")
            if i is None:
                continue
            k = order.index(name) if name in order else 0
            ax.scatter([xs[i]], [ys[i]], s=130, facecolors="none", edgecolors=theme.plan_color(k), linewidths=2.2,
                       zorder=4)
            labelled.setdefault(i, []).append(theme.plan_label(name))
        best = data["best"].get(objective)
        within = data["best"].get("survival_within_budget") if objective == "survival" else None
        marks = [(best, "Best NPV" if objective == "npv" else "Best survival")]
        if within is not None and within != best:
            marks.append((within, "Best within budget"))
        for i, words in marks:
            if i is None:
                continue
            ax.scatter([xs[i]], [ys[i]], s=240, marker="*", color="#D55E00", zorder=5, linewidths=0)
            labelled.setdefault(i, []).insert(0, words)
        spread = (max(ys) - min(ys)) or 1.0
        width = (max(xs) - min(xs)) or 1.0
        placed: list[float] = []
        for i, words in sorted(labelled.items(), key=lambda kv: -ys[kv[0]]):
            y = ys[i]
            while any(abs(y - q) < 0.075 * spread for q in placed):
                y -= 0.075 * spread
            placed.append(y)
            right = xs[i] > min(xs) + 0.6 * width
            x = xs[i] - 0.03 * width if right else xs[i] + 0.03 * width
            ax.annotate(" · ".join(words), (xs[i], ys[i]), xytext=(x, y), textcoords="data",
                        ha="right" if right else "left", va="center", size=theme.ANNOTATION_SIZE,
                        color=theme.INK, zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        budget = data.get("budget")
        if objective == "survival" and budget is not None:
            ax.axvline(budget / scale.factor, color=theme.MUTED, linestyle=(0, (4, 3)), linewidth=1.2)
            ax.annotate("budget", (budget / scale.factor, 0.02), xycoords=("data", "axes fraction"),
                        xytext=(4, 0), textcoords="offset points", size=theme.ANNOTATION_SIZE - 1,
                        color=theme.MUTED)
    unit = currency.axis(scale)
    for ax in axes:
        ax.set_xlabel(f"Expected cost of the portfolio{f' ({unit})' if unit else ''}")
        ax.margins(x=0.04, y=0.06)
    axes[0].set_ylabel(f"Survival to {_horizon(data)} (%)")
    axes[1].set_ylabel(f"Mean NPV{f' ({unit})' if unit else ''}")
    return axes


def frontier(data: Mapping[str, Any], *, plan_order: Sequence[str] | None = None,
             provenance: Provenance | None = None, titled: bool = True) -> Figure:
    """The frontier slide: cost against survival and against NPV, every portfolio a dot."""
    import matplotlib.pyplot as plt

    method = "every portfolio" if data.get("method") == "exact" else \
        "the portfolios a greedy heuristic explored (not every one)"
    subtitle = (f"Dots: {method} of {len(data.get('candidates') or {})} contingencies on the same "
                f"{int(data.get('runs') or 0):,} simulated lives; line: the frontier (nothing cheaper does better); "
                "rings: the scenario's plans")
    with theme.style():
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        top = theme.frame(fig, frontier_title(data), subtitle, _provenance(data, provenance), titled=titled)
        frontier_panels(data, _side_by_side(fig, top), plan_order)
    return fig
