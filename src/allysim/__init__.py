"""allysim: Monte Carlo risk and contingency simulation for alliances.

>>> import allysim
>>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")      # doctest: +SKIP
>>> results = allysim.simulate(scenario, runs=5000, seed=1)               # doctest: +SKIP
>>> results.summary()["plans"]["full"]["survival"]                       # doctest: +SKIP

The modules, one job each, are described in docs/architecture.md; the names below are the public face.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import AllysimError, OutputError, RegisterError, ScenarioError, SimulationError, UsageError

# Where each public name lives. They are imported on first use (PEP 562), so that `import allysim.cli` and the
# command line start without loading numpy, scipy, SimPy or pydantic: `allysim --help` answers at once.
_LAZY = {
    "write_results": "outputs", "Portfolios": "portfolios", "optimize": "portfolios",
    "import_register": "register", "PlanRuns": "results", "Results": "results", "Variant": "results",
    "RunOptions": "runner", "simulate": "runner", "simulate_variants": "runner",
    "Scenario": "scenario", "json_schema": "scenario", "load_scenario": "scenario", "parse_scenario": "scenario",
    "Sensitivity": "sensitivities", "sensitivity": "sensitivities",
    "compare": "studies", "contingency_values": "studies", "risk_drivers": "studies",
    "Sweep": "sweeps", "sweep": "sweeps", "write_workbook": "workbook",
    "History": "history", "read_history": "history", "Calibration": "calibration", "calibrate": "calibration",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .calibration import Calibration, calibrate
    from .history import History, read_history
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'allysim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "__version__",
    "load_scenario", "parse_scenario", "json_schema", "Scenario",
    "simulate", "simulate_variants", "RunOptions", "Variant", "Results", "PlanRuns", "write_results",
    "compare", "contingency_values", "risk_drivers", "sweep", "Sweep", "optimize", "Portfolios", "sensitivity",
    "Sensitivity", "import_register", "write_workbook", "read_history", "History", "calibrate", "Calibration",
    "AllysimError", "ScenarioError", "SimulationError", "UsageError", "OutputError", "RegisterError",
]
