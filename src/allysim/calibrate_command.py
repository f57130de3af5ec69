"""``allysim calibrate``: hazards fitted to a history of alliances, written as an output folder.

A command of its own beside :mod:`allysim.cli` (which registers it), thin like the others: parse, call the library
(:mod:`allysim.history`, :mod:`allysim.calibration`, :mod:`allysim.calibrated`), print, write. Errors rise as
:class:`~allysim.errors.AllysimError` to the command group, which turns them into their lines and exit code.
"""

from __future__ import annotations

from pathlib import Path

import click

from . import console
from .lock import folder_lock

__all__ = ["calibrate_cmd", "write_calibration"]


@click.command("calibrate")
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", type=click.Choice(["exponential", "weibull", "steps", "best"]), default="best",
              show_default=True, help="The hazard to write to calibrated.yaml; best: the lowest AIC.")
@click.option("--steps", default=None, metavar="0,A,B,...",
              help="Ages where the step hazard changes (default: 0 and the quartiles of the ending times).")
@click.option("--time-unit", type=click.Choice(["year", "quarter", "month", "week", "day"]), default="year",
              show_default=True, help="The unit of the fitted rates; dates are converted to it, numbers are in it.")
@click.option("--as-of", default=None, metavar="DATE",
              help="When a blank end is still going (default: the latest date in the file).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default reports/<history file stem>/).")
@click.option("--format", "formats", default="png", show_default=True, metavar="png,svg,pdf|none",
              help="Chart formats, comma-separated, or none.")
@click.option("--quiet", is_flag=True, help="No progress bar and no results table.")
@click.option("--force", is_flag=True,
              help="Write even into a folder, or over a file, that allysim did not write (its files of the same "
                   "names are replaced).")
def calibrate_cmd(history: Path, model: str, steps: str | None, time_unit: str, as_of: str | None,
                  out: Path | None, formats: str, quiet: bool, force: bool) -> None:
    """Fit hazards to a HISTORY CSV (id, start, end, ended[, cause]): calibration.json, chart, calibrated.yaml.

    One row per alliance (or partner); start and end are ISO dates or numbers in --time-unit; a blank end is still
    going at --as-of. See docs/calibration.md.
    """
    from .calibration import calibrate, parse_steps
    from .history import read_history
    from .outputs import claim, out_folders
    from .plotting.render import parse_formats

    chosen = parse_formats(formats)
    breaks = parse_steps(steps)
    folder = out_folders((history,), out)[0]
    with folder_lock(folder):
        claim(folder, force)  # before fitting: a refused folder costs nothing
        with console.progress(quiet, f"{history.name}: calibrate") as advance:
            fits = calibrate(read_history(history, time_unit, as_of), model, breaks, advance)
        for note in fits.notes:
            console.stderr(f"allysim: note: {note}")
        data = fits.to_dict()
        written = write_calibration(data, folder, chosen, force)
    if not quiet:
        console.print_calibration(data)
        console.wrote(written, folder)


def write_calibration(data: dict, folder: Path, formats: tuple[str, ...], force: bool = False) -> list[Path]:
    """Write ``calibration.json``, ``calibrated.yaml`` and the chart into ``folder`` all at once, or nothing."""
    from .calibrated import calibrated_yaml
    from .outputs import staged, write_bytes, write_json
    from .plotting.render import render_study_chart

    with staged(folder, force=force) as stage:
        written = [write_json(stage / "calibration.json", data),
                   write_bytes(stage / "calibrated.yaml", calibrated_yaml(data).encode("utf-8")),
                   *render_study_chart("calibration", data, stage, formats)]
    return [folder / path.name for path in written]
