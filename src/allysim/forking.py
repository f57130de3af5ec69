"""Copies of a life, where a variant parts from its path (:class:`Forking`, for path sharing: allysim.sharing).

A variant that lives a simulated path up to some moment and parts from it there need not be simulated from t = 0:
a copy of the life at that moment, made a life of the variant's plan, goes on by itself and lives the variant's
path. A copy is made at an event's start, or where the rest of the event is known (a step of an occurrence), so
that the rest is done as the variant does it (:meth:`Forking.resume`):

- a contingency's first success, acting at once (on a risk, on crossing a health threshold): the variant with it
  flipped (in the plan, or a shadow) lived the path up to there (:meth:`Forking.fork_triggered`);
- a delayed contingency's first action: the variant without it (:meth:`Forking.fork_delayed`);
- with candidate partners, a candidate's first attempt to leave: the line-up without it
  (:meth:`allysim.lineups.RecordingLife.fork`);
- at a partner's exit (its own, or pulled out by a risk), an ``on: exit`` contingency's first success (a
  retention, or one that acts at once or, as a shadow, after its delay), and a rescue's first success: the variant
  with it flipped (:meth:`Forking.fork_worked`).

A copy has its own clock holding a copy of every pending event (void ones, rescheduled since, left out), its own
streams at the same places, its own state; each spec it reads is the counterpart in the variant's compiled plan
(:meth:`allysim.engine.CompiledPlan.counterparts`). So the same operations run in the same order as in a simulation
of the variant, and the numbers are the same bits (tests/test_forks.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .events import Call

if TYPE_CHECKING:
    from .compiled import ContingencySpec
    from .engine import CompiledPlan
    from .outcome import Outcome

__all__ = ["Forking"]


class Forking:
    """What makes a :class:`allysim.life.Life` copyable where a variant parts from its path (module docstring)."""

    forks: Any = None  # with shared paths, where copies of this path go (allysim.sharing): None, no copies
    resumption: tuple | None = None  # a copy made during an event: what is left of that event (resume)

    def copy(self, model: CompiledPlan) -> Any:
        """This life as it stands, as a life of ``model`` (the same scenario compiled for another variant, its
        specs read by index) that goes on by itself: its own clock holding a copy of each pending event (calling
        the copy, its data mapped onto the copy's state and ``model``'s specs), its own streams at the same places
        and its own state."""
        specs = self.m.counterparts(model)
        mapping: dict[int, Any] = {}  # by id of each state object, its copy
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.m = model
        new.resumption = None  # what is left of the event is the caller's to say
        new.streams = self.streams.copy()
        new.u = new.streams.u
        new.env = env = self.env.later()
        new.ended = ended = env.ended(self.ended)
        new.value_factor = self.value_factor.copy()
        new.activation_pv, new.activations, new.successes = self.activation_pv[:], self.activations[:], \
            self.successes[:]
        new.env_time, new.env_grid, new.health_path = self.env_time[:], self.env_grid[:], self.health_path[:]
        # each state reads the spec at its position in model (nothing pending: handed over below, from the queue)
        states = new.states = [state.copy(spec) for state, spec in zip(self.states, model.risks)]
        mapping.update(zip(map(id, self.states), states))
        self.copy_into(new, mapping, specs)
        get, spec, entries, bound, old_end = mapping.get, specs.get, [], {}, self.ended
        new_call = Call.__new__
        for entry in self.env.pending():
            event = entry[3]
            if event is old_end:
                entries.append((entry[0], entry[1], entry[2], ended))
                continue
            func = event.callbacks[0].__func__
            callback = bound.get(func)
            if callback is None:
                callback = bound[func] = func.__get__(new)
            data = event.data
            holder = None
            if type(data) is tuple:
                data = tuple([get(id(x)) or spec(id(x), x) for x in data])
            else:
                holder = get(id(data))
                if holder is None:  # a number, or a spec
                    data = spec(id(data), data)
                elif data.pending is not event:
                    continue  # void: rescheduled since, it would do nothing
                else:
                    data = holder
            call = new_call(Call)  # a Call already queued (here, below): one per pending event of every copy
            call.env, call.callbacks, call._value, call._ok, call.data = env, [callback], None, True, data
            if holder is not None:
                holder.pending = call
            entries.append((entry[0], entry[1], entry[2], call))
        env.hold(entries)
        return new

    def copy_into(self, new: Any, mapping: dict[int, Any], specs: dict[int, Any]) -> None:
        """Hook: copy the state a subclass adds (``mapping``: by id of each state object copied, its copy;
        ``specs``: by id of each spec of this life's model, its counterpart in the copy's). A state has no pending
        event in its copy: a state's event is the one it holds as ``pending`` (others, rescheduled since, are void),
        and its copy is set as the copy's ``pending`` as the queue is copied."""

    def fork_triggered(self, triggered: list[ContingencySpec], seen: list[int], occurrence: tuple | None) -> None:
        """Contingencies ``triggered`` have just activated at once (``seen``: the successes before): each that
        worked for the first time and acts at once (no delay) is where the variant with it flipped (in the plan
        or a shadow) parts from this path, which it lived up to here. A copy for that variant, if no path stands
        for it yet (``self.forks``), holding the rest of the event: steps 2 to 6 of an occurrence
        (``occurrence``: the risk's index and health before the hit), or else the end of step 6."""
        successes = self.successes
        for c in triggered:
            j = c.index
            if c.delayed or seen[j] or successes[j] != 1:
                continue
            model = self.forks.model_for(contingencies=self.forks.contingencies ^ 1 << j)
            if model is not None:
                new = self.copy(model)
                new.resumption = ("triggered", [c.index for c in triggered], seen, occurrence)
                self.forks.add(new)

    def fork_delayed(self, c: ContingencySpec) -> None:
        """Contingency ``c`` of the plan, delayed, is about to act for the first time: up to here the variant
        without it (a shadow there, which never acts) lived this path. A copy for it, if no path stands for it
        yet, without ``c``'s pending actions, going on after this event."""
        model = self.forks.model_for(contingencies=self.forks.contingencies & ~(1 << c.index))
        if model is not None:
            new = self.copy(model)
            new.drop_delayed(c.index)
            self.forks.add(new)

    def fork_worked(self, c: ContingencySpec, resumption: tuple) -> None:
        """Contingency ``c`` has just worked for the first time, mid-event (an ``on: exit`` one at a partner's exit,
        a rescue): the variant with it flipped (in the plan or a shadow) lived this path up to here. A copy for
        it, if no path stands for it yet, holding the rest of the event (``resumption``: see :meth:`resume`)."""
        model = self.forks.model_for(contingencies=self.forks.contingencies ^ 1 << c.index)
        if model is not None:
            new = self.copy(model)
            new.resumption = resumption
            self.forks.add(new)

    def after_pulled(self, then: tuple | None) -> None:
        """After an exit pulled by an occurrence (``then``: the occurrence and the partners it pulls next; None
        for a partner's own exit), the rest of the occurrence, while the alliance stands."""
        if then is not None and self.alive:
            index, before, rest = then[1:]
            self.rescued_from(self.m.risks[index], before, [self.pstates[k] for k in rest])

    def resume(self) -> Outcome:
        """Go on from where this copy was made (:meth:`fork_triggered`, :meth:`fork_delayed`, :meth:`fork_worked`,
        and for partners :meth:`allysim.lineups.RecordingLife.fork`) to the end of the life."""
        if self.resumption is not None:
            kind, data = self.resumption[0], self.resumption[1:]
            m = self.m
            if kind == "pulled":  # step 5 of an occurrence that pulled partners out
                index, before, fatal, others = data[0]
                self.settle(m.risks[index], before, fatal, [self.pstates[k] for k in others] or None)
            elif kind == "rescue":  # as on-dissolution contingency i has just activated and worked
                then, i = data
                c = m.rescuers[i]
                if c.shadow:  # it rescued the alliance on the path copied: here the next ones try
                    standing = self.rescue(then, i + 1)
                else:
                    self.rescued(c)
                    standing = True
                if then[0] == "occurrence":  # step 5 of an occurrence, then its pulled exits and step 6
                    index, before, pulled = then[1:]
                    if standing:
                        self.rescued_from(m.risks[index], before, None if pulled is None else
                                          [self.pstates[k] for k in pulled])
                    else:
                        self.dissolve(index)
                else:  # a partner's own exit, after the membership checks
                    k, before = then[1:]
                    if standing:
                        self.follow_exit(self.pstates[k], True, before, 0)
                    else:
                        self.dissolve(len(m.risks) + k)
            elif kind == "retain":  # a partner's exit, as retain contingency i has just activated and worked
                k, before, i, watch, then = data
                c, ps = m.retainers[i], self.pstates[k]
                if c.shadow:  # it kept the partner on the path copied: here the next ones try
                    self.retain(ps, watch, before, i + 1, then)
                else:
                    self.retained(c, ps, watch, before)
                self.after_pulled(then)
            elif kind == "follow":  # a partner's exit, as on: exit contingency i has just activated and worked
                k, before, i, watch, then = data
                c, ps = m.exit_watchers[i], self.pstates[k]
                if not c.shadow:  # a shadow on the path copied: here it acts
                    if c.delayed:  # each earlier activation (all failed) drew a delay here, none as a shadow
                        for _ in range(self.activations[c.index] - 1):
                            self.draw(c.delay)
                    self.act_after_exit(c, ps, True)
                self.follow_exit(ps, watch, before, i + 1, then)
                self.after_pulled(then)
            else:
                indices, seen, occurrence = data
                successes, followed = self.successes, m.followed
                acting = [c for c in (followed[j] for j in indices)
                          if successes[c.index] > seen[c.index] and not c.shadow and not c.delayed]
                if occurrence is not None:  # as step 1 of an occurrence ends
                    keep = 1.0
                    for c in acting:
                        keep *= 1.0 - c.reduce
                    index, before = occurrence
                    self.hit(m.risks[index], before, keep, acting)
                else:  # as step 6 ends
                    for c in acting:
                        self.apply(c)
                    if self.hwatch:
                        self.health_moved()
        return self.conclude()
