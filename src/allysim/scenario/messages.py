"""Error messages of the scenario format: pydantic's errors turned into located lines, and the hints they give.

Every line reads ``FILE:LINE:COL: path: what was found, what is allowed``, for example::

    jv.yaml:12:11: risks[0].rate: must be >= 0, got -0.1
"""

from __future__ import annotations

import difflib
import math
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .distributions import FAMILIES
from .units import percent_hint
from .yamlio import Locations, shorten

__all__ = ["problems", "kind", "show", "listing", "suggest"]


def problems(exc: ValidationError, data: Any, loc: Locations, root: type[BaseModel]) -> list[str]:
    """One located line per pydantic error, in file order, without repeats."""
    out: list[str] = []
    for err in exc.errors(include_url=False):
        path = _data_path(err["loc"], data)
        kind = err["type"]
        if kind == "too_short" and _entries(data, path) >= (err.get("ctx") or {}).get("min_length", 1):
            continue  # pydantic counts only the entries that validated; the bad ones are reported already
        if kind == "missing" and isinstance(err["loc"][-1], int):  # a fixed-length list such as clip
            out.append(loc.error(path, f"has too few entries ({_entries(data, path)})"))
            continue
        if kind == "missing":
            message = f"missing required key '{err['loc'][-1]}'"
            out.append(loc.error(path, message))
        elif kind == "extra_forbidden":
            key = str(err["loc"][-1])
            allowed = _allowed_keys(root, path[:-1])
            hint = suggest(key, allowed)
            listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
            out.append(loc.error(path, f"unknown key '{shorten(key)}'{hint}{listing}", key=True))
        else:
            out.append(loc.error(path, _message(err)))
    return list(dict.fromkeys(out))


def _data_path(pyd_loc: tuple, data: Any) -> tuple:
    """Keep the parts of a pydantic location that index into the file's data (drops union tags)."""
    path: list[Any] = []
    node = parent = data
    for part in pyd_loc:
        if part == "clip" and path and path[-1] in FAMILIES and isinstance(parent, dict) and "clip" in parent:
            path[-1] = "clip"  # the file writes clip beside the family, not among its parameters
            node = parent["clip"]
        elif isinstance(node, dict) and part in node:
            path.append(part)
            parent, node = node, node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            parent, node = node, node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isidentifier() and part not in FAMILIES \
                and part != "constant":
            path.append(part)  # a missing or unknown key: name it, it has no node
            node = None
    return tuple(path)


def _entries(data: Any, path: tuple) -> int:
    """How many entries the list at ``path`` of the file's data holds (0 when it is not a list)."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return 0
    return len(data) if isinstance(data, list) else 0


def _message(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = show(value)
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        text = f"{limit:,}" if isinstance(limit, int) and abs(limit) >= 10_000 else f"{limit:g}"
        return f"must be {bounds[kind]} {text}, got {shown}"
    if kind == "finite_number" or (kind == "float_type" and type(value) is int):  # an int beyond float range
        return f"must be a finite number, got {shown}"
    if kind in ("float_type", "float_parsing"):
        hint = percent_hint(value) if isinstance(value, str) else ""
        return f"expected a number, got {shown}{hint}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {shown}"
    if kind in ("string_type",):
        return f"expected text, got {shown}"
    if kind == "literal_error":
        hint = suggest(value, re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) if isinstance(value, str) else ""
        return f"must be {ctx.get('expected', '')}, got {shown}{hint}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of keys, got {shown}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {shown}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} entr{'y' if ctx.get('min_length', 1) == 1 else 'ies'}"
    if kind == "too_long":
        return f"has too many entries (at most {ctx.get('max_length')})"
    if kind == "string_pattern_mismatch":
        return f"must be lowercase letters, digits and _, starting with a letter, got {shown}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def show(value: Any) -> str:
    """A found value as a message quotes it: short, never a whole mapping."""
    if isinstance(value, dict) and set(value) >= {"family"}:
        value = value.get("value", value)
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    if value is None:
        return "nothing"
    if isinstance(value, int) and value.bit_length() > 200:  # str() refuses ints beyond 4300 digits
        return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def kind(value: Any) -> str:
    """What a value is, in the words of a scenario file."""
    return {bool: "true/false", int: "number", float: "number", str: "text", list: "a list", dict: "a mapping",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def listing(ids: list[str], most: int = 12) -> str:
    """Ids for a message, the first ``most`` of them when a scenario has thousands."""
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown}, ... ({len(ids):,} in all)"


def suggest(word: str, options: Any) -> str:
    """A ' (did you mean ...?)' hint when one option is close to ``word``."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _allowed_keys(root: type[BaseModel], path: tuple) -> list[str]:
    """The keys a mapping at ``path`` may hold, walking the model types from ``root`` (best effort, for hints)."""
    model: Any = root
    for part in path:
        if isinstance(part, int):
            continue
        inner = _mapping_values(model)
        if inner is not None:  # a key of a free mapping (a state, a plan): move on to what it maps to
            model = inner
            continue
        field = _fields(model).get(part)
        if field is None:
            return []
        model = field
    return list(_fields(model)) if _fields(model) else []


def _mapping_values(annotation: Any) -> Any:
    """The value type of a ``dict[str, X]`` annotation (inside Optional or Annotated), else None."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            dicts = [a for a in get_args(annotation) if get_origin(a) is dict]
            if not dicts:
                return None
            annotation = dicts[0]
        elif origin is dict:
            return get_args(annotation)[1]
        else:
            return None


def _fields(annotation: Any) -> dict[str, Any]:
    """Field name -> inner annotation of a model type hidden inside Optional, tuple or Annotated."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, tuple, list) or origin is types.UnionType:
            models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
            nested = [a for a in get_args(annotation) if get_origin(a) is not None]
            if models:
                annotation = models[0]
            elif nested:
                annotation = nested[0]
            else:
                return {}
        else:
            break
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {(f.alias or n): f.annotation for n, f in annotation.model_fields.items()}
    return {}
