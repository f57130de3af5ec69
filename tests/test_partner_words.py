"""How every surface words partners (SPEC sections 12 and 14): a partner's exit as an end cause is "Alpha Group's
exit" on the console, the causes chart's title and the deck's findings alike (never the partner's bare name, as if it
were a risk); line-ups hold contingencies AND candidate partners, and the words count them apart; `drivers` lists
each partner's possible exit beside the risks; `value` and `optimize` name a candidate partner by its name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from allysim import deck
from allysim.cli import cli
from allysim.findings import cause_names, exit_words, lineup_count, lineup_every, portfolio_name
from allysim.plotting.decision_charts import _portfolio_subject, frontier_subtitle

# Alpha (required) leaves often, so its exit is the main end cause by far; Gamma is a candidate partner beside two
# contingencies.
SCENARIO = """allysim: 1
name: Words
horizon: 5
currency: EUR
runs: 200
seed: 20261207
alliance:
  health: {initial: 1, dissolve_below: 0.2, recovery: 0.5}
  value_rate: 10
partners:
  - {id: alpha, name: Alpha Group (lead), share: 0.5, required: true, exit: {rate: 0.3}}
  - {id: beta, name: Beta, share: 0.5, exit: {rate: 0.05}}
  - {id: gamma, name: Gamma (candidate), share: 0.25, candidate: true, cost: {setup: 0.5}, exit: {rate: 0.1}}
risks:
  - id: feud
    name: Leadership feud
    rate: 0.2
    impact: {health: 0.5, cost: 1}
contingencies:
  - {id: mediation, trigger: {on: feud}, effect: {reduce_impact: 0.5}, cost: {setup: 0.2}}
  - {id: retention, trigger: {on: exit, partner: alpha}, success: 0.5, effect: {retain: true}, cost: {setup: 0.3}}
plans:
  base: []
  both: [mediation, gamma]
"""

NUMBERS = re.compile(r"[+\u2212]\d+\.\d+ \[[+\u2212]\d+\.\d+, [+\u2212]\d+\.\d+\]")  # the console's _ci, in money


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The scenario run at 200 runs, with its charts, and the run's console output."""
    tmp = tmp_path_factory.mktemp("words")
    scenario = tmp / "words.yaml"
    scenario.write_text(SCENARIO)
    out = tmp / "out"
    printed = _cli("run", str(scenario), "--out", str(out), "--format", "png", "--workers", "1")
    return scenario, out, printed


def _clean(text: str) -> str:
    """Console text with its wrapping undone."""
    return " ".join(text.split())


def test_exit_words() -> None:
    assert exit_words("Northwind (parent)") == "Northwind's exit"
    assert exit_words("Acme Partners") == "Acme Partners' exit"
    assert cause_names({"risks": {"r": {"name": "Feud"}}, "partners": {"q": {"name": "Q Corp (lead)"}}}) == \
        {"r": "Feud", "q": "Q Corp's exit"}


def test_a_partners_exit_is_named_as_an_exit_on_every_surface(folder: tuple[Path, Path, str]) -> None:
    _scenario, out, printed = folder
    summary = json.loads((out / "summary.json").read_text())
    causes = summary["plans"]["base"]["end_causes"]
    assert max((c for c in causes if c != "survived"), key=causes.get) == "alpha"
    # console: the main end cause column
    assert "Alpha Group's exit (" in _clean(printed)
    # the causes chart's title (the legend draws from the same labels)
    with Image.open(out / "causes.png") as image:
        title = str(image.info.get("Title", ""))
    assert title.startswith("Alpha Group's exit ends "), title
    # the deck's and the brief's findings
    found = deck.findings(deck.load_board(out))
    assert found[1].startswith("Alpha Group's exit is the main threat: it ends "), found[1]
    assert not any("Alpha is" in f or "Alpha Group is" in f for f in found)


def test_drivers_lists_each_partners_exit_beside_the_risks(folder: tuple[Path, Path, str]) -> None:
    scenario, out, _ = folder
    printed = _cli("drivers", str(scenario), "--out", str(out), "--format", "none", "--workers", "1")
    data = json.loads((out / "drivers.json").read_text())
    assert set(data["partners"]) == {"alpha", "beta"}  # the candidate is not in the baseline's line-up
    lines = {line.split("  ")[0]: line for line in printed.splitlines()}
    for label in ("feud", "Alpha Group's exit", "Beta's exit"):
        assert label in lines, printed
        assert NUMBERS.search(lines[label]), lines[label]  # the same formatter as the risks
    assert "each partner's exit" in _clean(printed)


def test_value_names_a_candidate_partner_by_its_name(folder: tuple[Path, Path, str]) -> None:
    scenario, out, _ = folder
    printed = _clean(_cli("value", str(scenario), "--plan", "both", "--out", str(out), "--format", "none",
                          "--workers", "1"))
    assert "contingencies and candidate partners of plan both" in printed
    assert re.search(r"\bGamma\b", printed) and " gamma " not in printed
    for bad in ("plan plan", "(none)", "e+"):
        assert bad not in printed
    found = deck.findings(deck.load_board(out))
    assert "Every contingency in" not in found[2], found[2]


def test_lineups_count_contingencies_and_candidate_partners_apart(folder: tuple[Path, Path, str]) -> None:
    scenario, out, _ = folder
    printed = _clean(_cli("optimize", str(scenario), "--out", str(out), "--format", "none", "--workers", "1"))
    assert "8 portfolios of 2 contingencies and 1 candidate partner" in printed, printed
    assert "3 contingencies" not in printed
    assert " gamma" not in printed  # a candidate partner by its name, never its id
    for bad in ("plan plan", "(none)", "e+"):
        assert bad not in printed
    data = json.loads((out / "optimize.json").read_text())
    assert data["candidate_partners"] == ["gamma"]
    assert lineup_count(data) == "2 contingencies and 1 candidate partner"
    assert "of 2 contingencies and 1 candidate partner on the same" in frontier_subtitle(data)
    every = next(i for i, p in enumerate(data["portfolios"]) if len(p["contingencies"]) == 3)
    assert lineup_every(data) == "every contingency and candidate partner"
    assert portfolio_name(data, every) == "every contingency and candidate partner"
    assert _portfolio_subject(data, every) == "Funding every contingency and candidate partner"
    # without candidate partners (a file written before them, or a scenario without), the words are as before
    plain = {**data, "candidate_partners": []}
    assert lineup_count(plain) == "3 contingencies"
    assert _portfolio_subject(plain, every) == "Funding every contingency"


def test_the_recommendation_names_a_lineup_inside_its_sentences(folder: tuple[Path, Path, str]) -> None:
    """A generic line-up ("every contingency and candidate partner", "no contingency") is capitalised only where a sentence
    starts, never "the runner-up, Every contingency"."""
    from allysim.recommendation import recommend

    _scenario, out, _ = folder
    data = json.loads((out / "optimize.json").read_text())
    for objective in ("npv", "survival", "cvar10", "p_loss"):
        words = recommend({**data, "objective": objective})
        for text in (words.headline, *(t for _, t in words.rows)):
            assert not re.search(r"\w[,:]? (Every|No) contingency", text), text
