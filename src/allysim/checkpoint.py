"""Checkpoints: every finished chunk of a long run is kept on disk, so an interrupted run can be resumed.

A checkpoint is a hidden folder beside the output folder (``reports/.jv.checkpoint/`` for ``reports/jv/``), so the
output folder itself is never left with partial files. It holds a manifest naming what is being simulated
(scenario sha256, seed, runs, variants, allysim version) and one ``.npz`` file per finished chunk of replications,
each written atomically. Resuming loads the chunks whose manifest matches and simulates only what is missing;
because every replication's numbers depend only on (seed, replication, source), the resumed results are identical
to an uninterrupted run's. The folder is removed when the run completes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import UsageError
from .outputs import atomic_file, write_bytes
from .results import PlanRuns

__all__ = ["Checkpoint", "checkpoint_path"]



def checkpoint_path(out: str | Path) -> Path:
    """Where the checkpoint of an output folder lives: a hidden sibling folder."""
    out = Path(out)
    return out.parent / f".{out.name}.checkpoint"


class Checkpoint:
    """The chunks of one run, kept as they finish."""

    def __init__(self, path: str | Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        self.manifest = {**manifest, "allysim_version": __version__}

    @staticmethod
    def saved_seed(path: str | Path) -> int | None:
        """The seed of a checkpoint on disk, if there is one (to resume a run whose seed was drawn fresh)."""
        try:
            return int(json.loads((Path(path) / "manifest.json").read_text())["seed"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def start(self, resume: bool) -> dict[tuple[int, int], dict[str, PlanRuns]]:
        """Begin: with ``resume``, return the chunks already done; otherwise clear any old checkpoint."""
        manifest_file = self.path / "manifest.json"
        if resume and manifest_file.exists():
            try:
                saved = json.loads(manifest_file.read_text())
            except (OSError, ValueError):
                saved = None
            if saved != self.manifest:
                raise UsageError(f"the checkpoint in {self.path} belongs to another run (different scenario, seed, "
                                 "runs, plans or allysim version); run again without --resume to start afresh")
            return self._load()
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        write_bytes(manifest_file, json.dumps(self.manifest, indent=2).encode())
        return {}

    def save(self, start: int, stop: int, chunk: dict[str, PlanRuns]) -> None:
        """Keep one finished chunk."""
        arrays = {f"{key}.{name}": getattr(runs, name) for key, runs in chunk.items() for name in PlanRuns.fields()}
        with atomic_file(self.path / f"chunk-{start:012d}-{stop:012d}.npz") as fh:
            np.savez(fh, **arrays)

    def finish(self) -> None:
        """The run completed: the checkpoint is no longer needed."""
        shutil.rmtree(self.path, ignore_errors=True)

    def _load(self) -> dict[tuple[int, int], dict[str, PlanRuns]]:
        out = {}
        for file in sorted(self.path.glob("chunk-*.npz")):
            _, start, stop = file.stem.split("-")
            with np.load(file) as data:
                keys = {name.split(".", 1)[0] for name in data.files}
                out[(int(start), int(stop))] = {
                    key: PlanRuns(**{name: data[f"{key}.{name}"] for name in PlanRuns.fields()}) for key in keys}
        return out
