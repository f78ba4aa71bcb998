"""A config checked against a connector's spec (JSON Schema) with messages that never repeat input values.

The Airbyte CDK checks a config against the spec before the connector sees it, and words a failure with
jsonschema's own text, which quotes the input: an auth block of a type the spec does not know came out as
"{'auth_type': 'ntlm', 'username': 'u', 'password': '<the password>'} is not valid under any of the given schemas".
`spec_problems` runs the same check first and words each failure from the schema: where (property names the spec
declares; anything else is `[<key>]`) and what the spec wants. `spec_gate` answers an Airbyte command with that
message before the CDK can print its own (the CDK's check then never fails: the config already passed).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

from stampli_nav_rules.config_errors import EXTRA_FIELDS, field_path, missing_tag, unknown_tag

_LIMITS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "pattern": "text matching {!r}",
    "format": "a valid {}",
    "multipleOf": "a multiple of {}",
}


def spec_problems(config: Any, schema: Mapping[str, Any], *, limit: int = 5) -> str | None:
    """What is wrong with `config` by the spec, field by field, never by value; None when it passes."""
    names = _property_names(schema)
    parts: list[str] = []
    for error in sorted(Draft7Validator(schema).iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        for text in _describe(error, names):
            if text not in parts:
                parts.append(text)
    if not parts:
        return None
    if len(parts) > limit:
        return "; ".join(parts[:limit]) + f"; and {len(parts) - limit} more"
    return "; ".join(parts)


def _describe(error: ValidationError, names: set[str]) -> list[str]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        member = _chosen_member(error.validator_value, error.instance)
        if member is not None:
            # The block says which kind it is: what is wrong is what that kind's schema refuses.
            inner = [e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == member]
            return [text for e in inner for text in _describe(e, names)]
    location = field_path(error.absolute_path, names)
    if not location or location.startswith("["):
        location = "config" + location
    return [f"{location}: {_reason(error, names)}"]


def _reason(error: ValidationError, names: set[str]) -> str:
    kind, wanted, instance = error.validator, error.validator_value, error.instance
    if kind in ("oneOf", "anyOf"):
        tag = _unknown_tag(wanted, instance)
        if tag is not None:
            return tag
        if error.context:
            inner = best_match(error.context)
            # The member that came closest says what is wrong inside the block (its path is already absolute).
            return _describe(inner, names)[0].split(": ", 1)[1] + _inner_where(error, inner, names)
        return "matches none of the kinds the spec allows"
    if kind == "type":
        return f"must be {_words(wanted)}"
    if kind == "required":
        missing = [name for name in wanted if isinstance(instance, Mapping) and name not in instance]
        return f"{', '.join(missing) or 'a field'} {'are' if len(missing) > 1 else 'is'} required"
    if kind == "enum":
        return f"must be one of {', '.join(repr(value) for value in wanted)}"
    if kind == "const":
        return f"must be {wanted!r}"
    if kind == "additionalProperties":
        return EXTRA_FIELDS
    if kind in _LIMITS:
        return "must be " + _LIMITS[kind].format(wanted)
    return f"fails the spec's {kind} rule"


def _inner_where(outer: ValidationError, inner: ValidationError, names: set[str]) -> str:
    extra = list(inner.absolute_path)[len(list(outer.absolute_path)) :]
    if not extra:
        return ""
    return f" (at {field_path(extra, names)})"


def _chosen_member(members: Sequence[Any], instance: Any) -> int | None:
    """The index of the one member whose pinned type field (`const`/`enum`) the object's value matches."""
    if not isinstance(instance, Mapping):
        return None
    chosen = [
        index
        for index, member in enumerate(members)
        if isinstance(member, Mapping)
        and any(
            name in instance and instance[name] in ([spec["const"]] if "const" in spec else spec.get("enum", [None]))
            for name, spec in (member.get("properties") or {}).items()
            if isinstance(spec, Mapping) and ("const" in spec or "enum" in spec)
        )
    ]
    return chosen[0] if len(chosen) == 1 else None


def _unknown_tag(members: Iterable[Any], instance: Any) -> str | None:
    """An object whose type field (a property every member pins with `const`/`enum`) has a value no member has."""
    if not isinstance(instance, Mapping):
        return None
    pinned: dict[str, list[Any]] = {}
    for member in members:
        for name, spec in (member.get("properties") or {}).items() if isinstance(member, Mapping) else ():
            values = [spec["const"]] if "const" in spec else spec.get("enum", [])
            if values:
                pinned.setdefault(name, []).extend(values)
    for name, values in pinned.items():
        if name in instance and instance[name] not in values:
            return unknown_tag(name, ", ".join(repr(value) for value in values))
        if name not in instance and len(pinned) == 1:
            return missing_tag(name)
    return None


def _words(wanted: Any) -> str:
    kinds = wanted if isinstance(wanted, list) else [wanted]
    return " or ".join(f"{'an' if str(kind)[0] in 'aeiou' else 'a'} {kind}" for kind in kinds)


def _property_names(schema: Any) -> set[str]:
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            properties = node.get("properties")
            if isinstance(properties, Mapping):
                names.update(str(name) for name in properties)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


# -- in front of the Airbyte CDK ------------------------------------------------------------------------------------


def spec_gate(
    argv: Sequence[str], connection_specification: Callable[[], Mapping[str, Any]], out: IO[str] | None = None
) -> int | None:
    """For an Airbyte command with `--config` whose config fails the spec: print the Airbyte answer (a FAILED
    connection status for `check`, a config_error trace otherwise) and return the exit code. None: go on (no
    config, an unreadable one — the CDK reports that — or one that passes)."""
    command = argv[0] if argv else ""
    if command not in ("check", "discover", "read", "write") or "--config" not in argv:
        return None
    index = argv.index("--config") + 1
    try:
        config = json.loads(Path(argv[index]).read_text(encoding="utf-8"))
    except (IndexError, OSError, ValueError):
        return None
    problems = spec_problems(config, connection_specification())
    if problems is None:
        return None
    message = f"Config validation error: {problems}"
    out = out or sys.stdout
    if command == "check":
        answer: dict[str, Any] = {
            "type": "CONNECTION_STATUS",
            "connectionStatus": {"status": "FAILED", "message": message},
        }
        exit_code = 0  # Airbyte's protocol: a failed check is an answer, not a crash
    else:
        error = {"message": message, "internal_message": message, "failure_type": "config_error"}
        answer = {"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": time.time() * 1000, "error": error}}
        exit_code = 1
    out.write(json.dumps(answer) + "\n")
    out.flush()
    return exit_code
