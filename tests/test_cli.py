"""The command line through click's CliRunner: outputs, exit codes, one-line errors, nothing written on bad input."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from allysim.cli import cli, main

SMALL = """\
allysim: 1
name: Small alliance
horizon: 5
seed: 11
runs: 300
alliance:
  health: {dissolve_below: 0.3, recovery: 0.2}
  value_rate: 10
risks:
  - id: dispute
    rate: 0.4
    impact: {health: {uniform: {low: 0.1, high: 0.4}}, cost: 1.0, fatal: 0.1}
  - id: exit
    rate: 0.05
    impact: {fatal: 1}
contingencies:
  - id: mediation
    trigger: {on: dispute}
    success: 0.7
    effect: {reduce_impact: 0.5}
    cost: {per_activation: 0.2}
plans:
  none: []
  mediated: [mediation]
"""


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_ok(small):
    result = invoke("validate", str(small))
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{small}: ok"


def test_validate_bad_file_is_one_located_line_and_exit_2(small, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("rate: 0.4", "rate: -0.4"))
    result = invoke("validate", str(small), str(bad))
    assert result.exit_code == 2
    assert f"{small}: ok" in result.stdout
    assert result.stderr.strip() == f"{bad}:11:11: risks[0].rate: must be >= 0, got -0.4"


def test_run_writes_the_spec_outputs(small, tmp_path):
    out = tmp_path / "out"
    result = invoke("run", str(small), "--out", str(out), "--format", "none", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [".allysim", "health.json", "runs.csv", "scenario.yaml",
                                                    "summary.json"]
    assert (out / "scenario.yaml").read_bytes() == small.read_bytes()
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "scenario_sha256", "allysim_version", "runs", "seed", "horizon", "time_unit",
                "currency", "plans"):
        assert key in summary
    assert summary["runs"] == 300 and summary["seed"] == 11 and list(summary["plans"]) == ["none", "mediated"]
    plan = summary["plans"]["mediated"]
    assert set(plan) >= {"survival", "lifetime", "npv", "risk_cost", "contingency_cost", "resilience",
                         "end_causes", "risks", "contingencies"}
    assert set(plan["npv"]) >= {"mean", "sd", "ci95", "p5", "p10", "p50", "p90", "p95"}
    assert set(plan["end_causes"]) == {"dispute", "exit", "survived"}
    assert sum(plan["end_causes"].values()) == pytest.approx(1)
    with open(out / "runs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost",
                             "contingency_cost", "min_health", "resilience"]
    assert len(rows) == 600
    assert [r["run"] for r in rows[:3]] == ["0", "1", "2"] and rows[300]["run"] == "0"
    survived = sum(r["survived"] == "true" for r in rows if r["plan"] == "mediated") / 300
    assert survived == pytest.approx(plan["survival"]["estimate"])
    assert "mediated" in result.stdout  # the results table


def test_run_options_override_the_scenario(small, tmp_path):
    out = tmp_path / "o"
    result = invoke("run", str(small), "--out", str(out), "--format", "none", "--runs", "50", "--seed", "3",
                    "--plan", "mediated", "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 50 and summary["seed"] == 3 and list(summary["plans"]) == ["mediated"]
    assert result.stdout == ""


def test_workers_do_not_change_summary(small, tmp_path):
    texts = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        result = invoke("run", str(small), "--out", str(out), "--format", "none", "--workers", workers, "--quiet")
        assert result.exit_code == 0, result.output
        texts.append((out / "summary.json").read_text())
        texts.append((out / "runs.csv").read_text())
    assert texts[0] == texts[2] and texts[1] == texts[3]


def test_default_out_is_reports_stem(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", str(small), "--format", "none", "--quiet", "--runs", "20")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "small" / "summary.json").exists()


def test_batch_runs_good_files_and_exits_2_for_the_bad(small, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("plans:", "plans:\n  broken: [nothing]"))
    out = tmp_path / "batch"
    result = invoke("run", str(bad), str(small), "--out", str(out), "--format", "none", "--quiet", "--runs", "20")
    assert result.exit_code == 2
    assert "unknown contingency 'nothing'" in result.stderr
    assert (out / "small" / "summary.json").exists()
    assert not (out / "bad").exists()


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("horizon: 5", "horizon: -5"))
    out = tmp_path / "never"
    result = invoke("run", str(bad), "--out", str(out), "--format", "none")
    assert result.exit_code == 2
    assert not out.exists()
    assert "Traceback" not in result.output


def test_unknown_plan_is_bad_input(small, tmp_path):
    result = invoke("run", str(small), "--plan", "nope", "--out", str(tmp_path / "x"), "--format", "none")
    assert result.exit_code == 2
    assert "unknown plan 'nope'" in result.stderr and "none, mediated" in result.stderr
    assert not (tmp_path / "x").exists()


def test_bad_options_exit_2(small, capsys):
    for args in (["run", str(small), "--runs", "0"], ["run", str(small), "--format", "gif"],
                 ["run", str(small), "--bogus"], ["nonsense"]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(tmp_path / "missing.yaml"), "--format", "none"])
    assert info.value.code == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_runaway_scenario_stops_with_a_clear_error(tmp_path, capsys):
    storm = tmp_path / "storm.yaml"
    storm.write_text(SMALL.replace("rate: 0.05", "rate: 0.05\n    impact: {escalates: [{risk: exit, factor: 3}]}")
                     .replace("    impact: {fatal: 1}\n", "").replace("fatal: 0.1", "fatal: 0"))
    storm.write_text("""\
allysim: 1
name: Storm
horizon: 10
risks:
  - id: chatter
    rate: 5
    impact: {escalates: [{risk: chatter, factor: 3}]}
""")
    with pytest.raises(SystemExit) as info:
        main(["run", str(storm), "--format", "none", "--runs", "1", "--out", str(tmp_path / "o"), "--quiet"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    # a self-escalating risk stops at the event budget or, sooner, when its rate overflows
    assert ("exceeded its budget" in err or "overflowed" in err) and "risk 'chatter'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_schema_prints_json_schema():
    result = invoke("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"].startswith("allysim scenario")


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "allysim" in result.stdout


def test_deck_command_writes_the_deck_and_the_brief(small, tmp_path):
    out = tmp_path / "deckrun"
    assert invoke("run", str(small), "--out", str(out), "--runs", "60", "--quiet", "--workers", "1").exit_code == 0
    result = invoke("deck", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "deck.pptx").stat().st_size > 10_000 and (out / "summary.pdf").read_bytes()[:4] == b"%PDF"
    missing = invoke("deck", str(tmp_path / "nothing-here"))
    assert missing.exit_code == 2 and "Traceback" not in missing.output


# --------------------------------------------------------------------------- arguments and exit codes


def test_help_prints_percent_signs_once():
    result = invoke("run", "--help")
    assert result.exit_code == 0 and "95% CI" in result.stdout and "%%" not in result.stdout


@pytest.mark.parametrize("seed", ["abc", "-3", "1.5"])
def test_a_seed_that_is_not_a_whole_number_says_what_a_seed_is(small, tmp_path, seed):
    result = invoke("run", str(small), "--seed", seed, "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "a seed is a whole number >= 0" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["report", "deck"])
def test_report_and_deck_on_a_folder_that_is_not_an_output_folder_are_bad_input(tmp_path, command):
    stray = tmp_path / "holiday-photos"
    stray.mkdir()
    (stray / "beach.txt").write_text("sand")
    for folder in (stray, tmp_path / "missing"):
        result = invoke(command, str(folder))
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in stray.iterdir()) == ["beach.txt"]


# --------------------------------------------------------------------------- output folders (SPEC section 5)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_each_command_writes_only_its_own_files(small, tmp_path):
    out = tmp_path / "o"
    args = ("--out", str(out), "--runs", "60", "--quiet", "--workers", "1")
    assert invoke("run", str(small), *args).exit_code == 0
    after_run = _snapshot(out)
    assert {"summary.json", "runs.csv", "health.json", "scenario.yaml", "survival.png"} <= set(after_run)
    for command, own in (("compare", {"compare.json", "compare.png"}),
                         ("value", {"value.json", "contingency_value.png"}),
                         ("drivers", {"drivers.json", "risk_drivers.png"})):
        before = _snapshot(out)
        assert invoke(command, str(small), *args, "--seed", "5").exit_code == 0, command
        now = _snapshot(out)
        assert set(now) - set(before) == own, command
        assert {k: v for k, v in now.items() if k not in own} == before, f"{command} rewrote another's file"


def test_a_study_alone_copies_its_scenario_in(small, tmp_path):
    out = tmp_path / "alone"
    assert invoke("drivers", str(small), "--out", str(out), "--runs", "40", "--quiet", "--workers", "1",
                  "--format", "none").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [".allysim", "drivers.json", "scenario.yaml"]
    assert (out / "scenario.yaml").read_bytes() == small.read_bytes()


def test_an_output_folder_is_self_contained(small, tmp_path, monkeypatch):
    made = tmp_path / "work"
    made.mkdir()
    monkeypatch.chdir(made)
    assert invoke("run", str(small), "--out", "o", "--runs", "60", "--quiet", "--workers", "1").exit_code == 0
    small.unlink()  # the scenario file is gone; the folder's copy stands in for it
    moved = tmp_path / "elsewhere" / "jv"
    moved.parent.mkdir()
    (made / "o").rename(moved)
    monkeypatch.chdir(tmp_path / "elsewhere")
    for chart in moved.glob("*.png"):
        chart.unlink()
    result = invoke("report", str(moved))
    assert result.exit_code == 0, result.output
    assert (moved / "survival.png").exists()
    from allysim.deck import load_board

    board = load_board(moved)
    assert board.scenario is not None and board.scenario_path == moved / "scenario.yaml" and not board.notes
    result = invoke("deck", str(moved), "--out", str(tmp_path / "board" / "q3" / "jv.pptx"), "--no-brief")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "board" / "q3" / "jv.pptx").stat().st_size > 10_000


def test_the_deck_flags_a_folder_mixing_scenario_versions(small, tmp_path):
    out = tmp_path / "o"
    args = ("--out", str(out), "--runs", "40", "--quiet", "--workers", "1", "--format", "none")
    assert invoke("run", str(small), *args).exit_code == 0
    small.write_text(SMALL.replace("rate: 0.4", "rate: 0.5"))  # the assumptions change before the next study
    assert invoke("value", str(small), *args).exit_code == 0
    assert invoke("drivers", str(small), *args).exit_code == 0
    from pptx import Presentation

    from allysim.deck import build_deck, load_board

    board = load_board(out)
    assert board.mixed == ("value.json", "drivers.json") and not board.studies
    deck = Presentation(str(build_deck(out)))
    title_text = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "mixes scenario versions" in title_text and "value.json" in title_text


def test_the_deck_states_each_studys_runs(small, tmp_path):
    out = tmp_path / "o"
    args = ("--out", str(out), "--quiet", "--workers", "1", "--format", "none")
    assert invoke("run", str(small), *args, "--runs", "50").exit_code == 0
    assert invoke("compare", str(small), *args, "--runs", "50").exit_code == 0
    assert invoke("drivers", str(small), *args, "--runs", "70").exit_code == 0
    from pptx import Presentation

    from allysim.deck import build_deck

    deck = Presentation(str(build_deck(out)))
    method = " ".join(s.text_frame.text for s in deck.slides[-1].shapes if s.has_text_frame)
    assert "Plan comparison (compare.json): 50 runs, seed 11, as the run." in method
    assert "Risk drivers (drivers.json): 70 runs, seed 11, simulated separately from the run." in method


# --------------------------------------------------------------------------- tables that fit a terminal


@pytest.mark.parametrize("columns", ["100", "120"])
def test_every_table_fits_the_terminal_width_with_a_legend(small, tmp_path, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", columns)
    out = tmp_path / "o"
    args = ("--out", str(out), "--runs", "80", "--workers", "1", "--format", "none")
    for command, legend in (("run", "and ±: 95% CI"), ("compare", "within the noise"),
                            ("value", "Net NPV = gross NPV"), ("drivers", "within the noise")):
        result = invoke(command, str(small), *args)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= int(columns), (command, max(lines, key=len))
        assert legend in " ".join(result.stdout.split()), command
        # survival differences are in whole percentage points, never "+18.7%", and never "-0"
        table = result.stdout.split("\nwrote ")[0]  # the closing line names the folder, whose path may hold "-0"
        assert not re.search(r"[+\u2212-]\d+(\.\d+)?%", table), command
        assert not re.search(r"(?<![\w/])[\u2212-]0(\.0+)?\b", table), command
    value = " ".join(invoke("value", str(small), *args).stdout.split())
    assert all(words in value for words in ("net NPV", "gross NPV", "gross/cost", "before its cost"))


def test_the_progress_bar_is_told_its_total_before_it_moves(small):
    from allysim.console import _Advance
    from allysim.runner import simulate
    from allysim.scenario import load_scenario

    class Bar:
        def __init__(self):
            self.calls = []

        def update(self, task, total):
            self.calls.append(("total", total))

        def advance(self, task, done):
            self.calls.append(("done", done))

        def refresh(self):
            pass

    bar = Bar()
    simulate(load_scenario(small), runs=50, seed=1, progress=_Advance(bar, 0))
    assert bar.calls[0] == ("total", 50)
    assert sum(n for kind, n in bar.calls if kind == "done") == 50


def test_main_maps_a_library_error_to_one_line_and_its_exit_code(tmp_path, capsys) -> None:
    flagship = Path(__file__).resolve().parents[1] / "scenarios" / "joint_venture.yaml"
    for argv, code in ((["deck", str(tmp_path / "nowhere")], 2),
                       (["compare", str(flagship), "--plans", "nope,full", "--runs", "5"], 2)):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == code
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("allysim: ") and "Traceback" not in err[0]


# --------------------------------------------------------------------------- start-up

LOADED = """\
import sys
sys.argv = ["allysim", *sys.argv[1:]]
try:
    from allysim._entry import main
    main()
except SystemExit:
    pass
heavy = ["numpy", "scipy", "simpy", "matplotlib", "pptx", "pydantic", "rich"]
print("loaded:" + ",".join(m for m in heavy if m in sys.modules))
"""


@pytest.mark.parametrize(("args", "allowed"), [
    (["--help"], set()),
    (["validate", "scenarios/joint_venture.yaml"], {"pydantic"}),
])
def test_help_and_validate_load_no_numerical_or_drawing_library(args, allowed):
    """Start-up stays quick because the engine, numpy, scipy, matplotlib and pptx load only where they are used."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}, timeout=120)
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("loaded:"), done.stderr
    loaded = set(filter(None, line.removeprefix("loaded:").split(",")))
    assert loaded <= allowed, (loaded, done.stderr)


# --------------------------------------------------------------------------- one seed per folder


def test_a_command_writing_into_a_folder_uses_its_seed_unless_told(small, tmp_path):
    # the scenario's own seed is 11: a study without --seed must take the folder's 23, not the file's 11
    out = tmp_path / "o"
    args = ("--out", str(out), "--runs", "40", "--workers", "1", "--format", "none")
    assert invoke("run", str(small), *args, "--quiet", "--seed", "23").exit_code == 0
    result = CliRunner().invoke(cli, ["compare", str(small), *args])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "compare.json").read_text())["seed"] == 23
    assert "seed 23, as the numbers already in" in result.output
    # the same numbers as a compare told --seed 23 outright, in a folder of its own
    alone = tmp_path / "alone"
    assert invoke("compare", str(small), "--out", str(alone), "--runs", "40", "--workers", "1", "--format", "none",
                  "--quiet", "--seed", "23").exit_code == 0
    told, kept = (json.loads((d / "compare.json").read_text()) for d in (alone, out))
    assert told["plans"] == kept["plans"]
    # --seed says otherwise; a run into the folder again keeps the folder's seed too
    assert invoke("drivers", str(small), *args, "--quiet", "--seed", "5").exit_code == 0
    assert json.loads((out / "drivers.json").read_text())["seed"] == 5
    assert invoke("run", str(small), *args, "--quiet").exit_code == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 23  # summary.json's seed comes first
    # a folder of studies only: the seed of the study written last
    studies = tmp_path / "studies"
    assert invoke("drivers", str(small), "--out", str(studies), "--runs", "30", "--workers", "1", "--format", "none",
                  "--quiet", "--seed", "7").exit_code == 0
    assert invoke("value", str(small), "--out", str(studies), "--runs", "30", "--workers", "1", "--format", "none",
                  "--quiet").exit_code == 0
    assert json.loads((studies / "value.json").read_text())["seed"] == 7
    # a new folder: the scenario's seed, as before
    fresh = tmp_path / "fresh"
    assert invoke("drivers", str(small), "--out", str(fresh), "--runs", "30", "--workers", "1", "--format", "none",
                  "--quiet").exit_code == 0
    assert json.loads((fresh / "drivers.json").read_text())["seed"] == 11


def test_folder_seed_reads_what_is_there_and_nothing_else(tmp_path):
    from allysim.folder import folder_seed

    assert folder_seed(tmp_path / "none") is None and folder_seed(tmp_path) is None
    (tmp_path / "summary.json").write_text("{not json")
    (tmp_path / "sweep.json").write_text(json.dumps({"seed": 3}))
    assert folder_seed(tmp_path) == 3  # a damaged summary.json does not hide a study's seed
    (tmp_path / "summary.json").write_text(json.dumps({"seed": 9}))
    assert folder_seed(tmp_path) == 9
    (tmp_path / "summary.json").write_text(json.dumps({"seed": True}))
    (tmp_path / "sweep.json").write_text(json.dumps([1]))
    assert folder_seed(tmp_path) is None
