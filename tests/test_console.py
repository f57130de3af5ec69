"""What the terminal shows: tables as wide as the terminal (or COLUMNS) at most, names and risk ids never broken
inside a word, the legend line, and differences in survival in whole percentage points."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from allysim import console
from allysim.console import Column, fit_columns, wrap_cell

STRESS = Path(__file__).resolve().parent / "data" / "stress.yaml"
LONG_NAMES = ["do_nothing", "governance_and_escalation_with_legal_safeguards_phase_one",
              "operational_resilience_with_cyber_and_supply_protection", "financial_protection_with_hedging_and_escrow"]


def rejoined(lines: list[str]) -> str:
    """Undo a wrap: a line ending in ``_``, ``.`` or ``/`` continues on the next, any other line ends a word."""
    text = ""
    for line in lines:
        text += line if text == "" or text[-1] in "_./" else " " + line
    return text


@pytest.mark.parametrize("width", [6, 12, 20, 80])
def test_names_wrap_only_after_underscores_and_at_spaces(width: int) -> None:
    for name in [*LONG_NAMES, "r08_channel_conflict_between (8%)", "escalation_protocol + succession_plan"]:
        lines = wrap_cell(name, width, "name")
        assert rejoined(lines) == name, lines
        longest_piece = max(len(p) for p in re.split(r"(?<=_)| ", name))
        assert all(len(line) <= max(width, longest_piece) for line in lines), lines


def test_numbers_stay_whole_until_the_table_cannot_afford_it() -> None:
    columns = [Column("plan", "name"), Column("mean NPV \u00b1"), Column("NPV P10 to P90", keep=1)]
    rows = [[name, "\u22125.8M \u00b1 3.3M", "\u221228.2M to 19.2M"] for name in LONG_NAMES]
    shown, widths, _ = fit_columns(columns, rows, 100)
    assert shown == [0, 1, 2] and widths[1] >= len(rows[0][1]) and widths[2] >= len(rows[0][2])
    shown, widths, _ = fit_columns(columns, rows, 40)  # numbers break at their spaces, or a column goes
    assert sum(widths) + console.GAP * (len(shown) - 1) <= 40
    for i, w in zip(shown, widths):
        assert all(rejoined(wrap_cell(r[i], w, columns[i].kind)) == r[i] for r in rows)


def test_the_least_important_column_goes_first() -> None:
    columns = [Column("plan", "name"), Column("a" * 30, keep=2), Column("b" * 30, keep=1), Column("verdict", "text")]
    rows = [["x", "1" * 30, "2" * 30, "within the noise"]]
    shown, widths, _ = fit_columns(columns, rows, 60)
    assert shown == [0, 1, 3]
    assert sum(widths) + console.GAP * 2 <= 60


@pytest.fixture(scope="module")
def stress_results():
    from allysim.runner import simulate
    from allysim.scenario import load_scenario

    return simulate(load_scenario(STRESS), runs=60, seed=3, workers=1)


def fragments(output: str, names: list[str]) -> list[str]:
    """Words of a table's body (under its rule) that are part of one of ``names`` but do not start and end where a
    wrap may break it: ``legal_safegua`` and ``rds``."""
    body = output.split("\u2500\n", 1)[1].split("(lo\u2013hi)")[0]  # under the rule, above the legend
    bad = []
    for token in re.findall(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*", body):
        if token in ("to", "more", "than"):  # the words of a range and of a median life
            continue
        for name in names:
            start = name.find(token)
            if start < 0 or token == name:
                continue
            starts_well = start == 0 or name[start - 1] == "_"
            ends_well = start + len(token) == len(name) or token.endswith("_")
            if not (starts_well and ends_well) and not any(token == w for w in re.split(r"[_ ]", name)):
                bad.append(token)
    return bad


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_the_results_table_fits_without_breaking_a_name(stress_results, columns, monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    console.print_results(stress_results)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    summary = stress_results.summary()
    names = list(summary["plans"]) + list(summary["risks"])
    assert not fragments(out, names), fragments(out, names)
    for plan in summary["plans"]:  # every plan's name can be read back, whole
        pieces = re.split(r"(?<=_)", plan)
        assert all(piece.rstrip("_") in out for piece in pieces), plan
    legend = " ".join(lines[-2:]) if columns < 100 else lines[-1]
    for words in ("95% CI", "\u00b1", "resil.: mean health", "end cause"):
        assert words in legend, legend
    if columns >= 100:
        assert len(RESULTS := console.RESULTS_LEGEND) <= 100 and lines[-1] == RESULTS  # one line at 100 columns


def test_a_narrow_terminal_names_what_it_left_out(stress_results, monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    console.print_results(stress_results)
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "Left out at this width: NPV P10 to P90" in " ".join(out.split())


def test_survival_margins_read_in_points(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    diff = {"mean": 0.008, "ci95": [0.0001, 0.016]}
    portfolio = {"contingencies": ["a_b"], "cost": {"mean": 1.0}, "npv": {"mean": 2.0},
                 "survival": {"estimate": 0.563, "ci95": [0.507, 0.618]}}
    data = {"scenario": "S", "portfolios": [portfolio, dict(portfolio, contingencies=["c"])], "candidates": ["a_b", "c"],
            "method": "exact", "runs": 100, "seed": 1, "best": {"survival": 0},
            "versus_runner_up": {"survival": {"survival": diff, "clear_survival": False, "runner_up": 1}},
            "plans": {}}
    console.print_optimize(data)
    out = " ".join(capsys.readouterr().out.split())
    assert "+1 [0, +2] points, within the noise" in out
    assert "56% (51\u201362%)" in out
    assert not re.search(r"[+\u2212-]\d+(\.\d+)?%", out)


@pytest.mark.parametrize("columns", [80, 100])
def test_headings_of_name_columns_wrap_like_their_cells(columns, monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    plans = ["do_nothing", "governance", "legal_safeguards_with_exit_clauses", "full"]
    cols = [Column("horizon", "name"), *(Column(f"{p}: survival / NPV", "name") for p in plans),
            Column("best by NPV", "name")]
    rows = [["4.0", *(["57% / 17.5"] * len(plans)), "governance (within the noise)"]]
    console.print_table("t", cols, rows)
    out = capsys.readouterr().out
    assert "\u2026" not in out  # nothing cut short by the terminal
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "safeguards_" in out and "exit_" in out
