"""What the command line prints: progress bars, results tables and error lines (rich, on a terminal)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .errors import AllysimError, ScenarioError
from .findings import dominated_words, partner_finding, portfolio_words, verdict_words
from .text import terminal
from .wording import (
    Evidence,
    MoneyScale,
    format_amount,
    format_health,
    format_length,
    format_number,
    format_ratio,
    format_share,
    median_life,
    override_texts,
    plural,
    points_change,
    share_interval,
    signed_number,
)

__all__ = ["echo", "stderr", "wrote", "report_error", "progress", "Column", "fit_columns", "wrap_cell", "print_table",
           "print_results", "print_compare", "print_value", "print_drivers", "print_sweep", "print_optimize",
           "print_sensitivity", "say", "RESULTS_LEGEND"]


def echo(message: str, err: bool = False) -> None:
    """Print a line; every line allysim prints goes through here or :func:`_console`, made safe for a terminal
    (:func:`allysim.text.terminal`: a name or a file name cannot send escape sequences)."""
    click.echo(terminal(message), err=err)


def stderr(message: str) -> None:
    """Print one line on standard error."""
    echo(message, err=True)


def wrote(written: list[Path], folder: Path) -> None:
    """Say how many files went where."""
    echo(f"wrote {len(written)} file{'' if len(written) == 1 else 's'} to {folder}{os.sep}")


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
    from rich.markup import escape
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
        yield _Advance(bar, bar.add_task(escape(terminal(label)), total=None))  # a file name is no markup


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


# --- tables that fit the terminal ----------------------------------------------------------------------------------

GAP = 2  # characters between two columns
NARROWEST = 40  # below this many columns, tables overflow rather than become unreadable


@dataclass(frozen=True)
class Column:
    """A column of a console table.

    ``kind``: ``"name"`` (identifiers and names: lines break after ``_``, ``.`` or ``/`` and at spaces, never inside
    a word), ``"text"`` (lines break at spaces) or ``"number"`` (kept on one line while the table can afford it,
    then broken at spaces). ``keep``: the higher, the later the column is dropped when the table cannot fit; 0: never
    dropped. ``short``: a shorter heading for a narrow terminal.
    """

    heading: str
    kind: str = "number"
    keep: int = 0
    short: str = ""


def _pieces(text: str, name: bool) -> list[str]:
    """Split ``text`` where a line may break, each piece keeping what ends it: a space, and in names ``_ . /``:
    ``'ab_c d' -> ['ab_', 'c ', 'd']``."""
    out: list[str] = []
    for word in re.split(r"(?<= )", text):
        out += [p for p in (re.split(r"(?<=[_./])", word) if name else [word]) if p]
    return out or [""]


def wrap_cell(text: str, width: int, kind: str = "text", breakable: bool = True) -> list[str]:
    """Break ``text`` into lines at most ``width`` characters wide where a line may break (see :class:`Column`),
    never inside a word: a piece wider than ``width`` stays whole. Newlines are kept.

    Examples
    --------
    >>> wrap_cell("governance_and_escalation", 12, "name")
    ['governance_', 'and_', 'escalation']
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not breakable:
            lines.append(paragraph)
            continue
        current = ""
        for piece in _pieces(paragraph, kind == "name"):
            if current and len((current + piece).rstrip()) > width:
                lines.append(current.rstrip())
                current = piece
            else:
                current += piece
        lines.append(current.rstrip())
    return lines


def _narrowest(text: str, kind: str, breakable: bool) -> int:
    """The width below which ``text`` would break inside a word (or at all, when it may not break)."""
    if not breakable:
        return max((len(line) for line in text.split("\n")), default=0)
    return max((len(p.rstrip()) for line in text.split("\n") for p in _pieces(line, kind == "name")), default=0)


def _line_count(texts: Sequence[str], width: int, kind: str, breakable: bool) -> int:
    return sum(len(wrap_cell(t, width, kind, breakable)) for t in texts)


def fit_columns(columns: Sequence[Column], rows: Sequence[Sequence[str]],
                width: int) -> tuple[list[int], list[int], list[str]]:
    """Choose the columns to show, their headings and their widths so that a table is at most ``width``
    characters wide and nothing breaks inside a word; return (the columns shown, their widths, their headings).

    In order, until the table fits: numbers on one line under full headings; short headings; numbers broken at
    their spaces; then the least important column (lowest ``keep``) dropped, and again from the start. Room left
    over goes, a character at a time, to the column where it saves the most lines.
    """
    shown = list(range(len(columns)))
    width = max(width, NARROWEST)
    while True:
        for short, numbers_break in ((False, False), (True, False), (True, True)):
            heads = [(columns[i].short or columns[i].heading) if short else columns[i].heading for i in shown]
            kinds = [columns[i].kind for i in shown]
            breaks = [k != "number" or numbers_break for k in kinds]
            texts = [[h, *(row[i] for row in rows)] for h, i in zip(heads, shown)]
            need = [max(_narrowest(t, kind, b or j == 0) for j, t in enumerate(column))  # headings always wrap
                    for column, kind, b in zip(texts, kinds, breaks)]
            room = width - GAP * (len(shown) - 1)
            if sum(need) <= room:
                return shown, _spread(need, room, texts, kinds, breaks), heads
        droppable = [i for i in shown if columns[i].keep > 0]
        if not droppable:  # nothing left to drop: the narrowest layout, wider than asked
            return shown, need, heads
        shown.remove(min(droppable, key=lambda i: columns[i].keep))


def _spread(widths: list[int], room: int, texts: Sequence[Sequence[str]], kinds: Sequence[str],
            breaks: Sequence[bool]) -> list[int]:
    """Share the room left over, a character at a time, to the column where it saves the most lines per
    character (a heading's lines weigh half a row's), until no column gains."""
    widths = list(widths)
    natural = [max(len(line) for t in column for line in t.split("\n")) for column in texts]
    spare = room - sum(widths)

    def lines(j: int, w: int) -> float:  # a heading's extra line costs less than a row's
        return _line_count(texts[j][1:], w, kinds[j], breaks[j]) + 0.5 * len(wrap_cell(texts[j][0], w))

    while spare > 0:
        best, best_gain, best_step = -1, 0.0, 0
        for j in range(len(texts)):
            now = lines(j, widths[j])
            for step in range(1, min(spare, natural[j] - widths[j]) + 1):
                fewer = now - lines(j, widths[j] + step)
                if fewer > 0:
                    if fewer / step > best_gain:
                        best, best_gain, best_step = j, fewer / step, step
                    break
        if best < 0:
            break
        widths[best] += best_step
        spare -= best_step
    return widths


def print_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], legend: str = "") -> None:
    """Print a table that fits the terminal (or ``COLUMNS``), its title above it and a legend under it; columns
    left out for want of room are named under the table."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = _console()
    shown, widths, heads = fit_columns(columns, rows, console.width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    justify = ["right" if columns[i].kind == "number" and k > 0 else "left" for k, i in enumerate(shown)]
    for i, w, head, side in zip(shown, widths, heads, justify):
        table.add_column(Text(terminal("\n".join(wrap_cell(head, w, columns[i].kind))), justify=side), justify=side,
                         width=w,
                         no_wrap=True)
    for row in rows:
        table.add_row(*(Text(terminal("\n".join(wrap_cell(row[i], w, columns[i].kind))), justify=side)
                        for i, w, side in zip(shown, widths, justify)))
    console.print(Text(terminal(title), style="bold"))
    console.print(table)
    left_out = [columns[i].heading for i in range(len(columns)) if i not in shown]
    if left_out:
        console.print(f"Left out at this width: {'; '.join(left_out)} (widen the terminal or set COLUMNS).",
                      style="dim", markup=False, highlight=False)
    if legend:
        console.print(legend, style="dim", markup=False, highlight=False)


def say(text: str, dim: bool = False) -> None:
    """Print a sentence, wrapped at spaces to the terminal's width."""
    _console().print(terminal(text), style="dim" if dim else None, markup=False, highlight=False)


def _console() -> Any:
    """A console as wide as the terminal, else ``COLUMNS``, else 100 columns (so piped output stays readable)."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    if width is None and not sys.stdout.isatty():
        width = 100
    return Console(width=width)


# --- what each command prints -------------------------------------------------------------------------------------

RESULTS_LEGEND = ("(lo\u2013hi) and \u00b1: 95% CI \u00b7 resil.: mean health, 0 once dissolved \u00b7 end cause: "
                  "what ended most runs")


def print_results(results: Any) -> None:
    """The results table of a run: one row per plan, and a one-line legend."""
    summary = results.summary()
    s = results.scenario
    unit = s.time_unit
    title = f"{s.name} \u2014 {results.runs:,} runs per plan, seed {results.seed}"
    if s.overrides:
        title += " \u2014 with " + ", ".join(override_texts(s.overrides))
    plans = summary["plans"]
    scale = MoneyScale.of([x for p in plans.values() for x in (p["npv"]["mean"], p["npv"]["p10"], p["npv"]["p90"])])
    rows = []
    for name, p in plans.items():
        surv = p["survival"]
        npv = p["npv"]
        causes = {k: v for k, v in p["end_causes"].items() if k != "survived" and v > 0}
        top = max(causes, key=causes.get) if causes else "\u2014"
        half = "" if npv["ci95"][0] is None else f" \u00b1 {scale.number((npv['ci95'][1] - npv['ci95'][0]) / 2)}"
        rows.append([
            name,
            f"{format_share(surv['estimate'])} ({share_interval(*surv['ci95'])})",
            median_life(p["lifetime"]["p50"], s.horizon, unit, surv["estimate"], unit=False),
            f"{scale.number(npv['mean'])}{half}",
            f"{scale.number(npv['p10'])} to {scale.number(npv['p90'])}",
            format_health(p['resilience']['mean']),
            f"{top} ({format_share(causes[top])})" if causes else "\u2014",
        ])
    units = plural(unit)
    columns = [Column("plan", "name"), Column(f"survival, {format_length(s.horizon, unit)}", short="survival"),
               Column(f"median life ({units})", short=f"median ({units})"),
               Column(f"mean NPV \u00b1 ({s.currency})" if s.currency else "mean NPV \u00b1", short="mean NPV \u00b1"),
               Column("NPV P10 to P90", keep=1, short="P10 to P90"), Column("resil.", keep=2),
               Column("main end cause", "name", keep=3, short="end cause")]
    print_table(title, columns, rows, RESULTS_LEGEND)
    partner = partner_finding(summary)  # with partners: who is most likely to leave, as the deck and brief say it
    if partner:
        say(partner)


def _ci(entry: dict[str, Any], pct: bool = False, scale: MoneyScale | None = None) -> str:
    """``+6.91 [+5.9, +7.9]`` in one money scale, or survival in whole percentage points: ``+18 [+14, +23]``."""
    money = scale or MoneyScale.of([entry["mean"], *(x for x in entry["ci95"] if x is not None)])
    fmt = (lambda x: points_change(x)) if pct else (lambda x: signed_number(x, money))
    lo, hi = entry["ci95"]
    band = f" [{fmt(lo)}, {fmt(hi)}]" if lo is not None else ""
    return f"{fmt(entry['mean'])}{band}"


def _verdict(entry: dict[str, Any], runs: Any, kind: str) -> str:
    """The effect's verdict in words (:func:`allysim.findings.verdict_words`)."""
    return verdict_words(Evidence.of(entry, runs), kind)


def _noise_legend(runs: Any, data: dict[str, Any] | None = None) -> str:
    material = ((data or {}).get("materiality") or {}).get("value")
    threshold = f" and the mean exceeds the materiality, {format_amount(material)}" if material else ""
    return (f"[lo, hi]: paired 95% CI over {int(runs or 0):,} runs; survival in percentage points; a verdict only "
            f"when the CI excludes zero{threshold}; 'about break even': a smaller effect, known to within twice the "
            "materiality; else 'within the noise'.")


def print_compare(data: dict[str, Any]) -> None:
    plans = data["plans"]
    scale = MoneyScale.of([x for p in plans.values() for x in (p["npv"]["mean"], *p["npv"]["ci95"]) if x is not None])
    rows = [[name, _ci(p["npv"], scale=scale), _ci(p["survival"], pct=True), f"{format_share(p['p_better'])}",
             _verdict(p["npv"], data["runs"], "plan")] for name, p in plans.items()]
    print_table(f"{data['scenario']} \u2014 each plan minus {data['baseline']}, paired over {data['runs']:,} runs",
                [Column("plan", "name"), Column(f"NPV difference ({data['currency']})", short="NPV difference"),
                 Column("survival (points)", short="survival, pts"), Column("P(NPV better)", keep=1),
                 Column("verdict", "text")], rows, _noise_legend(data["runs"], data))


def print_value(data: dict[str, Any]) -> None:
    items = data["contingencies"]
    scale = MoneyScale.of([x for c in items.values() for x in (c["shapley_npv"], c["shapley_npv"] + c["cost"],
                                                                  c["cost"])])
    rows = []
    for cid, c in items.items():
        net = {"mean": c["shapley_npv"], "ci95": c.get("shapley_npv_ci95") or [None, None],
               "verdict": c.get("shapley_verdict")}
        gross = c["shapley_npv"] + c["cost"]
        ratio = format_ratio(gross / c["cost"]) if c["cost"] > 0 else "free"
        survival = {"mean": c["shapley_survival"], "ci95": c.get("shapley_survival_ci95") or [None, None]}
        rows.append([cid, _ci(net, scale=scale), signed_number(gross, scale), scale.number(c["cost"]), ratio,
                     _verdict(net, data["runs"], "contingency"), _ci(survival, pct=True)])
    total = data["total"]
    print_table(f"{data['scenario']} \u2014 contingencies of plan {data['plan']} ({data['method']} Shapley); whole "
                f"plan: NPV {_ci(total['npv'])}, survival {_ci(total['survival'], pct=True)} points",
                [Column("contingency", "name"), Column(f"net NPV ({data['currency']})", short="net NPV"),
                 Column("gross NPV", keep=3), Column("cost", keep=2), Column("gross/cost", keep=4, short="ratio"),
                 Column("verdict", "text"), Column("survival (points)", keep=1, short="survival, pts")], rows,
                "Net NPV = gross NPV (before its cost) \u2212 cost: each contingency's fair (Shapley) share of the plan's "
                "effect. " + _noise_legend(data["runs"], data))


def print_drivers(data: dict[str, Any]) -> None:
    ranked = sorted(data["risks"].items(), key=lambda kv: -kv[1]["npv"]["mean"])
    scale = MoneyScale.of([x for _, r in ranked for x in (r["npv"]["mean"], *r["npv"]["ci95"]) if x is not None])
    rows = [[rid, _ci(r["npv"], scale=scale), _ci(r["survival"], pct=True),
             _verdict(r["npv"], data["runs"], "risk")] for rid, r in ranked]
    env = data.get("environment")
    if env is not None:  # what holding the environment in its initial state gains
        rows.append(["(environment changes)", _ci(env["npv"], scale=scale), _ci(env["survival"], pct=True),
                     _verdict(env["npv"], data["runs"], "risk")])
    print_table(f"{data['scenario']} \u2014 what each risk costs under plan {data['plan']} (removing it gains)",
                [Column("risk", "name"), Column(f"NPV cost ({data['currency']})", short="NPV cost"),
                 Column("survival cost (points)", short="survival, pts"), Column("verdict", "text")], rows,
                _noise_legend(data["runs"], data))


def print_sweep(data: dict[str, Any]) -> None:
    plans = list(data["plans"])
    scale = MoneyScale.of([point["npv"]["mean"] for p in plans for point in data["plans"][p]])
    rows = []
    for k, value in enumerate(data["values"]):
        best = data["best"][k]
        cells = [f"{format_share(data['plans'][p][k]['survival']['estimate'])} / "
                 f"{scale.number(data['plans'][p][k]['npv']['mean'])}" for p in plans]
        verdict = best["plan"] + ("" if best.get("clear", True) else " (within the noise)")
        rows.append([str(value), *cells, verdict])
    print_table(f"{data['scenario']} \u2014 {data['parameter']} swept over {len(data['values'])} values, "
                f"{data['runs']:,} runs each on seed {data['seed']}",
                [Column(data["parameter"], "name"), *(Column(f"{p}: survival / NPV", "name") for p in plans),
                 Column("best by NPV", "name")], rows)


def print_optimize(data: dict[str, Any]) -> None:
    portfolios = data["portfolios"]

    def name(i: int | None) -> str:
        if i is None:
            return "\u2014"
        return portfolio_words(portfolios[i]["contingencies"])

    objective = data.get("objective", "npv")
    rows, runners = [], []
    chosen = [portfolios[i] for i in data["best"].values() if i is not None]
    cost_scale = MoneyScale.of([p["cost"]["mean"] for p in chosen])  # one rounding per column
    npv_scale = MoneyScale.of([p["npv"]["mean"] for p in chosen])
    labels = {"npv": "highest NPV", "survival": "highest survival", "cvar10": "best worst 10% (CVaR)",
              "p_loss": "fewest losing runs"}
    if data.get("budget") is not None:
        labels["survival_within_budget"] = f"highest survival within {format_amount(data['budget'])}"
    points = {"survival", "survival_within_budget", "p_loss"}  # margins in percentage points, not money
    for key, label in labels.items():
        i = data["best"].get(key)
        if i is None:
            continue
        label += " (objective)" if key == objective else ""
        p = portfolios[i]
        versus = data["versus_runner_up"].get(key)
        margin = "\u2014"
        if versus:
            field = "survival" if key == "survival_within_budget" else key
            diff = versus[field]
            judged = Evidence.of(diff, data.get("runs"))
            if "verdict" not in diff:  # a file written before verdicts: its clear_* flag says it
                judged = Evidence(0.0, decided="better" if versus.get(f"clear_{field}") else "unclear")
            words = "" if judged.clear else ", about the same" if judged.tied else ", within the noise"
            margin = _ci(diff, pct=key in points) + (" points" if key in points else "") + words
            runners.append(f"{label}: the runner-up is {name(versus['runner_up'])}")
        rows.append([label, name(i), cost_scale.number(p["cost"]["mean"]), npv_scale.number(p["npv"]["mean"]),
                     f"{format_share(p['survival']['estimate'])} ({share_interval(*p['survival']['ci95'])})", margin])
    method = "every portfolio" if data["method"] == "exact" else "HEURISTIC (greedy), not every portfolio"
    print_table(f"{data['scenario']} \u2014 {len(portfolios):,} portfolios of {len(data['candidates'])} "
                f"contingencies ({method}), {data['runs']:,} runs each on seed {data['seed']}",
                [Column("best by", "text"), Column("portfolio", "name"), Column("cost", keep=2),
                 Column("NPV", keep=3), Column("survival (95% CI)", short="survival"),
                 Column("margin over the runner-up (paired 95% CI)", "text", short="margin")], rows,
                "; ".join(runners) + "." if runners else "")
    if data.get("budget") is not None and data["best"].get("survival_within_budget") is None and portfolios:
        cheapest = min(range(len(portfolios)), key=lambda i: portfolios[i]["cost"]["mean"])
        say(f"no portfolio costs at most the budget of {format_amount(data['budget'])}: the cheapest, "
            f"{name(cheapest)}, costs {format_amount(portfolios[cheapest]['cost']['mean'])}")
    dominated = {p: e for p, e in data["plans"].items() if e.get("dominated_by") is not None}
    for plan, e in dominated.items():
        say(dominated_words(plan, name(e["dominated_by"]), e["dominance"]["clear_npv"]
                            or e["dominance"]["clear_survival"]))


def print_sensitivity(data: dict[str, Any]) -> None:
    from .findings import sensitivity_findings

    rows = []
    npv_scale = MoneyScale.of([x for e in data["inputs"].values() for x in (e["npv"]["at_p10"], e["npv"]["at_p90"])])
    for path, e in data["inputs"].items():
        switches = e.get("switches") or ([e["switch"]] if e.get("switch") else [])  # every crossing, in order
        inputs = MoneyScale.of([e["p10"], e["p90"]])  # an input's own unit, both ends alike
        rows.append([path, f"{inputs.number(e['p10'])} to {inputs.number(e['p90'])}",
                     f"{npv_scale.number(e['npv']['at_p10'])} to {npv_scale.number(e['npv']['at_p90'])}",
                     f"{format_share(e['survival']['at_p10'])} to {format_share(e['survival']['at_p90'])}",
                     format_share(e["variance_share"]["npv"]),
                     ", ".join(inputs.number(w["value"]) for w in switches) or "\u2014"])
    against = data.get("against")
    print_table(f"{data['scenario']} \u2014 plan {data['plan']}"
                + (f" against {against}, P(NPV better) {format_share(data['p_better'])}" if against else ""),
                [Column("input", "name"), Column("P10 to P90"),
                 Column(f"NPV at P10 to P90 ({data['currency']})", short="NPV at P10 to P90"),
                 Column("survival at P10 to P90", short="survival"), Column("NPV variance share", keep=1,
                                                                              short="variance"),
                 Column("switches at", keep=2)], rows)
    words = sensitivity_findings(data)
    say(words["headline"] + ".")
    say(words["switch"] + ".")


def print_calibration(data: dict[str, Any]) -> None:
    """The calibration table: per cause, each model's fit and AIC, the chosen one starred."""
    def fit(cause: dict[str, Any], model: str) -> str:
        m = cause["models"].get(model)
        if not m:
            return "\u2014"
        if model == "exponential":
            text = f"rate {format_number(m['rate']['estimate'], 4, trim=True)}"
        elif model == "weibull":
            text = (f"shape {format_number(m['shape']['estimate'], trim=True)}, "
                    f"scale {format_number(m['scale']['estimate'], 4, trim=True)}")
        else:
            text = f"{len(m['rates'])} steps"
        return f"{'* ' if cause['chosen'] == model else ''}{text} (AIC {format_number(m['aic'], decimals=1)})"

    unit = data["time_unit"]
    rows = [[name, f"{c['events']:,}", fit(c, "exponential"), fit(c, "weibull"), fit(c, "steps")]
            for name, c in data["causes"].items()]
    columns = [Column("cause", "name"), Column("endings", "number"), Column(f"constant (per {unit})"),
               Column(f"Weibull ({plural(unit)})"), Column("steps")]
    print_table(f"{data['n']:,} histories, {data['events']:,} endings, {format_number(data['exposure'], 6, trim=True)} {plural(unit)} at "
                "risk", columns, rows, "* chosen (lowest AIC with --model best); intervals in calibration.json")


def print_sharing(data: dict[str, Any]) -> None:
    """The closing line of a study: how much was simulated, how much derived from shared paths."""
    s = data.get("sharing")
    if s is None:
        return
    if s["exhaustive"]:
        echo(f"sharing: all {s['replications']:,} replications simulated (--exhaustive)")
        return
    share = s["derived"] / s["replications"] if s["replications"] else 0.0
    echo(f"sharing: {s['simulated']:,} of {s['replications']:,} replications simulated, {s['derived']:,} "
         f"({share:.0%}) derived from identical paths")
