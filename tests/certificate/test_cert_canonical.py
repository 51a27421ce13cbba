"""The fast canonical form of field triples is byte-for-byte RFC 8785 (the rfc8785 library)."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from certificate import CertificateFormatError, canonical_field, canonicalize

SALT = "AAAAAAAAAAAAAAAAAAAAAA"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError):
        return CertificateFormatError


def fast(path: str, value: Any, salt: str) -> bytes | type[Exception]:
    try:
        return canonical_field(path, value, salt)
    except CertificateFormatError:
        return CertificateFormatError


@settings(max_examples=400)
@given(path=st.text(), value=json_values, salt=st.text())
def test_fast_path_equals_rfc8785(path: str, value: Any, salt: str) -> None:
    assert fast(path, value, salt) == reference([path, value, salt])


@settings(max_examples=200)
@given(text=st.text(st.characters(max_codepoint=0x7F)) | st.text(st.characters(categories=["Cc"])))
def test_escaping_of_ascii_and_control_characters(text: str) -> None:
    assert canonical_field("/a", text, SALT) == rfc8785.dumps(["/a", text, SALT])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张伟", '"张伟"'.encode()),
        ('a\nb\u0001\u007f"\\', b'"a\\nb\\u0001\x7f\\"\\\\"'),
        ("\u2028", '"\u2028"'.encode()),
        (9007199254740991, b"9007199254740991"),
        (-9007199254740991, b"-9007199254740991"),
        (True, b"true"),
        (False, b"false"),
        (None, b"null"),
        ([], b"[]"),
        ({}, b"{}"),
        (4.50, b"4.5"),
        (1e30, b"1e+30"),
        (2e-3, b"0.002"),
        (333333333.33333329, b"333333333.3333333"),
        (1e-27, b"1e-27"),
    ],
)
def test_fixed_canonical_forms(value: object, expected: bytes) -> None:
    assert (
        canonical_field("/p", value, SALT) == b'["/p",' + expected + b',"' + SALT.encode() + b'"]'
    )


def test_values_jcs_cannot_represent_are_refused() -> None:
    for value in (2**53, float("nan"), float("inf"), "\ud800", b"bytes", object()):
        with pytest.raises(CertificateFormatError):
            canonical_field("/p", value, SALT)
    with pytest.raises(CertificateFormatError):
        canonicalize({1: "non-string key"})


def test_canonicalize_sorts_keys_by_utf16() -> None:
    assert canonicalize({"b": 1, "a": [True, None], "\U0001f600": 0, "\ufb01": 0}) == (
        '{"a":[true,null],"b":1,"\U0001f600":0,"\ufb01":0}'.encode()
    )
