"""Scenario files: safe loading, every check of the format, and the typed, immutable :class:`Scenario`.

All validation and unit conversion happen here, once. Downstream code (engine, runner, analysis, charts) trusts a
:class:`Scenario` and never re-checks it. Problems are reported as located lines::

    jv.yaml:12:11: risks[0].rate: must be >= 0, got -0.1
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    TypeAdapter,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from . import uncertainty, units
from .distributions import FAMILIES, Constant, Distribution
from .errors import ScenarioError, UsageError
from .yamlio import MAX_BYTES, Locations, format_path, load_yaml, shorten

__all__ = [
    "Scenario", "Alliance", "Health", "Risk", "Impact", "ValueImpact", "Escalation", "Contingency", "Trigger",
    "Effect", "RateFactor", "Costs", "Correlation", "load_scenario", "parse_scenario", "json_schema", "RESERVED_IDS",
]

RESERVED_IDS = ("dissolution", "survived")
MAX_RUNS = 100_000_000  # replications per plan: beyond this the per-run arrays outgrow any machine's memory
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- value types


def _whole(value: Any) -> Any:
    """Accept 1e4 or 3.0 where a whole number is expected."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _not_bool(value: Any) -> Any:
    """Refuse true/false where a number is expected even when Python's True == 1 would pass."""
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {str(value).lower()}")
    return value


def _tuple(value: Any) -> Any:
    """Lists from the file become tuples, so scenario objects stay immutable."""
    return tuple(value) if isinstance(value, list) else value


def _context_unit(info: ValidationInfo) -> str:
    unit = (info.context or {}).get("time_unit", "year")
    return unit if unit in units.TIME_UNITS else "year"


def _time(value: Any, info: ValidationInfo) -> Any:
    return units.parse_time(value, _context_unit(info)) if isinstance(value, str) else value


def _money(value: Any, info: ValidationInfo) -> Any:
    return units.parse_money(value) if isinstance(value, str) else value


def _convert_numbers(value: Any, convert: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        return convert(value, info)
    if isinstance(value, list):
        return [_convert_numbers(v, convert, info) for v in value]
    return value


def _flatten(kind: str):
    """Turn ``{triangular: {low, likely, high}, clip: [..]}`` into ``{family: triangular, low, ..., clip}``.

    Unit strings in the parameters of time and money distributions become numbers here.
    """
    convert = {"time": _time, "money": _money, "plain": lambda v, info: v}[kind]
    names = ", ".join(FAMILIES)

    def flatten(raw: Any, info: ValidationInfo) -> Any:
        if isinstance(raw, bool) or raw is None:
            raise ValueError(f"expected a number or a distribution ({names}), got {raw!r}")
        if isinstance(raw, (int, float, str)):
            return {"family": "constant", "value": convert(raw, info)}
        if not isinstance(raw, dict):
            raise ValueError(f"expected a number or a distribution mapping ({names}), got a list")
        families = [k for k in raw if k in FAMILIES]
        others = [k for k in raw if k not in FAMILIES and k != "clip"]
        if others or len(families) != 1:
            found = ", ".join(map(str, raw)) or "nothing"
            hint = _suggest(others[0], FAMILIES) if others else ""
            raise ValueError(f"a distribution names exactly one family ({names}) and may add clip; "
                             f"found {found}{hint}")
        family = families[0]
        params = raw[family]
        if not isinstance(params, dict):
            fields = [n for n in FAMILIES[family].model_fields if n not in ("family", "clip")]
            raise ValueError(f"{family}: expected a mapping of its parameters "
                             f"{{{', '.join(_alias(FAMILIES[family], f) for f in fields)}}}")
        flat = {k: _convert_numbers(v, convert, info) for k, v in params.items()}
        if "family" in flat or "clip" in flat:
            raise ValueError(f"{family}: unexpected parameter {'family' if 'family' in flat else 'clip'!r}")
        flat["family"] = family
        if "clip" in raw:
            flat["clip"] = _convert_numbers(raw["clip"], convert, info)
        return flat

    return flatten


def _alias(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].alias or name


def _dist_schema(kind: str) -> dict[str, Any]:
    """JSON Schema of a distribution as written in a file (not the flattened form)."""
    number: dict[str, Any] = {"type": "number"}
    if kind != "plain":
        number = {"anyOf": [{"type": "number"}, {"type": "string", "description": f"a {kind} with a unit"}]}

    def params(cls: type[BaseModel]) -> dict[str, Any]:
        props, required = {}, []
        for name, info in cls.model_fields.items():
            if name in ("family", "clip"):
                continue
            key = info.alias or name
            props[key] = {"type": "array", "items": number} if name in ("values", "weights") else number
            if info.is_required():
                required.append(key)
        return {"type": "object", "properties": props, "required": required, "additionalProperties": False}

    clip = {"type": "array", "items": number, "minItems": 2, "maxItems": 2}
    options: list[dict[str, Any]] = [number]
    for family, cls in FAMILIES.items():
        options.append({"type": "object", "properties": {family: params(cls), "clip": clip},
                        "required": [family], "additionalProperties": False})
    return {"oneOf": options, "description": f"a {kind} number, or a distribution naming one family"}


def _dist(kind: str) -> Any:
    return Annotated[Distribution, BeforeValidator(_flatten(kind)), WithJsonSchema(_dist_schema(kind))]


_TIME_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["18 months", "2 years"]}]}
_MONEY_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["2.5M", "300k"]}]}

PlainDist = _dist("plain")
TimeDist = _dist("time")
MoneyDist = _dist("money")
Time = Annotated[float, BeforeValidator(_time), WithJsonSchema(_TIME_SCHEMA)]
Money = Annotated[float, BeforeValidator(_money), WithJsonSchema(_MONEY_SCHEMA)]
Probability = Annotated[float, Field(ge=0, le=1)]
Whole = Annotated[int, BeforeValidator(_whole)]
Id = Annotated[str, Field(pattern=_ID.pattern, max_length=64)]
_ZERO = Constant(value=0.0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              populate_by_name=True)


# --------------------------------------------------------------------------- the format


class Health(_Model):
    """The alliance's health: trust, commitment and performance together, in [0, 1]."""

    initial: Probability = 1.0
    dissolve_below: float = Field(default=0.2, ge=0, lt=1)
    recovery: float = Field(default=0.0, ge=0)


class Alliance(_Model):
    health: Health = Health()
    value_rate: Annotated[Money, Field(ge=0)] = 0.0


class ValueImpact(_Model):
    """The value rate is multiplied by ``factor`` for ``duration``."""

    factor: PlainDist
    duration: TimeDist


class Escalation(_Model):
    """An occurrence multiplies another risk's rate by ``factor`` for ``duration`` (omitted: for good)."""

    risk: str
    factor: float = Field(ge=0)
    duration: TimeDist | None = None


class Impact(_Model):
    health: PlainDist = _ZERO
    cost: MoneyDist = _ZERO
    value: ValueImpact | None = None
    fatal: Probability = 0.0
    escalates: Annotated[tuple[Escalation, ...], BeforeValidator(_tuple)] = ()


class Risk(_Model):
    id: Id
    name: str = ""
    category: str = "other"
    rate: float | None = Field(default=None, ge=0)
    probability: float | None = Field(default=None, ge=0, lt=1)
    max_occurrences: Whole | None = Field(default=None, ge=1)
    impact: Impact = Impact()

    @model_validator(mode="after")
    def _one_frequency(self) -> "Risk":
        if (self.rate is None) == (self.probability is None):
            raise ValueError("give exactly one of rate (occurrences per time unit) or probability "
                             "(of at least one occurrence per time unit)")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def hazard(self) -> float:
        """Occurrences per time unit: ``rate``, or ``-ln(1 - probability)``."""
        return self.rate if self.rate is not None else -math.log1p(-self.probability)  # type: ignore[operator]


class Trigger(_Model):
    on: str | None = None
    health_below: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_kind(self) -> "Trigger":
        if (self.on is None) == (self.health_below is None):
            raise ValueError("give exactly one of on: <risk id>, on: dissolution, or health_below: <x>")
        return self

    @property
    def kind(self) -> Literal["risk", "dissolution", "health"]:
        if self.health_below is not None:
            return "health"
        return "dissolution" if self.on == "dissolution" else "risk"


class RateFactor(_Model):
    """Multiply a risk's rate by ``factor`` for ``duration`` (omitted: for good)."""

    risk: str
    factor: float = Field(ge=0)
    duration: Annotated[Time, Field(gt=0)] | None = None


def _listify(value: Any) -> Any:
    return (value,) if isinstance(value, dict) else _tuple(value)


class Effect(_Model):
    reduce_impact: Probability | None = None
    restore_health: Probability | None = None
    rate_factor: Annotated[tuple[RateFactor, ...], BeforeValidator(_listify)] = ()
    rescue_health: Probability | None = None

    @model_validator(mode="after")
    def _something(self) -> "Effect":
        if self.reduce_impact is None and self.restore_health is None and not self.rate_factor \
                and self.rescue_health is None:
            raise ValueError("an effect needs at least one of reduce_impact, restore_health, rate_factor, "
                             "rescue_health")
        return self


class Costs(_Model):
    setup: Annotated[Money, Field(ge=0)] = 0.0
    per_time: Annotated[Money, Field(ge=0)] = 0.0
    per_activation: Annotated[Money, Field(ge=0)] = 0.0


# SPEC 3 (v1.1): a rescue must lift health to where the alliance is alive, so on: dissolution needs rescue_health
_RESCUE_NEEDS_HEALTH = {
    "if": {"properties": {"trigger": {"properties": {"on": {"const": "dissolution"}}, "required": ["on"]}},
           "required": ["trigger"]},
    "then": {"properties": {"effect": {"required": ["rescue_health"]}}},
}


class Contingency(_Model):
    model_config = ConfigDict(**_Model.model_config, json_schema_extra=_RESCUE_NEEDS_HEALTH)

    id: Id
    name: str = ""
    trigger: Trigger
    delay: TimeDist = _ZERO
    success: Probability = 1.0
    max_activations: Whole | None = Field(default=None, ge=1)
    effect: Effect
    cost: Costs = Costs()

    @property
    def label(self) -> str:
        return self.name or self.id


class Correlation(_Model):
    """A Spearman rank correlation between two uncertain parameters, named by their paths (SPEC section 8)."""

    between: Annotated[tuple[str, str], BeforeValidator(_tuple)]
    rho: float = Field(ge=-1, le=1)


class Scenario(_Model):
    """A validated scenario. Build one with :func:`load_scenario` or :func:`parse_scenario`."""

    allysim: Annotated[Literal[1], BeforeValidator(_not_bool)]
    name: str = Field(min_length=1)
    description: str = ""
    time_unit: Literal["year", "quarter", "month", "week", "day"] = "year"
    horizon: Annotated[Time, Field(gt=0)]
    currency: str = "USD"
    discount_rate: float = Field(default=0.0, ge=0)
    runs: Whole = Field(default=10_000, ge=1, le=MAX_RUNS)
    seed: Whole | None = Field(default=None, ge=0)
    alliance: Alliance = Alliance()
    risks: Annotated[tuple[Risk, ...], BeforeValidator(_tuple)] = Field(min_length=1)
    contingencies: Annotated[tuple[Contingency, ...], BeforeValidator(_tuple)] = ()
    plans: dict[str, Union[Literal["all"], Annotated[tuple[str, ...], BeforeValidator(_tuple)]]] | None = None
    correlations: Annotated[tuple[Correlation, ...], BeforeValidator(_tuple)] = ()

    _source: str = PrivateAttr(default="<scenario>")
    _sha256: str = PrivateAttr(default="")
    # the file as read (before validation) and where each value stands, so what-ifs re-validate from it; kept in
    # this process only (see __getstate__)
    _document: Any = PrivateAttr(default=None)
    _locations: Any = PrivateAttr(default=None)
    _overrides: tuple = PrivateAttr(default=())  # the Override objects applied, in order
    _recorded: dict = PrivateAttr(default_factory=dict)  # {canonical path: value}, as outputs record them
    _uncertain: dict[str, uncertainty.Uncertain] = PrivateAttr(default_factory=dict)

    @property
    def uncertain(self) -> dict[str, uncertainty.Uncertain]:
        """The uncertain parameters (written as distributions where a number is usual), by path, in file order.

        Elsewhere in the scenario such a parameter holds its median; each replication draws its own value.
        """
        return self._uncertain

    @property
    def source(self) -> str:
        """The file (or label) the scenario was read from."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the scenario file's bytes."""
        return self._sha256

    @property
    def overrides(self) -> dict[str, Any]:
        """The parameters set over the file's values (``--set``), ``{path: value}``; empty when none."""
        return dict(self._recorded)

    def with_overrides(self, overrides: Any) -> "Scenario":
        """This scenario with parameters set over the file's values, validated like the file.

        ``overrides`` is a ``{PATH: VALUE}`` mapping or ``PATH=VALUE`` strings (paths: :mod:`allysim.overrides`).
        Overrides already applied stay, unless a new one sets the same parameter.

        Examples
        --------
        >>> scenario.with_overrides({"risks.partner_buyout.rate": 0.2, "horizon": "7 years"})  # doctest: +SKIP
        """
        from .overrides import parse_overrides

        new = parse_overrides(overrides)
        if not new:
            return self
        if self._document is None:
            raise UsageError("this scenario was not read with load_scenario or parse_scenario in this process, "
                             "so overrides cannot be applied to it; load it again")
        paths = {o.path for o in new}
        combined = tuple(o for o in self._overrides if o.path not in paths) + new
        return _with_overrides(self._document, self._locations, self._source, self._sha256, combined)

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_document"] = private["_locations"] = None  # workers need the validated scenario only
        state["__pydantic_private__"] = private
        return state

    @property
    def plan_sets(self) -> dict[str, tuple[str, ...]]:
        """Every plan with its contingency ids, in file order; ``all`` expanded, ``default`` when none given."""
        every = tuple(c.id for c in self.contingencies)
        if self.plans is None:
            return {"default": every}
        return {name: every if ids == "all" else tuple(ids) for name, ids in self.plans.items()}

    @property
    def discount_per_time(self) -> float:
        """Continuous discount rate per time unit: ln(1 + discount_rate) per year, scaled."""
        return math.log1p(self.discount_rate) * units.years_per(self.time_unit)

    def risk(self, risk_id: str) -> Risk:
        return next(r for r in self.risks if r.id == risk_id)

    def contingency(self, contingency_id: str) -> Contingency:
        return next(c for c in self.contingencies if c.id == contingency_id)


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path, overrides: Any = None) -> Scenario:
    """Read and validate a scenario file, with ``overrides`` (see :meth:`Scenario.with_overrides`) if given.

    Raises :class:`~allysim.errors.ScenarioError` with one located line per problem.

    Examples
    --------
    >>> scenario = allysim.load_scenario("scenarios/joint_venture.yaml")   # doctest: +SKIP
    >>> scenario.plan_sets["full"]                                         # doctest: +SKIP
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # never more: a huge file (or an endless device) costs no memory or time
            size = max(len(data), os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        raise ScenarioError(f"{path}:1:1: cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        told = f"{size:,}" if size > len(data) else f"more than {MAX_BYTES:,}"  # a device tells no size
        raise ScenarioError(f"{path}:1:1: file is {told} bytes; scenarios are limited to {MAX_BYTES:,} bytes")
    return parse_scenario(data, source=str(path), overrides=overrides)


def parse_scenario(text: str | bytes, source: str = "<scenario>", overrides: Any = None) -> Scenario:
    """Validate scenario text (YAML), with ``overrides`` if given. ``source`` names it in error messages."""
    from .overrides import parse_overrides

    sets = parse_overrides(overrides)  # a malformed --set is refused before the file is read
    data, locations = load_yaml(text, source)
    raw_bytes = text.encode("utf-8") if isinstance(text, str) else text  # load_yaml checked that it encodes
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}:1:1: a scenario is a mapping of keys (allysim, name, horizon, risks, "
                            f"...), got {_kind(data)}")
    sha = hashlib.sha256(raw_bytes).hexdigest()
    scenario = _validate(data, locations, source, sha)
    scenario._document, scenario._locations = data, locations
    return _with_overrides(data, locations, source, sha, sets) if sets else scenario


def _with_overrides(document: dict[str, Any], locations: Locations, source: str, sha: str,
                    overrides: tuple) -> Scenario:
    """Validate ``document`` with ``overrides`` applied; every problem is told against its ``--set``."""
    from .overrides import SetLocations, apply_overrides

    name = Path(source).name if source and not source.startswith("<") else "the scenario"
    data, landed, recorded = apply_overrides(document, overrides, name)
    scenario = _validate(data, SetLocations.wrap(locations, landed), source, sha)
    scenario._document, scenario._locations = document, locations
    scenario._overrides, scenario._recorded = tuple(overrides), recorded
    return scenario


def _validate(data: dict[str, Any], locations: Locations, source: str, sha: str) -> Scenario:
    unit = data.get("time_unit", "year")
    data, uncertain, problems = uncertainty.extract(data, locations, _uncertain_validator(data, locations, unit))
    try:
        scenario = Scenario.model_validate(data, context={"time_unit": unit})
    except ValidationError as exc:
        raise ScenarioError(problems + _problems(exc, data, locations)) from None
    if not problems:  # a correlation naming a refused distribution would only repeat that problem
        problems += uncertainty.check_correlations(scenario.correlations, uncertain, locations)
    problems += _check_references(scenario, locations) + _check_draws(scenario, locations)
    problems += _check_uncertain_ranges(scenario, uncertain, locations)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))
    scenario._uncertain = uncertain
    scenario._source = source
    scenario._sha256 = sha
    return scenario


_DIST_ADAPTERS: dict[str, TypeAdapter] = {}


def _uncertain_validator(data: Any, loc: Locations, unit: str):  # noqa: ANN202 - a validate callback
    """Validate a distribution written where a plain number is usual, with errors located in the file."""

    def validate(raw: Any, kind: str, where: tuple) -> Any:
        if kind not in _DIST_ADAPTERS:
            _DIST_ADAPTERS[kind] = TypeAdapter(_dist(kind))
        try:
            return _DIST_ADAPTERS[kind].validate_python(raw, context={"time_unit": unit})
        except ValidationError as exc:
            raise ScenarioError(_problems(_Located(exc, where), data, loc)) from None

    return validate


class _Located:
    """A validation error of one value, its locations made relative to the whole file."""

    def __init__(self, exc: ValidationError, where: tuple) -> None:
        self.exc, self.where = exc, where

    def errors(self, include_url: bool = False) -> list[dict[str, Any]]:
        return [{**e, "loc": self.where + tuple(e["loc"])} for e in self.exc.errors(include_url=include_url)]


def _check_uncertain_ranges(s: Scenario, uncertain: dict[str, uncertainty.Uncertain], loc: Locations) -> list[str]:
    """Rules between fields that must hold for every draw, checked at the ends of the ranges."""
    problems: list[str] = []
    health = s.alliance.health

    def span(path: str, nominal: float) -> tuple[float, float]:
        return uncertainty.extremes(uncertain[path]) if path in uncertain else (nominal, nominal)

    if not uncertain:
        return problems
    floor = span("alliance.health.dissolve_below", health.dissolve_below)[1]
    initial = span("alliance.health.initial", health.initial)[0]
    if initial < floor and health.initial >= health.dissolve_below:
        problems.append(loc.error(("alliance", "health", "initial"),
                                  f"the lowest initial health ({initial:g}) is below the highest dissolve_below "
                                  f"({floor:g}): in some replications the alliance would dissolve at once"))
    for i, c in enumerate(s.contingencies):
        if c.effect.rescue_health is None:
            continue
        lowest = span(f"contingencies.{c.id}.effect.rescue_health", c.effect.rescue_health)[0]
        if lowest < floor and c.effect.rescue_health >= health.dissolve_below:
            problems.append(loc.error(("contingencies", i, "effect", "rescue_health"),
                                      f"the lowest rescue_health ({lowest:g}) is below the highest "
                                      f"dissolve_below ({floor:g}): a rescued alliance must be alive"))
    return problems


def _check_references(s: Scenario, loc: Locations) -> list[str]:
    """Cross-field rules: unique ids, references that resolve, combinations that make sense."""
    problems: list[str] = []
    risk_ids = [r.id for r in s.risks]
    cont_ids = [c.id for c in s.contingencies]
    known_risks, known_conts = set(risk_ids), set(cont_ids)  # thousands of references: look up in sets
    seen: set[str] = set()
    for group, ids in (("risks", risk_ids), ("contingencies", cont_ids)):
        for i, rid in enumerate(ids):
            if rid in RESERVED_IDS:
                problems.append(loc.error((group, i, "id"), f"'{rid}' is reserved; choose another id"))
            elif rid in seen:
                problems.append(loc.error((group, i, "id"), f"duplicate id '{rid}'; ids are unique across "
                                                            "risks and contingencies"))
            seen.add(rid)

    def ref(path: tuple, target: str, what: str = "risk") -> None:
        if target not in known_risks:
            problems.append(loc.error(path, f"unknown {what} '{shorten(target)}'{_suggest(target, risk_ids)}; "
                                            f"known risks: {_listing(risk_ids)}"))

    health = s.alliance.health
    if health.initial < health.dissolve_below:
        problems.append(loc.error(("alliance", "health", "initial"),
                                  f"initial health {health.initial:g} is below dissolve_below "
                                  f"{health.dissolve_below:g}: the alliance would dissolve at once"))
    for i, risk in enumerate(s.risks):
        for j, esc in enumerate(risk.impact.escalates):
            ref(("risks", i, "impact", "escalates", j, "risk"), esc.risk)
    for i, c in enumerate(s.contingencies):
        here = ("contingencies", i)
        kind = c.trigger.kind
        if kind == "risk":
            ref(here + ("trigger", "on"), c.trigger.on or "", "risk (or 'dissolution')")
        as_list = here + ("effect", "rate_factor", 0) in loc.values  # the file wrote a list, not one mapping
        for j, rf in enumerate(c.effect.rate_factor):
            ref(here + ("effect", "rate_factor") + ((j,) if as_list else ()) + ("risk",), rf.risk)
        delayed = not (c.delay.is_constant and c.delay.mean() == 0)
        if c.effect.reduce_impact is not None and (kind != "risk" or delayed):
            problems.append(loc.error(here + ("effect", "reduce_impact"),
                                      "reduce_impact needs trigger on: <risk id> and no delay: it scales the "
                                      "occurrence that triggered it, at that instant"))
        if c.effect.rescue_health is not None and c.effect.rescue_health < health.dissolve_below:
            problems.append(loc.error(here + ("effect", "rescue_health"),
                                      f"rescue_health {c.effect.rescue_health:g} is below dissolve_below "
                                      f"{health.dissolve_below:g}: a rescued alliance must be alive"))
        if kind == "dissolution" and c.effect.rescue_health is None:
            problems.append(loc.error(here + ("effect",),
                                      f"an on: dissolution contingency needs rescue_health (at or above "
                                      f"dissolve_below {health.dissolve_below:g}): only a rescue that lifts "
                                      "health back to where the alliance is alive can cancel a dissolution"))
        if c.effect.rescue_health is not None and kind != "dissolution":
            problems.append(loc.error(here + ("effect", "rescue_health"),
                                      "rescue_health needs trigger on: dissolution"))
        if kind == "dissolution" and delayed:
            problems.append(loc.error(here + ("delay",), "an on: dissolution contingency acts at once "
                                                         "(remove delay): after dissolution there is nothing "
                                                         "left to act on"))
        if not c.delay.is_constant or c.delay.mean() != 0:
            lo = c.delay.sampler()(0.0)
            if c.delay.mean() < 0 or lo < 0:
                problems.append(loc.error(here + ("delay",), "delay must be >= 0; add clip: [0, ...] to the "
                                                             "distribution"))
    for name, ids in (s.plans or {}).items():
        if not name.strip():
            problems.append(loc.error(("plans", name), "plan names must not be blank", key=True))
        if ids == "all":
            continue
        listed: set[str] = set()
        for j, cid in enumerate(ids):
            if cid not in known_conts:
                problems.append(loc.error(("plans", name, j), f"unknown contingency '{shorten(cid)}'"
                                                               f"{_suggest(cid, cont_ids)}; known: "
                                                               f"{_listing(cont_ids) or 'none'}"))
            elif cid in listed:
                problems.append(loc.error(("plans", name, j), f"contingency '{cid}' is listed twice"))
            listed.add(cid)
    if s.plans is not None and not s.plans:
        problems.append(loc.error(("plans",), "plans is empty; name at least one plan or omit plans"))
    return problems


def _check_draws(s: Scenario, loc: Locations) -> list[str]:
    """Every distribution's draws, clipped to their field's range, must be finite numbers.

    Draws are monotone in their uniform, so the extremes are the draws at the smallest and largest uniforms.
    """
    unit = (0.0, 1.0)
    fields: list[tuple[tuple, Any, tuple[float, float]]] = []
    for i, risk in enumerate(s.risks):
        here, impact = ("risks", i, "impact"), risk.impact
        fields += [(here + ("health",), impact.health, unit), (here + ("cost",), impact.cost, (0.0, math.inf))]
        if impact.value is not None:
            fields += [(here + ("value", "factor"), impact.value.factor, unit),
                       (here + ("value", "duration"), impact.value.duration, (0.0, math.inf))]
        fields += [(here + ("escalates", j, "duration"), e.duration, (0.0, math.inf))
                   for j, e in enumerate(impact.escalates) if e.duration is not None]
    fields += [(("contingencies", i, "delay"), c.delay, (0.0, math.inf)) for i, c in enumerate(s.contingencies)]
    problems = []
    for path, dist, (lo, hi) in fields:
        try:
            sample = dist.sampler(lo, hi)
            draws = [sample(u) for u in (0.0, 0.5, 1.0 - 2.0**-53)]
        except (OverflowError, ValueError, ZeroDivisionError):
            draws = [math.inf]
        if not all(math.isfinite(d) for d in draws):
            problems.append(loc.error(path, "its draws overflow (they reach infinity); use smaller parameters"))
    return problems


# --------------------------------------------------------------------------- error messages


def _problems(exc: ValidationError, data: Any, loc: Locations) -> list[str]:
    out: list[str] = []
    for err in exc.errors(include_url=False):
        path = _data_path(err["loc"], data)
        kind = err["type"]
        if kind == "too_short" and _entries(data, path) >= (err.get("ctx") or {}).get("min_length", 1):
            continue  # pydantic counts only the entries that validated; the bad ones are reported already
        if kind == "missing" and isinstance(err["loc"][-1], int):  # a fixed-length list such as clip
            out.append(loc.error(path, f"has too few entries ({_entries(data, path)})"))
            continue
        if kind == "missing":
            message = f"missing required key '{err['loc'][-1]}'"
            out.append(loc.error(path, message))
        elif kind == "extra_forbidden":
            key = str(err["loc"][-1])
            allowed = _allowed_keys(path[:-1])
            hint = _suggest(key, allowed)
            listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
            out.append(loc.error(path, f"unknown key '{shorten(key)}'{hint}{listing}", key=True))
        else:
            out.append(loc.error(path, _message(err)))
    return list(dict.fromkeys(out))


def _data_path(pyd_loc: tuple, data: Any) -> tuple:
    """Keep the parts of a pydantic location that index into the file's data (drops union tags)."""
    path: list[Any] = []
    node = parent = data
    for part in pyd_loc:
        if part == "clip" and path and path[-1] in FAMILIES and isinstance(parent, dict) and "clip" in parent:
            path[-1] = "clip"  # the file writes clip beside the family, not among its parameters
            node = parent["clip"]
        elif isinstance(node, dict) and part in node:
            path.append(part)
            parent, node = node, node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            parent, node = node, node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isidentifier() and part not in FAMILIES \
                and part != "constant":
            path.append(part)  # a missing or unknown key: name it, it has no node
            node = None
    return tuple(path)


def _entries(data: Any, path: tuple) -> int:
    """How many entries the list at ``path`` of the file's data holds (0 when it is not a list)."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return 0
    return len(data) if isinstance(data, list) else 0


def _message(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = _show(value)
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        text = f"{limit:,}" if isinstance(limit, int) and abs(limit) >= 10_000 else f"{limit:g}"
        return f"must be {bounds[kind]} {text}, got {shown}"
    if kind == "finite_number" or (kind == "float_type" and type(value) is int):  # an int beyond float range
        return f"must be a finite number, got {shown}"
    if kind in ("float_type", "float_parsing"):
        hint = units.percent_hint(value) if isinstance(value, str) else ""
        return f"expected a number, got {shown}{hint}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}"
    if kind in ("string_type",):
        return f"expected text, got {shown}"
    if kind == "literal_error":
        hint = _suggest(value, re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) if isinstance(value, str) else ""
        return f"must be {ctx.get('expected', '')}, got {shown}{hint}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys, got {shown}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {shown}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} entr{'y' if ctx.get('min_length', 1) == 1 else 'ies'}"
    if kind == "too_long":
        return f"has too many entries (at most {ctx.get('max_length')})"
    if kind == "string_pattern_mismatch":
        return f"must be lowercase letters, digits and _, starting with a letter, got {shown}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def _show(value: Any) -> str:
    if isinstance(value, dict) and set(value) >= {"family"}:
        value = value.get("value", value)
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    if value is None:
        return "nothing"
    if isinstance(value, int) and value.bit_length() > 200:  # str() refuses ints beyond 4300 digits
        return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "number", float: "number", str: "text", list: "a list", dict: "a mapping",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def _listing(ids: list[str], most: int = 12) -> str:
    """Ids for a message, the first ``most`` of them when a scenario has thousands."""
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown}, ... ({len(ids):,} in all)"


def _suggest(word: str, options: Any) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _allowed_keys(path: tuple) -> list[str]:
    """The keys a mapping at ``path`` may hold, walking the model types (best effort, for hints)."""
    model: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        field = _fields(model).get(part)
        if field is None:
            return []
        model = field
    return list(_fields(model)) if _fields(model) else []


def _fields(annotation: Any) -> dict[str, Any]:
    """Field name -> inner annotation of a model type hidden inside Optional, tuple or Annotated."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, tuple, list) or str(origin) == "types.UnionType":
            models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
            nested = [a for a in get_args(annotation) if get_origin(a) is not None]
            if models:
                annotation = models[0]
            elif nested:
                annotation = nested[0]
            else:
                return {}
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {(f.alias or n): f.annotation for n, f in annotation.model_fields.items()}
    return {}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format (version 1), for editors and linters."""
    schema = Scenario.model_json_schema(by_alias=True)
    # a single rate factor may be written as a mapping, without the list around it
    listed = schema["$defs"]["Effect"]["properties"]["rate_factor"]
    item = listed.pop("items")
    listed.pop("type")
    listed["anyOf"] = [item, {"type": "array", "items": item}]
    listed["description"] = "one rate factor {risk, factor, duration}, or a list of them"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "allysim scenario (format version 1)"
    return schema
