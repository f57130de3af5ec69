"""Parameter paths: the one grammar that names a number of a scenario (SPEC sections 8, 9 and 10).

A parameter is named by a dotted path over ids: ``risks.partner_buyout.rate``,
``contingencies.rescue_clause.effect.rate_factor.0.factor``, ``environment.states.recession.value``. ``--set``,
sweeps, uncertain ranges, correlations, sensitivity, the engine's setters and every label read a path through
:class:`ParameterPath`, parsed here and nowhere else.

**Adding a parameter** is one line in :data:`SHAPES`: its spelling (with placeholders), its words, where it stands
in the file when that differs from its spelling, the keys a value set there replaces, and, when it may be written
as a range (SPEC section 8), its :class:`Range`. A parameter that may be uncertain also needs an engine setter, one
entry in ``allysim.engine.SETTERS`` keyed by the same spelling (tests/test_overrides.py checks that every
uncertain shape has one). Nothing else parses a path.

Placeholders in a spelling:

- ``ID``: the id of an entry of the list named just before it (``risks.ID``, ``contingencies.ID``);
- ``N``: a position in a list, 0 first; a lone mapping written where a list may stand is entry 0, and then the
  position may be left out (``effect.rate_factor.factor``);
- ``STATE``, ``FROM``, ``TO``: a state of the environment, as a key; ``RISK_ID``: a risk's id, as a key.

A number in a file spelling is one fixed place in a list (``hazard.steps.N.1``: the rate of step N's
``[age, rate]`` pair).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .yamlio import shorten

__all__ = ["ParameterPath", "PathError", "Range", "Shape", "SHAPES", "PATH_HELP", "Target", "name_inside", "proper_words",
           "uncertain_shapes"]


class PathError(Exception):
    """A path that is not a parameter (of this scenario); the message says why and what would be."""


@dataclass(frozen=True)
class Range:
    """What a parameter written as a range (SPEC section 8) may draw: how unit strings in its distribution read
    (``kind``: plain, money or time) and the bounds its draws are clipped to."""

    kind: str = "plain"
    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    what: str = "a number"

    def admits(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below and math.isfinite(x)

    @property
    def range_text(self) -> str:
        lo = f"{'(' if self.low_open else '['}{self.low:g}"
        hi = "inf)" if self.high == math.inf else f"{self.high:g}{')' if self.high_open else ']'}"
        return f"{lo}, {hi}"


def _share(what: str = "a probability", **kw: Any) -> Range:
    return Range(low=0.0, high=1.0, what=what, **kw)


KEYS = {"STATE": "state", "FROM": "state", "TO": "state", "RISK_ID": "risk",
        "PARTNER_ID": "partner"}  # placeholders that are mapping keys
_WILD = {"ID": "*", "N": "#", **{k: "?" for k in KEYS}}


@dataclass(frozen=True)
class Shape:
    """One kind of parameter: its spelling, its words, where it stands in the file, what it may be written as."""

    pattern: str  # SPEC's spelling, with placeholders: risks.ID.escalates.N.factor
    words: str  # what it is, for labels; {time_unit} and key placeholders ({FROM}, {RISK_ID}, ...) are filled in
    file: str = ""  # where it stands in the file, when that differs from the spelling
    replaces: tuple[str, ...] = ()  # sibling keys a value set here replaces (rate <-> probability)
    range: Range | None = None  # it may be written as a distribution, drawn once per replication
    # what the entry its ID names must be for the path to mean something there: (path, entry) -> why not, or None
    check: Callable[[ParameterPath, Mapping[str, Any]], str | None] | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.pattern.split("."))

    @property
    def file_parts(self) -> tuple[str, ...]:
        return tuple((self.file or self.pattern).split("."))

    @property
    def wildcards(self) -> list[str]:
        """The file spelling with ``*`` for an id, ``#`` for a position and ``?`` for a key (to match file data)."""
        return [_WILD.get(p, p) for p in self.file_parts]

    def spellings(self) -> Iterator[tuple[str, ...]]:
        """How a path of this shape may be written: its spelling, its file spelling, each with positions left out."""
        for parts in dict.fromkeys((self.parts, self.file_parts)):
            yield parts
            if "N" in parts:
                yield tuple(p if p != "N" else "" for p in parts)  # "" marks a position left out


def _weibull_part(path: ParameterPath, risk: Mapping[str, Any]) -> str | None:
    name = f"risks.{path['ID']}.hazard"
    hazard = risk.get("hazard")
    if not isinstance(hazard, Mapping):
        return (f"risk '{path['ID']}' has no hazard by age to set a part of; set the whole of it, e.g. "
                f"--set '{name}={{weibull: {{shape: 0.56, scale: 81}}}}'")
    if not isinstance(hazard.get("weibull"), Mapping):
        return f"{name} is not a weibull hazard, so it has no {path.leaf}; its steps are {name}.steps.N (the rate of step N)"
    return None


def _exit_hazard(path: ParameterPath, partner: Mapping[str, Any]) -> str | None:
    """A part of a partner's exit hazard by age: as for a risk's, one level down."""
    exit_ = partner.get("exit")
    hazard = exit_.get("hazard") if isinstance(exit_, Mapping) else None
    name = f"partners.{path['ID']}.exit.hazard"
    if not isinstance(hazard, Mapping):
        return (f"partner '{path['ID']}' has no exit hazard by age to set a part of; set the whole of it, e.g. "
                f"--set '{name}={{weibull: {{shape: 0.8, scale: 12}}}}'")
    kind = "steps" if path.leaf == "N" else "weibull"
    if not isinstance(hazard.get(kind), (Mapping, list)):
        return f"{name} is not a {kind} hazard, so it has no {str(path).split('.', 4)[4]}"
    return None


def _step_part(path: ParameterPath, risk: Mapping[str, Any]) -> str | None:
    name = f"risks.{path['ID']}.hazard"
    hazard = risk.get("hazard")
    if not isinstance(hazard, Mapping):
        return _weibull_part(path, risk)
    if not isinstance(hazard.get("steps"), list):
        return f"{name} is not a hazard by steps; a weibull hazard has {name}.shape and {name}.scale"
    return None


def _review_part(path: ParameterPath, contingency: Mapping[str, Any]) -> str | None:
    trigger = contingency.get("trigger")
    review = trigger.get("review") if isinstance(trigger, Mapping) else None
    tail = str(path).split(".", 2)[2]
    if review is None:
        return f"contingency '{path['ID']}' is not triggered by reviews, so it has no {tail}"
    if path.leaf == "every" and not isinstance(review, Mapping):
        return f"contingency '{path['ID']}' reviews at the ages listed, so it has no {tail}; set the list instead"
    return None


SHAPES: list[Shape] = [
    Shape("horizon", "horizon"),
    Shape("discount_rate", "discount rate"),
    Shape("alliance.value_rate", "value rate", range=Range(kind="money", what="a value rate")),
    Shape("alliance.health.initial", "initial health", range=_share("a health level")),
    Shape("alliance.health.dissolve_below", "dissolution threshold",
          range=_share("a health threshold", high_open=True)),
    Shape("alliance.health.recovery", "health recovery rate", range=Range(what="a recovery rate")),
    Shape("risks.ID.rate", "rate per {time_unit}", replaces=("probability", "hazard"), range=Range(what="a rate")),
    Shape("risks.ID.probability", "probability per {time_unit}", replaces=("rate", "hazard"),
          range=_share(high_open=True)),
    Shape("risks.ID.hazard", "hazard by age", replaces=("rate", "probability")),
    Shape("risks.ID.hazard.shape", "Weibull shape", file="risks.ID.hazard.weibull.shape", check=_weibull_part,
          range=Range(what="a Weibull shape", low_open=True)),
    Shape("risks.ID.hazard.scale", "Weibull scale", file="risks.ID.hazard.weibull.scale", check=_weibull_part,
          range=Range(kind="time", what="a Weibull scale", low_open=True)),
    Shape("risks.ID.hazard.steps.N", "rate per {time_unit} in step {N}", file="risks.ID.hazard.steps.N.1",
          check=_step_part, range=Range(what="a rate")),
    Shape("risks.ID.max_occurrences", "occurrence cap"),
    Shape("risks.ID.impact.fatal", "fatal probability", range=_share()),
    Shape("risks.ID.impact.health", "health drop"),
    Shape("risks.ID.impact.cost", "cost"),
    Shape("risks.ID.impact.value.factor", "value factor"),
    Shape("risks.ID.impact.value.duration", "value loss duration"),
    Shape("risks.ID.escalates.N.factor", "escalation factor", file="risks.ID.impact.escalates.N.factor",
          range=Range(what="a rate factor")),
    Shape("risks.ID.escalates.N.duration", "escalation duration", file="risks.ID.impact.escalates.N.duration"),
    Shape("contingencies.ID.success", "success probability", range=_share()),
    Shape("contingencies.ID.delay", "delay"),
    Shape("contingencies.ID.max_activations", "activation cap"),
    Shape("contingencies.ID.trigger.health_below", "trigger threshold (health below)",
          range=_share("a health threshold", low_open=True)),
    Shape("contingencies.ID.trigger.if.health_below", "review threshold (health below)", check=_review_part,
          replaces=("partners_below", "share_below"), range=_share("a health threshold", low_open=True)),
    Shape("contingencies.ID.trigger.review.every", "review period", check=_review_part),
    Shape("contingencies.ID.effect.reduce_impact", "impact reduction", range=_share("a share")),
    Shape("contingencies.ID.effect.restore_health", "health restored", range=_share("a health gain")),
    Shape("contingencies.ID.effect.rescue_health", "rescue health", range=_share("a health level")),
    Shape("contingencies.ID.effect.rate_factor.N.factor", "rate factor", range=Range(what="a rate factor")),
    Shape("contingencies.ID.effect.rate_factor.N.duration", "rate factor duration"),
    Shape("contingencies.ID.cost.setup", "setup cost", range=Range(kind="money", what="a cost")),
    Shape("contingencies.ID.cost.per_time", "running cost", range=Range(kind="money", what="a cost")),
    Shape("contingencies.ID.cost.per_activation", "cost per activation", range=Range(kind="money", what="a cost")),
    Shape("environment.transitions.FROM.TO", "rate from {FROM} to {TO}", range=Range(what="a transition rate")),
    Shape("environment.states.STATE.rates.RISK_ID", "{RISK_ID} rate multiplier in {STATE}",
          range=Range(what="a rate multiplier")),
    Shape("environment.states.STATE.value", "value multiplier in {STATE}", range=Range(what="a value multiplier")),
    # partners (SPEC section 12)
    Shape("alliance.min_partners", "minimum number of partners"),
    Shape("alliance.min_share", "minimum share of the partners still in", range=Range(what="a share")),
    Shape("partners.ID.share", "share", range=Range(what="a share")),
    Shape("partners.ID.exit.rate", "exit rate per {time_unit}", replaces=("probability", "hazard"),
          range=Range(what="an exit rate")),
    Shape("partners.ID.exit.probability", "exit probability per {time_unit}", replaces=("rate", "hazard"),
          range=_share("an exit probability", high_open=True)),
    Shape("partners.ID.exit.hazard", "exit hazard by age", replaces=("rate", "probability")),
    Shape("partners.ID.exit.hazard.shape", "exit Weibull shape", file="partners.ID.exit.hazard.weibull.shape",
          check=_exit_hazard, range=Range(what="a Weibull shape", low_open=True)),
    Shape("partners.ID.exit.hazard.scale", "exit Weibull scale", file="partners.ID.exit.hazard.weibull.scale",
          check=_exit_hazard, range=Range(kind="time", what="a Weibull scale", low_open=True)),
    Shape("partners.ID.exit.hazard.steps.N", "exit rate per {time_unit} in step {N}",
          file="partners.ID.exit.hazard.steps.N.1", check=_exit_hazard, range=Range(what="a rate")),
    Shape("partners.ID.exit.contagion", "exit contagion", range=Range(what="a contagion factor")),
    Shape("partners.ID.exit.health_below.factor", "exit hazard factor at low health",
          range=Range(what="a hazard factor")),
    Shape("partners.ID.exit.health_below.x", "health below which its exit hazard rises",
          range=_share("a health threshold", low_open=True)),
    Shape("partners.ID.on_exit.health", "health drop at its exit"),
    Shape("partners.ID.on_exit.cost", "cost of its exit"),
    Shape("partners.ID.cost.setup", "setup cost", range=Range(kind="money", what="a cost")),
    Shape("partners.ID.cost.per_time", "running cost", range=Range(kind="money", what="a cost")),
    Shape("risks.ID.impact.exit.PARTNER_ID", "probability of pulling {PARTNER_ID} out",
          range=_share("an exit probability")),
]


def uncertain_shapes() -> list[Shape]:
    """The shapes that may be written as a range, in :data:`SHAPES` order."""
    return [s for s in SHAPES if s.range is not None]


def _help() -> str:
    """Every spelling, those that differ only in their last part grouped: ``risks.ID.(rate|probability)``."""
    groups: dict[str, list[str]] = {}
    for shape in SHAPES:
        head, _, leaf = shape.pattern.rpartition(".")
        if shape.pattern.startswith("environment.states."):  # STATE.(rates.RISK_ID|value) reads better
            head, leaf = "environment.states.STATE", shape.pattern.split(".", 3)[3]
        groups.setdefault(head, []).append(leaf)
    return ", ".join(", ".join(leaves) if not head else f"{head}.{leaves[0]}" if len(leaves) == 1
                     else f"{head}.({'|'.join(leaves)})" for head, leaves in groups.items())


PATH_HELP = _help()


@dataclass(frozen=True)
class Target:
    """Where a parameter path lands in a raw document."""

    path: str  # canonical spelling (SPEC's): risks.ID.escalates.N.factor
    location: tuple[Any, ...]  # the same place as keys and list indices: ("risks", 3, "impact", "fatal")
    replaces: tuple[str, ...] = ()  # sibling keys the value replaces (rate <-> probability)


@dataclass(frozen=True)
class ParameterPath:
    """A parameter path, parsed: its :class:`Shape` and the values of its placeholders.

    Examples
    --------
    >>> p = ParameterPath.parse("risks.buyout.impact.escalates.0.factor")
    >>> str(p), p.shape.pattern, p["ID"]
    ('risks.buyout.escalates.0.factor', 'risks.ID.escalates.N.factor', 'buyout')
    """

    shape: Shape
    names: tuple[str, ...]  # the placeholders' values in spelling order; "" for a position left out

    @classmethod
    def parse(cls, text: str) -> ParameterPath:
        """Read a path written in either spelling. Raises :class:`PathError` for one that is no parameter."""
        parts = str(text).strip().split(".")
        bad_position: str | None = None
        for shape in SHAPES:
            for spelling in shape.spellings():
                names = _match(spelling, parts)
                if names is None:
                    continue
                path = cls(shape, names)
                wrong = next((k for k, (p, v) in enumerate(zip(shape.parts, path._fill()))
                              if p == "N" and not v.isdigit()), None)
                if wrong is None:
                    return path
                bad_position = bad_position or (f"'{shorten(path._fill()[wrong])}' is not a position in "
                                                f"{'.'.join(path._fill()[:wrong])}: use 0 for the first entry")
        raise PathError(bad_position or _why_not(parts))

    @classmethod
    def of(cls, pattern: str, *names: str) -> ParameterPath:
        """The path of shape ``pattern`` with these placeholder values: ``of("risks.ID.rate", "buyout")``."""
        shape = next(s for s in SHAPES if s.pattern == pattern)
        return cls(shape, tuple(names))

    def _fill(self) -> list[str]:
        found = iter(self.names)
        return [(next(found) or "0") if p == "N" else next(found) if p in _WILD else p for p in self.shape.parts]

    def __str__(self) -> str:
        return ".".join(self._fill())

    def __getitem__(self, placeholder: str) -> str:
        """The value of the first placeholder ``placeholder`` (``"ID"``, ``"N"``, ``"STATE"``, ...)."""
        found = iter(self.names)
        for p in self.shape.parts:
            if p in _WILD:
                value = next(found)
                if p == placeholder:
                    return value or "0" if p == "N" else value
        raise KeyError(placeholder)

    @property
    def section(self) -> str:
        """The top-level key: horizon, alliance, risks, contingencies, environment, partners."""
        return self.shape.parts[0]

    @property
    def parts(self) -> tuple[str, ...]:
        """The path's parts, its placeholders filled: ``("partners", "north", "exit", "rate")``."""
        return tuple(self._fill())

    @property
    def leaf(self) -> str:
        return self.shape.parts[-1]

    def label(self, scenario: Any) -> str:
        """The parameter in a reader's words, a noun phrase that reads inside a sentence, on an axis and as a row:
        ``rate per year of one partner buys the other out``, ``health recovery rate``, ``exit rate per year of
        Northwind (parent)``. The names it quotes read as :func:`name_inside` has them; surfaces capitalise the
        label where it starts a line."""
        values = {p: v for p, v in zip(self.shape.parts, self._fill()) if p in _WILD}
        proper = proper_words(scenario)
        risks = {r.id: name_inside(r.label, proper) for r in getattr(scenario, "risks", ())}
        words = self.shape.words.format(time_unit=getattr(scenario, "time_unit", "time unit"),
                                        **{k: risks.get(v, v) if KEYS.get(k) == "risk" else v
                                           for k, v in values.items() if k != "ID"})
        if "ID" not in values:
            return words
        items = getattr(scenario, self.section, ()) or ()
        owner = next((x.label for x in items if getattr(x, "id", None) == values["ID"]), values["ID"])
        return f"{words} of {name_inside(owner, proper)}"

    def locate(self, document: Mapping[str, Any], source: str = "the scenario") -> Target:
        """Where the path lands in a raw scenario document (the file as read): ids looked up, positions and keys
        checked. Raises :class:`PathError` saying what the document has instead."""
        filled, names = self._fill(), iter(self.names)
        canonical, location = str(self), []
        positions = iter(k for k, p in enumerate(self.shape.parts) if p == "N")
        node: Any = document
        for at, part in enumerate(self.shape.file_parts):
            if part == "ID":
                item_id = next(names)
                index = _by_id(node, self.shape.file_parts[at - 1], item_id, source)
                location.append(index)
                node = node[index]
                why = self.shape.check(self, node) if self.shape.check is not None else None
                if why:
                    raise PathError(why)
            elif part == "N":
                written = next(names)
                prefix = ".".join(filled[:next(positions)])
                if not written:
                    if not isinstance(node, Mapping):
                        raise PathError(f"{prefix} is a list here: name the entry, {canonical}")
                    continue
                n = _position(node, written, prefix)
                if isinstance(node, list):
                    location.append(n)
                    node = node[n]
            elif part in KEYS:
                key = next(names)
                _check_key(document, KEYS[part], key, source)
                location.append(key)
                node = node.get(key) if isinstance(node, Mapping) else None
            elif part.isdigit():  # a fixed place in a list: [age, rate][1]
                location.append(int(part))
                node = node[int(part)] if isinstance(node, list) and int(part) < len(node) else None
            else:
                if part == "environment" and not isinstance(document.get("environment"), Mapping):
                    raise PathError(f"{source} has no environment (SPEC section 9) to set")
                location.append(part)
                node = node.get(part) if isinstance(node, Mapping) else None
        return Target(canonical, tuple(location), self.shape.replaces)


_SENTENCE_START = re.compile(r"[A-Z][a-z]*(?:[-'\u2019][a-z]+)*['\u2019]?")  # A, Partner, Officers', Data-residency; not JV
_WORD = re.compile(r"[^\W\d_][\w'\u2019]*")


def proper_words(scenario: Any) -> frozenset[str]:
    """The words a scenario writes capitalised where no sentence starts, so they are names: any capitalised word
    after the first of its scenario's, risks', contingencies' or partners' names, and a partner's first word when
    the name reads as a name rather than a sentence (``Northwind (parent)``, ``Estmark``)."""
    names = [str(getattr(scenario, "name", "") or "")]
    for section in ("risks", "contingencies", "partners"):
        names += [str(x.label) for x in getattr(scenario, section, ()) or ()]
    found = {w for name in names for w in _WORD.findall(name)[1:] if w[:1].isupper()}
    for partner in getattr(scenario, "partners", ()) or ():
        words = str(partner.label).split()
        if len(words) == 1 or (len(words) > 1 and not words[1][:1].islower()):
            found.update(_WORD.findall(words[0])[:1])
    return frozenset(found)


def name_inside(name: str, proper: frozenset[str] = frozenset()) -> str:
    """A user's name as it reads inside a sentence: written as a sentence (a first word capitalised only because it
    starts one, then lower-case words or acronyms), its first letter lower-cased; otherwise as the user wrote it: an acronym
    (``JV general manager leaves``), a one-word name, a name in brackets' company (``Northwind (parent)``) or a
    first word the scenario capitalises elsewhere (``proper``: ``Contoso sells out`` beside a partner Contoso).

    Examples
    --------
    >>> name_inside("A partner withdraws"), name_inside("JV manager leaves"), name_inside("Northwind (parent)")
    ('a partner withdraws', 'JV manager leaves', 'Northwind (parent)')
    """
    words = name.split()
    rest = [w for w in words[1:] if not (w.isupper() or w[:1].isdigit())]  # acronyms and numbers say nothing
    if not rest or not rest[0][:1].islower() or not _SENTENCE_START.fullmatch(words[0]):
        return name
    if words[0].split("-")[0] in proper or words[0] in proper:
        return name
    return name[:1].lower() + name[1:]


def _match(spelling: Sequence[str], parts: Sequence[str]) -> tuple[str, ...] | None:
    """The placeholders' values if ``parts`` fits ``spelling`` ("" in a spelling: a position left out)."""
    wanted = [p for p in spelling if p != ""]
    if len(wanted) != len(parts):
        return None
    names: list[str] = []
    given = iter(parts)
    for p in spelling:
        if p == "":
            names.append("")
            continue
        text = next(given)
        if p in _WILD:
            if not text:
                return None
            names.append(text)
        elif p != text:
            return None
    return tuple(names)


def _why_not(parts: list[str]) -> str:
    """Why ``parts`` fits no shape, in the terms of the nearest ones."""
    head = parts[0]
    family = [s for s in SHAPES if s.parts[0] == head]
    if not family or all(len(s.parts) == 1 for s in family):
        close = difflib.get_close_matches(head, list(dict.fromkeys(s.parts[0] for s in SHAPES)), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"not a parameter path{hint}; paths are {PATH_HELP}"
    owned = family[0].parts[1] == "ID"
    if owned and len(parts) < 2:
        what = _singular(head)
        return (f"name a{'n' if what[0] in 'aeiou' else ''} {what} and a parameter: {head}.ID.{family[0].parts[2]}, "
                f"for example; paths are {PATH_HELP}")
    at = 2 if owned else 1
    allowed = list(dict.fromkeys(".".join(s.parts[at:]) for s in family))
    tail = ".".join(parts[at:]) or "(nothing)"
    close = difflib.get_close_matches(tail, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{'.'.join(parts[:at] + [close[0]])}'?)" if close else ""
    prefix = ".".join(parts[:at])
    return f"'{shorten(tail)}' is not a parameter of {prefix}{hint}; {prefix} has {', '.join(allowed)}"


def _singular(section: str) -> str:
    return section[:-3] + "y" if section.endswith("ies") else section[:-1] if section.endswith("s") else section


def _by_id(items: Any, section: str, item_id: str, source: str) -> int:
    what = _singular(section)
    ids = [x.get("id") for x in items if isinstance(x, Mapping)] if isinstance(items, list) else []
    ids = [i for i in ids if isinstance(i, str)]
    for index, x in enumerate(items if isinstance(items, list) else []):
        if isinstance(x, Mapping) and x.get("id") == item_id:
            return index
    close = difflib.get_close_matches(item_id, ids, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listing = ", ".join(ids[:12]) + (f", ... ({len(ids):,} in all)" if len(ids) > 12 else "")
    known = f"; its {section}: {listing}" if ids else f"; it has no {section}"
    raise PathError(f"{source} has no {what} '{shorten(item_id)}'{hint}{known}")


def _position(items: Any, text: str, what: str) -> int:
    count = len(items) if isinstance(items, list) else 1 if isinstance(items, Mapping) else 0
    n = int(text)
    if n >= count:
        has = f"only {count} entr{'y' if count == 1 else 'ies'} (0 to {count - 1})" if count else "none"
        raise PathError(f"{what} has no entry {n}: it has {has}")
    return n


def _check_key(document: Mapping[str, Any], kind: str, key: str, source: str) -> None:
    """A key placeholder's value names something the document has: a state of its environment, or a risk."""
    if kind in ("risk", "partner"):
        _by_id(document.get(f"{kind}s"), f"{kind}s", key, source)
        return
    env = document.get("environment")
    states = env.get("states") if isinstance(env, Mapping) and isinstance(env.get("states"), Mapping) else {}
    if key not in states:
        names = [str(s) for s in states]
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise PathError(f"the environment has no state '{shorten(key)}'{hint}; its states: {', '.join(names) or 'none'}")
