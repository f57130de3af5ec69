"""Draw docs/img/architecture.png: the layers of allysim and how data flows through them.

    python docs/make_architecture.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

OUT = Path(__file__).resolve().parent / "img" / "architecture.png"
INK, MUTED = "#1A1A1A", "#6E6E6E"
FILL = {"in": "#E8EEF4", "core": "#DCE9DF", "study": "#F6E7D4", "words": "#EFE3F1", "out": "#F3F3F3", "cli": "#FBE9E7"}

# (x, y, width, label, modules, colour): one row per layer, top to bottom in the order data flows
BOXES = [
    (0.3, 8.6, 11.4, "cli.py  ·  calibrate_command.py  ·  console.py", "click commands: parse, call the library, print, write; one place maps "
     "errors to exit codes", "cli"),
    (0.3, 7.1, 5.5, "plotting/", "theme · layout · panels · rows · headlines · render\n"
     "run, causes, study, value, decision, sensitivity, calibration charts", "out"),
    (6.2, 7.1, 5.5, "deck/", "board · layout · slides · appendix · brief", "out"),
    (0.3, 5.6, 5.5, "wording.py", "numbers and findings in words, one rounding each", "words"),
    (6.2, 5.6, 5.5, "outputs.py  /  folder.py", "write an output folder (one atomic writer) / read it back", "out"),
    (0.3, 4.1, 3.6, "stats.py", "Wilson, t-intervals, paired, Kaplan-Meier, health bins", "study"),
    (4.2, 4.1, 3.6, "analysis.py", "summary.json, health.json", "study"),
    (8.1, 4.1, 3.6, "studies.py and friends", "compare, value, drivers; sweeps, portfolios, sensitivity;\n"
     "history, calibration, calibrated (hazards fitted to history)", "study"),
    (0.3, 2.6, 11.4, "runner.py  →  results.py", "RunOptions; seeds, chunks, executors.py, checkpoint.py  →  Variant, "
     "PlanRuns, Results (arrays, no file I/O)", "core"),
    (0.3, 1.1, 5.5, "engine.py  ·  life.py  ·  hazards.py  ·  streams.py",
     "one replication on SimPy; hazards by age; random streams per (seed, run, source)",
     "core"),
    (6.2, 1.1, 5.5, "scenario/", "model · checks · messages · loading · yamlio · units · distributions · "
     "overrides", "in"),
]


def main() -> None:
    fig = plt.figure(figsize=(12, 9.8))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 12)
    ax.set_ylim(0.8, 10.6)
    ax.set_axis_off()
    ax.text(0.3, 10.3, "allysim: the layers, and how data flows through them", size=17, weight="bold", color=INK)
    ax.text(0.3, 9.9, "scenario file → Scenario → replications → Results → statistics and studies → words → "
            "files, charts, deck → command line.", size=10, color=MUTED)
    ax.text(0.3, 9.7, "Arrows show the data flowing up. A module imports from the layers below it (checkpoints also "
            "use the one atomic writer of outputs.py); no import cycles.", size=10, color=MUTED)
    for x, y, w, label, modules, kind in BOXES:
        ax.add_patch(FancyBboxPatch((x, y), w, 1.0, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=FILL[kind], edgecolor="#B0B0B0", linewidth=1))
        ax.text(x + 0.15, y + 0.68, label, size=11.5, weight="bold", color=INK, va="center")
        ax.text(x + 0.15, y + 0.3, modules, size=8.6, color=MUTED, va="center", wrap=True)

    def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="#707070",
                                     linewidth=1.2, shrinkA=2, shrinkB=2))

    arrow((8.95, 2.1), (8.95, 2.6))      # scenario -> runner
    arrow((3.05, 2.1), (3.05, 2.6))      # engine -> runner
    arrow((6.2, 1.6), (5.8, 1.6))        # the scenario feeds the engine
    for x in (2.1, 6.0, 9.9):
        arrow((x, 3.6), (x, 4.1))        # results -> stats / analysis / studies
    arrow((2.1, 5.1), (2.1, 5.6))        # stats -> wording
    arrow((6.0, 5.1), (8.95, 5.6))       # analysis -> outputs
    arrow((3.05, 6.6), (3.05, 7.1))      # wording -> plotting
    arrow((5.0, 6.6), (8.95, 7.1))       # wording -> deck
    arrow((8.95, 6.6), (3.5, 7.1))       # folder -> plotting (render reads an output folder)
    arrow((8.95, 6.6), (8.95, 7.1))      # folder -> deck
    for x in (3.05, 8.95):
        arrow((x, 8.1), (x, 8.6))        # plotting, deck -> cli
    fig.savefig(OUT, dpi=110, facecolor="white")
    print(OUT)


if __name__ == "__main__":
    main()
