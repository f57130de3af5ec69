"""Safe, bounded YAML reading that remembers where every value came from.

A scenario is plain data: mappings, lists, strings, numbers, booleans and nulls. This module turns YAML text into
those Python values and a :class:`Locations` map from each value's path (``("risks", 0, "rate")``) to its line and
column, so that every later error can point at the file. Scalars are resolved with the YAML 1.2 core schema
(``on``/``yes`` stay strings, ``1e-3`` is a number), only standard tags are accepted, and nesting depth, value count
(alias expansion) and file size are bounded, so hostile files are refused quickly with bounded memory.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import ScenarioError

__all__ = ["Locations", "load_yaml", "format_path", "shorten", "MAX_BYTES", "MAX_DEPTH", "MAX_VALUES"]

MAX_BYTES = 2_000_000
MAX_DEPTH = 40
MAX_VALUES = 200_000

Path = tuple[str | int, ...]

# libyaml reads about fifty times faster than PyYAML's pure-Python parser, which takes minutes over a file near
# MAX_BYTES; the pure-Python one stays as the fallback when PyYAML was built without libyaml
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {None, "!", _STD + "str", _STD + "int", _STD + "float", _STD + "bool", _STD + "null",
                 _STD + "map", _STD + "seq"}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
            "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
            ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}


def shorten(text: str, limit: int = 60) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis: a file's own names may be megabytes long."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_path(path: Path) -> str:
    """``("risks", 0, "rate")`` -> ``risks[0].rate``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{shorten(part)}" if out else shorten(part))
    return out


@dataclass
class Locations:
    """Where each value (and each mapping key) of a document stands in its file."""

    source: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line and column of ``path``, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def error(self, path: Path, message: str, *, key: bool = False) -> str:
        """One located line: ``file:line:col: path: message``."""
        line, col = self.of(path, key=key)
        where = format_path(path)
        return f"{self.source}:{line}:{col}: {where + ': ' if where else ''}{message}"


def load_yaml(text: str | bytes, source: str = "<scenario>") -> tuple[Any, Locations]:
    """Read one YAML document into plain Python values and their locations.

    Raises :class:`ScenarioError` with a located message for anything that is not plain, bounded YAML.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ScenarioError(f"{source}:1:1: file is {len(text):,} bytes; scenarios are limited to "
                                f"{MAX_BYTES:,} bytes")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise ScenarioError(f"{source}:{line}:1: not UTF-8 text (byte 0x{text[exc.start]:02x} at offset "
                                f"{exc.start}); save the file as UTF-8") from None
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"{source}:1:1: file is {len(text):,} characters; scenarios are limited to "
                            f"{MAX_BYTES:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, from a str built in Python: no file can hold one
        line = text.count("\n", 0, exc.start) + 1
        col = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        raise ScenarioError(f"{source}:{line}:{col}: not valid Unicode text (lone surrogate "
                            f"U+{ord(text[exc.start]):04X})") from None
    with _collection_paused():
        _check_events(text, source)
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise ScenarioError(_yaml_message(exc, source, text)) from None
        locations = Locations(source)
        if node is None:
            return None, locations
        return _Builder(locations).build(node, ()), locations


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading a large file creates hundreds of thousands of objects, none of
    them garbage, and the collector's repeated passes over them made composing three times slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _yaml_message(exc: yaml.YAMLError, source: str, text: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        # a reader error has no mark, and its position counts characters (PyYAML) or bytes (libyaml); the
        # character it names first occurs where it stands, since any earlier one would have been named instead
        at = text.find(chr(exc.character))
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            col = at - (text.rfind("\n", 0, at) + 1) + 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else problem
    return f"{source}:{line}:{col}: not valid YAML: {detail}"


def _check_events(text: str, source: str) -> None:
    """Refuse deep nesting, foreign tags, too many nodes, alias bombs and several documents before anything is
    built: the events are read at C speed, where composing and building 200,000 values takes seconds."""
    documents = nodes = expanded = 0
    open_: list[list] = []  # per open collection: [its anchor, its keys and values once aliases are expanded]
    sizes: dict[str, int] = {}  # anchor -> keys and values it stands for
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    _fail(source, event, "holds several YAML documents; a scenario file holds exactly one")
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, size = open_.pop()
                if anchor is not None:
                    sizes[anchor] = size
                if open_:
                    open_[-1][1] += size
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            tag = getattr(event, "tag", None)
            if tag not in _ALLOWED_TAGS:
                _fail(source, event, f"tag {tag!r} is not allowed: a scenario is plain YAML data "
                                     "(mappings, lists, strings, numbers)")
            nodes += 1
            if nodes > MAX_VALUES:
                _fail(source, event, f"holds more than {MAX_VALUES:,} keys and values; a scenario is far smaller")
            if isinstance(event, yaml.CollectionStartEvent):
                open_.append([event.anchor, 1])
                if len(open_) > MAX_DEPTH:
                    _fail(source, event, f"nested more than {MAX_DEPTH} levels deep")
                size = 1
            else:  # an alias inside its own anchor counts 1 here; the builder bounds its depth
                size = sizes.get(event.anchor, 1) if isinstance(event, yaml.AliasEvent) else 1
                if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                    sizes[event.anchor] = 1
                if open_:
                    open_[-1][1] += size
            expanded += size
            if expanded > MAX_VALUES:
                _fail(source, event, f"holds more than {MAX_VALUES:,} keys and values (aliases expand too far); "
                                     "a scenario is far smaller")
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_message(exc, source, text)) from None


def _fail(source: str, event: yaml.Event, message: str) -> None:
    mark = event.start_mark
    raise ScenarioError(f"{source}:{mark.line + 1}:{mark.column + 1}: {message}")


class _Builder:
    """Turn composed nodes into plain values, counting every value built so aliases cannot explode."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self.count = 0
        self.merging = 0  # merges being expanded: they nest without lengthening the path

    def build(self, node: yaml.Node, path: Path) -> Any:
        self._bound(path)
        self.locations.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, frozenset())
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, taken: frozenset[str]) -> dict[str, Any]:
        """Build a mapping, skipping ``taken`` keys: those a mapping merging this one holds itself."""
        out: dict[str, Any] = {}
        merged: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge" or (key_node.value == "<<" and not key_node.style):
                merged.extend(self._merge_sources(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError(self.locations.error(path, "mapping keys must be plain names, not "
                                                               "lists or mappings"))
            key = str(key_node.value)
            if key in out:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise ScenarioError(f"{self.locations.source}:{line}:{col}: {format_path(path + (key,))}: "
                                    "duplicate key; each key may appear once")
            if key in taken:  # overridden: building it would overwrite the locations of the overriding value
                out[key] = None
                continue
            self.locations.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, path + (key,))
        for source in merged:
            # an alias can point back into its own anchor, so merges are bounded like nesting and counted like
            # values: a merge of empty mappings builds nothing else that would count
            self.merging += 1
            self._bound(path)
            for key, value in self._mapping(source, path, taken.union(out)).items():
                out.setdefault(key, value)
            self.merging -= 1
        return out

    def _bound(self, path: Path) -> None:
        """Count one more value; refuse alias expansion beyond the value and depth limits."""
        self.count += 1
        if self.count > MAX_VALUES:
            raise ScenarioError(self.locations.error(path, f"holds more than {MAX_VALUES:,} values (aliases "
                                                           "expand too far); a scenario is far smaller"))
        if len(path) + self.merging > MAX_DEPTH:
            raise ScenarioError(self.locations.error(path[:3], f"nested more than {MAX_DEPTH} levels deep "
                                                               "through aliases (is an alias inside its own "
                                                               "anchor?)"))

    def _merge_sources(self, node: yaml.Node, path: Path) -> list[yaml.MappingNode]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not all(isinstance(n, yaml.MappingNode) for n in nodes):
            raise ScenarioError(self.locations.error(path, "'<<' merges mappings only"))
        return list(nodes)

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        text, tag = node.value, node.tag
        if node.style:  # quoted or block text is a string (libyaml marks plain scalars '', PyYAML None)
            return text
        # plain scalars: PyYAML's YAML 1.1 resolution tags '15e-2' as text and 'on' as true, so resolve here
        # with the YAML 1.2 core schema instead
        if tag in (_STD + "null",) or _NULL.match(text):
            return None
        if text in _BOOL:
            return _BOOL[text]
        if text in _SPECIAL:
            return _SPECIAL[text]
        if _INT.match(text):
            try:
                return int(text, 0) if text[:2] in ("0x", "0o") else int(text)
            except ValueError:  # beyond Python's limit on digits read (sys.get_int_max_str_digits)
                raise ScenarioError(self.locations.error(path, f"a whole number written with {len(text):,} "
                                                               "characters is far too large")) from None
        if _FLOAT.match(text):
            return float(text)
        return text  # 'yes', 'on', '1_000', '12:30' and the like stay text, as in YAML 1.2
