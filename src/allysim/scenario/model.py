"""The typed, immutable scenario: pydantic models of every key, with units converted and derived facts.

Field-by-field validation and unit conversion happen here, once; cross-field rules are in
:mod:`allysim.scenario.checks`. Downstream code (engine, runner, analysis, charts) trusts a :class:`Scenario` and
never re-checks it.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
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
from . import units
from .distributions import Distribution
from .uncertain import Uncertain
from .values import (  # noqa: F401 - HORIZON_LIMIT, MONEY_LIMIT, distribution_type and dist_schema are read from here
    HORIZON_LIMIT,
    MONEY_LIMIT,
    TIME_SCHEMA,
    ZERO,
    Description,
    FrozenModel,
    Id,
    Money,
    MoneyDist,
    Name,
    PlainDist,
    PlanName,
    Probability,
    Time,
    TimeDist,
    Whole,
    as_tuple,
    dist_schema,
    distribution_type,
    not_bool,
)  # noqa: F401 - distribution_type and dist_schema are imported from here

__all__ = [
    "Scenario", "Alliance", "Health", "Risk", "AgeHazard", "WeibullShape", "Impact", "ValueImpact", "Escalation",
    "Contingency", "Trigger", "Effect", "RateFactor", "Costs", "Correlation", "Partner", "PartnerExit", "ExitHealth",
    "OnExit", "PartnerCosts", "Environment", "Every", "Condition", "EnvironmentState", "RESERVED_IDS", "MAX_RUNS",
    "distribution_type",
]

RESERVED_IDS = ("dissolution", "survived")
LOADED = ("source", "sha256", "uncertain", "reread", "document", "overrides", "recorded")  # Scenario.attach
MAX_RUNS = 100_000_000  # replications per plan: beyond this the per-run arrays outgrow any machine's memory
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
ID_PATTERN = _ID  # the ids of risks, contingencies and environment states



# --------------------------------------------------------------------------- the format


class Health(FrozenModel):
    """The alliance's health: trust, commitment and performance together, in [0, 1]."""

    initial: Probability = 1.0
    dissolve_below: float = Field(default=0.2, ge=0, lt=1)
    recovery: float = Field(default=0.0, ge=0)


class Alliance(FrozenModel):
    health: Health = Health()
    value_rate: Annotated[Money, Field(ge=0)] = 0.0
    min_partners: Whole | None = Field(default=None, ge=1)  # with partners: the alliance ends with fewer (default 1)
    min_share: float | None = Field(default=None, ge=0)  # ... or when the shares still in add up to less (default 0)


class ValueImpact(FrozenModel):
    """The value rate is multiplied by ``factor`` for ``duration``."""

    factor: PlainDist
    duration: TimeDist


class _RiskOrPartner(FrozenModel):
    """A target that is a risk's rate or a partner's exit hazard: exactly one of ``risk`` and ``partner``."""

    risk: str | None = None
    partner: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "_RiskOrPartner":
        if (self.risk is None) == (self.partner is None):
            raise ValueError("give exactly one of risk: <risk id> (its rate) or partner: <partner id> (its exit "
                             "hazard)")
        return self


class Escalation(_RiskOrPartner):
    """An occurrence multiplies another risk's rate, or a partner's exit hazard, by ``factor`` for ``duration``
    (omitted: for good)."""

    factor: float = Field(ge=0)
    duration: TimeDist | None = None


class Impact(FrozenModel):
    health: PlainDist = ZERO
    cost: MoneyDist = ZERO
    value: ValueImpact | None = None
    fatal: Probability = 0.0
    escalates: Annotated[tuple[Escalation, ...], BeforeValidator(as_tuple)] = ()
    exit: dict[str, Probability] = {}  # partner id -> probability that an occurrence makes it leave (SPEC 12)


class WeibullShape(FrozenModel):
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
    "prefixItems": [TIME_SCHEMA, {"anyOf": [{"type": "number", "minimum": 0}, dist_schema("plain")]}]},
    "description": "[[age, rate], ...]: the rate per time unit from each age on; the first age is 0"}


class AgeHazard(FrozenModel):
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


class Risk(FrozenModel):
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


class Every(FrozenModel):
    """Reviews at every multiple of ``every``: every, 2 every, ... before the horizon."""

    every: Annotated[Time, Field(gt=0)]


class Condition(FrozenModel):
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


_REVIEW_SCHEMA = {"anyOf": [{"type": "array", "items": TIME_SCHEMA, "minItems": 1},
                            {"type": "object", "properties": {"every": TIME_SCHEMA}, "required": ["every"],
                             "additionalProperties": False}],
                  "description": "ages at which to review ([2, 4, 6]), or {every: X}"}


class Trigger(FrozenModel):
    on: str | None = None
    partner: str | None = None  # with on: exit, that partner's exit only (omitted: any partner's)
    health_below: float | None = Field(default=None, gt=0, le=1)
    review: Annotated[Annotated[Union[Annotated[tuple[Time, ...], Tag("ages")], Annotated[Every, Tag("every")]],
                                Discriminator(lambda v: "every" if isinstance(v, (dict, Every)) else "ages")] | None,
                      BeforeValidator(as_tuple), WithJsonSchema(_REVIEW_SCHEMA)] = None
    condition: Condition | None = Field(default=None, alias="if")

    # on: exit is a partner's exit in a scenario with partners; without partners a risk may be called exit
    _partner_exit: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo) -> "Trigger":
        if (self.on is not None) + (self.health_below is not None) + (self.review is not None) != 1:
            raise ValueError("give exactly one of on: <risk id>, on: dissolution, on: exit, health_below: <x>, or "
                             "review: [ages] | {every: X}")
        if self.condition is not None and self.review is None:
            raise ValueError("if: {...} is the condition of a review; it needs review: [ages] or {every: X}")
        if self.partner is not None and self.on != "exit":
            raise ValueError("partner: <partner id> goes with on: exit (that partner's exit)")
        self._partner_exit = self.on == "exit" and (self.partner is not None
                                                   or bool((info.context or {}).get("partners")))
        return self

    @property
    def kind(self) -> Literal["risk", "dissolution", "health", "review", "exit"]:
        if self.health_below is not None:
            return "health"
        if self.review is not None:
            return "review"
        if self.on == "dissolution":
            return "dissolution"
        return "exit" if self._partner_exit else "risk"

    def review_ages(self, horizon: float) -> tuple[float, ...]:
        """The ages of the reviews that take place: those before ``horizon``, in order."""
        if isinstance(self.review, Every):
            count = math.ceil(horizon / self.review.every)  # k every < horizon for k = 1 .. count - 1
            return tuple(k * self.review.every for k in range(1, count) if k * self.review.every < horizon)
        return tuple(age for age in self.review or () if age < horizon)


class RateFactor(_RiskOrPartner):
    """Multiply a risk's rate, or a partner's exit hazard, by ``factor`` for ``duration`` (omitted: for good)."""

    factor: float = Field(ge=0)
    duration: Annotated[Time, Field(gt=0)] | None = None


def _listify(value: Any) -> Any:
    return (value,) if isinstance(value, dict) else as_tuple(value)


class Effect(FrozenModel):
    reduce_impact: Probability | None = None
    restore_health: Probability | None = None
    rate_factor: Annotated[tuple[RateFactor, ...], BeforeValidator(_listify)] = ()
    rescue_health: Probability | None = None
    retain: Literal[True] | None = None  # on: exit, no delay: a successful activation cancels that exit
    replace: Literal[True] | None = None  # on: exit: the departed partner's seat is filled again (after the delay)

    @model_validator(mode="after")
    def _has_an_effect(self) -> "Effect":
        if self.reduce_impact is None and self.restore_health is None and not self.rate_factor \
                and self.rescue_health is None and self.retain is None and self.replace is None:
            raise ValueError("an effect needs at least one of reduce_impact, restore_health, rate_factor, "
                             "rescue_health, retain, replace")
        if self.retain and self.replace:
            raise ValueError("retain and replace exclude each other: a retained partner never left, so there is no "
                             "seat to fill; use two contingencies")
        return self


class Costs(FrozenModel):
    setup: Annotated[Money, Field(ge=0)] = 0.0
    per_time: Annotated[Money, Field(ge=0)] = 0.0
    per_activation: Annotated[Money, Field(ge=0)] = 0.0


# SPEC 3 (v1.1): a rescue must lift health to where the alliance is alive, so on: dissolution needs rescue_health
_RESCUE_NEEDS_HEALTH = {
    "if": {"properties": {"trigger": {"properties": {"on": {"const": "dissolution"}}, "required": ["on"]}},
           "required": ["trigger"]},
    "then": {"properties": {"effect": {"required": ["rescue_health"]}}},
}


class Contingency(FrozenModel):
    model_config = ConfigDict(**FrozenModel.model_config, json_schema_extra=_RESCUE_NEEDS_HEALTH)

    id: Id
    name: Name = ""
    trigger: Trigger
    delay: TimeDist = ZERO
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


class ExitHealth(FrozenModel):
    """While the alliance's health is below ``x``, the partner's exit hazard is multiplied by ``factor``."""

    x: float = Field(gt=0, le=1)
    factor: float = Field(ge=0)


class PartnerExit(FrozenModel):
    """A partner's own decision to leave: a hazard per time unit (``rate``, or ``probability`` of leaving within one
    time unit), raised while health is low (``health_below``) and by each partner that has already left
    (``contagion``). Without rate or probability the partner never leaves by itself (risks may still pull it out)."""

    rate: float | None = Field(default=None, ge=0)
    probability: float | None = Field(default=None, ge=0, lt=1)
    hazard: AgeHazard | None = None  # a hazard by age (SPEC section 13): weibull or steps
    health_below: ExitHealth | None = None
    contagion: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _one_frequency(self) -> "PartnerExit":
        if sum(x is not None for x in (self.rate, self.probability, self.hazard)) > 1:
            raise ValueError("give at most one of rate (exits per time unit), probability (of leaving within one "
                             "time unit) or hazard")
        return self

    @property
    def base(self) -> float:
        """The exit hazard per time unit before any factor: ``rate``, or ``-ln(1 - probability)``, or 0; with a
        ``hazard`` by age, 1 (the curve's scale)."""
        if self.hazard is not None:
            return 1.0
        if self.rate is not None:
            return self.rate
        return -math.log1p(-self.probability) if self.probability is not None else 0.0


class OnExit(FrozenModel):
    """What a partner's leaving does to the alliance: a drop in health and a one-off cost."""

    health: PlainDist = ZERO
    cost: MoneyDist = ZERO


class PartnerCosts(FrozenModel):
    setup: Annotated[Money, Field(ge=0)] = 0.0
    per_time: Annotated[Money, Field(ge=0)] = 0.0


class Partner(FrozenModel):
    """A member of the alliance (SPEC section 12). A ``candidate`` is in only the plans that name it."""

    id: Id
    name: str = ""
    share: float | None = Field(default=None, ge=0)  # default: 1 / the number of partners that are not candidates
    required: bool = False
    candidate: bool = False
    cost: PartnerCosts = PartnerCosts()
    exit: PartnerExit = PartnerExit()
    on_exit: OnExit = OnExit()

    @property
    def label(self) -> str:
        return self.name or self.id


class Correlation(FrozenModel):
    """A Spearman rank correlation between two uncertain parameters, named by their paths (SPEC section 8)."""

    between: Annotated[tuple[str, str], BeforeValidator(as_tuple)]
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


class EnvironmentState(FrozenModel):
    """A state of the shared environment: its risk-rate multipliers and its value-rate multiplier."""

    rates: dict[str, Annotated[float, Field(ge=0)]] = {}
    value: float = Field(default=1.0, ge=0)
    exits: dict[str, Annotated[float, Field(ge=0)]] = {}  # partner id -> exit hazard multiplier in this state

    def exit_factor(self, partner_id: str) -> float:
        """The multiplier of ``partner_id``'s exit hazard in this state (1 when not listed)."""
        return self.exits.get(partner_id, 1.0)

    def rate(self, risk_id: str) -> float:
        """The multiplier of ``risk_id``'s rate in this state (1 when not listed)."""
        return self.rates.get(risk_id, 1.0)


class Environment(FrozenModel):
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


class Scenario(FrozenModel):
    """A validated scenario. Build one with :func:`load_scenario` or :func:`parse_scenario`."""

    allysim: Annotated[Literal[1], BeforeValidator(not_bool)]
    name: Annotated[Name, Field(min_length=1)]
    description: Description = ""
    time_unit: Literal["year", "quarter", "month", "week", "day"] = "year"
    horizon: Annotated[Time, Field(gt=0, le=HORIZON_LIMIT)]
    currency: Name = "USD"
    discount_rate: float = Field(default=0.0, ge=0)
    # the smallest effect on NPV worth a board's attention (money); studies default to 1% of the baseline's |NPV|
    materiality: Union[Annotated[Money, Field(gt=0)], None] = None
    runs: Whole = Field(default=10_000, ge=1, le=MAX_RUNS)
    seed: Whole | None = Field(default=None, ge=0)
    alliance: Alliance = Alliance()
    risks: Annotated[tuple[Risk, ...], BeforeValidator(as_tuple)]  # empty only with partners (checks)
    partners: Annotated[tuple[Partner, ...], BeforeValidator(as_tuple)] = ()
    contingencies: Annotated[tuple[Contingency, ...], BeforeValidator(as_tuple)] = ()
    plans: dict[PlanName, Union[Literal["all"], Annotated[tuple[str, ...], BeforeValidator(as_tuple)]]] | None = None
    correlations: Annotated[tuple[Correlation, ...], BeforeValidator(as_tuple)] = ()
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
        """Every plan with its contingency ids (and candidate partner ids), as written; ``all`` expanded to every
        contingency, ``default`` (every contingency) when none given."""
        every = tuple(c.id for c in self.contingencies)
        if self.plans is None:
            return {"default": every}
        return {name: every if ids == "all" else tuple(ids) for name, ids in self.plans.items()}

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """What a plan may hold, in the one canonical order: the contingencies, then the candidate partners, each in
        file order."""
        return tuple(c.id for c in self.contingencies) + tuple(p.id for p in self.partners if p.candidate)

    def ordered(self, ids: Any) -> tuple[str, ...]:
        """``ids`` (contingencies and candidate partners) in :attr:`choice_ids` order, so that one set is one
        variant."""
        chosen = set(ids)
        return tuple(i for i in self.choice_ids if i in chosen)

    def partner(self, partner_id: str) -> Partner:
        return next(p for p in self.partners if p.id == partner_id)

    @property
    def shares(self) -> dict[str, float]:
        """Each partner's share of the value rate: as written, else 1 / the number of partners not candidates."""
        members = sum(1 for p in self.partners if not p.candidate)
        default = 1.0 / members if members else 1.0
        return {p.id: default if p.share is None else p.share for p in self.partners}

    @property
    def min_partners(self) -> int:
        return self.alliance.min_partners or 1

    @property
    def min_share(self) -> float:
        return self.alliance.min_share or 0.0

    def lineup(self, ids: Any) -> tuple[str, ...]:
        """The partners in the alliance at t = 0 under a plan holding ``ids``: every partner that is not a
        candidate, and the candidates named, in file order."""
        chosen = set(ids)
        return tuple(p.id for p in self.partners if not p.candidate or p.id in chosen)

    def infeasible(self, ids: Any) -> str | None:
        """Why a plan holding ``ids`` breaks min_partners or min_share at t = 0, or None when it does not."""
        if not self.partners:
            return None
        members = self.lineup(ids)
        if len(members) < self.min_partners:
            return f"{len(members)} partner{'s' * (len(members) != 1)} at the start, fewer than min_partners " \
                   f"{self.min_partners}"
        total = sum(self.shares[m] for m in members)
        if total < self.min_share - 1e-9:  # as the engine compares: sums of shares carry rounding
            return f"shares adding up to {total:g} at the start, less than min_share {self.min_share:g}"
        return None

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
        for i, p in enumerate(self.partners):
            fields += [(("partners", i, "on_exit", "health"), p.on_exit.health, unit),
                       (("partners", i, "on_exit", "cost"), p.on_exit.cost, positive)]
        return fields
