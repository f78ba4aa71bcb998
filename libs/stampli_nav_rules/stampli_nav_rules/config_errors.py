"""Config errors that name fields and reasons, never input values — whatever the shape of the input.

A connector config holds secrets (passwords, client secrets, access keys) and users paste surprising shapes: an
auth block of a type we do not know, a password under a key we do not read, a secret where a mapping key goes.
pydantic's own texts are not safe for that: a union's "Input tag 'x' found ..." repeats input, our validators'
messages may quote the value they refused, and a `loc` can contain a dict key from the input. So the formatter:

- prints a location made only of names the model declares (field names, aliases, discriminator tags); anything
  else in a `loc` (a mapping's key) is printed as `[<key>]`, and pydantic's generated union tags are dropped;
- words the reason itself for errors whose text embeds input (an unknown discriminator value);
- lets a validator's own text quote what it refused (a folder, a code: that helps), but blanks every secret of
  the failing input in it first: values of secret fields and of keys named like one, and URL user:password parts.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError
from pydantic_core.core_schema import ErrorType

REDACTED = "***"
_MIN_REDACTED_LENGTH = 3  # shorter ones would blank letters of ordinary words, and are no secret anyway
# Key names that hold a secret whatever the model says (an auth block of a type the model does not know).
_SECRET_KEY = re.compile(r"pass|secret|token|private|credential|access_key|api_key|client_state", re.IGNORECASE)
_URL_USERINFO = re.compile(r"//[^/\s@'\"]+@")
# Tags pydantic generates for the members of a plain (not discriminated) union: schema names, never input.
_TYPE_TAGS = frozenset(
    {"str", "int", "float", "bool", "bytes", "none", "list", "dict", "tuple", "set", "frozenset", "decimal", "date",
     "datetime", "time", "timedelta", "url", "uuid", "constrained-str", "constrained-int", "constrained-float",
     "constrained-decimal", "constrained-bytes", "json-or-python", "lax-or-strict", "is-instance", "literal"}
)  # fmt: skip
# pydantic's error types whose text is built from the schema (limits, expected values, parser positions) and never
# from the input; every other type (a validator's own text, a custom error) is redacted before it is printed.
_SCHEMA_WORDED = frozenset(typing.get_args(ErrorType)) - {
    "value_error", "assertion_error", "get_attribute_error", "iteration_error", "mapping_type", "no_such_attribute",
}  # fmt: skip


class ConfigError(ValueError):
    """A configuration the connector cannot work with; the message names each field and reason, never a value."""


def describe_validation_error(error: ValidationError, *, root: str = "config", limit: int | None = None) -> str:
    """`error` as "`field.path: reason; ...`" without any secret or key from the input (see the module docstring).

    The model is found by the error's title (the class name pydantic puts there); for a title that names no
    model, no name is trusted and every string in a location is printed as `[<key>]`. `root` names the whole
    input when the location is empty; `limit` keeps the first problems and counts the rest.
    """
    schema = _schema_names(error.title)
    parts: list[str] = []
    for detail in error.errors(include_url=False):
        location = field_path(detail["loc"], schema.known)
        if not location or location.startswith("["):
            location = root + location
        reason = _reason(detail)
        if detail["type"] not in _SCHEMA_WORDED:
            at_secret = any(part in schema.secret for part in detail["loc"] if isinstance(part, str))
            reason = _redact(reason, detail.get("input"), schema.secret, at_secret)
        text = f"{location}: {reason}"
        if text not in parts:  # union members often fail alike
            parts.append(text)
    if limit is not None and len(parts) > limit:
        return "; ".join(parts[:limit]) + f"; and {len(parts) - limit} more"
    return "; ".join(parts)


def validate_blocks(
    config: Mapping[str, Any], *models: type[BaseModel], prefix: str = "invalid configuration"
) -> tuple[Any, ...]:
    """Each block model of a connector config (each reads its own fields of the one flat config), in order; a
    `ConfigError` naming the problems of every block at once (never their values) when any fails."""
    parsed: list[Any] = []
    problems: list[str] = []
    for model in models:
        try:
            parsed.append(model.model_validate(dict(config)))
        except ValidationError as error:
            problems.append(describe_validation_error(error))
    if problems:
        raise ConfigError(f"{prefix}: {'; '.join(problems)}")
    return tuple(parsed)


# Reasons worded the same whether pydantic (the model) or jsonschema (the spec) found the problem.
EXTRA_FIELDS = "has fields it does not accept (their names are not repeated here: they may be values)"


def unknown_tag(discriminator: str, expected: str) -> str:
    return f"unknown {discriminator} value; expected one of {expected}"


def missing_tag(discriminator: str) -> str:
    return f"{discriminator} is missing: it says which kind of block this is"


def _reason(detail: Mapping[str, Any]) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    discriminator = str(ctx.get("discriminator", "the type field")).strip("'")
    if kind == "union_tag_invalid":
        # pydantic's text names the tag found in the input; the expected tags and the discriminator are schema.
        return unknown_tag(discriminator, str(ctx.get("expected_tags", "")))
    if kind == "union_tag_not_found":
        return missing_tag(discriminator)
    if kind == "extra_forbidden":
        return EXTRA_FIELDS
    message = str(detail.get("msg", kind))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def field_path(loc: Iterable[int | str], known: Collection[str]) -> str:
    """`a.b[0][<key>]`: only names the schema declares and list positions; any other key of the input is `[<key>]`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in known:
            text += f".{part}" if text else part
        elif part.startswith("function-") or "[" in part or part in _TYPE_TAGS:
            continue  # a validator's or union member's generated tag (or "[key]"): schema, not input
        else:
            text += "[<key>]"  # a key of the input (a mapping's entry): may be anything, even a secret
    return text


def _redact(reason: str, value: Any, secret_fields: set[str], at_secret: bool) -> str:
    """A validator's own text may quote what it refused, which helps with a folder or a code; it must not quote a
    secret. Secrets are the values of the model's secret fields and of keys named like one (a password under a
    key the model does not read), the whole input of a secret field, and the user:password part of a URL."""
    candidates: set[str] = set()
    for text in _secrets_in(value, secret_fields, inside=at_secret, depth=0):
        for variant in (text, text.strip(), repr(text)[1:-1]):
            if len(variant) >= _MIN_REDACTED_LENGTH:
                candidates.add(variant)
    for candidate in sorted(candidates, key=len, reverse=True):
        reason = re.sub(re.escape(candidate), REDACTED, reason, flags=re.IGNORECASE)
    return _URL_USERINFO.sub(f"//{REDACTED}@", reason)


def _secrets_in(value: Any, secret_fields: set[str], *, inside: bool, depth: int) -> Iterable[str]:
    if depth > 20:  # a config is shallow; this only bounds a pathological input
        return
    if isinstance(value, SecretStr | SecretBytes):
        secret = value.get_secret_value()
        yield secret.decode(errors="replace") if isinstance(secret, bytes) else secret
    elif isinstance(value, BaseModel):
        yield from _secrets_in(value.model_dump(), secret_fields, inside=inside, depth=depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            secret_key = isinstance(key, str) and (key in secret_fields or _SECRET_KEY.search(key) is not None)
            yield from _secrets_in(item, secret_fields, inside=inside or secret_key, depth=depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _secrets_in(item, secret_fields, inside=inside, depth=depth + 1)
    elif inside and value is not None and not isinstance(value, bool):
        yield value.decode(errors="replace") if isinstance(value, bytes) else str(value)


# -- the names a model declares -----------------------------------------------------------------------------------


@dataclass
class _SchemaNames:
    known: set[str] = field(default_factory=set)  # field names, aliases, discriminator tags, model names
    secret: set[str] = field(default_factory=set)  # fields holding a secret
    seen: set[type[BaseModel]] = field(default_factory=set)


def _schema_names(title: str) -> _SchemaNames:
    names = _SchemaNames()
    for model in _models_named(title):
        _collect(model, names)
    return names


def _models_named(title: str) -> list[type[BaseModel]]:
    # ValidationError keeps the model's name, not the class: find the loaded classes of that name (two classes
    # of one name only add each other's field names, which are never secrets).
    found: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = list(BaseModel.__subclasses__())
    visited: set[type[BaseModel]] = set()
    while stack:
        cls = stack.pop()
        if cls in visited:
            continue
        visited.add(cls)
        if cls.__name__ == title or cls.model_config.get("title") == title:
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def _collect(model: type[BaseModel], names: _SchemaNames) -> None:
    if model in names.seen:
        return
    names.seen.add(model)
    names.known.add(model.__name__)
    for name, info in model.model_fields.items():
        aliases = [name]
        for alias in (info.alias, info.validation_alias, info.serialization_alias):
            aliases.extend(_alias_names(alias))
        names.known.update(aliases)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("airbyte_secret") is True or _holds_secret(info.annotation) or _SECRET_KEY.search(name):
            names.secret.update(aliases)
        _collect_type(info.annotation, names)
        for item in info.metadata:
            _collect_type(item, names)


def _alias_names(alias: object) -> list[str]:
    if isinstance(alias, str):
        return [alias]
    choices = getattr(alias, "choices", None) or [alias]  # AliasChoices
    return [part for choice in choices for part in getattr(choice, "path", []) if isinstance(part, str)]


def _holds_secret(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, SecretStr | SecretBytes):
        return True
    return any(_holds_secret(argument) for argument in typing.get_args(annotation))


def _collect_type(annotation: object, names: _SchemaNames) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        _collect(annotation, names)
        return
    if typing.get_origin(annotation) is typing.Literal:
        names.known.update(str(value) for value in typing.get_args(annotation))
        return
    for argument in typing.get_args(annotation):
        _collect_type(argument, names)
