"""Uncertain assumptions: parameters written as a range, drawn once per replication (SPEC section 8).

Two kinds of randomness meet in a simulation. What *happens* in one alliance's life (which risks occur, when, how
hard they hit) is drawn again and again within a replication. What we *do not know* (the true rate of a buyout
offer, the true success rate of a rescue clause) is one fixed but unknown number: it is drawn **once per
replication**, and every plan, variant and study of that replication uses the same draw, so that plan comparisons
stay paired over the same "world".

This module is the registry of the parameters that may be uncertain (:data:`PARAMETERS`, a list of path patterns
with their meaningful ranges; :func:`register` adds more, e.g. for the environment), the extraction of uncertain
values from a scenario file's data (:func:`extract`, with located errors), the ``correlations`` checks, and the
draws (:class:`Draws`): each parameter has its own stream keyed by (seed, replication, ``"param:" + PATH``);
correlated parameters are coupled by a Gaussian copula, so that their marginals are exactly the declared
distributions and their Spearman rank correlations are the ones asked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    "PARAMETERS",
    "Draws",
    "Parameter",
    "Uncertain",
    "check_correlations",
    "extract",
    "quantiles",
    "rank_to_pearson",
    "register",
]

_TOP = 1.0 - 2.0**-53  # the largest uniform a stream gives
_TINY = 2.0**-54


@dataclass(frozen=True)
class Parameter:
    """A parameter that may be uncertain: its path pattern, unit kind and meaningful range.

    In a pattern, ``*`` stands for the id of a list entry (``risks.*.rate``), ``#`` for a list index (a lone
    mapping counts as index 0), ``?`` for any key of a mapping (``environment.states.?.value``) and a number for
    one fixed place in a list (``risks.*.hazard.steps.#.1``: the rate of each ``[age, rate]`` step).
    """

    pattern: str  # where it stands in the file
    kind: str = "plain"  # plain | money | time: how unit strings in the distribution's parameters are read
    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    what: str = "a number"
    name: str = ""  # its path's spelling when it differs from the pattern (SPEC's names), same wildcards

    def path(self, wildcards: Sequence[str]) -> str:
        """The parameter's path, with the ids, indices and keys matched in the file."""
        parts, found = (self.name or self.pattern).split("."), iter(wildcards)
        return ".".join(next(found) if part in ("*", "#", "?") else part for part in parts)

    def admits(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below and math.isfinite(x)

    @property
    def range_text(self) -> str:
        lo = f"{'(' if self.low_open else '['}{self.low:g}"
        hi = "inf)" if self.high == math.inf else f"{self.high:g}{')' if self.high_open else ']'}"
        return f"{lo}, {hi}"


def _probability(pattern: str, what: str = "a probability", **kw: Any) -> Parameter:
    return Parameter(pattern, low=0.0, high=1.0, what=what, **kw)


PARAMETERS: list[Parameter] = [
    Parameter("alliance.value_rate", kind="money", what="a value rate"),
    _probability("alliance.health.initial", what="a health level"),
    _probability("alliance.health.dissolve_below", what="a health threshold", high_open=True),
    Parameter("alliance.health.recovery", what="a recovery rate"),
    Parameter("risks.*.rate", what="a rate"),
    _probability("risks.*.probability", high_open=True),
    Parameter("risks.*.hazard.weibull.shape", what="a Weibull shape", low_open=True, name="risks.*.hazard.shape"),
    Parameter("risks.*.hazard.weibull.scale", kind="time", what="a Weibull scale", low_open=True,
              name="risks.*.hazard.scale"),
    Parameter("risks.*.hazard.steps.#.1", what="a rate", name="risks.*.hazard.steps.#"),
    _probability("risks.*.impact.fatal"),
    Parameter("risks.*.impact.escalates.#.factor", what="a rate factor", name="risks.*.escalates.#.factor"),
    _probability("contingencies.*.success"),
    _probability("contingencies.*.trigger.health_below", what="a health threshold", low_open=True),
    _probability("contingencies.*.effect.reduce_impact", what="a share"),
    _probability("contingencies.*.effect.restore_health", what="a health gain"),
    _probability("contingencies.*.effect.rescue_health", what="a health level"),
    Parameter("contingencies.*.effect.rate_factor.#.factor", what="a rate factor"),
    Parameter("contingencies.*.cost.setup", kind="money", what="a cost"),
    Parameter("contingencies.*.cost.per_time", kind="money", what="a cost"),
    Parameter("contingencies.*.cost.per_activation", kind="money", what="a cost"),
]


def register(parameter: Parameter) -> None:
    """Let another part of the format (for example the environment) declare a parameter that may be uncertain."""
    if all(p.pattern != parameter.pattern for p in PARAMETERS):
        PARAMETERS.append(parameter)


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter of a scenario: where it is written, its distribution and its range."""

    path: str  # SPEC name, e.g. risks.partner_buyout.probability
    file_path: tuple[str | int, ...]  # where it stands in the file, e.g. ("risks", 3, "probability")
    distribution: Any  # a Distribution
    parameter: Parameter

    def sampler(self) -> Callable[[float], float]:
        """Scalar draws from a uniform, clipped to the distribution's clip and the parameter's range."""
        return self.distribution.sampler(self.parameter.low, self.parameter.high)

    def quantile(self, q: float) -> float:
        return float(ppf(self.distribution, np.array([q]), self.parameter)[0])


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
    from .errors import ScenarioError

    found: list[tuple[tuple[int, int], Uncertain]] = []
    problems: list[str] = []
    if not isinstance(data, dict):
        return data, {}, problems
    for parameter in PARAMETERS:
        for wildcards, where, raw in list(_matches(data, parameter.pattern.split("."), (), ())):
            if not isinstance(raw, dict):
                continue
            path = parameter.path(wildcards)
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


def _placeholder(parameter: Parameter) -> float:
    """A value inside the range, so that a bad distribution is reported once, not again as a bad number."""
    if parameter.low_open:
        return min(parameter.high, parameter.low + 0.5) if parameter.high < math.inf else parameter.low + 1.0
    return parameter.low


def _range_problem(dist: Any, parameter: Parameter) -> str | None:
    """Why ``dist`` may draw outside its parameter's range (after its own clip), or None."""
    try:
        sample = dist.sampler()
        low, high = sample(0.0), sample(_TOP)
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
    return sample(0.0), sample(_TOP)


# --------------------------------------------------------------------------- correlations


def canonical(path: str) -> str:
    """A parameter's path in SPEC's spelling (``risks.ID.impact.escalates.N.factor`` -> ``risks.ID.escalates...``)."""
    parts = str(path).split(".")
    if len(parts) > 3 and parts[0] == "risks" and parts[2:4] == ["impact", "escalates"]:
        del parts[2]
    return ".".join(parts)


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


def ppf(dist: Any, u: np.ndarray, parameter: Parameter) -> np.ndarray:
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
            a, b = dist._shape()
            x = dist.low + (dist.high - dist.low) * special.betaincinv(a, b, u)
    elif family == "beta":
        x = dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, u)
    elif family == "normal":
        x = dist.mean_ + dist.sd * special.ndtri(np.where(u > 0, u, _TINY))
    elif family == "lognormal":
        mu, sigma = dist._params()
        x = np.exp(mu + sigma * special.ndtri(np.where(u > 0, u, _TINY)))
    elif family == "exponential":
        x = -dist.mean_ * np.log1p(-u)
    elif family == "choice":
        cum = np.array(dist._cumulative())
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
    return [float(v) for v in ppf(item.distribution, np.asarray(levels, dtype=float), item.parameter)]


@dataclass
class Draws:
    """The uncertain parameters of a scenario, ready to draw replication by replication.

    ``draw(seed, start, stop)`` gives one row per replication and one column per parameter (in :attr:`paths`
    order). Every parameter reads its own stream, so adding or removing another uncertain parameter, or pinning
    one, leaves the others' draws unchanged (except through their correlations). A *pin* fixes a parameter at a
    quantile level of its distribution; parameters correlated with it then follow their conditional distribution
    given that level (Gaussian conditioning of the copula, applied to the same normals, so the worlds stay paired).

    Examples
    --------
    >>> draws = Draws.of(scenario)                       # doctest: +SKIP
    >>> draws.draw(seed=7, start=0, stop=1000).shape     # doctest: +SKIP
    (1000, 3)
    """

    items: list[Uncertain]
    correlations: Sequence[Any] = ()
    paths: list[str] = field(init=False)
    _linked: list[str] = field(init=False)
    _chol: np.ndarray | None = field(init=False)
    _cov: np.ndarray | None = field(init=False)
    _last: tuple[tuple[int, int, int], np.ndarray, np.ndarray] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.paths = [u.path for u in self.items]
        self._linked, self._chol, self._cov = [], None, None
        if self.correlations:
            self._linked, self._cov = correlation_matrix(self.correlations)
            self._chol = np.linalg.cholesky(self._cov)

    @classmethod
    def of(cls, scenario: Any) -> Draws:
        """The draws of ``scenario``'s uncertain parameters (none: an empty :class:`Draws`)."""
        return cls(list(scenario.uncertain.values()), tuple(scenario.correlations))

    def __bool__(self) -> bool:
        return bool(self.items)

    def index(self, path: str) -> int:
        return self.paths.index(path)

    def uniforms(self, seed: int, start: int, stop: int, pins: Sequence[tuple[str, float]] = ()) -> np.ndarray:
        """The (replications, parameters) uniforms of the copula, with ``pins`` (path, quantile level) applied."""
        from .streams import parameter_uniforms  # numpy: only when drawing

        n = stop - start
        u = np.empty((n, len(self.items)))
        for k, path in enumerate(self.paths):
            u[:, k] = parameter_uniforms(seed, "param:" + path, start, stop)
        pinned = dict(pins)
        if self._linked:
            cols = [self.index(p) for p in self._linked]
            z = special.ndtri(np.clip(u[:, cols], _TINY, _TOP))
            chol = self._chol
            # z' = L z, summed term by term so that every replication's value is the same in any chunking
            zc = np.zeros_like(z)
            for a in range(len(cols)):
                for b in range(a + 1):
                    if chol[a, b] != 0.0:
                        zc[:, a] += chol[a, b] * z[:, b]
            known = [j for j, p in enumerate(self._linked) if p in pinned]
            if known:
                zc = self._condition(zc, known, [special.ndtri(pinned[self._linked[j]]) for j in known])
            u[:, cols] = special.ndtr(zc)
        for path, level in pinned.items():
            u[:, self.index(path)] = level
        return u

    def _condition(self, z: np.ndarray, known: list[int], at: list[float]) -> np.ndarray:
        """Move correlated normals to their conditional law given z[known] = at (Matheron's update)."""
        cov = self._cov
        gain = cov[:, known] @ np.linalg.inv(cov[np.ix_(known, known)])  # (linked, known)
        out = z.copy()
        for j, k in enumerate(known):
            shift = at[j] - z[:, k]
            for a in range(z.shape[1]):
                if gain[a, j] != 0.0:
                    out[:, a] += gain[a, j] * shift
        return out

    def draw(self, seed: int, start: int, stop: int, pins: Sequence[tuple[str, float]] = ()) -> np.ndarray:
        """Parameter values for replications ``start .. stop - 1``: (replications, parameters)."""
        u = self.uniforms(seed, start, stop, pins)
        key = (seed, start, stop)
        if pins and self._last is not None and self._last[0] == key:
            # the same worlds with some inputs pinned: only the pinned columns and their partners change
            base_u, base_x = self._last[1], self._last[2]
            out = base_x.copy()
            changed = np.flatnonzero(np.any(u != base_u, axis=0))
        else:
            out = np.empty_like(u)
            changed = np.arange(len(self.items))
        for k in changed:
            item = self.items[k]
            out[:, k] = ppf(item.distribution, u[:, k], item.parameter)
        if not pins:
            self._last = (key, u, out)
        return out


_WORDS = {"rate": "rate", "probability": "probability per time unit", "fatal": "fatal share",
          "factor": "factor", "success": "success", "health_below": "trigger threshold",
          "reduce_impact": "impact reduction", "restore_health": "health restored",
          "rescue_health": "rescue health", "setup": "setup cost", "per_time": "running cost",
          "per_activation": "cost per activation", "value_rate": "value rate", "initial": "initial health",
          "dissolve_below": "dissolution threshold", "recovery": "health recovery rate"}


def describe(scenario: Any, path: str) -> str:
    """A reader's name for an uncertain parameter: ``Partner buyout: probability per time unit``."""
    parts = path.split(".")
    what = _WORDS.get(parts[-1], parts[-1].replace("_", " "))
    unit = getattr(scenario, "time_unit", "time unit")
    if parts[-1] in ("rate", "probability") and parts[0] == "risks":
        what = f"{parts[-1]} per {unit}"
    if parts[-1] == "factor" and len(parts) > 3:
        what = "escalation factor" if "escalates" in parts else "rate factor"
    if parts[2:3] == ["hazard"]:
        what = f"Weibull {parts[-1]}" if parts[-1] in ("shape", "scale") else f"rate per {unit} in step {parts[-1]}"
    if parts[2:4] == ["trigger", "if"]:
        what = "review threshold"
    owner = None
    if parts[0] == "risks" and len(parts) > 2:
        owner = next((r.label for r in scenario.risks if r.id == parts[1]), parts[1])
    elif parts[0] == "contingencies" and len(parts) > 2:
        owner = next((c.label for c in scenario.contingencies if c.id == parts[1]), parts[1])
    elif parts[0] == "alliance":
        return what[:1].upper() + what[1:]
    else:
        return path
    return f"{owner}: {what}"
