"""Scenario files: safe loading, every check of the format, and the typed, immutable :class:`Scenario`."""

from __future__ import annotations

from .loading import load_scenario, parse_scenario
from .model import (
    MAX_RUNS,
    RESERVED_IDS,
    AgeHazard,
    Alliance,
    Contingency,
    Correlation,
    Costs,
    Effect,
    Environment,
    EnvironmentState,
    Escalation,
    Health,
    Impact,
    Partner,
    RateFactor,
    Risk,
    Scenario,
    Trigger,
    ValueImpact,
)
from .schema import json_schema

__all__ = [
    "Scenario", "Alliance", "Health", "Risk", "AgeHazard", "Impact", "ValueImpact", "Escalation", "Contingency", "Trigger",
    "Effect", "RateFactor", "Costs", "Correlation", "Environment", "EnvironmentState", "Partner", "load_scenario", "parse_scenario", "json_schema", "RESERVED_IDS",
    "MAX_RUNS",
]
