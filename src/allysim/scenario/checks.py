"""Cross-field rules of the scenario format: what pydantic's field-by-field validation cannot see.

Ids are unique and not reserved, references resolve, combinations make sense (a rescue acts at dissolution, a
reduction at the triggering occurrence), and no distribution draws beyond a finite number.
"""

from __future__ import annotations

from .messages import listing, suggest
from .model import ID_PATTERN, RESERVED_IDS, Scenario
from .paths import ParameterPath
from .uncertain import Uncertain, extremes
from .yamlio import Locations, shorten

__all__ = ["check_references", "check_environment", "check_draws", "check_uncertain_ranges", "check_hazards",
           "check_partners"]


def check_references(s: Scenario, loc: Locations) -> list[str]:
    """Cross-field rules: unique ids, references that resolve, combinations that make sense."""
    problems: list[str] = []
    risk_ids = [r.id for r in s.risks]
    cont_ids = [c.id for c in s.contingencies]
    partner_ids = [p.id for p in s.partners]
    known_risks = set(risk_ids)  # thousands of references: look up in sets
    choices = set(s.choice_ids)
    seen: set[str] = set()
    namespace = "risks, partners and contingencies" if s.partners else "risks and contingencies"
    for group, ids in (("risks", risk_ids), ("partners", partner_ids), ("contingencies", cont_ids)):
        for i, rid in enumerate(ids):
            if rid in RESERVED_IDS or (rid == "exit" and s.partners):
                problems.append(loc.error((group, i, "id"), f"'{rid}' is reserved; choose another id"))
            elif rid in seen:
                problems.append(loc.error((group, i, "id"), f"duplicate id '{rid}'; ids are unique across "
                                                            f"{namespace}"))
            seen.add(rid)
    if not s.risks and not s.partners:
        problems.append(loc.error(("risks",), "needs at least 1 entry"))  # only a scenario with partners may have none

    def ref(path: tuple, target: str, what: str = "risk") -> None:
        if target not in known_risks:
            problems.append(loc.error(path, f"unknown {what} '{shorten(target)}'{suggest(target, risk_ids)}; "
                                            f"known risks: {listing(risk_ids)}"))

    health = s.alliance.health
    if health.initial < health.dissolve_below:
        problems.append(loc.error(("alliance", "health", "initial"),
                                  f"initial health {health.initial:g} is below dissolve_below "
                                  f"{health.dissolve_below:g}: the alliance would dissolve at once"))
    for i, risk in enumerate(s.risks):
        for j, esc in enumerate(risk.impact.escalates):
            if esc.risk is not None:
                ref(("risks", i, "impact", "escalates", j, "risk"), esc.risk)
    for i, c in enumerate(s.contingencies):
        here = ("contingencies", i)
        kind = c.trigger.kind
        if kind == "risk":
            ref(here + ("trigger", "on"), c.trigger.on or "", "risk (or 'dissolution')")
        if kind == "review":
            problems += _review_problems(c, here, s.horizon, loc, bool(s.partners))
        as_list = here + ("effect", "rate_factor", 0) in loc.values  # the file wrote a list, not one mapping
        for j, rf in enumerate(c.effect.rate_factor):
            if rf.risk is not None:
                ref(here + ("effect", "rate_factor") + ((j,) if as_list else ()) + ("risk",), rf.risk)
        delayed = c.is_delayed
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
        if delayed:
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
            if cid in partner_ids and cid not in choices:
                problems.append(loc.error(("plans", name, j), f"partner '{cid}' is not a candidate: it is in every "
                                                               "plan already (add candidate: true to choose it)"))
            elif cid not in choices:
                what = "contingency or candidate partner" if len(choices) > len(cont_ids) else "contingency"
                problems.append(loc.error(("plans", name, j), f"unknown {what} '{shorten(cid)}'"
                                                               f"{suggest(cid, list(choices))}; known: "
                                                               f"{listing(s.choice_ids) or 'none'}"))
            elif cid in listed:
                problems.append(loc.error(("plans", name, j), f"contingency '{cid}' is listed twice"))
            listed.add(cid)
    if s.plans is not None and not s.plans:
        problems.append(loc.error(("plans",), "plans is empty; name at least one plan or omit plans"))
    return problems


MAX_REVIEWS = 100_000  # reviews of one contingency over the horizon: beyond this, a typo (every: 1 day in years?)


def _review_problems(c, here: tuple, horizon: float, loc: Locations,  # noqa: ANN001 - a Contingency
                     partners: bool = False) -> list[str]:
    """Review ages are >= 0 and increase; not too many reviews; conditions this version can evaluate."""
    problems: list[str] = []
    trigger, at = c.trigger, here + ("trigger", "review")
    if isinstance(trigger.review, tuple):
        if not trigger.review:
            problems.append(loc.error(at, "review lists no age; give the ages of the reviews, e.g. [2, 4, 6], or "
                                          "{every: 1}"))
        for j, age in enumerate(trigger.review):
            if age < 0:
                problems.append(loc.error(at + (j,), f"a review age is >= 0 (the alliance's start), got {age:g}"))
            elif j and age <= trigger.review[j - 1]:
                problems.append(loc.error(at + (j,), f"review ages increase: {age:g} is not after the previous "
                                                     f"{trigger.review[j - 1]:g}"))
    elif horizon / trigger.review.every > MAX_REVIEWS:
        problems.append(loc.error(at + ("every",), f"every {trigger.review.every:g} means "
                                                   f"{horizon / trigger.review.every:,.0f} reviews over the horizon "
                                                   f"(at most {MAX_REVIEWS:,}); is the time unit right?"))
    condition = trigger.condition
    for key in ("partners_below", "share_below"):
        if condition is not None and getattr(condition, key) is not None and not partners:
            problems.append(loc.error(here + ("trigger", "if", key),
                                      f"{key} needs partners (SPEC section 12): list the alliance's members under "
                                      "partners, or use health_below"))
    return problems


def check_hazards(s: Scenario, loc: Locations) -> list[str]:
    """A hazard by steps starts at age 0 and its ages increase (SPEC section 13)."""
    problems: list[str] = []
    hazards = [(("risks", i, "hazard"), risk.hazard) for i, risk in enumerate(s.risks)]
    hazards += [(("partners", i, "exit", "hazard"), p.exit.hazard) for i, p in enumerate(s.partners)]
    for where, hazard in hazards:
        steps = None if hazard is None else hazard.steps
        if steps is None:
            continue
        here = where + ("steps",)
        if not steps:
            problems.append(loc.error(here, "steps is empty; give at least [[0, rate]], e.g. [[0, 0.05], [2, 0.2]]"))
            continue
        if steps[0][0] != 0:
            problems.append(loc.error(here + (0, 0), f"the first step starts at age 0 (the alliance's start), got "
                                                     f"{steps[0][0]:g}; add [0, rate] before it"))
        for j in range(1, len(steps)):
            if steps[j][0] <= steps[j - 1][0]:
                problems.append(loc.error(here + (j, 0), f"ages increase from step to step: {steps[j][0]:g} is not "
                                                         f"after the previous step's {steps[j - 1][0]:g}"))
    return problems


def check_environment(s: Scenario, loc: Locations) -> list[str]:
    """The environment names only its own states and the scenario's risks; its initial shares sum to 1."""
    env = s.environment
    if env is None:
        return []
    problems: list[str] = []
    here = ("environment",)
    states = list(env.states)
    risk_ids = [r.id for r in s.risks]
    known_risks = set(risk_ids)

    def state(path: tuple, name: str, key: bool = True) -> bool:
        if name in env.states:
            return True
        problems.append(loc.error(path, f"unknown state '{shorten(name)}'{suggest(name, states)}; known states: "
                                        f"{listing(states)}", key=key))
        return False

    for name, st in env.states.items():
        if not ID_PATTERN.match(name) or len(name) > 64:
            problems.append(loc.error(here + ("states", name), f"state name '{shorten(name)}' must be lowercase "
                                      "letters, digits and _, starting with a letter", key=True))
        for rid in st.rates:
            if rid not in known_risks:
                problems.append(loc.error(here + ("states", name, "rates", rid),
                                          f"unknown risk '{shorten(rid)}'{suggest(rid, risk_ids)}; known risks: "
                                          f"{listing(risk_ids)}", key=True))
    if isinstance(env.initial, str):
        state(here + ("initial",), env.initial, key=False)
    else:
        for name in env.initial:
            state(here + ("initial", name), name)
        total = sum(env.initial.values())
        if all(name in env.states for name in env.initial) and abs(total - 1.0) > 1e-9:
            problems.append(loc.error(here + ("initial",), f"initial shares must sum to 1, got {total:.10g}"))
    for origin, targets in env.transitions.items():
        if not state(here + ("transitions", origin), origin):
            continue
        for target in targets:
            if state(here + ("transitions", origin, target), target) and target == origin:
                problems.append(loc.error(here + ("transitions", origin, target),
                                          f"a transition from '{origin}' to itself changes nothing; remove it",
                                          key=True))
    return problems


def check_draws(s: Scenario, loc: Locations) -> list[str]:
    """Every distribution's draws, clipped to their field's range, must be finite numbers.

    Draws are monotone in their uniform, so the extremes are the draws at the smallest and largest uniforms.
    """
    problems = []
    for path, dist, (lo, hi) in s.random_fields():
        if not dist.finite_draws(lo, hi):
            problems.append(loc.error(path, "its draws overflow (they reach infinity); use smaller parameters"))
    return problems


def check_uncertain_ranges(s: Scenario, uncertain: dict[str, Uncertain], loc: Locations) -> list[str]:
    """Rules between fields that must hold for every draw, checked at the ends of the ranges."""
    problems: list[str] = []
    health = s.alliance.health

    def span(path: str, nominal: float) -> tuple[float, float]:
        return extremes(uncertain[path]) if path in uncertain else (nominal, nominal)

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
        lowest = span(str(ParameterPath.of("contingencies.ID.effect.rescue_health", c.id)), c.effect.rescue_health)[0]
        if lowest < floor and c.effect.rescue_health >= health.dissolve_below:
            problems.append(loc.error(("contingencies", i, "effect", "rescue_health"),
                                      f"the lowest rescue_health ({lowest:g}) is below the highest "
                                      f"dissolve_below ({floor:g}): a rescued alliance must be alive"))
    return problems


def check_partners(s: Scenario, loc: Locations) -> list[str]:
    """Partners (SPEC section 12): references to them resolve, their combinations make sense, and every plan's
    line-up can meet min_partners and min_share at the start."""
    problems: list[str] = []
    ids = [p.id for p in s.partners]
    known, risk_ids = set(ids), {r.id for r in s.risks}
    known_text = listing(ids) or "none (the scenario has no partners)"

    def ref(path: tuple, target: str, key: bool = False) -> None:
        if target in known:
            return
        what = f"'{shorten(target)}' is a risk, not a partner" if target in risk_ids else \
            f"unknown partner '{shorten(target)}'{suggest(target, ids)}"
        problems.append(loc.error(path, f"{what}; known partners: {known_text}", key=key))

    alliance = s.alliance
    if not s.partners:
        for key in ("min_partners", "min_share"):
            if getattr(alliance, key) is not None:
                problems.append(loc.error(("alliance", key), f"{key} needs partners: list the alliance's members "
                                                             "under partners, or remove it"))
    for i, p in enumerate(s.partners):
        here = ("partners", i)
        if p.candidate and p.required:
            problems.append(loc.error(here + ("required",), "a candidate partner cannot be required: the alliance "
                                                             "would not exist in the plans without it; make it a "
                                                             "partner (no candidate) or not required"))
    if s.partners:
        shares = s.shares
        most = sum(shares.values())
        if s.min_partners > len(s.partners):
            problems.append(loc.error(("alliance", "min_partners"),
                                      f"min_partners {s.min_partners} is more than the {len(s.partners)} partners "
                                      "listed: no line-up can meet it; lower it or list more partners"))
        if s.min_share > most + 1e-9:
            problems.append(loc.error(("alliance", "min_share"),
                                      f"min_share {s.min_share:g} is more than the shares of every partner added "
                                      f"up ({most:g}): no line-up can meet it; lower it or raise the shares"))
        else:
            for name, chosen in s.plan_sets.items():
                why = s.infeasible(chosen)
                if why is not None:
                    where = ("plans", name) if s.plans is not None else ("partners",)
                    problems.append(loc.error(where, f"plan '{name}' ends the alliance at once: {why}; name more "
                                                     "candidate partners or lower alliance.min_partners / "
                                                     "min_share", key=s.plans is not None))
    for i, risk in enumerate(s.risks):
        here = ("risks", i, "impact")
        for target in risk.impact.exit:
            ref(here + ("exit", target), target, key=True)
        for j, esc in enumerate(risk.impact.escalates):
            if esc.partner is not None:
                ref(here + ("escalates", j, "partner"), esc.partner)
    for i, c in enumerate(s.contingencies):
        here = ("contingencies", i)
        kind, effect = c.trigger.kind, c.effect
        if kind == "exit" and c.trigger.partner is not None:
            ref(here + ("trigger", "partner"), c.trigger.partner)
        elif kind == "exit" and not s.partners:
            problems.append(loc.error(here + ("trigger", "on"), "on: exit needs partners: list the alliance's "
                                                                "members under partners"))
        as_list = here + ("effect", "rate_factor", 0) in loc.values
        for j, rf in enumerate(effect.rate_factor):
            if rf.partner is not None:
                ref(here + ("effect", "rate_factor") + ((j,) if as_list else ()) + ("partner",), rf.partner)
        for key in ("retain", "replace"):
            if getattr(effect, key) and kind != "exit":
                problems.append(loc.error(here + ("effect", key), f"{key} needs trigger on: exit: it acts on the "
                                                                  "exit that triggered it"))
        if effect.retain and c.is_delayed:
            problems.append(loc.error(here + ("delay",), "retain acts at the instant of the exit (remove delay): "
                                                         "once the partner has left there is nothing to retain; "
                                                         "use replace to fill the seat later"))
    env = s.environment
    if env is not None:
        for name, state in env.states.items():
            for target in state.exits:
                ref(("environment", "states", name, "exits", target), target, key=True)
    return problems
