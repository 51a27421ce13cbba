"""A compiled yes/no validator for the JSON Schema subset the face-field schemas use.

``jsonschema`` takes 100-200 µs per face, the whole budget of sealing one certificate, because
it interprets the schema on every call. This module turns a schema once into nested closures that
answer only "valid or not", in a few microseconds. When the answer is "not valid", the caller asks
``jsonschema`` for the detailed errors, so messages stay those of the reference implementation.

Only the keywords in :data:`SUPPORTED` (with ``jsonschema``'s semantics) are compiled; a schema
using anything else is refused when it is loaded, never silently half-checked. A property test
checks that the compiled validator agrees with ``jsonschema`` on every shipped schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import FormatChecker  # type: ignore[import-untyped]

from certificate.exceptions import CertificateSchemaError

Check = Callable[[object], bool]

SUPPORTED = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "pattern",
        "minLength",
        "maxLength",
        "format",
        "minimum",
        "maximum",
        "items",
        "minItems",
        "maxItems",
    }
)
"""Keywords that constrain instances and are compiled."""

_OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties"})
_NOT_FOR_STRINGS = frozenset(
    {"enum", "const", "minimum", "maximum", "items", "minItems", "maxItems"} | _OBJECT_KEYWORDS
)

ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "x-huren-type"}
)
"""Keywords that carry documentation only."""


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def compile_schema(schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    """Compile ``schema`` into a function returning whether an instance is valid."""
    unknown = set(schema) - SUPPORTED - ANNOTATIONS
    if unknown:
        raise CertificateSchemaError(
            f"schema keyword(s) {sorted(unknown)} are not supported by the face-field validator"
        )
    if schema.get("type") == "string" and not (schema.keys() & _NOT_FOR_STRINGS):
        return _compile_string(schema, formats)
    checks = [_compile_keyword(key, schema[key], formats) for key in schema]
    if _OBJECT_KEYWORDS & schema.keys():
        checks.append(_compile_object(schema, formats))
    return _all_of([check for check in checks if check is not None])


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    def check(value: object) -> bool:
        for item in frozen:  # noqa: SIM110 - a plain loop: no generator per call on the hot path
            if not item(value):
                return False
        return True

    return check


def _compile_string(schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    """The common case, ``"type": "string"`` with length, pattern and format, as one closure."""
    shortest = schema.get("minLength", 0)
    longest = schema.get("maxLength", float("inf"))
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    conforms = _format_check(schema.get("format"), formats)

    def check(value: object) -> bool:
        if not isinstance(value, str) or not shortest <= len(value) <= longest:
            return False
        if search is not None and search(value) is None:
            return False
        return conforms is None or conforms(value)

    return check


def _format_check(name: str | None, formats: FormatChecker) -> Check | None:
    """The format's own function, called directly (``FormatChecker.conforms`` costs 2 µs)."""
    if name is None or name not in formats.checkers:
        return None  # JSON Schema: unknown formats are annotations
    function, raises = formats.checkers[name]

    def conforms(value: object) -> bool:
        try:
            return bool(function(value))
        except raises:
            return False

    return conforms


def _compile_keyword(key: str, arg: Any, formats: FormatChecker) -> Check | None:
    if key in ANNOTATIONS or key in _OBJECT_KEYWORDS:
        return None  # object keywords are compiled together by _compile_object
    if key == "type":
        names = [arg] if isinstance(arg, str) else list(arg)
        if len(names) == 1:
            return _TYPES[names[0]]
        type_checks = tuple(_TYPES[name] for name in names)
        return lambda v: any(check(v) for check in type_checks)
    if key in ("enum", "const"):
        allowed = [arg] if key == "const" else list(arg)
        if not all(isinstance(item, str) for item in allowed):
            raise CertificateSchemaError(f"{key} must list strings only in face-field schemas")
        choices = frozenset(allowed)
        return lambda v: isinstance(v, str) and v in choices
    if key == "pattern":
        search = re.compile(arg).search
        return lambda v: not isinstance(v, str) or search(v) is not None
    if key == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= arg
    if key == "maxLength":
        return lambda v: not isinstance(v, str) or len(v) <= arg
    if key == "format":
        return _format_check(arg, formats)
    if key == "minimum":
        return lambda v: not _is_number(v) or v >= arg
    if key == "maximum":
        return lambda v: not _is_number(v) or v <= arg
    if key == "items":
        item = compile_schema(arg, formats)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)
    if key == "minItems":
        return lambda v: not isinstance(v, list) or len(v) >= arg
    if key == "maxItems":
        return lambda v: not isinstance(v, list) or len(v) <= arg
    raise AssertionError(key)  # pragma: no cover - SUPPORTED and this function list the same keys


def _compile_object(schema: Mapping[str, Any], formats: FormatChecker) -> Check:
    properties = schema.get("properties", {})
    compiled = {name: compile_schema(sub, formats) for name, sub in properties.items()}
    required = frozenset(schema.get("required", ()))
    additional = schema.get("additionalProperties", True)
    if additional is not False and additional is not True:
        raise CertificateSchemaError("additionalProperties must be true or false in face schemas")
    closed = additional is False
    known = frozenset(compiled)

    def check(value: object) -> bool:
        if not isinstance(value, dict):
            return True
        if not required <= value.keys():
            return False
        if closed and not value.keys() <= known:
            return False
        for name, item in value.items():
            sub = compiled.get(name)
            if sub is not None and not sub(item):
                return False
        return True

    return check
