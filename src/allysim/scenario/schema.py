"""The JSON Schema of the scenario format (``allysim schema``), made from the typed model, for editors and linters."""

from __future__ import annotations

from typing import Any

from .model import Scenario
from .paths import uncertain_shapes
from .values import dist_schema

__all__ = ["json_schema"]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format (version 1), for editors and linters."""
    schema = Scenario.model_json_schema(by_alias=True)
    # a single rate factor may be written as a mapping, without the list around it
    listed = schema["$defs"]["Effect"]["properties"]["rate_factor"]
    item = listed.pop("items")
    listed.pop("type")
    listed["anyOf"] = [item, {"type": "array", "items": item}]
    listed["description"] = "one rate factor {risk, factor, duration}, or a list of them"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "allysim scenario (format version 1)"
    for shape in uncertain_shapes():  # these may be written as a range too (SPEC section 8)
        _allow_range(schema, schema, shape.wildcards, shape.range.kind)  # type: ignore[union-attr]
    return schema


def _allow_range(root: dict[str, Any], node: dict[str, Any], parts: list[str], kind: str) -> None:
    """Let the property at the pattern ``parts`` below ``node`` be a distribution as well as a number."""
    node = _deref(root, node)
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    children: list[dict[str, Any]] = []
    for option in [node, *node.get("anyOf", []), *node.get("oneOf", [])]:
        option = _deref(root, option)
        if head in ("*", "#") and "items" in option:
            children.append(option["items"])
        elif head in ("#", "?") and isinstance(option.get("additionalProperties"), dict):
            if not rest and head == "?":
                option["additionalProperties"] = _range_of(option["additionalProperties"], kind)
                continue
            children.append(option["additionalProperties"])
        elif head not in ("*", "#", "?") and head in option.get("properties", {}):
            if not rest:
                option["properties"][head] = _range_of(option["properties"][head], kind)
                continue
            children.append(option["properties"][head])
    if head == "#":  # a lone mapping written where a list may stand
        children += [option for option in node.get("anyOf", []) if "$ref" in option]
    for child in children:
        _allow_range(root, child, rest, kind)


def _range_of(leaf: dict[str, Any], kind: str) -> dict[str, Any]:
    """``leaf`` (a number's schema) or a distribution; marked so that it is widened once."""
    if "x-allysim-range" in leaf:
        return leaf
    keep = {k: leaf.pop(k) for k in ("default", "title", "description") if k in leaf}
    return {**keep, "x-allysim-range": True, "anyOf": [leaf, dist_schema(kind)]}


def _deref(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return root["$defs"][ref.split("/")[-1]]
    return node
