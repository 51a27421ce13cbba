"""The certificate format: documents, canonical digests, disclosure, Merkle proofs, signatures.

Pure Python, no chain and no database, so the province node and the verifier can both import it.

Issuing (province node)::

    document = build_document(data)                  # validate against the type's schema
    sealed = seal(document, signing_key)             # salts, digest, signature: "sealed"
    tree = MerkleTree.from_entries([s.digest for s in batch])   # anchor tree.root on chain
    anchored = attach_receipt(sealed, Receipt(...))  # "anchored"
    copy = disclose(anchored, ["/holder/name"])      # selective disclosure
    payload = qr_payload(copy)                       # "HUREN1:…" text for its QR code

Verifying (any agency)::

    sealed = parse_sealed(text)                      # format errors are CertificateFormatError
    verify_digest(sealed)                            # content hashes to the stated digest
    verify_signature(sealed, spki_der, algorithm)    # key and algorithm from the chain
    verify_receipt(sealed)                           # inclusion proof to the batch root

Every deliberate failure is a :class:`CertificateError`; see :mod:`certificate.exceptions`.
JSON from outside is read by :func:`read_json`, which bounds its nesting depth and number length
before parsing (:mod:`certificate.json_input`).
Realistic sample documents for tests and demos are in :mod:`certificate.samples`. The JSON
Schemas of a document and of a sealed certificate, standing alone for an API description to
embed, come from :mod:`certificate.standalone_schemas`.
"""

from certificate.canonical import canonical_field, canonicalize
from certificate.checkcodes import validate_credit_code, validate_resident_id
from certificate.digest import DIGEST_LABEL, field_leaf, flatten
from certificate.disclosure import disclose
from certificate.divisions import PROVINCES, province_of, validate_division_code
from certificate.document import (
    DOCUMENT_FORMAT,
    CertificateDocument,
    CertificateTypeRef,
    Holder,
    Issuer,
    RelatedCertificate,
    build_document,
)
from certificate.exceptions import (
    CertificateError,
    CertificateFormatError,
    CertificateIntegrityError,
    CertificateJSONError,
    CertificateKeyError,
    CertificateSchemaError,
    CertificateStateError,
    CheckCharacterError,
    DigestMismatchError,
    DisclosureError,
    JSONLimitError,
    JSONNumberTooLongError,
    JSONTooDeepError,
    MerkleError,
    MerkleRangeError,
    ProofError,
    ProofLengthError,
    QRPayloadError,
    SaltError,
    SignatureError,
    UnknownAlgorithmError,
    UnknownCertificateTypeError,
)
from certificate.identifier import (
    IdentifierParts,
    make_identifier,
    parse_identifier,
    validate_identifier,
)
from certificate.json_input import (
    MAX_JSON_DEPTH,
    MAX_NUMBER_CHARS,
    JSONShapeCheck,
    check_depth,
    read_json,
)
from certificate.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from certificate.qr import (
    QR_PREFIX,
    QR_REFERENCE_PREFIX,
    CertificateReference,
    decode_qr_payload,
    make_qr,
    qr_payload,
    reference_payload,
    sealed_payload,
)
from certificate.receipts import attach_receipt, batch_receipts
from certificate.registry import CertificateType, TypeRegistry, default_registry
from certificate.sealed_file import (
    ALWAYS_DISCLOSED,
    SEALED_FORMAT,
    DisclosedContent,
    DisclosedField,
    FullContent,
    Receipt,
    SealedCertificate,
    SignatureBlock,
    parse_sealed,
    sealed_certificate_schema,
    sealed_from_json,
)
from certificate.sealing import seal
from certificate.signing import SIGNATURE_LABEL, SigningKey, key_id_of
from certificate.types import (
    CertificateId,
    CreditCode,
    Digest,
    DivisionCode,
    FieldPath,
    Hash,
    HolderIdType,
    KeyId,
    ProvinceCode,
    Relation,
    Salt,
    SealState,
    SignatureAlgorithm,
    TypeCode,
)
from certificate.verification import (
    recompute_digest,
    verify_digest,
    verify_receipt,
    verify_signature,
)

__all__ = [
    "ALWAYS_DISCLOSED",
    "DIGEST_LABEL",
    "DOCUMENT_FORMAT",
    "EMPTY_ROOT",
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_CHARS",
    "PROVINCES",
    "QR_PREFIX",
    "QR_REFERENCE_PREFIX",
    "SEALED_FORMAT",
    "SIGNATURE_LABEL",
    "CertificateDocument",
    "CertificateError",
    "CertificateFormatError",
    "CertificateId",
    "CertificateIntegrityError",
    "CertificateJSONError",
    "CertificateKeyError",
    "CertificateReference",
    "CertificateSchemaError",
    "CertificateStateError",
    "CertificateType",
    "CertificateTypeRef",
    "CheckCharacterError",
    "CreditCode",
    "Digest",
    "DigestMismatchError",
    "DisclosedContent",
    "DisclosedField",
    "DisclosureError",
    "DivisionCode",
    "FieldPath",
    "FullContent",
    "Hash",
    "Holder",
    "HolderIdType",
    "IdentifierParts",
    "Issuer",
    "JSONLimitError",
    "JSONNumberTooLongError",
    "JSONShapeCheck",
    "JSONTooDeepError",
    "KeyId",
    "MerkleError",
    "MerkleRangeError",
    "MerkleTree",
    "ProofError",
    "ProofLengthError",
    "ProvinceCode",
    "QRPayloadError",
    "Receipt",
    "RelatedCertificate",
    "Relation",
    "Salt",
    "SaltError",
    "SealState",
    "SealedCertificate",
    "SignatureAlgorithm",
    "SignatureBlock",
    "SignatureError",
    "SigningKey",
    "TypeCode",
    "TypeRegistry",
    "UnknownAlgorithmError",
    "UnknownCertificateTypeError",
    "attach_receipt",
    "batch_receipts",
    "build_document",
    "canonical_field",
    "canonicalize",
    "check_depth",
    "decode_qr_payload",
    "default_registry",
    "disclose",
    "document_input_schema",
    "field_leaf",
    "flatten",
    "key_id_of",
    "leaf_hash",
    "make_identifier",
    "make_qr",
    "node_hash",
    "parse_identifier",
    "parse_sealed",
    "province_of",
    "qr_payload",
    "read_json",
    "recompute_digest",
    "reference_payload",
    "root_from_inclusion_proof",
    "seal",
    "sealed_certificate_schema",
    "sealed_from_json",
    "sealed_payload",
    "standalone_sealed_schema",
    "validate_credit_code",
    "validate_division_code",
    "validate_identifier",
    "validate_resident_id",
    "verify_consistency",
    "verify_digest",
    "verify_inclusion",
    "verify_receipt",
    "verify_signature",
]
