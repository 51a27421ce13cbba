"""The bulk body is read as a stream: documents are cut as they complete, and the body is refused
at the first item past the cap, the first non-object or the first syntax error, unread beyond."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from certificate.samples import sample_documents
from province_nodes.api.bulk_body import read_bulk_documents
from province_nodes.exceptions import NodeInputError
from service_base.exceptions import RequestBodyError, RequestBodyTooLargeError

DOCUMENTS = sample_documents(7)


class _Stream:
    """A body in pieces, counting how many were read."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = list(pieces)
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.read += 1
            yield piece


def _read(stream: _Stream, *, ndjson: bool = False, max_items: int = 100) -> list[dict[str, Any]]:
    return asyncio.run(read_bulk_documents(aiter(stream), ndjson=ndjson, max_items=max_items))


def _cut(data: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 30)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def test_documents_come_out_whole_however_the_body_is_cut() -> None:
    array = json.dumps(DOCUMENTS, ensure_ascii=False, indent=1).encode()
    ndjson = "\n".join(json.dumps(d, ensure_ascii=False) for d in DOCUMENTS).encode() + b"\n\n"
    rng = random.Random(3)
    for _ in range(50):
        assert _read(_Stream(_cut(array, rng))) == DOCUMENTS
        assert _read(_Stream(_cut(ndjson, rng)), ndjson=True) == DOCUMENTS
    assert _read(_Stream([b" [ ] "])) == []


def test_the_item_cap_refuses_before_the_rest_is_read() -> None:
    pieces = [b"[{}", *[b",{}" * 100] * 1_000, b"]"]
    stream = _Stream(pieces)
    with pytest.raises(RequestBodyTooLargeError) as refused:
        _read(stream, max_items=1_000)
    assert refused.value.code == "too_many_items"
    assert refused.value.detail == {"max_items": 1_000}
    assert stream.read < 20
    lines = _Stream([b"{}\n" * 100] * 1_000)
    with pytest.raises(RequestBodyTooLargeError):
        _read(lines, ndjson=True, max_items=1_000)
    assert lines.read < 20
    assert len(_read(_Stream([b"[{}", b",{}" * 999, b"]"]), max_items=1_000)) == 1_000


def test_an_item_that_is_not_an_object_is_refused_at_once() -> None:
    scalars = _Stream([b"[1", *[b",1" * 100] * 1_000, b"]"])
    with pytest.raises(NodeInputError, match="item 0 of the bulk body is a JSON int"):
        _read(scalars)
    lines = _Stream([b"[]\n", *[b"{}\n"] * 1_000])
    with pytest.raises(NodeInputError, match="item 0 of the bulk body is a JSON list"):
        _read(lines, ndjson=True)
    assert lines.read == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[{}, {]", "malformed_json"),
        (b"[{} {}]", "malformed_json"),
        (b"[{},]", "malformed_json"),
        (b"[{}", "malformed_json"),
        (b"[{}] {}", "malformed_json"),
        (b'{"format": "huren/certificate/1"}', "invalid_input"),
        (b"[" + b"\xff" + b"]", "malformed_json"),
    ],
)
def test_a_malformed_array_is_refused(body: bytes, code: str) -> None:
    with pytest.raises(NodeInputError) as refused:
        _read(_Stream([body]))
    assert refused.value.code == code


def test_depth_and_numbers_are_bounded_before_parsing() -> None:
    for ndjson in (False, True):
        with pytest.raises(RequestBodyError) as deep:
            _read(_Stream([b"[" * 100_000, b"]" * 100_000]), ndjson=ndjson)
        assert deep.value.code == "json_too_deep"
        with pytest.raises(RequestBodyError) as long_number:
            _read(_Stream([b'[{"n": ' + b"5" * 5_000 + b"}]"]), ndjson=ndjson)
        assert long_number.value.code == "number_too_long"
