"""Charts of the deciding studies: ``sweep`` (results against one parameter) and ``frontier`` (every portfolio's
cost against its survival and NPV).

Each chart is a function that draws precomputed data (``sweep.json``, ``optimize.json``) on a caller's axes, one per
panel (survival, NPV), and returns them; ``*_panels`` says which panels have something to show (no NPV panel when
no money is modelled), ``*_title`` states the finding in words within the evidence (a winner is named only when the
paired 95% interval excludes a tie), ``*_subtitle`` says what is drawn, and :mod:`allysim.plotting.render` frames
them on a 16:9 slide (``*_body`` lays the panels out) when it saves a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..findings import (
    lineup_count,
    lineup_every,
    one_apart,
    plan_phrase,
    plan_subject,
    portfolio_count,
    portfolio_size,
)
from ..wording import (
    Currency,
    Evidence,
    MoneyScale,
    capitalized,
    format_money,
    format_number,
    format_points,
    format_share,
)
from . import layout, theme
from .layout import horizon_span
from .panels import Body, given, returned, row_names, short_names

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["sweep", "sweep_body", "sweep_panels", "sweep_subtitle", "sweep_title", "frontier", "frontier_body",
           "frontier_panels", "frontier_subtitle", "frontier_title"]

ACCENT = "#0072B2"
DOTS = "#B8B8B8"
STAR = "#D55E00"
BANDS_UP_TO = 3  # plans drawn with their 95% bands on the sweep; more would hide each other
LEGEND_COLUMNS = 5
LEGEND_NAME_IN = 2.35  # widest line of a plan's name in a legend
LABELLED_UP_TO = 4  # plans named beside their rings on the frontier; more, or long names, go to a legend
TITLE_NAME = layout.TITLE_NAME_CHARS  # characters of a name quoted in a title, as on every chart


def _money_modelled(amounts: Sequence[float]) -> bool:
    return any(abs(a) > 0 for a in amounts)


def _legend_geometry(names: Sequence[str]) -> tuple[list[str], int, float]:
    """The plans' names as a legend shows them (distinct, wrapped), its columns, and the inches it takes: of the
    layouts from one column to LEGEND_COLUMNS across the slide, the one with the fewest lines of text in all (on a
    tie, the fewer columns, whose names are cut less), so that long names do not take half the chart's height."""
    size = theme.ANNOTATION_SIZE
    plain = [theme.plan_label(n) for n in names]
    across = theme.WIDTH_IN - theme.MARGIN_LEFT - 0.45
    best: tuple[int, int, list[str]] | None = None
    for columns in range(1, min(LEGEND_COLUMNS, max(len(names), 1)) + 1):
        name_in = min(across / columns - 0.8, 2 * LEGEND_NAME_IN)  # a handle and the gap to the next column
        if name_in < LEGEND_NAME_IN * 0.6 and best is not None:
            break
        labels = row_names(plain, name_in, size, 3)
        lines = [label.count("\n") + 1 for label in labels]
        rows = math.ceil(len(names) / columns)  # a legend fills its columns top to bottom
        total = sum(max(lines[r::rows], default=1) for r in range(rows))
        if best is None or total < best[0]:
            best = (total, columns, labels)
    total, columns, labels = best if best is not None else (1, 1, [])
    return labels, columns, total * size * 1.45 / 72 + 0.2


# The frame leaves 0.45 in under the subtitle for panel headings; these panels have none (a legend or the rings'
# names instead), so they take back most of it rather than leave a gap under the title
FRAME_GAP_UNUSED = 0.3


def _plans_legend(ax: Axes, handles: Sequence[Any], columns: int) -> None:
    """A legend of the plans above the panels, from the slide's left margin."""
    box, (fig_in, fig_h) = ax.get_position(), ax.figure.get_size_inches()
    x = min(0.0, (theme.MARGIN_LEFT / fig_in - box.x0) / box.width)
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(x, 1.0 + 0.15 / (box.height * fig_h)),
              ncols=columns, borderaxespad=0, frameon=False, handlelength=1.6, columnspacing=1.5,
              fontsize=theme.ANNOTATION_SIZE)


def _two_panels(shown: Sequence[str], top_in: float) -> Body:
    return Body(widths=(1.0,) * len(shown), left_in=1.1, right_in=0.45, gap_in=1.1, top_in=top_in)


# --------------------------------------------------------------------------- sweep


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value, 4, trim=True)
    if isinstance(value, Mapping):
        family = next(iter(value), "")
        return f"{family} distribution"
    return str(value)


def _switches(data: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """Where the best plan changes: (index of the first value with the new best, old, new)."""
    best = [b["plan"] for b in data["best"]]
    return [(k, best[k - 1], best[k]) for k in range(1, len(best)) if best[k] != best[k - 1]]


def _list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def sweep_panels(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The panels the sweep chart draws: ``survival`` and, when money is modelled, ``npv``."""
    money = [e["npv"]["mean"] for entries in data["plans"].values() for e in entries]
    return ("survival", "npv") if _money_modelled(money) else ("survival",)


def sweep_title(data: Mapping[str, Any]) -> str:
    """The finding of a sweep in words: which plan is best by expected NPV, and where that changes, naming a plan
    best only where its paired 95% margin over the runner-up excludes a tie."""
    label = str(data.get("parameter_label") or data["parameter"])
    values = data["values"]
    best = data["best"]
    span = f"{_value_text(values[0])} to {_value_text(values[-1])}"
    names = short_names([theme.plan_label(p) for p in data["plans"]], TITLE_NAME)

    def name(plan: str) -> str:
        return plan_phrase(plan, label=names[theme.plan_label(plan)])

    if len(data["plans"]) == 1 or "npv" not in sweep_panels(data):
        plan = next(iter(data["plans"]))
        first, last = (data["plans"][plan][k]["survival"]["estimate"] for k in (0, -1))
        return (f"{capitalized(name(plan))}: survival goes from {format_share(first)} to {format_share(last)} as "
                f"{label} goes {span}")
    clear = [bool(b.get("clear")) for b in best]
    switches = _switches(data)
    if not switches:
        plan = capitalized(name(best[0]["plan"]))
        if all(clear):
            return f"{plan} has the highest expected NPV at every {label} from {span}"
        if not any(clear):
            return (f"No plan clearly has the highest expected NPV at any {label} from {span}: {name(best[0]['plan'])}"
                    " leads within the noise")
        noisy = [_value_text(values[k]) for k, c in enumerate(clear) if not c]
        sure = [_value_text(values[k]) for k, c in enumerate(clear) if c]
        if len(noisy) <= len(sure):
            at = _list(noisy) if len(noisy) <= 3 else f"{len(noisy)} of the {len(values)} values"
            return f"{plan} has the highest expected NPV at every {label} from {span}, within the noise at {at}"
        at = _list(sure) if len(sure) <= 3 else f"{len(sure)} of the {len(values)} values"
        return f"{plan} has the highest expected NPV at every {label} from {span}, clear of the noise only at {at}"
    k, old, new = switches[0]
    at = f"between {_value_text(values[k - 1])} and {_value_text(values[k])}"
    more = f" ({len(switches)} changes in all)" if len(switches) > 1 else ""
    if clear[k - 1] and clear[k]:
        return (f"The best plan by expected NPV changes from {name(old)} to {name(new)} as {label} passes {at}"
                f"{more}")
    return (f"Whether {name(old)} or {name(new)} has the highest expected NPV is within the noise as {label} "
            f"passes {at}{more}")


def sweep_subtitle(data: Mapping[str, Any]) -> str:
    """What the sweep chart draws, in words."""
    bands = "with 95% bands" if len(data["plans"]) <= BANDS_UP_TO else "95% intervals in sweep.json"
    runs = f"{int(data.get('runs') or 0):,}"
    dashed = "; dashed: where the plan with the highest expected NPV changes" if _switches(data) and \
        "npv" in sweep_panels(data) else ""
    return f"Every plan at each value on the same {runs} simulated lives (common random numbers); {bands}{dashed}"


def sweep_body(data: Mapping[str, Any], height_in: float) -> Body:
    """How the sweep chart's panels share a slide's plot area ``height_in`` tall."""
    return _two_panels(sweep_panels(data), _legend_geometry(list(data["plans"]))[2] - FRAME_GAP_UNUSED)


def sweep(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None, *,
          plan_order: Sequence[str] | None = None) -> Any:
    """Draw survival and mean NPV against the swept value, one line per plan (with its 95% band for up to three
    plans), a dashed line where the best plan changes, and the plans' legend above.

    Parameters
    ----------
    data
        ``sweep.json``.
    ax
        One axes per panel of :func:`sweep_panels` (survival, NPV), or one for survival; by default a new
        slide-sized figure's.
    plan_order
        The plans in the order that gives their colours (default: the sweep's).

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).
    """
    axes, single = given(ax, lambda h: sweep_body(data, h))
    shown = sweep_panels(data)[: len(axes)]
    values = list(data["values"])
    xs = [float(v) for v in values] if _numeric(values) else list(range(len(values)))
    order = list(plan_order or data["plans"])
    currency = Currency.parse(str(data.get("currency") or ""))
    scale = MoneyScale.of([e["npv"]["mean"] for p in data["plans"].values() for e in p], currency)
    labels, columns, _ = _legend_geometry(list(data["plans"]))
    bands = len(data["plans"]) <= BANDS_UP_TO
    handles = []
    with theme.style():
        for (name, entries), label in zip(data["plans"].items(), labels):
            color = theme.plan_color(order.index(name) if name in order else len(order))
            for ax_, panel in zip(axes, shown):
                y, lo, hi = _sweep_series(entries, panel, scale.factor)
                if bands:
                    ax_.fill_between(xs, lo, hi, color=color, alpha=0.14, linewidth=0)
                line, = ax_.plot(xs, y, color=color, linewidth=2.4, marker="o", markersize=4.5, label=label)
            handles.append(line)
        for k, _old, _new in _switches(data) if "npv" in shown else []:
            x = (xs[k - 1] + xs[k]) / 2
            for ax_ in axes:
                ax_.axvline(x, color=theme.MUTED, linestyle=(0, (4, 3)), linewidth=1.2)
        label = str(data.get("parameter_label") or data["parameter"])
        unit = currency.axis(scale)
        _shared_xlabel(axes, capitalized(label))
        for ax_, panel in zip(axes, shown):
            if not _numeric(values):
                ax_.set_xticks(xs, [_value_text(v) for v in values])
            ax_.margins(x=0.02)
            if panel == "survival":
                ax_.set_ylabel(f"Survival to {horizon_span(data)} (%)")
                ax_.set_ylim(0, 100)
            else:
                ax_.set_ylabel(f"Mean NPV{f' ({unit})' if unit else ''}")
        _plans_legend(axes[0], handles, columns)
    return returned(axes, single)


def _shared_xlabel(axes: Sequence[Axes], label: str) -> None:
    """The swept parameter named once, centred under every panel (each panel sweeps the same one), shortened after a
    word if it is wider than the panels together."""
    fig = axes[0].figure
    first, last = axes[0].get_position(), axes[-1].get_position()
    room_in = (last.x1 - first.x0) * fig.get_size_inches()[0]
    size = theme.LABEL_SIZE
    text = theme.cut_after_words(label, lambda t: theme.text_width(t, size) <= room_in)
    for ax_ in axes[1:]:
        ax_.set_xlabel("")
    axes[0].set_xlabel(text, size=size, ha="center", va="top")
    below_in = (theme.TICK_SIZE * 1.3 + 9) / 72  # under the tick labels, as matplotlib would place it
    axes[0].xaxis.set_label_coords(((first.x0 + last.x1) / 2 - first.x0) / first.width,
                                   -below_in / (first.height * fig.get_size_inches()[1]))


def _sweep_series(entries: Sequence[Mapping[str, Any]], panel: str, factor: float
                  ) -> tuple[list[float], list[float], list[float]]:
    """A plan's values and 95% band along the sweep, in percent (survival) or in the money scale (NPV)."""
    if panel == "survival":
        return ([100 * e["survival"]["estimate"] for e in entries], [100 * e["survival"]["ci95"][0] for e in entries],
                [100 * e["survival"]["ci95"][1] for e in entries])
    mean = [e["npv"]["mean"] / factor for e in entries]
    ci = [e["npv"].get("ci95") or [None, None] for e in entries]
    return (mean, [(c[0] / factor if c[0] is not None else m) for c, m in zip(ci, mean)],
            [(c[1] / factor if c[1] is not None else m) for c, m in zip(ci, mean)])


# --------------------------------------------------------------------------- frontier


def _portfolio_subject(data: Mapping[str, Any], index: int) -> str:
    """A portfolio as the subject of a title: ``The Full plan``, ``Funding every contingency but the rescue
    clause``, ``Funding the escalation protocol and the hotline``, ``Funding 5 of the 10 contingencies``."""
    ids = list(data["portfolios"][index]["contingencies"])
    names = data.get("candidates") or {}
    for plan, entry in (data.get("plans") or {}).items():
        if entry.get("index") == index:
            return plan_subject(plan)
    short = short_names([str(names.get(c) or c) for c in names], TITLE_NAME)

    def named(c: str) -> str:
        return short[str(names.get(c) or c)]

    missing = [c for c in names if c not in ids]
    if not ids:
        return "Funding no contingency"
    if not missing:
        return f"Funding {lineup_every(data)}"
    if len(missing) <= 2 and len(missing) < len(ids):
        return f"Funding {lineup_every(data)} but {_list([named(c) for c in missing])}"
    if len(ids) <= 2:
        return f"Funding {_list([named(c) for c in ids])}"
    return f"Funding {portfolio_size(data, index)}"


def frontier_panels(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The panels the frontier chart draws: ``survival`` and, when money is modelled, ``npv``, then the study's
    objective when it is a tail measure (``cvar10`` or ``p_loss``)."""
    amounts = [p["npv"]["mean"] for p in data["portfolios"]] + [p["cost"]["mean"] for p in data["portfolios"]]
    if not _money_modelled(amounts):
        return ("survival",)
    objective = _objective(data)
    return ("survival", "npv", objective) if objective in ("cvar10", "p_loss") else ("survival", "npv")


def _objective(data: Mapping[str, Any]) -> str:
    """The objective the study's recommendation uses (``npv`` for files written before there was a choice)."""
    return str(data.get("objective") or "npv")


# per objective: what the best is best at, the star's label, and whether its margin is in points (else money)
_OBJECTIVE_WORDS = {"npv": ("the highest expected NPV", "Best NPV", False),
                    "survival": ("the highest survival", "Best survival", True),
                    "cvar10": ("the best mean NPV in the worst 10% of runs", "Best worst 10%", False),
                    "p_loss": ("the fewest runs losing money", "Fewest losses", True)}
# per objective: what two portfolios within the noise of each other lead on
_LEAD_WORDS = {"npv": "expected NPV", "survival": "survival", "cvar10": "mean NPV in the worst 10% of runs",
               "p_loss": "the fewest runs losing money"}


def _y(portfolio: Mapping[str, Any], objective: str, scale: MoneyScale) -> float:
    """A portfolio's value on a panel: survival and the share of losing runs in percent, money in the scale."""
    npv = portfolio["npv"]
    return {"survival": lambda: 100 * portfolio["survival"]["estimate"],
            "npv": lambda: npv["mean"] / scale.factor,
            "cvar10": lambda: npv["cvar10"]["estimate"] / scale.factor,
            "p_loss": lambda: 100 * npv["p_loss"]["estimate"]}[objective]()


MAX_TITLE_CHARS = 160  # about three lines of a slide's title


def frontier_title(data: Mapping[str, Any]) -> str:
    """The recommendation by the study's objective in words, within the evidence: a winner only when its paired
    margin over the runner-up excludes a tie. Portfolios named by long lists of contingencies give way to their
    sizes when the title would not fit a slide in three lines."""
    title = _frontier_title(data, compact=False)
    return title if len(title) <= MAX_TITLE_CHARS else _frontier_title(data, compact=True)


def _frontier_title(data: Mapping[str, Any], compact: bool) -> str:
    key = _objective(data) if "npv" in frontier_panels(data) else "survival"
    what, _star, points = _OBJECTIVE_WORDS[key]
    best = data["best"][key]
    subject = _portfolio_subject(data, best)
    versus = (data.get("versus_runner_up") or {}).get(key)
    if not versus:
        return f"{subject}: the only portfolio"
    other = _portfolio_subject(data, versus["runner_up"])
    other = other[:1].lower() + other[1:]  # "the Full plan", "funding every contingency but ..."
    margin = Evidence.of(versus[key])
    counts = [portfolio_count(data, i) for i in (best, versus["runner_up"])]
    apart = one_apart(data, best, versus["runner_up"])
    choose = f"choose on {'survival or cost' if key != 'survival' else 'NPV or cost'}"
    if apart is not None and not versus.get(f"clear_{key}"):  # one candidate apart: name it, not two line-ups
        larger = _portfolio_subject(data, apart[0])
        if compact and len(larger) > 60:
            larger = f"Funding {portfolio_size(data, apart[0])}"
        return f"{larger}, with or without {apart[1]}, leads on {_LEAD_WORDS[key]} within the noise: {choose}"
    another = "another of the same size" if counts[0] == counts[1] else f"one of {counts[1]}"
    if " of the " in subject and " of the " in other:  # two unnamed sets: their sizes say more than a count twice
        subject, other = f"The starred portfolio ({counts[0]})", another
    elif compact:  # the scenario's plans and short names stay; long lists of contingencies give way to sizes
        if not subject.startswith("The ") and len(subject) > 40:
            subject = f"The starred portfolio ({counts[0]})"
        if not other.startswith("the ") and len(other) > 40:
            other = another if subject.startswith("The starred") else f"a portfolio of {counts[1]}"
    if versus.get(f"clear_{key}"):
        amount = format_points(margin.mean) if points else format_money(margin.mean, str(data.get("currency") or ""))
        named = other.startswith("the ")  # a plan of the scenario: worth naming; another set: see the chart
        return (f"{subject} gives {what}, {amount} {'fewer' if key == 'p_loss' else 'more'} than the next best"
                + (f", {other}" if named else " portfolio"))
    if other.startswith("the ") and " and " in subject:  # "the Full plan and funding every contingency and ..."
        subject, other = capitalized(other), subject[:1].lower() + subject[1:]
    return f"{subject} and {other} lead on {_LEAD_WORDS[key]} within the noise of each other: {choose}"


def frontier_subtitle(data: Mapping[str, Any]) -> str:
    """What the frontier chart draws, in words."""
    method = "every portfolio" if data.get("method") == "exact" else \
        "the portfolios a greedy heuristic explored (not every one)"
    return (f"Dots: {method} of {lineup_count(data)} on the same "
            f"{int(data.get('runs') or 0):,} simulated lives; line: the frontier (nothing cheaper does better); "
            f"rings: the scenario's plans; best by {_OBJECTIVE_LABELS[_objective(data)]}")


_OBJECTIVE_LABELS = {"npv": "mean NPV", "survival": "survival", "cvar10": "the mean NPV of the worst 10% of runs",
                     "p_loss": "the share of runs losing money"}


def _ring_labels(data: Mapping[str, Any]) -> bool:
    """Whether the frontier names the plans beside their rings (few, short names) rather than in a legend."""
    plans = [p for p, e in (data.get("plans") or {}).items() if e.get("index") is not None]
    return len(plans) <= LABELLED_UP_TO and all(len(theme.plan_label(p)) <= 25 for p in plans)


def frontier_body(data: Mapping[str, Any], height_in: float) -> Body:
    """How the frontier chart's panels share a slide's plot area ``height_in`` tall."""
    top = (0.2 if _ring_labels(data) else _legend_geometry(list(data.get("plans") or {}))[2]) - FRAME_GAP_UNUSED
    return _two_panels(frontier_panels(data), top)


def frontier(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None, *,
             plan_order: Sequence[str] | None = None) -> Any:
    """Draw every portfolio as a dot, cost against survival and against mean NPV (and against the study's objective
    when it is ``cvar10`` or ``p_loss``); the frontier of each as a line;
    the scenario's named plans as rings (named beside them, or in a legend above when there are many or long
    names) and the best portfolios as stars.

    Parameters
    ----------
    data
        ``optimize.json``.
    ax
        One axes per panel of :func:`frontier_panels` (survival, NPV, a tail objective), or one for survival; by
        default a new
        slide-sized figure's.
    plan_order
        The plans in the order that gives their colours (default: the study's).

    Returns
    -------
    The axes drawn on, as given (one Axes, or a tuple).
    """
    axes, single = given(ax, lambda h: frontier_body(data, h))
    shown = frontier_panels(data)[: len(axes)]
    portfolios = data["portfolios"]
    currency = Currency.parse(str(data.get("currency") or ""))
    cost = [p["cost"]["mean"] for p in portfolios]
    scale = MoneyScale.of(cost + [p["npv"]["mean"] for p in portfolios], currency)
    xs = [c / scale.factor for c in cost]
    plans = {p: e for p, e in (data.get("plans") or {}).items() if e.get("index") is not None}
    order = list(plan_order or data.get("plans") or {})
    beside = _ring_labels(data)
    labels, columns, _ = _legend_geometry(list(plans))
    handles = []
    with theme.style():
        for ax_, objective in zip(axes, shown):
            ys = [_y(p, objective, scale) for p in portfolios]
            handles = _frontier_panel(ax_, data, objective, xs, ys, plans, order, beside, labels, scale)
        unit = currency.axis(scale)
        for ax_, objective in zip(axes, shown):
            ax_.set_xlabel(f"Expected cost of the portfolio{f' ({unit})' if unit else ''}")
            ax_.margins(x=0.04, y=0.06)
            money = f" ({unit})" if unit else ""
            ax_.set_ylabel({"survival": f"Survival to {horizon_span(data)} (%)", "npv": f"Mean NPV{money}",
                            "cvar10": f"Mean NPV of the worst 10%{money}",
                            "p_loss": "Runs losing money (%)"}[objective])
            if objective in ("survival", "p_loss"):  # a share runs from 0 to 100%, never to 104%
                low, high = ax_.get_ylim()
                ax_.set_ylim(max(low, 0.0), min(high, 100.0))
                for artist in (*ax_.collections, *ax_.lines):
                    artist.set_clip_on(False)  # a ring or star at 100% is drawn whole above the axis' end
        if not beside and handles:
            _plans_legend(axes[0], handles, columns)
    return returned(axes, single)


def _frontier_panel(ax: Axes, data: Mapping[str, Any], objective: str, xs: Sequence[float], ys: Sequence[float],
                    plans: Mapping[str, Any], order: Sequence[str], beside: bool, names: Sequence[str],
                    scale: MoneyScale) -> list[Any]:
    """Draw one panel of the frontier; return the rings' legend handles."""
    from matplotlib.lines import Line2D

    ax.scatter(xs, ys, s=22, color=DOTS, zorder=1, linewidths=0)
    line = data["frontier"][objective]
    _frontier_line(ax, [xs[i] for i in line], [ys[i] for i in line])
    ax.scatter([xs[i] for i in line], [ys[i] for i in line], s=34, color=ACCENT, zorder=3, linewidths=0)
    labelled: dict[int, list[str]] = {}
    handles = []
    for (name, entry), label in zip(plans.items(), names):
        i = entry["index"]
        color = theme.plan_color(order.index(name) if name in order else 0)
        ax.scatter([xs[i]], [ys[i]], s=130, facecolors="none", edgecolors=color, linewidths=2.2, zorder=4)
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=11, markerfacecolor="none",
                              markeredgecolor=color, markeredgewidth=2.2, label=label))
        if beside:
            labelled.setdefault(i, []).append(theme.plan_label(name))
    best = data["best"].get(objective)
    within = data["best"].get("survival_within_budget") if objective == "survival" else None
    marks = [(best, _OBJECTIVE_WORDS[objective][1])]
    if within is not None and within != best:
        marks.append((within, "Best within budget"))
    for i, words in marks:
        if i is None:
            continue
        ax.scatter([xs[i]], [ys[i]], s=240, marker="*", color=STAR, zorder=5, linewidths=0)
        labelled.setdefault(i, []).insert(0, words)
    _annotate(ax, xs, ys, labelled)
    budget = data.get("budget")
    if objective == "survival" and budget is not None:
        ax.axvline(budget / scale.factor, color=theme.MUTED, linestyle=(0, (4, 3)), linewidth=1.2)
        ax.annotate("budget", (budget / scale.factor, 0.02), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", size=theme.ANNOTATION_SIZE - 1, color=theme.MUTED)
    return handles


def _annotate(ax: Axes, xs: Sequence[float], ys: Sequence[float], labelled: Mapping[int, list[str]]) -> None:
    """Write each label beside its point, stepping down from labels above it so that none overlap."""
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
                    ha="right" if right else "left", va="center", size=theme.ANNOTATION_SIZE, color=theme.INK,
                    zorder=6, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                    "alpha": 0.85})


def _frontier_line(ax: Axes, xs: Sequence[float], ys: Sequence[float]) -> None:
    """The frontier as a staircase: from each frontier point, flat until the next one raises the objective."""
    sx: list[float] = []
    sy: list[float] = []
    for k, (x, y) in enumerate(zip(xs, ys)):
        if k:
            sx.append(x)
            sy.append(sy[-1])
        sx.append(x)
        sy.append(y)
    ax.plot(sx, sy, color=ACCENT, linewidth=2.0, zorder=2)
