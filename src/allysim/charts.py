"""Former home of the charts, kept for one release: use :mod:`allysim.plotting` (and :mod:`allysim.wording`)."""

from __future__ import annotations

from typing import Any

from .plotting.run_charts import causes, health, npv, survival
from .wording import Currency, format_money, format_points, format_ratio, format_share, format_span


def compare(comparison: Any, *, plan_order: Any = None, titled: bool = True, **_: Any) -> Any:
    """The compare slide as a figure, as this function drew it before (now: :func:`allysim.plotting.compare`
    draws on axes, :func:`allysim.plotting.render.draw_study_chart` frames it)."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("compare", comparison, plan_order, titled=titled)


def contingency_value(values: Any, *, titled: bool = True, **_: Any) -> Any:
    """The contingency value slide as a figure, as this function drew it before."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("contingency_value", values, titled=titled)


def risk_drivers(drivers: Any, *, titled: bool = True, **_: Any) -> Any:
    """The risk drivers slide as a figure, as this function drew it before."""
    from .plotting.render import draw_study_chart

    return draw_study_chart("risk_drivers", drivers, titled=titled)


__all__ = ["Currency", "causes", "compare", "contingency_value", "format_money", "format_points", "format_ratio",
           "format_share", "format_span", "health", "npv", "risk_drivers", "survival"]
