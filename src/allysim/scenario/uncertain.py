"""Uncertain assumptions in a scenario file: parameters written as a range (SPEC section 8).

Two kinds of randomness meet in a simulation. What *happens* in one alliance's life (which risks occur, when, how
hard they hit) is drawn again and again within a replication. What we *do not know* (the true rate of a buyout
offer, the true success rate of a rescue clause) is one fixed but unknown number, drawn once per replication by
:class:`allysim.uncertainty.Draws`.

Which parameters may be uncertain, and their meaningful ranges, is said once, in the table of parameter shapes
(:data:`allysim.scenario.paths.SHAPES`). This module reads them out of a file: the extraction of uncertain values
(:func:`extract`, with located errors), the ``correlations`` checks, and each distribution's exact quantiles
(:func:`ppf`, :func:`quantiles`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .paths import ParameterPath, PathError, Range, uncertain_shapes

if TYPE_CHECKING:
    import numpy as np
    from scipy import special


class _OnFirstUse:
    """A module imported when first used: validating a scenario without uncertain parameters loads neither numpy
    nor scipy (``allysim validate`` starts in a fraction of the time). The first use puts the module itself in its
    place, so later uses cost nothing."""

    def __init__(self, name: str, alias: str) -> None:
        self.name, self.alias = name, alias

    def __getattr__(self, attr: str) -> Any:
        import importlib

        module = importlib.import_module(self.name)
        globals()[self.alias] = module
        return getattr(module, attr)


if not TYPE_CHECKING:
    np = _OnFirstUse("numpy", "np")
    special = _OnFirstUse("scipy.special", "special")

__all__ = [
    "Uncertain",
    "canonical",
    "check_correlations",
    "correlation_matrix",
    "extract",
    "extremes",
    "ppf",
    "quantiles",
    "rank_to_pearson",
    "without_correlations_of",
    "TOP",
    "TINY",
]

TOP = 1.0 - 2.0**-53  # the largest uniform a stream gives
TINY = 2.0**-54


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter of a scenario: where it is written, its distribution and its range."""

    path: str  # SPEC name, e.g. risks.partner_buyout.probability
    file_path: tuple[str | int, ...]  # where it stands in the file, e.g. ("risks", 3, "probability")
    distribution: Any  # a Distribution
    bounds: Range  # what its draws may be: the range of its parameter's shape

    def sampler(self) -> Callable[[float], float]:
        """Scalar draws from a uniform, clipped to the distribution's clip and the parameter's range."""
        return self.distribution.sampler(self.bounds.low, self.bounds.high)

    def quantile(self, q: float) -> float:
        return float(ppf(self.distribution, np.array([q]), self.bounds)[0])


# --------------------------------------------------------------------------- finding uncertain values in a file


def _matches(data: Any, parts: list[str], spec: tuple[str, ...], where: tuple) -> Iterator[tuple[tuple, tuple, Any]]:
    """Every (wildcard values, file path, value) of ``data`` matching the pattern ``parts``."""
    if not parts:
        yield spec, where, data
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                if isinstance(item, dict) and isinstance(item.get("id"), str) and "." not in item["id"]:
                    yield from _matches(item, rest, spec + (item["id"],), where + (i,))
    elif head == "#":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from _matches(item, rest, spec + (str(i),), where + (i,))
        elif isinstance(data, dict):  # one mapping written where a list may stand
            yield from _matches(data, rest, spec + ("0",), where)
    elif head == "?":
        if isinstance(data, dict):
            for key, item in data.items():
                if isinstance(key, str) and "." not in key:
                    yield from _matches(item, rest, spec + (key,), where + (key,))
    elif isinstance(data, dict) and head in data:
        yield from _matches(data[head], rest, spec, where + (head,))
    elif head.isdigit() and isinstance(data, list) and int(head) < len(data):  # a fixed place in a list (a step's
        yield from _matches(data[int(head)], rest, spec, where + (int(head),))  # rate, [age, rate][1])


def _replace(data: Any, where: tuple, value: Any) -> Any:
    """A copy of ``data`` with the value at ``where`` replaced (copies only along the path)."""
    if not where:
        return value
    head = where[0]
    if isinstance(data, list):
        out = list(data)
    else:
        out = dict(data)
    out[head] = _replace(data[head], where[1:], value)
    return out


def extract(data: Any, locations: Any,
            validate: Callable[[Any, str, tuple], Any]) -> tuple[Any, dict[str, Uncertain], list[str]]:
    """Pull every uncertain value (a distribution where a plain number is usual) out of a file's data.

    Each one is validated (``validate(raw, kind, file_path)`` returns a Distribution or raises
    :class:`~allysim.errors.ScenarioError`) and checked against its parameter's range. The data comes back with
    each uncertain value replaced by its median (what summaries of the assumptions show), so the rest of the
    scenario validates as usual. Returns ``(data, {PATH: Uncertain}, problems)``, in file order.
    """
    from ..errors import ScenarioError

    found: list[tuple[tuple[int, int], Uncertain]] = []
    problems: list[str] = []
    if not isinstance(data, dict):
        return data, {}, problems
    for shape in uncertain_shapes():
        parameter = shape.range
        assert parameter is not None
        for wildcards, where, raw in list(_matches(data, shape.wildcards, (), ())):
            if not isinstance(raw, dict):
                continue
            path = str(ParameterPath(shape, wildcards))
            try:
                dist = validate(raw, parameter.kind, where)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                data = _replace(data, where, _placeholder(parameter))
                continue
            problem = _range_problem(dist, parameter)
            if problem:
                problems.append(locations.error(where, problem))
                data = _replace(data, where, _placeholder(parameter))
                continue
            item = Uncertain(path, where, dist, parameter)
            data = _replace(data, where, item.quantile(0.5))
            found.append((locations.of(where), item))
    found.sort(key=lambda pair: pair[0])
    return data, {u.path: u for _, u in found}, problems


def _placeholder(parameter: Range) -> float:
    """A value inside the range, so that a bad distribution is reported once, not again as a bad number."""
    if parameter.low_open:
        return min(parameter.high, parameter.low + 0.5) if parameter.high < math.inf else parameter.low + 1.0
    return parameter.low


def _range_problem(dist: Any, parameter: Range) -> str | None:
    """Why ``dist`` may draw outside its parameter's range (after its own clip), or None."""
    try:
        sample = dist.sampler()
        low, high = sample(0.0), sample(TOP)
    except (OverflowError, ValueError, ZeroDivisionError):
        return "its draws overflow (they reach infinity); use smaller parameters"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "its draws overflow (they reach infinity); use smaller parameters"
    bad = low if not parameter.admits(low) else high if not parameter.admits(high) else None
    if bad is None:
        return None
    top = parameter.high if parameter.high < math.inf else sample(0.999)
    clip = f"clip: [{parameter.low:.4g}, {top:.4g}]"
    return (f"its draws reach {bad:.4g}, outside {parameter.range_text} for {parameter.what}; narrow the "
            f"distribution or bound it, e.g. with {clip}")


def extremes(item: Uncertain) -> tuple[float, float]:
    """The lowest and highest value ``item`` can take."""
    sample = item.sampler()
    return sample(0.0), sample(TOP)


# --------------------------------------------------------------------------- correlations


def canonical(path: str) -> str:
    """A parameter's path in SPEC's spelling (``risks.ID.impact.escalates.N.factor`` -> ``risks.ID.escalates...``);
    a path that names no parameter as written (the correlations check says so)."""
    try:
        return str(ParameterPath.parse(path))
    except PathError:
        return str(path)


def rank_to_pearson(rho: np.ndarray | float) -> np.ndarray | float:
    """The normal correlation whose Gaussian copula has Spearman rank correlation ``rho``: 2 sin(pi rho / 6)."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


def check_correlations(correlations: Sequence[Any], uncertain: Mapping[str, Uncertain], locations: Any) -> list[str]:
    """Located problems of the ``correlations`` block: unknown or repeated pairs, a matrix not positive definite."""
    problems: list[str] = []
    seen: set[frozenset[str]] = set()
    known = list(uncertain)
    for i, corr in enumerate(correlations):
        a, b = canonical(corr.between[0]), canonical(corr.between[1])
        for j, path in enumerate((a, b)):
            if path not in uncertain:
                listing = ", ".join(known[:12]) + (f", ... ({len(known)} in all)" if len(known) > 12 else "")
                problems.append(locations.error(
                    ("correlations", i, "between", j),
                    f"'{path}' is not an uncertain parameter of this scenario; correlations join parameters "
                    f"written as distributions (uncertain here: {listing or 'none'})"))
        if a == b:
            problems.append(locations.error(("correlations", i, "between"), "a parameter cannot be correlated "
                                                                            "with itself"))
        pair = frozenset((a, b))
        if pair in seen and a != b:
            problems.append(locations.error(("correlations", i, "between"), f"{a} and {b} are correlated twice"))
        seen.add(pair)
    if problems or not correlations:
        return problems
    _, matrix = correlation_matrix(correlations)
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest <= 1e-10:
        worst = max(range(len(correlations)), key=lambda k: abs(correlations[k].rho))
        problems.append(locations.error(
            ("correlations",), f"these rank correlations cannot hold together: their matrix is not positive "
                               f"definite (smallest eigenvalue {smallest:.3g}); weaken some of them, for example "
                               f"correlations[{worst}] (rho {correlations[worst].rho:g})", key=True))
    return problems


def without_correlations_of(data: Any, paths: Sequence[str]) -> Any:
    """``data`` without the correlations that name one of ``paths``: parameters an override set to a plain number.

    A what-if or a sweep point fixes such a parameter; the parameters it was correlated with keep their own
    ranges, drawn as if uncorrelated with it.
    """
    fixed = set(map(canonical, paths))
    entries = data.get("correlations") if isinstance(data, dict) else None
    if not fixed or not isinstance(entries, list):
        return data
    kept = [e for e in entries if not (isinstance(e, dict) and isinstance(e.get("between"), list)
                                       and fixed.intersection(map(canonical, e["between"])))]
    return {**data, "correlations": kept} if len(kept) != len(entries) else data


def correlation_matrix(correlations: Sequence[Any]) -> tuple[list[str], np.ndarray]:
    """The correlated paths (in order of first mention) and the normal (Pearson) correlation matrix of their copula."""
    paths: list[str] = []
    for corr in correlations:
        for path in map(canonical, corr.between):
            if path not in paths:
                paths.append(path)
    index = {p: k for k, p in enumerate(paths)}
    matrix = np.eye(len(paths))
    for corr in correlations:
        a, b = index[canonical(corr.between[0])], index[canonical(corr.between[1])]
        matrix[a, b] = matrix[b, a] = float(rank_to_pearson(corr.rho))
    return paths, matrix


# --------------------------------------------------------------------------- draws


def ppf(dist: Any, u: np.ndarray, parameter: Range) -> np.ndarray:
    """Inverse CDF of ``dist`` at the uniforms ``u`` (vectorised), clipped to its clip and the parameter's range."""
    family = dist.family
    u = np.asarray(u, dtype=float)
    if family == "constant":
        x = np.full(u.shape, dist.value_)
    elif family == "uniform":
        x = dist.low + u * (dist.high - dist.low)
    elif family == "triangular":
        a, c, b = dist.low, dist.likely, dist.high
        if b == a:
            x = np.full(u.shape, a)
        else:
            left = u * (b - a) < c - a
            x = np.where(left, a + np.sqrt(np.where(left, u, 0.0) * (b - a) * (c - a)),
                         b - np.sqrt(np.where(left, 0.0, 1.0 - u) * (b - a) * (b - c)))
    elif family == "pert":
        if dist.high == dist.low:
            x = np.full(u.shape, dist.low)
        else:
            a, b = dist.beta_shape()
            x = dist.low + (dist.high - dist.low) * special.betaincinv(a, b, u)
    elif family == "beta":
        x = dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, u)
    elif family == "normal":
        x = dist.mean_ + dist.sd * special.ndtri(np.where(u > 0, u, TINY))
    elif family == "lognormal":
        mu, sigma = dist.log_params()
        x = np.exp(mu + sigma * special.ndtri(np.where(u > 0, u, TINY)))
    elif family == "exponential":
        x = -dist.mean_ * np.log1p(-u)
    elif family == "choice":
        cum = np.array(dist.cumulative_weights())
        x = np.asarray(dist.values)[np.minimum(np.searchsorted(cum, u, side="right"), len(dist.values) - 1)]
    elif family == "empirical":
        n = len(dist.values)
        x = np.asarray(dist.values)[np.minimum((u * n).astype(np.int64), n - 1)]
    else:  # pragma: no cover - every family is listed above
        raise ValueError(f"unknown family {family}")
    if dist.clip is not None:
        x = np.clip(x, dist.clip[0], dist.clip[1])
    return np.clip(x, parameter.low, parameter.high)


def quantiles(item: Uncertain, levels: Sequence[float] = (0.1, 0.5, 0.9)) -> list[float]:
    """Exact quantiles of an uncertain parameter's declared (clipped) distribution."""
    return [float(v) for v in ppf(item.distribution, np.asarray(levels, dtype=float), item.bounds)]
