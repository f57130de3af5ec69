"""The Partners sheet of a register: the members of the alliance (SPEC section 12), one row per partner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..scenario.yamlio import shorten
from .reading import Bad, Row

if TYPE_CHECKING:
    from .building import Builder

__all__ = ["partners", "flag"]

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}


def flag(builder: "Builder", row: Row, column: str, path: tuple, data: dict) -> None:
    """A true/false cell (TRUE, true, yes, 1; FALSE, false, no, 0) at ``data[column]``."""
    value = row.value(column)
    if value is None:
        return
    cell = row.cells[column][1]
    if isinstance(value, Bad):
        builder.check(value, cell, "text")
        return
    word = str(value).strip().lower() if not isinstance(value, bool) else ("true" if value else "false")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1):
        word = str(int(value))
    if word not in _TRUE | _FALSE:
        builder.bad(cell, f"{column}: write true or false, got '{shorten(str(value))}'")
        return
    data[column] = word in _TRUE
    builder.cells[path] = cell


def partners(builder: "Builder", data: dict) -> None:
    """The Partners sheet's rows as the scenario's ``partners`` list (none: the alliance is one body)."""
    table = builder.tables.get("Partners")
    if table is None:
        return
    items: list[dict] = []
    seen: dict[str, Any] = {}
    for row in table.rows:
        here = ("partners", len(items))
        item: dict[str, Any] = {}
        builder.notes[here] = f"Partners row {row.number}"
        builder.cells[here] = table.cell("id", row.number)
        pid = builder.text(row, "id")
        if pid is None:
            if row.value("id") is None:  # else the cell's content was reported already
                builder.bad(table.cell("id", row.number), "id is blank; give each partner an id")
        else:
            if pid in seen:
                builder.bad(row.cells["id"][1], f"duplicate id '{pid}' (also at {seen[pid].ref}); each partner "
                                                "has its own row and id")
            seen.setdefault(pid, row.cells["id"][1])
            item["id"] = pid
            builder.cells[here + ("id",)] = row.cells["id"][1]
        builder.take(row, "name", here + ("name",), item, "name", "text")
        builder.take(row, "share", here + ("share",), item, "share")
        for column in ("required", "candidate"):
            flag(builder, row, column, here + (column,), item)
        exit_: dict[str, Any] = {}
        both = row.filled("exit_rate", "exit_probability", "hazard")
        if len(both) > 1:
            builder.bad(row.cells[both[-1]][1], f"fill one of exit_rate, exit_probability and hazard, not "
                                                f"{' and '.join(both)}")
        for column, key in (("exit_rate", "rate"), ("exit_probability", "probability")):
            builder.take(row, column, here + ("exit", key), exit_, key)
        builder.hazard(row, here + ("exit",), exit_)
        filled = row.filled("exit_health_below", "exit_health_factor")
        if len(filled) == 1:
            other = "exit_health_factor" if filled[0] == "exit_health_below" else "exit_health_below"
            builder.bad(row.cells[filled[0]][1], f"{filled[0]} needs {other} (while health is below "
                                                 "exit_health_below, the exit hazard is multiplied by "
                                                 "exit_health_factor)")
        elif filled:
            health: dict[str, Any] = {}
            builder.take(row, "exit_health_below", here + ("exit", "health_below", "x"), health, "x")
            builder.take(row, "exit_health_factor", here + ("exit", "health_below", "factor"), health, "factor")
            if len(health) == 2:
                exit_["health_below"] = health
                builder.cells[here + ("exit", "health_below")] = row.cells["exit_health_below"][1]
        builder.take(row, "contagion", here + ("exit", "contagion"), exit_, "contagion")
        if exit_:
            item["exit"] = exit_
        for column, part, key in (("exit_health", "on_exit", "health"), ("exit_cost", "on_exit", "cost"),
                                  ("setup_cost", "cost", "setup"), ("per_time_cost", "cost", "per_time")):
            target: dict[str, Any] = item.get(part, {})
            builder.take(row, column, here + (part, key), target, key)
            if target:
                item[part] = target
        items.append(item)
    if items:
        data["partners"] = items
