"""Shared test helpers: scenarios written inline as YAML, and the shared benchmark scenario."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import allysim

PERF_YAML = Path(__file__).resolve().parent / "data" / "perf.yaml"  # a copy of benchmarks' perf.yaml


def scenario_from_yaml(text: str) -> allysim.Scenario:
    """Parse an inline (indented) YAML scenario as if it were the file ``t.yaml``."""
    return allysim.parse_scenario(textwrap.dedent(text), source="t.yaml")


@pytest.fixture(scope="session")
def make_scenario() -> Callable[[str], allysim.Scenario]:
    """:func:`scenario_from_yaml`, for tests that build scenarios from YAML strings."""
    return scenario_from_yaml


@pytest.fixture(scope="session")
def perf_yaml() -> Path:
    """The eight-risk benchmark scenario, shipped with the tests so that a fresh clone has it."""
    return PERF_YAML
