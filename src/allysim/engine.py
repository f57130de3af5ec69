"""A scenario compiled for one plan (:class:`CompiledPlan`), ready to simulate replications of it.

Compiling turns the validated scenario into what the event loop reads on its hot path: each random quantity as its
stream's index and inverse CDF (:class:`_Quantity`), each risk with the contingencies it triggers, the environment
as exit rates and multipliers by index, and a setter for each uncertain parameter (SPEC section 8), which puts one
replication's draw where the simulation reads it. The replication itself, one alliance lifetime on SimPy, is
:class:`allysim.life.Life`.

A plan may be compiled without some risks (their rate set to 0, every random stream kept where it was, so the
variant stays paired with the original), with the environment held in its initial state, or with *shadows*, for
path sharing (:mod:`allysim.sharing`): a model built with ``shadows=True`` also follows every contingency that is not
in its plan. Wherever that contingency would activate, it is activated in the shadow (its per_activation cost
counted, its success drawn from its own stream) but never acts. Its own streams are read by nobody else, so the path
is exactly the plan's. If no shadow activation of a contingency succeeds, adding it to the plan would leave the path
unchanged, apart from its own costs, which the shadow has counted: the :class:`Outcome` says so in
``shadow_worked`` and carries the costs and activations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Callable

from .life import GRID_POINTS, Life, Outcome, _Quantity
from .lineups import RecordingLife
from .membership import PartneredLife, PartnerSpec, lineups_share_paths
from .scenario import Contingency, Environment, Scenario
from .scenario.paths import ParameterPath
from .streams import Layout, Streams, sources

__all__ = ["CompiledPlan", "Life", "Outcome", "GRID_POINTS", "DEFAULT_EVENT_BUDGET", "SETTERS"]

DEFAULT_EVENT_BUDGET = 200_000


class _RiskSpec:
    """A risk compiled for fast simulation: quantities, stream indices and the contingencies it triggers."""

    def __init__(self, model: "CompiledPlan", index: int, scenario: Scenario, removed: bool) -> None:
        risk = scenario.risks[index]
        impact, layout, rid = risk.impact, model.layout, risk.id
        self.index, self.id = index, rid
        self.removed = removed
        # a hazard by age (SPEC section 13) is the engine's own copy of the curve, its parameters set per
        # replication when uncertain; the constant rate then stands at 1, a scale of the curve (0 when removed)
        self.curve = None if risk.hazard is None else risk.hazard.curve()
        constant = risk.constant_hazard
        self.hazard = 0.0 if removed else (1.0 if constant is None else constant)
        self.cap = risk.max_occurrences
        self.arrivals = layout.index(f"{rid}.arrivals")
        self.health = _Quantity(impact.health, 0.0, 1.0, layout, f"{rid}.health")
        self.cost = _Quantity(impact.cost, 0.0, math.inf, layout, f"{rid}.cost")
        self.fatal = impact.fatal
        self.fatal_source = layout.find(f"{rid}.fatal")
        self.value = None
        if impact.value is not None:
            self.value = (_Quantity(impact.value.factor, 0.0, 1.0, layout, f"{rid}.value_factor"),
                          _Quantity(impact.value.duration, 0.0, math.inf, layout, f"{rid}.value_duration"))
        # [target, factor, duration]: a risk's rate (escalates) or a partner's exit hazard (pescalates); by file
        # index in escalation_entries, for the setters of uncertain factors
        self.escalation_entries = [[model.risk_index[e.risk] if e.risk is not None else model.partner_index[e.partner],
                                    e.factor, None if e.duration is None else
                                    _Quantity(e.duration, 0.0, math.inf, layout, f"{rid}.escalates{j}")]
                                   for j, e in enumerate(impact.escalates)]
        self.escalates = [x for x, e in zip(self.escalation_entries, impact.escalates) if e.risk is not None]
        self.pescalates = [x for x, e in zip(self.escalation_entries, impact.escalates) if e.partner is not None]
        # [partner, probability, stream]: partners an occurrence makes leave (SPEC 12), drawn with fatal
        self.pulls = [[model.partner_index[pid], q, layout.index(f"{rid}.exit.{pid}")]
                      for pid, q in impact.exit.items()]
        self.partner_index = model.partner_index
        self.on_risk: list[_ContingencySpec] = []


class _ContingencySpec:
    def __init__(self, model: "CompiledPlan", index: int, c: Contingency, shadow: bool = False) -> None:
        layout = model.layout
        self.index, self.id = index, c.id
        self.shadow = shadow  # not in the plan: activations are counted and successes drawn, it never acts
        self.trigger = c.trigger.kind
        self.threshold = c.trigger.health_below
        # scheduled reviews (SPEC section 13): the ages before the horizon, and the condition's health threshold
        # (None: every review activates)
        self.reviews = c.trigger.review_ages(model.scenario.horizon)
        condition = c.trigger.condition
        self.review_below = None if condition is None else condition.health_below
        self.review_partners = None if condition is None else condition.partners_below
        self.review_share = None if condition is None else condition.share_below
        self.success = c.success
        self.success_source = layout.index(f"{c.id}.success")
        self.cap = c.max_activations if c.max_activations is not None else math.inf
        self.delay = _Quantity(c.delay, 0.0, math.inf, layout, f"{c.id}.delay")
        self.delayed = not (c.delay.is_constant and c.delay.mean() <= 0)
        effect = c.effect
        self.reduce = effect.reduce_impact or 0.0
        self.restore = effect.restore_health
        self.rescue = effect.rescue_health
        self.rate_factor_entries = [[model.risk_index[rf.risk] if rf.risk is not None
                                     else model.partner_index[rf.partner], rf.factor, rf.duration]
                                    for rf in effect.rate_factor]
        self.rate_factors = [x for x, rf in zip(self.rate_factor_entries, effect.rate_factor) if rf.risk is not None]
        self.exit_factors = [x for x, rf in zip(self.rate_factor_entries, effect.rate_factor)
                             if rf.partner is not None]
        self.retain, self.replace = bool(effect.retain), bool(effect.replace)
        self.exit_partner = model.partner_index[c.trigger.partner] if c.trigger.partner is not None else -1
        self.setup, self.per_time, self.per_activation = c.cost.setup, c.cost.per_time, c.cost.per_activation


class _EnvironmentSpec:
    """The environment compiled: each state's exits, risk multipliers (by risk index) and value factor."""

    def __init__(self, scenario: Scenario, env: Environment, layout: Layout, hold: bool) -> None:
        self.names = env.names
        index = {name: i for i, name in enumerate(self.names)}
        self.source = layout.index("environment")
        self.start = index[env.initial] if isinstance(env.initial, str) else -1  # -1: drawn from the shares
        self.shares = list(env.initial_shares)
        self.index = index
        self.risk_index = {r.id: i for i, r in enumerate(scenario.risks)}
        # [to, rate] pairs, mutable so that an uncertain rate can be set per replication
        self.exits = [[[index[to], rate] for to, rate in env.transitions.get(name, {}).items()]
                      for name in self.names]
        self.leave = [sum(rate for _, rate in exits) for exits in self.exits]
        self.rates = [[state.rate(r.id) for r in scenario.risks] for state in env.states.values()]
        self.exit_factors = [[state.exit_factor(p.id) for p in scenario.partners] for state in env.states.values()]
        self.value = [state.value for state in env.states.values()]
        self.hold = hold  # the environment stays in its initial state (the drivers' "without the environment")

    def transition_setter(self, origin_name: str, to_name: str) -> Callable[[float], None]:
        """A setter of the uncertain rate ``environment.transitions.FROM.TO``."""
        origin = self.index[origin_name]
        entry = next(e for e in self.exits[origin] if e[0] == self.index[to_name])

        def set_transition(value: float) -> None:
            entry[1] = value
            self.leave[origin] = sum(rate for _, rate in self.exits[origin])
        return set_transition

    def multiplier_setter(self, state_name: str, risk_id: str) -> Callable[[float], None]:
        """A setter of the uncertain multiplier ``environment.states.STATE.rates.RISK_ID``."""
        row, risk = self.rates[self.index[state_name]], self.risk_index[risk_id]

        def set_multiplier(value: float) -> None:
            row[risk] = value
        return set_multiplier

    def value_setter(self, state_name: str) -> Callable[[float], None]:
        """A setter of the uncertain value factor ``environment.states.STATE.value``."""
        state = self.index[state_name]

        def set_value(value: float) -> None:
            self.value[state] = value
        return set_value


class CompiledPlan:
    """A scenario compiled for one plan (a set of contingencies), ready to simulate replications.

    ``removed_risks`` simulates the scenario without those risks (their rate set to 0) while keeping every random
    stream where it was, so the variant stays paired with the original. ``hold_environment`` keeps the environment
    in the state it starts in (drawn as usual), for the paired effect of the environment's changes. ``shadows``
    follows the contingencies outside the plan without letting them act (see the module docstring).
    """

    def __init__(self, scenario: Scenario, contingencies: tuple[str, ...], *,
                 removed_risks: tuple[str, ...] = (), layout: Layout | None = None,
                 event_budget: int = DEFAULT_EVENT_BUDGET, health_path: bool = True,
                 hold_environment: bool = False, shadows: bool = False) -> None:
        self.scenario = scenario
        self.health_path = health_path  # keep health on the time grid (for fan charts); studies need not
        self.layout = layout or sources(scenario)
        self.event_budget = event_budget
        self.risk_index = {r.id: i for i, r in enumerate(scenario.risks)}
        self.partner_index = {p.id: k for k, p in enumerate(scenario.partners)}
        self.contingency_ids = tuple(c.id for c in scenario.contingencies)
        self.risks = [_RiskSpec(self, i, scenario, r.id in removed_risks) for i, r in enumerate(scenario.risks)]
        # every partner of the scenario (those not in the line-up never join); a removed partner never leaves
        lineup = set(scenario.lineup(contingencies))
        # with shadows, a path may stand for other line-ups: the candidates outside are followed as ghosts
        self.recording = shadows and lineups_share_paths(scenario)
        self.partners = [PartnerSpec(p, k, scenario, self.layout, inside=p.id in lineup, steady=p.id in removed_risks,
                                     ghost=self.recording and p.candidate and p.id not in lineup)
                         for k, p in enumerate(scenario.partners)]
        self.min_partners, self.min_share = scenario.min_partners, scenario.min_share
        chosen = set(contingencies)
        self.shadows = shadows
        followed = [_ContingencySpec(self, i, c, shadow=c.id not in chosen)
                    for i, c in enumerate(scenario.contingencies) if shadows or c.id in chosen]
        self.followed = followed  # the plan and the shadows, in file order
        self.contingencies = [c for c in followed if not c.shadow]  # the plan, in file order
        for c in followed:
            if c.trigger == "risk":
                self.risks[self.risk_index[scenario.contingencies[c.index].trigger.on]].on_risk.append(c)
        # file order, shadows included: a rescue stops at the first success, so a shadow sits where it would act
        self.rescuers = [c for c in followed if c.trigger == "dissolution"]
        self.watchers = [c for c in followed if c.trigger == "health"]
        self.retainers = [c for c in followed if c.trigger == "exit" and c.retain]  # file order, as rescuers
        self.exit_watchers = [c for c in followed if c.trigger == "exit" and not c.retain]
        self.reviewers = [c for c in followed if c.trigger == "review" and c.reviews]
        self.shadowed = [c for c in followed if c.shadow]
        health = scenario.alliance.health
        self.h0, self.floor, self.recovery = health.initial, health.dissolve_below, health.recovery
        self.value_rate = scenario.alliance.value_rate
        self.discount = scenario.discount_per_time
        self.horizon = scenario.horizon
        self.grid = [self.horizon * k / (GRID_POINTS - 1) for k in range(GRID_POINTS)]
        self.environment = None if scenario.environment is None else \
            _EnvironmentSpec(scenario, scenario.environment, self.layout, hold_environment)
        self.setters = [self._setter(path) for path in scenario.uncertain]

    def run(self, seed: int, replication: int, values: Sequence[float] | None = None) -> Outcome:
        """Simulate replication ``replication`` of root seed ``seed``.

        ``values`` are this replication's draws of the scenario's uncertain parameters, in
        ``scenario.uncertain`` order (see :class:`allysim.uncertainty.Draws`); without them every uncertain
        parameter keeps its median.
        """
        if values is not None:
            for setter, value in zip(self.setters, values):
                setter(value)
        life = (RecordingLife if self.recording else PartneredLife) if self.partners else Life
        return life(self, Streams(self.layout, seed, replication), replication).run()

    # ------------------------------------------------------------------ uncertain parameters (SPEC section 8)

    def _setter(self, path: str) -> Callable[[float], None]:
        """A function that puts one draw of the uncertain parameter ``path`` where the simulation reads it."""
        parsed = ParameterPath.parse(path)
        make = SETTERS.get(parsed.shape.pattern)
        if make is None:
            raise ValueError(f"no engine setter for the uncertain parameter {path!r}")
        return make(self, parsed)

    def _set_value_rate(self, value: float) -> None:
        self.value_rate = value

    def _set_initial(self, value: float) -> None:
        self.h0 = value

    def _set_floor(self, value: float) -> None:
        self.floor = value

    def _set_recovery(self, value: float) -> None:
        self.recovery = value

    def _set_min_share(self, value: float) -> None:
        self.min_share = value



def _ignore(value: float) -> None:
    return None


def _partner(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
    """A setter of a partner's number (SPEC section 12): its share, exit hazard, contagion, health factor, cost."""
    return plan.partners[plan.partner_index[path["ID"]]].setter(str(path).split(".")[2:])


def _pull(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
    """A setter of the probability that a risk's occurrence pulls a partner out."""
    k = plan.partner_index[path["PARTNER_ID"]]
    pull = next(x for x in plan.risks[plan.risk_index[path["ID"]]].pulls if x[0] == k)

    def set_pull(value: float) -> None:
        pull[1] = value
    return set_pull


def _risk_field(name: str) -> Callable[[CompiledPlan, ParameterPath], Callable[[float], None]]:
    """A setter maker for a field of a compiled risk that takes the draw as it is."""
    def make(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
        risk = plan.risks[plan.risk_index[path["ID"]]]

        def set_field(value: float) -> None:
            setattr(risk, name, value)
        return set_field
    return make


def _hazard(of: Callable[[float], float]) -> Callable[[CompiledPlan, ParameterPath], Callable[[float], None]]:
    """A setter maker for a risk's hazard, ``of(draw)``; a removed risk keeps hazard 0."""
    def make(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
        risk = plan.risks[plan.risk_index[path["ID"]]]

        def set_hazard(value: float) -> None:
            risk.hazard = 0.0 if risk.removed else of(value)
        return set_hazard
    return make


def _curve(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
    """A setter of a hazard by age's part: its Weibull shape or scale, or step N's rate."""
    curve = plan.risks[plan.risk_index[path["ID"]]].curve
    if curve is None:
        raise ValueError(f"no hazard by age to set at {path}")
    name = path["N"] if path.leaf == "N" else path.leaf

    def set_curve(value: float) -> None:
        curve.set(name, value)
    return set_curve


def _escalation(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
    entry = plan.risks[plan.risk_index[path["ID"]]].escalation_entries[int(path["N"])]

    def set_escalation(value: float) -> None:
        entry[1] = value
    return set_escalation


def _followed(plan: CompiledPlan, path: ParameterPath) -> _ContingencySpec | None:
    """The compiled contingency ``path`` names; None when it is not in this plan (a shadow acts on the draws too)."""
    return next((c for c in plan.followed if c.id == path["ID"]), None)


def _contingency_field(name: str) -> Callable[[CompiledPlan, ParameterPath], Callable[[float], None]]:
    def make(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
        c = _followed(plan, path)
        if c is None:
            return _ignore  # not in this plan: its draws have nothing to change

        def set_field(value: float) -> None:
            setattr(c, name, value)
        return set_field
    return make


def _rate_factor(plan: CompiledPlan, path: ParameterPath) -> Callable[[float], None]:
    c = _followed(plan, path)
    if c is None:
        return _ignore
    entry = c.rate_factor_entries[int(path["N"])]

    def set_rate_factor(value: float) -> None:
        entry[1] = value
    return set_rate_factor


# Where each uncertain parameter's draw goes: one entry per shape that may be uncertain
# (allysim.scenario.paths.SHAPES), keyed by its spelling; each maker returns a setter of one float.
SETTERS: dict[str, Callable[[CompiledPlan, ParameterPath], Callable[[float], None]]] = {
    "alliance.value_rate": lambda plan, path: plan._set_value_rate,
    "alliance.health.initial": lambda plan, path: plan._set_initial,
    "alliance.health.dissolve_below": lambda plan, path: plan._set_floor,
    "alliance.health.recovery": lambda plan, path: plan._set_recovery,
    "risks.ID.rate": _hazard(lambda value: value),
    "risks.ID.probability": _hazard(lambda value: -math.log1p(-value)),
    "risks.ID.hazard.shape": _curve,
    "risks.ID.hazard.scale": _curve,
    "risks.ID.hazard.steps.N": _curve,
    "risks.ID.impact.fatal": _risk_field("fatal"),
    "risks.ID.escalates.N.factor": _escalation,
    "contingencies.ID.success": _contingency_field("success"),
    "contingencies.ID.trigger.health_below": _contingency_field("threshold"),
    "contingencies.ID.trigger.if.health_below": _contingency_field("review_below"),
    "contingencies.ID.effect.reduce_impact": _contingency_field("reduce"),
    "contingencies.ID.effect.restore_health": _contingency_field("restore"),
    "contingencies.ID.effect.rescue_health": _contingency_field("rescue"),
    "contingencies.ID.effect.rate_factor.N.factor": _rate_factor,
    "contingencies.ID.cost.setup": _contingency_field("setup"),
    "contingencies.ID.cost.per_time": _contingency_field("per_time"),
    "contingencies.ID.cost.per_activation": _contingency_field("per_activation"),
    "environment.transitions.FROM.TO":
        lambda plan, path: plan.environment.transition_setter(path["FROM"], path["TO"]),  # type: ignore[union-attr]
    "environment.states.STATE.rates.RISK_ID":
        lambda plan, path: plan.environment.multiplier_setter(path["STATE"], path["RISK_ID"]),  # type: ignore[union-attr]
    "environment.states.STATE.value":
        lambda plan, path: plan.environment.value_setter(path["STATE"]),  # type: ignore[union-attr]
    "alliance.min_share": lambda plan, path: plan._set_min_share,
    "risks.ID.impact.exit.PARTNER_ID": _pull,
    **{f"partners.ID.{tail}": _partner for tail in (
        "share", "exit.rate", "exit.probability", "exit.hazard.shape", "exit.hazard.scale", "exit.hazard.steps.N",
        "exit.contagion", "exit.health_below.factor", "exit.health_below.x", "cost.setup", "cost.per_time")},
}
