"""What-ifs without editing the file: ``--set PATH=VALUE``.

The parameter paths ``--set`` names are those of :mod:`allysim.scenario.paths` (one grammar, one table of
shapes). An override is applied to the scenario's raw document (the file as read, before validation), so the
result is validated exactly like a file that said so, units and distributions included. The value is YAML, read
with the project's safe reader: a number, a number with a unit (``18 months``, ``2.5M``) or a distribution mapping
(``{pert: {low: 0.02, likely: 0.06, high: 0.15}}``). Setting a risk's ``rate`` replaces its ``probability`` and
the reverse, so a what-if can switch how a frequency is written.

Every problem is one line that names the ``--set`` it comes from::

    --set risks.partner_buyot.rate=0.2: joint_venture.yaml has no risk 'partner_buyot' (did you mean
    'partner_buyout'?); its risks: ...
    --set risks.partner_buyout.rate=-1: must be >= 0, got -1

This module knows the raw document only (plain dicts and lists); :meth:`allysim.Scenario.with_overrides` builds
the validated scenario from it, and is the one way overrides are applied.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ScenarioError, UsageError
from .paths import PATH_HELP, ParameterPath, PathError, Target
from .yamlio import Locations, format_path, load_yaml, shorten

__all__ = ["Override", "parse_override", "parse_overrides", "resolve", "apply_overrides", "SetLocations",
           "parse_sweep_values", "split_sweep"]

@dataclass(frozen=True)
class Override:
    """One parameter set to one value. ``text`` is how it reads in messages: ``--set PATH=VALUE``."""

    path: str  # as written; resolved against a document by :func:`resolve`
    value: Any
    text: str

    @property
    def label(self) -> str:
        return f"--set {self.text}"

    @property
    def key(self) -> str:
        """The parameter it sets, in its one spelling (the path as written when it is no parameter at all)."""
        try:
            return str(ParameterPath.parse(self.path))
        except PathError:
            return self.path


# --------------------------------------------------------------------------- parsing PATH=VALUE


def parse_override(text: str) -> Override:
    """Read ``PATH=VALUE`` (VALUE is YAML). Raises :class:`UsageError` for a malformed one.

    Examples
    --------
    >>> parse_override("risks.buyout.rate=0.2").value
    0.2
    """
    path, value = _split(text)
    label = f"--set {shorten(text, 120)}"
    data, _ = _yaml(value, label)
    if data is None or isinstance(data, bool) or isinstance(data, list):
        kind = "nothing" if data is None else "a list" if isinstance(data, list) else "true/false"
        raise UsageError(f"{label}: expected a number, a number with a unit or a distribution mapping "
                         f"after '=', got {kind}")
    return Override(path, data, f"{path}={value.strip()}")


def _split(text: str) -> tuple[str, str]:
    if not isinstance(text, str) or "=" not in text:
        raise UsageError(f"--set {shorten(str(text), 120)}: expected PATH=VALUE, for example "
                         f"--set risks.partner_buyout.rate=0.2")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise UsageError(f"--set {shorten(text, 120)}: the parameter path before '=' is empty; paths are "
                         f"{PATH_HELP}")
    if not value.strip():
        raise UsageError(f"--set {shorten(text, 120)}: no value after '='")
    return path, value


def _yaml(value: str, label: str) -> tuple[Any, Locations]:
    try:
        return load_yaml(value, label)
    except ScenarioError as exc:
        raise UsageError(exc.problems[0]) from None


def parse_overrides(items: Iterable[str] | Mapping[str, Any] | None) -> tuple[Override, ...]:
    """Overrides from ``PATH=VALUE`` strings or a ``{PATH: VALUE}`` mapping; a path may be set once."""
    if items is None:
        return ()
    if isinstance(items, str):
        items = [items]
    if isinstance(items, Mapping):
        out = []
        for path, value in items.items():
            if not isinstance(path, str) or not path.strip():
                raise UsageError(f"overrides: a parameter path must be text, got {path!r}")
            out.append(Override(path.strip(), value, f"{path.strip()}={_show(value)}"))
        result = tuple(out)
    else:
        result = tuple(item if isinstance(item, Override) else parse_override(item) for item in items)
    seen: dict[str, Override] = {}
    for o in result:
        if o.key in seen:
            raise UsageError(f"{o.label}: {o.key} is already set by {seen[o.key].label}; set each parameter "
                             "once")
        seen[o.key] = o
    return result


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- resolving a path in a document


def resolve(document: Mapping[str, Any], path: str, source: str = "the scenario") -> Target:
    """Where ``path`` lands in a raw scenario document (ids looked up, list positions checked).

    Raises :class:`ScenarioError` with a message naming the path when it is not a parameter of this scenario.

    Examples
    --------
    >>> resolve({"risks": [{"id": "a", "rate": 1}]}, "risks.a.impact.fatal").location
    ('risks', 0, 'impact', 'fatal')
    """
    try:
        return ParameterPath.parse(path).locate(document, source)
    except PathError as exc:
        raise ScenarioError(f"{shorten(path, 120)}: {exc}") from None


# --------------------------------------------------------------------------- applying


def apply_overrides(document: Mapping[str, Any], overrides: Iterable[Override],
                    source: str = "the scenario") -> tuple[dict[str, Any], dict[tuple[Any, ...], Override],
                                                          dict[str, Any]]:
    """A copy of ``document`` with every override applied.

    Returns the new document, where each override landed (location -> override, for error messages), and the
    overrides as recorded in outputs (``{canonical path: value}``). Raises :class:`ScenarioError` naming the
    ``--set`` for a path that is not a parameter of this scenario.
    """
    doc = copy.deepcopy(dict(document))
    landed: dict[tuple[Any, ...], Override] = {}
    recorded: dict[str, Any] = {}
    for o in overrides:
        try:
            target = ParameterPath.parse(o.path).locate(doc, source)
            _put(doc, target, o.value)
        except PathError as exc:
            raise ScenarioError(f"{o.label}: {exc}") from None
        landed[target.location] = o
        recorded[target.path] = o.value
    return doc, landed, recorded


def _put(doc: dict[str, Any], target: Target, value: Any) -> None:
    node: Any = doc
    walked: list[Any] = []
    for part in target.location[:-1]:
        walked.append(part)
        if isinstance(part, int):
            node = node[part]
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, (dict, list)):
            raise PathError(f"{format_path(tuple(walked))} is not a mapping in the file, so nothing can be set "
                           "inside it")
        node = child
    for key in target.replaces:
        node.pop(key, None)
    node[target.location[-1]] = copy.deepcopy(value)


@dataclass
class SetLocations(Locations):
    """The file's locations, with every problem the overrides caused told against their ``--set``.

    A scenario is validated without overrides first, so each problem found after applying them comes from one of
    them: the one whose location shares the longest prefix with the problem's (the first one on a tie).
    """

    landed: dict[tuple[Any, ...], Override] = field(default_factory=dict)

    @classmethod
    def wrap(cls, base: Locations, landed: dict[tuple[Any, ...], Override]) -> "SetLocations":
        return cls(base.source, base.values, base.keys, landed)

    def error(self, path: Any, message: str, *, key: bool = False) -> str:
        path = tuple(path)
        if not self.landed:
            return super().error(path, message, key=key)
        best = max(self.landed, key=lambda at: _common(at, path))
        where = "" if path == best else f"{format_path(path)}: " if path else ""
        return f"{self.landed[best].label}: {where}{message}"


def _common(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


# --------------------------------------------------------------------------- sweep values


def parse_sweep_values(text: str) -> tuple[str, list[Any]]:
    """``PATH=LOW:HIGH:N`` or ``PATH=V1,V2,...`` (or a YAML list) -> the path and its values.

    Examples
    --------
    >>> parse_sweep_values("horizon=5:10:3")
    ('horizon', [5.0, 7.5, 10.0])
    >>> parse_sweep_values("risks.a.rate=0.1,0.2")
    ('risks.a.rate', [0.1, 0.2])
    """
    path, raw = _split(text)
    label = f"--set {shorten(text, 120)}"
    raw = raw.strip()
    if raw.startswith("["):
        data, _ = _yaml(raw, label)
        values = data if isinstance(data, list) else [data]
    elif raw.startswith("{"):
        values = [_yaml(raw, label)[0]]
    elif ":" in raw and "," not in raw:
        values = _range(raw, label)
    else:
        values = [_yaml(part, label)[0] for part in raw.split(",") if part.strip()]
    if len(values) < 2:
        raise UsageError(f"{label}: a sweep needs at least two values: LOW:HIGH:N (N >= 2) or V1,V2,...")
    for v in values:
        if v is None or isinstance(v, (bool, list)):
            raise UsageError(f"{label}: each value is a number, a number with a unit or a distribution, got "
                             f"{_show(v) if v is not None else 'nothing'}")
    if len({_show(v) for v in values}) != len(values):
        raise UsageError(f"{label}: a value is listed twice")
    return path, values


def _several(raw: str) -> bool:
    """Whether a --set value lists several values (a sweep) rather than one."""
    raw = raw.strip()
    if raw.startswith("["):
        return True
    if raw.startswith("{"):
        return False  # one distribution mapping, whose commas separate its parameters
    return "," in raw or raw.count(":") == 2


def split_sweep(texts: Iterable[str]) -> tuple[str, list[Any], tuple[Override, ...]]:
    """The one ``--set`` of a sweep that lists several values, and the others (fixed what-ifs).

    Examples
    --------
    >>> split_sweep(["risks.a.rate=0.1:0.3:3", "horizon=7"])[0:2]
    ('risks.a.rate', [0.1, 0.2, 0.3])
    """
    swept, fixed = [], []
    for text in texts:
        (swept if isinstance(text, str) and "=" in text and _several(text.split("=", 1)[1]) else fixed).append(text)
    if len(swept) != 1:
        found = "none does" if not swept else f"{len(swept)} do ({', '.join('--set ' + t for t in swept)})"
        raise UsageError(f"a sweep needs exactly one --set with several values, PATH=LOW:HIGH:N or PATH=V1,V2,...; "
                         f"{found}")
    path, values = parse_sweep_values(swept[0])
    return path, values, parse_overrides(fixed)


def _range(raw: str, label: str) -> list[float]:
    parts = raw.split(":")
    if len(parts) != 3:
        raise UsageError(f"{label}: a range is LOW:HIGH:N, for example 0.05:0.5:10")
    try:
        low, high = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        raise UsageError(f"{label}: a range is LOW:HIGH:N with numbers LOW and HIGH and a whole number N of "
                         "points, for example 0.05:0.5:10") from None
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise UsageError(f"{label}: LOW must be below HIGH, both finite")
    if not 2 <= n <= 1000:
        raise UsageError(f"{label}: N is the number of points, from 2 to 1000, got {n}")
    step = (high - low) / (n - 1)
    return [float(f"{low + k * step:.12g}") for k in range(n)]
