"""Interrupts and resume, through the real console script in a subprocess."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "data" / "perf.yaml"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def allysim(*args: str) -> list[str]:
    exe = shutil.which("allysim") or str(Path(sys.executable).with_name("allysim"))
    # without the installed console script (a checkout run with PYTHONPATH=src), the same entry point via -m
    command = [exe] if Path(exe).exists() else [sys.executable, "-m", "allysim"]
    return [*command, "run", str(BENCH), "--plan", "full", "--format", "none", "--quiet", *args]


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _default_sigint() -> None:
    """In the child, before exec: SIGINT back to its default, so that Python turns it into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_midway(cmd: list[str], checkpoint: Path, sig: int) -> subprocess.CompletedProcess:
    # chunks saved as soon as they finish (not after 5 s), so the signal can wait for the first one
    env = {**os.environ, "ALLYSIM_CHECKPOINT_AFTER": "0"}
    # a shell without job control (nohup, `trap "" INT`, some CI runners) starts the suite with SIGINT ignored, and
    # an ignored signal stays ignored across exec: give the child the default handler, as an interactive shell does
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)
    deadline = time.monotonic() + 120
    while not list(checkpoint.glob("chunk-*.bin")):  # wait until the run is really under way
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the run ended or stalled before its first chunk: {proc.communicate()}")
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)  # a run that does not stop fails here; how fast: benchmarks/
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_the_folder_as_it_was_and_resume_matches(tmp_path, sig):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".allysim").write_text("")  # an earlier run's folder, where the user keeps notes too
    (out / "summary.json").write_text('{"earlier": true}\n')
    (out / "notes.txt").write_text("a user's own file\n")
    before = snapshot(out)
    checkpoint = tmp_path / ".out.checkpoint"
    args = ("--runs", "20000", "--seed", "5", "--out", str(out))

    stopped = interrupt_midway(allysim(*args, "--workers", "2"), checkpoint, sig)
    assert stopped.returncode == 130, stopped.stderr
    assert "Traceback" not in stopped.stderr and "interrupted" in stopped.stderr
    assert snapshot(out) == before  # no partial or half-updated file
    assert not list(tmp_path.glob(".out.staging-*"))
    assert list(checkpoint.glob("chunk-*.bin"))

    resumed = subprocess.run(allysim(*args, "--workers", "2", "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert not checkpoint.exists()

    straight = tmp_path / "straight"
    done = subprocess.run(allysim("--runs", "20000", "--seed", "5", "--out", str(straight), "--workers", "1"),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "summary.json").read_text() == (straight / "summary.json").read_text()
    assert (out / "runs.csv").read_text() == (straight / "runs.csv").read_text()
    assert (out / "notes.txt").read_text() == "a user's own file\n"


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    out = tmp_path / "out"
    checkpoint = tmp_path / ".out.checkpoint"
    stopped = interrupt_midway(allysim("--runs", "20000", "--seed", "5", "--out", str(out), "--workers", "2"),
                               checkpoint, signal.SIGINT)
    assert stopped.returncode == 130
    other = subprocess.run(allysim("--runs", "20000", "--seed", "6", "--out", str(out), "--resume"),
                           capture_output=True, text=True)
    assert other.returncode == 2 and "belongs to another run" in other.stderr
    assert not out.exists()
