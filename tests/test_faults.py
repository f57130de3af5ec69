"""Faults of real machines, injected for real: two commands on one folder, a killed run, damaged checkpoints, a full
disk, a read-only location. Commands run as separate processes (``python -m allysim``, the same entry point as the
installed ``allysim``), so locks, signals and exit codes are the real ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import allysim

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks and signals")

# About 400 events per replication: a few thousand replications keep a command busy for several seconds, so a test
# can act while it runs, and it never finishes on its own within a test (the test stops it).
BUSY = """\
allysim: 1
name: Busy alliance
horizon: 10
seed: 3
runs: 50000
alliance:
  health: {dissolve_below: 0.0, recovery: 0.5}
  value_rate: 10
risks:
  - id: friction
    rate: 40
    impact: {health: 0.01, cost: 0.01}
plans:
  none: []
"""

QUICK = """\
allysim: 1
name: Quick alliance
horizon: 5
seed: 11
runs: 600
alliance:
  health: {dissolve_below: 0.3, recovery: 0.2}
  value_rate: 10
risks:
  - id: dispute
    rate: 0.4
    impact: {health: {uniform: {low: 0.1, high: 0.4}}, cost: 1.0, fatal: 0.1}
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

SRC = str(Path(allysim.__file__).resolve().parents[1])


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "allysim", *args]


def environment() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": SRC + (os.pathsep + path if path else "")}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, env=environment(), cwd=cwd, timeout=300,
                          check=False)


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment())


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the command ended or stalled before {what}: {proc.communicate()}")
        time.sleep(0.02)


def holder(lock: Path) -> str:
    try:
        return lock.read_text().strip()
    except OSError:
        return ""


@pytest.fixture()
def busy(tmp_path: Path) -> Path:
    path = tmp_path / "busy.yaml"
    path.write_text(BUSY)
    return path


@pytest.fixture()
def quick(tmp_path: Path) -> Path:
    path = tmp_path / "quick.yaml"
    path.write_text(QUICK)
    return path


# --------------------------------------------------------------------------- one writer per output folder


def test_two_commands_racing_for_one_folder_one_runs_the_other_is_told_who_holds_it(busy, tmp_path):
    out = tmp_path / "out"
    args = ("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out")
    first, second = start(*args, str(out)), start(*args, f"{out}{os.sep}")  # both at once, one folder
    try:
        deadline = time.monotonic() + 60
        while first.poll() is None and second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        loser, winner = (first, second) if first.poll() is not None else (second, first)
        err = loser.communicate(timeout=60)[1]
        assert loser.returncode == 1, err
        assert err.strip() == (f"allysim: {out} is in use by another allysim command (process {winner.pid}); "
                               "wait for it to finish, or write to another --out")
        assert winner.poll() is None  # the winner is still simulating, undisturbed
    finally:
        for proc in (first, second):
            proc.kill()
            proc.communicate()


def test_a_killed_run_leaves_no_stale_lock_and_other_folders_never_block(busy, quick, tmp_path):
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    busy_run = start("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    try:
        wait_for(lambda: holder(lock) == str(busy_run.pid), busy_run, "taking its lock")
        # another folder, and a folder inside the busy run's folder, are not blocked
        for other in (tmp_path / "other", out / "inner"):
            done = run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet",
                       "--out", str(other))
            assert done.returncode == 0, done.stderr
            assert (other / "summary.json").exists()
        busy_run.kill()  # SIGKILL: no chance to clean up; the kernel drops the lock
        busy_run.communicate()
    finally:
        busy_run.kill()
    again = run("run", str(quick), "--runs", "100", "--workers", "1", "--format", "none", "--quiet", "--out",
                str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "summary.json").exists() and (out / "inner" / "summary.json").exists()
    assert not lock.exists()


def test_every_writing_command_takes_the_lock(busy, quick, tmp_path):
    out = tmp_path / "out"
    busy_run = start("run", str(busy), "--workers", "1", "--format", "none", "--quiet", "--out", str(out))
    try:
        wait_for(lambda: holder(tmp_path / ".out.lock") == str(busy_run.pid), busy_run, "taking its lock")
        study = ("--out", str(out), "--workers", "1", "--format", "none", "--quiet")
        others = [start(*args) for args in (("compare", str(quick), *study), ("value", str(quick), *study),
                                            ("drivers", str(quick), *study), ("report", str(out)),
                                            ("deck", str(out)))]
        for proc in others:
            err = proc.communicate(timeout=120)[1]
            assert proc.returncode == 1, (proc.args, err)
            assert err.strip() == (f"allysim: {out} is in use by another allysim command (process {busy_run.pid}); "
                                   "wait for it to finish, or write to another --out")
        assert not out.exists()
    finally:
        busy_run.kill()
        busy_run.communicate()
