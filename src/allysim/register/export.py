"""Writing registers: the empty template ``allysim import --template`` gives, and a scenario as a register.

A scenario's data (as read from its YAML, units kept as written) becomes the rows of the register's sheets
(:func:`scenario_tables`); :func:`write_register` lays them out under a header and a notes row. Importing the result
gives back an equivalent scenario: a distribution the three-point columns cannot hold is written in its cell as in
YAML (``{lognormal: {median: 1.5, p90: 5}}``), which the importer reads back.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..outputs import atomic_file, write_bytes
from ..spreadsheet import NOTE_FONT, WRAP, fit_widths, landscape, put, save_to, style_header, width_of
from .layout import ALLIANCE_KEYS, DISTRIBUTIONS, SHEETS
from .world import PAIR
from .yamltext import scalar

__all__ = ["scenario_tables", "write_register", "write_template", "template_tables", "flow_text", "save_text"]

Tables = dict[str, list[dict[str, Any]]]
DATA_ROWS = 500  # rows below the header that the template's drop-down lists cover


def flow_text(value: Any) -> str:
    """A value in YAML flow style, as a register cell holds a distribution: ``{pert: {low: 1, ...}}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar(value)


def _cell(value: Any) -> Any:
    """A scenario value as a cell: numbers and unit strings as they are, a distribution as flow text."""
    return flow_text(value) if isinstance(value, (dict, list)) else value


def _three_point(value: Any) -> tuple[str, dict[str, Any]] | None:
    """``(family, {low, likely, high})`` when the three-point columns can hold ``value``, else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    family, params = next(iter(value.items()))
    if family not in DISTRIBUTIONS or not isinstance(params, dict):
        return None
    keys = {"low", "high"} if family == "uniform" else {"low", "likely", "high"}
    if set(params) != keys or any(isinstance(v, (dict, list, bool)) for v in params.values()):
        return None
    return family, params


def scenario_tables(data: dict[str, Any]) -> tuple[Tables, list[str]]:
    """The register rows of a scenario's data, and the keys a register cannot hold (left out)."""
    tables: Tables = {name: [] for name in SHEETS}
    left_out: list[str] = [k for k in data if k not in {"allysim", "alliance", "risks", "contingencies", "partners",
                                                        "environment", "correlations", "plans"}
                           and k not in ALLIANCE_KEYS]
    for key, (path, note, _) in ALLIANCE_KEYS.items():
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            tables["Alliance"].append({"key": key, "value": _cell(node), "notes": note})
    for risk in data.get("risks") or []:
        row: dict[str, Any] = {k: risk.get(k) for k in ("id", "name", "category", "rate", "probability",
                                                          "max_occurrences")}
        row = {k: _cell(v) for k, v in row.items() if v is not None}
        if risk.get("hazard") is not None:
            row["hazard"] = _hazard_text(risk["hazard"])
        impact = risk.get("impact") or {}
        family = None
        for what in ("health", "cost"):
            value = impact.get(what)
            if value is None:
                continue
            split = _three_point(value)
            if split is not None and family in (None, split[0]):
                family = split[0]
                for key in ("low", "likely", "high"):
                    if key in split[1]:
                        row[f"{what}_{key}"] = split[1][key]
            else:
                row[f"{what}_likely"] = _cell(value)
        if family is not None:
            row["distribution"] = family
        if impact.get("fatal") is not None:
            row["fatal"] = _cell(impact["fatal"])
        if impact.get("exit"):
            row["exit"] = pairs_text(impact["exit"])
        if impact.get("value"):
            row["value_factor"] = _cell(impact["value"].get("factor"))
            row["value_duration"] = _cell(impact["value"].get("duration"))
        tables["Risks"].append(row)
        for esc in impact.get("escalates") or []:
            tables["Cascades"].append({"risk": risk.get("id"), "escalates": _target(esc),
                                       "factor": _cell(esc.get("factor")), "duration": _cell(esc.get("duration"))})
    for c in data.get("contingencies") or []:
        row = {"id": c.get("id"), "name": c.get("name"), "trigger": _trigger_text(c.get("trigger") or {})}
        for key in ("delay", "success", "max_activations"):
            row[key] = _cell(c.get(key))
        effect = c.get("effect") or {}
        for key in ("reduce_impact", "restore_health", "rescue_health", "retain", "replace"):
            row[key] = _cell(effect.get(key))
        factors = effect.get("rate_factor") or []
        factors = [factors] if isinstance(factors, dict) else list(factors)
        cost = c.get("cost") or {}
        for key, column in (("setup", "setup_cost"), ("per_time", "per_time_cost"),
                            ("per_activation", "per_activation_cost")):
            row[column] = _cell(cost.get(key))
        for _n, factor in enumerate(factors or [None]):
            if factor is not None:
                row.update({"rate_factor_risk": _target(factor), "rate_factor": _cell(factor.get("factor")),
                            "rate_factor_duration": _cell(factor.get("duration"))})
            tables["Contingencies"].append({k: v for k, v in row.items() if v is not None})
            row = {"id": c.get("id")}  # further rate factors: rows repeating the id
    tables["Partners"] = [_partner_row(p) for p in data.get("partners") or []]
    tables["Environment"] = _environment_rows(data.get("environment"))
    for c in data.get("correlations") or []:
        between = c.get("between") or [None, None]
        tables["Correlations"].append({"between": between[0], "and": between[1] if len(between) > 1 else None,
                                       "rho": c.get("rho")})
    plans = data.get("plans")
    if isinstance(plans, dict):
        for name, ids in plans.items():
            tables["Plans"].append({"plan": str(name), "contingencies": ids if ids == "all" else ", ".join(ids)})
    return tables, left_out


def pairs_text(mapping: dict[str, Any]) -> str:
    """A mapping as a pair cell: ``contoso: 0.3, fabrikam: 0.1``; as in YAML when a value is not a plain number."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in mapping.values()) \
            and all(PAIR.match(f"{k} 0") for k in map(str, mapping)):
        return ", ".join(f"{k}: {scalar(v)}" for k, v in mapping.items())
    return flow_text(mapping)


def _target(item: dict[str, Any]) -> Any:
    """A rate factor's or escalation's target cell: a risk id, or ``exit PARTNER`` for a partner's exit hazard."""
    return f"exit {item['partner']}" if item.get("partner") is not None else item.get("risk")


def _environment_rows(env: Any) -> list[dict[str, Any]]:
    """An environment as its Environment rows: one per state, with where the alliance starts."""
    if not isinstance(env, dict):
        return []
    initial = env.get("initial")
    transitions = env.get("transitions") or {}
    rows = []
    for name, state in (env.get("states") or {}).items():
        state = state or {}
        row = {"state": name, "initial": (True if initial == name else None) if not isinstance(initial, dict)
               else _cell(initial.get(name)), "value": _cell(state.get("value"))}
        for key in ("rates", "exits"):
            if state.get(key):
                row[key] = pairs_text(state[key])
        if transitions.get(name):
            row["transitions"] = pairs_text(transitions[name])
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def _partner_row(partner: dict[str, Any]) -> dict[str, Any]:
    """A partner as its Partners row: its exit model, what its leaving does, what having it costs."""
    exit_ = partner.get("exit") or {}
    health = exit_.get("health_below") or {}
    on_exit = partner.get("on_exit") or {}
    cost = partner.get("cost") or {}
    row = {"id": partner.get("id"), "name": partner.get("name"), "share": partner.get("share"),
           "required": partner.get("required"), "candidate": partner.get("candidate"),
           "exit_rate": exit_.get("rate"), "exit_probability": exit_.get("probability"),
           "exit_health_below": health.get("x"), "exit_health_factor": health.get("factor"),
           "contagion": exit_.get("contagion"), "exit_health": on_exit.get("health"), "exit_cost": on_exit.get("cost"),
           "setup_cost": cost.get("setup"), "per_time_cost": cost.get("per_time")}
    row = {k: _cell(v) for k, v in row.items() if v is not None}
    if exit_.get("hazard") is not None:
        row["hazard"] = _hazard_text(exit_["hazard"])
    return row


def _trigger_text(trigger: dict[str, Any]) -> str | None:
    if "health_below" in trigger:
        threshold = trigger["health_below"]
        return flow_text(trigger) if isinstance(threshold, (dict, list)) else f"health below {_word(threshold)}"
    review = trigger.get("review")
    if review is not None:
        condition = trigger.get("if") or {}
        kind, threshold = next(iter(condition.items())) if isinstance(condition, dict) and len(condition) == 1 \
            else (None, None)
        if isinstance(threshold, dict) or (condition and threshold is None) or set(trigger) - {"review", "if"}:
            return flow_text(trigger)  # an uncertain threshold, or a condition the words cannot hold
        when = (f"every {_word(review['every'])}" if isinstance(review, dict) and set(review) == {"every"} else
                ", ".join(_word(age) for age in review) if isinstance(review, list) and review else None)
        if when is None:
            return flow_text(trigger)
        words = f" if {kind.replace('_', ' ')} {_word(threshold)}" if threshold is not None else ""
        return f"review {when}{words}"
    if trigger.get("partner") is not None:
        return f"exit {trigger['partner']}"
    return trigger.get("on")


def _word(value: Any) -> str:
    """A number or a time as a register cell's words show it: ``2``, ``0.5``, ``18 months``."""
    return value if isinstance(value, str) else scalar(value)


def _hazard_text(hazard: Any) -> str:
    """A hazard by age as its register cell: ``weibull 0.56 81``, ``steps 0:0.05 2:0.2``, or as in YAML."""
    if isinstance(hazard, dict) and len(hazard) == 1:
        weibull, steps = hazard.get("weibull"), hazard.get("steps")
        plain = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
        if isinstance(weibull, dict) and set(weibull) == {"shape", "scale"} and plain(weibull["shape"]) \
                and (plain(weibull["scale"]) or isinstance(weibull["scale"], str)):
            return f"weibull {_word(weibull['shape'])} {_word(weibull['scale'])}"
        if isinstance(steps, list) and all(isinstance(p, list) and len(p) == 2 and plain(p[0]) and plain(p[1])
                                           for p in steps):
            return "steps " + " ".join(f"{_word(age)}:{_word(rate)}" for age, rate in steps)
    return flow_text(hazard)


def template_tables() -> Tables:
    """The template's example rows: one per sheet, and every Alliance setting."""
    tables: Tables = {name: [] for name in SHEETS}
    for key, (_, note, example) in ALLIANCE_KEYS.items():
        tables["Alliance"].append({"key": key, "value": example if example != "" else None, "notes": note})
    for name in ("Risks", "Cascades", "Contingencies", "Partners", "Plans"):
        tables[name].append({c.name: c.example for c in SHEETS[name] if c.example not in (None, "")})
    tables["Risks"].append({"id": "quality_failure", "name": "Quality failure at a flagship customer",
                            "category": "operational", "probability": 0.1, "health_likely": 0.1,
                            "cost_low": "100k", "cost_likely": "400k", "cost_high": "2M"})
    tables["Risks"].append({"id": "partner_exit", "name": "Partner leaves", "category": "strategic",
                            "hazard": "weibull 0.56 81", "fatal": 1})
    tables["Contingencies"].append({"id": "board_review", "name": "Yearly board review",
                                    "trigger": "review every 1 if health below 0.6", "success": 0.7,
                                    "restore_health": 0.2, "per_activation_cost": "20k"})
    tables["Plans"].append({"plan": "backup", "contingencies": "backup_supplier"})
    tables["Risks"][0]["rate"] = "{pert: {low: 0.1, likely: 0.2, high: 0.4}}"  # uncertain, so correlated below
    tables["Risks"][1]["probability"] = "{pert: {low: 0.05, likely: 0.1, high: 0.2}}"
    tables["Correlations"] = [{"between": "risks.supplier_exit.rate", "and": "risks.quality_failure.probability",
                               "rho": 0.5}]
    tables["Environment"] = [
        {"state": "normal", "initial": True, "transitions": "downturn: 0.2"},
        {"state": "downturn", "value": 0.8, "rates": "supplier_exit: 2", "exits": "contoso: 2",
         "transitions": "normal: 1"}]
    return tables


def write_register(tables: Tables, path: str | Path, title: str | None = None) -> Path:
    """Write register ``tables`` as an ``.xlsx`` workbook (atomically): a header, a notes row, then the rows.

    The notes row starts with ``#``, so the importer skips it; drop-down lists offer the words a column takes.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        widths: dict[int, int] = {}
        header = [put(ws, 1, i, col.name) for i, col in enumerate(columns, start=1)]
        style_header(header)
        for i, col in enumerate(columns, start=1):
            note = put(ws, 2, i, col.note, font=NOTE_FONT)
            note.alignment = WRAP
            widths[i] = max(col.width, width_of(col.name))
        lines = max(math.ceil(len(col.note) / max(widths[i] - 2, 1)) for i, col in enumerate(columns, start=1))
        ws.row_dimensions[2].height = 15 * min(lines, 6)  # the whole note shows, wrapped in its column
        for r, row in enumerate(tables.get(name, []), start=3):
            for i, col in enumerate(columns, start=1):
                value = row.get(col.name)
                if value is not None:
                    put(ws, r, i, value)
                    widths[i] = max(widths[i], min(width_of(value), 40 if col.name != "notes" else 80))
        ws.freeze_panes = "B3" if name != "Plans" else "A3"
        landscape(ws)
        fit_widths(ws, widths)
        letters = {col.name: ws.cell(row=1, column=i).column_letter for i, col in enumerate(columns, start=1)}
        last = DATA_ROWS + 2
        if name == "Risks":
            _choices(ws, f'"{",".join(DISTRIBUTIONS)}"', f"{letters['distribution']}3:{letters['distribution']}{last}",
                     "Shape of the three-point estimates", "pert (the default when blank), triangular or uniform")
        if name == "Contingencies":
            _choices(ws, '"dissolution,health below 0.5,review every 1 if health below 0.6,exit"',
                     f"{letters['trigger']}3:{letters['trigger']}{last}", "What sets it off",
                     "A risk id from the Risks sheet, dissolution, health below X, review AGES, exit or exit PARTNER",
                     strict=False)
            _choices(ws, f"Risks!$A$3:$A${last}", f"{letters['rate_factor_risk']}3:{letters['rate_factor_risk']}{last}",
                     "A risk id", "The risk whose rate this contingency multiplies", strict=False)
        if name == "Partners":
            for column in ("required", "candidate"):
                _choices(ws, '"true,false"', f"{letters[column]}3:{letters[column]}{last}", column.capitalize(),
                         "true or false (blank = false)")
        if name == "Cascades":
            for column in ("risk", "escalates"):
                _choices(ws, f"Risks!$A$3:$A${last}", f"{letters[column]}3:{letters[column]}{last}",
                         "A risk id", "A risk id from the Risks sheet", strict=False)
        if name == "Alliance":
            keys = [row.get("key") for row in tables.get(name, [])]
            if "time_unit" in keys:
                ref = f"B{keys.index('time_unit') + 3}"
                _choices(ws, '"year,quarter,month,week,day"', ref, "Time unit",
                         "Every time and rate in the register is in this unit")
    if title:
        wb.properties.title = title
    wb.properties.creator = "allysim"
    wb.properties.lastModifiedBy = "allysim"  # so that allysim export may replace it, and never a register edited by hand
    return _save(wb, Path(path))


def _choices(ws: Any, formula: str, ref: str, title: str, prompt: str, strict: bool = True) -> None:
    """A drop-down list on ``ref``; ``strict=False`` warns about other values instead of refusing them."""
    from openpyxl.worksheet.datavalidation import DataValidation

    rule = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False,
                          showInputMessage=True, showErrorMessage=True, promptTitle=title[:32], prompt=prompt,
                          errorStyle="stop" if strict else "warning", errorTitle=title[:32],
                          error=prompt if strict else f"{prompt}. Keep this value anyway?")
    rule.add(ref)
    ws.add_data_validation(rule)


def save_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically: a temporary file beside it, then a rename."""
    return write_bytes(path, text.encode("utf-8"))


def _save(wb: Any, path: Path) -> Path:
    """Save a workbook atomically: a temporary file beside it, then a rename."""
    with atomic_file(path, what="register") as fh:
        save_to(wb, fh)
    return path


def write_template(path: str | Path) -> Path:
    """An empty register: every sheet, with its headers, a notes row, drop-down lists and example rows."""
    return write_register(template_tables(), path, title="allysim risk register")
