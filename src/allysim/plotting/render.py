"""(Re)draw the charts of an output folder: what ``allysim run``, the studies and ``allysim report`` share.

:func:`allysim.folder.load_output` reads whatever an output folder holds into an :class:`OutputData`;
:func:`render_charts` draws every chart that data supports (the four charts of a run, and the chart of each study)
and writes them, atomically, in each requested format. :func:`render_study_chart` draws one study's chart straight
from its JSON, as ``allysim compare``, ``value`` and ``drivers`` do. The charts depend on nothing but those files,
so ``allysim report DIR`` on a copied folder redraws the same pictures as the commands that wrote it.

Examples
--------
>>> from allysim.folder import load_output
>>> from allysim.plotting.render import render_charts
>>> data = load_output("reports/joint_venture")                      # doctest: +SKIP
>>> render_charts(data, "reports/joint_venture", formats=("png", "svg"))  # doctest: +SKIP
[PosixPath('reports/joint_venture/survival.png'), ...]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OutputError, UsageError
from ..folder import OutputData, check_study, read_json
from ..outputs import make_folder
from ..study_registry import CHARTS, RUN_CHARTS, STUDIES, study_of_chart
from ..wording import Evidence, Provenance, environment_ends
from . import (
    calibration_chart,
    causes_chart,
    decision_charts,
    headlines,
    layout,
    panels,
    partners_chart,
    run_charts,
    sensitivity_charts,
    study_charts,
    theme,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "draw_charts", "draw_study_chart", "parse_formats", "render_charts",
           "render_study_chart", "chart_drawers", "framed"]

FORMATS = theme.FORMATS
_STUDY_CHART_NAMES = tuple(c.name for s in STUDIES for c in s.charts)


# --- drawing ---------------------------------------------------------------------------------------------------


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """Turn ``"png,svg"``, ``["png", "pdf"]`` or ``"none"`` into a tuple of formats, checking each.

    Raises
    ------
    UsageError
        A format is not png, svg, pdf or none.

    Examples
    --------
    >>> parse_formats("png,svg"), parse_formats("none")
    (('png', 'svg'), ())
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen: list[str] = []
    for item in (i.strip().lower() for i in items):
        if item in ("", "none"):
            continue
        if item not in FORMATS:
            raise UsageError(f"unknown chart format {item!r}; expected png, svg, pdf or none, comma-separated")
        if item not in chosen:
            chosen.append(item)
    return tuple(chosen)


def draw_charts(data: OutputData) -> dict[str, Figure]:
    """Draw every chart of an output folder and return the figures by name (for notebooks; nothing is written).

    Examples
    --------
    >>> figures = draw_charts(load_output("reports/joint_venture"))   # doctest: +SKIP
    >>> figures["survival"]
    """
    return {name: draw() for name, draw in chart_drawers(data).items()}


def render_charts(data: OutputData, folder: str | os.PathLike[str],
                  formats: str | Sequence[str] = ("png",)) -> list[Path]:
    """Draw every chart of an output folder and write each as ``folder/<chart>.<format>``; return the paths.

    The charts are those of the run (when ``data`` holds one) followed by those of its studies.

    Parameters
    ----------
    data
        What to draw: from :func:`load_output`, or built in memory by ``allysim run``.
    folder
        Where to write; created when missing.
    formats
        Any of ``png``, ``svg``, ``pdf`` (a sequence, or a comma-separated string); empty or ``"none"`` writes
        nothing.

    Examples
    --------
    >>> render_charts(load_output("reports/jv"), "reports/jv", ("png", "pdf"))   # doctest: +SKIP
    """
    chosen = parse_formats(formats)
    if not chosen:
        return []
    folder = _existing(folder)
    written: list[Path] = []
    for name, draw in chart_drawers(data).items():
        written += _save(draw(), folder, name, chosen)
    return written


def draw_study_chart(chart: str, data: Mapping[str, Any], plan_order: Sequence[str] | None = None, *,
                     titled: bool = True, size: tuple[float, float] | None = None) -> Figure:
    """Draw the chart of one study from its JSON on a 16:9 slide: ``compare``, ``contingency_value``,
    ``risk_drivers``, ``sweep``, ``frontier``, ``sensitivity``, ``switch``, ``information`` or ``calibration``.

    The chart's function draws the study on the slide's panels; the frame around them (the title stating the
    finding, the subtitle, the provenance footer) is added here. ``plan_order`` (every plan of the output, the
    baseline first) keeps each plan's colour on the compare chart the same as on the run's charts. With
    ``titled=False`` the title is left out and takes no room, for a slide that states it (the deck); it is still
    recorded for :func:`theme.title_of`. ``size`` (inches) sets the figure's size, the 16:9 slide by default.

    Raises
    ------
    UsageError
        ``chart`` is not one of these.

    Examples
    --------
    >>> fig = draw_study_chart("risk_drivers", json.load(open("reports/jv/drivers.json")))   # doctest: +SKIP
    >>> bare = draw_study_chart("risk_drivers", drivers, titled=False)                       # doctest: +SKIP
    """
    if chart in PANEL_CHARTS:
        draw, title, subtitle, body = PANEL_CHARTS[chart]
        with theme.style():
            fig, axes = panels.slide(lambda height: body(data, height), title(data), subtitle(data),
                                     layout.study_provenance(data, None), titled=titled, size=size)
            if chart in ("compare", "sweep", "frontier"):
                draw(data, axes, plan_order=plan_order)
            else:
                draw(data, axes)
        return fig
    raise UsageError(f"unknown study chart {chart!r}; expected one of {', '.join(_STUDY_CHART_NAMES)}")


# chart -> (draw on panels, title, subtitle, body): what draw_study_chart frames on a slide
PANEL_CHARTS: dict[str, tuple[Callable[..., Any], Callable[[Mapping[str, Any]], str],
                              Callable[[Mapping[str, Any]], str], Callable[[Mapping[str, Any], float], Any]]] = {
    "compare": (study_charts.compare, study_charts.compare_title, study_charts.compare_subtitle,
                study_charts.compare_body),
    "contingency_value": (study_charts.contingency_value, study_charts.contingency_value_title,
                          study_charts.contingency_value_subtitle, study_charts.contingency_value_body),
    "risk_drivers": (study_charts.risk_drivers, study_charts.risk_drivers_title, study_charts.risk_drivers_subtitle,
                     study_charts.risk_drivers_body),
    "sweep": (decision_charts.sweep, decision_charts.sweep_title, decision_charts.sweep_subtitle,
              decision_charts.sweep_body),
    "sensitivity": (sensitivity_charts.sensitivity, sensitivity_charts.sensitivity_title,
                    sensitivity_charts.sensitivity_subtitle, sensitivity_charts.sensitivity_body),
    "switch": (sensitivity_charts.switch, sensitivity_charts.switch_title, sensitivity_charts.switch_subtitle,
               sensitivity_charts.switch_body),
    "information": (sensitivity_charts.information, sensitivity_charts.information_title,
                    sensitivity_charts.information_subtitle, sensitivity_charts.information_body),
    "frontier": (decision_charts.frontier, decision_charts.frontier_title, decision_charts.frontier_subtitle,
                 decision_charts.frontier_body),
    "calibration": (calibration_chart.calibration, calibration_chart.calibration_title,
                    calibration_chart.calibration_subtitle, calibration_chart.calibration_body),
}


def render_study_chart(chart: str, data: Mapping[str, Any], folder: str | os.PathLike[str],
                       formats: str | Sequence[str] = ("png",), *,
                       beside: str | os.PathLike[str] | None = None) -> list[Path]:
    """Draw one study's chart from its JSON and write it as ``folder/<chart>.<format>``; return the paths.

    What ``allysim compare``, ``value`` and ``drivers`` call after writing their JSON. For the compare chart,
    a ``summary.json`` of the same scenario in ``folder`` gives the plan order, hence the plans' colours;
    without one, the baseline comes first and the other plans follow in the study's order.

    Parameters
    ----------
    chart
        ``compare``, ``contingency_value`` or ``risk_drivers``.
    data
        The study's JSON: ``compare.json``, ``value.json`` or ``drivers.json`` (SPEC section 5), with its
        provenance fields (printed in the footer).
    folder
        Where to write; created when missing.
    formats
        Any of ``png``, ``svg``, ``pdf`` (a sequence, or a comma-separated string).
    beside
        The folder whose ``summary.json`` gives the plan order (default ``folder``).

    Raises
    ------
    UsageError
        An unknown chart or format.
    OutputError
        ``data`` lacks a field the chart needs, or ``folder`` cannot be created.

    Examples
    --------
    >>> render_study_chart("contingency_value", value, "reports/jv", ("png", "svg"))   # doctest: +SKIP
    [PosixPath('reports/jv/contingency_value.png'), PosixPath('reports/jv/contingency_value.svg')]
    """
    if chart not in _STUDY_CHART_NAMES:
        raise UsageError(f"unknown study chart {chart!r}; expected one of {', '.join(_STUDY_CHART_NAMES)}")
    chosen = parse_formats(formats)
    if not chosen:
        return []
    check_study(chart, data, Path(folder) / study_of_chart(chart).file)
    if not CHARTS[chart].drawn(data):
        return []  # a sensitivity study with no plans to choose between has no value of information to draw
    folder = _existing(folder)
    summary: Mapping[str, Any] = {}
    run_folder = Path(beside) if beside is not None else folder  # where the run's summary.json is
    if chart == "compare" and (run_folder / "summary.json").is_file():
        try:
            summary = read_json(run_folder / "summary.json")
        except OutputError:
            summary = {}  # only the colours depend on it: fall back to the study's own order
    return _save(draw_study_chart(chart, data, _plan_order(data, summary)), folder, chart, chosen)


def _plan_order(study: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str] | None:
    """Return the plan order of a run of the same scenario holding every plan of the study, else None."""
    plans = list(summary.get("plans") or {}) if isinstance(summary.get("plans"), dict) else []
    if not plans or summary.get("scenario_sha256") != study.get("scenario_sha256"):
        return None
    named = [study.get("baseline"), *(study.get("plans") or {})]
    return plans if all(p in plans for p in named) else None


def _existing(folder: str | os.PathLike[str]) -> Path:
    """Return ``folder`` as a Path, creating it when missing; raise OutputError when that fails."""
    return make_folder(folder, "charts")


def _save(fig: Figure, folder: Path, name: str, formats: Sequence[str]) -> list[Path]:
    """Write ``fig`` in each format and close it."""
    import matplotlib.pyplot as plt

    try:
        return theme.save_figure(fig, folder, name, formats)
    finally:
        plt.close(fig)


def chart_drawers(data: OutputData, *, titled: bool = True,
                  size: tuple[float, float] | None = None) -> dict[str, Callable[[], Figure]]:
    """Return, per chart name, a function drawing it from ``data`` (charts without data are left out).

    With ``titled=False`` the run's charts are drawn without their titles, filling the figure from the subtitle
    down (the deck's slides state the title, still readable with :func:`theme.title_of`); ``size`` (inches) sets
    the charts' figure size, the 16:9 slide by default.
    """
    drawers = _run_drawers(data, titled, size) if data.plans else {}
    for kind in STUDIES:
        if kind.name not in data.studies:
            continue
        study = data.studies[kind.name]
        for chart in (c.name for c in kind.charts if c.drawn(study)):
            order = _plan_order(study, data.summary) if chart == "compare" else None
            drawers[chart] = lambda chart=chart, study=study, order=order: draw_study_chart(
                chart, study, order, titled=titled, size=size)
    return drawers


def framed(headline: headlines.Headline, draw: Callable[[Axes], Any], provenance: Provenance | None = None, *,
           titled: bool = True, size: tuple[float, float] | None = None) -> Figure:
    """Return a slide with ``headline`` and ``provenance`` around a chart: ``draw(ax)`` draws it in the body.

    Examples
    --------
    >>> fig = framed(headlines.survival(estimates, evidence, horizon=10),
    ...              lambda ax: run_charts.survival(data.survival_curves(), horizon=10, ax=ax))   # doctest: +SKIP
    """
    with theme.style():
        fig, body = theme.slide(headline.title, headline.subtitle, provenance, titled=titled, size=size)
        draw(body)
    return fig


def _run_drawers(data: OutputData, titled: bool,
                 size: tuple[float, float] | None = None) -> dict[str, Callable[[], Figure]]:
    """Return, per chart of the run, a function drawing it from ``data``: its headline (with the paired
    differences from the baseline that the deck judges too) on a slide around the chart."""
    summary, plans = data.summary, data.plans
    base = plans[0]
    stats = {p: summary["plans"][p] for p in plans}
    provenance = data.provenance
    horizon = float(summary["horizon"])
    time_unit = str(summary.get("time_unit", "year"))
    currency = str(summary.get("currency", ""))
    runs = summary.get("runs")
    risk_names = {r: str(v.get("name", r)) for r, v in (summary.get("risks") or {}).items()}

    def versus(key: str) -> dict[str, Evidence]:
        return {p: data.versus_baseline(p, key) for p in plans[1:]}

    def frame(headline: headlines.Headline, draw: Callable[[Axes], Any]) -> Figure:
        return framed(headline, draw, provenance, titled=titled, size=size)

    def survival() -> Figure:
        estimates = {p: float(stats[p]["survival"]["estimate"]) for p in plans}
        medians = {p: float((stats[p].get("lifetime") or {}).get("p50", horizon)) for p in plans}
        return frame(headlines.survival(estimates, versus("survival"), horizon=horizon, time_unit=time_unit,
                                        runs=runs, median_lives=medians),
                     lambda ax: run_charts.survival(data.survival_curves(), horizon=horizon, time_unit=time_unit,
                                                    estimates=estimates, ax=ax))

    def npv() -> Figure:
        marks = {p: stats[p]["npv"] for p in plans}
        return frame(headlines.npv(marks, versus("npv"), currency=currency),
                     lambda ax: run_charts.npv({p: data.runs[p].npv for p in plans}, currency=currency,
                                               stats=marks, ax=ax))

    ends = "" if "environment" not in stats[base] else \
        environment_ends(stats[base]["environment"]["time_share"], stats[base]["end_causes_by_state"])

    def causes() -> Figure:
        end_causes = {p: stats[p]["end_causes"] for p in plans}
        top = max((r for r in end_causes[base] if r != "survived"), key=lambda r: end_causes[base][r], default=None)
        evidence = {} if top is None else {p: data.versus_baseline_share(p, top) for p in plans[1:]}
        headline = headlines.causes(end_causes, evidence, risk_names=risk_names, horizon=horizon,
                                    time_unit=time_unit, runs=runs,
                                    environment_note=f"{ends} ({layout.plan_phrase(base)})" if ends else "")
        headline = headlines.Headline(headline.title, headline.subtitle + causes_chart.idle_note(end_causes))
        return frame(headline, lambda ax: run_charts.causes(end_causes, risk_names=risk_names, ax=ax))

    drawers: dict[str, Callable[[], Figure]] = {"survival": survival, "npv": npv}
    if data.health is not None and all(p in data.health.plans for p in plans):
        bands = data.health
        means = [(stats[p].get("resilience") or {}).get("mean") for p in plans]
        resilience = None if None in means else dict(zip(plans, map(float, means)))
        shaded = tuple(list(bands.environment or {})[1:])

        def health() -> Figure:
            headline = headlines.health(resilience, versus("resilience"), horizon=float(bands.grid[-1]),
                                        time_unit=bands.time_unit, dissolve_below=bands.dissolve_below,
                                        shaded=shaded)
            return frame(headline, lambda ax: run_charts.health(
                bands.grid, {p: bands.plans[p] for p in plans}, dissolve_below=bands.dissolve_below,
                time_unit=bands.time_unit, resilience=resilience, environment=bands.environment,
                dissolved=data.dissolved_shares(bands.grid), ax=ax))

        drawers["health"] = health
    drawers["causes"] = causes
    if CHARTS["partners"].drawn(summary) and all(p in data.exits for p in plans):
        drawers["partners"] = lambda: _partners(data, frame)
    return {c.name: drawers[c.name] for c in RUN_CHARTS if c.name in drawers}  # in the registry's order


def _partners(data: OutputData, frame: Callable[[headlines.Headline, Callable[[Axes], Any]], Figure]) -> Figure:
    """The partners chart of a run with partners: the shares still in come from runs.csv's exits
    (:meth:`OutputData.partners_still_in`); the exit shares and the partners at the end are summary.json's."""
    summary, plans = data.summary, data.plans
    horizon = float(summary["horizon"])
    time_unit = str(summary.get("time_unit", "year"))
    grid = data.health.grid if data.health is not None else np.linspace(0.0, horizon, 201)
    names = {q: str((v or {}).get("name", q)) for q, v in summary["partners"].items()}
    still_in = data.partners_still_in(grid)
    exit_shares = {p: {q: float(v["exit"]["estimate"]) for q, v in (summary["plans"][p].get("partners") or {}).items()}
                   for p in plans}
    at_end = {p: dict((summary["plans"][p].get("partners_at_end") or {}).get("distribution") or {}) for p in plans}
    headline = headlines.partners(exit_shares, at_end, partner_names=names, horizon=horizon, time_unit=time_unit,
                                  runs=summary.get("runs"))
    return frame(headline, lambda ax: partners_chart.partners(grid, still_in, at_end, horizon=horizon,
                                                              time_unit=time_unit, partner_names=names, ax=ax))
