"""The layout of a risk register: its sheets, their columns, the notes the template shows, the Alliance keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Column", "SHEETS", "ALLIANCE_KEYS", "REQUIRED_SHEETS", "REQUIRED_COLUMNS", "DISTRIBUTIONS"]

DISTRIBUTIONS = ("pert", "triangular", "uniform")

@dataclass(frozen=True)
class Column:
    """One column of a register sheet: its header, the note the template shows under it, an example value."""

    name: str
    note: str
    example: Any = None
    choices: tuple[str, ...] = ()
    width: int = 14


ALLIANCE_KEYS: dict[str, tuple[tuple[str, ...], str, Any]] = {
    # key: (scenario path, note, template example)
    "name": (("name",), "Name of the alliance (required)", "Example joint venture"),
    "description": (("description",), "One or two sentences: what the alliance is for", ""),
    "time_unit": (("time_unit",), "year, quarter, month, week or day: the unit of every time and rate",
                  "year"),
    "horizon": (("horizon",), "Planned life, in time units or with a unit ('10 years') (required)", 10),
    "currency": (("currency",), "Display only, e.g. USD (write amounts in full: '2.5M', '300k')", "USD"),
    "discount_rate": (("discount_rate",), "Per year, e.g. 0.08 or 8%; blank = no discounting", 0.08),
    "runs": (("runs",), "Simulated lifetimes per plan (default 10000)", 10000),
    "seed": (("seed",), "Root seed: the same seed gives the same numbers (blank = a fresh one)", 1),
    "initial_health": (("alliance", "health", "initial"), "Health at the start, 0 to 1 (default 1)", 1),
    "dissolve_below": (("alliance", "health", "dissolve_below"),
                       "The alliance dissolves when health falls below this (default 0.2)", 0.25),
    "recovery": (("alliance", "health", "recovery"),
                 "Per time unit: how fast health recovers towards 1 (default 0)", 0.5),
    "value_rate": (("alliance", "value_rate"), "Value created per time unit at full health (default 0)", "12M"),
    "min_partners": (("alliance", "min_partners"),
                     "With partners: the alliance ends when fewer partners remain (default 1)", None),
    "min_share": (("alliance", "min_share"),
                  "With partners: ... or when the shares of the partners still in add up to less (default 0)", None),
    "materiality": (("materiality",), "The smallest effect on NPV worth a board's attention (money; blank = 1% of "
                                      "the baseline's NPV)", None),
}

_ID_NOTE = "lowercase letters, digits and _, starting with a letter; unique across risks, contingencies and partners"
SHEETS: dict[str, tuple[Column, ...]] = {
    "Alliance": (
        Column("key", "# One setting per row; blank = the default", width=16),
        Column("value", "Its value", width=40),
        Column("notes", "What it means (ignored on import)", width=70),
    ),
    "Risks": (
        Column("id", "# " + _ID_NOTE, "supplier_exit", width=20),
        Column("name", "Readable name, for charts", "Key supplier leaves", width=28),
        Column("category", "Free text, groups risks in charts", "operational"),
        Column("rate", "Occurrences per time unit (fill rate OR probability)", 0.2),
        Column("probability", "Chance of at least one occurrence per time unit, e.g. 5%", None),
        Column("hazard", "Or a rate that changes with age: weibull SHAPE SCALE (weibull 0.56 81), or steps "
                         "AGE:RATE ... (steps 0:0.05 2:0.2 6:0.08)", None, width=18),
        Column("max_occurrences", "Cap on occurrences (1 = can happen once); blank = no cap", None),
        Column("health_low", "Health drop per occurrence, 0 to 1: lowest", 0.05),
        Column("health_likely", "most likely (a single filled value is a constant)", 0.1),
        Column("health_high", "highest", 0.3),
        Column("cost_low", "One-off cost per occurrence ('300k', '2.5M'): lowest", "500k"),
        Column("cost_likely", "most likely", "1M"),
        Column("cost_high", "highest", "3M"),
        Column("fatal", "Probability that an occurrence ends the alliance outright", 0.05),
        Column("exit", "With partners: the partners an occurrence pulls out, each with its probability "
                       "(contoso: 0.3, fabrikam: 10%)", None, width=20),
        Column("value_factor", "Value rate is multiplied by this for value_duration (0 to 1)", 0.8),
        Column("value_duration", "How long, e.g. '6 months'", "6 months"),
        Column("distribution", "Shape of the three-point estimates: pert (default), triangular or uniform",
               "pert", DISTRIBUTIONS),
    ),
    "Cascades": (
        Column("risk", "# A risk id: each occurrence of this risk ...", "supplier_exit", width=20),
        Column("escalates", "... multiplies this risk's rate (or, written exit PARTNER, that partner's exit "
                            "hazard) ...", "quality_failure", width=20),
        Column("factor", "... by this factor ...", 2),
        Column("duration", "... for this long (blank = for good)", "1 year"),
    ),
    "Contingencies": (
        Column("id", "# " + _ID_NOTE, "backup_supplier", width=20),
        Column("name", "Readable name, for charts", "Qualified backup supplier", width=28),
        Column("trigger", "A risk id, dissolution, health below X, review AGES (review 2, 4 / review every 1 "
                          "if health below 0.6, if partners below 3, if share below 0.7), exit (any partner's) "
                          "or exit PARTNER", "supplier_exit",
               ("dissolution", "health below 0.5", "review every 1 if health below 0.6", "exit"), width=18),
        Column("delay", "Time from trigger to effect (blank = at once)", None),
        Column("success", "Probability that an activation works (default 1)", 0.8),
        Column("max_activations", "Blank = unlimited", None),
        Column("reduce_impact", "0 to 1: cuts the triggering occurrence's impact (risk trigger, no delay)", 0.5),
        Column("restore_health", "0 to 1: health regained at effect time", None),
        Column("rescue_health", "Trigger dissolution only: health after a successful rescue", None),
        Column("rate_factor_risk", "A risk id whose rate this contingency multiplies (or exit PARTNER: that "
                                   "partner's exit hazard) ...", None, width=18),
        Column("rate_factor", "... by this factor ...", None),
        Column("rate_factor_duration", "... for this long (blank = for good); another row with the same id "
                                       "adds another rate factor", None),
        Column("setup_cost", "Paid at the start when the contingency is in the plan", "200k"),
        Column("per_time_cost", "Paid per time unit while the alliance lives", None),
        Column("per_activation_cost", "Paid at each activation, success or not", "50k"),
        Column("retain", "Trigger exit, no delay: true = a successful activation cancels that exit", None),
        Column("replace", "Trigger exit: true = after the delay the departed partner's seat is filled again", None),
    ),
    "Partners": (
        Column("id", "# " + _ID_NOTE + " (no Partners sheet, or no rows: the alliance is one body)", "contoso",
               width=20),
        Column("name", "Readable name, for charts", "Contoso Ltd", width=28),
        Column("share", "The part of value_rate it brings (blank = 1 / number of partners not candidates)", 1),
        Column("required", "true: the alliance ends when this partner leaves (default false)", None,
               ("true", "false")),
        Column("candidate", "true: a partner you might choose, in only the plans that name it (default false)",
               None, ("true", "false")),
        Column("exit_rate", "Its own exits per time unit (fill exit_rate OR exit_probability OR hazard; blank = "
                            "it never leaves by itself)", 0.04),
        Column("exit_probability", "Chance it leaves within one time unit, e.g. 5%", None),
        Column("hazard", "Or an exit rate that changes with age: weibull SHAPE SCALE, or steps AGE:RATE ...", None,
               width=18),
        Column("exit_health_below", "While health is below this (0 to 1) ...", 0.5),
        Column("exit_health_factor", "... its exit hazard is multiplied by this", 3),
        Column("contagion", "Exit hazard multiplied by this for each partner that already left (default 1)", None),
        Column("exit_health", "Health drop when it leaves, 0 to 1", 0.2),
        Column("exit_cost", "One-off cost when it leaves ('1M')", "1M"),
        Column("setup_cost", "What having it costs at the start (due diligence)", None),
        Column("per_time_cost", "What having it costs per time unit (coordination)", None),
    ),
    "Environment": (
        Column("state", "# A state of the shared environment, one row each (no rows: no environment)", "normal",
               width=16),
        Column("initial", "true: the alliance starts in this state; or the share of alliances that start in it "
                          "(0.8)", True),
        Column("value", "The value rate is multiplied by this in this state (default 1)", None),
        Column("rates", "Risk rates multiplied in this state: RISK: FACTOR, ... (supplier_exit: 2)", None,
               width=30),
        Column("exits", "With partners: exit hazards multiplied in this state: PARTNER: FACTOR, ... (contoso: 2)",
               None, width=30),
        Column("transitions", "Rates per time unit of moving to other states: STATE: RATE, ... (downturn: 0.2)",
               None, width=30),
    ),
    "Correlations": (
        Column("between", "# An uncertain parameter's path (risks.supplier_exit.rate) ...", None, width=34),
        Column("and", "... another one's ...", None, width=34),
        Column("rho", "... and their rank correlation, -1 to 1", None),
    ),
    "Plans": (
        Column("plan", "# Plan name; the first plan is the baseline", "do_nothing", width=20),
        Column("contingencies", "Contingency ids and candidate partner ids, comma-separated, or all (every "
                                "contingency); blank = none", "", width=50),
    ),
}
REQUIRED_SHEETS = ("Alliance", "Risks")
# The columns a sheet cannot be read without, each with what it holds; a tuple of names means "one of these".
REQUIRED_COLUMNS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "Alliance": ((("key",), "the setting's name"), (("value",), "its value")),
    "Risks": ((("id",), "each risk's id"),
              (("rate", "probability", "hazard"),
               "how often each risk occurs (fill rate, probability or hazard on each row)")),
    "Cascades": ((("risk",), "the risk that escalates another"), (("escalates",), "the risk it escalates"),
                 (("factor",), "the factor on that risk's rate")),
    "Contingencies": ((("id",), "each contingency's id"), (("trigger",), "what activates it")),
    "Partners": ((("id",), "each partner's id"),),
    "Environment": ((("state",), "each state's name"),),
    "Correlations": ((("between",), "the first parameter's path"), (("and",), "the second parameter's path"),
                     (("rho",), "their rank correlation")),
    "Plans": ((("plan",), "each plan's name"),
              (("contingencies",), "each plan's contingency ids (without it every plan would be empty)")),
}
