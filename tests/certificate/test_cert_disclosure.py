"""Selective disclosure: any subset keeps the digest, hides the rest, and cannot be widened."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificate import (
    ALWAYS_DISCLOSED,
    CertificateSchemaError,
    DisclosedContent,
    DisclosureError,
    FullContent,
    SealedCertificate,
    SigningKey,
    build_document,
    disclose,
    parse_sealed,
    recompute_digest,
    seal,
    verify_digest,
    verify_receipt,
    verify_signature,
)
from certificate.samples import SAMPLE_KINDS, sample_document


@pytest.fixture(scope="module")
def sealed_samples(ed25519_key: SigningKey) -> dict[str, SealedCertificate]:
    """One sealed sample of every type."""
    return {
        kind: seal(build_document(sample_document(kind, seed=5)), ed25519_key)
        for kind in SAMPLE_KINDS
    }


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(SAMPLE_KINDS))
def test_any_subset_keeps_the_digest(
    data: st.DataObject,
    kind: str,
    sealed_samples: dict[str, SealedCertificate],
    ed25519_key: SigningKey,
) -> None:
    sealed = sealed_samples[kind]
    values = sealed.disclosed_values()
    chosen = data.draw(st.lists(st.sampled_from(sorted(values)), unique=True))
    copy = parse_sealed(disclose(sealed, chosen).to_json())
    assert recompute_digest(copy) == sealed.digest == verify_digest(copy)
    verify_signature(copy, ed25519_key.spki_der, ed25519_key.algorithm)
    assert isinstance(copy.content, DisclosedContent)
    revealed = set(chosen) | set(ALWAYS_DISCLOSED)
    assert set(copy.content.fields) == revealed
    assert set(copy.content.withheld) == set(values) - revealed
    assert copy.disclosed_values() == {path: values[path] for path in revealed}
    narrower = data.draw(st.lists(st.sampled_from(sorted(revealed)), unique=True))
    assert verify_digest(disclose(copy, narrower)) == sealed.digest


def test_withheld_values_and_salts_leave_no_trace(
    sealed_samples: dict[str, SealedCertificate],
) -> None:
    sealed = sealed_samples["marriage_certificate"]
    document = sealed.disclosed_values()
    text = disclose(sealed, ["/holder/name"]).to_json()
    assert isinstance(sealed.content, FullContent)
    for path in ("/holder/id_number", "/face/wife/id_number", "/face/husband/birth_date"):
        assert json.dumps(document[path]) not in text
        assert sealed.content.salts[path] not in text


def test_a_pointer_to_an_object_discloses_everything_under_it(
    sealed_samples: dict[str, SealedCertificate],
) -> None:
    copy = disclose(sealed_samples["marriage_certificate"], ["/face/wife"])
    assert isinstance(copy.content, DisclosedContent)
    assert {p for p in copy.content.fields if p.startswith("/face/")} == {
        "/face/wife/birth_date",
        "/face/wife/id_number",
        "/face/wife/id_type",
        "/face/wife/name",
        "/face/wife/nationality",
    }


def test_disclosure_keeps_the_receipt(anchored: Callable[..., SealedCertificate]) -> None:
    certificate = anchored("driving_licence", 1)
    copy = disclose(certificate, ["/face/vehicle_class"])
    assert copy.receipt == certificate.receipt
    verify_receipt(copy)


def test_disclosure_errors(sealed_samples: dict[str, SealedCertificate]) -> None:
    sealed = sealed_samples["marriage_certificate"]
    with pytest.raises(DisclosureError, match="has no field '/holder/nmae'; its fields are"):
        disclose(sealed, ["/holder/nmae"])
    with pytest.raises(DisclosureError, match="no field '/hold'"):
        disclose(sealed, ["/hold"])
    with pytest.raises(CertificateSchemaError, match="JSON Pointer"):
        disclose(sealed, ["holder"])
    copy = disclose(sealed, ["/holder/name"])
    with pytest.raises(DisclosureError, match="were withheld from this copy"):
        disclose(copy, ["/holder"])


def test_a_copy_must_reveal_the_fields_verifiers_need(
    sealed_samples: dict[str, SealedCertificate],
) -> None:
    degree = sealed_samples["academic_degree"]
    data = json.loads(disclose(degree, []).to_json())
    del data["content"]["fields"]["/signature_algorithm"]
    with pytest.raises(CertificateSchemaError, match="must reveal /signature_algorithm"):
        parse_sealed(json.dumps(data))
    data = json.loads(disclose(degree, []).to_json())
    data["content"]["fields"]["/face"] = {"value": {"degree": "x"}, "salt": "A" * 22}
    with pytest.raises(CertificateSchemaError, match="non-empty dict"):
        parse_sealed(json.dumps(data))
    data = json.loads(disclose(degree, []).to_json())
    path = next(iter(data["content"]["withheld"]))
    data["content"]["fields"][path] = {"value": 1, "salt": "A" * 22}
    with pytest.raises(CertificateSchemaError, match="both disclosed and withheld"):
        parse_sealed(json.dumps(data))


def test_a_full_copy_with_wrong_salts_cannot_be_disclosed(
    sealed_samples: dict[str, SealedCertificate],
) -> None:
    data = json.loads(sealed_samples["driving_licence"].to_json())
    del data["content"]["salts"]["/number"]
    with pytest.raises(CertificateSchemaError, match=r"no salt for field.*/number"):
        disclose(parse_sealed(json.dumps(data)), ["/holder/name"])
