"""Check a document against a JSON Schema: with jsonschema when it is installed, else with the small checker below.

The small checker knows the keywords ``allysim schema`` uses (``$ref``, ``anyOf``, ``oneOf``, ``allOf``, ``type``,
``const``, ``enum``, bounds, ``pattern``, lengths, ``items``, ``prefixItems``, ``properties``, ``required``,
``additionalProperties``) and returns one line per problem.
"""

from __future__ import annotations

import re
from typing import Any

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}
_BOUNDS = {
    "minimum": lambda a, b: a >= b, "maximum": lambda a, b: a <= b,
    "exclusiveMinimum": lambda a, b: a > b, "exclusiveMaximum": lambda a, b: a < b,
}


def schema_problems(document: Any, schema: dict[str, Any]) -> list[str]:
    """Return the problems of ``document`` against ``schema`` ([] when it conforms)."""
    try:
        import jsonschema
    except ImportError:
        return _problems(document, schema, schema, "$")
    validator = jsonschema.Draft202012Validator(schema)
    return [f"${''.join(f'[{p}]' for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _problems(value: Any, schema: Any, root: dict[str, Any], path: str) -> list[str]:
    if schema is True or schema == {}:
        return []
    out: list[str] = []
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        out += _problems(value, target, root, path)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            results = [_problems(value, option, root, path) for option in schema[key]]
            matched = sum(1 for r in results if not r)
            if matched == 0 or (key == "oneOf" and matched > 1):
                first = next((r[0] for r in results if r), "")
                out.append(f"{path}: matches {matched} of the {key} options ({first})")
    for option in schema.get("allOf", ()):
        out += _problems(value, option, root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            return out + [f"{path}: expected {'/'.join(types)}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{path}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if _TYPES["number"](value):
        out += [f"{path}: {value} breaks {k} {schema[k]}" for k, ok in _BOUNDS.items()
                if k in schema and not ok(value, schema[k])]
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            out.append(f"{path}: {value!r} has the wrong length")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            out.append(f"{path}: {len(value)} items")
        if "prefixItems" in schema:
            for i, (item, sub) in enumerate(zip(value, schema["prefixItems"])):
                out += _problems(item, sub, root, f"{path}[{i}]")
        elif "items" in schema:
            for i, item in enumerate(value):
                out += _problems(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        out += [f"{path}: missing {k}" for k in schema.get("required", ()) if k not in value]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                out += _problems(item, properties[key], root, f"{path}.{key}")
            elif extra is False:
                out.append(f"{path}: unexpected key {key!r}")
            elif isinstance(extra, dict):
                out += _problems(item, extra, root, f"{path}.{key}")
    return out
