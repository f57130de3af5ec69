"""The ``allysim`` command line: thin over the library. Parse, call, print (:mod:`allysim.console`), write.

Exit codes: 0 success, 2 bad input (scenario or arguments), 1 anything else, 130 interrupted. Commands let every
:class:`~allysim.errors.AllysimError` rise; :func:`main` turns it into its lines and exit code, in one place.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import arguments, console
from ._version import __version__
from .calibrate_command import calibrate_cmd
from .errors import AllysimError, AllysimWarning, ScenarioError, UsageError
from .export_command import export_cmd
from .lock import folder_lock

if TYPE_CHECKING:
    from .scenario import Scenario

# The scenario model (pydantic), the engine (numpy, SimPy) and charts (matplotlib) are imported by the commands that
# need them, so that `allysim --help` starts at once and `validate` loads no numerical library.

__all__ = ["main", "cli"]

FORMATS = ("png", "svg", "pdf")
OBJECTIVES = ("npv", "survival", "cvar10", "p_loss")  # allysim.portfolios.OBJECTIVES, without importing numpy here


def _formats(value: str) -> tuple[str, ...]:
    items = [v.strip().lower() for v in value.split(",") if v.strip()]
    if items == ["none"]:
        return ()
    bad = [v for v in items if v not in FORMATS]
    if bad or not items:
        raise click.BadParameter(f"{value!r}: use a comma-separated list of png, svg, pdf, or none")
    return tuple(dict.fromkeys(items))


class _FormatType(click.ParamType):
    name = "png,svg,pdf|none"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return _formats(value)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


class _SeedType(click.ParamType):
    """A root seed: a whole number >= 0; the message says what a seed is for."""

    name = "INTEGER"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        try:
            seed = int(str(value).replace("_", ""), 10)
        except ValueError:
            seed = -1
        if seed < 0:
            self.fail(f"{value!r} is not a seed: a seed is a whole number >= 0 (e.g. 20261127) that fixes the "
                      "random draws, so the same seed gives the same results", param, ctx)
        return seed


def _sim_options(func: Callable) -> Callable:
    """Options every simulating command shares."""
    for option in reversed([
        click.option("--runs", type=click.IntRange(min=1, max=100_000_000), default=None,
                     help="Replications per plan (default: the scenario's runs, else 10000)."),
        click.option("--seed", type=_SeedType(), default=None,
                     help="Root seed (default: the scenario's seed, else a fresh one, recorded in summary.json)."),
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Worker processes (default: one per CPU; at most 4 per CPU). Results do not depend on it."),
        click.option("--format", "formats", type=_FormatType(), default="png", show_default=True,
                     help="Chart formats, comma-separated, or none."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Where replications run: local processes, or a Dask cluster."),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="With --executor dask: the scheduler's address, or 'local' to start a LocalCluster."),
        click.option("--quiet", is_flag=True, help="No progress bar and no results table."),
        click.option("--exhaustive", is_flag=True,
                     help="Simulate every variant in full instead of deriving replications whose paths are provably "
                          "identical (the same numbers, slower: for audits)."),
    ]):
        func = option(func)
    return func


def _parse_sets(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Any, ...]:
    from .scenario.overrides import parse_overrides

    try:
        return parse_overrides(value)
    except UsageError as exc:  # a malformed --set stops the command before any file is read (exit 2)
        raise click.UsageError(str(exc), ctx) from None


def _set_option(func: Callable) -> Callable:
    """``--set PATH=VALUE``: a what-if over the file's values, on every simulating command."""
    return click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", callback=_parse_sets,
                        help="Set a parameter over the file's value, e.g. --set risks.partner_buyout.rate=0.2 "
                             "(repeatable; VALUE is YAML: a number, '18 months', or a distribution). Recorded "
                             "as overrides in every output.")(func)


def _force_option(func: Callable) -> Callable:
    """``--force``: write into a folder, or over a file, that allysim did not write."""
    return click.option("--force", is_flag=True,
                        help="Write even into a folder, or over a file, that allysim did not write (its files of "
                             "the same names are replaced).")(func)


class _Commands(click.Group):
    """The command group: the one place where an error a user can cause becomes its lines and exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AllysimError as exc:
            console.report_error(exc)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            raise
        except OSError as exc:  # the system refused a file: the user can act on it, it is no defect of allysim
            console.stderr(f"allysim: {_os_error(exc)}")
            ctx.exit(1)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="allysim")
def cli() -> None:
    """Monte Carlo risk and contingency simulation for alliances.

    Write a scenario (see docs/scenario-format.md), check it with `allysim validate`, simulate it with
    `allysim run`. Results go to reports/<scenario>/ by default.
    """


cli.add_command(calibrate_cmd)  # its own module: fitting hazards to a history is apart from simulating
cli.add_command(export_cmd)  # its own module: a scenario as a register, the reverse of import


# --------------------------------------------------------------------------- validate


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; print FILE: ok, or one located line per problem."""
    from .scenario import load_scenario

    bad = False
    for path in files:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            bad = True
            for line in exc.problems:
                console.stderr(line)
            continue
        console.echo(f"{path}: ok")
    if bad:
        sys.exit(2)


# --------------------------------------------------------------------------- run


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--plan", "plans", multiple=True, metavar="NAME",
              help="Simulate only this plan (repeat for several; default every plan).")
@click.option("--precision", type=click.FloatRange(min=0, min_open=True, max=1, max_open=True), default=None,
              metavar="P", help="Simulate in batches, up to --runs, until every plan's 95% CI half-width is at "
                                "most P for survival and P x |mean| for NPV.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default reports/<scenario file stem>/; with several files, one sub-folder "
                   "each, named after the file's folder too when two files share a name).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run from its checkpoint (same file and options).")
@_force_option
def run(files: tuple[Path, ...], runs: int | None, seed: int | None, workers: int | None,
        formats: tuple[str, ...], executor: str, scheduler: str | None, quiet: bool, exhaustive: bool,
        overrides: tuple[Any, ...], plans: tuple[str, ...], precision: float | None, out: Path | None,
        resume: bool, force: bool) -> None:
    """Simulate scenario FILES and write summary.json, runs.csv, health.json and charts."""
    from .checkpoint import checkpoint_path, discard
    from .outputs import claim, out_folders
    from .runner import RunOptions, simulate
    from .scenario import load_scenario

    worst = 0
    for path, folder in zip(files, out_folders(files, out)):
        try:
            scenario = load_scenario(path).with_overrides(overrides)  # refused before anything is written
            checkpoint = checkpoint_path(folder)
            with folder_lock(folder):
                claim(folder, force)  # before simulating: a refused folder costs nothing
                root_seed = _seed(seed, folder, quiet)  # one seed per folder
                with console.progress(quiet, f"{path.name}") as advance:
                    options = RunOptions(runs=runs, seed=root_seed, workers=workers, executor=executor,
                                         scheduler=scheduler, progress=advance, precision=precision,
                                         checkpoint=checkpoint, resume=resume, keep_checkpoint=True,
                                         exhaustive=exhaustive)
                    results = simulate(scenario, plans=list(plans) or None, options=options)
                # the checkpoint goes once the results are written: if writing fails, --resume writes them at once
                # (a run of a few seconds has no checkpoint: running it again costs as little)
                kept = (f"; the finished simulation is kept in {checkpoint}{os.sep}: run again with --resume to "
                        "write the results without simulating again") if checkpoint.is_dir() else ""
                written = _write_all(results, folder, formats, kept=kept, force=force)
                discard(checkpoint)
        except AllysimError as exc:
            console.report_error(exc)
            worst = max(worst, exc.exit_code)
            continue
        except OSError as exc:  # not while writing outputs (those are OutputErrors): reading, the lock file...
            console.stderr(f"allysim: {path}: {_os_error(exc)}")
            worst = max(worst, 1)
            continue
        except Exception as exc:  # a defect must not cost the rest of the batch its results
            if os.environ.get("ALLYSIM_DEBUG"):
                raise
            console.stderr(f"allysim: {path}: internal error: {type(exc).__name__}: {exc} (please report it; set "
                           "ALLYSIM_DEBUG=1 to see the traceback)")
            worst = max(worst, 1)
            continue
        if not quiet:
            console.print_results(results)
            console.wrote(written, folder)
    if worst:
        sys.exit(worst)


def _write_all(results: Any, folder: Path, formats: tuple[str, ...],
               extra: Callable[[Path], list[Path]] | None = None, kept: str = "", force: bool = False) -> list[Path]:
    """Write a run's files (and ``extra`` ones) into ``folder`` all at once, or not at all."""
    from .outputs import staged, write_results

    with staged(folder, kept, force) as stage:
        written = write_results(results, stage)
        if formats:
            from .folder import load_output
            from .plotting.render import render_charts

            # draw from the files just written, exactly as `allysim report` will: the same pictures either way
            written += render_charts(load_output(stage), stage, formats)
        if extra is not None:
            written += extra(stage)
    return [folder / path.name for path in written]


# --------------------------------------------------------------------------- compare, value, drivers


def _study_options(func: Callable) -> Callable:
    """Options every study shares: ``--materiality X`` (the smallest effect on NPV a sentence may call a gain or a
    loss), ``--out`` and ``--force``."""
    func = click.option("--materiality", default=None, callback=arguments.materiality, metavar="X",
                        help="The smallest effect on NPV worth calling better or worse, in the scenario's currency "
                             "unit "
                             "(default: the scenario's materiality, else 1% of the baseline plan's mean |NPV|; "
                             "recorded in the JSON). Smaller effects read 'about break even'.")(_force_option(func))
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Output folder (default reports/<scenario file stem>/).")(func)


def _seed(seed: int | None, folder: Path, quiet: bool) -> int | None:
    """``--seed`` when given, else the seed of the numbers already in ``folder`` (one seed per folder), else None."""
    from .folder import folder_seed
    kept = folder_seed(folder) if seed is None else None
    if kept is not None and not quiet:
        console.stderr(f"allysim: note: seed {kept}, as the numbers already in {folder}{os.sep} (--seed to change)")
    return kept if seed is None else seed


@contextmanager
def _study(path: Path, out: Path | None, quiet: bool, label: str, work: Callable[..., Any],
           options: dict[str, Any], force: bool = False) -> Iterator[tuple[Any, Path, Scenario]]:
    """Load, lock the output folder, simulate with a progress bar, and give (study, output folder, scenario as read)
    to the block that writes it, the lock still held. ``work`` reads ``options``, whose seed may be the folder's."""
    from .outputs import claim, out_folders
    from .scenario import load_scenario

    folder = out_folders((path,), out)[0]
    scenario = load_scenario(path)
    with folder_lock(folder):
        claim(folder, force)  # before simulating: a refused folder costs nothing
        options["seed"] = _seed(options.get("seed"), folder, quiet)
        with console.progress(quiet, f"{path.name}: {label}") as advance:
            study = work(scenario, advance)
        yield study, folder, scenario


def _scenario_copy(scenario: Scenario, folder: Path, stage: Path) -> list[Path]:
    """Copy the scenario into a study's staging folder when the output folder has none yet.

    The copy beside a run is the run's; a study from another version of the file is flagged by ``deck`` and
    ``workbook`` through its sha256.
    """
    from .outputs import SCENARIO_COPY, write_scenario_copy

    if (folder / SCENARIO_COPY).exists():
        return []
    copy = write_scenario_copy(scenario, stage)
    return [copy] if copy is not None else []


def _write_study_staged(folder: Path, data: dict[str, Any], scenario: Scenario, name: str,
                        formats: tuple[str, ...], force: bool = False) -> list[Path]:
    """Write a study's JSON and charts (:mod:`allysim.study_registry`) into ``folder`` all at once, and nothing else
    of the folder's."""
    from .outputs import staged, write_json
    from .study_registry import study

    kind = study(name)
    with staged(folder, force=force) as stage:
        written = [write_json(stage / kind.file, data)]
        if formats:
            from .plotting.render import render_study_chart

            for chart in kind.charts:  # the compare chart takes its plan colours from the run beside it
                written += render_study_chart(chart.name, data, stage, formats, beside=folder)
        written += _scenario_copy(scenario, folder, stage)
    return [folder / path.name for path in written]


@cli.command("compare")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--plans", default=None, metavar="A,B,...",
              help="Plans to compare, comma-separated; the first is the baseline (default: every plan).")
@_study_options
def compare_cmd(file: Path, plans: str | None, out: Path | None, formats: tuple[str, ...], quiet: bool,
                materiality: str | None, force: bool, **options: Any) -> None:
    """Paired differences of every plan from the baseline, for NPV and survival."""
    from .runner import RunOptions
    from .studies import compare

    sets = options.pop("overrides", ())
    names = [p.strip() for p in plans.split(",") if p.strip()] if plans else None
    _plan_study(file, out, formats, quiet, force, "compare", console.print_compare,
                lambda s, adv: compare(s, plans=names, overrides=sets,
                                       materiality=arguments.in_currency(materiality, s),
                                       options=RunOptions(progress=adv, **options)), options)


@cli.command("value")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--plan", default=None, metavar="NAME",
              help="Plan whose contingencies to value (default: the plan with the most contingencies).")
@_study_options
def value_cmd(file: Path, plan: str | None, out: Path | None, formats: tuple[str, ...], quiet: bool,
              materiality: str | None, force: bool, **options: Any) -> None:
    """What each contingency of a plan is worth against its cost (one at a time and Shapley)."""
    from .runner import RunOptions
    from .studies import contingency_values

    sets = options.pop("overrides", ())
    _plan_study(file, out, formats, quiet, force, "value", console.print_value,
                lambda s, adv: contingency_values(s, plan=plan, overrides=sets,
                                                  materiality=arguments.in_currency(materiality, s),
                                                  options=RunOptions(progress=adv, **options)), options)


@cli.command("drivers")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--plan", default=None, metavar="NAME", help="Plan to analyse (default: the first plan).")
@_study_options
def drivers_cmd(file: Path, plan: str | None, out: Path | None, formats: tuple[str, ...], quiet: bool,
                materiality: str | None, force: bool, **options: Any) -> None:
    """What each risk costs in NPV and survival: the paired effect of removing it."""
    from .runner import RunOptions
    from .studies import risk_drivers

    sets = options.pop("overrides", ())
    _plan_study(file, out, formats, quiet, force, "drivers", console.print_drivers,
                lambda s, adv: risk_drivers(s, plan=plan, overrides=sets,
                                            materiality=arguments.in_currency(materiality, s),
                                            options=RunOptions(progress=adv, **options)), options)


def _plan_study(file: Path, out: Path | None, formats: tuple[str, ...], quiet: bool, force: bool, name: str,
                show: Callable[..., None], work: Callable[..., Any], options: dict[str, Any]) -> None:
    """Run the study ``name``, write its JSON and charts (those its data holds) all at once, print its table."""
    with _study(file, out, quiet, name, work, options, force) as (study, folder, scenario):
        data = study.to_dict()
        written = _write_study_staged(folder, data, scenario, name, formats, force)
    if not quiet:
        show(data)
        console.wrote(written, folder)
        console.print_sharing(data)


# --------------------------------------------------------------------------- sweep, optimize


@cli.command("sweep")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@click.option("--set", "sets", multiple=True, required=True, metavar="PATH=LOW:HIGH:N|V1,V2,...",
              help="The parameter to sweep and its values: a range of N evenly spaced points, or a list. Other "
                   "--set PATH=VALUE options fix parameters at every point.")
@click.option("--plan", "plans", multiple=True, metavar="NAME",
              help="Simulate only this plan (repeat for several; default every plan).")
@_study_options
def sweep_cmd(file: Path, sets: tuple[str, ...], plans: tuple[str, ...], out: Path | None,
              formats: tuple[str, ...], quiet: bool, materiality: str | None, force: bool, **options: Any) -> None:
    """Every plan at each value of one parameter, on the same seed: sweep.json and the sweep chart."""
    from .scenario.overrides import split_sweep
    from .sweeps import sweep

    try:
        parameter, values, fixed = split_sweep(sets)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    _plan_study(file, out, formats, quiet, force, "sweep", console.print_sweep,
                lambda s, adv: sweep(s, parameter, values, plans=list(plans) or None, progress=adv,
                                     overrides=fixed, materiality=arguments.in_currency(materiality, s), **options),
                options)


@cli.command("optimize")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--contingencies", default=None, metavar="A,B,...",
              help="The contingencies to choose from, comma-separated (default: all of the scenario's).")
@click.option("--budget", default=None, callback=arguments.budget, metavar="B",
              help="The most a portfolio may cost (expected present value of its contingency costs): a number in "
                   "the scenario's currency unit, or an amount such as 2.5M or 300k (in a scenario counted in "
                   "'USD M', 3M is 3): gives the best survival within budget.")
@click.option("--objective", type=click.Choice(OBJECTIVES), default="npv", show_default=True,
              help="What the best portfolio is best at: the highest mean NPV, the highest survival, the highest "
                   "mean NPV of the worst 10% of runs (cvar10), or the lowest share of runs losing money (p_loss).")
@_study_options
def optimize_cmd(file: Path, contingencies: str | None, budget: str | None, objective: str, out: Path | None,
                 formats: tuple[str, ...], quiet: bool, materiality: str | None, force: bool, **options: Any) -> None:
    """Every portfolio of contingencies, the cost frontiers and the best: optimize.json and the frontier chart."""
    from .portfolios import optimize

    ids = [c.strip() for c in contingencies.split(",") if c.strip()] if contingencies else None
    _plan_study(file, out, formats, quiet, force, "optimize", console.print_optimize,
                lambda s, adv: optimize(s, contingencies=ids, budget=arguments.in_currency(budget, s), objective=objective,
                                        progress=adv, materiality=arguments.in_currency(materiality, s), **options),
                options)


@cli.command("sensitivity")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_sim_options
@_set_option
@click.option("--plan", default=None, metavar="NAME",
              help="Plan to analyse (default: the plan with the most contingencies).")
@click.option("--against", default=None, metavar="NAME",
              help="Plan to compare with, for the switch points (default: the baseline, the first plan).")
@click.option("--plans", "compared", metavar="A,B,...", help="Plans to choose between, for EVPI/EVPPI (default: all).")
@_study_options
def sensitivity_cmd(file: Path, plan: str | None, against: str | None, compared: str | None, out: Path | None,
                    formats: tuple[str, ...], quiet: bool, materiality: str | None, force: bool,
                    **options: Any) -> None:
    """Which uncertain assumptions move a plan's results, and which could change the decision."""
    from .runner import RunOptions
    from .sensitivities import sensitivity

    sets = options.pop("overrides", ())
    names = [p.strip() for p in compared.split(",") if p.strip()] if compared is not None else None

    _plan_study(file, out, formats, quiet, force, "sensitivity", console.print_sensitivity,
                lambda s, adv: sensitivity(s, plan=plan, against=against, plans=names, overrides=sets,
                                           materiality=arguments.in_currency(materiality, s),
                                           options=RunOptions(progress=adv, **options)), options)


# --------------------------------------------------------------------------- report, schema


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--format", "formats", type=_FormatType(), default="png", show_default=True,
              help="Chart formats, comma-separated, or none.")
@_force_option
def report(folder: Path, formats: tuple[str, ...], force: bool) -> None:
    """Re-draw every chart of an output FOLDER from its saved data, with no simulation."""
    from .folder import load_output, reading
    from .outputs import claim
    from .plotting.render import render_charts

    arguments.output_folder("report", folder)
    with folder_lock(folder), reading(folder):
        data = load_output(folder)
        claim(folder, force)
        written = render_charts(data, folder, formats)
    console.wrote(written, folder)


@cli.command("deck")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Deck file (default DIR/deck.pptx); its folder is created.")
@click.option("--brief/--no-brief", default=True,
              help="Also write summary.pdf, the one-page brief, beside the deck.")
@_force_option
def deck_cmd(folder: Path, out: Path | None, brief: bool, force: bool) -> None:
    """A board deck (and a one-page brief beside it) from an output FOLDER."""
    from .deck import build_deck, write_brief
    from .folder import reading
    from .outputs import claim_file

    arguments.output_folder("deck", folder)
    if out is not None and out.suffix.lower() != ".pptx":
        raise UsageError(f"{out}: the deck is a PowerPoint file; name it FILE.pptx")
    summary = (out.parent if out is not None else folder) / "summary.pdf"  # the brief goes beside the deck
    with folder_lock(folder), reading(folder):
        claim_file(out if out is not None else folder / "deck.pptx", force)
        if brief:
            claim_file(summary, force)
        written = [build_deck(folder, out)] + ([write_brief(folder, summary)] if brief else [])
    console.echo("wrote " + ", ".join(str(p) for p in written))


@cli.command("import")
@click.argument("register", required=False, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.yaml",
              help="Scenario file to write (default: the register's name with .yaml, beside it).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.xlsx",
              help="Write an empty register to fill in, instead of importing one.")
@click.option("--force", is_flag=True, help="Replace the file to write if it exists.")
def import_cmd(register: Path | None, out: Path | None, template: Path | None, force: bool) -> None:
    """A scenario from a risk REGISTER (an .xlsx workbook, or a folder of CSV files named after its sheets).

    The sheets and columns are described in docs/spreadsheets.md; `allysim import --template FILE.xlsx` writes an
    empty register with notes under each column.
    """
    from .outputs import claim_file
    from .register import import_register
    from .register.export import save_text, write_template

    if template is not None:
        if register is not None or out is not None:
            raise UsageError("give either REGISTER (to import it) or --template FILE.xlsx (to write an empty "
                             "one)")
        if template.suffix.lower() != ".xlsx":
            raise UsageError(f"{template}: the template is an Excel workbook; name it FILE.xlsx")
        claim_file(template, force, recognise=False)  # a filled-in register must never be replaced by an empty one
        console.echo(f"wrote {write_template(template)}: fill in its sheets, then run allysim import {template}")
        return
    if register is None:
        raise UsageError("give a REGISTER to import (an .xlsx file or a folder of .csv files), or --template "
                         "FILE.xlsx for an empty one")
    text = import_register(register)
    target = out or register.parent / f"{register.name if register.is_dir() else register.stem}.yaml"
    claim_file(target, force, recognise=False)  # a scenario edited by hand must never be replaced
    save_text(target, text)
    console.echo(f"wrote {target} (it validates; run it with allysim run {target})")


@cli.command("workbook")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE.xlsx",
              help="Workbook file (default DIR/workbook.xlsx); its folder is created.")
@_force_option
def workbook_cmd(folder: Path, out: Path | None, force: bool) -> None:
    """An output FOLDER as an Excel workbook: Summary, one sheet per study, Assumptions, Runs, charts."""
    from .workbook import write_workbook

    arguments.output_folder("workbook", folder)
    if out is not None and out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out}: the workbook is an Excel file; name it FILE.xlsx")
    from .folder import reading
    from .outputs import claim_file

    with folder_lock(folder), reading(folder):
        claim_file(out if out is not None else folder / "workbook.xlsx", force)
        path, notes = write_workbook(folder, out)
    for line in notes:
        console.stderr(f"allysim: note: {line}")
    console.echo(f"wrote {path}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors."""
    from .scenario import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


# --------------------------------------------------------------------------- entry point


def _os_error(exc: OSError) -> str:
    import errno

    where = f"{os.fsdecode(exc.filename)}: " if exc.filename is not None else ""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        advice = "free some space and run the command again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = "choose a place you can write to"
    else:
        advice = "check the file and run the command again"
    return f"{where}{exc.strerror or exc}; {advice}"


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the command line; turn every error a user can cause into one line and an exit code."""
    previous = signal.signal(signal.SIGTERM, _terminate)  # SIGTERM stops a run as Ctrl-C does
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", AllysimWarning)
            shown = warnings.showwarning

            def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
                if issubclass(category, AllysimWarning):
                    console.stderr(f"allysim: {message}")  # one line, like errors: no file name, no source line
                else:
                    shown(message, category, *args, **kwargs)

            warnings.showwarning = show
            _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> None:
    try:
        code = cli.main(args=argv, prog_name="allysim", standalone_mode=False)
        if isinstance(code, int) and code:  # click returns the code of ctx.exit() when not standalone
            sys.exit(code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        console.stderr("allysim: interrupted; the output folder is unchanged (continue a run with --resume)")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) or exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:  # AllysimError included: _Commands turned it into its exit code
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # a defect in allysim, not the user's doing: one line, no traceback
        if os.environ.get("ALLYSIM_DEBUG"):
            raise
        console.stderr(f"allysim: internal error: {type(exc).__name__}: {exc} "
                       "(please report it; set ALLYSIM_DEBUG=1 to see the traceback)")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
