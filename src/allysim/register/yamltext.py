"""Scenario data as commented block YAML, with a map from each line back to the register cell it came from."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..scenario.yamlio import format_path
from .reading import Cell

__all__ = ["YamlWriter", "quote", "scalar", "translate"]

_PLAIN = re.compile(r"^[a-z][a-z0-9_]*$")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


_BLOCK = {(), ("alliance",), ("alliance", "health"), ("risks",), ("risks", 0), ("risks", 0, "impact"),
          ("risks", 0, "impact", "escalates"), ("contingencies",), ("contingencies", 0),
          ("contingencies", 0, "effect"), ("contingencies", 0, "effect", "rate_factor"),
          ("contingencies", 0, "cost"), ("partners",), ("partners", 0), ("partners", 0, "exit"),
          ("partners", 0, "on_exit"), ("partners", 0, "cost"), ("plans",), ("environment",),
          ("environment", "states"), ("environment", "transitions"), ("correlations",)}
_ORDER = ("allysim", "name", "description", "time_unit", "horizon", "currency", "discount_rate", "materiality",
          "runs", "seed", "alliance", "risks", "contingencies", "partners", "environment", "correlations", "plans")


def _is_block(path: tuple) -> bool:
    return tuple(0 if isinstance(p, int) else p for p in path) in _BLOCK


def quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that reads back exactly, non-printing characters escaped."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029\x85\ufeff":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar(value: Any) -> str:
    """One value as YAML text that reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return "null"
    text = str(value)
    return text if _PLAIN.match(text) and text not in _YAML_WORDS else quote(text)


class YamlWriter:
    """Write scenario data as block YAML with a comment per item, remembering which cell each line holds."""

    def __init__(self, cells: dict[tuple, Cell], notes: dict[tuple, str]) -> None:
        self.cells = cells
        self.notes = notes
        self.lines: list[str] = []
        self.spans: list[list[tuple[int, tuple, Cell]]] = []  # per line: (column, path, cell) of each value

    def cell(self, path: tuple) -> Cell | None:
        while path:
            if path in self.cells:
                return self.cells[path]
            path = path[:-1]
        return None

    def add(self, text: str, spans: list[tuple[int, tuple]] | None = None, comment: str | None = None) -> None:
        placed = [(col, path, cell) for col, path in (spans or []) if (cell := self.cell(path)) is not None]
        if comment:
            text = f"{text}  # {comment}"
        self.lines.append(text)
        self.spans.append(placed)

    def flow(self, value: Any, path: tuple, col: int, spans: list[tuple[int, tuple]]) -> str:
        spans.append((col, path))
        if isinstance(value, dict):
            parts, pos = [], col + 1
            for key, item in value.items():
                head = f"{scalar(key)}: "
                text = self.flow(item, path + (key,), pos + len(head), spans)
                parts.append(head + text)
                pos += len(head) + len(text) + 2
            return "{" + ", ".join(parts) + "}"
        if isinstance(value, list):
            parts, pos = [], col + 1
            for i, item in enumerate(value):
                text = self.flow(item, path + (i,), pos, spans)
                parts.append(text)
                pos += len(text) + 2
            return "[" + ", ".join(parts) + "]"
        return scalar(value)

    def mapping(self, data: dict, path: tuple, indent: int, first_prefix: str | None = None) -> None:
        keys = sorted(data, key=lambda k: _ORDER.index(k) if k in _ORDER and not path else 0)
        for n, key in enumerate(keys):
            value = data[key]
            lead = (first_prefix if n == 0 and first_prefix is not None else " " * indent)
            here = path + (key,)
            head = f"{lead}{scalar(key)}:"
            note = self.notes.get(here) if not (isinstance(value, dict) and _is_block(here)) else None
            if here in self.notes and isinstance(value, (dict, list)) and _is_block(here):
                self.add(f"{' ' * len(lead)}# {self.notes[here]}")
            if isinstance(value, dict) and _is_block(here) and value:
                self.add(head, [(len(lead) + 1, here)])
                self.mapping(value, here, indent + 2)
            elif isinstance(value, list) and _is_block(here) and value:
                self.add(head, [(len(lead) + 1, here)])
                self.sequence(value, here, indent + 2)
            else:
                spans: list[tuple[int, tuple]] = [(len(lead) + 1, here)]
                text = self.flow(value, here, len(head) + 2, spans)
                self.add(f"{head} {text}", spans, note)

    def sequence(self, items: list, path: tuple, indent: int) -> None:
        for i, item in enumerate(items):
            here = path + (i,)
            if here in self.notes:
                self.add(f"{' ' * indent}# {self.notes[here]}")
            if isinstance(item, dict) and item and _is_block(here):
                self.mapping(item, here, indent + 2, first_prefix=" " * indent + "- ")
            else:
                spans: list[tuple[int, tuple]] = []
                text = self.flow(item, here, indent + 3, spans)
                self.add(f"{' ' * indent}- {text}", spans)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def locate(self, line: int, col: int) -> tuple[tuple, Cell] | None:
        """The path and cell of the value at ``line``:``col`` (1-based), or of the nearest line above."""
        for index in range(min(line, len(self.spans)) - 1, -1, -1):
            spans = self.spans[index]
            if not spans:
                continue
            if index != line - 1:
                return spans[0][1], spans[0][2]
            chosen = spans[0]
            for span in spans:
                if span[0] <= col:
                    chosen = span
            return chosen[1], chosen[2]
        return None


_LOCATED = re.compile(r"^<register>:(\d+):(\d+): (.*)$", re.DOTALL)


def translate(problem: str, writer: YamlWriter, label: str) -> str:
    """A validator's ``<register>:LINE:COL: path: message`` as ``FILE:SHEET!CELL: column: message``."""
    match = _LOCATED.match(problem)
    if not match:
        return f"{label}: {problem}"
    line, col, rest = int(match.group(1)), int(match.group(2)), match.group(3)
    found = writer.locate(line, col)
    if found is None:
        return f"{label}: {rest}"
    path, cell = found
    for depth in range(len(path), 0, -1):
        prefix = format_path(path[:depth])
        if rest.startswith(prefix + ": ") or rest.startswith(prefix + ".") or rest.startswith(prefix + "["):
            rest = rest[len(prefix):].lstrip(".")
            rest = rest[2:] if rest.startswith(": ") else rest
            if depth == len(path) and cell.column and not rest.startswith(cell.column):
                rest = f"{cell.column}: {rest}"
            break
    return cell.error(rest)

