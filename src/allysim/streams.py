"""Reproducible random streams: one per (root seed, replication, source).

A *source* is one purpose of randomness in a scenario: a risk's arrivals, a risk's health drops, a contingency's
successes, and so on (:func:`sources`). The list of sources depends on the scenario only, never on the plan, so two
plans of one scenario read the same uniforms for everything they share: plan comparisons are paired (common random
numbers). Results do not depend on how replications are split over workers, because each replication's streams
are derived from its own index.

How a stream is made, cheaply. Streams come from Philox, a counter-based generator: its output at a counter is
a keyed bijection of that counter, so blocks at different counters are independent by construction, with no
seeding per stream. The key comes from ``SeedSequence(root_seed)``; the 256-bit counter holds
``(position, page, replication, 0)``. Page 0 of a replication is one block of ``layout.total`` uniforms, and source
``i`` reads its own fixed slice of it; a source that needs more continues from its own pages
``1 + i * 2**32 + p``. A *keyed* source (a partner's, SPEC section 12) has its own block instead, at counter
``(p * 2**40, key(name), replication, 2)`` for its page ``p``: adding or removing a partner moves no other source's
uniforms, whatever the file order. Uncertain parameters (drawn once per replication) live apart, in counters whose last
word is 1: ``(replication // 4, key(name), 0, 1)``, one uniform per replication (:func:`parameter_uniforms`).
Resetting one Philox to a counter costs a few microseconds, where building a seeded
generator per source would cost tens: stream setup stays far below the cost of simulating the replication.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .scenario.paths import ParameterPath

__all__ = ["Layout", "Streams", "sources", "shared_layout", "parameter_uniforms", "PAGE"]

PAGE = 256


@dataclass(frozen=True)
class Layout:
    """Where each source's first uniforms stand in a replication's block."""

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    offsets: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    total: int = 0
    keyed: tuple[tuple[str, int], ...] = ()  # (name, size) of the sources with blocks of their own, after the others
    keys: tuple[int, ...] = ()  # each keyed source's 64-bit key (its name's hash)
    keyed_offsets: tuple[int, ...] = ()  # where each keyed block starts in a replication's block

    def __post_init__(self) -> None:
        offsets, acc = [], 0
        for size in self.sizes:
            offsets.append(acc)
            acc += size
        object.__setattr__(self, "offsets", tuple(offsets))
        object.__setattr__(self, "ends", tuple(o + n for o, n in zip(offsets, self.sizes)))
        object.__setattr__(self, "total", acc)
        object.__setattr__(self, "keys", tuple(_key(name) for name, _ in self.keyed))
        keyed_offsets = []
        for _, size in self.keyed:
            keyed_offsets.append(acc)
            acc += size
        object.__setattr__(self, "keyed_offsets", tuple(keyed_offsets))

    def index(self, name: str) -> int:
        if name in self.names:
            return self.names.index(name)
        keyed = [k for k, _ in self.keyed]
        if name in keyed:
            return len(self.names) + keyed.index(name)
        raise ValueError(f"no random source {name!r}")

    def find(self, name: str) -> int:
        """Index of ``name``, or -1 when the scenario has no such source (a constant draws nothing)."""
        try:
            return self.index(name)
        except ValueError:
            return -1


def sources(scenario) -> Layout:  # noqa: ANN001 - a Scenario; typed loosely to keep this module SimPy- and pydantic-free
    """Every random source of a scenario, in file order, with a slice size that rarely overflows."""
    names: list[str] = []
    sizes: list[int] = []

    def add(name: str, expected: float) -> None:
        names.append(name)
        sizes.append(int(math.ceil(expected + 3 * math.sqrt(expected))) + 2)

    env = getattr(scenario, "environment", None)
    for risk in scenario.risks:
        n = risk.expected_occurrences(scenario.horizon)
        if env is not None:  # sized for the busiest state, so that slices rarely overflow there either
            n *= max(state.rate(risk.id) for state in env.states.values())
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
        if impact.fatal > 0 or str(ParameterPath.of("risks.ID.impact.fatal", risk.id)) in getattr(scenario, "uncertain", {}):
            add(f"{risk.id}.fatal", n)
    for c in scenario.contingencies:
        add(f"{c.id}.success", 2)
        if not c.delay.is_constant:
            add(f"{c.id}.delay", 2)
    if env is not None:  # last, so that adding an environment moves no other source's draws
        fastest = max([sum(targets.values()) for targets in env.transitions.values()] + [0.0])
        add("environment", 2 * min(fastest * scenario.horizon, 10_000) + 1)
    return Layout(tuple(names), tuple(sizes), keyed=_partner_sources(scenario))


def _partner_sources(scenario) -> tuple[tuple[str, int], ...]:  # noqa: ANN001 - a Scenario
    """The keyed sources of a scenario's partners: each one's exit times, its on_exit draws, and each risk's pulls."""
    keyed: list[tuple[str, int]] = []
    for p in getattr(scenario, "partners", ()):
        keyed.append((f"{p.id}.exit", 8))
        if not p.on_exit.health.is_constant:
            keyed.append((f"{p.id}.on_exit_health", 4))
        if not p.on_exit.cost.is_constant:
            keyed.append((f"{p.id}.on_exit_cost", 4))
    for risk in getattr(scenario, "partners", ()) and scenario.risks:
        n = int(min(risk.expected_occurrences(scenario.horizon), 10_000)) + 4
        keyed += [(f"{risk.id}.exit.{pid}", n) for pid in risk.impact.exit]
    return tuple(keyed)


def shared_layout(layouts: list[Layout]) -> Layout:
    """One layout serving versions of a scenario that differ in parameter values (the points of a sweep).

    A source's slice size, and whether some sources exist at all, depend on parameter values (a rate, the horizon, a
    fatal probability of 0), and each source's offset on the sizes before it: with their own layouts two versions
    would read different uniforms. Here every source of any version keeps one place (first seen, first placed) with
    the largest slice any version asked for, so each source reads the same uniforms in every version: common random
    numbers across the values.
    """
    sizes: dict[str, int] = {}
    keyed: dict[str, int] = {}
    for layout in layouts:
        for name, size in zip(layout.names, layout.sizes):
            sizes[name] = max(size, sizes.get(name, 0))
        for name, size in layout.keyed:
            keyed[name] = max(size, keyed.get(name, 0))
    return Layout(tuple(sizes), tuple(sizes.values()), keyed=tuple(keyed.items()))


class Streams:
    """The uniform streams of one replication: ``streams.u(i)`` is the next uniform in [0, 1) of source ``i``."""

    __slots__ = ("_block", "_pos", "_end", "_seed", "_replication", "_pages", "_keys", "_first_keyed")

    def __init__(self, layout: Layout, seed: int, replication: int) -> None:
        self._block: array[float] = _draw(seed, replication, 0, layout.total)
        self._pos = list(layout.offsets)
        self._end = layout.ends
        self._seed, self._replication = seed, replication
        self._pages: dict[int, int] = {}
        self._first_keyed = len(layout.names)
        self._keys: tuple[int, ...] = ()
        if layout.keyed:  # each keyed source's own block, after the shared one
            self._keys = layout.keys
            self._block = _philox(seed).with_keyed(replication, self._block, layout)
            self._pos += list(layout.keyed_offsets)
            self._end = self._end + tuple(o + size for o, (_, size) in zip(layout.keyed_offsets, layout.keyed))

    def copy(self) -> Streams:
        """These streams as they stand, read on apart: each source at the same place (the blocks are only read)."""
        new = Streams.__new__(Streams)
        new._block, new._pos, new._end, new._pages = self._block, self._pos[:], self._end, dict(self._pages)
        new._seed, new._replication, new._keys, new._first_keyed = self._seed, self._replication, self._keys, \
            self._first_keyed
        return new

    def u(self, source: int) -> float:
        """The next uniform of ``source`` (an index into the layout)."""
        k = self._pos[source]
        if k < self._end[source]:
            self._pos[source] = k + 1
            return self._block[k]
        return self._overflow(source)

    def _overflow(self, source: int) -> float:
        """Continue ``source`` past its slice, from pages of its own."""
        page = self._pages.get(source, 0)
        self._pages[source] = page + 1
        start = len(self._block)
        # a new list, never extend(): the first block may be shared by every variant simulated on this replication
        if source >= self._first_keyed:
            key = self._keys[source - self._first_keyed]
            more = _philox(self._seed).draw_at(((page + 1) << 40, key, self._replication, 2), PAGE)
        else:
            more = _draw(self._seed, self._replication, 1 + (source << 32) + page, PAGE)
        self._block = self._block + more
        self._pos[source] = start + 1
        self._end = self._end[:source] + (start + PAGE,) + self._end[source + 1:]
        return self._block[start]

    def iterate(self, source: int) -> Iterator[float]:
        """An endless iterator over one source, for tests and notebooks (the engine calls :meth:`u`)."""
        while True:
            yield self.u(source)


class _Philox:
    """One Philox generator per root seed in this process, moved to any counter before each use."""

    def __init__(self, seed: int) -> None:
        key = np.random.SeedSequence(seed).generate_state(2, np.uint64)
        self.bits = np.random.Philox(key=key)
        self.generator = np.random.Generator(self.bits)
        self.state = self.bits.state
        # the last first block drawn: a study simulates several variants of one replication in a row, and each
        # reads the same block (the list is only read: Streams copies before extending)
        self.first: tuple[int, int, array[float]] = (-1, -1, array("d"))
        self.keyed: tuple[int, Layout | None, array[float]] = (-1, None, array("d"))  # with the keyed blocks
        self.counter = np.zeros(4, dtype=np.uint64)
        self.buffers: dict[int, tuple[np.ndarray, memoryview]] = {}  # by size: the doubles, and their bytes

    def move(self, counter: tuple[int, int, int, int]) -> None:
        """Put the generator at ``counter``, with nothing buffered."""
        self.counter[:] = counter
        self.state["state"]["counter"] = self.counter
        self.state["buffer_pos"] = 4  # discard any buffered output
        self.state["has_uint32"] = 0
        self.bits.state = self.state

    def with_keyed(self, replication: int, first: array[float], layout: Layout) -> array[float]:
        """``first`` (the replication's shared block) followed by each keyed source's block: made once per
        replication and layout, and read by every variant simulated on it (a new array: ``first`` is cached)."""
        known_replication, known_layout, block = self.keyed
        if known_replication == replication and (known_layout is layout or known_layout == layout):
            return block
        block = first + array("d")
        for key, (_, size) in zip(layout.keys, layout.keyed):
            block += self.draw_at((0, key, replication, 2), size)
        self.keyed = (replication, layout, block)
        return block

    def draw_at(self, counter: tuple[int, int, int, int], n: int) -> array[float]:
        """``n`` uniforms from ``counter`` (a keyed source's block), never cached."""
        self.move(counter)
        block = array("d")
        block.frombytes(self.generator.random(n).tobytes())
        return block

    def draw(self, replication: int, page: int, n: int) -> array[float]:
        if page == 0:
            known_replication, known_n, block = self.first
            if known_replication == replication and known_n == n:
                return block
        self.move((0, page, replication, 0))
        if n not in self.buffers:
            doubles = np.empty(n)
            self.buffers[n] = (doubles, memoryview(doubles).cast("B"))
        doubles, raw = self.buffers[n]
        self.generator.random(out=doubles)  # the same doubles as random(n), without a new array each time
        # doubles in a compact array, not a list: a replication reads a fraction of its block, and only the uniforms
        # read become Python floats (the same values)
        block = array("d")
        block.frombytes(raw)
        if page == 0:
            self.first = (replication, n, block)
        return block


@lru_cache(maxsize=8)
def _philox(seed: int) -> _Philox:
    return _Philox(seed)


def _draw(seed: int, replication: int, page: int, n: int) -> array[float]:
    """``n`` uniforms from the block at counter (0, page, replication, 0) of the root seed's Philox."""
    if page >= 2**64 or replication >= 2**64:
        raise OverflowError("replication or page index beyond 2**64")
    return _philox(seed).draw(replication, page, n)


def _key(name: str) -> int:
    """A 64-bit key for a stream name, stable across processes and Python versions."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def parameter_uniforms(seed: int, name: str, start: int, stop: int) -> np.ndarray:
    """One uniform per replication ``start .. stop - 1`` from the stream ``name`` (e.g. ``param:risks.x.rate``).

    Replication ``r``'s uniform is the ``r % 4``-th output of the Philox block at counter ``(r // 4, key, 0, 1)``,
    so it does not depend on which range it was drawn with: any chunking gives the same numbers.
    """
    if stop <= start:
        return np.empty(0)
    philox = _philox(seed)
    first = start // 4
    philox.move((first, _key(name), 0, 1))
    return philox.generator.random(stop - 4 * first)[start - 4 * first:]
