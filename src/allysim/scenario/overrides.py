"""What-ifs without editing the file: ``--set PATH=VALUE`` and the parameter paths it names.

A parameter is named by a dotted path over ids (SPEC sections 8, 9 and 10)::

    horizon                                     discount_rate
    alliance.value_rate                         alliance.health.initial | dissolve_below | recovery
    risks.ID.rate | probability | hazard | max_occurrences
    risks.ID.hazard.shape | scale | steps.N      (a hazard by age, SPEC section 13; steps.N is step N's rate)
    risks.ID.impact.fatal | health | cost       risks.ID.impact.value.factor | duration
    risks.ID.escalates.N.factor | duration      (also written risks.ID.impact.escalates.N....)
    contingencies.ID.success | delay | max_activations
    contingencies.ID.trigger.health_below
    contingencies.ID.effect.reduce_impact | restore_health | rescue_health
    contingencies.ID.effect.rate_factor.N.factor | duration
    contingencies.ID.cost.setup | per_time | per_activation
    environment.transitions.FROM.TO             environment.states.STATE.rates.RISK_ID | value

An override is applied to the scenario's raw document (the file as read, before validation), so the result is
validated exactly like a file that said so, units and distributions included. The value is YAML, read with the
project's safe reader: a number, a number with a unit (``18 months``, ``2.5M``) or a distribution mapping
(``{pert: {low: 0.02, likely: 0.06, high: 0.15}}``). Setting a risk's ``rate`` replaces its ``probability`` and
the reverse, so a what-if can switch how a frequency is written.

Every problem is one line that names the ``--set`` it comes from::

    --set risks.partner_buyot.rate=0.2: joint_venture.yaml has no risk 'partner_buyot' (did you mean
    'partner_buyout'?); its risks: ...
    --set risks.partner_buyout.rate=-1: must be >= 0, got -1

This module knows the raw document only (plain dicts and lists); :meth:`allysim.Scenario.with_overrides` builds
the validated scenario from it.
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ScenarioError, UsageError
from .yamlio import Locations, format_path, load_yaml, shorten

__all__ = ["Override", "Target", "parse_override", "parse_overrides", "resolve", "apply_overrides",
           "SetLocations", "parse_sweep_values", "split_sweep", "PATH_HELP"]

PATH_HELP = ("horizon, discount_rate, alliance.value_rate, alliance.health.(initial|dissolve_below|recovery), "
             "risks.ID.(rate|probability|hazard|max_occurrences), risks.ID.hazard.(shape|scale|steps.N), "
             "risks.ID.impact.(fatal|health|cost), "
             "risks.ID.impact.value.(factor|duration), risks.ID.escalates.N.(factor|duration), "
             "contingencies.ID.(success|delay|max_activations), contingencies.ID.trigger.health_below, "
             "contingencies.ID.effect.(reduce_impact|restore_health|rescue_health), "
             "contingencies.ID.effect.rate_factor.N.(factor|duration), "
             "contingencies.ID.cost.(setup|per_time|per_activation), environment.transitions.FROM.TO, "
             "environment.states.STATE.(value|rates.RISK_ID)")

_TOP = ("horizon", "discount_rate")
_HEALTH = ("initial", "dissolve_below", "recovery")
_RISK = ("rate", "probability", "hazard", "max_occurrences")
_IMPACT = ("fatal", "health", "cost")
_VALUE = ("factor", "duration")
_CONTINGENCY = ("success", "delay", "max_activations")
_EFFECT = ("reduce_impact", "restore_health", "rescue_health")
_COST = ("setup", "per_time", "per_activation")
_SECTIONS = ("horizon", "discount_rate", "alliance", "risks", "contingencies", "environment")


@dataclass(frozen=True)
class Override:
    """One parameter set to one value. ``text`` is how it reads in messages: ``--set PATH=VALUE``."""

    path: str  # as written; resolved against a document by :func:`resolve`
    value: Any
    text: str

    @property
    def label(self) -> str:
        return f"--set {self.text}"


@dataclass(frozen=True)
class Target:
    """Where a parameter path lands in a raw document."""

    path: str  # canonical spelling (SPEC's): risks.ID.escalates.N.factor
    location: tuple[Any, ...]  # the same place as keys and list indices: ("risks", 3, "impact", "fatal")
    replaces: tuple[str, ...] = ()  # sibling keys the value replaces (rate <-> probability)


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
        if o.path in seen:
            raise UsageError(f"{o.label}: {o.path} is already set by {seen[o.path].label}; set each parameter "
                             "once")
        seen[o.path] = o
    return result


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- resolving a path in a document


class _Refused(Exception):
    """A path that does not fit the document; the message says why."""


def resolve(document: Mapping[str, Any], path: str, source: str = "the scenario") -> Target:
    """Where ``path`` lands in a raw scenario document (ids looked up, list positions checked).

    Raises :class:`ScenarioError` with a message naming the path when it is not a parameter of this scenario.

    Examples
    --------
    >>> resolve({"risks": [{"id": "a", "rate": 1}]}, "risks.a.impact.fatal").location
    ('risks', 0, 'impact', 'fatal')
    """
    try:
        return _resolve(document, path.split("."), source)
    except _Refused as exc:
        raise ScenarioError(f"{shorten(path, 120)}: {exc}") from None


def _resolve(doc: Mapping[str, Any], parts: list[str], source: str) -> Target:
    head, rest = parts[0], parts[1:]
    if head in _TOP and not rest:
        return Target(head, (head,))
    if head == "alliance":
        if rest == ["value_rate"]:
            return Target("alliance.value_rate", ("alliance", "value_rate"))
        if len(rest) == 2 and rest[0] == "health" and rest[1] in _HEALTH:
            return Target("alliance.health." + rest[1], ("alliance", "health", rest[1]))
        _unknown(parts, ["value_rate", *(f"health.{k}" for k in _HEALTH)], 1)
    if head == "risks":
        return _risk(doc, rest, source)
    if head == "contingencies":
        return _contingency(doc, rest, source)
    if head == "environment":
        return _environment(doc, rest, source)
    close = difflib.get_close_matches(head, _SECTIONS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise _Refused(f"not a parameter path{hint}; paths are {PATH_HELP}")


def _unknown(parts: list[str], allowed: list[str], at: int) -> None:
    tail = ".".join(parts[at:]) or "(nothing)"
    close = difflib.get_close_matches(tail, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{'.'.join(parts[:at] + [close[0]])}'?)" if close else ""
    prefix = ".".join(parts[:at])
    raise _Refused(f"'{shorten(tail)}' is not a parameter of {prefix}{hint}; "
                   f"{prefix} has {', '.join(allowed)}")


def _by_id(doc: Mapping[str, Any], section: str, item_id: str, source: str) -> int:
    items = doc.get(section)
    what = "risk" if section == "risks" else "contingency"
    ids = [x.get("id") for x in items if isinstance(x, Mapping)] if isinstance(items, list) else []
    ids = [i for i in ids if isinstance(i, str)]
    for index, x in enumerate(items if isinstance(items, list) else []):
        if isinstance(x, Mapping) and x.get("id") == item_id:
            return index
    close = difflib.get_close_matches(item_id, ids, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listing = ", ".join(ids[:12]) + (f", ... ({len(ids):,} in all)" if len(ids) > 12 else "")
    known = f"; its {section}: {listing}" if ids else f"; it has no {section}"
    raise _Refused(f"{source} has no {what} '{shorten(item_id)}'{hint}{known}")


def _position(items: Any, text: str, what: str) -> int:
    count = len(items) if isinstance(items, list) else 1 if isinstance(items, Mapping) else 0
    if not text.isdigit():
        raise _Refused(f"'{shorten(text)}' is not a position in {what}: use 0 for the first entry")
    n = int(text)
    if n >= count:
        has = f"only {count} entr{'y' if count == 1 else 'ies'} (0 to {count - 1})" if count else "none"
        raise _Refused(f"{what} has no entry {n}: it has {has}")
    return n


def _risk(doc: Mapping[str, Any], rest: list[str], source: str) -> Target:
    if not rest:
        raise _Refused(f"name a risk and a parameter: risks.ID.rate, for example; paths are {PATH_HELP}")
    i = _by_id(doc, "risks", rest[0], source)
    rid, tail = rest[0], rest[1:]
    risk = doc["risks"][i]
    here = ("risks", i)
    if len(tail) == 1 and tail[0] in _RISK:
        other = {"rate": ("probability", "hazard"), "probability": ("rate", "hazard"),
                 "hazard": ("rate", "probability")}.get(tail[0], ())
        return Target(f"risks.{rid}.{tail[0]}", here + (tail[0],), other)
    if tail[:1] == ["hazard"] and len(tail) > 1:
        return _hazard(risk, rid, tail[1:], here)
    if tail[:1] == ["impact"] and len(tail) == 2 and tail[1] in _IMPACT:
        return Target(f"risks.{rid}.impact.{tail[1]}", here + ("impact", tail[1]))
    if tail[:2] == ["impact", "value"] and len(tail) == 3 and tail[2] in _VALUE:
        return Target(f"risks.{rid}.impact.value.{tail[2]}", here + ("impact", "value", tail[2]))
    escalation = tail[1:] if tail[:2] == ["impact", "escalates"] else tail
    if escalation[:1] == ["escalates"] and len(escalation) == 3 and escalation[2] in ("factor", "duration"):
        impact = risk.get("impact")
        escalates = impact.get("escalates") if isinstance(impact, Mapping) else None
        n = _position(escalates if isinstance(escalates, list) else [], escalation[1],
                      f"risks.{rid}.escalates")
        return Target(f"risks.{rid}.escalates.{n}.{escalation[2]}", here + ("impact", "escalates", n, escalation[2]))
    allowed = [*_RISK, "hazard.shape", "hazard.scale", "hazard.steps.N", *(f"impact.{k}" for k in _IMPACT),
               *(f"impact.value.{k}" for k in _VALUE),
               "escalates.N.factor", "escalates.N.duration"]
    _unknown(["risks", rid, *tail], allowed, 2)
    raise AssertionError  # unreachable: _unknown raises


def _hazard(risk: Mapping[str, Any], rid: str, tail: list[str], here: tuple) -> Target:
    """``hazard.shape``, ``hazard.scale`` (of a Weibull) or ``hazard.steps.N`` (step N's rate) of a risk."""
    hazard = risk.get("hazard")
    name = f"risks.{rid}.hazard"
    if not isinstance(hazard, Mapping):
        raise _Refused(f"risk '{rid}' has no hazard by age to set a part of; set the whole of it, e.g. "
                       f"--set '{name}={{weibull: {{shape: 0.56, scale: 81}}}}'")
    if len(tail) == 1 and tail[0] in ("shape", "scale"):
        if not isinstance(hazard.get("weibull"), Mapping):
            raise _Refused(f"{name} is not a weibull hazard, so it has no {tail[0]}; its steps are "
                           f"{name}.steps.N (the rate of step N)")
        return Target(f"{name}.{tail[0]}", here + ("hazard", "weibull", tail[0]))
    if len(tail) == 2 and tail[0] == "steps":
        steps = hazard.get("steps")
        if not isinstance(steps, list):
            raise _Refused(f"{name} is not a hazard by steps; a weibull hazard has {name}.shape and {name}.scale")
        n = _position(steps, tail[1], f"{name}.steps")
        return Target(f"{name}.steps.{n}", here + ("hazard", "steps", n, 1))
    _unknown(["risks", rid, "hazard", *tail], ["shape", "scale", "steps.N"], 3)
    raise AssertionError  # unreachable: _unknown raises


def _contingency(doc: Mapping[str, Any], rest: list[str], source: str) -> Target:
    if not rest:
        raise _Refused("name a contingency and a parameter: contingencies.ID.success, for example; "
                       f"paths are {PATH_HELP}")
    i = _by_id(doc, "contingencies", rest[0], source)
    cid, tail = rest[0], rest[1:]
    here, name = ("contingencies", i), f"contingencies.{cid}"
    if len(tail) == 1 and tail[0] in _CONTINGENCY:
        return Target(f"{name}.{tail[0]}", here + (tail[0],))
    if tail == ["trigger", "health_below"]:
        return Target(f"{name}.trigger.health_below", here + ("trigger", "health_below"))
    if len(tail) == 2 and tail[0] == "effect" and tail[1] in _EFFECT:
        return Target(f"{name}.effect.{tail[1]}", here + ("effect", tail[1]))
    if len(tail) == 2 and tail[0] == "cost" and tail[1] in _COST:
        return Target(f"{name}.cost.{tail[1]}", here + ("cost", tail[1]))
    if tail[:2] == ["effect", "rate_factor"] and len(tail) in (3, 4) and tail[-1] in ("factor", "duration"):
        effect = doc["contingencies"][i].get("effect")
        factors = effect.get("rate_factor") if isinstance(effect, Mapping) else None
        if len(tail) == 3:  # rate_factor.factor: the file wrote one mapping, not a list
            if not isinstance(factors, Mapping):
                raise _Refused(f"{name}.effect.rate_factor is a list here: name the entry, "
                               f"{name}.effect.rate_factor.0.{tail[-1]}")
            return Target(f"{name}.effect.rate_factor.0.{tail[-1]}", here + ("effect", "rate_factor", tail[-1]))
        n = _position(factors, tail[2], f"{name}.effect.rate_factor")
        where = (n,) if isinstance(factors, list) else ()
        return Target(f"{name}.effect.rate_factor.{n}.{tail[-1]}", here + ("effect", "rate_factor", *where,
                                                                            tail[-1]))
    allowed = [*_CONTINGENCY, "trigger.health_below", *(f"effect.{k}" for k in _EFFECT),
               "effect.rate_factor.N.factor", "effect.rate_factor.N.duration", *(f"cost.{k}" for k in _COST)]
    _unknown(["contingencies", cid, *tail], allowed, 2)
    raise AssertionError  # unreachable: _unknown raises


def _environment(doc: Mapping[str, Any], rest: list[str], source: str) -> Target:
    env = doc.get("environment")
    if not isinstance(env, Mapping):
        raise _Refused(f"{source} has no environment (SPEC section 9) to set")
    states = env.get("states") if isinstance(env.get("states"), Mapping) else {}
    names = [str(s) for s in states]

    def state(text: str) -> str:
        if text not in states:
            close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _Refused(f"the environment has no state '{shorten(text)}'{hint}; its states: "
                           f"{', '.join(names) or 'none'}")
        return text

    if len(rest) == 3 and rest[0] == "transitions":
        a, b = state(rest[1]), state(rest[2])
        return Target(f"environment.transitions.{a}.{b}", ("environment", "transitions", a, b))
    if len(rest) == 3 and rest[0] == "states" and rest[2] == "value":
        s = state(rest[1])
        return Target(f"environment.states.{s}.value", ("environment", "states", s, "value"))
    if len(rest) == 4 and rest[0] == "states" and rest[2] == "rates":
        s = state(rest[1])
        _by_id(doc, "risks", rest[3], source)
        return Target(f"environment.states.{s}.rates.{rest[3]}", ("environment", "states", s, "rates", rest[3]))
    _unknown(["environment", *rest], ["transitions.FROM.TO", "states.STATE.value", "states.STATE.rates.RISK_ID"], 1)
    raise AssertionError  # unreachable: _unknown raises


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
            target = _resolve(doc, o.path.split("."), source)
            _put(doc, target, o.value)
        except _Refused as exc:
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
            raise _Refused(f"{format_path(tuple(walked))} is not a mapping in the file, so nothing can be set "
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
