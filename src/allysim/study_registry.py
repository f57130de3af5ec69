"""What an output folder may hold, said once: the run's files and charts, and each study's command, JSON file,
charts, main table, workbook sheet and name.

The read side of a folder (:mod:`allysim.folder`), the charts (:mod:`allysim.plotting.render`), the deck and the
brief (:mod:`allysim.deck`), the workbook (:mod:`allysim.workbook`) and the command line read this table and keep
no list of their own. **Adding a study** is one :class:`Study` here (and its drawing functions in
``plotting/render.py``'s ``PANEL_CHARTS``, keyed by its charts' names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Chart", "Study", "RUN_FILES", "RUN_CHARTS", "STUDIES", "CHARTS", "study", "study_of_chart"]


@dataclass(frozen=True)
class Chart:
    """A chart an output folder may hold: ``NAME.png`` (and ``.svg``, ``.pdf``)."""

    name: str
    title: str  # the slide's title when the chart states no finding of its own
    needs: tuple[str, ...] = ()  # per entry of its study's main table, the numbers it draws (dotted paths)
    series: tuple[str, ...] = ()  # per entry, the lists of points it draws (keys holding a non-empty list)
    on_deck: bool = True  # whether the deck gives it a slide
    sheet: str = "Summary"  # a run's chart: the workbook sheet it is put on (a study's charts go on its sheet)
    when: str = ""  # a key (dotted path) of its JSON that must be filled in for it to be drawn; "": always drawn

    def drawn(self, data: Mapping[str, Any]) -> bool:
        """Whether ``data`` (``summary.json`` for a run's chart, else its study's JSON) holds what this chart
        draws: a chart with a ``when`` is left out when that key is missing or empty (the partners chart of a
        scenario without partners; the value of information of a sensitivity study of one plan)."""
        value: Any = data
        for part in self.when.split(".") if self.when else ():
            value = value.get(part) if isinstance(value, Mapping) else None
        return bool(value) if self.when else True


@dataclass(frozen=True)
class Study:
    """A study: the command that makes it, its JSON file, its charts and how the deck and the workbook name it."""

    name: str  # the command, and its file's stem unless ``stem`` says otherwise: value -> value.json
    title: str  # how the method slide and the workbook name it
    sheet: str  # its workbook sheet
    table: str  # the key of its JSON holding its main table
    row: str  # what one entry of that table is
    charts: tuple[Chart, ...]
    required: tuple[str, ...] = ()  # keys its charts need filled in, besides the main table's numbers
    stem: str = ""  # its file's stem when not the command's name
    simulated: bool = True  # simulated from a scenario (the deck and the workbook's Assumptions read it); a
    # calibration is fitted to a history instead

    @property
    def file(self) -> str:
        return f"{self.stem or self.name}.json"


RUN_FILES = ("summary.json", "runs.csv", "health.json")

RUN_CHARTS: tuple[Chart, ...] = (
    Chart("survival", "How likely the alliance is to survive its planned life"),
    Chart("npv", "The value the alliance creates, and how uncertain it is"),
    Chart("health", "How deep the drops go, and how fast the alliance recovers"),
    Chart("causes", "Which risks end the alliance"),
    Chart("partners", "Who is most likely to leave, and what it would cost", sheet="Partners", when="partners"),
)

STUDIES: tuple[Study, ...] = (
    Study("compare", "Plan comparison", "Compare", "plans", "plan",
          (Chart("compare", "Each plan against the baseline", ("npv.mean", "survival.mean")),),
          required=("baseline",)),
    Study("value", "Contingency values", "Value", "contingencies", "contingency",
          (Chart("contingency_value", "What each contingency is worth against its cost",
                 ("cost", "shapley_npv", "shapley_survival")),)),
    Study("drivers", "Risk drivers", "Drivers", "risks", "risk",
          (Chart("risk_drivers", "What each risk costs", ("npv.mean", "survival.mean")),)),
    Study("optimize", "Portfolio search", "Optimize", "portfolios", "portfolio",
          (Chart("frontier", "Which contingencies to fund: cost against survival and NPV"),),
          required=("portfolios", "frontier", "best", "candidates")),
    Study("sweep", "Sweep", "Sweep", "plans", "plan",
          (Chart("sweep", "How the results move with one assumption"),),
          required=("parameter", "values", "plans", "best")),
    Study("sensitivity", "Sensitivity", "Sensitivity", "inputs", "input",
          (Chart("sensitivity", "Which uncertain assumptions move the result",
                 ("npv.at_p10", "npv.at_p90", "survival.at_p10", "survival.at_p90")),
           Chart("switch", "Which uncertain assumption could change the choice", ("npv.at_p10", "npv.at_p90")),
           Chart("information", "What is worth learning before choosing", on_deck=False,
                 when="value_of_information.inputs"))),
    Study("calibrate", "Calibration", "Calibration", "causes", "cause",
          (Chart("calibration", "How well each fitted hazard follows the history", ("events",),
                 series=("kaplan_meier", "fitted"), on_deck=False),),
          required=("causes",), stem="calibration", simulated=False),
)

CHARTS: dict[str, Chart] = {c.name: c for c in (*RUN_CHARTS, *(c for s in STUDIES for c in s.charts))}


def study(name: str) -> Study:
    """The study made by the command ``name`` (and written to ``name.json``)."""
    return next(s for s in STUDIES if s.name == name)


def study_of_chart(chart: str) -> Study:
    """The study whose JSON the chart ``chart`` is drawn from."""
    return next(s for s in STUDIES if any(c.name == chart for c in s.charts))
