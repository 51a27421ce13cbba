"""The registry of certificate types and their face-field schemas.

Each type is one JSON Schema file in ``schemas/type-*.json``: the schema constrains the face
fields (照面信息), and its ``x-huren-type`` member carries the type's code, names, defining
authority, the holder identity kinds it accepts and the pattern of its certificate numbers. Keeping
the type in a language-neutral file lets a verifier in another language check the same rules.

Validators are compiled once per type (see :mod:`certificate._fastschema`); ``jsonschema``
itself only runs to explain a face that failed. :func:`default_registry` loads the shipped types
on first use; a node with local types builds its own :class:`TypeRegistry` and passes it along.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError  # type: ignore[import-untyped]

from certificate._fastschema import Check, compile_schema
from certificate.checkcodes import validate_credit_code, validate_resident_id
from certificate.divisions import validate_division_code
from certificate.exceptions import (
    CertificateError,
    CertificateFormatError,
    CertificateSchemaError,
    UnknownCertificateTypeError,
)
from certificate.identifier import validate_type_code
from certificate.types import HolderIdType, TypeCode

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE.fullmatch(value)) and bool(date.fromisoformat(value))


def _string_check(check: Callable[[str], object]) -> Callable[[object], bool]:
    """Apply a code check to strings only, as JSON Schema formats ignore other types."""

    def conforms(value: object) -> bool:
        if isinstance(value, str):
            check(value)
        return True

    return conforms


def make_format_checker() -> FormatChecker:
    """The formats face schemas may use: ``date`` and the three national code systems.

    ``gb32100`` is a unified social credit code, ``gb11643`` a citizen ID number, ``gbt2260`` a
    division code; each rejects a wrong check character or unknown province, not just the shape.
    """
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("gb32100", raises=CertificateFormatError)(_string_check(validate_credit_code))
    checker.checks("gb11643", raises=CertificateFormatError)(_string_check(validate_resident_id))
    checker.checks("gbt2260", raises=CertificateFormatError)(_string_check(validate_division_code))
    return checker


@dataclass(frozen=True)
class CertificateType:
    """One kind of certificate: its code, names, accepted holders and face-field schema."""

    key: str
    code: TypeCode
    name: str
    english_name: str
    defining_authority: str
    holder_id_types: frozenset[HolderIdType]
    number_pattern: re.Pattern[str]
    face_schema: Mapping[str, Any] = field(repr=False)
    _is_valid: Check = field(repr=False, compare=False)
    _explainer: Draft202012Validator = field(repr=False, compare=False)

    def validate_face(self, face: object) -> None:
        """Check face fields against this type's schema; raise an error naming each bad field."""
        if self._is_valid(face):
            return
        errors = sorted(self._explainer.iter_errors(face), key=lambda e: list(e.absolute_path))
        if not errors:  # pragma: no cover - the compiled check and jsonschema agree (tested)
            raise CertificateSchemaError(f"face fields of a {self.name} are not valid")
        messages = [_describe(error) for error in errors[:5]]
        cause = next((e.cause for e in errors if isinstance(e.cause, CertificateError)), None)
        kind = type(cause) if cause is not None else CertificateSchemaError
        raise kind(f"{self.name} ({self.english_name}): " + "; ".join(messages))


def _describe(error: ValidationError) -> str:
    where = "/face" + "".join(f"/{part}" for part in error.absolute_path)
    label = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    if isinstance(error.cause, CertificateError):
        problem = str(error.cause)
    elif error.validator == "additionalProperties":
        problem = error.message.replace("Additional properties are not allowed", "unknown field")
    else:
        problem = error.message
    return f"{where}{f' ({label})' if label else ''}: {problem}"


def certificate_type_from_schema(
    schema: Mapping[str, Any], formats: FormatChecker | None = None
) -> CertificateType:
    """Build a :class:`CertificateType` from a face schema carrying ``x-huren-type``."""
    meta = schema.get("x-huren-type")
    if not isinstance(meta, Mapping):
        raise CertificateSchemaError("a certificate type schema needs an 'x-huren-type' object")
    checker = formats if formats is not None else make_format_checker()
    try:
        Draft202012Validator.check_schema(schema)
        return CertificateType(
            key=str(meta["key"]),
            code=validate_type_code(meta["code"]),
            name=str(meta["name"]),
            english_name=str(meta["english_name"]),
            defining_authority=str(meta["defining_authority"]),
            holder_id_types=frozenset(HolderIdType(t) for t in meta["holder_id_types"]),
            number_pattern=re.compile(meta["number_pattern"]),
            face_schema=schema,
            _is_valid=compile_schema(schema, checker),
            _explainer=Draft202012Validator(schema, format_checker=checker),
        )
    except (KeyError, ValueError, re.error) as exc:
        if isinstance(exc, CertificateError):
            raise
        raise CertificateSchemaError(f"certificate type schema is not usable: {exc}") from exc


class TypeRegistry:
    """The certificate types a node issues or a verifier accepts, by type code."""

    def __init__(self, types: Iterable[CertificateType]) -> None:
        self._by_code: dict[TypeCode, CertificateType] = {}
        self._by_key: dict[str, CertificateType] = {}
        for kind in types:
            if kind.code in self._by_code or kind.key in self._by_key:
                raise CertificateSchemaError(
                    f"certificate type {kind.key!r} ({kind.code}) is registered twice"
                )
            self._by_code[kind.code] = kind
            self._by_key[kind.key] = kind

    @classmethod
    def from_schemas(cls, schemas: Iterable[Mapping[str, Any]]) -> TypeRegistry:
        """A registry of the types described by ``schemas`` (see the shipped files)."""
        checker = make_format_checker()
        return cls(certificate_type_from_schema(schema, checker) for schema in schemas)

    def get(self, code: object) -> CertificateType:
        """The type with this code; raises :class:`UnknownCertificateTypeError` otherwise."""
        kind = self._by_code.get(TypeCode(code)) if isinstance(code, str) else None
        if kind is None:
            known = ", ".join(f"{k.code} {k.name}" for k in self)
            raise UnknownCertificateTypeError(
                f"certificate type code {code!r} is not registered here; known types: {known}"
            )
        return kind

    def by_key(self, key: str) -> CertificateType:
        """The type with this short key (e.g. ``"marriage_certificate"``)."""
        try:
            return self._by_key[key]
        except KeyError:
            raise UnknownCertificateTypeError(
                f"no certificate type {key!r}; known: {', '.join(sorted(self._by_key))}"
            ) from None

    def __iter__(self) -> Iterator[CertificateType]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


def shipped_schemas() -> list[dict[str, Any]]:
    """The face schemas shipped in ``certificate/schemas/type-*.json``, by file name."""
    folder = resources.files("certificate") / "schemas"
    files = sorted(
        (f for f in folder.iterdir() if f.name.startswith("type-") and f.name.endswith(".json")),
        key=lambda f: f.name,
    )
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


@functools.cache
def default_registry() -> TypeRegistry:
    """The shipped certificate types, loaded and compiled on first use."""
    return TypeRegistry.from_schemas(shipped_schemas())
