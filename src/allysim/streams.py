"""Reproducible random streams: one per (root seed, replication, source).

A *source* is one purpose of randomness in a scenario: a risk's arrivals, a risk's health drops, a contingency's
successes, and so on (:func:`sources`). The list of sources depends on the scenario only, never on the plan, so two
plans of one scenario read the same uniforms for everything they share: plan comparisons are paired (common random
numbers). Results do not depend on how replications are split over workers, because each replication's streams
are derived from its own index.

How a stream is made, cheaply: one ``SeedSequence(root_seed, spawn_key=(replication,))`` fills one block of
uniforms, and source ``i`` reads its own fixed slice of that block. A source that needs more than its slice
continues from pages seeded with ``spawn_key=(replication, i, page)``. Building a numpy Generator costs tens of
microseconds, so one per replication instead of one per source keeps stream setup well below the cost of the
simulation itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["Layout", "Streams", "sources", "PAGE"]

PAGE = 256


@dataclass(frozen=True)
class Layout:
    """Where each source's first uniforms stand in a replication's block."""

    names: tuple[str, ...]
    sizes: tuple[int, ...]

    @property
    def offsets(self) -> tuple[int, ...]:
        out, acc = [], 0
        for size in self.sizes:
            out.append(acc)
            acc += size
        return tuple(out)

    @property
    def total(self) -> int:
        return sum(self.sizes)

    def index(self, name: str) -> int:
        return self.names.index(name)


def sources(scenario) -> Layout:  # noqa: ANN001 - a Scenario; typed loosely to keep this module SimPy- and pydantic-free
    """Every random source of a scenario, in file order, with a slice size that rarely overflows."""
    names: list[str] = []
    sizes: list[int] = []

    def add(name: str, expected: float) -> None:
        names.append(name)
        sizes.append(int(math.ceil(expected + 3 * math.sqrt(expected))) + 2)

    for risk in scenario.risks:
        n = risk.hazard * scenario.horizon
        if risk.max_occurrences is not None:
            n = min(n, risk.max_occurrences)
        n = min(n, 10_000)
        add(f"{risk.id}.arrivals", n + 1)
        impact = risk.impact
        if not impact.health.is_constant:
            add(f"{risk.id}.health", n)
        if not impact.cost.is_constant:
            add(f"{risk.id}.cost", n)
        if impact.value is not None:
            if not impact.value.factor.is_constant:
                add(f"{risk.id}.value_factor", n)
            if not impact.value.duration.is_constant:
                add(f"{risk.id}.value_duration", n)
        for j, esc in enumerate(impact.escalates):
            if esc.duration is not None and not esc.duration.is_constant:
                add(f"{risk.id}.escalates{j}", n)
        if impact.fatal > 0:
            add(f"{risk.id}.fatal", n)
    for c in scenario.contingencies:
        add(f"{c.id}.success", 2)
        if not c.delay.is_constant:
            add(f"{c.id}.delay", 2)
    return Layout(tuple(names), tuple(sizes))


class Streams:
    """The uniform streams of one replication. ``streams[name]`` is an iterator of floats in [0, 1)."""

    __slots__ = ("_iters",)

    def __init__(self, layout: Layout, seed: int, replication: int) -> None:
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication,))))
        block = gen.random(layout.total).tolist()
        self._iters = {
            name: _stream(block[off:off + size], seed, replication, i)
            for i, (name, off, size) in enumerate(zip(layout.names, layout.offsets, layout.sizes))
        }

    def __getitem__(self, name: str) -> Iterator[float]:
        return self._iters[name]


def _stream(first: list[float], seed: int, replication: int, index: int) -> Iterator[float]:
    yield from first
    page = 1
    while True:
        seq = np.random.SeedSequence(seed, spawn_key=(replication, index, page))
        yield from np.random.Generator(np.random.PCG64(seq)).random(PAGE).tolist()
        page += 1
