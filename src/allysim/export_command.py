"""``allysim export``: a scenario file as a risk register (an ``.xlsx`` workbook or a folder of CSV files).

A command of its own beside :mod:`allysim.cli` (which registers it), thin like the others: parse the arguments, call
:func:`allysim.register.carry.export_register`, print. The reverse of ``allysim import``.
"""

from __future__ import annotations

from pathlib import Path

import click

from . import console

__all__ = ["export_cmd"]


@click.command("export")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, metavar="FILE.xlsx|DIR",
              help="The register to write: FILE.xlsx, or a folder for one CSV file per sheet (default: the "
                   "scenario's name with _register.xlsx, beside it).")
@click.option("--force", is_flag=True, help="Replace register files allysim did not write.")
def export_cmd(scenario: Path, out: Path | None, force: bool) -> None:
    """A risk register from a SCENARIO file: the reverse of `allysim import`.

    The register is written only when importing it gives back the same scenario; anything a register cannot hold
    is one located line (exit code 2) and nothing is written. Sheets and columns: docs/spreadsheets.md.
    """
    from .register.carry import export_register

    target = out if out is not None else scenario.parent / f"{scenario.stem}_register.xlsx"
    console.echo(f"wrote {export_register(scenario, target, force)} (it imports back to {scenario})")
