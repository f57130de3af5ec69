"""Register cells and sheets that name other items: ``ID: VALUE`` pair cells (a risk's ``exit``, an environment
state's ``rates``, ``exits`` and ``transitions``), the ``Environment`` sheet (SPEC section 9) and the
``Correlations`` sheet (section 8)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..scenario.yamlio import shorten
from .reading import Bad, Row, cell_value

if TYPE_CHECKING:
    from .building import Builder

__all__ = ["pairs", "environment", "correlations", "PAIR"]

PAIR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*|\s+)(.+)$")
_TRUE = {"true", "yes", "y", "x"}


def pairs(builder: "Builder", row: Row, column: str, path: tuple, target: dict, key: str, form: str) -> None:
    """An ``ID: VALUE, ID: VALUE`` cell (or a mapping written as in YAML) at ``target[key]``; ``form`` says what
    the ids and values are, for the message."""
    value = row.value(column)
    if value is None:
        return
    cell = row.cells[column][1]
    if isinstance(value, Bad):
        builder.check(value, cell, "text")
        return
    text = str(value).strip()
    if text.startswith("{"):
        parsed = builder.inline(text, cell)
        if parsed is not None:
            target[key] = parsed
            builder.cells[path] = cell
        return
    out: dict[str, Any] = {}
    for part in (p.strip() for p in re.split(r"[,;\n]+", text)):
        if not part:
            continue
        match = PAIR.match(part)
        number = cell_value(match.group(2).strip()) if match else None
        if match is None or not isinstance(number, (int, float)) or isinstance(number, bool):
            builder.bad(cell, f"{column}: write {form}, got '{shorten(part)}'")
            return
        if match.group(1) in out:
            builder.bad(cell, f"{column}: '{match.group(1)}' appears twice; give each once")
            return
        out[match.group(1)] = number
        builder.cells[path + (match.group(1),)] = cell
    if out:
        target[key] = out
        builder.cells[path] = cell


def environment(builder: "Builder", data: dict) -> None:
    """The Environment sheet's rows as the scenario's ``environment`` (no rows: none)."""
    table = builder.tables.get("Environment")
    if table is None or not table.rows:
        return
    states: dict[str, Any] = {}
    transitions: dict[str, Any] = {}
    starts: list[str] = []
    shares: dict[str, Any] = {}
    where = ("environment",)
    for row in table.rows:
        name = builder.text(row, "state")
        if name is None:
            if row.value("state") is None:
                builder.bad(table.cell("state", row.number), "state is blank; name each state of the environment")
            continue
        if name in states:
            builder.bad(row.cells["state"][1], f"state '{shorten(name)}' appears twice; each state has one row")
            continue
        here = where + ("states", name)
        state: dict[str, Any] = {}
        builder.notes[here] = f"Environment row {row.number}"
        builder.cells[here] = row.cells["state"][1]
        builder.take(row, "value", here + ("value",), state, "value")
        pairs(builder, row, "rates", here + ("rates",), state, "rates", "RISK: FACTOR, ... (supplier_exit: 2)")
        pairs(builder, row, "exits", here + ("exits",), state, "exits", "PARTNER: FACTOR, ... (contoso: 2)")
        states[name] = state
        pairs(builder, row, "transitions", where + ("transitions", name), transitions, name,
              "STATE: RATE, ... (downturn: 0.2)")
        initial = row.value("initial")
        if initial is None:
            continue
        cell = row.cells["initial"][1]
        word = initial.strip().lower() if isinstance(initial, str) else None
        if initial is True or word in _TRUE:
            starts.append(name)
            builder.cells[where + ("initial",)] = cell
        elif initial is False or word in ("false", "no", "n"):
            continue
        elif isinstance(initial, (int, float)) or (word or "").startswith("{"):
            builder.take(row, "initial", where + ("initial", name), shares, name)
        elif isinstance(initial, Bad):
            builder.check(initial, cell, "text")
        else:
            builder.bad(cell, f"initial: write true (the alliance starts in this state) or a share such as 0.8, "
                              f"got '{shorten(str(initial))}'")
    if starts and shares:
        builder.bad(table.cell("initial", table.rows[0].number), "initial: write true in one row (the state the "
                                                                 "alliance starts in), or shares in the rows, not both")
    elif len(starts) > 1:
        builder.bad(builder.cells[where + ("initial",)], "initial: true in more than one row; write the share of "
                                                         "alliances that start in each state instead (0.8, 0.2)")
    env: dict[str, Any] = {"initial": starts[0] if starts else shares, "states": states}
    if not starts and not shares:
        builder.bad(table.cell("initial", table.rows[0].number), "initial is blank in every row: write true in "
                                                                 "the state the alliance starts in")
    if transitions:
        env["transitions"] = transitions
    builder.notes[where] = f"Environment sheet, rows {table.rows[0].number}-{table.rows[-1].number}"
    builder.cells.setdefault(where + ("initial",), table.cell("initial", table.rows[0].number))
    data["environment"] = env


def correlations(builder: "Builder", data: dict) -> None:
    """The Correlations sheet's rows as the scenario's ``correlations``."""
    table = builder.tables.get("Correlations")
    if table is None or not table.rows:
        return
    items: list[dict] = []
    for row in table.rows:
        here = ("correlations", len(items))
        builder.notes[here] = f"Correlations row {row.number}"
        builder.cells[here] = table.cell("between", row.number)
        item: dict[str, Any] = {}
        pair: list[Any] = []
        for column in ("between", "and"):
            text = builder.text(row, column)
            if text is None:
                if row.value(column) is None:
                    builder.bad(table.cell(column, row.number), f"{column} is blank: name an uncertain parameter "
                                                                "by its path, e.g. risks.supplier_exit.rate")
                continue
            builder.cells[here + ("between", len(pair))] = row.cells[column][1]
            pair.append(text.strip())
        item["between"] = pair
        builder.cells[here + ("between",)] = row.cells.get("between", (None, builder.cells[here]))[1]
        if row.value("rho") is None:
            builder.bad(table.cell("rho", row.number), "rho is blank: the rank correlation, -1 to 1")
        builder.take(row, "rho", here + ("rho",), item, "rho")
        items.append(item)
    data["correlations"] = items
