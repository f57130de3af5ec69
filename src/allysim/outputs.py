"""Writing an output folder: ``summary.json``, ``runs.csv``, ``health.json``, ``scenario.yaml``, atomically."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .results import Results

__all__ = ["SCENARIO_COPY", "write_bytes", "write_json", "write_results", "write_scenario_copy", "staged"]

SCENARIO_COPY = "scenario.yaml"  # the scenario file an output folder was made from, byte for byte

def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as JSON atomically (temporary file in the same folder, then rename)."""
    text = json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"
    return write_bytes(path, text.encode("utf-8"))


def write_scenario_copy(scenario: Any, folder: str | Path) -> Path | None:
    """Copy the scenario file the results were simulated from into ``folder`` as ``scenario.yaml``.

    The copy makes the folder self-contained: ``report`` and ``deck`` read the assumptions from it wherever the
    folder is moved. Nothing is copied (None) when the scenario was not read from a file, or when the file has
    changed since it was read (its sha256 no longer matches): a copy must be exactly what was simulated.
    """
    try:
        raw = Path(scenario.source).read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(raw).hexdigest() != scenario.sha256:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_bytes(folder / SCENARIO_COPY, raw)


def write_results(results: Results, folder: str | Path) -> list[Path]:
    """Write the data files of a run into ``folder`` (created if missing) and return their paths.

    ``summary.json``, ``runs.csv``, ``health.json``, ``params.csv`` when the scenario has uncertain parameters,
    and, when the scenario was read from a file, ``scenario.yaml``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_json(folder / "summary.json", results.summary()),
        results.to_csv(folder / "runs.csv"),
        write_json(folder / "health.json", results.health_bands()),
    ]
    if results.params is not None:
        written.append(results.params_to_csv(folder / "params.csv"))
    copy = write_scenario_copy(results.scenario, folder)
    return written + ([copy] if copy is not None else [])


@contextmanager
def staged(folder: str | Path) -> Iterator[Path]:
    """Write a command's files into a staging folder, then move them all into ``folder`` at once.

    Until the very end nothing in ``folder`` changes, so an error or an interrupt leaves it exactly as it was. The
    final moves are renames (atomic each) made with SIGINT and SIGTERM held back, so they happen all or none.
    """
    folder = Path(folder)
    stage = folder.parent / f".{folder.name}.staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        yield stage
        held = {signal.SIGINT, signal.SIGTERM}
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for item in sorted(stage.iterdir()):
                os.replace(item, folder / item.name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
