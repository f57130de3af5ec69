"""allysim: Monte Carlo risk and contingency simulation for alliances.

>>> import allysim
>>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")      # doctest: +SKIP
>>> results = allysim.simulate(scenario, runs=5000, seed=1)               # doctest: +SKIP
>>> results.summary()["plans"]["full"]["survival"]                       # doctest: +SKIP

The names below are imported on first use, so ``import allysim`` and the command line start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "load_scenario": "scenario", "parse_scenario": "scenario", "json_schema": "scenario", "Scenario": "scenario",
    "simulate": "runner", "simulate_variants": "runner", "RunOptions": "runner", "Variant": "results",
    "compare": "studies", "contingency_values": "studies", "risk_drivers": "studies",
    "Results": "results", "PlanRuns": "results", "write_results": "outputs",
    "sweep": "sweeps", "Sweep": "sweeps", "optimize": "portfolios", "Portfolios": "portfolios",
    "sensitivity": "sensitivities", "Sensitivity": "sensitivities",
    "AllysimError": "errors", "ScenarioError": "errors", "SimulationError": "errors", "UsageError": "errors",
    "OutputError": "errors", "RegisterError": "errors",
    "import_register": "register", "write_workbook": "workbook",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .errors import AllysimError, OutputError, RegisterError, ScenarioError, SimulationError, UsageError
    from .outputs import write_results
    from .portfolios import Portfolios, optimize
    from .register import import_register
    from .results import PlanRuns, Results, Variant
    from .sensitivities import Sensitivity, sensitivity
    from .runner import RunOptions, simulate, simulate_variants
    from .scenario import Scenario, json_schema, load_scenario, parse_scenario
    from .studies import compare, contingency_values, risk_drivers
    from .sweeps import Sweep, sweep
    from .workbook import write_workbook


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'allysim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
