"""The certificate document: metadata after GB/T 36901-36905 plus the type's face fields.

The document is what gets hashed field by field, so its JSON form must be exactly reproducible:
every field is a JSON string, integer, boolean or null (dates are ``YYYY-MM-DD`` strings, never
timestamps), unknown fields are refused, and nothing is coerced. ``model_dump(mode="json")`` of a
validated document therefore returns the fields it was built from, plus defaults.

Validation goes beyond shapes, because a clerk's typo must be caught at issuance, not by a
verifier in another province: credit codes, ID numbers and the identifier carry check characters;
the identifier must name this document's type and issuer; the type must be registered, its name
must match, its holder kind and number pattern must fit, and its face fields must satisfy its
schema. Any object in the face with ``id_type`` and ``id_number`` is an identity and gets the same
check as the holder's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    StrictStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from certificate._validation import StrictModel, raise_validation_error
from certificate.checkcodes import validate_credit_code, validate_resident_id
from certificate.divisions import province_of, validate_division_code
from certificate.exceptions import CertificateSchemaError
from certificate.identifier import validate_identifier
from certificate.registry import TypeRegistry, default_registry
from certificate.types import (
    DivisionCode,
    HolderIdType,
    ProvinceCode,
    Relation,
    SignatureAlgorithm,
)

DOCUMENT_FORMAT = "huren/certificate/1"
"""Version of the document layout and of the digest rules applied to it."""

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OTHER_ID = re.compile(r"[0-9A-Z]{5,30}")


def _checked(check: Callable[[Any, str], Any], what: str) -> AfterValidator:
    return AfterValidator(lambda value: check(value, what))


def _text(value: str, what: str) -> str:
    if not value or value != value.strip() or _CONTROL.search(value):
        raise CertificateSchemaError(
            f"{what} {value!r} must be non-empty, without leading or trailing spaces or "
            f"control characters"
        )
    if len(value) > 200:
        raise CertificateSchemaError(f"{what} is {len(value)} characters long; at most 200")
    return value


def _iso_date(value: str, what: str) -> str:
    try:
        if _DATE.fullmatch(value):
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise CertificateSchemaError(f"{what} {value!r} is not a calendar date written YYYY-MM-DD")


def _algorithm(value: object) -> SignatureAlgorithm:
    if isinstance(value, SignatureAlgorithm):
        return value
    return SignatureAlgorithm.from_label(value)


def _check_identity(id_type: HolderIdType, id_number: str, what: str) -> None:
    """Check an identity document number according to its kind (check characters included)."""
    if id_type is HolderIdType.RESIDENT_ID:
        validate_resident_id(id_number, f"{what} citizen ID number")
    elif id_type is HolderIdType.CREDIT_CODE:
        validate_credit_code(id_number, f"{what} unified social credit code")
    elif not _OTHER_ID.fullmatch(id_number):
        raise CertificateSchemaError(
            f"{what} {id_type.value} number {id_number!r} must be 5-30 digits or capital letters"
        )


AlgorithmLabel = Annotated[
    SignatureAlgorithm,
    BeforeValidator(_algorithm),
    PlainSerializer(lambda algorithm: algorithm.label, return_type=str),
]


class CertificateTypeRef(StrictModel):
    """证照类型: the type code and its registered name."""

    code: StrictStr  # checked by the registry lookup: registered codes are valid
    name: Annotated[StrictStr, _checked(_text, "certificate type name")]


class Holder(StrictModel):
    """持证主体: the person or organisation the certificate belongs to."""

    name: Annotated[StrictStr, _checked(_text, "holder name")]
    id_type: HolderIdType
    id_number: StrictStr

    @model_validator(mode="after")
    def _check_number(self) -> Holder:
        _check_identity(self.id_type, self.id_number, "holder")
        return self


class Issuer(StrictModel):
    """颁证单位: the issuing authority, its credit code and its division (GB/T 2260)."""

    name: Annotated[StrictStr, _checked(_text, "issuing authority name")]
    credit_code: Annotated[StrictStr, _checked(validate_credit_code, "issuing authority code")]
    division_code: Annotated[StrictStr, _checked(validate_division_code, "issuing division code")]


class RelatedCertificate(StrictModel):
    """关联证照: an earlier certificate this one renews, amends or takes over."""

    identifier: Annotated[StrictStr, AfterValidator(validate_identifier)]
    relation: Relation


class CertificateDocument(StrictModel):
    """An electronic certificate before sealing: metadata, face fields and signature algorithm.

    Validate with :func:`build_document` (or ``model_validate(data, context={"registry": r})``);
    without a registry in the context the shipped types apply.
    """

    format: Literal["huren/certificate/1"]
    identifier: Annotated[StrictStr, AfterValidator(validate_identifier)]
    type: CertificateTypeRef
    number: Annotated[StrictStr, _checked(_text, "certificate number")]
    holder: Holder
    issuer: Issuer
    issue_date: Annotated[StrictStr, _checked(_iso_date, "issue date")]
    valid_from: Annotated[StrictStr, _checked(_iso_date, "valid-from date")]
    valid_until: Annotated[StrictStr, _checked(_iso_date, "valid-until date")] | None
    face: dict[str, Any]
    related: tuple[RelatedCertificate, ...] = ()
    signature_algorithm: AlgorithmLabel

    @model_validator(mode="after")
    def _check_consistency(self, info: ValidationInfo) -> CertificateDocument:
        kind = _registry(info).get(self.type.code)
        if self.type.name != kind.name:
            raise CertificateSchemaError(
                f"type name {self.type.name!r} does not match type code {kind.code}, "
                f"which is registered as {kind.name!r}"
            )
        # The field validator has checked the identifier's shape: parts 5 and 6 are the codes.
        type_code, authority_code = self.identifier.split(".")[5:7]
        if type_code != self.type.code:
            raise CertificateSchemaError(
                f"identifier {self.identifier} names type code {type_code}, "
                f"but the document is a {kind.name} ({kind.code})"
            )
        if authority_code != self.issuer.credit_code:
            raise CertificateSchemaError(
                f"identifier {self.identifier} names issuing authority {authority_code}, "
                f"but the issuer's credit code is {self.issuer.credit_code}"
            )
        if self.holder.id_type not in kind.holder_id_types:
            allowed = ", ".join(sorted(t.value for t in kind.holder_id_types))
            raise CertificateSchemaError(
                f"a {kind.name} cannot be held under id type {self.holder.id_type.value!r}; "
                f"use one of: {allowed}"
            )
        if not kind.number_pattern.fullmatch(self.number):
            raise CertificateSchemaError(
                f"certificate number {self.number!r} does not have the form of a {kind.name} "
                f"number ({kind.number_pattern.pattern})"
            )
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise CertificateSchemaError(
                f"valid-until date {self.valid_until} is before valid-from date {self.valid_from}"
            )
        if any(related.identifier == self.identifier for related in self.related):
            raise CertificateSchemaError("a certificate cannot name itself as a related one")
        kind.validate_face(self.face)
        _check_face_identities(self.face, "/face")
        return self

    @property
    def issuing_province(self) -> ProvinceCode:
        """The province-level code of the issuer, under which the chain keeps the status."""
        return province_of(DivisionCode(self.issuer.division_code))


def _registry(info: ValidationInfo) -> TypeRegistry:
    context = info.context
    if isinstance(context, Mapping) and isinstance(context.get("registry"), TypeRegistry):
        registry: TypeRegistry = context["registry"]
        return registry
    return default_registry()


def _check_face_identities(face: dict[str, Any], where: str) -> None:
    id_type, id_number = face.get("id_type"), face.get("id_number")
    if isinstance(id_type, str) and isinstance(id_number, str):
        try:
            kind = HolderIdType(id_type)
        except ValueError:
            raise CertificateSchemaError(f"{where}/id_type {id_type!r} is unknown") from None
        _check_identity(kind, id_number, where)
    for key, value in face.items():
        if type(value) is dict:
            _check_face_identities(value, f"{where}/{key}")
        elif type(value) is list:
            for index, item in enumerate(value):
                if type(item) is dict:
                    _check_face_identities(item, f"{where}/{key}/{index}")


def build_document(
    data: Mapping[str, Any], *, registry: TypeRegistry | None = None
) -> CertificateDocument:
    """Validate a document given as JSON-like data; raise one of our format errors if bad."""
    try:
        return CertificateDocument.model_validate(data, context={"registry": registry})
    except ValidationError as exc:
        raise_validation_error(exc, "certificate document")
