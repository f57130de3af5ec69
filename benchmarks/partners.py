"""Time partners: optimize over 4 candidate partners and 6 contingencies, and a one-body run against the reference.

    python benchmarks/partners.py            # 3 interleaved repeats
    python benchmarks/partners.py --quick    # one repeat, fewer runs: a smoke test

- optimize: benchmarks/four_candidates.yaml (2 incumbents, 4 candidates, quorum 3, 6 contingencies: 1,024 line-ups,
  64 infeasible), 10,000 runs, --workers 2. Target: at most 60 s. Its sharing (how many of the 9,600,000
  line-up-replications were simulated) is printed from optimize.json.
- run: perf.yaml (no partners), plan full, 20,000 runs, --workers 1, against `reference_model.py 20000`: the partner
  machinery must cost a one-body scenario nothing (ratio >= 1.0x, as before partners).
The processes are timed as benchmarks/studies.py times them (its helpers), medians over interleaved rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from studies import ENV, PERF, REFERENCE, ROOT, allysim, timed  # noqa: E402

CANDIDATES = ROOT / "benchmarks" / "four_candidates.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, rounds, ref_runs = (1000, 1, 2000) if args.quick else (10_000, 3, 20_000)
    quiet = ("--format", "none", "--quiet")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        ENV["PYTHONPYCACHEPREFIX"] = cache  # compiled once, untimed, as an installed allysim's modules are
        subprocess.run(allysim("validate", str(CANDIDATES)), stdout=subprocess.DEVNULL, env=ENV, check=True)
        subprocess.run(allysim("run", str(PERF), "--runs", "20", *quiet, "--out", f"{out}/warm"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True)
        times: dict[str, list[float]] = {}
        for k in range(rounds):
            commands = {
                f"optimize four_candidates.yaml --runs {runs} --workers 2":
                    allysim("optimize", str(CANDIDATES), "--runs", str(runs), "--workers", "2", *quiet,
                            "--out", f"{out}/optimize{k}"),
                f"run perf.yaml --plan full --runs {ref_runs} --workers 1":
                    allysim("run", str(PERF), "--plan", "full", "--runs", str(ref_runs), "--workers", "1", *quiet,
                            "--out", f"{out}/run{k}"),
                f"reference_model.py {ref_runs}": [sys.executable, str(REFERENCE), str(ref_runs)],
            }
            for name, cmd in commands.items():
                times.setdefault(name, []).append(timed(cmd)[0])
            sharing = json.loads(Path(f"{out}/optimize{k}/optimize.json").read_text())["sharing"]
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, t in med.items():
        print(f"{t:8.1f} s  {name}")
    print(f"optimize simulated {sharing['simulated']:,} of {sharing['replications']:,} line-up-replications "
          f"({sharing['simulated'] / sharing['replications']:.1%}), derived the rest")
    names = list(times)
    print(f"run perf.yaml at {med[names[2]] / med[names[1]]:.2f}x the reference model (>= 1.0x: as fast or faster)")


if __name__ == "__main__":
    main()
