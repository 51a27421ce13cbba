"""Document model: every sample validates; every mistake gets our error and a clear message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from certificate import (
    CertificateFormatError,
    CertificateSchemaError,
    CheckCharacterError,
    SignatureAlgorithm,
    TypeRegistry,
    UnknownAlgorithmError,
    UnknownCertificateTypeError,
    build_document,
    default_registry,
    make_identifier,
)
from certificate.registry import certificate_type_from_schema, shipped_schemas
from certificate.samples import (
    SAMPLE_KINDS,
    SAMPLE_PROVINCES,
    sample_document,
    sample_documents,
)


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
@pytest.mark.parametrize("province", SAMPLE_PROVINCES)
def test_samples_of_every_type_and_province_validate(kind: str, province: int) -> None:
    for seed in range(8):
        data = sample_document(kind, seed=seed, province=province)
        document = build_document(data)
        assert document.issuing_province == province
        assert document.model_dump(mode="json") == data, "the JSON form must round-trip exactly"


def test_samples_are_deterministic_and_varied() -> None:
    assert sample_documents(14, seed=3) == sample_documents(14, seed=3)
    docs = sample_documents(21)
    assert {d["type"]["name"] for d in docs} >= {
        "结婚证",
        "营业执照",
        "出生医学证明",
        "不动产权证书",
        "机动车驾驶证",
        "学位证书",
    }
    assert {d["issuer"]["division_code"][:2] for d in docs} == {"31", "32", "33"}
    assert len({d["identifier"] for d in docs}) == 21


def test_ecdsa_documents_name_their_algorithm() -> None:
    data = sample_document("academic_degree", algorithm=SignatureAlgorithm.ECDSA_P256_SHA256)
    assert data["signature_algorithm"] == "ECDSA-P256-SHA256"
    assert build_document(data).signature_algorithm is SignatureAlgorithm.ECDSA_P256_SHA256


def _edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return apply


_DELETE = object()
_ID = sample_document("marriage_certificate")["holder"]["id_number"]


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (
            _edit("/holder/id_number", _ID[:-1] + ("0" if _ID[-1] != "0" else "1")),
            CheckCharacterError,
            "holder citizen ID number",
        ),
        (
            _edit("/issuer/credit_code", "11310104002345678K"),
            CheckCharacterError,
            "issuing authority",
        ),
        (
            _edit("/face/wife/id_number", _ID[:-1] + ("0" if _ID[-1] != "0" else "1")),
            CheckCharacterError,
            "/face/wife",
        ),
        (
            _edit("/type/code", "11100000MB0143028R999"),
            UnknownCertificateTypeError,
            "not registered",
        ),
        (_edit("/type/name", "离婚证"), CertificateSchemaError, "does not match type code"),
        (
            _edit("/face/registration_date", "2024-02-30"),
            CertificateSchemaError,
            "registration date",
        ),
        (_edit("/face/husband/id_type", "driving_licence"), CertificateSchemaError, "id_type"),
        (_edit("/face/extra", "x"), CertificateSchemaError, "unknown field"),
        (_edit("/face/wife", _DELETE), CertificateSchemaError, "'wife' is a required property"),
        (_edit("/holder/nmae", "张伟"), CertificateSchemaError, "/holder/nmae: is not a field"),
        (_edit("/holder/name", _DELETE), CertificateSchemaError, "/holder/name: is missing"),
        (_edit("/holder/name", " 张伟"), CertificateSchemaError, "leading or trailing spaces"),
        (_edit("/holder/id_type", "credit_code"), CertificateFormatError, "credit"),
        (
            _edit(
                "/holder", {"name": "John Smith", "id_type": "passport", "id_number": "e1234567"}
            ),
            CertificateSchemaError,
            "passport number 'e1234567' must be 5-30 digits or capital",
        ),
        (_edit("/number", "12345"), CertificateSchemaError, "does not have the form"),
        (
            _edit("/issue_date", 20240520),
            CertificateSchemaError,
            "/issue_date: must be a JSON string",
        ),
        (_edit("/issue_date", "2024/05/20"), CertificateSchemaError, "YYYY-MM-DD"),
        (_edit("/valid_until", "2000-01-01"), CertificateSchemaError, "before valid-from"),
        (_edit("/issuer/division_code", "990104"), CertificateSchemaError, "province-level"),
        (_edit("/signature_algorithm", "RSA"), UnknownAlgorithmError, "'RSA' is not supported"),
        (_edit("/format", "huren/certificate/2"), CertificateSchemaError, "/format"),
        (_edit("/identifier", "1.2.156.3005.2.x"), CertificateSchemaError, "five parts"),
        (
            _edit("/related", [{"identifier": "nope", "relation": "renews"}]),
            CertificateSchemaError,
            "does not start with",
        ),
        (
            _edit("/related", [{"identifier": "", "relation": "replaces"}]),
            CertificateSchemaError,
            "/related/0/relation",
        ),
    ],
)
def test_mistakes_raise_our_errors_with_actionable_messages(
    edit: Callable[[dict[str, Any]], None], error: type[Exception], message: str
) -> None:
    data = sample_document("marriage_certificate")
    edit(data)
    with pytest.raises(error, match=message):
        build_document(data)


def test_identifier_must_name_this_type_and_issuer() -> None:
    data = sample_document("marriage_certificate")
    other = sample_document("business_licence")
    data["identifier"] = make_identifier(other["type"]["code"], data["issuer"]["credit_code"], "1")
    with pytest.raises(CertificateSchemaError, match="names type code"):
        build_document(data)
    data["identifier"] = make_identifier(data["type"]["code"], other["issuer"]["credit_code"], "1")
    with pytest.raises(CertificateSchemaError, match="names issuing authority"):
        build_document(data)
    data = sample_document("marriage_certificate")
    data["related"] = [{"identifier": data["identifier"], "relation": "amends"}]
    with pytest.raises(CertificateSchemaError, match="itself"):
        build_document(data)


def test_holder_kind_must_suit_the_type() -> None:
    data = sample_document("business_licence")
    person = sample_document("marriage_certificate")["holder"]
    data["holder"] = person
    with pytest.raises(CertificateSchemaError, match="cannot be held under id type"):
        build_document(data)


def test_not_an_object() -> None:
    with pytest.raises(CertificateSchemaError, match="must be a JSON object"):
        build_document([])  # type: ignore[arg-type]


def test_documents_are_frozen() -> None:
    document = build_document(sample_document("driving_licence"))
    with pytest.raises(Exception, match="frozen"):
        document.number = "x"  # type: ignore[misc]


def test_a_custom_registry_replaces_the_shipped_types() -> None:
    marriage = next(
        s for s in shipped_schemas() if s["x-huren-type"]["key"] == "marriage_certificate"
    )
    registry = TypeRegistry([certificate_type_from_schema(marriage)])
    assert len(registry) == 1
    build_document(sample_document("marriage_certificate"), registry=registry)
    with pytest.raises(UnknownCertificateTypeError):
        build_document(sample_document("business_licence"), registry=registry)
    with pytest.raises(UnknownCertificateTypeError, match="no certificate type"):
        registry.by_key("business_licence")
    with pytest.raises(CertificateSchemaError, match="registered twice"):
        TypeRegistry([*registry, *registry])


def test_type_schemas_without_metadata_or_with_bad_metadata_are_refused() -> None:
    marriage = shipped_schemas()[0]
    with pytest.raises(CertificateSchemaError, match="x-huren-type"):
        certificate_type_from_schema({k: v for k, v in marriage.items() if k != "x-huren-type"})
    broken = copy.deepcopy(marriage)
    del broken["x-huren-type"]["code"]
    with pytest.raises(CertificateSchemaError, match="not usable"):
        certificate_type_from_schema(broken)
    broken = copy.deepcopy(marriage)
    broken["x-huren-type"]["code"] = "11100000000014118X001"
    with pytest.raises(CheckCharacterError):
        certificate_type_from_schema(broken)


def test_shipped_types_cover_the_issue() -> None:
    names = {kind.name for kind in default_registry()}
    assert names >= {
        "结婚证",
        "营业执照",
        "出生医学证明",
        "不动产权证书",
        "机动车驾驶证",
        "学位证书",
    }
    for kind in default_registry():
        assert kind.code[18:].isdigit() and kind.holder_id_types
        json.dumps(kind.face_schema)
