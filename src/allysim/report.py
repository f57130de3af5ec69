"""Former home of reading and redrawing an output folder, kept for one release: use :mod:`allysim.folder` (read)
and :mod:`allysim.plotting.render` (draw and save)."""

from __future__ import annotations

from .folder import STUDY_CHARTS, HealthBands, OutputData, RunTable, load_output, load_studies
from .plotting.render import (
    CHARTS,
    FORMATS,
    draw_charts,
    draw_study_chart,
    parse_formats,
    render_charts,
    render_study_chart,
)

__all__ = ["CHARTS", "FORMATS", "STUDY_CHARTS", "HealthBands", "OutputData", "RunTable", "draw_charts",
           "draw_study_chart", "load_output", "load_studies", "parse_formats", "render_charts",
           "render_study_chart"]
