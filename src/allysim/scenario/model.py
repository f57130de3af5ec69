"""The typed, immutable scenario: pydantic models of every key, with units converted and derived facts.

Field-by-field validation and unit conversion happen here, once; cross-field rules are in
:mod:`allysim.scenario.checks`. Downstream code (engine, runner, analysis, charts) trusts a :class:`Scenario` and
never re-checks it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from ..errors import UsageError
from ..hazards import Hazard, Steps, Weibull
from ..text import TEXT_LIMIT, plan_problem
from ..text import problem as text_problem
from . import units
from .distributions import FAMILIES, Constant, Distribution
from .messages import suggest
from .uncertain import Uncertain

__all__ = [
    "Scenario", "Alliance", "Health", "Risk", "AgeHazard", "WeibullShape", "Impact", "ValueImpact", "Escalation", "Contingency", "Trigger",
    "Effect", "RateFactor", "Costs", "Correlation", "Environment", "Every", "Condition", "EnvironmentState", "dist_schema", "RESERVED_IDS", "MAX_RUNS", "distribution_type",
]

RESERVED_IDS = ("dissolution", "survived")
LOADED = ("source", "sha256", "uncertain", "reread", "document", "overrides", "recorded")  # Scenario.attach
MAX_RUNS = 100_000_000  # replications per plan: beyond this the per-run arrays outgrow any machine's memory
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ID_PATTERN = _ID  # the ids of risks, contingencies and environment states


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


HORIZON_LIMIT = 1e6  # time units (a million days is 2,700 years): longer ones only serve to overflow sums
MONEY_LIMIT = 1e15  # the largest amount: sums of amounts over a long horizon and many events stay far from overflow


def _money(value: Any, info: ValidationInfo) -> Any:
    return _bounded(units.parse_money(value, (info.context or {}).get("currency")) if isinstance(value, str)
                    else value)


def _bounded(value: Any) -> Any:
    """An amount of money within :data:`MONEY_LIMIT`: larger ones would add up to infinity in a run's NPV."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MONEY_LIMIT:
        raise ValueError(f"{float(value):.3g} is more than allysim can add up without overflow (at most {MONEY_LIMIT:.0e} "
                         "in absolute value); write amounts in a larger unit, such as millions")
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return value


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
            hint = suggest(others[0], FAMILIES) if others else ""
            raise ValueError(f"a distribution names exactly one family ({names}) and may add clip; "
                             f"found {found}{hint}")
        family = families[0]
        params = raw[family]
        if not isinstance(params, dict):
            fields = [n for n in FAMILIES[family].model_fields if n not in ("family", "clip")]
            raise ValueError(f"{family}: expected a mapping of its parameters "
                             f"{{{', '.join(_alias(FAMILIES[family], f) for f in fields)}}}")
        flat = {k: _convert_numbers(v, convert, info) for k, v in params.items()}
        if kind == "money":
            flat = {k: _bounded(v) for k, v in flat.items()}
        if "family" in flat or "clip" in flat:
            raise ValueError(f"{family}: unexpected parameter {'family' if 'family' in flat else 'clip'!r}")
        flat["family"] = family
        if "clip" in raw:
            flat["clip"] = _convert_numbers(raw["clip"], convert, info)
        return flat

    return flatten


def _alias(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].alias or name


def dist_schema(kind: str) -> dict[str, Any]:
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


def distribution_type(kind: str) -> Any:
    """The field type of a number that may be written as a distribution: ``kind`` is plain, time or money."""
    return Annotated[Distribution, BeforeValidator(_flatten(kind)), WithJsonSchema(dist_schema(kind))]


_TIME_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["18 months", "2 years"]}]}
_MONEY_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string", "examples": ["2.5M", "300k"]}]}

PlainDist = distribution_type("plain")
TimeDist = distribution_type("time")
MoneyDist = distribution_type("money")
Time = Annotated[float, BeforeValidator(_time), WithJsonSchema(_TIME_SCHEMA)]
Money = Annotated[float, BeforeValidator(_money), WithJsonSchema(_MONEY_SCHEMA)]
Probability = Annotated[float, Field(ge=0, le=1)]
Whole = Annotated[int, BeforeValidator(_whole)]
Id = Annotated[str, Field(pattern=_ID.pattern, max_length=64)]


def _checked(check: Callable[[str], str | None]) -> AfterValidator:
    def validate(value: str) -> str:
        message = check(value)
        if message is not None:
            raise ValueError(message)
        return value
    return AfterValidator(validate)


# free text is checked in one place (allysim.text): nothing a screen, chart, slide or spreadsheet cannot show
Name = Annotated[str, _checked(text_problem)]
Description = Annotated[str, _checked(lambda value: text_problem(value, TEXT_LIMIT, lines=True))]
PlanName = Annotated[str, _checked(plan_problem)]
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


class WeibullShape(_Model):
    """intensity (k / s) (t / s)^(k - 1) at age t: the first occurrence is Weibull(shape k, scale s)."""

    shape: float = Field(gt=0)
    scale: Annotated[Time, Field(gt=0)]


def _steps(value: Any) -> Any:
    """``[[0, 0.05], ["2 years", 0.2]]``: each step a pair, as a tuple (scenario objects stay immutable)."""
    if not isinstance(value, list):
        return value
    for i, step in enumerate(value):
        if not isinstance(step, list) or len(step) != 2:
            raise ValueError(f"steps[{i}]: each step is a pair [age, rate], e.g. [2, 0.2] or ['2 years', 0.2]")
    return tuple(tuple(step) for step in value)


_STEPS_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "array", "minItems": 2, "maxItems": 2,
    "prefixItems": [_TIME_SCHEMA, {"anyOf": [{"type": "number", "minimum": 0}, dist_schema("plain")]}]},
    "description": "[[age, rate], ...]: the rate per time unit from each age on; the first age is 0"}


class AgeHazard(_Model):
    """A hazard that changes with the alliance's age (SPEC section 13): ``weibull`` or ``steps``, exactly one."""

    weibull: WeibullShape | None = None
    steps: Annotated[tuple[tuple[Time, Annotated[float, Field(ge=0)]], ...] | None,
                     BeforeValidator(_steps), WithJsonSchema(_STEPS_SCHEMA)] = None

    @model_validator(mode="after")
    def _one_curve(self) -> "AgeHazard":
        if (self.weibull is None) == (self.steps is None):
            raise ValueError("give exactly one of weibull: {shape, scale} or steps: [[0, rate], [age, rate], ...]")
        return self

    def curve(self) -> Hazard:
        """A fresh :class:`allysim.hazards.Hazard` of this shape (the engine's own copy, set per replication)."""
        if self.weibull is not None:
            return Weibull(self.weibull.shape, self.weibull.scale)
        return Steps([age for age, _ in self.steps or ()], [rate for _, rate in self.steps or ()])


class Risk(_Model):
    id: Id
    name: Name = ""
    category: Name = "other"
    rate: float | None = Field(default=None, ge=0)
    probability: float | None = Field(default=None, ge=0, lt=1)
    hazard: AgeHazard | None = None
    max_occurrences: Whole | None = Field(default=None, ge=1)
    impact: Impact = Impact()

    @model_validator(mode="after")
    def _one_frequency(self) -> "Risk":
        if (self.rate is not None) + (self.probability is not None) + (self.hazard is not None) != 1:
            raise ValueError("give exactly one of rate (occurrences per time unit), probability (of at least one "
                             "occurrence per time unit) or hazard (weibull or steps: a rate that changes with age)")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def constant_hazard(self) -> float | None:
        """Occurrences per time unit: ``rate``, or ``-ln(1 - probability)``; None for a hazard by age."""
        if self.rate is not None:
            return self.rate
        return None if self.probability is None else -math.log1p(-self.probability)

    def expected_occurrences(self, horizon: float) -> float:
        """Occurrences expected from age 0 to ``horizon`` with no factor in force."""
        rate = self.constant_hazard
        if rate is not None:
            return rate * horizon
        return self.hazard.curve().cumulative(horizon)  # type: ignore[union-attr]


class Every(_Model):
    """Reviews at every multiple of ``every``: every, 2 every, ... before the horizon."""

    every: Annotated[Time, Field(gt=0)]


class Condition(_Model):
    """What must hold at a review for the contingency to activate (SPEC section 13): one condition."""

    health_below: float | None = Field(default=None, gt=0, le=1)
    partners_below: Whole | None = Field(default=None, ge=1)
    share_below: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_condition(self) -> "Condition":
        given = [k for k in ("health_below", "partners_below", "share_below") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one condition: health_below: <x>, partners_below: <n> or "
                             "share_below: <x>")
        return self


_REVIEW_SCHEMA = {"anyOf": [{"type": "array", "items": _TIME_SCHEMA, "minItems": 1},
                            {"type": "object", "properties": {"every": _TIME_SCHEMA}, "required": ["every"],
                             "additionalProperties": False}],
                  "description": "ages at which to review ([2, 4, 6]), or {every: X}"}


class Trigger(_Model):
    on: str | None = None
    health_below: float | None = Field(default=None, gt=0, le=1)
    review: Annotated[Annotated[Union[Annotated[tuple[Time, ...], Tag("ages")], Annotated[Every, Tag("every")]],
                                Discriminator(lambda v: "every" if isinstance(v, (dict, Every)) else "ages")] | None,
                      BeforeValidator(_tuple), WithJsonSchema(_REVIEW_SCHEMA)] = None
    condition: Condition | None = Field(default=None, alias="if")

    @model_validator(mode="after")
    def _one_kind(self) -> "Trigger":
        if (self.on is not None) + (self.health_below is not None) + (self.review is not None) != 1:
            raise ValueError("give exactly one of on: <risk id>, on: dissolution, health_below: <x>, or "
                             "review: [ages] | {every: X}")
        if self.condition is not None and self.review is None:
            raise ValueError("if: {...} is the condition of a review; it needs review: [ages] or {every: X}")
        return self

    @property
    def kind(self) -> Literal["risk", "dissolution", "health", "review"]:
        if self.health_below is not None:
            return "health"
        if self.review is not None:
            return "review"
        return "dissolution" if self.on == "dissolution" else "risk"

    def review_ages(self, horizon: float) -> tuple[float, ...]:
        """The ages of the reviews that take place: those before ``horizon``, in order."""
        if isinstance(self.review, Every):
            count = math.ceil(horizon / self.review.every)  # k every < horizon for k = 1 .. count - 1
            return tuple(k * self.review.every for k in range(1, count) if k * self.review.every < horizon)
        return tuple(age for age in self.review or () if age < horizon)


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
    def _has_an_effect(self) -> "Effect":
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
    name: Name = ""
    trigger: Trigger
    delay: TimeDist = _ZERO
    success: Probability = 1.0
    max_activations: Whole | None = Field(default=None, ge=1)
    effect: Effect
    cost: Costs = Costs()

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def is_delayed(self) -> bool:
        """Whether the contingency acts after a delay rather than at the instant it is triggered."""
        return not (self.delay.is_constant and self.delay.mean() == 0)


class Correlation(_Model):
    """A Spearman rank correlation between two uncertain parameters, named by their paths (SPEC section 8)."""

    between: Annotated[tuple[str, str], BeforeValidator(_tuple)]
    rho: float = Field(ge=-1, le=1)


def _empty_mapping(value: Any) -> Any:
    """``recession:`` with nothing under it is a state with the default factors."""
    return {} if value is None else value


def _state_or_shares(value: Any) -> Any:
    if not isinstance(value, (str, dict)):
        shown = "a list" if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else value
        raise ValueError(f"expected a state name, or shares of the states such as {{normal: 0.8, recession: 0.2}}, "
                         f"got {shown}")
    return value


class EnvironmentState(_Model):
    """A state of the shared environment: its risk-rate multipliers and its value-rate multiplier."""

    rates: dict[str, Annotated[float, Field(ge=0)]] = {}
    value: float = Field(default=1.0, ge=0)

    def rate(self, risk_id: str) -> float:
        """The multiplier of ``risk_id``'s rate in this state (1 when not listed)."""
        return self.rates.get(risk_id, 1.0)


class Environment(_Model):
    """The shared environment: a continuous-time Markov chain whose state multiplies risk rates and the value rate.

    ``initial`` is a state, or shares of the states at t = 0; ``transitions[FROM][TO]`` is the rate per time unit
    of leaving FROM for TO.
    """

    initial: Annotated[Union[str, dict[str, Probability]], BeforeValidator(_state_or_shares)]
    states: dict[str, Annotated[EnvironmentState, BeforeValidator(_empty_mapping)]] = Field(min_length=1)
    transitions: dict[str, Annotated[dict[str, Annotated[float, Field(ge=0)]], BeforeValidator(_empty_mapping)]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """The states, in file order."""
        return tuple(self.states)

    @property
    def initial_shares(self) -> tuple[float, ...]:
        """The probability of each state (file order) at t = 0."""
        if isinstance(self.initial, str):
            return tuple(1.0 if name == self.initial else 0.0 for name in self.states)
        return tuple(self.initial.get(name, 0.0) for name in self.states)

    def generator(self) -> list[list[float]]:
        """The generator matrix Q (rows: from, columns: to; each row sums to 0), states in file order."""
        index = {name: i for i, name in enumerate(self.states)}
        q = [[0.0] * len(index) for _ in index]
        for origin, targets in self.transitions.items():
            for target, rate in targets.items():
                q[index[origin]][index[target]] += rate
                q[index[origin]][index[origin]] -= rate
        return q


class Scenario(_Model):
    """A validated scenario. Build one with :func:`load_scenario` or :func:`parse_scenario`."""

    allysim: Annotated[Literal[1], BeforeValidator(_not_bool)]
    name: Annotated[Name, Field(min_length=1)]
    description: Description = ""
    time_unit: Literal["year", "quarter", "month", "week", "day"] = "year"
    horizon: Annotated[Time, Field(gt=0, le=HORIZON_LIMIT)]
    currency: Name = "USD"
    discount_rate: float = Field(default=0.0, ge=0)
    runs: Whole = Field(default=10_000, ge=1, le=MAX_RUNS)
    seed: Whole | None = Field(default=None, ge=0)
    alliance: Alliance = Alliance()
    risks: Annotated[tuple[Risk, ...], BeforeValidator(_tuple)] = Field(min_length=1)
    contingencies: Annotated[tuple[Contingency, ...], BeforeValidator(_tuple)] = ()
    plans: dict[PlanName, Union[Literal["all"], Annotated[tuple[str, ...], BeforeValidator(_tuple)]]] | None = None
    correlations: Annotated[tuple[Correlation, ...], BeforeValidator(_tuple)] = ()
    environment: Environment | None = None

    _source: str = PrivateAttr(default="<scenario>")
    _sha256: str = PrivateAttr(default="")
    # how to validate the file as read again with overrides (set by loading), so what-ifs re-validate from it;
    # kept in this process only (see __getstate__)
    _reread: Any = PrivateAttr(default=None)
    _document: Any = PrivateAttr(default=None)  # the file's data as read, before validation
    _overrides: tuple = PrivateAttr(default=())  # the Override objects applied, in order
    _recorded: dict = PrivateAttr(default_factory=dict)  # {canonical path: value}, as outputs record them
    _uncertain: dict[str, Uncertain] = PrivateAttr(default_factory=dict)

    @property
    def uncertain(self) -> dict[str, Uncertain]:
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

    def attach(self, **loaded: Any) -> None:
        """Record what reading the file knew besides the fields: ``source``, ``sha256``, ``uncertain``, ``reread``
        (how to validate it again with overrides), ``document`` (the file's data as read), ``overrides`` (the
        Override objects applied) and ``recorded`` (``{path: value}``). Called by :mod:`allysim.scenario.loading`."""
        for key, value in loaded.items():
            if key not in LOADED:
                raise TypeError(f"attach() got an unexpected keyword {key!r}")
            setattr(self, f"_{key}", value)

    def with_overrides(self, overrides: Any) -> Scenario:
        """This scenario with parameters set over the file's values, validated like the file.

        ``overrides`` is a ``{PATH: VALUE}`` mapping or ``PATH=VALUE`` strings (paths:
        :mod:`allysim.scenario.overrides`). Overrides already applied stay, unless a new one sets the same parameter.

        Examples
        --------
        >>> scenario.with_overrides({"risks.partner_buyout.rate": 0.2, "horizon": "7 years"})  # doctest: +SKIP
        """
        from .overrides import parse_overrides

        new = parse_overrides(overrides)
        if not new:
            return self
        if self._reread is None:
            raise UsageError("this scenario was not read with load_scenario or parse_scenario in this process, "
                             "so overrides cannot be applied to it; load it again")
        paths = {o.key for o in new}
        return self._reread(tuple(o for o in self._overrides if o.key not in paths) + new)

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_reread"] = private["_document"] = None  # workers need the validated scenario only
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

    def random_fields(self) -> list[tuple[tuple, Distribution, tuple[float, float]]]:
        """Every distribution of the scenario: (path in the file, distribution, range its draws are clipped to)."""
        unit, positive = (0.0, 1.0), (0.0, math.inf)
        fields: list[tuple[tuple, Distribution, tuple[float, float]]] = []
        for i, risk in enumerate(self.risks):
            here, impact = ("risks", i, "impact"), risk.impact
            fields += [(here + ("health",), impact.health, unit), (here + ("cost",), impact.cost, positive)]
            if impact.value is not None:
                fields += [(here + ("value", "factor"), impact.value.factor, unit),
                           (here + ("value", "duration"), impact.value.duration, positive)]
            fields += [(here + ("escalates", j, "duration"), e.duration, positive)
                       for j, e in enumerate(impact.escalates) if e.duration is not None]
        fields += [(("contingencies", i, "delay"), c.delay, positive) for i, c in enumerate(self.contingencies)]
        return fields
