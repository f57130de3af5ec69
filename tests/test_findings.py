"""One findings module (allysim.findings): one rule names the winner, one phrase names a plan, and every surface
(console, chart titles, deck, brief) names the same winner with the same rounding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from allysim import deck
from allysim.cli import cli
from allysim.findings import dominated_words, lowest, plan_phrase, plan_subject, portfolio_words, winner
from allysim.plotting import layout
from allysim.wording import Evidence

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["joint_venture", "guild_alliance", "research_consortium", "diplomatic_coalition"]


# --- plan phrases -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "sentence", "title"), [
    ("governance", "the Governance plan", "Governance plan"),
    ("base_plan", "the Base plan", "Base plan"),
    ("Base plan", "the Base plan", "Base plan"),
    ("plan_1", "plan 1", "Plan 1"),
    ("Plan B", "plan B", "Plan B"),
    ("do_nothing", "the Do nothing plan", "Do nothing plan"),
])
def test_a_plan_is_never_named_plan_plan(name: str, sentence: str, title: str) -> None:
    assert plan_phrase(name) == sentence
    assert plan_phrase(name, article=False) == title
    assert layout.plan_phrase(name) == title
    for text in (sentence, title, plan_subject(name)):
        assert not re.search(r"\bplan\b.*\bplan\b", text, re.IGNORECASE), text


def test_dominance_names_the_plan_once_and_an_empty_portfolio_in_words() -> None:
    text = dominated_words("plan_1", portfolio_words([]), True)
    assert text.startswith("Plan 1 is dominated by no contingency")
    assert "(none)" not in text and "plan plan" not in text.lower()


# --- one rule for the winner -------------------------------------------------------------------------------------


def test_a_clear_winner_is_named_before_a_larger_noisy_one() -> None:
    values = {"base": 0.41, "noisy": 0.60, "clear": 0.58}
    evidence = {"noisy": Evidence(0.19, -0.01, 0.39, 500), "clear": Evidence(0.17, 0.15, 0.19, 500)}
    shown = {p: f"{v:.0%}" for p, v in values.items()}
    assert (winner(values, evidence, shown).plan, winner(values, evidence, shown).clear) == ("clear", True)
    evidence["clear"] = Evidence(0.17, -0.01, 0.35, 500)  # nobody clear: the largest, not clearly
    assert (winner(values, evidence, shown).plan, winner(values, evidence, shown).clear) == ("noisy", False)
    flat = {"base": 0.41, "a": 0.409}
    assert winner(flat, {"a": Evidence(-0.001, -0.01, 0.01)}, {"base": "41%", "a": "41%"}).plan == "base"


def test_a_gain_within_the_materiality_names_no_winner() -> None:
    values = {"base": 100.0, "a": 100.4}
    found = winner(values, {"a": Evidence(0.4, 0.1, 0.7, 1000, materiality=1.0)}, {"base": "100", "a": "100.4"})
    assert (found.plan, found.clear) == ("a", False)


def test_the_lowest_share_uses_the_same_rule() -> None:
    shares = {"base": 0.19, "a": 0.04, "b": 0.02}
    evidence = {"a": Evidence(-0.15, -0.2, -0.1, 500), "b": Evidence(-0.17, -0.4, 0.06, 500)}
    assert lowest(shares, evidence, {p: f"{v:.0%}" for p, v in shares.items()}).plan == "a"


# --- every surface names the same winner ------------------------------------------------------------------------


def _named(text: str, plans: list[str]) -> list[str]:
    """The plans a sentence names, in order of appearance."""
    found = []
    for plan in plans:
        for phrase in (plan_phrase(plan), plan_phrase(plan, article=False), layout.plan_phrase(plan)):
            at = text.lower().find(phrase.lower())
            if at >= 0:
                found.append((at, plan))
                break
    return [p for _, p in sorted(found)]


@pytest.fixture(scope="module", params=SCENARIOS)
def studied(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A scenario run and compared on 150 runs; the compare command's console output."""
    folder = tmp_path_factory.mktemp(request.param)
    scenario = str(ROOT / "scenarios" / f"{request.param}.yaml")
    common = ["--runs", "150", "--out", str(folder), "--format", "none", "--workers", "1"]
    result = CliRunner().invoke(cli, ["run", scenario, *common, "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["compare", scenario, *common], catch_exceptions=False,
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_console_charts_deck_and_brief_name_the_same_winner(studied: tuple[Path, str]) -> None:
    import matplotlib.pyplot as plt

    folder, console = studied
    board = deck.load_board(folder)
    plans = board.plans
    base = plans[0]
    first = deck.findings(board)[0]
    fig = deck.draw_brief(board)
    try:
        brief = " ".join(" ".join(t.get_text().split()) for t in fig.texts)
    finally:
        plt.close(fig)
    assert " ".join(first.split()) in brief  # the brief states the deck's finding, word for word
    for chart, verb in (("survival", "lifts"), ("npv", "raises expected NPV")):
        title = board.chart(chart, draw_missing=True).title
        named = _named(title, plans)
        assert named, title
        if named[0] == base or title.startswith("No plan"):
            continue
        clear = f" {verb} " in title
        # the deck names the same plan, with the same rounded numbers as the chart's title
        numbers = re.findall(r"\u2212?[\d.,]+[kMB]?%?", title.split(" from ", 1)[-1].split(" against ")[0])
        sentence = next((s for s in first.split("; ") if chart == "npv" and "NPV" in s
                         or chart == "survival" and "survival" in s), first)
        assert _named(sentence, plans)[:1] == named[:1], (title, first)
        assert all(n in sentence for n in numbers), (title, sentence)
        if chart == "npv":
            row = next(line for line in console.splitlines() if line.startswith(named[0] + " "))
            assert ("better NPV" in row) == clear, (title, row)


def test_the_drivers_chart_and_the_deck_name_the_same_costliest_risks(tmp_path: Path) -> None:
    """The risks 'within the noise of each other' are the same group on the chart's title and in the deck, and
    their intervals all overlap."""
    from allysim.plotting.study_charts import risk_drivers_title

    scenario = str(ROOT / "scenarios" / "guild_alliance.yaml")
    common = ["--runs", "200", "--out", str(tmp_path), "--format", "none", "--workers", "1", "--quiet"]
    for command in ("run", "drivers"):
        result = CliRunner().invoke(cli, [command, scenario, *common], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    board = deck.load_board(tmp_path)
    drivers = board.studies["drivers"]
    title = risk_drivers_title(drivers).split(";")[0]
    finding = deck.findings(board)[2]
    from allysim.findings import leaders

    group = leaders({r: Evidence.of(e["npv"], drivers["runs"]) for r, e in drivers["risks"].items()}, 15)
    assert group, title
    amounts = re.findall(r"[\d.,]+k gold", title)
    assert amounts and all(a in finding for a in amounts), (title, finding)
    if len(group) == 1:
        assert drivers["risks"][group[0]]["name"] in title and drivers["risks"][group[0]]["name"] in finding
        return
    assert "within the noise of each other" in title and "within the noise of each other" in finding
    for text in (title, finding):  # a title too long for its names counts them instead: the same group
        assert f"The {len(group)} costliest risks" in text if len(group) > 3 or text.startswith("The ") else \
            all(drivers["risks"][r]["name"] in text for r in group), (text, group)
    ends = [drivers["risks"][r]["npv"]["ci95"] for r in group]
    assert max(lo for lo, _ in ends) <= min(hi for _, hi in ends)  # every interval shares a point


def test_console_partners_chart_deck_and_brief_name_the_same_partner(tmp_path: Path) -> None:
    """Twelve partners: the run's console, the partners chart's title, the deck's findings and partners slide and
    the brief name the same partner most likely to leave, with the same share of runs; the deck and the brief say
    what its exit costs only within the evidence of drivers.json."""
    import matplotlib.pyplot as plt

    from allysim.deck import board as board_module
    from allysim.findings import partner_finding

    scenario = str(ROOT / "tests" / "data" / "many_partners.yaml")
    common = ["--out", str(tmp_path), "--format", "none", "--workers", "1"]
    ran = CliRunner().invoke(cli, ["run", scenario, "--runs", "150", *common], catch_exceptions=False,
                             env={"COLUMNS": "200"})
    assert ran.exit_code == 0, ran.output
    board = deck.load_board(tmp_path)
    alone = partner_finding(board.summary)
    assert alone and alone in " ".join(ran.output.split())  # the console says it as the deck does
    result = CliRunner().invoke(cli, ["drivers", scenario, "--runs", "60", *common, "--quiet"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    board = deck.load_board(tmp_path)
    said = partner_finding(board.summary, board.studies["drivers"])
    assert said and said.startswith(alone[:-1])
    name, share = re.match(r"(.+) is the partner most likely to leave: it leaves in (\S+%) of runs", said).groups()
    title = board.chart("partners", draw_missing=True).title
    assert title.startswith(f"{name} is the partner most likely to leave: gone in {share} of runs"), (title, said)
    assert deck.findings(board)[-1] == said
    assert board_module.caption(board, "partners") == said
    cost = board.studies["drivers"]["partners"][next(q for q, v in board.summary["partners"].items()
                                                      if v.get("name") == name)]["npv"]
    clear = Evidence.of(cost, board.studies["drivers"]["runs"],
                        materiality=board.studies["drivers"].get("materiality")).verdict == "better"
    assert ("its possible exit costs" in said) == clear, said
    fig = deck.draw_brief(board)
    try:
        brief = " ".join(" ".join(t.get_text().split()) for t in fig.texts)
    finally:
        plt.close(fig)
    assert " ".join(said.split()) in brief
