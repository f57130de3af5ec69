"""`allysim calibrate` end to end: calibration.json as SPEC section 13 has it, calibrated.yaml that a scenario
loads, the chart, and a bad row refused with nothing written. tests/data/atop_sample.csv is every tenth spell of
examples/data/atop_defense_spells.csv (ATOP v5.1 defence pacts, Leeds et al. 2002; see examples/data/README.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from allysim.calibrated import Z90
from allysim.cli import cli
from allysim.scenario import json_schema, parse_scenario
from allysim.stats import Z95

from conftest import check_proportion

SAMPLE = Path(__file__).resolve().parent / "data" / "atop_sample.csv"
HAZARDS = "hazard" in json.dumps(json_schema())  # the scenario format knows `hazard:` (SPEC section 13)


def calibrate(tmp_path, *args):
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["calibrate", str(SAMPLE), "--out", str(out), *args], catch_exceptions=False)
    return done, out


def scenario_with(risks_yaml: str, time_unit: str = "year"):
    """A scenario whose risks are calibrated.yaml's, pasted as they are."""
    text = f"allysim: 1\nname: pasted\ntime_unit: {time_unit}\nhorizon: 10\n{risks_yaml}plans:\n  base: []\n"
    return parse_scenario(text, source="pasted.yaml")


def test_calibrate_writes_the_spec_json_the_yaml_and_the_chart(tmp_path):
    done, out = calibrate(tmp_path, "--quiet")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "calibrated.yaml", "calibration.json", "calibration.png"]
    data = json.loads((out / "calibration.json").read_text())
    assert (data["n"], data["events"], data["exposure"], data["time_unit"]) == (301, 134, 6788.0, "year")
    cause = data["causes"]["all"]
    assert cause["events"] == 134 and cause["chosen"] in cause["models"]
    models = cause["models"]
    assert set(models["exponential"]) == {"rate", "loglik", "aic"}
    assert set(models["exponential"]["rate"]) == {"estimate", "ci95"}
    assert models["exponential"]["rate"]["estimate"] == pytest.approx(134 / 6788)
    assert {"shape", "scale", "loglik", "aic"} == set(models["weibull"])
    assert all({"estimate", "ci95"} <= set(models["weibull"][p]) for p in ("shape", "scale"))
    assert all({"from", "estimate", "ci95"} <= set(r) for r in models["steps"]["rates"])
    assert models["steps"]["rates"][0]["from"] == 0
    assert cause["chosen"] == min(models, key=lambda m: models[m]["aic"])
    assert set(cause["kaplan_meier"][0]) == {"time", "survival", "ci95"}
    from PIL import Image

    assert Image.open(out / "calibration.png").size == (2000, 1125)


def test_report_and_the_workbook_read_calibration_json_as_a_study_of_the_registry(tmp_path):
    """calibration.json is in the one table of studies: `report` redraws its chart from the file alone (the same
    picture), and the workbook gives it a sheet and no scenario assumptions (it was fitted, not simulated)."""
    import shutil

    import openpyxl

    from allysim.folder import load_output
    from allysim.study_registry import study_of_chart

    done, out = calibrate(tmp_path, "--quiet")
    assert done.exit_code == 0, done.output
    assert study_of_chart("calibration").file == "calibration.json"
    assert list(load_output(out).studies) == ["calibrate"]
    again = shutil.copytree(out, tmp_path / "again")
    (again / "calibration.png").unlink()
    done = CliRunner().invoke(cli, ["report", str(again)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert (again / "calibration.png").read_bytes() == (out / "calibration.png").read_bytes()
    done = CliRunner().invoke(cli, ["workbook", str(again)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    data = json.loads((again / "calibration.json").read_text())
    del data["causes"]["all"]["fitted"]
    (again / "calibration.json").write_text(json.dumps(data))
    done = CliRunner().invoke(cli, ["report", str(again)])
    assert done.exit_code == 2
    assert done.output.strip() == (f"allysim: {again / 'calibration.json'}: causes.all.fitted is missing; rerun "
                                   "`allysim calibrate` to rewrite it")
    book = openpyxl.load_workbook(again / "workbook.xlsx")
    assert book.sheetnames == ["Calibration"]
    assert book["Calibration"]["A1"].value == "Calibration: atop_sample.csv"


def test_the_table_and_the_files_are_printed_unless_quiet(tmp_path):
    done, _ = calibrate(tmp_path, "--format", "none")
    assert "301 histories, 134 endings" in done.output and "wrote 2 files" in done.output


def test_a_constant_rate_is_written_as_a_lognormal_spanning_its_interval_and_loads_in_a_scenario(tmp_path):
    done, out = calibrate(tmp_path, "--model", "exponential", "--format", "none", "--quiet")
    assert done.exit_code == 0, done.output
    text = (out / "calibrated.yaml").read_text()
    risk = yaml.safe_load(text)["risks"][0]
    assert risk["id"] == "ending" and risk["impact"] == {"fatal": 1}
    lognormal = risk["rate"]["lognormal"]
    sigma = math.log(lognormal["p90"] / lognormal["median"]) / Z90
    low, high = json.loads((out / "calibration.json").read_text())["causes"]["all"]["models"]["exponential"][
        "rate"]["ci95"]
    assert lognormal["median"] * math.exp(-Z95 * sigma) == pytest.approx(low, rel=2e-3)
    assert lognormal["median"] * math.exp(Z95 * sigma) == pytest.approx(high, rel=2e-3)
    scenario = scenario_with(text)
    assert [r.id for r in scenario.risks] == ["ending"]
    assert "risks.ending.rate" in scenario.uncertain


@pytest.mark.skipif(not HAZARDS, reason="the scenario format has no `hazard:` yet (SPEC section 13)")
def test_a_calibrated_weibull_pasted_into_a_scenario_survives_as_the_fit_says(tmp_path):
    from allysim import RunOptions, simulate

    done, out = calibrate(tmp_path, "--model", "weibull", "--format", "none", "--quiet")
    assert done.exit_code == 0, done.output
    weibull = json.loads((out / "calibration.json").read_text())["causes"]["all"]["models"]["weibull"]
    scenario = scenario_with((out / "calibrated.yaml").read_text())
    hazard = scenario.risks[0].hazard.weibull
    assert hazard.shape == pytest.approx(weibull["shape"]["estimate"], rel=1e-3)
    assert hazard.scale == pytest.approx(weibull["scale"]["estimate"], rel=1e-3)
    runs = 4000
    survival = simulate(scenario, options=RunOptions(runs=runs, seed=5, workers=1)).summary()["plans"]["base"][
        "survival"]["estimate"]
    check_proportion(round(survival * runs), runs, math.exp(-((10 / hazard.scale) ** hazard.shape)),
                     "survival to 10 years under the calibrated Weibull")


@pytest.mark.skipif(not HAZARDS, reason="the scenario format has no `hazard:` yet (SPEC section 13)")
def test_calibrated_steps_load_as_uncertain_step_rates(tmp_path):
    done, out = calibrate(tmp_path, "--model", "steps", "--steps", "0,2,6", "--format", "none", "--quiet")
    assert done.exit_code == 0, done.output
    rates = json.loads((out / "calibration.json").read_text())["causes"]["all"]["models"]["steps"]["rates"]
    scenario = scenario_with((out / "calibrated.yaml").read_text())
    assert [age for age, _ in scenario.risks[0].hazard.steps] == [0, 2, 6]
    uncertain = scenario.uncertain
    assert sorted(uncertain) == [f"risks.ending.hazard.steps.{i}" for i in range(3)]
    for i, rate in enumerate(rates):
        assert uncertain[f"risks.ending.hazard.steps.{i}"].distribution.median == pytest.approx(rate["estimate"],
                                                                                                rel=1e-3)


def test_causes_from_dates_become_one_risk_each(tmp_path):
    history = tmp_path / "partners.csv"
    rows = ["id,start,end,ended,cause"]
    for i in range(40):
        year = 2000 + i % 10
        rows.append(f"p{i},{year}-01-01,{year + 1 + i % 7}-06-30,{1 if i % 5 else 0},"
                    f"{'Regime change' if i % 3 else 'war'}")
    history.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["calibrate", str(history), "--out", str(out), "--model", "exponential",
                                    "--time-unit", "quarter", "--quiet", "--format", "none"])
    assert done.exit_code == 0, done.output
    data = json.loads((out / "calibration.json").read_text())
    assert set(data["causes"]) == {"Regime change", "war"} and data["time_unit"] == "quarter"
    assert sum(c["events"] for c in data["causes"].values()) == data["events"] == 32
    risks = yaml.safe_load((out / "calibrated.yaml").read_text())["risks"]
    assert [r["id"] for r in risks] == ["war", "regime_change"] or [r["id"] for r in risks] == ["regime_change",
                                                                                                 "war"]
    scenario_with((out / "calibrated.yaml").read_text(), "quarter")


def test_a_bad_row_exits_2_with_one_located_line_and_writes_nothing(tmp_path):
    history = tmp_path / "bad.csv"
    history.write_text("id,start,end,ended\na,1815,1820,1\nb,1830,1825,1\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(cli, ["calibrate", str(history), "--out", str(out)])
    assert done.exit_code == 2
    assert done.output.strip() == f"{history}:3: end 1825 is before start 1830"
    assert not out.exists()


def test_a_folder_allysim_did_not_write_is_refused_unless_forced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    done, _ = calibrate(tmp_path, "--quiet")
    assert done.exit_code == 2 and "thesis.docx" in done.output
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    done, _ = calibrate(tmp_path, "--quiet", "--force", "--format", "none")
    assert done.exit_code == 0 and (out / "calibration.json").is_file() and (out / "thesis.docx").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--steps", "1,2"], "the first 0"),
    (["--steps", "0,a"], "give ages separated by commas"),
    (["--model", "gamma"], "'gamma' is not one of"),
    (["--format", "gif"], "unknown chart format 'gif'"),
])
def test_bad_options_exit_2(tmp_path, args, message):
    done, out = calibrate(tmp_path, *args)
    assert done.exit_code == 2 and message in done.output
    assert not out.exists()


def test_the_diplomatic_coalition_base_hazard_is_the_atop_calibration_in_quarters():
    """scenarios/diplomatic_coalition.yaml says its `lapse` hazard is calibrated on examples/data: keep it so."""
    from allysim.calibration import calibrate as fit
    from allysim.history import read_history
    from allysim.scenario import load_scenario

    root = Path(__file__).resolve().parents[1]
    steps = fit(read_history(root / "examples" / "data" / "atop_defense_spells.csv")).causes["all"]
    assert steps["chosen"] == "steps"
    rates = steps["models"]["steps"]["rates"]
    scenario = load_scenario(root / "scenarios" / "diplomatic_coalition.yaml")
    lapse = next(r for r in scenario.risks if r.id == "lapse")
    assert [age for age, _ in lapse.hazard.steps] == pytest.approx([4 * r["from"] for r in rates])  # quarters
    for i, rate in enumerate(rates):
        drawn = scenario.uncertain[f"risks.lapse.hazard.steps.{i}"].distribution
        assert drawn.median == pytest.approx(rate["estimate"] / 4, rel=1e-3)
        sigma = math.log(drawn.p90 / drawn.median) / Z90
        assert drawn.median * math.exp(Z95 * sigma) == pytest.approx(rate["ci95"][1] / 4, rel=3e-3)
