"""The results workbook: numbers against summary.json, study sheets, streamed runs, pictures, text never a formula."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import allysim.workbook as workbook_module
from allysim.cli import cli
from allysim.workbook import write_workbook

HOSTILE = "plan =cmd|' /C calc'!A0"  # a plan name may not start with '=' (runs.csv); the others here do
SCENARIO = f"""\
allysim: 1
name: "+Workbook alliance"
horizon: 4
seed: 5
runs: 200
discount_rate: 0.05
alliance:
  health: {{dissolve_below: 0.3, recovery: 0.2}}
  value_rate: 10
risks:
  - id: dispute
    name: "@SUM(1+1)"
    rate: 0.5
    impact: {{health: {{uniform: {{low: 0.1, high: 0.3}}}}, cost: 1.0, fatal: 0.1}}
contingencies:
  - id: mediation
    trigger: {{on: dispute}}
    success: 0.7
    effect: {{reduce_impact: 0.5}}
    cost: {{per_activation: 0.2}}
plans:
  none: []
  "{HOSTILE}": [mediation]
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """An output folder of `run` (with PNG charts) and `compare`, plus the scenario beside it."""
    root = tmp_path_factory.mktemp("wb")
    scenario = root / "alliance.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = root / "out"
    for command in ("run", "compare"):
        result = invoke(command, str(scenario), "--out", str(out), "--workers", "1", "--quiet")
        assert result.exit_code == 0, result.output
    assert (out / "scenario.yaml").read_bytes() == scenario.read_bytes()  # the run copies its scenario in
    return out


def _values(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _row(ws, label: str) -> list:
    return next(r for r in _values(ws) if r and r[0] == label)


def test_summary_numbers_are_summary_json_as_real_numbers_with_formats(folder, tmp_path):
    path, notes = write_workbook(folder, tmp_path / "w.xlsx")
    assert notes == []
    summary = json.loads((folder / "summary.json").read_text())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Compare", "Assumptions", "Runs"]
    ws = wb["Summary"]
    header = next(r for r in ws.iter_rows() if r[0].value == "measure")
    plans = [c.value for c in header[1:] if c.value is not None]
    assert plans == list(summary["plans"]) == ["none", HOSTILE]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value}
    checks = {"Survival to 4 years (probability)": (("survival", "estimate"), "0.0%"),
              "NPV mean (USD)": (("npv", "mean"), "#,##0.00"),
              "NPV P90 (USD)": (("npv", "p90"), "#,##0.00"),
              "Lifetime mean (years)": (("lifetime", "mean"), "0.000"),
              "Risk cost, mean (USD)": (("risk_cost", "mean"), "#,##0.00"),
              "Resilience, mean (time-average health, 0 to 1)": (("resilience", "mean"), "0.000")}
    for label, (keys, fmt) in checks.items():
        for plan, c in zip(plans, rows[label][1:]):
            expected = summary["plans"][plan]
            for key in keys:
                expected = expected[key]
            assert c.value == expected and isinstance(c.value, (int, float)), (label, plan)
            assert c.number_format == fmt, label
    for plan, c in zip(plans, rows["ended by dispute"][1:]):
        assert c.value == summary["plans"][plan]["end_causes"]["dispute"] and c.number_format == "0.0%"
    assert ws.freeze_panes == f"B{header[0].row + 1}"
    assert rows["Scenario sha256"][1].value == summary["scenario_sha256"]
    assert rows["Seed"][1].value == summary["seed"] and rows["Runs per plan"][1].value == summary["runs"]
    assert "same scenario" in rows["Consistency"][1].value
    assert len(ws._images) == 4  # survival, npv, health, causes


def test_compare_sheet_holds_compare_json(folder, tmp_path):
    path, _ = write_workbook(folder, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(path)["Compare"]
    data = json.loads((folder / "compare.json").read_text())
    row = _row(ws, HOSTILE)
    header = _row(ws, "plan")
    got = dict(zip(header, row))
    entry = data["plans"][HOSTILE]
    assert got["NPV mean"] == entry["npv"]["mean"] and got["NPV 95% CI low"] == entry["npv"]["ci95"][0]
    assert got["survival mean"] == entry["survival"]["mean"] and got["P(better)"] == entry["p_better"]
    assert _row(ws, "baseline")[1] == "none"
    assert len(ws._images) == 1


def test_runs_sheet_is_runs_csv(folder, tmp_path):
    path, _ = write_workbook(folder, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(path, read_only=True)["Runs"]
    rows = list(ws.iter_rows(values_only=True))
    with open(folder / "runs.csv", newline="") as fh:
        expected = list(csv.reader(fh))
    assert list(rows[1]) == expected[0] and len(rows) == len(expected) + 1
    first = dict(zip(expected[0], rows[2]))
    source = dict(zip(expected[0], expected[1]))
    assert first["npv"] == float(source["npv"]) and first["run"] == int(source["run"])
    assert first["survived"] is (source["survived"] == "true")


def test_beyond_the_row_limit_the_runs_sheet_says_so(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook_module, "EXCEL_ROWS", 12)
    path, notes = write_workbook(folder, tmp_path / "w.xlsx")
    assert any("runs.csv holds 400 rows" in n for n in notes)
    ws = openpyxl.load_workbook(path, read_only=True)["Runs"]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 12 and "runs.csv" in rows[0][0] and "first 10" in rows[0][0]


def test_user_text_is_text_never_a_formula(folder, tmp_path):
    path, _ = write_workbook(folder, tmp_path / "w.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
    wb = openpyxl.load_workbook(path)
    seen = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value in (HOSTILE, "@SUM(1+1)", "+Workbook alliance")]
    assert {c.value for c in seen} == {HOSTILE, "@SUM(1+1)", "+Workbook alliance"}
    assert all(c.data_type == "s" for c in seen)


def test_assumptions_lay_out_the_scenario_like_a_register(folder, tmp_path):
    path, _ = write_workbook(folder, tmp_path / "w.xlsx")
    rows = _values(openpyxl.load_workbook(path)["Assumptions"])
    risk_header = next(r for r in rows if r[:2] == ["id", "name"] and "rate" in r)
    dispute = next(r for r in rows if r[0] == "dispute")
    got = dict(zip(risk_header, dispute))
    assert got["rate"] == 0.5 and got["fatal"] == 0.1 and got["cost_likely"] == 1
    assert any(r[:2] == [HOSTILE, "mediation"] for r in rows)


def test_every_study_present_gets_its_sheet(folder, tmp_path):
    studies = tmp_path / "studies"
    shutil.copytree(folder, studies)
    ci = {"mean": 1.5, "ci95": [1.0, 2.0]}
    surv = {"estimate": 0.6, "ci95": [0.5, 0.7]}
    (studies / "sweep.json").write_text(json.dumps({
        "parameter": "risks.dispute.rate", "values": [0.1, 0.5],
        "plans": {"none": [{"value": 0.1, "survival": surv, "npv": ci}, {"value": 0.5, "survival": surv, "npv": ci}]},
        "best": [{"value": 0.1, "plan": "none"}], "runs": 200, "seed": 5}))
    (studies / "optimize.json").write_text(json.dumps({
        "portfolios": [{"contingencies": [], "cost": {"mean": 0}, "npv": ci, "survival": surv},
                       {"contingencies": ["mediation"], "cost": {"mean": 0.3}, "npv": ci, "survival": surv}],
        "frontier": {"npv": [0, 1], "survival": [1]}, "best": {"npv": 1, "survival": 1, "survival_within_budget": None},
        "plans": {"none": {"index": 0, "dominated_by": 1}}, "candidates": {"mediation": "Mediation"},
        "runs": 200, "seed": 5}))  # every field report needs: the workbook reads a folder with the same checks
    (studies / "sensitivity.json").write_text(json.dumps({
        "plan": "none", "against": "none", "p_better": 0.4,
        "inputs": {"risks.dispute.rate": {"p10": 0.2, "p90": 0.8, "npv": {"at_p10": 3.0, "at_p90": 1.0},
                                          "survival": {"at_p10": 0.7, "at_p90": 0.4},
                                          "variance_share": {"npv": 0.5, "survival": 0.6},
                                          "difference": [{"value": 0.2, "npv": ci}, {"value": 0.8, "npv": ci}],
                                          "switch": None}},
        "runs": 100, "seed": 5}))
    path, notes = write_workbook(studies, tmp_path / "w.xlsx")
    assert any("sensitivity.json comes from runs 100 against 200" in n for n in notes)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Compare", "Optimize", "Sweep", "Sensitivity", "Assumptions", "Runs"]
    sweep = _values(wb["Sweep"])
    assert ["none", 0.5, 0.6, 0.5, 0.7, 1.5, 1.0, 2.0] in [r[:8] for r in sweep]
    optimize = _values(wb["Optimize"])
    assert [1, "mediation", 0.3] in [r[:3] for r in optimize]
    sensitivity = _values(wb["Sensitivity"])
    row = next(r for r in sensitivity if r[0] == "risks.dispute.rate")
    assert row[1:3] == [0.2, 0.8]
    assert any(r[:2] == [0.8, 1.5] for r in sensitivity)  # the difference curve, as its own table
    assert any("sensitivity.json comes from" in str(r[1]) for r in _values(wb["Summary"]))


def test_cli_workbook_default_path_and_bad_folder(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    result = invoke("workbook", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "workbook.xlsx").exists() and f"wrote {target / 'workbook.xlsx'}" in result.stdout
    result = invoke("workbook", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no such output folder" in result.stderr and "Traceback" not in result.output
    result = invoke("workbook", str(target), "--out", str(tmp_path / "w.csv"))
    assert result.exit_code == 2 and not (tmp_path / "w.csv").exists()


def test_control_characters_in_names_do_not_break_the_workbook(tmp_path):
    from allysim.spreadsheet import clean_text

    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "runs.csv").write_text("plan,run,lifetime,survived,end_cause,npv\nbell\x07plan,0,1.5,false,x,2.0\n")
    (folder / "compare.json").write_text(json.dumps({"scenario": "s\x01", "baseline": "a", "plans": {
        "b\x02": {"npv": {"mean": 1.0, "ci95": [0.5, 1.5]}, "survival": {"mean": 0.1, "ci95": [0.0, 0.2]},
                  "p_better": 0.6}}}))
    path, _ = write_workbook(folder)
    wb = openpyxl.load_workbook(path)
    assert wb["Runs"]["A3"].value == clean_text("bell\x07plan") == "bell\ufffdplan"
    assert wb["Runs"]["D3"].value is False and wb["Runs"]["C3"].value == 1.5
    assert any(c.value == "b\ufffd" for row in wb["Compare"].iter_rows() for c in row)
