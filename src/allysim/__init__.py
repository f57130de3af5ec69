"""allysim: Monte Carlo risk and contingency simulation for alliances.

>>> import allysim
>>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")      # doctest: +SKIP
>>> results = allysim.simulate(scenario, runs=5000, seed=1)               # doctest: +SKIP
>>> results.summary()["plans"]["full"]["survival"]                       # doctest: +SKIP

The modules, one job each, are described in docs/architecture.md; the names below are the public face.
"""

from __future__ import annotations

from ._version import __version__
from .errors import AllysimError, OutputError, RegisterError, ScenarioError, SimulationError, UsageError
from .outputs import write_results
from .portfolios import Portfolios, optimize
from .register import import_register
from .results import PlanRuns, Results, Variant
from .runner import RunOptions, simulate, simulate_variants
from .scenario import Scenario, json_schema, load_scenario, parse_scenario
from .sensitivities import Sensitivity, sensitivity
from .studies import compare, contingency_values, risk_drivers
from .sweeps import Sweep, sweep
from .workbook import write_workbook

__all__ = [
    "__version__",
    "load_scenario", "parse_scenario", "json_schema", "Scenario",
    "simulate", "simulate_variants", "RunOptions", "Variant", "Results", "PlanRuns", "write_results",
    "compare", "contingency_values", "risk_drivers", "sweep", "Sweep", "optimize", "Portfolios", "sensitivity",
    "Sensitivity", "import_register", "write_workbook",
    "AllysimError", "ScenarioError", "SimulationError", "UsageError", "OutputError", "RegisterError",
]
