"""Reading JSON that someone else wrote: its shape is checked before it is parsed.

Python's ``json`` parser recurses once per nested array or object. With the interpreter's usual
recursion limit a very deep text only raises :class:`RecursionError`; but py_ecc, a package web3
imports, raises that limit to 100,000 (``py_ecc/__init__.py``), and then 100,000 nested ``[``
(200 KB) overflow the C stack: the process dies of a segmentation fault. And an integer of more
than 4,300 digits makes the parser raise a bare ``ValueError`` (Python's limit on converting
long digit strings), which nobody expects from a JSON reader.

So every reader of outside JSON first runs :class:`JSONShapeCheck` over the text, a streaming
scan that needs no recursion and keeps a few counters: nesting deeper than
:data:`MAX_JSON_DEPTH` and numbers longer than :data:`MAX_NUMBER_CHARS` are refused with
:class:`~certificate.exceptions.JSONLimitError` before anything is parsed. :func:`read_json`
is that check and the parse in one call, for texts held whole; the services run the same scan
over request bodies as they stream (:mod:`service_base.body_guard`).

The scan is not a validator: it looks only at strings (to skip them), brackets and numbers, and
leaves every other syntax error to the parser.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any, NoReturn

from certificate.exceptions import (
    CertificateJSONError,
    JSONNumberTooLongError,
    JSONTooDeepError,
)

__all__ = ["MAX_JSON_DEPTH", "MAX_NUMBER_CHARS", "JSONShapeCheck", "check_depth", "read_json"]

MAX_JSON_DEPTH = 32
"""Arrays and objects nested deeper than this are refused.

A sealed certificate nests 6 deep, a bulk request one more; 32 leaves room for any document
type while every recursive walk over the value (the parser, validation, canonical form) stays
far below the interpreter's recursion limit."""

MAX_NUMBER_CHARS = 100
"""Numbers written with more characters than this are refused.

The longest number the formats hold is a uint256 (78 digits); Python refuses to convert
integers of more than 4,300 digits."""

# Inside a string: everything up to the closing quote, or up to a backslash that ends the piece
# (its escaped character comes with the next piece).
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_QUOTED = re.compile(rb'"[^"]*"')
# Bytes that are not a quote or a bracket; UTF-8 never uses ASCII bytes inside a multi-byte
# character, so the scan can work on bytes.
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}'))
# Number characters as b"1", everything else as b"0": runs of them are found by substring search.
_NUMBER_MARKS = bytes.maketrans(
    bytes(range(256)), bytes(0x31 if b in b"-+.0123456789eE" else 0x30 for b in range(256))
)
_DEPTH_STEP = {0x5B: 1, 0x7B: 1, 0x5D: -1, 0x7D: -1}


class JSONShapeCheck:
    """Scans JSON text fed in pieces; raises as soon as it nests too deep or a number is too long.

    Pieces are UTF-8 bytes, cut anywhere (inside a string, an escape or a number). The work is
    done by byte translation, substring search and C-level iteration over the brackets, so the
    scan costs a fraction of the parse it protects.

    ``depth`` is the nesting depth reached; ``items_closed`` counts the arrays and objects
    closed directly inside a top-level value (the items of a top-level array), so a caller can
    cut a streamed array into its items as they complete.
    """

    def __init__(
        self, *, max_depth: int = MAX_JSON_DEPTH, max_number_chars: int = MAX_NUMBER_CHARS
    ) -> None:
        self.max_depth = max_depth
        self.max_number_chars = max_number_chars
        self._too_long = b"1" * (max_number_chars + 1)
        self.depth = 0
        self.items_closed = 0
        self._in_string = False
        self._escaped = False  # the last piece ended inside a string, on a backslash
        self._number = 0  # characters of the number the last piece ended in

    def feed(self, piece: bytes) -> None:
        """Scan the next piece of the text.

        Raises:
            JSONTooDeepError: arrays and objects nest deeper than ``max_depth``.
            JSONNumberTooLongError: a number has more than ``max_number_chars`` characters.
        """
        pos = 0
        if self._escaped and piece:
            pos, self._escaped = 1, False
        if self._in_string:
            stop = _STRING_REST.match(piece, pos).end()  # type: ignore[union-attr]
            if stop == len(piece) or piece[stop] == 0x5C:
                self._escaped = stop < len(piece)
                return
            self._in_string, pos = False, stop + 1
        rest = piece[pos:] if pos else piece
        plain = rest.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in rest else rest
        structure = plain.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
        if b'"' in structure:  # strings holding brackets, or one this piece does not close
            structure = _QUOTED.sub(b"", structure)
            quote = structure.find(b'"')
            if quote >= 0:
                self._in_string = True
                self._escaped = (len(rest) - len(rest.rstrip(b"\\"))) % 2 == 1
                structure = structure[:quote]
        self._numbers(rest)
        self._brackets(structure)

    def _numbers(self, rest: bytes) -> None:
        marks = rest.translate(_NUMBER_MARKS)
        if self._number:  # the piece goes on with the number the last one ended in
            self._check_number(self._number + len(marks) - len(marks.lstrip(b"1")))
        if self._too_long in marks:  # a long run, perhaps inside a string: look closer
            outside = _STRING.sub(b" ", rest).partition(b'"')[0]
            if self._too_long in outside.translate(_NUMBER_MARKS):
                self._check_number(len(self._too_long))
        if self._in_string:
            self._number = 0
            return
        trailing = len(marks) - len(marks.rstrip(b"1"))
        self._number = self._number + trailing if trailing == len(marks) else trailing

    def _brackets(self, brackets: bytes) -> None:
        if not brackets:
            return
        depths = list(accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=self.depth))
        if max(depths) > self.max_depth:
            raise JSONTooDeepError(
                f"arrays and objects are nested more than {self.max_depth} deep; refused "
                f"before parsing"
            )
        # Every visit to depth 1 comes from 0 (an opening) or from 2 (an item closing).
        ones = depths.count(1) - (depths[0] == 1)
        openings = depths.count(0) - (depths[-1] == 0)
        self.items_closed += ones - openings
        self.depth = depths[-1]

    def _check_number(self, length: int) -> None:
        if length > self.max_number_chars:
            raise JSONNumberTooLongError(
                f"a number is written with more than {self.max_number_chars} characters; "
                f"refused before parsing"
            )


def check_depth(value: object, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`JSONTooDeepError` if an already decoded value nests deeper than
    ``max_depth``; walks level by level, without recursion (a value that contains itself is
    refused too)."""
    level, depth = [value], 0
    while level:
        containers = [item for item in level if isinstance(item, Mapping | list | tuple)]
        if not containers:
            return
        depth += 1
        if depth > max_depth:
            raise JSONTooDeepError(
                f"arrays and objects are nested more than {max_depth} deep; refused"
            )
        level = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, Mapping) else container)
        ]


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CertificateJSONError(
                f"key {key!r} appears twice in one JSON object; the text is ambiguous"
            )
        result[key] = value
    return result


def _reject_constant(name: str) -> NoReturn:
    raise CertificateJSONError(f"{name} is not a JSON number; the text is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise CertificateJSONError(
            f"the number {text[:40]} is beyond what a 64-bit float holds (RFC 8785 needs one)"
        )
    return value


def read_json(data: str | bytes) -> Any:
    """The value of one JSON text we did not write: UTF-8 (a byte order mark is skipped),
    unambiguous (no key twice in an object, no NaN or Infinity, no number that overflows a
    64-bit float) and within the shape limits.

    Raises:
        JSONLimitError: nested too deep or a number too long (nothing was parsed).
        CertificateJSONError: not UTF-8, not JSON, or ambiguous.
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    except UnicodeDecodeError as error:
        raise CertificateJSONError(f"the text is not valid UTF-8 JSON: {error}") from None
    JSONShapeCheck().feed(raw)
    try:
        return json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite,
        )
    except json.JSONDecodeError as error:
        raise CertificateJSONError(f"the text is not valid UTF-8 JSON: {error}") from None
