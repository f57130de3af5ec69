"""Time allysim against the hand-written reference model, side by side, whole process, in one sitting.

    python benchmarks/bench.py                 # throughput: allysim --workers 1 vs the reference model
    python benchmarks/bench.py --scaling       # also --workers 1 vs --workers 2 on 20,000 runs
    python benchmarks/bench.py --linearity     # also time against runs and against events per replication
    python benchmarks/bench.py --million       # also 1,000,000 runs of one plan: time and peak memory
    python benchmarks/bench.py --checkpoint    # also checkpoint bytes per replication and what saving costs

Machines here are shared and noisy, so the runs are interleaved (reference, allysim, reference, ...) and the
table reports medians and the ratio of medians; absolute times drift, ratios measured together are what count.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ALLYSIM_BENCH", ROOT.parent / "shared" / "bench"))  # the anchor's folder
PERF = SHARED / "perf.yaml"
REFERENCE = SHARED / "reference_model.py"


def allysim_cmd(runs: int, workers: int, out: str, plan: str = "full") -> list[str]:
    exe = shutil.which("allysim") or str(Path(sys.executable).with_name("allysim"))
    return [exe, "run", str(PERF), "--plan", plan, "--runs", str(runs), "--workers", str(workers),
            "--format", "none", "--quiet", "--out", out]


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall time of a whole process and its peak resident memory (KiB)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def throughput(runs: int, repeats: int) -> None:
    ref_t, ally_t = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            ref_t.append(timed([sys.executable, str(REFERENCE), str(runs)])[0])
            ally_t.append(timed(allysim_cmd(runs, 1, out))[0])
    ref, ally = statistics.median(ref_t), statistics.median(ally_t)
    print(f"\nperf.yaml, plan full, {runs:,} runs, one process, median of {repeats} interleaved repeats")
    print("| model | median s | runs/s |\n| --- | ---: | ---: |")
    print(f"| reference_model.py | {ref:.2f} | {runs / ref:,.0f} |")
    print(f"| allysim run --workers 1 | {ally:.2f} | {runs / ally:,.0f} |")
    print(f"allysim / reference throughput: {ref / ally:.2f}x")


def scaling(runs: int, repeats: int) -> None:
    one, two = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            one.append(timed(allysim_cmd(runs, 1, out))[0])
            two.append(timed(allysim_cmd(runs, 2, out))[0])
    a, b = statistics.median(one), statistics.median(two)
    print(f"\nperf.yaml, plan full, {runs:,} runs, median of {repeats} interleaved repeats")
    print("| workers | median s | runs/s |\n| ---: | ---: | ---: |")
    print(f"| 1 | {a:.2f} | {runs / a:,.0f} |\n| 2 | {b:.2f} | {runs / b:,.0f} |")
    print(f"speed-up of --workers 2 over --workers 1: {a / b:.2f}x (cores here: {os.cpu_count()})")


def million(workers: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        elapsed, peak_kib = timed(allysim_cmd(1_000_000, workers, out))
        size = Path(out, "runs.csv").stat().st_size
    print(f"\n1,000,000 runs of perf.yaml plan full, --workers {workers}: {elapsed:.0f} s "
          f"({1e6 / elapsed:,.0f} runs/s), runs.csv {size / 1e6:.0f} MB, "
          f"peak memory of the largest process: {peak_kib / 1024:.0f} MiB")


def linearity(repeats: int) -> None:
    """Time in this process against runs (N, 2N, 4N) and against events per replication (rates x1, x2, x4)."""
    import allysim

    text = PERF.read_text()
    base = allysim.parse_scenario(text, source=str(PERF))
    print("\ntime against runs (perf.yaml, plan full, in-process, best of repeats)")
    print("| runs | s | us per run |\n| ---: | ---: | ---: |")
    for runs in (2000, 4000, 8000):
        best = min(_time_simulate(base, runs) for _ in range(repeats))
        print(f"| {runs:,} | {best:.2f} | {best / runs * 1e6:,.0f} |")
    print("\ntime against events per replication (every rate scaled, dissolution switched off, 2,000 runs)")
    print("| rates x | events per run | s | us per event |\n| ---: | ---: | ---: | ---: |")
    calm = text.replace("dissolve_below: 0.25", "dissolve_below: 0.0").replace("fatal: 1.0", "fatal: 0.0")
    calm = calm.replace("fatal: 0.05", "fatal: 0.0").replace("fatal: 0.1", "fatal: 0.0")
    for k in (1, 2, 4):
        scaled = re.sub(r"(?m)^(\s+rate: )([0-9.]+)$", lambda m, k=k: f"{m.group(1)}{float(m.group(2)) * k:g}", calm)
        scenario = allysim.parse_scenario(scaled, source="scaled")
        results = allysim.simulate(scenario, runs=2000, seed=1, plans=["full"])
        events = float(results.plans["full"].occurrences.sum(axis=1).mean())
        best = min(_time_simulate(scenario, 2000) for _ in range(repeats))
        print(f"| {k} | {events:.1f} | {best:.2f} | {best / 2000 / events * 1e6:,.0f} |")


def checkpoint(repeats: int) -> None:
    """Bytes a checkpoint holds per replication (both plans of perf.yaml), and the time a run spends saving it."""
    import allysim

    scenario = allysim.load_scenario(PERF)
    print("\ncheckpoint of perf.yaml, both plans, --workers 1 (chunks of min(500, runs / 8) replications)")
    print("| runs | chunk | bytes per replication |\n| ---: | ---: | ---: |")
    for runs in (1000, 4000, 20_000):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / ".out.checkpoint"
            peak = [0]

            def measure(_done: int, folder: Path = folder, peak: list[int] = peak) -> None:
                peak[0] = max(peak[0], sum(f.stat().st_size for f in folder.iterdir()))

            allysim.simulate(scenario, runs=runs, seed=1, workers=1, checkpoint=folder, progress=measure,
                             checkpoint_after=0)
        print(f"| {runs:,} | {min(500, -(-runs // 8))} | {peak[0] / runs:,.0f} |")
    runs, plain, kept = 8000, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):  # interleaved, so drift in the machine's load hits both alike
            start = time.perf_counter()
            allysim.simulate(scenario, runs=runs, seed=1, workers=1)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            allysim.simulate(scenario, runs=runs, seed=1, workers=1, checkpoint=Path(tmp) / ".out.checkpoint",
                             checkpoint_after=0)  # every chunk written: the cost of a checkpoint, not its absence
            kept.append(time.perf_counter() - start)
    a, b = statistics.median(plain), statistics.median(kept)
    print(f"\n{runs:,} runs, both plans, in-process, median of {repeats} interleaved repeats: "
          f"{a:.2f} s without a checkpoint, {b:.2f} s with one ({(b / a - 1) * 100:+.1f}%)")


def _time_simulate(scenario, runs: int) -> float:  # noqa: ANN001
    import allysim

    start = time.perf_counter()
    allysim.simulate(scenario, runs=runs, seed=1, plans=["full"], workers=1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--linearity", action="store_true")
    parser.add_argument("--checkpoint", action="store_true")
    args = parser.parse_args()
    if not PERF.exists():
        sys.exit(f"{PERF} not found: run from a checkout with shared/ beside it")
    throughput(args.runs, args.repeats)
    if args.scaling:
        scaling(20_000, max(3, args.repeats // 2))
    if args.linearity:
        linearity(max(1, args.repeats // 2))
    if args.million:
        million(2)
    if args.checkpoint:
        checkpoint(args.repeats)


if __name__ == "__main__":
    main()
