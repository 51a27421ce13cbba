"""The sealed certificate: the file a holder or an agency receives.

A sealed certificate is one JSON object, versioned ``huren/sealed-certificate/1`` and described by
``schemas/sealed-certificate-1.json``::

    version           "huren/sealed-certificate/1"
    state             "sealed" (signed, batch not yet anchored) | "anchored" (receipt attached)
    issuing_province  GB/T 2260 province code as on chain (uint32), e.g. 310000
    digest            0x… certificate digest (bytes32): what is signed, batched and keyed on chain
    content           {"form": "full", "document": {…}, "salts": {path: salt}}
                    | {"form": "disclosed", "fields": {path: {"value", "salt"}},
                       "withheld": {path: 0x… leaf hash}}
    signature         {"key_id": 0x… sha256(SPKI DER), "value": 0x… 64 bytes}
    receipt           null while sealed; once anchored {batch_root, leaf_index, tree_size,
                      inclusion_proof[], chain_id, contract_address, transaction_hash,
                      block_number}

Byte strings are ``0x`` and lowercase hex, so each has exactly one spelling and a changed character
is a changed value. The signature algorithm is not repeated here: the document names it, inside the
digest, and a disclosed copy always discloses it (see :mod:`certificate.disclosure`).

Paths of withheld fields are labels only: the verifier cannot check them, it only uses them to put
the withheld leaf hashes in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    JsonValue,
    PlainSerializer,
    StrictInt,
    ValidationError,
    model_validator,
)

from certificate._validation import StrictModel, raise_validation_error
from certificate.digest import (
    flatten,
    validate_pointer,
    validate_pointers,
    validate_salt,
    validate_salts,
)
from certificate.divisions import (
    province_of,
    validate_division_code,
    validate_province_code,
)
from certificate.document import CertificateDocument
from certificate.exceptions import CertificateSchemaError
from certificate.json_input import check_depth, read_json
from certificate.merkle import leaf_hash, verify_inclusion
from certificate.registry import TypeRegistry
from certificate.types import DivisionCode, FieldPath, SealState, SignatureAlgorithm

SEALED_FORMAT = "huren/sealed-certificate/1"
"""The version string this software writes and reads."""

ALWAYS_DISCLOSED: tuple[FieldPath, ...] = tuple(
    FieldPath(path)
    for path in (
        "/format",
        "/identifier",
        "/type/code",
        "/type/name",
        "/issuer/division_code",
        "/valid_from",
        "/valid_until",
        "/signature_algorithm",
    )
)
"""Fields every copy must reveal: a verifier needs them to check format, issuer province,
signature algorithm and validity, and a clerk to know what certificate it is."""

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _hex_bytes(size: int, what: str) -> BeforeValidator:
    length = 2 + 2 * size

    def parse(value: object) -> bytes:
        if isinstance(value, bytes) and len(value) == size:
            return value
        # "0x", then only lowercase (``islower`` is true of "0x…" unless a letter is upper case)
        # hex digits: ``fromhex`` refuses other characters, and skips whitespace, which the
        # length of its result then gives away.
        if (
            isinstance(value, str)
            and len(value) == length
            and value[:2] == "0x"
            and value.islower()
        ):
            try:
                parsed = bytes.fromhex(value[2:])
            except ValueError:
                pass
            else:
                if len(parsed) == size:
                    return parsed
        raise CertificateSchemaError(
            f"{what} must be '0x' followed by {2 * size} lowercase hex digits ({size} bytes); "
            f"got {value!r:.80}"
        )

    return BeforeValidator(parse)


_AS_HEX = PlainSerializer(lambda value: "0x" + value.hex(), return_type=str)

Hash32 = Annotated[bytes, _hex_bytes(32, "a SHA-256 hash"), _AS_HEX]
SignatureBytes = Annotated[bytes, _hex_bytes(64, "a signature"), _AS_HEX]
Pointer = Annotated[str, AfterValidator(validate_pointer)]
Count = Annotated[StrictInt, Field(ge=0)]


def _address(value: str) -> str:
    if not _ADDRESS.fullmatch(value):
        raise CertificateSchemaError(
            f"contract address {value!r} must be '0x' followed by 40 hex digits"
        )
    return value


def _version(value: str) -> str:
    if value != SEALED_FORMAT:
        raise CertificateSchemaError(
            f"this file is in format {value!r}; this software reads {SEALED_FORMAT!r} only"
        )
    return value


class Receipt(StrictModel):
    """Where the certificate's digest was anchored: the batch and the chain transaction."""

    batch_root: Hash32
    leaf_index: Count
    tree_size: Annotated[StrictInt, Field(ge=1)]
    inclusion_proof: tuple[Hash32, ...]
    chain_id: Annotated[StrictInt, Field(ge=1)]
    contract_address: Annotated[str, AfterValidator(_address)]
    transaction_hash: Annotated[bytes, _hex_bytes(32, "a transaction hash"), _AS_HEX]
    block_number: Count

    @model_validator(mode="after")
    def _check_index(self) -> Receipt:
        if self.leaf_index >= self.tree_size:
            raise CertificateSchemaError(
                f"receipt leaf index {self.leaf_index} is not inside a batch of "
                f"{self.tree_size} certificates"
            )
        return self

    def verify_proof(self, digest: bytes) -> None:
        """Raise :class:`ProofError` unless the inclusion proof leads from ``digest`` (the
        certificate's) to :attr:`batch_root`."""
        verify_inclusion(
            leaf_hash(digest),
            self.leaf_index,
            self.tree_size,
            self.inclusion_proof,
            self.batch_root,
        )


class SignatureBlock(StrictModel):
    """The issuing province's signature over the digest and the id of the key that made it."""

    key_id: Annotated[bytes, _hex_bytes(32, "a key id"), _AS_HEX]
    value: SignatureBytes


class FullContent(StrictModel):
    """The whole document with the salt of every field."""

    form: Literal["full"] = "full"
    document: CertificateDocument
    salts: dict[str, str]

    @model_validator(mode="after")
    def _check_salts(self) -> FullContent:
        validate_pointers(self.salts)  # one loop, not a validator call per key
        validate_salts(self.salts)
        return self


class DisclosedField(StrictModel):
    """One revealed field: its value and its salt."""

    value: JsonValue
    salt: str


class DisclosedContent(StrictModel):
    """A selective disclosure: some fields revealed, the others as leaf hashes only."""

    form: Literal["disclosed"] = "disclosed"
    fields: dict[Pointer, DisclosedField]
    withheld: dict[Pointer, Hash32]

    @model_validator(mode="after")
    def _check_fields(self) -> DisclosedContent:
        for path, field in self.fields.items():
            validate_salt(field.salt, path)
            if isinstance(field.value, dict | list) and field.value:
                raise CertificateSchemaError(
                    f"disclosed field {path} holds a non-empty {type(field.value).__name__}; "
                    f"each of its members is a field of its own"
                )
        both = self.fields.keys() & self.withheld.keys()
        if both:
            raise CertificateSchemaError(
                f"field(s) {', '.join(sorted(both))} are both disclosed and withheld"
            )
        missing = [path for path in ALWAYS_DISCLOSED if path not in self.fields]
        if missing:
            raise CertificateSchemaError(
                f"a disclosed copy must reveal {', '.join(missing)}; ask the holder for a new copy"
            )
        validate_division_code(self.fields[FieldPath("/issuer/division_code")].value)
        SignatureAlgorithm.from_label(self.fields[FieldPath("/signature_algorithm")].value)
        return self


Content = Annotated[FullContent | DisclosedContent, Field(discriminator="form")]


class SealedCertificate(StrictModel):
    """A signed certificate (full or disclosed), anchored once it carries a :class:`Receipt`."""

    version: Annotated[str, AfterValidator(_version)]
    state: SealState
    issuing_province: Annotated[
        StrictInt, AfterValidator(lambda code: validate_province_code(code, "issuing province"))
    ]
    digest: Annotated[bytes, _hex_bytes(32, "a certificate digest"), _AS_HEX]
    content: Content
    signature: SignatureBlock
    receipt: Receipt | None

    @model_validator(mode="after")
    def _check_consistency(self) -> SealedCertificate:
        if (self.state is SealState.ANCHORED) != (self.receipt is not None):
            raise CertificateSchemaError(
                f"state is {self.state.value!r} but the file "
                f"{'has a' if self.receipt is not None else 'has no'} receipt: an anchored "
                f"certificate carries its receipt, a sealed one does not yet"
            )
        if isinstance(self.content, FullContent):
            division = self.content.document.issuer.division_code
        else:
            division = str(self.content.fields[FieldPath("/issuer/division_code")].value)
        if self.issuing_province != province_of(DivisionCode(division)):
            raise CertificateSchemaError(
                f"issuing province {self.issuing_province} does not contain the issuer's "
                f"division {division}"
            )
        return self

    @property
    def anchored(self) -> bool:
        """Whether the certificate's batch is on chain (the file carries its receipt)."""
        return self.receipt is not None

    @property
    def algorithm(self) -> SignatureAlgorithm:
        """The signature algorithm the document names."""
        if isinstance(self.content, FullContent):
            return self.content.document.signature_algorithm
        return SignatureAlgorithm.from_label(self.content.fields["/signature_algorithm"].value)

    def disclosed_values(self) -> dict[str, Any]:
        """Every readable field by path: all for a full copy, the revealed ones for a disclosed."""
        if isinstance(self.content, FullContent):
            return dict(flatten(self.content.document.model_dump(mode="json")))
        return {path: field.value for path, field in self.content.fields.items()}

    def to_json(self) -> str:
        """The file's text (UTF-8, compact)."""
        return self.model_dump_json()


def parse_sealed(data: str | bytes, *, registry: TypeRegistry | None = None) -> SealedCertificate:
    """Read a sealed certificate file; raise one of our format errors if it is malformed.

    The text is read by :func:`~certificate.json_input.read_json`: nesting too deep or a number
    too long is refused (:class:`~certificate.exceptions.JSONLimitError`) before it is parsed.
    """
    return _validate(read_json(data), registry)


def sealed_from_json(
    value: Mapping[str, Any], *, registry: TypeRegistry | None = None
) -> SealedCertificate:
    """Validate an already decoded sealed certificate (nested too deep: ``JSONTooDeepError``)."""
    check_depth(value)
    return _validate(value, registry)


def _validate(value: object, registry: TypeRegistry | None) -> SealedCertificate:
    try:
        return SealedCertificate.model_validate(value, context={"registry": registry})
    except ValidationError as exc:
        raise_validation_error(exc, "sealed certificate")


def sealed_certificate_schema() -> dict[str, Any]:
    """The JSON Schema of this format (``schemas/sealed-certificate-1.json``), for other tools."""
    schema_file = resources.files("certificate") / "schemas" / "sealed-certificate-1.json"
    schema: dict[str, Any] = json.loads(schema_file.read_text(encoding="utf-8"))
    return schema
