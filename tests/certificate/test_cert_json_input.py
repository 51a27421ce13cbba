"""Reading outside JSON: its depth and numbers are bounded before it is parsed, in whole texts and
in streams cut anywhere."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest

from certificate import (
    MAX_JSON_DEPTH,
    CertificateJSONError,
    JSONNumberTooLongError,
    JSONShapeCheck,
    JSONTooDeepError,
    SealedCertificate,
    check_depth,
    parse_sealed,
    read_json,
)

# Strings hold brackets, quotes, backslashes and long digit runs, none of which may count.
TRICKY = json.dumps(
    [
        {'a\\"[': ["{[", "\\", '"', "9" * 300, 12345], "b": {"c": [[], {}]}},
        {"k": -1.5e10, "l": "]]]}}}"},
        [1, [2, [3]]],
        "中文\u2028",
        123456789012345678901234567890,
    ],
    ensure_ascii=False,
).encode()


def _scan(pieces: list[bytes], **limits: int) -> JSONShapeCheck:
    check = JSONShapeCheck(**limits)
    for piece in pieces:
        check.feed(piece)
    return check


def _cut(data: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 40)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def test_pieces_cut_anywhere_are_scanned_as_the_whole() -> None:
    whole = _scan([TRICKY])
    assert (whole.depth, whole.items_closed) == (0, 3)  # the last two items are no containers
    rng = random.Random(5)
    for _ in range(300):
        pieces = _cut(TRICKY, rng)
        scanned = _scan(pieces)
        assert (scanned.depth, scanned.items_closed) == (0, 3), pieces
        with pytest.raises(JSONTooDeepError):
            _scan(pieces, max_depth=4)
        with pytest.raises(JSONNumberTooLongError):
            _scan(pieces, max_number_chars=29)
        _scan(pieces, max_depth=5, max_number_chars=30)  # the limits are exact


def test_a_number_cut_between_pieces_is_measured_whole() -> None:
    digits = b"[" + b"1" * 60
    with pytest.raises(JSONNumberTooLongError):
        _scan([digits, b"1" * 41, b"]"])
    _scan([digits, b"1" * 40, b"]"])


def test_hostile_texts_are_refused_before_parsing() -> None:
    with pytest.raises(JSONTooDeepError):
        read_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(JSONTooDeepError):
        read_json(b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(JSONNumberTooLongError):
        read_json('{"n": ' + "9" * 5_000 + "}")
    for bad in [b"\xff{}", b'{"a": 1, "a": 2}', b"[NaN]", b"[1e999999]", b"[-1e400]", b"[1,"]:
        with pytest.raises(CertificateJSONError):
            read_json(bad)
    assert read_json(b"\xef\xbb\xbf[1]") == [1]  # a UTF-8 byte order mark is skipped
    assert read_json('["' + "9" * 5_000 + '"]') == ["9" * 5_000]


def test_decoded_values_are_walked_without_recursion() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    with pytest.raises(JSONTooDeepError):
        check_depth(deep)
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(JSONTooDeepError):
        check_depth(loop)
    check_depth({"a": [[{"b": 1}]]}, max_depth=4)


def test_a_sealed_file_nested_too_deep_or_with_a_long_number_is_a_format_error(
    anchored: Callable[..., SealedCertificate],
) -> None:
    text = anchored().to_json()
    assert '"block_number":42' in text
    with pytest.raises(JSONTooDeepError):
        parse_sealed(text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(JSONNumberTooLongError):
        parse_sealed(text.replace('"block_number":42', '"block_number":' + "4" * 5_000))
