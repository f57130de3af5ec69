"""The outputs of a run with partners (SPEC section 12): the partners chart, whose shares still in come from
runs.csv's exits, agree with summary.json and with the closed form of exponential exits, and are what the chart
draws (`run` and `report` draw it for a scenario with partners only); and the workbook's Partners sheet."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from allysim.analysis import first_exits, partners_still_in
from allysim.cli import cli
from allysim.folder import load_output
from allysim.plotting import theme
from allysim.plotting.render import draw_charts
from allysim.wording import Evidence

from conftest import check_power, check_proportion

SEED = 20261207
RATES = {"a": 0.2, "b": 0.1}
HORIZON = 5.0
SCENARIO = f"""allysim: 1
name: pair
horizon: {HORIZON}
alliance: {{min_partners: 1}}
partners:
  - {{id: a, name: Alpha Corp, exit: {{rate: {RATES['a']}}}}}
  - {{id: b, exit: {{rate: {RATES['b']}}}}}
risks: []
"""


def _run(tmp_path: Path, text: str, runs: int, formats: str = "png") -> Path:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--runs", str(runs), "--seed", str(SEED),
                                      "--out", str(out), "--format", formats])
    assert result.exit_code == 0, result.output
    return out


def test_first_exits_read_the_first_exit_of_each_partner():
    first = first_exits(["a@1.5;b@2;a@3", "", "b@0.25"], ["a", "b", "c"])
    assert first["a"].tolist() == [1.5, math.inf, math.inf]
    assert first["b"].tolist() == [2.0, math.inf, 0.25]
    assert first["c"].tolist() == [math.inf] * 3


def test_shares_still_in_follow_the_exponential_and_end_at_the_summary_exit(tmp_path: Path):
    runs = 4000
    out = _run(tmp_path, SCENARIO, runs, formats="none")
    data = load_output(out)
    summary = json.loads((out / "summary.json").read_text())
    grid = np.array([0.0, 1.0, 2.5, HORIZON])
    shares = partners_still_in(data.exits["default"], ["a", "b"], grid)
    for q, lam in RATES.items():
        assert shares[q][0] == 1.0
        for t, share in zip(grid[1:], shares[q][1:]):
            expected = math.exp(-lam * t)  # min_partners 1: each partner leaves at its own rate, first exit only
            tol = check_proportion(round(share * runs), runs, expected, f"{q} still in at {t}")
        check_power(expected, math.exp(-(RATES["a"] + RATES["b"]) * HORIZON), tol,
                    "a partner counted gone when the other leaves")
        # at the horizon, the chart's share is one minus summary.json's exit probability, to the bit
        assert shares[q][-1] == 1.0 - summary["plans"]["default"]["partners"][q]["exit"]["estimate"]


def test_run_and_report_draw_the_partners_chart_with_its_data(tmp_path: Path):
    out = _run(tmp_path, SCENARIO, 500)
    assert (out / "partners.png").exists()
    (out / "partners.png").unlink()
    result = CliRunner().invoke(cli, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "partners.png").exists()
    data = load_output(out)
    figures = draw_charts(data)
    fig = figures["partners"]
    title = theme.title_of(fig)
    summary = data.summary["plans"]["default"]
    assert title.startswith("Alpha Corp is the partner most likely to leave")  # the display name, rate 0.2 > 0.1
    drawn = {ax.get_title(loc="left"): ax.get_lines()[0] for ax in fig.axes if ax.get_lines()}
    assert set(drawn) == {"Alpha Corp", "b"}
    grid = data.health.grid
    expected = partners_still_in(data.exits["default"], ["a", "b"], grid)
    for q, heading in (("a", "Alpha Corp"), ("b", "b")):
        x, y = drawn[heading].get_data()
        assert np.array_equal(np.asarray(x), grid) and np.array_equal(np.asarray(y), expected[q])
    bars = [ax for ax in fig.axes if ax.get_xlabel() == "Partners still in at the end"]
    heights = [patch.get_height() for patch in bars[0].patches]
    counts = [int(k) for k in bars[0].get_xticks()]  # from the fewest partners any run ends with to the most
    distribution = summary["partners_at_end"]["distribution"]
    assert counts == list(range(min(int(k) for k, v in distribution.items() if v > 0),
                                max(int(k) for k, v in distribution.items() if v > 0) + 1))
    assert heights == [distribution.get(str(k), 0.0) for k in counts]


def test_no_partners_chart_without_partners(tmp_path: Path):
    out = _run(tmp_path, """allysim: 1
name: solo
horizon: 3
risks:
  - {id: r, rate: 0.2, impact: {health: 0.5}}
""", 200)
    assert not (out / "partners.png").exists()
    assert "partners" not in draw_charts(load_output(out))


def test_the_workbook_has_a_partners_sheet_with_the_summary_numbers(tmp_path: Path):
    import openpyxl

    out = _run(tmp_path, SCENARIO.replace("risks: []", "risks: []\nplans: {alone: [], also: []}"), 300)
    result = CliRunner().invoke(cli, ["workbook", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    wb = openpyxl.load_workbook(out / "workbook.xlsx")
    assert wb.sheetnames.index("Partners") == wb.sheetnames.index("Summary") + 1
    rows = list(wb["Partners"].iter_rows(values_only=True))
    header = rows[2]
    table = [dict(zip(header, r)) for r in rows[3:7]]
    assert [(r["plan"], r["partner"]) for r in table] == [(p, q) for p in ("alone", "also") for q in ("a", "b")]
    for r in table:
        entry = summary["plans"][r["plan"]]["partners"][r["partner"]]
        assert r["exit probability"] == entry["exit"]["estimate"]
        assert [r["exit probability 95% CI low"], r["exit probability 95% CI high"]] == entry["exit"]["ci95"]
        assert r["mean tenure (years)"] == entry["tenure"]["mean"]
    assert table[0]["name"] == "Alpha Corp" and table[0]["exit probability"] > 0
    start = next(i for i, r in enumerate(rows) if r[0] == "Partners in at the end") + 1
    ends = [r[:3] for r in rows[start + 1:] if r[0] is not None]
    assert ends == [(p, k, summary["plans"][p]["partners_at_end"]["distribution"][str(k)])
                    for p in ("alone", "also") for k in range(3)]
    assert wb["Partners"].cell(4, 7).number_format == "0.0%"


def test_no_partners_sheet_without_partners(tmp_path: Path):
    import openpyxl

    out = _run(tmp_path, "allysim: 1\nname: solo\nhorizon: 3\nrisks:\n  - {id: r, rate: 0.2, impact: {health: 0.5}}\n",
               100, formats="none")
    assert CliRunner().invoke(cli, ["workbook", str(out)]).exit_code == 0
    assert "Partners" not in openpyxl.load_workbook(out / "workbook.xlsx", read_only=True).sheetnames


def test_the_deck_says_who_is_most_likely_to_leave_and_what_it_would_cost(tmp_path: Path):
    from pptx import Presentation

    text = SCENARIO.replace("risks: []", """risks:
  - {id: shock, rate: 0.3, impact: {health: 0.1, escalates: [{partner: a, factor: 2, duration: 1}]}}
contingencies:
  - {id: keep, trigger: {on: exit, partner: a}, success: 0.5, effect: {retain: true}}
  - {id: calm, trigger: {health_below: 0.8}, effect: {rate_factor: {partner: b, factor: 0.5, duration: 1}}}
plans: {none: [], both: [keep, calm]}""")
    out = _run(tmp_path, text, 300)
    runner = CliRunner()
    assert runner.invoke(cli, ["drivers", str(tmp_path / "s.yaml"), "--runs", "200", "--seed", str(SEED),
                               "--out", str(out)]).exit_code == 0
    result = runner.invoke(cli, ["deck", str(out)])
    assert result.exit_code == 0, result.output
    slides = [[s.text_frame.text for s in slide.shapes if s.has_text_frame] +
              [c.text for s in slide.shapes if s.has_table for row in s.table.rows for c in row.cells]
              for slide in Presentation(str(out / "deck.pptx")).slides]
    texts = [" ".join(t) for t in slides]
    partner = [t for t in texts if t.startswith("Alpha Corp is the partner most likely to leave")]  # its slide
    assert len(partner) == 1
    drivers = json.loads((out / "drivers.json").read_text())
    verdict = Evidence.of(drivers["partners"]["a"]["npv"], drivers["runs"],
                          materiality=drivers.get("materiality")).verdict
    if verdict == "better":  # an amount only within the evidence, else what the evidence allows
        assert "its possible exit costs" in partner[0] and "of NPV (95% CI" in partner[0]
    else:
        assert "what its possible exit costs in NPV is" in partner[0], (verdict, partner[0])
    said = partner[0][partner[0].index("Alpha Corp is the partner most likely to leave: it leaves in"):]
    summary = next(t for t in texts if t.startswith("Executive summary"))
    assert said.split(".")[0] in summary  # the executive summary's fourth finding says the same
    appendix = " ".join(texts)  # partner triggers, exit hazards and retention are named in the appendix
    assert "On Alpha Corp's exit" in appendix and "b exit hazard" in appendix and "Alpha Corp exit hazard" in appendix
    assert "keeps the leaving partner in" in appendix
