"""Risk registers: reading one (``.xlsx`` or CSV files) into a scenario, and writing one.

A register is what strategists already keep: a workbook with a ``Risks`` sheet, one row per risk, and a few more
sheets (``Alliance``, ``Cascades``, ``Contingencies``, ``Plans``; see :mod:`.layout`). :func:`import_register` reads
one and returns a commented YAML scenario that validates, each item noting the row it came from. Nothing in the
workbook is executed: formula cells are read as the values the spreadsheet saved, and macros are never run. Every
problem is one line located at its cell::

    register.xlsx:Risks!D3: rate: must be >= 0, got -0.1

The YAML is checked by the scenario's own validator; its located lines are mapped back to the cells they came from.
Writing registers (the template, a scenario as a register) is in :mod:`.export`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import RegisterError, ScenarioError
from ..scenario import parse_scenario
from .building import Builder
from .layout import ALLIANCE_KEYS, SHEETS, Column
from .reading import Source
from .yamltext import YamlWriter, translate

__all__ = ["import_register", "RegisterError", "SHEETS", "ALLIANCE_KEYS", "Column"]


def import_register(path: str | Path) -> str:
    """Read a register (``.xlsx`` or a folder of CSV files) and return a commented YAML scenario that validates.

    Raises :class:`RegisterError` with one ``FILE:SHEET!CELL: message`` line per problem.

    Examples
    --------
    >>> text = import_register("scenarios/joint_venture_register.xlsx")     # doctest: +SKIP
    >>> allysim.parse_scenario(text).name                                  # doctest: +SKIP
    'Northwind–Contoso cloud joint venture'
    """
    from .._version import __version__

    path = Path(path)
    source = Source.open(path)
    builder = Builder(source)
    data = builder.build()
    if builder.problems:
        raise RegisterError(_ordered(builder.problems))
    writer = YamlWriter(builder.cells, builder.notes)
    writer.add(f"# allysim scenario imported from the register {path.name} (allysim {__version__}).")
    writer.add("# Each item notes the register row it came from. Edit the register and import it again, or")
    writer.add("# edit this file: docs/scenario-format.md explains every key.")
    writer.mapping(data, (), 0)
    text = writer.text()
    try:
        parse_scenario(text, source="<register>")
    except ScenarioError as exc:
        raise RegisterError(_ordered([translate(p, writer, str(path)) for p in exc.problems])) from None
    return text


def _ordered(problems: Iterable[str]) -> list[str]:
    """Problems in sheet order, then row, then column; each once."""
    order = {name: i for i, name in enumerate(SHEETS)}

    def key(line: str) -> tuple:
        match = re.search(r":([^:!]+)(?:!([A-Z]+)(\d+))?: ", line)
        if not match:
            return (len(order) + 1, 0, 0, "")
        if match.group(2) is None:  # a whole sheet's problem (a missing column): before its rows
            return (order.get(match.group(1), len(order)), 0, 0, "")
        return (order.get(match.group(1), len(order)), int(match.group(3)), len(match.group(2)), match.group(2))

    return sorted(dict.fromkeys(problems), key=key)
