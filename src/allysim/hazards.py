"""Hazards that change with the alliance's age (SPEC section 13): a Weibull curve, or rates by age in steps.

A :class:`Hazard` is a baseline intensity ``lambda(t)`` of the alliance's age ``t`` (time since t = 0), known by its
cumulative hazard ``H(t)``, the integral of ``lambda`` from 0 to ``t``, and the inverse of ``H``. The engine draws
occurrences by the time change of a Poisson process, as it does for constant rates: a unit-exponential budget ``E``
is spent at the current multiplier ``m`` (escalations x rate factors x environment factor, constant between two
events), so that from ``now`` the next occurrence is the ``t`` that solves ``m (H(t) - H(now)) = E``
(:meth:`Hazard.arrival`); when ``m`` changes, the part of the budget spent so far, ``m (H(now) - H(since))``
(:meth:`Hazard.spent`), is taken off and the rest is spent at the new multiplier. That is exact for any
piecewise-constant multiplier, the same construction whatever uses it (a risk's occurrences, a partner's exit).

A constant rate is no :class:`Hazard`: the engine keeps its own arithmetic for it, so that scenarios without
``hazard`` give the same numbers to the bit as before.

Examples
--------
>>> h = Weibull(shape=0.5, scale=4.0)
>>> h.cumulative(1.0)            # (1 / 4) ** 0.5
0.5
>>> h.arrival(now=0.0, budget=0.5, multiplier=1.0)
1.0
>>> Steps([0.0, 2.0], [0.1, 0.3]).inverse(0.5)   # 0.2 by age 2, then 0.3 more at 0.3 per unit
3.0
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

__all__ = ["Hazard", "Weibull", "Steps"]


class Hazard:
    """A baseline intensity of age: its cumulative hazard, the inverse of that, and the time change built on them.

    Subclasses give :meth:`intensity`, :meth:`cumulative`, :meth:`inverse`, :meth:`copy` and :meth:`set` (one
    uncertain parameter put in place for a replication: ``"shape"``, ``"scale"`` or a step's index as text).
    """

    __slots__ = ()

    def intensity(self, t: float) -> float:
        """lambda(t): occurrences per time unit at age ``t``."""
        raise NotImplementedError

    def cumulative(self, t: float) -> float:
        """H(t): the expected number of occurrences from age 0 to ``t`` (no multiplier)."""
        raise NotImplementedError

    def inverse(self, x: float) -> float:
        """The smallest age ``t`` with ``H(t) >= x``; ``math.inf`` when ``H`` never reaches ``x``."""
        raise NotImplementedError

    def copy(self) -> Hazard:
        raise NotImplementedError

    def set(self, name: str, value: float) -> None:
        raise NotImplementedError

    def spent(self, since: float, now: float, multiplier: float) -> float:
        """The budget spent from ``since`` to ``now`` at a constant ``multiplier``: ``m (H(now) - H(since))``."""
        return multiplier * (self.cumulative(now) - self.cumulative(since))

    def arrival(self, now: float, budget: float, multiplier: float) -> float:
        """The age ``t >= now`` at which ``multiplier (H(t) - H(now))`` reaches ``budget`` (``math.inf``: never).

        ``multiplier`` must be > 0 (a zero multiplier never spends its budget: the caller schedules nothing).
        """
        t = self.inverse(self.cumulative(now) + budget / multiplier)
        return t if t >= now else now  # rounding never puts the next occurrence before the present


class Weibull(Hazard):
    """intensity (k / s) (t / s)^(k - 1): H(t) = (t / s)^k, so the first occurrence is Weibull(k, s).

    ``shape`` k < 1: the hazard falls with age (young alliances are fragile); k = 1: a constant rate 1 / s;
    k > 1: it rises (wear-out). ``scale`` s is the age by which 63% of alliances would have seen an occurrence.
    """

    __slots__ = ("shape", "scale")

    def __init__(self, shape: float, scale: float) -> None:
        self.shape, self.scale = shape, scale

    def __repr__(self) -> str:
        return f"Weibull(shape={self.shape!r}, scale={self.scale!r})"

    def intensity(self, t: float) -> float:
        k, s = self.shape, self.scale
        if t <= 0.0:
            return math.inf if k < 1.0 else (1.0 / s if k == 1.0 else 0.0)
        return k / s * (t / s) ** (k - 1.0)

    def cumulative(self, t: float) -> float:
        if t <= 0.0:
            return 0.0
        try:
            return (t / self.scale) ** self.shape
        except OverflowError:
            return math.inf

    def inverse(self, x: float) -> float:
        if x <= 0.0:
            return 0.0
        try:  # a tiny multiplier asks for a budget far beyond H's reach: float ** raises rather than giving inf
            t = self.scale * x ** (1.0 / self.shape)
        except OverflowError:
            return math.inf
        return t if math.isfinite(t) else math.inf

    def copy(self) -> Weibull:
        return Weibull(self.shape, self.scale)

    def set(self, name: str, value: float) -> None:
        if name == "shape":
            self.shape = value
        elif name == "scale":
            self.scale = value
        else:
            raise ValueError(f"a Weibull hazard has shape and scale, not {name!r}")


class Steps(Hazard):
    """A rate by age, constant between steps: ``rates[i]`` per time unit from ``ages[i]`` (``ages[0]`` is 0) until
    the next age, the last one for ever. H is piecewise linear; its values at the steps are kept."""

    __slots__ = ("ages", "rates", "at")

    def __init__(self, ages: Sequence[float], rates: Sequence[float]) -> None:
        if not ages or ages[0] != 0.0 or len(ages) != len(rates):
            raise ValueError("steps start at age 0 and give one rate per age")
        self.ages, self.rates = list(ages), list(rates)
        self.at: list[float] = []
        self._accumulate()

    def __repr__(self) -> str:
        return f"Steps(ages={self.ages!r}, rates={self.rates!r})"

    def _accumulate(self) -> None:
        """H at each step's age."""
        total, at = 0.0, [0.0]
        for i in range(1, len(self.ages)):
            total += self.rates[i - 1] * (self.ages[i] - self.ages[i - 1])
            at.append(total)
        self.at = at

    def intensity(self, t: float) -> float:
        return self.rates[max(0, bisect_right(self.ages, t) - 1)]

    def cumulative(self, t: float) -> float:
        if t <= 0.0:
            return 0.0
        i = bisect_right(self.ages, t) - 1
        return self.at[i] + self.rates[i] * (t - self.ages[i])

    def inverse(self, x: float) -> float:
        if x <= 0.0:
            return 0.0
        # the last step whose H at its start is <= x; a step with rate 0 adds nothing, so H is flat across it and
        # the search passes it unless it is the last one (then H never gets beyond x)
        i = bisect_right(self.at, x) - 1
        rate = self.rates[i]
        if rate <= 0.0:
            return math.inf
        t = self.ages[i] + (x - self.at[i]) / rate
        if i + 1 < len(self.ages) and t > self.ages[i + 1]:  # rounding: never past the next step's age
            t = self.ages[i + 1]
        return t

    def copy(self) -> Steps:
        return Steps(self.ages, self.rates)

    def set(self, name: str, value: float) -> None:
        self.rates[int(name)] = value
        self._accumulate()
