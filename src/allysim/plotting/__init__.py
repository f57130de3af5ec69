"""Charts: draw computed results in the allysim look.

- :mod:`~allysim.plotting.theme`: colours, fonts, sizes, the slide frame (title, subtitle, provenance footer) and
  atomic saving;
- :mod:`~allysim.plotting.layout`: ticks, label placement, names in titles, rows of estimates with intervals;
- :mod:`~allysim.plotting.run_charts`: survival, NPV and health of a run, and (:mod:`~allysim.plotting.causes_chart`)
  its causes of dissolution, each drawn on a caller's ``ax``;
- :mod:`~allysim.plotting.headlines`: the title (the finding, within the evidence) and subtitle of each run chart;
- :mod:`~allysim.plotting.study_charts`: compare, contingency value (:mod:`~allysim.plotting.value_charts`) and
  risk drivers; :mod:`~allysim.plotting.decision_charts`: sweep and frontier;
  :mod:`~allysim.plotting.sensitivity_charts`: sensitivity and switch; each drawn on a caller's axes, one per
  panel (:mod:`~allysim.plotting.panels` lays them out on a slide, :mod:`~allysim.plotting.rows` draws rows of
  estimates);
- :mod:`~allysim.plotting.render`: every chart of an output folder, drawn from its files, framed as a slide
  (:func:`~allysim.plotting.render.framed`) and saved.

Chart functions take numbers already computed (nothing here simulates or reads files, except ``render``) and
return the axes they drew on; pyplot is imported only when a chart is drawn.
"""

from __future__ import annotations

from .run_charts import causes, health, npv, survival
from .study_charts import compare, contingency_value, risk_drivers

__all__ = ["survival", "npv", "health", "causes", "compare", "contingency_value", "risk_drivers"]
