"""Former home of the charts, kept for one release: use :mod:`allysim.plotting` (and :mod:`allysim.wording`).

The charts here keep their former shape: each returns a whole slide (title, subtitle, footer) as a figure.
The functions of :mod:`allysim.plotting` draw on an ``ax`` instead; :func:`allysim.plotting.render.framed` puts a
:mod:`~allysim.plotting.headlines` headline around one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .plotting import headlines, run_charts
from .plotting.causes_chart import idle_note
from .stats import paired
from .wording import (
    Currency,
    Evidence,
    Provenance,
    format_money,
    format_points,
    format_ratio,
    format_share,
    format_span,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Currency", "causes", "compare", "contingency_value", "format_money", "format_points", "format_ratio",
           "format_share", "format_span", "health", "npv", "risk_drivers", "survival"]


def _paired(values: Mapping[str, ArrayLike]) -> dict[str, Evidence]:
    """Each plan minus the first, run by run (the plans of one run share their simulated futures)."""
    plans = list(values)
    base = np.asarray(values[plans[0]], dtype=float)
    return {p: Evidence.of(paired(np.asarray(values[p], dtype=float), base), len(base)) for p in plans[1:]
            if len(np.asarray(values[p])) == len(base)}


def _framed(headline: headlines.Headline, draw: Any, provenance: Provenance | None, titled: bool) -> Figure:
    from .plotting.render import framed

    return framed(headline, draw, provenance, titled=titled)


def survival(lifetimes: Mapping[str, ArrayLike], survived: Mapping[str, ArrayLike], *, horizon: float,
             time_unit: str = "year", estimates: Mapping[str, float] | None = None,
             provenance: Provenance | None = None, titled: bool = True) -> Figure:
    """The survival chart as a slide (see :func:`allysim.plotting.run_charts.survival`)."""
    quoted = dict(estimates) if estimates is not None else \
        {p: float(np.mean(np.asarray(s, dtype=bool))) if len(s) else 0.0 for p, s in survived.items()}
    runs = {len(np.asarray(v)) for v in lifetimes.values()}
    headline = headlines.survival(quoted, _paired(survived), horizon=horizon, time_unit=time_unit,
                                  runs=runs.pop() if len(runs) == 1 else None)
    return _framed(headline, lambda ax: run_charts.survival(lifetimes, survived, horizon=horizon,
                                                            time_unit=time_unit, estimates=estimates, ax=ax),
                   provenance, titled)


def npv(values: Mapping[str, ArrayLike], *, currency: str | Currency = "",
        stats: Mapping[str, Mapping[str, float]] | None = None, provenance: Provenance | None = None,
        titled: bool = True) -> Figure:
    """The NPV chart as a slide (see :func:`allysim.plotting.run_charts.npv`)."""
    marks = {}
    for p, v in values.items():
        x = np.asarray(v, dtype=float)
        computed = {"mean": float(np.mean(x)), **{f"p{q}": float(np.percentile(x, q)) for q in (10, 50, 90)}}
        given = (stats or {}).get(p) or {}
        marks[p] = {k: float(given[k]) if given.get(k) is not None else computed[k] for k in computed}
    return _framed(headlines.npv(marks, _paired(values), currency=currency),
                   lambda ax: run_charts.npv(values, currency=currency, stats=stats, ax=ax), provenance, titled)


def health(grid: ArrayLike, bands: Mapping[str, Mapping[str, ArrayLike]], *, dissolve_below: float,
           time_unit: str = "year", resilience: Mapping[str, float] | None = None,
           provenance: Provenance | None = None, titled: bool = True,
           environment: Mapping[str, ArrayLike] | None = None) -> Figure:
    """The health chart as a slide (see :func:`allysim.plotting.run_charts.health`)."""
    t = np.asarray(grid, dtype=float)
    headline = headlines.health(resilience, None, horizon=float(t[-1]) if len(t) else 1.0, time_unit=time_unit,
                                dissolve_below=dissolve_below, shaded=tuple(list(environment or {})[1:]))
    return _framed(headline, lambda ax: run_charts.health(grid, bands, dissolve_below=dissolve_below,
                                                          time_unit=time_unit, resilience=resilience,
                                                          environment=environment, ax=ax), provenance, titled)


def causes(end_causes: Mapping[str, Mapping[str, float]], *, risk_names: Mapping[str, str] | None = None,
           horizon: float | None = None, time_unit: str = "year", runs: int | None = None,
           provenance: Provenance | None = None, titled: bool = True, environment_note: str = "") -> Figure:
    """The causes chart as a slide (see :func:`allysim.plotting.causes_chart.causes`)."""
    headline = headlines.causes(end_causes, None, risk_names=risk_names, horizon=horizon, time_unit=time_unit,
                                runs=runs, environment_note=environment_note)
    headline = headlines.Headline(headline.title, headline.subtitle + idle_note(end_causes))
    return _framed(headline, lambda ax: run_charts.causes(end_causes, risk_names=risk_names, ax=ax), provenance,
                   titled)


def compare(comparison: Any, *, plan_order: Any = None, titled: bool = True, **_: Any) -> Figure:
    """The compare chart as a slide (see :func:`allysim.plotting.study_charts.compare`)."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("compare", comparison, plan_order, titled=titled)


def contingency_value(values: Any, *, titled: bool = True, **_: Any) -> Figure:
    """The contingency value chart as a slide (see :func:`allysim.plotting.study_charts.contingency_value`)."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("contingency_value", values, titled=titled)


def risk_drivers(drivers: Any, *, titled: bool = True, **_: Any) -> Figure:
    """The risk drivers chart as a slide (see :func:`allysim.plotting.study_charts.risk_drivers`)."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("risk_drivers", drivers, titled=titled)
