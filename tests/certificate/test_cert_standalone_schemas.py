"""The formats' schemas without references, as an API description embeds them: they admit and
refuse what the schema file does (sealed certificates), and every document an issuer sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from certificate import (
    CertificateFormatError,
    SealedCertificate,
    SigningKey,
    build_document,
    disclose,
    seal,
)
from certificate.registry import make_format_checker
from certificate.samples import SAMPLE_KINDS, sample_document
from certificate.sealed_file import sealed_certificate_schema
from certificate.standalone_schemas import document_input_schema, standalone_sealed_schema


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=make_format_checker())


def test_no_reference_is_left() -> None:
    for schema in (standalone_sealed_schema(), document_input_schema()):
        Draft202012Validator.check_schema(schema)
        text = json.dumps(schema)
        assert "$ref" not in text and "$defs" not in text


def test_the_standalone_sealed_schema_judges_as_the_file_does(
    ed25519_key: SigningKey,
    anchor_batch: Callable[[list[SealedCertificate]], list[SealedCertificate]],
) -> None:
    original = _validator(sealed_certificate_schema())
    standalone = _validator(standalone_sealed_schema())
    sealed = seal(build_document(sample_document("driving_licence", seed=3)), ed25519_key)
    (anchored,) = anchor_batch([sealed])
    files = [json.loads(c.to_json()) for c in (sealed, anchored, disclose(anchored, ["/number"]))]
    spoilt = [
        {**files[0], "digest": "0x12"},
        {**files[1], "receipt": None},
        {**files[2], "extra": 1},
        {**files[1], "content": {**files[1]["content"], "salts": {"not a pointer": "x"}}},
    ]
    for instance in files + spoilt:
        assert original.is_valid(instance) == standalone.is_valid(instance)
    assert all(standalone.is_valid(f) for f in files)
    assert not any(standalone.is_valid(s) for s in spoilt)


@pytest.mark.parametrize("kind", SAMPLE_KINDS)
def test_every_document_an_issuer_sends_is_admitted(kind: str) -> None:
    schema = _validator(document_input_schema())
    document = sample_document(kind, seed=11)
    schema.validate(document)
    without_related = {key: value for key, value in document.items() if key != "related"}
    schema.validate(without_related)
    build_document(without_related)  # the node accepts it too


def test_a_document_the_schema_refuses_is_refused_when_built() -> None:
    schema = _validator(document_input_schema())
    document = sample_document("driving_licence", seed=12)
    for broken in (
        {**document, "unknown": 1},
        {**document, "signature_algorithm": 1},
        {**document, "identifier": "1.2.156"},
        {**document, "holder": {**document["holder"], "id_number": "lower-case"}},
        {key: value for key, value in document.items() if key != "face"},
    ):
        assert not schema.is_valid(broken)
        with pytest.raises(CertificateFormatError):
            build_document(broken)
