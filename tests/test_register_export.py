"""allysim export, and registers carrying every partner-related field (SPEC sections 11 and 12): a risk's
impact.exit, escalations and rate factors on a partner's exit hazard, exit triggers with retain and replace, review
conditions on partners, an environment scaling exit hazards, candidates in plans; what a register cannot carry is
refused with one located line and nothing written."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.register import import_register
from allysim.register.carry import facts

DATA = Path(__file__).parent / "data"
RICH = DATA / "partners_register.yaml"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """The partner-rich scenario exported once as a workbook and once as a CSV folder."""
    root = tmp_path_factory.mktemp("exported")
    out = {"xlsx": root / "rich.xlsx", "csv": root / "rich"}
    for path in out.values():
        result = invoke("export", str(RICH), "--out", str(path))
        assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_partner_rich_scenario_round_trips_through_a_register(exported, form):
    scenario = allysim.load_scenario(RICH)
    again = allysim.parse_scenario(import_register(exported[form]))
    assert facts(again) == facts(scenario)
    # the round trip holds what the scenario says, not defaults that happen to agree
    assert again.risks[0].impact.exit["northwind"] == 0.4 and "risks.ownership_change.impact.exit.contoso" in \
        again.uncertain
    assert again.risks[0].impact.escalates[0].partner == "litware"
    assert again.contingencies[2].effect.rate_factor[0].partner == "northwind"
    assert again.contingencies[3].trigger.condition.partners_below == 3
    assert again.contingencies[4].trigger.condition.share_below == 0.7
    assert again.environment.states["crisis"].exits == {"northwind": 2, "contoso": 1.5}
    assert again.materiality == 200_000 and again.correlations[0].rho == 0.5
    assert again.plan_sets["with_fabrikam"][0] == "fabrikam"


def test_the_register_cells_read_as_a_strategist_writes_them(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])

    def rows(sheet: str) -> list[dict]:
        values = [[c.value for c in row] for row in wb[sheet].iter_rows()]
        return [dict(zip(values[0], row)) for row in values[2:]]

    risks, cascades, contingencies = rows("Risks"), rows("Cascades"), rows("Contingencies")
    assert risks[1]["exit"] == "litware: 0.1"
    assert risks[0]["exit"] == "{northwind: 0.4, contoso: {beta: {a: 2, b: 8}}}"  # uncertain: written as in YAML
    assert cascades[0]["escalates"] == "exit litware"
    assert [c["trigger"] for c in contingencies if c["trigger"]] == [
        "exit northwind", "exit", "health below 0.6", "review every 1 if partners below 3",
        "review 2, 4, 6 if share below 0.7"]
    assert contingencies[2]["rate_factor_risk"] == "exit northwind" and contingencies[0]["retain"] is True
    environment = rows("Environment")
    assert [(e["state"], e["initial"], e["exits"]) for e in environment] == [
        ("calm", 0.8, None), ("crisis", 0.2, "northwind: 2, contoso: 1.5")]
    assert rows("Correlations") == [{"between": "risks.market_slump.probability",
                                     "and": "partners.northwind.exit.rate", "rho": 0.5}]
    # the notes row explains each new column, and starts with '#' so that importing skips it
    notes = {c.value: wb["Environment"].cell(row=2, column=c.column).value for c in wb["Environment"][1]}
    assert notes["state"].startswith("#") and "PARTNER: FACTOR" in notes["exits"]


def test_an_environment_starting_in_one_state_round_trips(tmp_path):
    text = RICH.read_text().replace("initial: {calm: 0.8, crisis: 0.2}", "initial: calm")
    (tmp_path / "one.yaml").write_text(text)
    assert invoke("export", str(tmp_path / "one.yaml")).exit_code == 0
    again = allysim.parse_scenario(import_register(tmp_path / "one_register.xlsx"))
    assert again.environment.initial == "calm" and facts(again) == facts(allysim.load_scenario(tmp_path / "one.yaml"))


@pytest.mark.parametrize("sheet, row, column, value, expected", [
    ("Risks", 3, "exit", "northwind lots", "Risks!O3: exit: write PARTNER: PROBABILITY"),
    ("Risks", 3, "exit", "northwind: 1.5", "Risks!O3: exit: must be <= 1, got 1.5"),
    ("Risks", 3, "exit", "nobody: 0.1", "Risks!O3: exit: nobody: unknown partner 'nobody'"),
    ("Risks", 3, "exit", "market_slump: 0.1", "Risks!O3: exit: market_slump: 'market_slump' is a risk, not a "
                                              "partner"),
    ("Risks", 3, "exit", "northwind: 0.1; northwind: 0.2", "Risks!O3: exit: 'northwind' appears twice"),
    ("Cascades", 3, "escalates", "exit nobody", "Cascades!B3: escalates: unknown partner 'nobody'"),
    ("Contingencies", 5, "rate_factor_risk", "exit nobody", "Contingencies!J5: rate_factor_risk: unknown partner "
                                                            "'nobody'"),
    ("Contingencies", 7, "trigger", "review every 1 if partners below many",
     "Contingencies!C7: trigger: write review AGES (or review every X) if health below X"),
    ("Environment", 4, "exits", "nobody: 2", "Environment!E4: exits: nobody: unknown partner 'nobody'"),
    ("Environment", 4, "exits", "northwind: -1", "Environment!E4: exits: must be >= 0, got -1"),
    ("Environment", 3, "initial", "maybe", "Environment!B3: initial: write true (the alliance starts in this "
                                           "state) or a share such as 0.8, got 'maybe'"),
    ("Environment", 4, "transitions", "nowhere: 1", "Environment!F4: transitions: nowhere: unknown state "
                                                    "'nowhere'"),
    ("Correlations", 3, "rho", "2", "Correlations!C3: rho: must be <= 1, got 2"),
])
def test_a_bad_partner_cell_is_one_located_line_and_nothing_is_written(exported, tmp_path, sheet, row, column,
                                                                        value, expected):
    folder = tmp_path / "register"
    shutil.copytree(exported["csv"], folder)
    with open(folder / f"{sheet}.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[row - 1][rows[0].index(column)] = value
    with open(folder / f"{sheet}.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    result = invoke("import", str(folder), "--out", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{folder / (sheet + '.csv')}:{expected}"), lines
    assert "Traceback" not in result.output and not (tmp_path / "out.yaml").exists()


def test_export_refuses_what_a_register_cannot_carry_with_one_located_line(tmp_path):
    # a plan whose name starts with '#' would be read back as a comment row: the register cannot carry it
    source = tmp_path / "odd.yaml"
    source.write_text("allysim: 1\nname: Odd\nhorizon: 5\nrisks:\n  - {id: a, rate: 0.1, impact: {health: 0.1}}\n"
                      "contingencies:\n  - {id: c, trigger: {on: a}, effect: {reduce_impact: 0.5}}\n"
                      "plans:\n  none: []\n  '#1 choice': [c]\n")
    for out in (tmp_path / "odd.xlsx", tmp_path / "odd"):
        result = invoke("export", str(source), "--out", str(out))
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{source}:10:") and \
            "plans.#1 choice: a register cannot carry this (it would be lost)" in lines[0], lines
        assert not out.exists()


def test_export_refuses_a_scenario_that_does_not_validate_and_never_replaces_a_hand_edited_register(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(RICH.read_text().replace("rho: 0.5", "rho: 1.5"))
    result = invoke("export", str(bad))
    assert result.exit_code == 2 and result.stderr.startswith(f"{bad}:") and "rho" in result.stderr
    assert not (tmp_path / "bad_register.xlsx").exists()
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"a register edited by hand")
    result = invoke("export", str(RICH), "--out", str(mine))
    assert result.exit_code == 2 and "already exists and allysim did not write it" in result.stderr
    assert mine.read_bytes() == b"a register edited by hand"
    assert invoke("export", str(RICH), "--out", str(mine), "--force").exit_code == 0


def test_the_template_shows_the_new_columns_and_sheets_with_notes(tmp_path):
    assert invoke("import", "--template", str(tmp_path / "t.xlsx")).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    risks = [c.value for c in wb["Risks"][1]]
    assert "exit" in risks and wb["Risks"].cell(row=2, column=risks.index("exit") + 1).value
    for sheet in ("Environment", "Correlations"):
        assert all(c.value for c in wb[sheet][2]) and wb[sheet]["A2"].value.startswith("#")
    scenario = allysim.parse_scenario(import_register(tmp_path / "t.xlsx"))
    assert scenario.environment.states["downturn"].exits == {"contoso": 2}
    assert [c.between for c in scenario.correlations] == [("risks.supplier_exit.rate",
                                                           "risks.quality_failure.probability")]


def test_exporting_again_into_a_csv_folder_needs_force_and_leaves_no_stale_sheet(exported, tmp_path):
    folder = tmp_path / "register"
    shutil.copytree(exported["csv"], folder)  # holds Environment.csv and Correlations.csv
    plain = tmp_path / "plain.yaml"
    plain.write_text("allysim: 1\nname: Plain\nhorizon: 5\nrisks:\n  - {id: a, rate: 0.1, impact: {health: 0.1}}\n")
    result = invoke("export", str(plain), "--out", str(folder))
    assert result.exit_code == 2 and "add --force" in result.stderr
    assert invoke("export", str(plain), "--out", str(folder), "--force").exit_code == 0
    assert not (folder / "Environment.csv").exists() and not (folder / "Partners.csv").exists()
    assert facts(allysim.parse_scenario(import_register(folder))) == facts(allysim.load_scenario(plain))


def test_a_csv_register_refuses_text_a_spreadsheet_would_run_and_an_xlsx_keeps_it_as_text(tmp_path):
    source = tmp_path / "f.yaml"
    source.write_text("allysim: 1\nname: F\nhorizon: 5\nrisks:\n  - {id: a, name: \"=1+2\", rate: 0.1}\n")
    result = invoke("export", str(source), "--out", str(tmp_path / "csv"))
    assert result.exit_code == 2 and not (tmp_path / "csv").exists()
    assert result.stderr.startswith(f"{source}:5:") and "risks[0].name: starts with '='" in result.stderr
    assert invoke("export", str(source), "--out", str(tmp_path / "f.xlsx")).exit_code == 0
    cell = openpyxl.load_workbook(tmp_path / "f.xlsx")["Risks"]["B3"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")
    assert allysim.parse_scenario(import_register(tmp_path / "f.xlsx")).risks[0].name == "=1+2"
