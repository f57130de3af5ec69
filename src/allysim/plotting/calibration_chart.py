"""The ``calibration`` chart: the history's Kaplan-Meier survival, with its 95% band, against each fitted model.

One panel per cause of ending (the most frequent first, at most six). It draws ``calibration.json`` and nothing
else: the Kaplan-Meier points with their band and each model's fitted curve (``fitted``, computed by
:mod:`allysim.calibration` when it fitted them); ``calibration_title`` words the finding, ``calibration_body`` lays the
panels out, and :mod:`allysim.plotting.render` frames them on a 16:9 slide (``calibration.png``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..wording import plural
from . import theme
from .panels import Body

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["calibration", "calibration_title", "calibration_subtitle", "calibration_body", "MOST_PANELS"]

MOST_PANELS = 6
MODEL_STYLE = {  # colour, line style, legend name
    "exponential": (theme.PLAN_COLORS[2], (0, (5, 3)), "Constant rate"),
    "weibull": (theme.PLAN_COLORS[1], "-", "Weibull"),
    "steps": (theme.PLAN_COLORS[3], (0, (1.5, 1.5)), "Steps"),
}
KM_COLOR = theme.PLAN_COLORS[0]
NAMES = {"exponential": "a constant rate", "weibull": "a Weibull hazard", "steps": "a step hazard"}


def _shown(data: Mapping[str, Any]) -> list[str]:
    causes = data["causes"]
    return sorted(causes, key=lambda c: -causes[c]["events"])[:MOST_PANELS]


def _trend(cause: Mapping[str, Any]) -> str:
    """How the hazard moves with age, as far as the Weibull shape's interval says."""
    weibull = cause["models"].get("weibull")
    if not weibull:
        return ""
    low, high = weibull["shape"]["ci95"]
    shape = weibull["shape"]["estimate"]
    if high < 1:
        return f"the hazard falls with age (Weibull shape {shape:.2f})"
    if low > 1:
        return f"the hazard rises with age (Weibull shape {shape:.2f})"
    return f"the hazard is about constant with age (Weibull shape {shape:.2f})"


def calibration_title(data: Mapping[str, Any]) -> str:
    """The finding: which model fits the history best, and how the hazard moves with age."""
    name = _shown(data)[0]
    cause = data["causes"][name]
    chosen = cause["chosen"]
    trend = _trend(cause)
    who = "" if name == "all" or len(data["causes"]) == 1 else f"{name}: "
    verb = "fits best by AIC" if data.get("model", "best") == "best" else "was chosen"
    text = f"{who}{NAMES[chosen]} {verb}"
    return (f"{text[0].upper()}{text[1:]}; {trend}" if trend else text[0].upper() + text[1:])


def calibration_subtitle(data: Mapping[str, Any]) -> str:
    """What the chart draws, in words."""
    unit = plural(str(data["time_unit"]))
    return (f"Share still going by age ({unit}): Kaplan-Meier from {data['n']:,} histories, {data['events']:,} "
            "endings, with its 95% band (shaded), against each fitted model (the chosen one bold)")


def calibration(data: Mapping[str, Any], ax: Axes | Sequence[Axes] | None = None, *, legend: bool = True) -> Any:
    """Draw each cause's Kaplan-Meier curve and band against its fitted survival curves, each model's AIC in the
    panel's lower left, and one legend of the models above the panels (``legend=False``: none).

    Parameters
    ----------
    data
        ``calibration.json``.
    ax
        One axes per cause shown (the most frequent first, at most six), or a new slide's.
    """
    import matplotlib.pyplot as plt

    names = _shown(data)
    if ax is None:
        fig = plt.figure(figsize=(theme.WIDTH_IN, theme.HEIGHT_IN))
        axes = list(fig.subplots(1, len(names), squeeze=False)[0])
    else:
        axes = list(ax) if isinstance(ax, Sequence) else [ax]
    several = len(data["causes"]) > 1
    for axis, name in zip(axes, names):
        _panel(axis, data["causes"][name], name if several else "", str(data["time_unit"]))
    left = min(axis.get_position().x0 for axis in axes)
    bottom = min(axis.get_position().y0 for axis in axes)
    for axis in axes:  # every panel shares the 0-100% scale, read off the first panel of its row
        if axis.get_position().x0 > left + 1e-6:
            axis.tick_params(labelleft=False)
        else:
            axis.set_ylabel("Still going")
        if axis.get_position().y0 > bottom + 1e-6:  # a top row: the bottom row names the ages
            axis.set_xlabel("")
    if legend:
        handles, labels = axes[0].get_legend_handles_labels()
        box = axes[0].get_position()
        axes[0].figure.legend(handles, labels, loc="lower left", ncol=len(labels), frameon=False,
                              bbox_to_anchor=(box.x0, box.y1 + LEGEND_GAP_IN / axes[0].figure.get_size_inches()[1]
                                              + (PANEL_TITLE_IN / axes[0].figure.get_size_inches()[1] if several
                                                 else 0.0)),
                              borderaxespad=0, fontsize=theme.ANNOTATION_SIZE + 0.5, handlelength=2.6)
    return ax if ax is not None else axes


LEGEND_GAP_IN = 0.08
LEGEND_IN = 0.42  # the legend row above the panels
PANEL_TITLE_IN = 0.38


PER_ROW = 3  # more causes than this take two rows: a panel keeps room for its AIC note and its axis


def calibration_body(data: Mapping[str, Any], height_in: float) -> Body:
    """One panel per cause shown, side by side (three to a row, in two rows for four to six), with the models'
    legend (and the causes' headings) above them; the gap between two panels clears the last age of one and the
    first of the next (only the first panel of a row labels the shared 0-100% scale)."""
    count = len(_shown(data))
    return Body(widths=(1.0,) * count, left_in=1.0, right_in=0.45, gap_in=0.5,
                top_in=LEGEND_IN + (PANEL_TITLE_IN if len(data["causes"]) > 1 else 0.0),
                rows=1 if count <= PER_ROW else 2, row_gap_in=0.4)


def _panel(ax: Axes, cause: Mapping[str, Any], title: str, time_unit: str) -> None:
    km, fitted = cause["kaplan_meier"], cause["fitted"]
    times = [p["time"] for p in km]
    horizon = fitted[-1]["time"]  # the longest history
    ax.fill_between(times + [horizon], [p["ci95"][0] for p in km] + [km[-1]["ci95"][0]],
                    [p["ci95"][1] for p in km] + [km[-1]["ci95"][1]], step="post", color=KM_COLOR, alpha=0.2,
                    linewidth=0, label="History: 95% band")
    ax.step(times + [horizon], [p["survival"] for p in km] + [km[-1]["survival"]], where="post", color=KM_COLOR,
            linewidth=2.2, label="History (Kaplan-Meier)")
    aics = ["AIC (lower fits better)"]
    for model, (color, dash, label) in MODEL_STYLE.items():
        if model not in fitted[0]:
            continue
        chosen = model == cause["chosen"]
        ax.plot([p["time"] for p in fitted], [p[model] for p in fitted], color=color, linestyle=dash, linewidth=3.4 if chosen else 2.0,
                label=label)
        aics.append(f"{label}: {cause['models'][model]['aic']:,.0f}" + ("  (chosen)" if chosen else ""))
    short = ax.get_position().height * ax.figure.get_size_inches()[1] < 2.0  # a panel of two rows: a smaller note
    ax.text(0.03, 0.04, "\n".join(aics), transform=ax.transAxes, ha="left", va="bottom",
            fontsize=theme.ANNOTATION_SIZE - (2.5 if short else 0.0), color=theme.TEXT, linespacing=1.2 if short else 1.35,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2})
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, horizon)
    ax.yaxis.set_major_formatter(_percent())
    ax.set_xlabel(f"Age ({plural(time_unit)})")
    ax.grid(True, axis="both")
    if title:  # as long as its panel is wide, the count kept whole
        fig = ax.figure
        width_in = ax.get_position().width * fig.get_size_inches()[0]
        count = f" ({cause['events']:,} endings)"
        size = theme.LABEL_SIZE
        room = width_in - theme.text_width(count, size, "bold")
        name = theme.cut_after_words(title, lambda t: theme.text_width(t, size, "bold") <= room)
        ax.set_title(name + count, pad=8, size=size)


def _percent() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda y, _: f"{y:.0%}")
