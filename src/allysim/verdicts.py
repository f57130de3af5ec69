"""Verdicts: what a paired effect lets a sentence say, decided once, from its 95% interval and the materiality.

An effect is a paired difference whose positive sign is good for the thing named (a plan minus the baseline, a
contingency's net value, what removing a risk gains, the best portfolio minus the runner-up). With its mean ``m``,
its 95% interval ``[lo, hi]`` and the materiality ``M`` (money: the smallest effect worth a board's attention;
default 1% of the baseline plan's mean |NPV|), the verdict is, in this order (``docs/deciding.md`` repeats it):

- ``better``: ``lo > 0`` and ``m > M``: clearly above zero, and by more than the materiality;
- ``worse``: ``hi < 0`` and ``m < -M``;
- ``unclear``: neither, and the interval is wider than ``2M``: it could hold a material effect either way, so more
  runs would settle it (:func:`settling_runs`: the interval shrinks as one over the square root of the runs);
- ``tied``: neither, and the interval is at most ``2M`` wide: "about break even", with its number (an effect whose
  interval excludes zero but whose mean is within the materiality is tied, never "pays for itself").

A materiality of 0 gives the plain rule (a winner when the interval excludes zero; never ``tied`` unless the interval
is a point): survival effects in percentage points are judged that way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Verdict", "VerdictName", "verdict", "judge", "judged", "settling_runs", "default_materiality",
           "materiality_for", "Materiality",
           "MAX_SETTLING_RUNS", "DEFAULT_SHARE"]

VerdictName = Literal["better", "worse", "tied", "unclear"]
MAX_SETTLING_RUNS = 100_000_000  # beyond this, no practical number of runs settles a difference
DEFAULT_SHARE = 0.01  # the default materiality: this share of the baseline plan's mean |NPV|


def verdict(mean: float, low: float | None, high: float | None, materiality: float = 0.0) -> VerdictName:
    """Decide an effect's verdict from its mean, 95% interval and the materiality (see the module's rule).

    Examples
    --------
    >>> verdict(5.0, 2.0, 8.0, 1.0), verdict(0.3, 0.05, 0.55, 1.0), verdict(0.3, -4.0, 4.6, 1.0)
    ('better', 'tied', 'unclear')
    >>> verdict(-5.0, -8.0, -2.0, 1.0), verdict(0.4, 0.1, 0.7), verdict(0.4, -0.1, 0.9)
    ('worse', 'better', 'unclear')
    """
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "unclear"
    materiality = max(0.0, float(materiality))
    if low > 0 and mean > materiality:
        return "better"
    if high < 0 and mean < -materiality:
        return "worse"
    if high - low > 2 * materiality:
        return "unclear"
    return "tied"


def settling_runs(mean: float, low: float | None, high: float | None, runs: int | None,
                  materiality: float = 0.0) -> int | None:
    """Roughly how many runs would turn an ``unclear`` effect into a verdict, if its mean held and its interval
    shrank as one over the square root of the runs: the fewer of the runs that narrow the interval to ``2M`` (then
    it is at least ``tied``) and, when ``|m| > M``, those that make it exclude zero. Two significant figures, rounded
    up; None when unknown, already settled, or beyond :data:`MAX_SETTLING_RUNS`.

    Examples
    --------
    >>> settling_runs(0.3, -4.0, 4.6, 1000, 1.0), settling_runs(-0.04, -0.20, 0.11, 2000)
    (19000, 31000)
    """
    if low is None or high is None or not runs or verdict(mean, low, high, materiality) != "unclear":
        return None
    half = (high - low) / 2
    if half <= 0:
        return None
    needs = []
    if materiality > 0:
        needs.append(runs * (half / materiality) ** 2)
    if abs(mean) > materiality:
        needs.append(runs * (half / abs(mean)) ** 2)
    if not needs or min(needs) > MAX_SETTLING_RUNS:
        return None
    need = min(needs)
    digits = max(0, len(str(int(need))) - 2)
    return int(math.ceil(need / 10 ** digits) * 10 ** digits)


@dataclass(frozen=True)
class Verdict:
    """An effect judged: its numbers, its verdict and, when unclear, the runs that would settle it.

    ``to_dict()`` is what every study's JSON puts beside a paired effect:
    ``{"mean", "ci95", "verdict", "materiality", "settling_runs"}``.
    """

    mean: float
    low: float | None
    high: float | None
    runs: int | None = None
    materiality: float = 0.0

    @property
    def name(self) -> VerdictName:
        """``better``, ``worse``, ``tied`` or ``unclear``."""
        return verdict(self.mean, self.low, self.high, self.materiality)

    @property
    def settling_runs(self) -> int | None:
        """See :func:`settling_runs`."""
        return settling_runs(self.mean, self.low, self.high, self.runs, self.materiality)

    def fields(self) -> dict[str, Any]:
        """The verdict's fields for a study's JSON, beside the effect's ``mean`` and ``ci95``."""
        out: dict[str, Any] = {"verdict": self.name}
        if out["verdict"] == "unclear":
            out["settling_runs"] = self.settling_runs
        return out


def judge(entry: Mapping[str, Any], runs: Any = None, materiality: float = 0.0, *, sign: float = 1.0) -> Verdict:
    """Read ``{"mean" (or "estimate"), "ci95": [lo, hi]}`` as a :class:`Verdict`; ``sign=-1`` judges the effect of
    the opposite change (what a risk costs, read as what removing it gains)."""
    mean = entry.get("mean", entry.get("estimate"))
    low, high = (list(entry.get("ci95") or [None, None]) + [None, None])[:2]
    if sign < 0:
        low, high = (None if high is None else -high), (None if low is None else -low)
    return Verdict(sign * float(mean if mean is not None else 0.0), None if low is None else float(low),
                   None if high is None else float(high),
                   int(runs) if isinstance(runs, (int, float)) and runs else None, float(materiality))


@dataclass(frozen=True)
class Materiality:
    """The materiality a study used and where it came from, as every study's JSON records it."""

    value: float
    source: str  # "scenario", "--materiality" or "default: 1% of the mean |NPV| of PLAN"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source}


def default_materiality(npv: Sequence[float] | np.ndarray, plan: str, given: float | None = None,
                        source: str = "scenario") -> Materiality:
    """The materiality: ``given`` (from the scenario or ``--materiality``), else 1% of the mean |NPV| of the
    baseline plan's runs ``npv``."""
    if given is not None:
        return Materiality(float(given), source)
    import numpy as np  # not at import: the command line starts without numerics

    values = np.abs(np.asarray(npv, dtype=float))
    mean = float(values.mean()) if values.size else 0.0
    return Materiality(DEFAULT_SHARE * mean, f"default: 1% of the mean |NPV| of {plan}")


def materiality_for(option: float | None, scenario_value: float | None, npv: Sequence[float] | np.ndarray,
                    plan: str) -> Materiality:
    """The materiality a study uses: ``option`` (``--materiality``, ``materiality=``), else the scenario's
    ``materiality``, else 1% of the mean |NPV| of ``plan``'s runs ``npv`` (the baseline plan where the study
    simulated it)."""
    if option is not None:
        return Materiality(float(option), "option")
    if scenario_value is not None:
        return Materiality(float(scenario_value), "scenario")
    return default_materiality(npv, plan)


def judged(entry: dict[str, Any], runs: Any, materiality: float = 0.0) -> dict[str, Any]:
    """``entry`` (``{"mean", "ci95"}``, a paired effect, positive good) with its verdict beside it:
    ``"verdict"`` and, when unclear, ``"settling_runs"``."""
    return {**entry, **judge(entry, runs, materiality).fields()}
