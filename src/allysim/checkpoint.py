"""Checkpoints: every finished chunk of a long run is kept on disk, so an interrupted run can be resumed.

A checkpoint is a hidden folder beside the output folder (``reports/.jv.checkpoint/`` for ``reports/jv/``), so the
output folder itself is never left with partial files. It holds a manifest naming what is being simulated
(scenario file and validated model sha256, ``--set`` overrides, seed, runs, event budget, variants, allysim version)
and one file per finished chunk of replications, each
written atomically. Resuming loads the chunks whose manifest matches and simulates only what is missing; because
every replication's numbers depend only on (seed, replication, source), the resumed results are identical to an
uninterrupted run's. The folder is removed when the run completes.

A run that ends within its first seconds has nothing worth resuming, so chunks are held in memory for the first
:data:`CHECKPOINT_AFTER` seconds (``ALLYSIM_CHECKPOINT_AFTER`` in the environment changes it; 0 saves every chunk
at once): such a run touches the disk only for its results. The first chunk to finish after that writes the
manifest and every chunk held so far, and from then on each chunk is written as it finishes; at any moment, either
no chunk is on disk or every finished one is. A resumed run saves at once.

Disks fill up and machines crash mid-write, so nothing is trusted unread: a chunk's name carries the sha256 of its
range and bytes (``chunk-000000000500-000000001000-3f9a0c...bin``) and the manifest carries the sha256 of its content. A
chunk that does not match its name (truncated, bit-flipped, half-written) is simulated again, with a warning that
says how many were; a damaged manifest means no checkpoint, with a warning too.

A chunk is small (about 150 bytes per replication of eight risks, three contingencies and two plans, against
about 940 stored raw): each array is stored in the narrowest integer type that holds it, its bytes regrouped by
significance (all first bytes, then all second bytes, ...), which puts the many zero and repeated bytes of counts,
costs of unused contingencies and sparse health histograms side by side, and then deflated.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import AllysimWarning, OutputError, UsageError
from .outputs import sidecar, write_advice, write_bytes
from .results import PlanRuns

__all__ = ["Checkpoint", "checkpoint_path", "decode_chunk", "discard", "encode_chunk", "CHECKPOINT_AFTER",
           "checkpoint_after"]

CHECKPOINT_AFTER = 5.0  # seconds of a run before its first chunk is written (a shorter run writes none)

_FORMAT = 3  # chunk and manifest layout; a checkpoint written in another layout belongs to another run
_MAGIC = b"allysim checkpoint chunk\n"
_CHUNK = re.compile(r"chunk-(\d{12})-(\d{12})-([0-9a-f]{16})\.bin")
_LEVEL = 1  # deflate's fastest level: nearly the size of the best one here, at a fifth of the time


# manifest key -> what a user calls it, for the message of a checkpoint of another run
_WHAT = {"scenario_sha256": "scenario file", "model_sha256": "scenario or --set", "overrides": "--set",
         "variants": "plans", "allysim_version": "allysim version", "format": "allysim version",
         "event_budget": "event budget", "exhaustive": "--exhaustive", "precision": "--precision"}


def checkpoint_path(out: str | Path) -> Path:
    """Where the checkpoint of an output folder lives: a hidden sibling folder, or inside the output folder when its
    parent cannot be written (:func:`allysim.outputs.sidecar`)."""
    return sidecar(out, "checkpoint")


def checkpoint_after() -> float:
    """Seconds a run goes before its first checkpoint chunk is written: ``ALLYSIM_CHECKPOINT_AFTER`` if set, else
    :data:`CHECKPOINT_AFTER`."""
    text = os.environ.get("ALLYSIM_CHECKPOINT_AFTER", "").strip()
    if not text:
        return CHECKPOINT_AFTER
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0 or math.isinf(seconds):
        raise UsageError(f"ALLYSIM_CHECKPOINT_AFTER must be a number of seconds >= 0, got {text!r}")
    return seconds


def discard(path: str | Path) -> None:
    """Remove a checkpoint folder that is no longer needed (its results are written)."""
    shutil.rmtree(path, ignore_errors=True)


def _digest(start: int, stop: int, data: bytes) -> str:
    """A chunk's digest: of its range and its bytes, so a chunk renamed to another range is no longer trusted."""
    return hashlib.sha256(b"%d-%d\n" % (start, stop) + data).hexdigest()[:16]


def _narrow(array: np.ndarray) -> np.ndarray:
    """The array in the narrowest integer type that holds every value (floats unchanged)."""
    if array.dtype.kind not in "iu" or array.size == 0:
        return array
    narrow = np.result_type(np.min_scalar_type(int(array.min())), np.min_scalar_type(int(array.max())))
    return array.astype(narrow) if narrow.itemsize < array.dtype.itemsize else array


def encode_chunk(chunk: dict[str, PlanRuns]) -> bytes:
    """The bytes of a chunk file: a header line naming each array, then each array regrouped and deflated."""
    entries, blobs = [], []
    for key, runs in chunk.items():
        for name in PlanRuns.fields():
            array = getattr(runs, name)
            if array.dtype == object:  # text (partners' exits): one JSON list, as UTF-8 bytes
                array = np.frombuffer(json.dumps(array.tolist()).encode(), dtype=np.uint8)
                blob = zlib.compress(array.tobytes(), _LEVEL)
                entries.append([key, name, "text", "|u1", [len(array)], len(blob)])
                blobs.append(blob)
                continue
            array = np.ascontiguousarray(array)
            stored = _narrow(array)
            regrouped = stored.view(np.uint8).reshape(-1, stored.dtype.itemsize).T.tobytes()
            blob = zlib.compress(regrouped, _LEVEL)
            entries.append([key, name, array.dtype.str, stored.dtype.str, list(array.shape), len(blob)])
            blobs.append(blob)
    header = json.dumps({"arrays": entries}, separators=(",", ":")).encode()
    return b"".join([_MAGIC, header, b"\n", *blobs])


def decode_chunk(data: bytes) -> dict[str, PlanRuns]:
    """The chunk that :func:`encode_chunk` wrote; ``ValueError`` (or another error) when the bytes are not one."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a chunk file")
    end = data.index(b"\n", len(_MAGIC))
    at = end + 1
    fields: dict[str, dict[str, np.ndarray]] = {}
    for key, name, dtype, stored, shape, size in json.loads(data[len(_MAGIC):end])["arrays"]:
        stored_type = np.dtype(stored)
        raw = zlib.decompress(data[at:at + size])
        at += size
        if dtype == "text":
            texts = json.loads(raw.decode())
            array = np.empty(len(texts), dtype=object)
            array[:] = texts
            fields.setdefault(key, {})[name] = array
            continue
        regrouped = np.frombuffer(raw, np.uint8).reshape(stored_type.itemsize, -1)
        array = np.ascontiguousarray(regrouped.T).view(stored_type).reshape(shape).astype(np.dtype(dtype))
        fields.setdefault(key, {})[name] = array
    if at != len(data):
        raise ValueError("trailing bytes")
    return {key: PlanRuns(**arrays) for key, arrays in fields.items()}


class Checkpoint:
    """The chunks of one run, kept as they finish (held in memory for the first ``after`` seconds)."""

    def __init__(self, path: str | Path, manifest: dict[str, Any], after: float | None = None) -> None:
        self.path = Path(path)
        self.manifest = {**manifest, "allysim_version": __version__, "format": _FORMAT}
        self.after = checkpoint_after() if after is None else after
        self.saved = 0  # chunks on disk
        self._held: list[tuple[int, int, dict[str, PlanRuns]]] = []  # finished, not yet written
        self._begun = time.monotonic()
        self._written = False  # the folder and its manifest exist

    @property
    def on_disk(self) -> bool:
        """Whether the checkpoint folder holds this run's manifest (and with it every chunk finished so far)."""
        return self._written

    @staticmethod
    def saved_seed(path: str | Path) -> int | None:
        """The seed of a checkpoint on disk, if there is one (to resume a run whose seed was drawn fresh)."""
        manifest = _read_manifest(Path(path) / "manifest.json")
        try:
            return int(manifest["seed"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return None

    def start(self, resume: bool) -> dict[tuple[int, int], dict[str, PlanRuns]]:
        """Begin: with ``resume``, return the chunks already done; otherwise clear any old checkpoint."""
        manifest_file = self.path / "manifest.json"
        if resume and manifest_file.exists():
            saved = _read_manifest(manifest_file)
            if saved is None:
                warnings.warn(f"the checkpoint in {self.path} is damaged (its manifest does not match its "
                              "checksum); starting afresh", AllysimWarning, stacklevel=2)
            elif saved != self.manifest:
                differ = sorted({_WHAT.get(key, key) for key in set(saved) | set(self.manifest)
                                 if saved.get(key) != self.manifest.get(key)})
                raise UsageError(f"the checkpoint in {self.path} belongs to another run (different "
                                 f"{', '.join(differ)}); run again without --resume to start afresh")
            else:
                self._written = True
                return self._load()
        shutil.rmtree(self.path, ignore_errors=True)
        self._begun = time.monotonic()
        return {}

    def _write_manifest(self) -> None:
        manifest_file = self.path / "manifest.json"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            body = json.dumps(self.manifest, sort_keys=True)
            write_bytes(manifest_file, json.dumps({**self.manifest, "sha256": _sha256(body)}, indent=2).encode())
        except OSError as exc:
            shutil.rmtree(self.path, ignore_errors=True)
            raise OutputError(f"cannot write the checkpoint {self.path}{os.sep}: {exc.strerror or exc}; "
                              f"{write_advice(exc)}; nothing is kept", exit_code=1) from None
        self._written = True

    def save(self, start: int, stop: int, chunk: dict[str, PlanRuns]) -> None:
        """Keep one finished chunk: held in memory during the run's first ``after`` seconds, else written with
        every chunk held so far."""
        if not self._written:
            self._held.append((start, stop, chunk))
            if time.monotonic() - self._begun < self.after:
                return
            self._write_manifest()
        held, self._held = self._held or [(start, stop, chunk)], []
        for first, last, part in held:
            self._write(first, last, part)

    def _write(self, start: int, stop: int, chunk: dict[str, PlanRuns]) -> None:
        data = encode_chunk(chunk)
        try:
            write_bytes(self.path / f"chunk-{start:012d}-{stop:012d}-{_digest(start, stop, data)}.bin", data)
        except OSError as exc:
            if self.saved:
                kept = (f"the {self.saved} chunks saved so far are kept there" if self.saved > 1 else
                        "the chunk saved so far is kept there")
                kept += ": run again with --resume to continue from them, or delete the folder"
            else:
                shutil.rmtree(self.path, ignore_errors=True)
                kept = "nothing is kept"
            raise OutputError(f"cannot write the checkpoint {self.path}{os.sep}: {exc.strerror or exc}; "
                              f"{write_advice(exc)}; {kept}", exit_code=1) from None
        self.saved += 1

    def finish(self) -> None:
        """The run completed: the checkpoint is no longer needed."""
        self._held = []
        discard(self.path)

    def _load(self) -> dict[tuple[int, int], dict[str, PlanRuns]]:
        expected = set(self.manifest["variants"])
        out: dict[tuple[int, int], dict[str, PlanRuns]] = {}
        damaged = total = 0
        reached = 0
        for file in sorted(self.path.iterdir()):
            match = _CHUNK.fullmatch(file.name)
            if match is None:
                if file.name.startswith((".chunk-", "chunk-")):
                    file.unlink(missing_ok=True)  # a write that never finished
                continue
            total += 1
            start, stop = int(match[1]), int(match[2])
            chunk = self._verified(file, match[3], start, stop, expected)
            if chunk is None:
                damaged += 1
            if chunk is None or start < reached:  # damaged, or overlapping a chunk already taken
                file.unlink(missing_ok=True)
                continue
            out[(start, stop)] = chunk
            reached = stop
        self.saved = len(out)
        if damaged:
            warnings.warn(f"{damaged} of {total} checkpoint chunks in {self.path} {'was' if damaged == 1 else 'were'}"
                          f" damaged or truncated; simulating {'it' if damaged == 1 else 'them'} again",
                          AllysimWarning, stacklevel=3)
        return out

    def _verified(self, file: Path, digest: str, start: int, stop: int,
                  expected: set[str]) -> dict[str, PlanRuns] | None:
        """The chunk in ``file`` if its bytes match its name and it holds what this run needs, else None."""
        try:
            data = file.read_bytes()
            if _digest(start, stop, data) != digest or not 0 <= start < stop <= self.manifest["runs"]:
                return None
            chunk = decode_chunk(data)
        except Exception:  # noqa: BLE001 - whatever a damaged file does to the decoder, it is a damaged file
            return None
        if set(chunk) != expected or any(len(runs) != stop - start for runs in chunk.values()):
            return None
        return chunk

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest, or None when it is missing, unreadable or does not match its checksum."""
    try:
        data = json.loads(path.read_text())
        if "sha256" not in data:
            return data  # an older allysim's manifest: whole, but of another run
        checksum = data.pop("sha256")
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    if not isinstance(checksum, str) or checksum != _sha256(json.dumps(data, sort_keys=True)):
        return None
    return data
