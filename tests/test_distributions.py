"""Distribution families, unit strings and random streams."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from allysim.scenario import parse_scenario, units
from allysim.scenario.distributions import Distribution
from allysim.streams import Streams, sources

ADAPTER = TypeAdapter(Distribution)
U = (np.arange(20_000) + 0.5) / 20_000  # midpoint quadrature of the inverse CDF: exact means, no noise


def dist(**raw):
    return ADAPTER.validate_python(raw)


@pytest.mark.parametrize("raw, frozen", [
    ({"family": "uniform", "low": 2, "high": 5}, stats.uniform(2, 3)),
    ({"family": "triangular", "low": 0.1, "likely": 0.2, "high": 0.45}, stats.triang(0.1 / 0.35, 0.1, 0.35)),
    ({"family": "pert", "low": 0.5, "likely": 1, "high": 3}, stats.beta(1 + 4 * 0.5 / 2.5, 1 + 4 * 2 / 2.5, 0.5, 2.5)),
    ({"family": "normal", "mean": 3, "sd": 2}, stats.norm(3, 2)),
    ({"family": "lognormal", "median": 1.5, "p90": 5},
     stats.lognorm(math.log(5 / 1.5) / stats.norm.ppf(0.9), scale=1.5)),
    ({"family": "beta", "a": 2, "b": 5, "low": 1, "high": 3}, stats.beta(2, 5, 1, 2)),
    ({"family": "exponential", "mean": 4}, stats.expon(scale=4)),
])
def test_inverse_cdf_matches_scipy(raw, frozen):
    d = dist(**raw)
    f = d.sampler()
    for u in (0.01, 0.1, 0.37, 0.5, 0.9, 0.99):
        assert f(u) == pytest.approx(frozen.ppf(u), rel=1e-6, abs=1e-9)
    assert d.mean() == pytest.approx(frozen.mean(), rel=1e-9)
    assert np.mean([f(u) for u in U]) == pytest.approx(frozen.mean(), rel=2e-3)


def test_lognormal_by_moments():
    d = dist(family="lognormal", mean=3.0, sd=2.0)
    draws = np.array([d.sampler()(u) for u in U])
    assert draws.mean() == pytest.approx(3.0, rel=1e-2)
    assert draws.std() == pytest.approx(2.0, rel=3e-2)


def test_choice_and_empirical():
    choice = dist(family="choice", values=[1, 2, 10], weights=[1, 2, 1]).sampler()
    draws = np.array([choice(u) for u in U])
    assert np.mean(draws == 2) == pytest.approx(0.5, abs=1e-3) and draws.mean() == pytest.approx(3.75, rel=1e-3)
    empirical = dist(family="empirical", values=[3, 1, 2]).sampler()
    assert sorted({empirical(u) for u in U}) == [1, 2, 3]
    assert np.mean([empirical(u) for u in U]) == pytest.approx(2.0, rel=1e-3)


def test_clip_and_field_range():
    d = dist(family="normal", mean=0.5, sd=1.0, clip=[0.0, 2.0])
    f = d.sampler(0.0, 1.0)  # clipped by the distribution, then by the field's meaningful range
    assert min(f(u) for u in U) == 0.0 and max(f(u) for u in U) == 1.0


def test_inverse_cdf_is_finite_at_zero():
    for raw in ({"family": "normal", "mean": 0, "sd": 1}, {"family": "lognormal", "median": 1, "p90": 2},
                {"family": "exponential", "mean": 1}):
        assert math.isfinite(dist(**raw).sampler()(0.0))


@pytest.mark.parametrize("text, unit, expected", [
    ("18 months", "year", 1.5), ("2 years", "month", 24), ("90 days", "day", 90), ("1 quarter", "month", 3),
    ("3 weeks", "day", 21), ("365.25 days", "year", 1), ("2 yrs", "quarter", 8), ("1.5 q", "year", 0.375),
])
def test_time_units(text, unit, expected):
    assert units.parse_time(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("2.5M", 2.5e6), ("300k", 3e5), ("1.2B", 1.2e9), ("1,200,000", 1.2e6), ("7", 7.0), ("4 bn", 4e9),
])
def test_money_units(text, expected):
    assert units.parse_money(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["12 parsecs", "soon", "", "nan years"])
def test_bad_times(text):
    with pytest.raises(ValueError):
        units.parse_time(text, "year")


SCENARIO = """\
allysim: 1
name: Streams
horizon: 10
risks:
  - {id: a, rate: 3, impact: {health: {uniform: {low: 0, high: 0.01}}}}
  - {id: b, rate: 0.1, impact: {fatal: 0.5}}
contingencies:
  - {id: c, trigger: {on: a}, success: 0.5, delay: {uniform: {low: 0, high: 1}}, effect: {restore_health: 0.1}}
"""


def test_streams_are_reproducible_and_independent_of_other_replications():
    layout = sources(parse_scenario(SCENARIO))
    assert layout.names == ("a.arrivals", "a.health", "b.arrivals", "b.fatal", "c.success", "c.delay")
    a = layout.index("a.arrivals")
    first = [Streams(layout, 5, 3).u(a) for _ in range(2)]
    assert first[0] == first[1]
    assert Streams(layout, 5, 4).u(a) != first[0]
    assert Streams(layout, 6, 3).u(a) != first[0]
    # a source's draws do not depend on what other sources drew before
    busy = Streams(layout, 5, 3)
    for _ in range(50):
        busy.u(layout.index("c.success"))
    assert busy.u(a) == first[0]


def test_streams_continue_past_their_slice_reproducibly():
    layout = sources(parse_scenario(SCENARIO))
    source = layout.index("c.success")
    take = layout.sizes[source] + 600  # well past the slice, into three pages
    a = Streams(layout, 1, 0).iterate(source)
    b = Streams(layout, 1, 0).iterate(source)
    xs = [next(a) for _ in range(take)]
    assert xs == [next(b) for _ in range(take)]
    assert len(set(xs)) == take and all(0.0 <= x < 1.0 for x in xs)
    # the stream's uniforms are uniform: a coarse chi-square over 10 bins on 4,000 draws
    more = np.array([next(a) for _ in range(4000)])
    counts = np.histogram(more, bins=10, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-4
