"""allysim: Monte Carlo risk and contingency simulation for alliances.

>>> import allysim
>>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")      # doctest: +SKIP
>>> results = allysim.simulate(scenario, runs=5000, seed=1)               # doctest: +SKIP
>>> results.summary()["plans"]["full"]["survival"]                       # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .decisions import compare, contingency_values, risk_drivers  # noqa: E402
from .errors import AllysimError, OutputError, ScenarioError, SimulationError, UsageError  # noqa: E402
from .results import PlanRuns, Results  # noqa: E402
from .runner import Variant, simulate, simulate_variants  # noqa: E402
from .scenario import Scenario, json_schema, load_scenario, parse_scenario  # noqa: E402

__all__ = [
    "__version__",
    "load_scenario",
    "parse_scenario",
    "json_schema",
    "simulate",
    "simulate_variants",
    "compare",
    "contingency_values",
    "risk_drivers",
    "Scenario",
    "Results",
    "PlanRuns",
    "Variant",
    "AllysimError",
    "ScenarioError",
    "SimulationError",
    "UsageError",
    "OutputError",
]
