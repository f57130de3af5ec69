"""The Partners sheet of a register (SPEC sections 11 and 12): import from xlsx and CSV, located errors, the exit
triggers, plans naming candidates, the template, and a scenario with partners surviving a round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.errors import RegisterError
from allysim.register import import_register
from allysim.register.export import scenario_tables, write_register
from allysim.scenario.yamlio import load_yaml

PARTNERS_HEADER = ["id", "name", "share", "required", "candidate", "exit_rate", "exit_probability",
                   "exit_health_below", "exit_health_factor", "contagion", "exit_health", "exit_cost", "setup_cost",
                   "per_time_cost", "hazard"]
REGISTER = {
    "Alliance": [["key", "value"], ["name", "Three partners"], ["horizon", "10 years"], ["value_rate", 12],
                 ["min_partners", 2], ["min_share", "50%"], ["runs", 500], ["seed", 5]],
    "Risks": [["id", "rate", "health_likely"], ["ownership_change", 0.1, 0.1]],
    "Contingencies": [["id", "trigger", "delay", "success", "retain", "replace", "per_activation_cost"],
                      ["retention_package", "exit northwind", None, "60%", "TRUE", None, "800k"],
                      ["backup_partner", "Exit", "6 months", None, None, "yes", "1M"]],
    "Partners": [PARTNERS_HEADER,
                 ["# notes row: skipped"] + [None] * 14,
                 ["northwind", "Northwind Traders", 0.5, "true", None, 0.04, None, 0.5, 3, 1.5, 0.2, "1M", None,
                  None, None],
                 ["contoso", None, 0.5, None, "no", None, "10%", None, None, None, None, None, None, None, None],
                 ["fabrikam", "Fabrikam", 0.5, None, True, None, None, None, None, None, None,
                  "{pert: {low: 1M, likely: 2M, high: 4M}}", "500k", "100k", "weibull 0.8 20"]],
    "Plans": [["plan", "contingencies"], ["incumbents", None], ["with_fabrikam", "fabrikam, retention_package"]],
}


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    c.data_type = "s"
    wb.save(path)
    return path


def _csv_folder(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.mkdir()
    for name, rows in sheets.items():
        with open(path / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in row] for row in rows])
    return path


def _edited(sheet: str, row: int, column: str, value) -> dict[str, list[list]]:
    copy = {k: [list(r) for r in v] for k, v in REGISTER.items()}
    copy[sheet][row - 1][copy[sheet][0].index(column)] = value
    return copy


def _facts(scenario: allysim.Scenario) -> tuple:
    return scenario.model_dump(), {k: u.distribution.model_dump() for k, u in scenario.uncertain.items()}


def test_a_partners_sheet_imports_every_column(tmp_path):
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "register.xlsx", REGISTER)))
    assert scenario.alliance.min_partners == 2 and scenario.alliance.min_share == 0.5
    north, contoso, fabrikam = scenario.partners
    assert (north.id, north.name, north.share, north.required, north.candidate) == \
        ("northwind", "Northwind Traders", 0.5, True, False)
    assert north.exit.rate == 0.04 and north.exit.contagion == 1.5
    assert (north.exit.health_below.x, north.exit.health_below.factor) == (0.5, 3)
    assert north.on_exit.health.value_ == 0.2 and north.on_exit.cost.value_ == 1_000_000
    assert contoso.exit.probability == 0.1 and not contoso.candidate and not contoso.required
    assert fabrikam.candidate and fabrikam.exit.hazard.weibull.shape == 0.8
    assert (fabrikam.cost.setup, fabrikam.cost.per_time) == (500_000, 100_000)
    assert fabrikam.on_exit.cost.mean() == pytest.approx(13e6 / 6)
    triggers = {c.id: c.trigger for c in scenario.contingencies}
    assert triggers["retention_package"].kind == "exit" and triggers["retention_package"].partner == "northwind"
    assert triggers["backup_partner"].kind == "exit" and triggers["backup_partner"].partner is None
    effects = {c.id: c.effect for c in scenario.contingencies}
    assert effects["retention_package"].retain and effects["backup_partner"].replace
    assert set(scenario.plan_sets["with_fabrikam"]) == {"retention_package", "fabrikam"}


def test_the_csv_folder_imports_to_the_same_scenario(tmp_path):
    sheets = {k: [list(r) for r in v] for k, v in REGISTER.items()}
    sheets["Partners"][4][4] = "TRUE"  # a CSV holds text
    from_csv = allysim.parse_scenario(import_register(_csv_folder(tmp_path / "reg", sheets)))
    from_xlsx = allysim.parse_scenario(import_register(_xlsx(tmp_path / "register.xlsx", REGISTER)))
    assert _facts(from_csv) == _facts(from_xlsx)


def test_a_scenario_with_partners_round_trips_through_a_register(tmp_path):
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "register.xlsx", REGISTER)))
    data, _ = load_yaml(import_register(tmp_path / "register.xlsx").encode(), "imported.yaml")
    tables, left_out = scenario_tables(data)
    assert left_out == []
    assert [r["id"] for r in tables["Partners"]] == ["northwind", "contoso", "fabrikam"]
    assert tables["Partners"][2]["hazard"] == "weibull 0.8 20"
    assert [r["trigger"] for r in tables["Contingencies"]] == ["exit northwind", "exit"]
    again = allysim.parse_scenario(import_register(write_register(tables, tmp_path / "again.xlsx")))
    assert _facts(again) == _facts(scenario)


@pytest.mark.parametrize("sheet, row, column, value, expected", [
    ("Partners", 3, "exit_rate", -0.1, "Partners!F3: exit_rate: must be >= 0, got -0.1"),
    ("Partners", 3, "required", "maybe", "Partners!D3: required: write true or false, got 'maybe'"),
    ("Partners", 3, "exit_probability", 0.2,
     "Partners!G3: fill one of exit_rate, exit_probability and hazard, not exit_rate and exit_probability"),
    ("Partners", 3, "exit_health_factor", None, "Partners!H3: exit_health_below needs exit_health_factor"),
    ("Partners", 4, "id", "northwind", "Partners!A4: duplicate id 'northwind' (also at A3)"),
    ("Partners", 4, "id", None, "Partners!A4: id is blank; give each partner an id"),
    ("Partners", 3, "share", "half", "Partners!C3: share: expected a number, got 'half'"),
    ("Contingencies", 2, "trigger", "exit nobody", "Contingencies!B2: trigger: unknown partner 'nobody'"),
    ("Contingencies", 2, "retain", "sometimes", "Contingencies!E2: retain: write true or false"),
    ("Plans", 3, "contingencies", "fabrikan", "Plans!B3: contingencies: unknown contingency or candidate partner "
                                              "'fabrikan' (did you mean 'fabrikam'?)"),
    ("Partners", 3, "exit_health_below", 2, "Partners!H3: exit_health_below: must be <= 1, got 2"),
])
@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_bad_partner_cell_is_one_located_line(tmp_path, sheet, row, column, value, expected, form):
    sheets = _edited(sheet, row, column, value)
    register = _xlsx(tmp_path / "bad.xlsx", sheets) if form == "xlsx" else _csv_folder(tmp_path / "bad", sheets)
    result = CliRunner().invoke(cli, ["import", str(register), "--out", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    file = register if form == "xlsx" else register / f"{sheet}.csv"
    assert len(lines) == 1 and lines[0].startswith(f"{file}:{expected}"), lines
    assert "Traceback" not in result.output and not (tmp_path / "out.yaml").exists()


def test_a_partners_sheet_without_its_id_column_is_one_line(tmp_path):
    sheets = {k: [list(r) for r in v] for k, v in REGISTER.items()}
    sheets["Partners"] = [r[1:] for r in sheets["Partners"]]
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "r.xlsx", sheets))
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith(f"{tmp_path / 'r.xlsx'}:Partners: missing column 'id', each partner's "
                                             "id; add it to the header row (row 1)")


def test_the_template_shows_the_partners_sheet_with_its_notes_row(tmp_path):
    result = CliRunner().invoke(cli, ["import", "--template", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Partners"]
    assert [c.value for c in ws[1]] == PARTNERS_HEADER[:7] + ["hazard"] + PARTNERS_HEADER[7:14]
    assert ws["A2"].value.startswith("#") and all(c.value for c in ws[2])
    scenario = allysim.parse_scenario(import_register(tmp_path / "t.xlsx"))
    assert [p.id for p in scenario.partners] == ["contoso"]
