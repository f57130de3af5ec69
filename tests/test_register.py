"""Risk registers: the template, importing a register filled in by hand (xlsx and CSV), located errors, the flagship."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import allysim
from allysim.cli import cli
from allysim.errors import RegisterError
from allysim.register import SHEETS, import_register
from allysim.register.export import scenario_tables, write_register
from allysim.scenario.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "joint_venture.yaml"
FLAGSHIP_REGISTER = ROOT / "scenarios" / "joint_venture_register.xlsx"

# A register as a person types it: units in cells, a percentage, numbers typed as text, blank cells for defaults,
# a comment row, a notes column. One risk ends the alliance at each occurrence with probability 1/2.
HAND = {
    "Alliance": [["key", "value", "notes"],
                 ["name", "Hand-filled alliance", "typed by a person"],
                 ["time_unit", "Years", None],
                 ["horizon", "60 months", "5 years"],
                 ["runs", 4000, None],
                 ["seed", 7, None],
                 ["value_rate", "1.2M", None],
                 ["discount_rate", "0%", None]],
    "Risks": [["id", "name", "rate", "fatal", "health_low", "health_likely", "health_high", "cost_likely"],
              ["# comment row: skipped", None, None, None, None, None, None, None],
              ["partner_exit", "Partner walks away", "0.2", 0.5, None, None, None, "250k"],
              ["friction", "Friction", 1, None, 0.0, 0.01, 0.02, None]],
    "Contingencies": [["id", "trigger", "success", "restore_health", "per_activation_cost"],
                      ["coaching", "friction", "90%", 0.01, "10k"]],
    "Plans": [["plan", "contingencies"], ["none", None], ["coached", "coaching"]],
}
HAND_RATE, HAND_FATAL, HAND_YEARS = 0.2, 0.5, 5.0


def _xlsx(path: Path, sheets: dict[str, list[list]], formulas: bool = False) -> Path:
    """Write ``sheets`` as a workbook; text starting with '=' is a formula only with ``formulas``."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if not formulas:
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


def _edited(sheets: dict[str, list[list]], sheet: str, row: int, column: int, value) -> dict[str, list[list]]:
    copy = {k: [list(r) for r in v] for k, v in sheets.items()}
    copy[sheet][row - 1][column - 1] = value
    return copy


def _facts(scenario: allysim.Scenario) -> tuple:
    """What a scenario says: its fields, and its uncertain parameters (kept apart from the fields)."""
    return scenario.model_dump(), {k: u.distribution.model_dump() for k, u in scenario.uncertain.items()}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --------------------------------------------------------------------------- the template


def test_template_has_every_sheet_headers_notes_lists_and_an_example(tmp_path):
    result = invoke("import", "--template", str(tmp_path / "register.xlsx"))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "register.xlsx")
    assert wb.sheetnames == ["Alliance", "Risks", "Cascades", "Contingencies", "Partners", "Environment",
                             "Correlations", "Plans"]
    for name, columns in SHEETS.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == [c.name for c in columns]
        notes = [c.value for c in ws[2]]
        assert all(notes) and notes[0].startswith("#")  # the importer skips it
        assert any(c.value is not None for c in ws[3]), f"{name} has no example row"
        assert ws.freeze_panes in ("A3", "B3")
    lists = {name: [dv.formula1 for dv in wb[name].data_validations.dataValidation] for name in SHEETS}
    assert '"pert,triangular,uniform"' in lists["Risks"]
    assert '"year,quarter,month,week,day"' in lists["Alliance"]
    assert '"dissolution,health below 0.5,review every 1 if health below 0.6,exit"' in lists["Contingencies"]
    assert '"true,false"' in lists["Partners"]
    # the example rows make a valid scenario
    text = import_register(tmp_path / "register.xlsx")
    assert allysim.parse_scenario(text).plan_sets == {"do_nothing": (), "backup": ("backup_supplier",)}


def test_template_and_register_arguments_exclude_each_other(tmp_path):
    result = invoke("import", "x.xlsx", "--template", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 2 and not (tmp_path / "t.xlsx").exists()
    assert invoke("import").exit_code == 2


# --------------------------------------------------------------------------- a register filled in by hand


def test_hand_filled_register_imports_validates_and_matches_the_closed_form(tmp_path):
    register = _xlsx(tmp_path / "hand.xlsx", HAND)
    result = invoke("import", str(register))
    assert result.exit_code == 0, result.output
    out = tmp_path / "hand.yaml"
    text = out.read_text(encoding="utf-8")
    assert "# Risks row 3" in text and "# Plans row 3" in text  # the comment row 2 is skipped, rows keep numbers
    scenario = allysim.load_scenario(out)
    risk = scenario.risk("partner_exit")
    assert scenario.horizon == pytest.approx(HAND_YEARS) and scenario.time_unit == "year"
    assert risk.rate == HAND_RATE and risk.impact.fatal == HAND_FATAL
    assert risk.impact.cost.mean() == 250_000 and scenario.alliance.value_rate == 1.2e6
    assert scenario.contingency("coaching").success == pytest.approx(0.9)
    assert scenario.risk("friction").impact.health.family == "pert"
    results = allysim.simulate(scenario, runs=4000, seed=7, plans=["none"])
    estimate = results.summary()["plans"]["none"]["survival"]["estimate"]
    # friction drops health at most 0.02 a time against dissolve_below 0.2 and never ends the alliance alone... but
    # only partner_exit can end it: fatal occurrences are a Poisson process of rate 0.2 x 0.5
    expected = math.exp(-HAND_RATE * HAND_FATAL * HAND_YEARS)
    se = math.sqrt(expected * (1 - expected) / 4000)
    assert abs(estimate - expected) < 4 * se
    causes = results.summary()["plans"]["none"]["end_causes"]
    assert causes["friction"] == 0


def test_csv_folder_imports_to_the_same_scenario_as_the_workbook(tmp_path):
    from_xlsx = import_register(_xlsx(tmp_path / "hand.xlsx", HAND))
    folder = _csv_folder(tmp_path / "hand", HAND)
    from_csv = import_register(folder)
    assert _facts(allysim.parse_scenario(from_csv)) == _facts(allysim.parse_scenario(from_xlsx))
    result = invoke("import", str(folder))
    assert result.exit_code == 0 and (tmp_path / "hand.yaml").exists()


def test_semicolon_csv_from_a_european_excel(tmp_path):
    folder = tmp_path / "eu"
    folder.mkdir()
    for name, rows in HAND.items():
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows([["" if v is None else v for v in r] for r in rows])
        (folder / f"{name}.csv").write_bytes(buffer.getvalue().encode("cp1252"))
    assert allysim.parse_scenario(import_register(folder)).name == "Hand-filled alliance"


def test_three_point_shapes_and_a_distribution_written_in_a_cell(tmp_path):
    sheets = {"Alliance": HAND["Alliance"],
              "Risks": [["id", "rate", "health_low", "health_likely", "health_high", "cost_low", "cost_high",
                         "value_factor", "value_duration", "distribution"],
                        ["a", 0.1, 0.1, 0.2, 0.4, None, None, None, None, "Triangular"],
                        ["b", 0.1, 0.1, None, 0.3, "1M", "2M", None, None, "uniform"],
                        ["c", 0.1, None, "{lognormal: {median: 0.1, p90: 0.3}}", None, None, None,
                         "{beta: {a: 6, b: 4}}", "18 months", None]]}
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "r.xlsx", sheets)))
    a, b, c = scenario.risks
    assert a.impact.health.family == "triangular"
    assert b.impact.health.family == "uniform" and b.impact.cost.family == "uniform"
    assert b.impact.cost.mean() == pytest.approx(1.5e6)
    assert c.impact.health.family == "lognormal" and c.impact.value.factor.family == "beta"
    assert c.impact.value.duration.mean() == pytest.approx(1.5)


def test_cascades_and_a_second_rate_factor_row(tmp_path):
    sheets = {"Alliance": HAND["Alliance"],
              "Risks": [["id", "rate"], ["a", 0.1], ["b", 0.2]],
              "Cascades": [["risk", "escalates", "factor", "duration"], ["a", "b", 2, "6 months"]],
              "Contingencies": [["id", "trigger", "rate_factor_risk", "rate_factor", "rate_factor_duration"],
                                ["calm", "health below 50%", "a", 0.5, None],
                                ["calm", None, "b", 0.8, 1]]}
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "r.xlsx", sheets)))
    esc = scenario.risk("a").impact.escalates[0]
    assert (esc.risk, esc.factor, esc.duration.mean()) == ("b", 2, 0.5)
    calm = scenario.contingency("calm")
    assert calm.trigger.health_below == 0.5
    assert [(f.risk, f.factor, f.duration) for f in calm.effect.rate_factor] == [("a", 0.5, None), ("b", 0.8, 1)]


# --------------------------------------------------------------------------- bad cells


@pytest.mark.parametrize("sheet, row, column, value, expected", [
    ("Risks", 3, 3, -0.2, "Risks!C3: rate: must be >= 0, got -0.2"),
    ("Risks", 3, 1, "partner exit", "Risks!A3: id: must be lowercase letters, digits and _"),
    ("Risks", 3, 8, "a lot", "Risks!H3: cost_likely: 'a lot' is not an amount of money"),
    ("Contingencies", 2, 2, "frictoin", "Contingencies!B2: trigger: unknown risk (or 'dissolution') 'frictoin' "
                                        "(did you mean 'friction'?)"),
    ("Plans", 3, 2, "coachng", "Plans!B3: contingencies: unknown contingency 'coachng' (did you mean 'coaching'?)"),
    ("Alliance", 4, 1, "horizn", "Alliance!A4: unknown key 'horizn' (did you mean 'horizon'?)"),
    ("Risks", 1, 4, "fatl", "Risks!D1: unknown column 'fatl' (did you mean 'fatal'?)"),
    ("Risks", 4, 6, 0.5, "Risks!E4: health_low..health_high: needs low <= likely <= high, got low 0, "
                        "likely 0.5, high 0.02"),
])
def test_a_bad_cell_is_one_located_line_exit_2_nothing_written(tmp_path, sheet, row, column, value, expected):
    register = _xlsx(tmp_path / "bad.xlsx", _edited(HAND, sheet, row, column, value))
    result = invoke("import", str(register))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 1 and all(line.startswith(f"{register}:") for line in lines), lines
    assert f"{register}:{expected}" in lines[0], lines
    assert "Traceback" not in result.output
    assert not (tmp_path / "bad.yaml").exists()


def test_a_misnamed_sheet_and_a_missing_sheet(tmp_path):
    sheets = dict(HAND)
    sheets["Risk"] = sheets.pop("Risks")
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "r.xlsx", sheets))
    text = "\n".join(info.value.problems)
    assert f"{tmp_path / 'r.xlsx'}:Risks!A1: missing sheet Risks" in text
    assert "unknown sheet 'Risk' (did you mean 'Risks'?)" in text


def test_every_problem_is_reported_at_once_in_sheet_order(tmp_path):
    sheets = _edited(_edited(HAND, "Contingencies", 2, 3, 2), "Risks", 4, 3, "fast")
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "r.xlsx", sheets))
    where = [p.split(":")[1].split(" ")[0] for p in info.value.problems]
    assert where == ["Risks!C4", "Contingencies!C2"], info.value.problems


def test_a_blank_required_value(tmp_path):
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "r.xlsx", _edited(HAND, "Alliance", 2, 2, None)))
    assert info.value.problems == [f"{tmp_path / 'r.xlsx'}:Alliance!B2: name is blank: give the name of the alliance"]


def test_not_a_register(tmp_path):
    (tmp_path / "r.xlsx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf")
    for name, expected in (("r.xlsx", "not a readable .xlsx workbook"), ("old.xls", "save it as Excel Workbook"),
                           ("missing.xlsx", "no such file")):
        result = invoke("import", str(tmp_path / name))
        assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.output


# --------------------------------------------------------------------------- formulas and macros


def _with_cached_value(path: Path, cached: str) -> None:
    """Give the workbook's formulas a saved value, as Excel or LibreOffice would after calculating."""
    data = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data[info.filename] = archive.read(info.filename)
    data["xl/worksheets/sheet2.xml"] = data["xl/worksheets/sheet2.xml"].replace(b"<v></v>", f"<v>{cached}</v>".encode())
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in data.items():
            archive.writestr(name, content)


def test_formula_cells_are_read_as_their_saved_values_and_never_evaluated(tmp_path):
    path = _xlsx(tmp_path / "f.xlsx", _edited(HAND, "Risks", 3, 3, "=1/5"), formulas=True)
    with pytest.raises(RegisterError) as info:
        import_register(path)
    assert info.value.problems == [f"{path}:Risks!C3: rate: is a formula with no saved value (the file was written "
                                   "by a program that does not calculate); open and save it in Excel or LibreOffice, "
                                   "or type the value"]
    _with_cached_value(path, "0.125")  # deliberately not 1/5: the saved value is what counts
    scenario = allysim.parse_scenario(import_register(path))
    assert scenario.risk("partner_exit").rate == 0.125


def test_macros_are_never_run_nor_kept(tmp_path):
    path = _xlsx(tmp_path / "m.xlsm", HAND)
    with zipfile.ZipFile(path, "a") as archive:
        macro = b"Attribute VB_Name = \"Module1\"\nSub Auto_Open()\nShell \"calc\"\nEnd Sub"
        archive.writestr("xl/vbaProject.bin", macro)
    text = import_register(path)
    assert "calc" not in text and allysim.parse_scenario(text).name == "Hand-filled alliance"


def test_user_text_stays_literal_in_the_yaml(tmp_path):
    hostile = "=cmd|' /C calc'!A0 \"quoted\" \\ \u2028 #not a comment"
    sheets = _edited(HAND, "Risks", 3, 2, hostile)
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "h.xlsx", sheets)))
    assert scenario.risk("partner_exit").name == hostile
    # a plan's name fills a column of runs.csv, where a spreadsheet would run it as a formula: refused, located
    sheets = _edited(sheets, "Plans", 2, 1, "=HYPERLINK(\"http://x\")")
    with pytest.raises(allysim.RegisterError) as info:
        import_register(_xlsx(tmp_path / "f.xlsx", sheets))
    assert len(info.value.problems) == 1 and "f.xlsx:Plans!" in info.value.problems[0]
    assert "starts with '=', which a spreadsheet opening runs.csv would run as a formula" in info.value.problems[0]


# --------------------------------------------------------------------------- the flagship register


def test_flagship_register_imports_to_the_flagship_scenario():
    text = import_register(FLAGSHIP_REGISTER)
    assert _facts(allysim.parse_scenario(text)) == _facts(allysim.load_scenario(FLAGSHIP))


def test_flagship_register_is_what_allysim_export_makes(tmp_path):
    result = invoke("export", str(FLAGSHIP), "--out", str(tmp_path / "made.xlsx"))
    assert result.exit_code == 0, result.output

    def cells(path: Path) -> dict:
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}

    assert cells(tmp_path / "made.xlsx") == cells(FLAGSHIP_REGISTER), \
        "run: allysim export scenarios/joint_venture.yaml --force"


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_every_example_scenario_survives_a_round_trip_through_a_register(tmp_path, form):
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data, _ = load_yaml(path.read_bytes(), str(path))
        assert scenario_tables(data)[1] == [], path.name  # nothing left out
        out = tmp_path / (f"{path.stem}.xlsx" if form == "xlsx" else path.stem)
        result = invoke("export", str(path), "--out", str(out))
        assert result.exit_code == 0, result.output
        again = allysim.parse_scenario(import_register(out))
        assert _facts(again) == _facts(allysim.load_scenario(path)), path.name


def test_a_bad_cell_in_a_csv_folder_names_the_csv_file(tmp_path):
    folder = _csv_folder(tmp_path / "reg", _edited(HAND, "Risks", 3, 3, "-0.2"))
    result = invoke("import", str(folder))
    assert result.exit_code == 2 and not (tmp_path / "reg.yaml").exists()
    assert result.stderr.strip() == f"{folder / 'Risks.csv'}:Risks!C3: rate: must be >= 0, got -0.2"


def test_a_workbook_that_expands_too_far_is_refused_before_parsing(tmp_path, monkeypatch):
    import allysim.register.reading as reading

    monkeypatch.setattr(reading, "MAX_UNZIPPED", 1000)
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "big.xlsx", HAND))
    assert "expands to" in info.value.problems[0] and "limit 1,000" in info.value.problems[0]


def test_an_uncertain_assumption_written_in_its_cell(tmp_path):
    sheets = _edited(HAND, "Risks", 3, 3, "{pert: {low: 0.1, likely: 0.2, high: 0.4}}")
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "u.xlsx", sheets)))
    rate = scenario.uncertain["risks.partner_exit.rate"].distribution
    assert rate.family == "pert" and (rate.low, rate.likely, rate.high) == (0.1, 0.2, 0.4)


# --------------------------------------------------------------------------- missing columns


def _without_column(sheets: dict[str, list[list]], sheet: str, column: str) -> dict[str, list[list]]:
    copy = {k: [list(r) for r in v] for k, v in sheets.items()}
    i = copy[sheet][0].index(column)
    copy[sheet] = [r[:i] + r[i + 1:] for r in copy[sheet]]
    return copy


@pytest.mark.parametrize("sheet, column", [("Plans", "contingencies"), ("Risks", "rate"), ("Risks", "id"),
                                           ("Contingencies", "trigger"), ("Plans", "plan"), ("Alliance", "value")])
@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_missing_column_is_one_line_naming_sheet_and_column_before_any_row(tmp_path, sheet, column, form):
    """Without Plans' contingencies column every plan would import empty; without Risks' rate every row would be
    told apart. Either way: one line naming the sheet and the column, exit 2, nothing written."""
    sheets = _without_column(HAND, sheet, column)
    register = _xlsx(tmp_path / "r.xlsx", sheets) if form == "xlsx" else _csv_folder(tmp_path / "r", sheets)
    result = invoke("import", str(register))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    file = register if form == "xlsx" else register / f"{sheet}.csv"
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{file}:{sheet}: missing column '{column}'"), lines
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.yaml"))


def test_rate_or_probability_is_enough_and_a_missing_column_comes_before_a_header_problem(tmp_path):
    sheets = _without_column(HAND, "Risks", "rate")
    sheets["Risks"][0].insert(2, "probability")
    for row, p in zip(sheets["Risks"][1:], (None, 0.2, 0.5)):
        row.insert(2, p)
    assert allysim.parse_scenario(import_register(_xlsx(tmp_path / "p.xlsx", sheets))).risks[0].probability == 0.2
    sheets = _without_column(_edited(HAND, "Risks", 1, 4, "fatl"), "Plans", "contingencies")
    with pytest.raises(RegisterError) as info:
        import_register(_xlsx(tmp_path / "r.xlsx", sheets))
    assert [p.split(": ")[0].split(":", 1)[1] for p in info.value.problems] == ["Risks!D1", "Plans"], \
        info.value.problems
    assert "missing column 'contingencies'" in info.value.problems[1]


def test_the_template_without_its_id_column_names_the_column_not_the_notes_row(tmp_path):
    invoke("import", "--template", str(tmp_path / "t.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    wb["Risks"].delete_cols(1)
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(RegisterError) as info:
        import_register(tmp_path / "t.xlsx")
    assert len(info.value.problems) == 1 and "Risks: missing column 'id'" in info.value.problems[0]
    from allysim.register.reading import Source, read_table

    problems: list[str] = []
    table = read_table(Source.open(tmp_path / "t.xlsx"), "Risks", "Risks", problems)
    assert table.rows and min(r.number for r in table.rows) == 3 and not problems  # row 2 holds the notes


# --------------------------------------------------------------------------- hazards by age and reviews (SPEC 13)

AGED = {
    "Alliance": [["key", "value"], ["name", "Aged"], ["horizon", 10]],
    "Risks": [["id", "rate", "hazard", "fatal", "health_likely"],
              ["ending", None, "weibull 0.56 81", 1, None],
              ["strain", None, "steps 0:0.05, 2:0.2; 6:0.08", None, 0.1],
              ["slow", None, "weibull 2 30 months", None, 0.1]],
    "Contingencies": [["id", "trigger", "restore_health"],
                      ["yearly", "review every 1 if health below 0.6", 0.2],
                      ["fixed", "review 2, 4, 6", 0.1],
                      ["spaced", "review 2 4", 0.1],
                      ["later", "Review every 18 months", 0.1],
                      ["once", "review 30 months if health < 0.5", 0.1]],
}


def test_hazard_cells_and_review_triggers_import(tmp_path):
    scenario = allysim.parse_scenario(import_register(_xlsx(tmp_path / "aged.xlsx", AGED)))
    assert scenario.risk("ending").hazard.weibull.shape == 0.56 and scenario.risk("ending").hazard.weibull.scale == 81
    assert scenario.risk("strain").hazard.steps == ((0, 0.05), (2, 0.2), (6, 0.08))
    assert scenario.risk("slow").hazard.weibull.scale == 2.5
    triggers = {c.id: c.trigger for c in scenario.contingencies}
    assert triggers["yearly"].review.every == 1 and triggers["yearly"].condition.health_below == 0.6
    assert triggers["fixed"].review == (2, 4, 6) and triggers["fixed"].condition is None
    assert triggers["spaced"].review == (2, 4)
    assert triggers["later"].review.every == 1.5
    assert triggers["once"].review == (2.5,) and triggers["once"].condition.health_below == 0.5
    # and back: the cells a register writes for them import to the same scenario
    data, _ = load_yaml(import_register(_xlsx(tmp_path / "aged.xlsx", AGED)).encode(), "aged.yaml")
    tables, _ = scenario_tables(data)
    assert [r.get("hazard") for r in tables["Risks"]][:2] == ["weibull 0.56 81", "steps 0:0.05 2:0.2 6:0.08"]
    assert tables["Contingencies"][0]["trigger"] == "review every 1 if health below 0.6"
    again = allysim.parse_scenario(import_register(write_register(tables, tmp_path / "again.xlsx")))
    assert _facts(again) == _facts(scenario)


@pytest.mark.parametrize("sheet, row, column, value, expected", [
    ("Risks", 2, 3, "weibull 0.56", "Risks!C2: hazard: write weibull SHAPE SCALE"),
    ("Risks", 2, 3, "gompertz 1 2", "Risks!C2: hazard: write weibull SHAPE SCALE"),
    ("Risks", 2, 3, "steps 1:0.1 2:0.2", "Risks!C2: hazard: the first step starts at age 0"),
    ("Risks", 2, 3, "weibull 0 81", "Risks!C2: hazard: must be > 0, got 0"),
    ("Risks", 2, 2, 0.1, "Risks!C2: fill one of rate, probability and hazard, not rate and hazard"),
    ("Contingencies", 2, 2, "review every 1 if health below lots", "Contingencies!B2: trigger: write review AGES"),
    ("Contingencies", 3, 2, "review 4, 2", "Contingencies!B3: trigger: review ages increase: 2 is not after the "
                                           "previous 4"),
])
def test_a_bad_hazard_or_review_cell_is_located(tmp_path, sheet, row, column, value, expected):
    register = _xlsx(tmp_path / "bad.xlsx", _edited(AGED, sheet, row, column, value))
    with pytest.raises(RegisterError) as info:
        import_register(register)
    assert any(line.startswith(f"{register}:{expected}") for line in info.value.problems), info.value.problems
