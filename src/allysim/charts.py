"""Former home of the charts, kept for one release: use :mod:`allysim.plotting` (and :mod:`allysim.wording`)."""

from __future__ import annotations

from .plotting.run_charts import causes, health, npv, survival
from .plotting.study_charts import compare, contingency_value, risk_drivers
from .wording import Currency, format_money, format_points, format_ratio, format_share, format_span

__all__ = ["Currency", "causes", "compare", "contingency_value", "format_money", "format_points", "format_ratio",
           "format_share", "format_span", "health", "npv", "risk_drivers", "survival"]
