"""What one replication produced (:class:`Outcome`), as :class:`allysim.life.Life` hands it over."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome"]

_NONE: tuple = ()  # the partner fields of an Outcome without partners


@dataclass(slots=True)
class Outcome:
    """What one replication produced (not frozen: one is made per replication, four times faster so)."""

    lifetime: float
    cause: int  # index of the risk that ended the alliance, or -1 if it survived
    npv: float
    value: float
    risk_cost: float
    contingency_cost: float
    min_health: float
    resilience: float
    occurrences: list[int]
    activations: list[int]
    successes: list[int]
    costs: list[float]  # present value of what each contingency cost (0 for those not in the plan)
    health: array[float]  # the health path on the model's grid, kept compactly (empty when not kept): health_matrix
    env_time: list[float]  # time spent in each environment state over the life (empty without an environment)
    env_state: int  # the environment's state when the run ended, -1 without an environment
    env_grid: list[int]  # the environment's state at each point of the grid, to the horizon (empty when not kept)
    # with shadows: for each contingency not in the plan, what it would have cost and how often it would have
    # activated on this path, and whether any of those activations would have worked (then the path would differ)
    shadow_activations: list[int] | None = None
    shadow_costs: list[float] | None = None
    shadow_worked: list[bool] | None = None
    # with partners (SPEC section 12), one entry per partner of the scenario, in file order (empty without partners)
    partner_costs: Sequence[float] = _NONE  # present value of what each candidate partner in the plan cost
    partner_exit: Sequence[float] = _NONE  # when each partner first left (inf: never)
    partner_tenure: Sequence[float] = _NONE  # each partner's time in the alliance over the life
    exit_attempts: Sequence[int] = _NONE  # each partner's exits, retained or not (for path sharing)
    partners_end: int = 0  # partners in the alliance when the run ended
    exits: str = ""  # the exits in order, id@time;id@time
    lineup: Any = None  # with shadows and candidate partners: allysim.membership.LineupRecord, for path sharing
