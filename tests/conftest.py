"""Shared test helpers: the Agg backend, scenarios written inline as YAML, the benchmark scenario, and the
tolerances of statistical checks (about four standard errors, derived in each check)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from scipy import stats as sp

matplotlib.use("Agg")  # every chart test renders real files, headless, whatever the machine's default backend

import allysim  # noqa: E402 - after the backend is chosen

Z = 4.0  # standard errors allowed: a false alarm has probability ~6e-5 per check


def check_proportion(hits: int, n: int, p: float, what: str) -> float:
    """Assert hits / n is within Z binomial standard errors of p; return the tolerance."""
    tol = Z * math.sqrt(p * (1 - p) / n)
    estimate = hits / n
    assert abs(estimate - p) <= tol, f"{what}: observed {estimate:.5f}, expected {p:.5f} +- {tol:.5f} (n={n})"
    return tol


def check_mean(x: np.ndarray, mean: float, var: float, what: str) -> float:
    """Assert the sample mean of x is within Z standard errors sqrt(var / n) of mean; return the tolerance."""
    tol = Z * math.sqrt(var / len(x))
    observed = float(np.mean(x))
    assert abs(observed - mean) <= tol, f"{what}: observed {observed:.6g}, expected {mean:.6g} +- {tol:.3g}"
    return tol


def check_sample_mean(x: np.ndarray, mean: float, what: str) -> float:
    """As :func:`check_mean`, with the sample variance (for counts whose variance has no handy closed form)."""
    return check_mean(x, mean, float(np.var(x, ddof=1)), what)


def check_power(expected: float, mistaken: float, tol: float, mistake: str) -> None:
    """Assert that a plausible engine mistake would land outside the test's tolerance (with room to spare)."""
    assert abs(expected - mistaken) > 2 * tol, f"test too weak to detect {mistake}: {expected:.4f} vs {mistaken:.4f}"

def poisson_tail(mu: float, share: float = 0.1) -> tuple[float, float]:
    """The mean of the top ``share`` of N ~ Poisson(mu), and the asymptotic variance of its estimator (one run).

    The estimator's influence function is (N - k)+ / share (upper tail), so its variance per run is
    Var((N - k)+) / share^2, summed over the pmf.
    """
    k = int(sp.poisson.ppf(1 - share, mu))  # smallest k with P(N <= k) >= 1 - share
    n = np.arange(0, int(mu + 60 * math.sqrt(mu)) + 60)
    pmf = sp.poisson.pmf(n, mu)
    above = float(np.sum(pmf[n > k] * n[n > k]))
    tail = (above + k * (share - sp.poisson.sf(k, mu))) / share
    excess = np.maximum(n - k, 0.0)
    var = float(np.sum(pmf * excess**2) - np.sum(pmf * excess) ** 2) / share**2
    return tail, var


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
