"""Fuzz target: sealed-certificate parsing, fed real sealed certificates with mutations.

Whatever the bytes, :func:`certificate.parse_sealed` returns a certificate or raises a
:class:`~certificate.exceptions.CertificateError`: never another exception, never a crash (a
crash would take pytest down with it). A certificate it returns writes itself out as a file that
reads back the same. The QR code's compact form is fed the same way.

Seeds are real: sealed, anchored and selectively disclosed copies of every sample type
(:mod:`certificate.samples`). Mutations work on the bytes (flips, cuts, splices, hostile tokens
such as 100,000 nested brackets or a 5,000-digit number) and on the JSON (a value anywhere
replaced by arbitrary JSON, a key dropped or added).

Bounded for the normal suite (a few seconds, the same examples every run);
``HUREN_FUZZ_EXAMPLES=100000`` runs longer with fresh random examples.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificate import (
    CertificateError,
    MerkleTree,
    SealedCertificate,
    SignatureAlgorithm,
    SigningKey,
    attach_receipt,
    batch_receipts,
    build_document,
    disclose,
    parse_sealed,
    seal,
)
from certificate.compact import pack_sealed, unpack_sealed
from certificate.samples import SAMPLE_KINDS, sample_document

_EXAMPLES = int(os.environ.get("HUREN_FUZZ_EXAMPLES", "300"))
_FUZZ = settings(
    max_examples=_EXAMPLES,
    derandomize="HUREN_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _seeds() -> list[SealedCertificate]:
    keys = [SigningKey.generate(algorithm) for algorithm in SignatureAlgorithm]
    sealed = [
        seal(build_document(sample_document(kind, seed=i, algorithm=keys[i % 2].algorithm)), key)
        for i, kind in enumerate(SAMPLE_KINDS)
        for key in [keys[i % 2]]
    ]
    tree = MerkleTree.from_entries([s.digest for s in sealed])
    receipts = batch_receipts(
        tree,
        chain_id=31337,
        contract_address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        transaction_hash=bytes(range(32)),
        block_number=42,
    )
    anchored = [attach_receipt(s, r) for s, r in zip(sealed, receipts, strict=True)]
    disclosed = [disclose(a, ["/holder/name"]) for a in anchored]
    return [*sealed, *anchored, *disclosed]


SEEDS = _seeds()
SEED_FILES = [s.to_json().encode() for s in SEEDS]

HOSTILE = [
    b"[" * 100_000,
    b"{" * 50_000,
    b'{"a":' * 50_000,
    b"9" * 5_000,
    b"-" + b"1" * 4_301,
    b"1e999999",
    b"NaN",
    b"-Infinity",
    b'"\\ud800"',
    b"\xff\xfe",
    b"\xc3",
    b"\x00",
    b'"\\',
    b"\\u0000",
    b'{"version": 1, "version": 2}',
    b"null",
    b"[]",
    b"{}",
    b"true",
    b'""',
    b"0x" + b"f" * 64,
    b"18446744073709551616",
    b"-1",
]

# Well-formed values that are hard to read; put in place of any value of a real file, so the
# parser reaches them.
HOSTILE_VALUES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"9" * 5_000,
    b"-" + b"1" * 4_301,
    b"1" * 100,
    b"1e999999",
    b"-0",
    b"0.000000000000000000001",
    b"NaN",
    b"Infinity",
    b'"\\ud800"',
    b"18446744073709551616",
]
_HOLE = "\u0000hostile\u0000"

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64, max_value=10**90)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["0x" + "00" * 32, "0x" + "ab" * 64, "sealed", "anchored", "full"])
)
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every member of every object and array in ``value``."""
    found: list[tuple[Any, ...]] = []
    members = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in members:
        found.append((*path, key))
        found += _containers(child, (*path, key))
    return found


@st.composite
def _json_mutation(draw: st.DrawFn, seed: bytes) -> bytes:
    value = json.loads(seed)
    paths = _containers(value)
    path = draw(st.sampled_from(paths))
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["hostile", "replace", "drop", "add"]))
    if action == "hostile":
        parent[path[-1]] = _HOLE
        text = json.dumps(value).encode()
        return text.replace(json.dumps(_HOLE).encode(), draw(st.sampled_from(HOSTILE_VALUES)))
    if action == "replace":
        parent[path[-1]] = draw(_JSON)
    elif action == "drop":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = draw(_JSON)
    else:
        parent.append(draw(_JSON))
    return json.dumps(value, ensure_ascii=draw(st.booleans())).encode()


@st.composite
def _byte_mutation(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "splice", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE) | st.binary(max_size=16))
        elif action == "splice":
            start = draw(st.integers(0, len(seed)))
            data[at:at] = seed[start : start + draw(st.integers(1, 200))]
        else:
            del data[at:]
    return bytes(data)


@st.composite
def mutated_file(draw: st.DrawFn) -> bytes:
    """A real sealed certificate file, mutated."""
    seed = draw(st.sampled_from(SEED_FILES))
    kind = draw(st.sampled_from(["json", "bytes", "both"]))
    if kind in ("json", "both"):
        seed = draw(_json_mutation(seed))
    if kind in ("bytes", "both"):
        seed = draw(_byte_mutation(seed))
    return seed


def test_the_seeds_are_read_back() -> None:
    for sealed, data in zip(SEEDS, SEED_FILES, strict=True):
        assert parse_sealed(data) == sealed


@_FUZZ
@given(mutated_file())
def test_parse_sealed_returns_a_certificate_or_a_certificate_error(data: bytes) -> None:
    try:
        sealed = parse_sealed(data)
    except CertificateError:
        return
    assert parse_sealed(sealed.to_json()) == sealed


@_FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_unpack_returns_a_certificate_or_a_certificate_error(
    sealed: SealedCertificate, data: st.DataObject
) -> None:
    raw = bytearray(zlib.decompress(pack_sealed(sealed)))
    mutated = data.draw(_byte_mutation(bytes(raw)))
    try:
        unpack_sealed(zlib.compress(mutated))
    except CertificateError:
        return
