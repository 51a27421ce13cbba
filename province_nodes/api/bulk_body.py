"""The body of a bulk issuance, read as it streams: a JSON array of documents, or NDJSON.

Nothing waits for the whole body: the shape of the text is checked as it arrives (nesting depth,
number length: :class:`~certificate.json_input.JSONShapeCheck`), each document is parsed as soon
as it is complete, and the body is refused at the first item past the node's cap (413
``too_many_items``), the first item that is not a JSON object, or the first syntax error, with
the rest of the body unread. A million empty objects are refused after the cap's worth, not
after a minute of parsing and validating them all.
"""

from __future__ import annotations

import codecs
import json
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from certificate.exceptions import CertificateJSONError
from certificate.json_input import JSONShapeCheck
from province_nodes.exceptions import NodeInputError
from service_base.body_guard import body_error
from service_base.exceptions import RequestBodyTooLargeError

__all__ = ["read_bulk_documents"]

_NOT_AN_ARRAY = "the bulk body must be a JSON array of documents or NDJSON"
_WHITESPACE = " \t\n\r"
_SPACE = re.compile(r"[ \t\n\r]*")


async def read_bulk_documents(
    chunks: AsyncIterator[bytes], *, ndjson: bool, max_items: int
) -> list[dict[str, Any]]:
    """The documents of a bulk body, in order.

    Raises:
        RequestBodyError: nested too deep or a number too long (422), or more than
            ``max_items`` documents (413 ``too_many_items``).
        NodeInputError: not UTF-8, not JSON (``malformed_json``), not an array or NDJSON, or an
            item that is not a JSON object (422).
    """
    reader: _Items = _Lines(max_items) if ndjson else _ArrayItems(max_items)
    decoder = codecs.getincrementaldecoder("utf-8")()
    async for chunk in chunks:
        try:
            reader.shape.feed(chunk)
            text = decoder.decode(chunk)
        except CertificateJSONError as error:
            raise body_error(error) from None
        except UnicodeDecodeError as error:
            raise _malformed(f"the bulk body is not UTF-8: {error}") from None
        reader.take(text, final=False)
    try:
        reader.take(decoder.decode(b"", final=True), final=True)
    except UnicodeDecodeError as error:
        raise _malformed(f"the bulk body is not UTF-8: {error}") from None
    return reader.items


def _malformed(message: str) -> NodeInputError:
    return NodeInputError(message, code="malformed_json")


class _Items(ABC):
    """Documents cut from the text as it comes; :meth:`take` gets each new piece of text.

    Text not yet cut is kept as a list of pieces, joined only when a document in it is complete,
    so an item that spans many pieces costs one join, not one copy per piece.
    """

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self.shape = JSONShapeCheck()
        self.items: list[dict[str, Any]] = []
        self.pieces: list[str] = []

    @abstractmethod
    def take(self, text: str, *, final: bool) -> None:
        """Cut and parse the documents completed by ``text`` (all that remain if ``final``)."""

    def add(self, item: object) -> None:
        if not isinstance(item, dict):
            raise NodeInputError(
                f"item {len(self.items)} of the bulk body is a JSON {type(item).__name__}, not "
                f"an object (a certificate document)"
            )
        self.items.append(item)
        self.check_count(len(self.items))

    def check_count(self, count: int) -> None:
        if count > self.max_items:
            raise RequestBodyTooLargeError(
                f"the bulk body holds more than {self.max_items} documents; split it into "
                f"smaller requests",
                code="too_many_items",
                detail={"max_items": self.max_items},
            )

    def joined(self, text: str) -> str:
        self.pieces.append(text)
        whole = "".join(self.pieces)
        self.pieces = []
        return whole


class _Lines(_Items):
    """NDJSON: one document per non-blank line."""

    def take(self, text: str, *, final: bool) -> None:
        if "\n" not in text and not final:
            self.pieces.append(text)
            return
        *lines, rest = self.joined(text).split("\n")
        if final:
            lines.append(rest)
        else:
            self.pieces.append(rest)
        for line in lines:
            if line.strip(_WHITESPACE):
                self.add(_parse(line, len(self.items)))


class _ArrayItems(_Items):
    """A JSON array: each item is parsed once the shape check has seen it close."""

    def __init__(self, max_items: int) -> None:
        super().__init__(max_items)
        self.opened = False
        self.closed = False
        self.decoder = json.JSONDecoder()

    def take(self, text: str, *, final: bool) -> None:
        self.check_count(self.shape.items_closed)
        if not final and len(self.items) == self.shape.items_closed:
            self.pieces.append(text)
            return
        whole, pos = self.joined(text), 0
        while not self.closed and (final or len(self.items) < self.shape.items_closed):
            pos = self.next_item(whole, pos, final)
        rest = whole[pos:]
        if final and not self.closed:
            raise _malformed("the bulk body ends inside its array")
        if self.closed and rest.strip(_WHITESPACE):
            raise _malformed("the bulk body goes on after the end of its array")
        self.pieces.append(rest)

    def next_item(self, text: str, pos: int, final: bool) -> int:
        """Parse the next item (or the array's end) of ``text`` from ``pos``; the position
        after it."""
        pos = _skip(text, pos)
        if not self.opened:
            if text[pos : pos + 1] != "[":
                raise NodeInputError(_NOT_AN_ARRAY)
            self.opened, pos = True, _skip(text, pos + 1)
        if text[pos : pos + 1] == "]":
            self.closed = True
            return pos + 1
        if self.items:
            if text[pos : pos + 1] != ",":
                raise _malformed(f"item {len(self.items)} of the bulk body is not after a comma")
            pos = _skip(text, pos + 1)
        try:
            item, end = self.decoder.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            raise _malformed(f"item {len(self.items)} of the bulk body: {error}") from None
        self.add(item)
        return end


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def _parse(line: str, index: int) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise _malformed(f"line {index + 1} of the bulk body: {error}") from None
