"""A scenario compiled for one plan (:class:`CompiledPlan`), ready to simulate replications of it.

Compiling turns the validated scenario into what the event loop reads on its hot path (:mod:`allysim.compiled`):
each random quantity as its stream's index and inverse CDF, each risk with the contingencies it triggers, the
environment as exit rates and multipliers by index, and a setter for each uncertain parameter (SPEC section 8), which puts one
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
from typing import Any, Callable

from .compiled import ContingencySpec, EnvironmentSpec, RiskSpec
from .life import GRID_POINTS, Life
from .lineups import RecordingLife
from .membership import PartneredLife, PartnerSpec, lineups_share_paths
from .outcome import Outcome
from .scenario import Scenario
from .scenario.paths import ParameterPath
from .streams import Layout, Streams, sources

__all__ = ["CompiledPlan", "Life", "Outcome", "GRID_POINTS", "DEFAULT_EVENT_BUDGET", "SETTERS"]

DEFAULT_EVENT_BUDGET = 200_000


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
        self.risks = [RiskSpec(self, i, scenario, r.id in removed_risks) for i, r in enumerate(scenario.risks)]
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
        followed = [ContingencySpec(self, i, c, shadow=c.id not in chosen)
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
            EnvironmentSpec(scenario, scenario.environment, self.layout, hold_environment)
        self.setters = [self._setter(path) for path in scenario.uncertain]
        self._counterparts: dict[int, tuple[CompiledPlan, dict[int, object]]] = {}
        # what simulates one replication: a line-up's path kept for other line-ups, a life with partners, or one body
        self.life = (RecordingLife if self.recording else PartneredLife) if self.partners else Life

    def run(self, seed: int, replication: int, values: Sequence[float] | None = None, forks: Any = None) -> Outcome:
        """Simulate replication ``replication`` of root seed ``seed``.

        ``values`` are this replication's draws of the scenario's uncertain parameters, in
        ``scenario.uncertain`` order (see :class:`allysim.uncertainty.Draws`); without them every uncertain
        parameter keeps its median. ``forks``: where a shared path puts its copies for the variants that part from
        it (:mod:`allysim.sharing`), if anywhere.
        """
        self.set_values(values)
        life = self.life(self, Streams(self.layout, seed, replication), replication)
        if forks is not None and self.shadows:
            life.forks = forks
        return life.run()

    def counterparts(self, other: CompiledPlan) -> dict[int, object]:
        """By id of each spec of this plan (risks, contingencies followed, partners), the one of ``other`` with its
        index: ``other`` is the same scenario compiled for another variant (:meth:`allysim.forking.Forking.copy`)."""
        known = self._counterparts.get(id(other))
        if known is None or known[0] is not other:
            assert len(self.followed) == len(other.followed) and len(self.risks) == len(other.risks)
            pairs = {}
            for mine, theirs in zip([*self.risks, *self.followed, *self.partners],
                                    [*other.risks, *other.followed, *other.partners]):
                pairs[id(mine)] = theirs
            known = self._counterparts[id(other)] = (other, pairs)
        return known[1]

    def set_values(self, values: Sequence[float] | None) -> None:
        """Put one replication's draws of the uncertain parameters where the simulation reads them."""
        if values is not None:
            for setter, value in zip(self.setters, values):
                setter(value)

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
    return plan.partners[plan.partner_index[path["ID"]]].setter(list(path.parts[2:]))


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


def _followed(plan: CompiledPlan, path: ParameterPath) -> ContingencySpec | None:
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
