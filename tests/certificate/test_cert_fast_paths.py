"""Each fast path of the format gives exactly what the plain rule it replaces gives."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificate import (
    CertificateSchemaError,
    SaltError,
    SealedCertificate,
    SigningKey,
    build_document,
    canonical_field,
    leaf_hash,
    parse_sealed,
    seal,
)
from certificate.canonical import canonical_fields
from certificate.digest import (
    digest_from_leaves,
    new_salts,
    salted_digest,
    validate_pointer,
    validate_salt,
    validate_salts,
)
from certificate.samples import sample_documents
from certificate.sealed_file import FullContent, SignatureBlock
from certificate.types import SealState

POINTER = re.compile(r"(/([^~/]|~[01])*)+")
SALT = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")
HEX = re.compile(r"0x[0-9a-f]*")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

salt_like = st.one_of(
    st.text(alphabet=B64URL, min_size=21, max_size=23),
    st.text(alphabet=B64URL + "+/=\n é", min_size=22, max_size=22),
    st.text(max_size=24),
    st.integers(),
    st.none(),
)


@given(st.text(alphabet="/~01ab\n", max_size=12) | st.text(max_size=12))
def test_pointer_fast_path_agrees_with_the_grammar(path: str) -> None:
    if POINTER.fullmatch(path):
        assert validate_pointer(path) == path
    else:
        with pytest.raises(CertificateSchemaError, match="JSON Pointer"):
            validate_pointer(path)


@given(st.lists(salt_like, max_size=6))
def test_salts_checked_together_fail_as_the_first_bad_one_alone(salts: list[Any]) -> None:
    by_path = {f"/f{i}": salt for i, salt in enumerate(salts)}
    first_bad = next(
        (path for path, s in by_path.items() if not (isinstance(s, str) and SALT.fullmatch(s))),
        None,
    )
    if first_bad is None:
        validate_salts(by_path)
        return
    with pytest.raises(SaltError) as together:
        validate_salts(by_path)
    with pytest.raises(SaltError) as alone:
        validate_salt(by_path[first_bad], first_bad)
    assert str(together.value) == str(alone.value)


def test_new_salts_end_in_every_two_bit_character() -> None:
    salts = new_salts(400)
    assert all(SALT.fullmatch(salt) for salt in salts)
    assert set(Counter(salt[-1] for salt in salts)) == set("AQgw")
    assert new_salts(0) == []


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)


@given(st.lists(st.tuples(st.text(), json_values), max_size=5))
def test_leaf_preimages_are_the_canonical_triples_prefixed(fields: list[Any]) -> None:
    salts = new_salts(len(fields))
    plain = canonical_fields(fields, salts)
    assert canonical_fields(fields, salts, prefix="\x00") == [b"\x00" + c for c in plain]
    digest, leaves = salted_digest(fields, salts)
    assert leaves == [
        leaf_hash(canonical_field(path, value, salt))
        for (path, value), salt in zip(fields, salts, strict=True)
    ]
    assert digest == digest_from_leaves(leaves)


@settings(max_examples=60)
@given(st.text(alphabet="0123456789abcdefABx \n", min_size=64, max_size=68))
def test_hex_fields_accept_exactly_lowercase_0x_hex(text: str) -> None:
    key = SigningKey.generate()
    sealed = seal(build_document(sample_documents(1, seed=3)[0]), key)
    value = sealed.model_dump(mode="json")
    value["digest"] = text
    fits = len(text) == 66 and HEX.fullmatch(text) is not None
    if fits:
        assert SealedCertificate.model_validate(value).digest == bytes.fromhex(text[2:])
    else:
        with pytest.raises(ValueError, match="lowercase hex digits"):
            SealedCertificate.model_validate(value)


def test_sealing_builds_the_models_as_validation_would() -> None:
    key = SigningKey.generate()
    for data in sample_documents(14, seed=11):
        sealed = seal(build_document(data), key)
        again = parse_sealed(sealed.to_json())
        assert again == sealed
        assert again.model_fields_set == sealed.model_fields_set
        assert again.content.model_fields_set == sealed.content.model_fields_set
        assert sealed.state is SealState.SEALED
        assert list(sealed.content.salts) == list(sealed.disclosed_values())


def test_trusted_needs_every_field() -> None:
    with pytest.raises(TypeError, match="exactly the fields"):
        SignatureBlock.trusted(key_id=bytes(32))
    with pytest.raises(TypeError, match="exactly the fields"):
        FullContent.trusted(document=None, salts={})
