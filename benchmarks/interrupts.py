"""Ctrl-C and SIGTERM at random moments of a run on two workers: every run must stop, promptly, with exit code 130.

    PYTHONPATH=src python benchmarks/interrupts.py [TRIES]

Each try starts ``allysim run tests/data/perf.yaml --workers 2`` (through ``allysim.cli.main``), waits for its first checkpoint chunk and a random
0-0.5 s more, sends SIGINT or SIGTERM, and times how long the process takes to end (a stop slower than 20 s counts as
a hang: its threads are dumped, then it is killed). Prints the count of hangs and the median and slowest stop, and
exits with 1 on any hang or any exit code other than 130 (a run that finished before the signal is skipped).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests" / "data" / "perf.yaml"
HANG = 20.0


def one_try(rng: random.Random) -> tuple[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="allysim-interrupt-"))
    try:
        # allysim.cli.main rather than the console script, whose last resort (leave at once after an interrupt)
        # would hide a pool that does not wind down by itself: this measures the Python API's own behaviour
        command = [sys.executable, "-c", "from allysim.cli import main; main()", "run", str(SCENARIO), "--plan", "full", "--format", "none",
                   "--quiet", "--runs", "20000", "--seed", "5", "--out", str(folder / "out"), "--workers", "2"]
        env = dict(os.environ, PYTHONFAULTHANDLER="1")
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        checkpoint = folder / ".out.checkpoint"
        while not list(checkpoint.glob("chunk-*.bin")) and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.5))
        proc.send_signal(rng.choice([signal.SIGINT, signal.SIGTERM]))
        sent = time.perf_counter()
        try:
            _out, err = proc.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            _out, err = proc.communicate()
            print(err[-4000:], file=sys.stderr)
            return "hang", HANG
        took = time.perf_counter() - sent
        if proc.returncode == 0:
            return "finished first", took
        if proc.returncode != 130 or "Traceback" in err:
            print(f"exit code {proc.returncode}: {err[-2000:]}", file=sys.stderr)
            return "bad exit", took
        return "stopped", took
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    tries = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    rng = random.Random(2026)
    outcomes: dict[str, list[float]] = {}
    for _ in range(tries):
        outcome, took = one_try(rng)
        outcomes.setdefault(outcome, []).append(took)
    stops = outcomes.get("stopped", [])
    print(f"{tries} interrupts: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(outcomes.items())))
    if stops:
        print(f"stop after the signal: median {statistics.median(stops):.2f} s, slowest {max(stops):.2f} s")
    return 1 if outcomes.get("hang") or outcomes.get("bad exit") else 0


if __name__ == "__main__":
    sys.exit(main())
