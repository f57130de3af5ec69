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
from .wording import (
    Evidence,
    MoneyScale,
    format_amount,
    format_ratio,
    format_share,
    median_life,
    plural,
    points_change,
    signed_number,
)

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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    # auto_refresh=False: no refresh thread, so forked workers never inherit one
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                  TextColumn("left"), TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  auto_refresh=False) as bar:
        yield _Advance(bar, bar.add_task(label, total=None))


class _Advance:
    """Moves a progress bar by replications done; the runner announces how many it will run (``expect``), so
    the bar shows its total, the percentage and the time left."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task, self.total = bar, task, 0

    def expect(self, runs: int) -> None:
        self.total += runs
        self.bar.update(self.task, total=self.total)
        self.bar.refresh()

    def __call__(self, done: int) -> None:
        self.bar.advance(self.task, done)
        self.bar.refresh()


def print_results(results: Any) -> None:
    """The results table of a run: one row per plan, and a one-line legend."""

    summary = results.summary()
    s = results.scenario
    unit = s.time_unit
    title = f"{s.name} — {results.runs:,} runs per plan, seed {results.seed}"
    if s.overrides:
        title += " — with " + ", ".join(o.text for o in s._overrides)
    table = _new_table(title)
    table.add_column("plan", overflow="fold")
    table.add_column(f"survival, {s.horizon:g} {plural(unit)}", justify="right")
    table.add_column(f"median life ({plural(unit)})", justify="right")
    table.add_column(f"mean NPV ± ({s.currency})", justify="right")
    table.add_column("NPV P10 to P90", justify="right")
    table.add_column("resil.", justify="right")
    table.add_column("main end cause", justify="left", overflow="fold")
    plans = summary["plans"]
    scale = MoneyScale.of([x for p in plans.values() for x in (p["npv"]["mean"], p["npv"]["p10"], p["npv"]["p90"])])
    for name, p in plans.items():
        surv = p["survival"]
        lo, hi = surv["ci95"]
        npv = p["npv"]
        causes = {k: v for k, v in p["end_causes"].items() if k != "survived" and v > 0}
        top = max(causes, key=causes.get) if causes else "—"
        half = "" if npv["ci95"][0] is None else f" ± {scale.number((npv['ci95'][1] - npv['ci95'][0]) / 2)}"
        table.add_row(
            name,
            f"{format_share(surv['estimate'])} ({format_share(lo).rstrip('%')}–{format_share(hi)})",
            median_life(p["lifetime"]["p50"], s.horizon, unit, surv["estimate"]).rsplit(" ", 1)[0],
            f"{scale.number(npv['mean'])}{half}",
            f"{scale.number(npv['p10'])} to {scale.number(npv['p90'])}",
            f"{p['resilience']['mean']:.2f}",
            f"{top} ({format_share(causes[top])})" if causes else "—",
        )
    console = _console()
    console.print(table)
    console.print("Survival (95% CI); ± is the 95% CI half-width; resil.: average health over the planned life, 0 "
                  "after dissolution; main end cause: the risk that ended most runs (share of runs).", style="dim",
                  markup=False, highlight=False)


def _new_table(title: str) -> Any:
    """A table with light rules, so seven columns fit in 100 terminal columns."""
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)


def _console() -> Any:
    """A console as wide as the terminal, else ``COLUMNS``, else 100 columns (so piped output stays readable)."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    if width is None and not sys.stdout.isatty():
        width = 100
    return Console(width=width)


def _ci(entry: dict[str, Any], pct: bool = False, scale: MoneyScale | None = None) -> str:
    """``+6.91 [+5.9, +7.9]`` in one money scale, or survival in whole percentage points: ``+18 [+14, +23] pts``."""
    money = scale or MoneyScale.of([entry["mean"], *(x for x in entry["ci95"] if x is not None)])
    fmt = (lambda x: points_change(x)) if pct else (lambda x: signed_number(x, money))
    lo, hi = entry["ci95"]
    band = f" [{fmt(lo)}, {fmt(hi)}]" if lo is not None else ""
    return f"{fmt(entry['mean'])}{band}"


def _verdict(entry: dict[str, Any], runs: Any, gain: str, loss: str) -> str:
    """``gain``/``loss`` when the 95% interval excludes zero, else ``within the noise``."""
    evidence = Evidence.of(entry, runs)
    return gain if evidence.gain else loss if evidence.loss else "within the noise"


def _table(title: str, columns: list[str], rows: list[list[str]], legend: str = "") -> None:
    table = _new_table(title)
    names = max((len(row[0]) for row in rows), default=0)
    for i, col in enumerate(columns):  # numbers stay on one line; names up to 24 characters too; words wrap
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold",
                         min_width=min(names, 24) if i == 0 else None,
                         no_wrap=i > 0 and all(not any(c.isalpha() for c in row[i]) for row in rows))
    for row in rows:
        table.add_row(*row)
    console = _console()
    console.print(table)
    if legend:
        console.print(legend, style="dim", markup=False, highlight=False)


def _noise_legend(runs: Any) -> str:
    return (f"[lo, hi]: the paired 95% CI over {int(runs or 0):,} runs; survival in percentage points; a verdict "
            "only when the CI excludes zero, else 'within the noise'.")


def print_compare(data: dict[str, Any]) -> None:
    plans = data["plans"]
    scale = MoneyScale.of([x for p in plans.values() for x in (p["npv"]["mean"], *p["npv"]["ci95"]) if x is not None])
    rows = [[name, _ci(p["npv"], scale=scale), _ci(p["survival"], pct=True), f"{format_share(p['p_better'])}",
             _verdict(p["npv"], data["runs"], "better NPV", "worse NPV")] for name, p in plans.items()]
    _table(f"{data['scenario']} — each plan minus {data['baseline']}, paired over {data['runs']:,} runs",
           ["plan", f"NPV difference ({data['currency']})", "survival (points)", "P(NPV better)", "verdict"], rows,
           _noise_legend(data["runs"]))


def print_value(data: dict[str, Any]) -> None:
    items = data["contingencies"]
    scale = MoneyScale.of([x for c in items.values() for x in (c["shapley_npv"], c["shapley_npv"] + c["cost"],
                                                                  c["cost"])])
    rows = []
    for cid, c in items.items():
        net = {"mean": c["shapley_npv"], "ci95": c.get("shapley_npv_ci95") or [None, None]}
        gross = c["shapley_npv"] + c["cost"]
        ratio = format_ratio(gross / c["cost"]) if c["cost"] > 0 else "free"
        survival = {"mean": c["shapley_survival"], "ci95": c.get("shapley_survival_ci95") or [None, None]}
        rows.append([cid, _ci(net, scale=scale), signed_number(gross, scale), scale.number(c["cost"]), ratio,
                     _verdict(net, data["runs"], "pays for itself", "does not pay"), _ci(survival, pct=True)])
    total = data["total"]
    _table(f"{data['scenario']} — contingencies of plan {data['plan']} ({data['method']} Shapley); whole plan: "
           f"NPV {_ci(total['npv'])}, survival {_ci(total['survival'], pct=True)}",
           ["contingency", f"net NPV ({data['currency']})", "gross NPV", "cost", "gross/cost", "verdict",
            "survival (points)"], rows,
           "Net NPV = gross NPV (before its cost) - cost: each contingency's fair (Shapley) share of the plan's "
           "effect. "
           + _noise_legend(data["runs"]))


def print_drivers(data: dict[str, Any]) -> None:
    ranked = sorted(data["risks"].items(), key=lambda kv: -kv[1]["npv"]["mean"])
    scale = MoneyScale.of([x for _, r in ranked for x in (r["npv"]["mean"], *r["npv"]["ci95"]) if x is not None])
    rows = [[rid, _ci(r["npv"], scale=scale), _ci(r["survival"], pct=True),
             _verdict(r["npv"], data["runs"], "costs NPV", "adds NPV")] for rid, r in ranked]
    env = data.get("environment")
    if env is not None:  # what holding the environment in its initial state gains
        rows.append(["(environment changes)", _ci(env["npv"], scale=scale), _ci(env["survival"], pct=True),
                     _verdict(env["npv"], data["runs"], "costs NPV", "adds NPV")])
    _table(f"{data['scenario']} — what each risk costs under plan {data['plan']} (removing it gains)",
           ["risk", f"NPV cost ({data['currency']})", "survival cost (points)", "verdict"], rows,
           _noise_legend(data["runs"]))


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
