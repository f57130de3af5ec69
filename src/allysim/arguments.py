"""Command-line arguments checked where the command line reads them: a money option in the scenario's currency
unit, and a file given where a command takes an output folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import UsageError

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["budget", "in_currency", "materiality", "output_folder"]


def _amount(value: str | None, positive: bool, what: str) -> str | None:
    """Check the form of a money option at once; its amount is read in the scenario's currency unit once loaded."""
    from .scenario.units import parse_money

    if value is None:
        return None
    try:
        amount = parse_money(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if not ((amount > 0 if positive else amount >= 0) and amount != float("inf")):
        raise click.BadParameter(f"{value!r}: {what} is an amount {'>' if positive else '>='} 0")
    return value


def budget(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--budget``: an amount >= 0."""
    return _amount(value, False, "a budget")


def materiality(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--materiality``: an amount > 0, read in the scenario's currency unit as ``--budget``."""
    return _amount(value, True, "a materiality")


def in_currency(text: str | None, scenario: Scenario) -> float | None:
    """A money option's text in the scenario's currency unit: ``3M`` is 3 where the currency is ``USD M``."""
    from .scenario.units import parse_money

    return None if text is None else parse_money(text, scenario.currency)


def output_folder(command: str, folder: Path) -> None:
    """Refuse a file where ``command`` takes an output folder, saying what to run instead."""
    if not folder.is_file():
        return
    takes = f"allysim {command} takes an output folder (written by run or a study), not a file"
    if folder.suffix.lower() in (".yaml", ".yml"):
        raise UsageError(f"{folder}: {takes}; simulate this scenario first with `allysim run {folder}`, then "
                         f"`allysim {command} reports/{folder.stem}`")
    if folder.suffix.lower() in (".json", ".csv", ".png", ".svg", ".pdf"):
        raise UsageError(f"{folder}: {takes}; give the folder that holds it: `allysim {command} "
                         f"{folder.parent}`")
    raise UsageError(f"{folder}: {takes}")
