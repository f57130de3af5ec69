"""Time `allysim workbook` on a folder with a large runs.csv, and its peak memory.

    PYTHONPATH=src python benchmarks/bench_workbook.py                  # 1,100,000 rows: past Excel's row limit
    PYTHONPATH=src python benchmarks/bench_workbook.py --rows 200000

The folder is a real small run (summary.json, charts) whose runs.csv is then replaced by ROWS synthetic rows of the
same columns, so the time measured is the workbook's, not the simulation's. The Runs sheet is streamed (openpyxl's
write-only mode), so peak memory should not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "joint_venture.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_100_000)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run([sys.executable, "-m", "allysim", "run", str(SCENARIO), "--runs", "200", "--workers", "1",
                        "--quiet", "--out", str(out)], check=True, env=env)
        rng = random.Random(1)
        plans = ["do_nothing", "governance", "legal_safeguards", "full"]
        with open(out / "runs.csv", "w", encoding="utf-8") as fh:
            fh.write("plan,run,lifetime,survived,end_cause,npv,risk_cost,contingency_cost,min_health,resilience\n")
            for i in range(args.rows):
                life = rng.uniform(0, 10)
                fh.write(f"{plans[i % 4]},{i // 4},{life:.10g},{str(life > 9).lower()},ip_dispute,"
                         f"{rng.gauss(25, 15):.10g},{rng.uniform(0, 9):.10g},{rng.uniform(0, 3):.10g},"
                         f"{rng.random():.10g},{rng.random():.10g}\n")
        size = (out / "runs.csv").stat().st_size
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "allysim", "workbook", str(out)], check=True, env=env)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        book = (out / "workbook.xlsx").stat().st_size
    print(f"runs.csv {args.rows:,} rows ({size / 1e6:.0f} MB) -> workbook.xlsx {book / 1e6:.0f} MB in {seconds:.1f} s, "
          f"peak RSS of the child processes {peak:.0f} MB")


if __name__ == "__main__":
    main()
