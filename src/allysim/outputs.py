"""The write side of an output folder: one atomic writer for every file allysim writes, and the folder's files.

Every file (JSON, ``runs.csv``, charts, the deck, the brief, checkpoint chunks) is written through
:func:`atomic_file`: into a hidden temporary file in the same folder, then renamed over the target, so a reader
never sees a truncated file and an interrupted write leaves nothing behind. :func:`staged` does the same for a
whole command's files at once. The read side is :mod:`allysim.folder`.

When the disk is full, the location read-only or another OS error stops a write, the error names the file it was
writing (a failed ``write`` names none), and :func:`staged` turns it into an :class:`~allysim.errors.OutputError`
that says what could not be written, where, and what to do, leaving the output folder exactly as it was.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import math
import os
import shutil
import signal
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import OutputError

if TYPE_CHECKING:
    from .results import Results

__all__ = ["atomic_file", "write_bytes", "write_json", "write_csv", "write_runs_csv", "write_params_csv",
           "write_results", "write_scenario_copy", "staged", "write_advice", "cannot_write", "RUNS_COLUMNS",
           "runs_columns", "SCENARIO_COPY"]

SCENARIO_COPY = "scenario.yaml"  # the scenario file an output folder was made from, byte for byte

RUNS_COLUMNS = ("plan", "run", "lifetime", "survived", "end_cause", "npv", "risk_cost", "contingency_cost",
                "min_health", "resilience")


def runs_columns(scenario: Any) -> tuple[str, ...]:
    """The header of ``runs.csv``: SPEC's columns, ``env_state_at_end`` with an environment, and
    ``partners_at_end, exits`` with partners."""
    columns = RUNS_COLUMNS if scenario.environment is None else (*RUNS_COLUMNS, "env_state_at_end")
    return (*columns, "partners_at_end", "exits") if getattr(scenario, "partners", ()) else columns


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, text: bool = False, what: str | None = None) -> Iterator[IO[Any]]:
    """Open a file to write that appears at ``path`` whole, or not at all.

    The data go to ``.NAME.<random>.tmp`` beside ``path`` (mode ``x``, which honours the umask, unlike mkstemp's
    0600), renamed over ``path`` when the block ends without error and removed otherwise. With ``what`` (such as
    ``"deck"``), a failure to write becomes an :class:`~allysim.errors.OutputError` naming the file.

    Examples
    --------
    >>> with atomic_file("reports/jv/notes.txt", text=True) as fh:   # doctest: +SKIP
    ...     fh.write("hello")
    """
    target = Path(path)
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        if text:
            handle = open(temporary, "x", newline="", encoding="utf-8")
        else:
            handle = open(temporary, "xb")
        with handle:
            yield handle
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        if exc.filename is None or os.fsdecode(exc.filename) == str(temporary):
            exc.filename = str(target)  # the user knows the file by its name, not by our temporary one
        if what is None:
            raise
        raise OutputError(f"{target}: cannot write the {what} ({exc.strerror or exc}); {write_advice(exc)}",
                          exit_code=1) from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path) -> None:
    """Remove a temporary file if it is there; on a read-only disk even a missing file cannot be unlinked."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def write_advice(exc: OSError, charts: bool = False) -> str:
    """What to do about an OS error while writing: free space, another --out, fewer files."""
    if exc.errno in _FULL:
        return ("free some space, or write to another --out on another disk"
                + (", or leave the charts out with --format none" if charts else ""))
    return "write to another --out, in a folder you can write to"


def cannot_write(exc: OSError, folder: Path, stage: Path | None = None, kept: str = "") -> str:
    """One line for an OS error while writing into ``folder`` (through ``stage``): what, where, what to do."""
    what = "the results"
    if exc.filename is not None:
        path = Path(os.fsdecode(exc.filename))
        if stage is not None and path.parent == stage:
            what = path.name
        elif stage is None or stage not in path.parents:
            what = str(path)
    return (f"cannot write {what} in {folder}{os.sep}: {exc.strerror or exc}; {write_advice(exc, charts=True)}; "
            f"the output folder is as it was{kept or ' and nothing of this command is left behind'}")


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as fh:
        fh.write(data)
    return Path(path)

def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as JSON atomically (temporary file in the same folder, then rename)."""
    with atomic_file(path, text=True) as fh:
        fh.write(json.dumps(_clean(data), indent=2, allow_nan=False) + "\n")
    return Path(path)


def write_csv(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV file (``header``, then ``rows``) atomically and return its path."""
    with atomic_file(path, text=True) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)


def write_runs_csv(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write ``runs.csv`` (one row per plan and replication) atomically and return its path."""
    return write_csv(path, runs_columns(results.scenario), results.rows())


def write_params_csv(results: Results, path: str | os.PathLike[str]) -> Path:
    """Write ``params.csv`` (``run, PATH, PATH, ...``: each replication's uncertain draws) atomically."""
    return write_csv(path, ("run", *results.scenario.uncertain), results.params_rows())


def write_scenario_copy(scenario: Any, folder: str | Path) -> Path | None:
    """Copy the scenario file the results were simulated from into ``folder`` as ``scenario.yaml``.

    The copy makes the folder self-contained: ``report``, ``deck`` and ``workbook`` read the assumptions from it
    wherever the folder is moved. Nothing is copied (None) when the scenario was not read from a file, or when the
    file has changed since it was read (its sha256 no longer matches): a copy must be exactly what was simulated.
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
        write_runs_csv(results, folder / "runs.csv"),
        write_json(folder / "health.json", results.health_bands()),
    ]
    if results.params is not None:
        written.append(write_params_csv(results, folder / "params.csv"))
    copy = write_scenario_copy(results.scenario, folder)
    return written + ([copy] if copy is not None else [])


@contextmanager
def staged(folder: str | Path, kept: str = "") -> Iterator[Path]:
    """Write a command's files into a staging folder, then move them all into ``folder`` at once.

    Until the very end nothing in ``folder`` changes, so an error or an interrupt leaves it exactly as it was. The
    final moves are renames (atomic each, needing no new space) made with SIGINT and SIGTERM held back, so they
    happen all or none. An OS error while writing (a full disk) becomes an :class:`OutputError` that says what could
    not be written and what to do; ``kept`` says what of the command is kept elsewhere (``"; the ... is kept"``).
    """
    folder = Path(folder)
    stage = folder.parent / f".{folder.name}.staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage.mkdir(parents=True)
        yield stage
        held = {signal.SIGINT, signal.SIGTERM}
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for item in sorted(stage.iterdir()):
                os.replace(item, folder / item.name)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    except OSError as exc:
        raise OutputError(cannot_write(exc, folder, stage, kept), exit_code=1) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
