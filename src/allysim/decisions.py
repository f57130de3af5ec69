"""Former name of :mod:`allysim.studies`, kept for one release so that ``from allysim.decisions import ...`` works."""

from .stats import paired
from .studies import (
    EXACT_LIMIT,
    PERMUTATIONS,
    Comparison,
    ContingencyValues,
    RiskDrivers,
    compare,
    contingency_values,
    risk_drivers,
)

__all__ = ["compare", "contingency_values", "risk_drivers", "Comparison", "ContingencyValues", "RiskDrivers",
           "paired", "EXACT_LIMIT", "PERMUTATIONS"]
