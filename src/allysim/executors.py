"""Where chunks of replications run: in this process, in worker processes, or on a Dask cluster.

An executor takes a :class:`Job` (a scenario, its variants, a seed) and ranges of replication indices, and yields
each range's arrays as it completes. The runner puts them back by replication index, so the numbers never depend on
the executor, the number of workers or the order of completion.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from .engine import CompiledPlan
from .errors import AllysimError, ClusterError, UsageError
from .results import PlanRuns
from .scenario import Scenario
from .sharing import masks_of, simulate_exhaustive, simulate_shared
from .streams import Layout, sources
from .uncertainty import Draws

__all__ = ["Job", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor"]

Ranges = list[tuple[int, int]]
Chunk = Mapping[str, PlanRuns]  # a dict of whole arrays, or a SharedChunk deriving them from shared paths


@dataclass
class Job:
    """What every chunk simulates: each variant of a scenario on the same replication indices.

    Variants share paths (:mod:`allysim.sharing`) unless ``exhaustive``; a single variant is simply simulated.
    """

    scenario: Scenario
    variants: dict[str, Any]  # name -> Variant (contingencies, removed_risks)
    seed: int
    event_budget: int
    health_path: bool = True
    exhaustive: bool = False
    layout: Layout | None = None  # fixed across scenarios that must share streams (sweeps); else the scenario's
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    _compiled: dict[Any, CompiledPlan] = field(default_factory=dict, repr=False)
    _masks: dict[tuple, list] = field(default_factory=dict, repr=False)
    _layout: Layout | None = field(default=None, repr=False)  # the scenario's, made once per process

    @property
    def shared(self) -> bool:
        return not self.exhaustive and len(self.variants) > 1

    def compiled(self, name: str) -> CompiledPlan:
        """Variant ``name`` compiled for the engine, once per process (with shadows when paths are shared)."""
        if name not in self._compiled:
            v = self.variants[name]
            # variants that differ only in their pins (a sensitivity study's levels) compile alike: every run sets
            # every uncertain parameter from its own draws, so they share one compiled plan
            kind = ("compiled", tuple(v.contingencies), tuple(v.removed_risks), bool(v.hold_environment))
            if kind not in self._compiled:
                self._compiled[kind] = CompiledPlan(self.scenario, v.contingencies, removed_risks=v.removed_risks,
                                                    layout=self.streams_layout(),
                                                    event_budget=self.event_budget, health_path=self.health_path,
                                                    hold_environment=v.hold_environment, shadows=self.shared)
            self._compiled[name] = self._compiled[kind]
        return self._compiled[name]

    def streams_layout(self) -> Layout:
        """The random sources every variant reads: ``layout`` if fixed, else the scenario's, one object for all
        (each replication's uniforms are drawn once and read by every variant simulated on it)."""
        if self.layout is not None:
            return self.layout
        if self._layout is None:
            self._layout = sources(self.scenario)
        return self._layout

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_compiled"] = {}  # compiled plans hold closures; each process compiles its own, once
        state["_masks"] = {}
        state["_layout"] = None
        return state

    def run(self, start: int, stop: int) -> Chunk:
        """Simulate replications ``start .. stop - 1`` of every variant.

        The uncertain parameters are drawn once per replication and shared by every variant; a variant that pins
        some of them (a sensitivity study) draws the same worlds with those pinned, and shares paths only with
        variants pinned alike.
        """
        draws = Draws.of(self.scenario)
        shared = draws.draw(self.seed, start, stop).tolist() if draws else None
        names, models, values, worlds = list(self.variants), [], [], []
        for name, variant in self.variants.items():
            models.append(self.compiled(name))
            pins = tuple(getattr(variant, "pins", ()))
            values.append(draws.draw(self.seed, start, stop, pins).tolist() if pins and draws else shared)
            # a held environment or pinned parameters make another world: paths are shared only within one
            worlds.append((pins if draws else (), bool(getattr(variant, "hold_environment", False))))
        with _collector_paused():
            if self.shared:
                key = tuple(worlds)
                if key not in self._masks:  # once per process and worlds (pins differ between chunks only when drawn)
                    self._masks = {key: [masks_of(self.scenario, v.contingencies, v.removed_risks, world)
                                         for v, world in zip(self.variants.values(), worlds)]}
                masks = self._masks[key]
                # each distinct path once, and which stands for each variant's replications: derived on reading
                return simulate_shared(models, masks, self.seed, start, stop, values, names)
            return dict(zip(names, simulate_exhaustive(models, self.seed, start, stop, values)))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for one chunk, back on (as it was) after it.

    A replication allocates thousands of short-lived containers (events, lists), and every 700 of them start a
    collection that finds nothing: a replication leaves no reference cycle behind (:meth:`allysim.life.Life.run`
    breaks the last ones; ``tests/test_engine.py`` checks it), so its objects go by reference counting alone. The
    pause saves about a twentieth of the simulation time; memory stays bounded by the chunk, and anything cyclic
    is collected once the collector is back on.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Executor(Protocol):
    def map(self, job: Job, ranges: Ranges) -> Iterator[tuple[int, Chunk]]: ...

    def close(self, cancel: bool = False) -> None:
        """Release the workers: after the chunks under way, or at once (``cancel``) when the run is abandoned."""


class SerialExecutor:
    """Every chunk in this process, in order."""

    def map(self, job: Job, ranges: Ranges) -> Iterator[tuple[int, Chunk]]:
        for start, stop in ranges:
            yield start, job.run(start, stop)

    def close(self, cancel: bool = False) -> None:
        pass


# A worker process keeps the jobs it has seen, so a job's compiled models are built once per process even though
# the job travels with every chunk (it is small: a validated scenario and a few names).
_JOBS: dict[str, Job] = {}


def _run_chunk(job: Job, start: int, stop: int) -> Chunk:
    known = _JOBS.setdefault(job.token, job)
    if len(_JOBS) > 4:
        _JOBS.clear()
        _JOBS[job.token] = known
    return known.run(start, stop)


def _start_worker(parent: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops them (no tracebacks from every worker), and end when
    it ends, however it ends (``kill -9``, the OOM killer): no orphans simulating for no one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> None:
    """End this process when process ``parent`` ends: a parent-death signal on Linux, else a watching thread."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if armed:
            if os.getppid() != parent:  # it ended before the signal was armed
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent,), name="allysim-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:  # an orphan is adopted by another process
        time.sleep(0.5)
    os._exit(1)


class ProcessExecutor:
    """Chunks in a pool of worker processes on this machine, a few chunks ahead of completion."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork starts workers in milliseconds and works from notebooks and unguarded scripts; else spawn
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=_start_worker, initargs=(os.getpid(),))
        return self._pool

    def map(self, job: Job, ranges: Ranges) -> Iterator[tuple[int, Chunk]]:
        pool = self._get_pool()
        queue = iter(ranges)
        pending: dict[Future, int] = {}

        def submit() -> None:
            nxt = next(queue, None)
            if nxt is not None:
                pending[pool.submit(_run_chunk, job, *nxt)] = nxt[0]

        try:
            for _ in range(self.workers * 2):
                submit()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    start = pending.pop(future)
                    yield start, future.result()
                    submit()
        except BaseException:
            for future in pending:
                future.cancel()
            self.close(cancel=True)
            raise

    def close(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not cancel:
            pool.shutdown(wait=True)
            return
        # Stop promptly: an interrupted run must not linger in its workers. The pool's internals are read before
        # shutdown() forgets them.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)
        manager = getattr(pool, "_executor_manager_thread", None)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
                process.join(timeout=2)
        pool.shutdown(wait=False, cancel_futures=True)
        # A worker stopped while sending a chunk leaves half a message in the result pipe, and the pool's manager
        # thread, waiting for the rest, would then hold up the interpreter's exit forever. With every worker gone,
        # closing this process's copy of the pipe's write end turns that wait into an end of file, which the
        # manager treats as a broken pool: it cleans up and ends.
        if results is not None and not any(process.is_alive() for process in processes):
            results._writer.close()
        if manager is not None:
            manager.join(timeout=5)


class DaskExecutor:
    """Chunks as tasks on a Dask cluster: an existing scheduler's address, or ``local`` for a LocalCluster."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("--executor dask needs dask.distributed: pip install 'allysim[dask]'") from None
        self._cluster = None
        self.address = address
        # dask's own log lines (a chunk being gathered again, a worker restarting) would come between allysim's
        # lines: what matters reaches the user as one line of allysim's, so they are silenced while this lives
        self._levels = _silence("distributed")
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self.client = Client(self._cluster)
            else:
                self.client = _connect(Client, address)
        except AllysimError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}; check that it is running "
                               "and that this machine can reach it") from None

    def map(self, job: Job, ranges: Ranges) -> Iterator[tuple[int, Chunk]]:
        """Every range's chunk, as each completes. Chunks lost with their workers (a worker restarted by its nanny,
        every worker killed: the job's copies went with them) are submitted again, up to :data:`RETRIES` times,
        and give the same numbers wherever they run; a chunk that kills its workers (``KilledWorker``), a lost
        scheduler or a cluster with no workers for :data:`NO_WORKERS` seconds is one line."""
        from dask.distributed import as_completed
        from distributed.client import FutureCancelledError

        futures: dict[Any, tuple[int, int]] = {}
        todo, rounds = list(ranges), 0
        watch = _Watch(self.client, lambda: list(futures))
        try:
            while todo:
                if not self.client.nthreads():  # none now (all lost, none back yet): wait for some, not forever
                    try:
                        self.client.wait_for_workers(1, timeout=NO_WORKERS)
                    except TimeoutError:
                        raise self._idle(NO_WORKERS) from None
                shared = self.client.scatter(job, broadcast=True, timeout=CONNECT_TIMEOUT)
                futures = {self.client.submit(_run_chunk, shared, start, stop, pure=False): (start, stop)
                           for start, stop in todo}
                lost = []
                for future in as_completed(futures):
                    try:
                        chunk = future.result()
                    except FutureCancelledError:
                        if watch.idle is not None:
                            raise
                        lost.append(futures[future])
                        continue
                    yield futures[future][0], chunk
                todo, rounds = sorted(lost), rounds + 1
                if todo and rounds > RETRIES:
                    raise ClusterError(f"the Dask cluster at {self.address} lost its workers {rounds} times while "
                                       "simulating; check that its workers are running and have memory enough, then "
                                       "continue with --resume")
        except (AllysimError, KeyboardInterrupt, GeneratorExit):
            self.client.cancel(list(futures))
            raise
        except BaseException as exc:  # workers killed, restarted by their nanny, the scheduler gone, tasks cancelled
            self.client.cancel(list(futures))
            if watch.idle is not None:
                raise self._idle(watch.idle) from None
            raise ClusterError(f"the Dask cluster at {self.address} failed while simulating ({type(exc).__name__}"
                               f"{': ' + str(exc)[:160] if str(exc) else ''}); check that its workers are running "
                               "and have memory enough, then continue with --resume") from None
        finally:
            watch.stop()

    def _idle(self, seconds: float) -> ClusterError:
        return ClusterError(f"the Dask cluster at {self.address} has had no workers for {seconds:.0f} s; start some "
                            "(dask worker ADDRESS), then continue with --resume")

    def close(self, cancel: bool = False) -> None:
        client = getattr(self, "client", None)
        try:
            if client is not None:
                client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            for name, level in getattr(self, "_levels", {}).items():
                logging.getLogger(name).setLevel(level)


def _silence(prefix: str) -> dict[str, int]:
    """Silence the logger ``prefix`` and every logger below it; their levels before, to restore."""
    names = [prefix, *(name for name in logging.root.manager.loggerDict if name.startswith(prefix + "."))]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return levels


CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler and hear its answer
RETRIES = 3  # times the chunks lost with their workers are submitted again
NO_WORKERS = 60.0  # seconds a cluster may have no workers while chunks wait, before the run stops
POLL = 2.0  # seconds between two looks at the cluster's workers


class _Watch:
    """A thread that looks at the cluster's workers while chunks wait: with none for :data:`NO_WORKERS` seconds
    (every ``dask worker`` killed, none coming back), it cancels the chunks, and ``idle`` says for how long. Without
    it, the tasks would wait for workers forever."""

    def __init__(self, client: Any, futures: Any) -> None:
        self.idle: float | None = None
        self._client, self._futures, self._stop = client, futures, threading.Event()
        self._thread = threading.Thread(target=self._run, name="allysim-dask-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        since = None
        while not self._stop.wait(POLL):
            try:
                workers = len(self._client.nthreads())
            except Exception:  # noqa: BLE001 - the scheduler gone: the chunks fail on their own
                return
            now = time.monotonic()
            since = None if workers else (since or now)
            if since is not None and now - since >= NO_WORKERS:
                self.idle = now - since
                try:
                    self._client.cancel(self._futures(), reason="no workers")
                except Exception:  # noqa: BLE001 - as above
                    pass
                return

    def stop(self) -> None:
        self._stop.set()


def _connect(client: Any, address: str) -> Any:
    """A Client of the scheduler at ``address``, or one line saying why not, within :data:`CONNECT_TIMEOUT`.

    A malformed address is bad input (exit 2). A server that accepts the connection and never answers (a
    firewall, another program) would hold Client() forever, past its own timeout: the connection is made in a
    thread that is abandoned after the timeout. Anything else (nothing listening, a web server answering) is one
    line, exit 1.
    """
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = client(address, timeout=f"{CONNECT_TIMEOUT}s")
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=attempt, name="allysim-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT * 1.5)
    if thread.is_alive():
        raise ClusterError(f"the Dask scheduler at {address} accepted the connection but did not answer within "
                           f"{CONNECT_TIMEOUT * 1.5:.0f} s; is it a Dask scheduler's address (tcp://HOST:8786)?")
    error = outcome.get("error")
    if error is None:
        return outcome["client"]
    if isinstance(error, (ValueError, TypeError)):
        raise UsageError(f"--scheduler {address}: not a scheduler address ({str(error)[:120]}); give "
                         "tcp://HOST:PORT, or local to start a cluster on this machine") from None
    if isinstance(error, KeyboardInterrupt):
        raise error
    raise ClusterError(f"cannot reach the Dask scheduler at {address} ({type(error).__name__}: {str(error)[:120]}); "
                       "check that it is running and that this is its address (tcp://HOST:8786)") from None


def make_executor(kind: str, workers: int, scheduler: str | None) -> Executor:
    """The executor for ``--executor`` and ``--workers`` / ``--scheduler``."""
    if kind == "dask":
        return DaskExecutor(scheduler or "local", workers)
    if kind != "local":
        raise UsageError(f"unknown executor {kind!r}; use local or dask")
    if scheduler is not None:
        raise UsageError("--scheduler goes with --executor dask")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
