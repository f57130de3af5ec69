"""What the command line prints: progress bars, results tables and error lines (rich, on a terminal)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .errors import AllysimError, ScenarioError
from .wording import format_amount

__all__ = ["stderr", "wrote", "report_error", "progress", "print_results", "print_compare", "print_value",
           "print_drivers", "print_sweep", "print_optimize", "print_sensitivity"]


def stderr(message: str) -> None:
    """Print one line on standard error."""
    click.echo(message, err=True)


def wrote(written: list[Path], folder: Path) -> None:
    """Say how many files went where."""
    click.echo(f"wrote {len(written)} file{'' if len(written) == 1 else 's'} to {folder}{os.sep}")


def report_error(exc: AllysimError) -> None:
    """Print an error a user can cause: a scenario's located lines as they are, anything else as one line."""
    problems = exc.problems if isinstance(exc, ScenarioError) else [str(exc)]
    for line in problems:
        stderr(line if isinstance(exc, ScenarioError) else f"allysim: {line}")


@contextmanager
def progress(quiet: bool, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr when it is a terminal; advance it by replications done."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # auto_refresh=False: no refresh thread, so forked workers never inherit one
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int) -> None:
            bar.advance(task, done)
            bar.refresh()

        yield advance


def print_results(results: Any) -> None:
    """The results table of a run: one row per plan."""
    from rich.console import Console
    from rich.table import Table

    summary = results.summary()
    s = results.scenario
    unit = s.time_unit
    title = f"{s.name} — {results.runs:,} runs per plan, seed {results.seed}"
    if s.overrides:
        title += " — with " + ", ".join(o.text for o in s._overrides)
    table = Table(title=title, title_justify="left")
    table.add_column("plan", no_wrap=True)
    table.add_column(f"survives {s.horizon:g} {unit}s (95% CI)", justify="right")
    table.add_column("median life", justify="right")
    table.add_column(f"mean NPV ({s.currency})", justify="right")
    table.add_column("NPV P10 .. P90", justify="right")
    table.add_column("resilience", justify="right")
    table.add_column("top end cause", justify="left")
    for name, p in summary["plans"].items():
        surv = p["survival"]
        lo, hi = surv["ci95"]
        npv = p["npv"]
        causes = {k: v for k, v in p["end_causes"].items() if k != "survived" and v > 0}
        top = max(causes, key=causes.get) if causes else "—"
        table.add_row(
            name,
            f"{surv['estimate']:.1%} [{lo:.1%}, {hi:.1%}]",
            f"{p['lifetime']['p50']:.3g} {unit}s",
            f"{format_amount(npv['mean'])} ± "
            f"{format_amount((npv['ci95'][1] - npv['ci95'][0]) / 2) if npv['ci95'][0] is not None else '—'}",
            f"{format_amount(npv['p10'])} .. {format_amount(npv['p90'])}",
            f"{p['resilience']['mean']:.2f}",
            f"{top} ({causes[top]:.1%})" if causes else "—",
        )
    # a terminal's own width, else wide enough that piped output keeps one line per plan
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def _ci(entry: dict[str, Any], pct: bool = False) -> str:
    fmt = (lambda x: f"{x:+.1%}") if pct else (lambda x: format_amount(x) if x < 0 else f"+{format_amount(x)}")
    lo, hi = entry["ci95"]
    band = f" [{fmt(lo)}, {fmt(hi)}]" if lo is not None else ""
    return f"{fmt(entry['mean'])}{band}"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def print_compare(data: dict[str, Any]) -> None:
    rows = [[name, _ci(p["npv"]), _ci(p["survival"], pct=True), f"{p['p_better']:.0%}"]
            for name, p in data["plans"].items()]
    _table(f"{data['scenario']} — each plan minus {data['baseline']}, paired over {data['runs']:,} runs",
           ["plan", f"NPV difference ({data['currency']}, 95% CI)", "survival difference", "P(NPV better)"], rows)


def print_value(data: dict[str, Any]) -> None:
    rows = [[cid, _ci(c["npv"]), format_amount(c["shapley_npv"]), format_amount(c["cost"]),
             _ci(c["survival"], pct=True), f"{c['shapley_survival']:+.1%}"] for cid, c in data["contingencies"].items()]
    total = data["total"]
    _table(f"{data['scenario']} — contingencies of plan {data['plan']} ({data['method']} Shapley); whole plan: "
           f"NPV {_ci(total['npv'])}, survival {_ci(total['survival'], pct=True)}",
           ["contingency", "NPV if dropped last (net)", "Shapley NPV", "expected cost", "survival if dropped last",
            "Shapley survival"], rows)


def print_drivers(data: dict[str, Any]) -> None:
    ranked = sorted(data["risks"].items(), key=lambda kv: -kv[1]["npv"]["mean"])
    rows = [[rid, _ci(r["npv"]), _ci(r["survival"], pct=True)] for rid, r in ranked]
    env = data.get("environment")
    if env is not None:  # what holding the environment in its initial state gains
        rows.append(["(environment changes)", _ci(env["npv"]), _ci(env["survival"], pct=True)])
    _table(f"{data['scenario']} — what each risk costs under plan {data['plan']} (removing it gains)",
           ["risk", f"NPV ({data['currency']}, 95% CI)", "survival"], rows)


def print_sweep(data: dict[str, Any]) -> None:
    plans = list(data["plans"])
    rows = []
    for k, value in enumerate(data["values"]):
        best = data["best"][k]
        cells = [f"{data['plans'][p][k]['survival']['estimate']:.1%} / {format_amount(data['plans'][p][k]['npv']['mean'])}"
                 for p in plans]
        verdict = best["plan"] + ("" if best.get("clear", True) else " (within the noise)")
        rows.append([str(value), *cells, verdict])
    _table(f"{data['scenario']} — {data['parameter']} swept over {len(data['values'])} values, "
           f"{data['runs']:,} runs each on seed {data['seed']}",
           [data["parameter"], *(f"{p}: survival / NPV" for p in plans), "best by NPV"], rows)


def print_optimize(data: dict[str, Any]) -> None:
    portfolios = data["portfolios"]

    def name(i: int | None) -> str:
        if i is None:
            return "—"
        return " + ".join(portfolios[i]["contingencies"]) or "(none)"

    rows = []
    for key, label in (("npv", "highest NPV"), ("survival", "highest survival"),
                       ("survival_within_budget", f"highest survival within {format_amount(data['budget'])}"
                        if data.get("budget") is not None else "")):
        i = data["best"].get(key)
        if i is None:
            continue
        p = portfolios[i]
        lo, hi = p["survival"]["ci95"]
        versus = data["versus_runner_up"].get(key)
        margin = "—"
        if versus:
            diff = versus["npv"] if key == "npv" else versus["survival"]
            clear = versus["clear_npv"] if key == "npv" else versus["clear_survival"]
            margin = f"{_ci(diff, pct=key != 'npv')} vs {name(versus['runner_up'])}" + \
                ("" if clear else " (within the noise)")
        rows.append([label, name(i), format_amount(p["cost"]["mean"]), format_amount(p["npv"]["mean"]),
                     f"{p['survival']['estimate']:.1%} [{lo:.1%}, {hi:.1%}]", margin])
    method = "every portfolio" if data["method"] == "exact" else "HEURISTIC (greedy), not every portfolio"
    _table(f"{data['scenario']} — {len(portfolios):,} portfolios of {len(data['candidates'])} contingencies "
           f"({method}), {data['runs']:,} runs each on seed {data['seed']}",
           ["best by", "portfolio", "cost", "NPV", "survival (95% CI)", "margin over the runner-up"], rows)
    dominated = {p: e for p, e in data["plans"].items() if e.get("dominated_by") is not None}
    for plan, e in dominated.items():
        click.echo(f"plan {plan} is dominated by {name(e['dominated_by'])}: no more cost, at least as much NPV and "
                   "survival" + ("" if e["dominance"]["clear_npv"] or e["dominance"]["clear_survival"]
                                 else " (on estimates within the noise)"))


def print_sensitivity(data: dict[str, Any]) -> None:
    from .plotting.sensitivity_charts import sensitivity_findings

    rows = []
    for path, e in data["inputs"].items():
        sw = e.get("switch")
        rows.append([path, f"{format_amount(e['p10'])} .. {format_amount(e['p90'])}",
                     f"{format_amount(e['npv']['at_p10'])} .. {format_amount(e['npv']['at_p90'])}",
                     f"{e['survival']['at_p10']:.1%} .. {e['survival']['at_p90']:.1%}",
                     f"{e['variance_share']['npv']:.1%}", format_amount(sw["value"]) if sw else "—"])
    against = data.get("against")
    _table(f"{data['scenario']} — plan {data['plan']}"
           + (f" against {against}, P(NPV better) {data['p_better']:.0%}" if against else ""),
           ["input", "P10 .. P90", f"NPV at P10 .. P90 ({data['currency']})", "survival at P10 .. P90",
            "NPV variance share", "switch at"], rows)
    words = sensitivity_findings(data)
    click.echo(words["headline"] + ".")
    click.echo(words["switch"] + ".")
