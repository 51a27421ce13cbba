"""Every error type is reachable from a malformed input, sits in the documented tree, and wraps
the matching built-in error."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

import certificate as certificate
from certificate import exceptions
from certificate.digest import validate_salt
from certificate.samples import sample_document
from certificate.signing import verify_digest_signature

_ZERO = bytes(32)


def _sealed(key: certificate.SigningKey) -> certificate.SealedCertificate:
    return certificate.seal(certificate.build_document(sample_document("academic_degree")), key)


def _tampered_digest(key: certificate.SigningKey) -> None:
    certificate.verify_digest(_sealed(key).model_copy(update={"digest": _ZERO}))


TRIGGERS: dict[type[Exception], Callable[[certificate.SigningKey], object]] = {
    exceptions.CertificateFormatError: lambda _: certificate.canonicalize(float("nan")),
    exceptions.CertificateJSONError: lambda _: certificate.parse_sealed("{not json"),
    exceptions.JSONTooDeepError: lambda _: certificate.parse_sealed("[" * 100_000),
    exceptions.JSONNumberTooLongError: lambda _: certificate.parse_sealed("[" + "9" * 5000 + "]"),
    exceptions.CertificateSchemaError: lambda _: certificate.build_document({}),
    exceptions.UnknownCertificateTypeError: lambda _: certificate.default_registry().get("x"),
    exceptions.CheckCharacterError: lambda _: certificate.validate_credit_code(
        "11100000MB0143028A"
    ),
    exceptions.SaltError: lambda _: validate_salt("short", "/a"),
    exceptions.UnknownAlgorithmError: lambda _: certificate.SignatureAlgorithm.from_code(9),
    exceptions.DisclosureError: lambda key: certificate.disclose(_sealed(key), ["/nothing"]),
    exceptions.QRPayloadError: lambda _: certificate.decode_qr_payload("HUREN1:ABC"),
    exceptions.DigestMismatchError: _tampered_digest,
    exceptions.SignatureError: lambda key: verify_digest_signature(
        key.spki_der, key.algorithm, _ZERO, bytes(64)
    ),
    exceptions.ProofError: lambda _: certificate.verify_inclusion(_ZERO, 0, 1, [], b"\x01" * 32),
    exceptions.ProofLengthError: lambda _: certificate.verify_inclusion(_ZERO, 0, 2, [], _ZERO),
    exceptions.MerkleRangeError: lambda _: certificate.MerkleTree.from_entries(
        [b"a"]
    ).inclusion_proof(1),
    exceptions.CertificateKeyError: lambda _: certificate.SigningKey.from_pem(b"", b"x"),
    exceptions.CertificateStateError: lambda key: certificate.verify_receipt(_sealed(key)),
}

ALL_ERRORS = [
    cls
    for _, cls in inspect.getmembers(exceptions, inspect.isclass)
    if issubclass(cls, exceptions.CertificateError)
]


@pytest.mark.parametrize("error", list(TRIGGERS), ids=lambda e: e.__name__)
def test_each_error_is_raised_by_a_malformed_input(
    error: type[Exception], ed25519_key: certificate.SigningKey
) -> None:
    with pytest.raises(error) as caught:
        TRIGGERS[error](ed25519_key)
    assert str(caught.value), "every error carries a message"


def test_every_error_class_is_covered_exported_and_documented() -> None:
    abstract = {
        exceptions.CertificateError,
        exceptions.CertificateIntegrityError,
        exceptions.MerkleError,
        exceptions.JSONLimitError,
    }
    assert set(ALL_ERRORS) - abstract == set(TRIGGERS)
    for cls in ALL_ERRORS:
        assert cls.__name__ in certificate.__all__
        assert cls.__doc__
        assert cls.__name__ in (exceptions.__doc__ or "")


def test_built_in_kinds_are_kept() -> None:
    for cls in (
        exceptions.CertificateFormatError,
        exceptions.ProofLengthError,
        exceptions.CertificateKeyError,
        exceptions.CertificateStateError,
    ):
        assert issubclass(cls, ValueError)
    assert issubclass(exceptions.ProofLengthError, exceptions.ProofError)
    assert issubclass(exceptions.MerkleRangeError, ValueError)
    for cls in (exceptions.ProofError, exceptions.MerkleRangeError):
        assert issubclass(cls, exceptions.MerkleError), "Merkle errors are Merkle errors"
        assert not issubclass(cls, exceptions.CertificateFormatError)
    assert not issubclass(exceptions.SignatureError, ValueError), "a bad signature is not bad input"
