"""The SimPy events of one replication: its clock (:class:`Clock`) and the one kind of event it schedules
(:class:`Call`).

Every event of a life calls one of the life's methods with the data it carries, never a closure, so that a life's
pending events can be copied onto another life (:mod:`allysim.forking`); the clock hands its queue over for that,
and nothing else reaches into SimPy.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Callable

import simpy
from simpy.events import NORMAL

__all__ = ["Clock", "Call", "Entry"]

_push = heapq.heappush

Entry = tuple  # (time, priority, number, event): a pending event as SimPy queues it


class Clock(simpy.Environment):
    """SimPy's environment. A subclass so that creating one (once per replication) skips binding the event
    shortcuts (``env.timeout``, ``env.process``, ...) to the instance, which the engine does not use, and so that a
    life's pending events can be read and replaced (:meth:`pending`, :meth:`hold`).

    ``now`` is a plain attribute here, kept equal to SimPy's ``_now`` by :meth:`run_until`, the only loop the engine
    runs: every event reads it a few times, and SimPy's property costs a function call per read."""

    now: float = 0.0  # the time; set on the instance once the clock moves, shadowing SimPy's property

    def pending(self) -> list[Entry]:
        """The events scheduled and not processed yet, as SimPy keeps them (a heap)."""
        return self._queue

    def hold(self, entries: list[Entry]) -> None:
        """Replace the pending events by ``entries``, in any order."""
        queue = self._queue  # the same list: a loop running on this clock holds it
        queue[:] = entries
        heapq.heapify(queue)

    def clear(self) -> None:
        """Forget every pending event."""
        self._queue.clear()

    def later(self) -> Clock:
        """A clock at this one's time with nothing pending, numbering its events after every event of this one
        (the order of simultaneous events is the order they were scheduled in; a gap in the numbers changes
        nothing)."""
        new = Clock.__new__(Clock)  # Environment.__init__, written out
        new._now, new._queue, new._eid, new._active_proc = self._now, [], itertools.count(next(self._eid)), None
        new.now = self.now
        return new

    def run_until(self, ended: simpy.Event) -> None:
        """Process events in order until ``ended`` is: ``run(until=ended)`` without SimPy's checks, which the
        engine's events never need (every one is a :class:`Call` or ``ended``, none fails, and ``ended`` is always
        queued: at the horizon, :meth:`stop_at`, if not before). One loop, no method call per event: the hot loop of
        every study."""
        if ended.callbacks is None:
            return  # processed already
        queue, pop = self._queue, heapq.heappop
        while True:
            now, _, _, event = pop(queue)
            self._now = self.now = now
            callbacks, event.callbacks = event.callbacks, None
            if event is ended:
                return
            for callback in callbacks:
                callback(event)

    def step(self) -> None:
        """Process the next event: SimPy's ``step`` as :meth:`run_until` does it (``now`` kept), for driving a life an
        event at a time. An end event met again once processed (queued at the horizon, triggered before: see
        :meth:`stop_at`) does nothing."""
        try:
            now, _, _, event = heapq.heappop(self._queue)
        except IndexError:
            raise simpy.core.EmptySchedule() from None
        self._now = self.now = now
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks or ():
            callback(event)

    def stop_at(self, when: float, ended: simpy.Event) -> None:
        """Stop :meth:`run_until` ``ended`` at time ``when`` (after the events already scheduled then), should nothing
        trigger ``ended`` before: ``ended`` itself is queued there, untriggered, and the loop stops as it meets it."""
        _push(self._queue, (when, NORMAL, next(self._eid), ended))

    def ended(self, like: simpy.Event) -> simpy.Event:
        """An event of this clock in the state ``like`` is in: pending, triggered, or triggered and processed."""
        event = simpy.Event(self)
        if like.triggered:
            event._ok, event._value = True, None
            if like.callbacks is None:
                event.callbacks = None
        return event


class Call(simpy.Event):
    """A SimPy event that calls ``callback(event)`` at ``now + delay``: a ``Timeout`` without its checks (the engine
    never schedules into the past), with ``data`` riding along (the risk of an arrival, the factor that ends, ...).

    ``callback`` is always a method of the life that scheduled it, and ``data`` holds everything else the call
    needs, never a closure: so a life's pending events can be copied onto another (:meth:`allysim.forking.Forking.copy`)."""

    def __init__(self, env: simpy.Environment, delay: float, callback: Callable[[simpy.Event], None],
                 data: Any = None) -> None:
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._ok = True
        self.data = data
        _push(env._queue, (env.now + delay, NORMAL, next(env._eid), self))  # env.schedule, written out

    @classmethod
    def at(cls, env: simpy.Environment, when: float, callback: Callable[[simpy.Event], None],
           data: Any = None) -> Call:
        """A call at time ``when`` (never before now): for a time worked out ahead, to the bit."""
        new = cls.__new__(cls)
        new.env, new.callbacks, new._value, new._ok, new.data = env, [callback], None, True, data
        _push(env._queue, (when, NORMAL, next(env._eid), new))
        return new
