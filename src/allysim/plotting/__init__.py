"""Charts: draw computed results in the allysim look.

- :mod:`~allysim.plotting.theme`: colours, fonts, sizes, the slide frame (title, subtitle, provenance footer) and
  atomic saving;
- :mod:`~allysim.plotting.layout`: ticks, label placement, names in titles, rows of estimates with intervals;
- :mod:`~allysim.plotting.run_charts`: survival, NPV, health and causes of dissolution of a run;
- :mod:`~allysim.plotting.study_charts`: compare, contingency value and risk drivers, drawn on a caller's axes
  (one per panel) by the functions named after them; :mod:`~allysim.plotting.panels` lays those panels out;
- :mod:`~allysim.plotting.render`: every chart of an output folder, drawn from its files and saved.

Chart functions take numbers already computed (nothing here simulates or reads files, except ``render``); the run
charts return a framed figure (or draw on a given ``ax``), the study charts draw on given axes and return them,
and ``render`` frames those on a slide when it saves a file. pyplot is imported only when a chart is drawn.
"""

from __future__ import annotations

from .run_charts import causes, health, npv, survival
from .study_charts import compare, contingency_value, risk_drivers

__all__ = ["survival", "npv", "health", "causes", "compare", "contingency_value", "risk_drivers"]
