"""What the operator commands read from files: documents to issue, identifiers to revoke, reasons.

Every line is judged on its own and every bad one is named with its number and why (not UTF-8,
not JSON, nested too deep, a number too long, not an object, not a 证照标识), before anything
is sent: a file with one bad line sends nothing, so it can be fixed and sent again whole, and
no line is lost or sent twice.

Documents (``huren issue FILE|-``) are one JSON document (an object, possibly over many lines),
a JSON array of them, or JSON Lines (one object a line; blank lines are skipped). Identifiers
(``huren revoke --from-file FILE``) are one a line; blank lines and lines starting with ``#``
are skipped.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from certificate.exceptions import CertificateError, CertificateJSONError
from certificate.identifier import validate_identifier
from certificate.json_input import read_json
from huren.operator.exceptions import InputFileError
from ledger.types import StatusReason

__all__ = ["Documents", "parse_reason", "read_documents", "read_identifiers"]

_SHOWN = 200
"""Characters of a reason shown per bad line."""


@dataclass(frozen=True, slots=True)
class Documents:
    """The documents of an input, in order: each as one line of compact JSON (ready for the
    node's NDJSON bulk body) and the line (or array position) it came from."""

    items: list[bytes]
    lines: list[int]
    single: bool
    """The input was one JSON object (issued alone, the node answers with its sealed copy)."""


def read_documents(data: bytes, source: str) -> Documents:
    """The documents in ``data``.

    Raises:
        InputFileError: every line (or array item) that is not a JSON object, or nothing at all.
    """
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            whole = read_json(data)
        except CertificateJSONError as error:
            if not _first_line_is_json(data):
                raise InputFileError(source, [(1, _said(error))]) from None
        else:
            return _from_value(whole, source)
    return _from_lines(data, source)


def _first_line_is_json(data: bytes) -> bool:
    first = next((line for line in data.splitlines() if line.strip()), b"")
    try:
        read_json(first)
    except CertificateJSONError:
        return False
    return True


def _from_value(value: Any, source: str) -> Documents:
    if isinstance(value, dict):
        return Documents([_line(value)], [1], single=True)
    if not isinstance(value, list) or not value:
        raise InputFileError(source, [(1, "neither a document, an array of them nor JSON Lines")])
    problems = [
        (position, "not a JSON object")
        for position, item in enumerate(value, 1)
        if not isinstance(item, dict)
    ]
    if problems:
        raise InputFileError(source, problems, unit="item")
    return Documents([_line(item) for item in value], list(range(1, len(value) + 1)), False)


def _from_lines(data: bytes, source: str) -> Documents:
    items: list[bytes] = []
    lines: list[int] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        text = raw.strip()
        if not text:
            continue
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append((number, f"not UTF-8 (byte {error.start + 1} of the line)"))
            continue
        try:
            value = read_json(text)
        except CertificateJSONError as error:
            problems.append((number, _said(error)))
            continue
        if not isinstance(value, dict):
            problems.append((number, "not a JSON object (one document a line)"))
            continue
        items.append(_line(value))
        lines.append(number)
    if problems:
        raise InputFileError(source, problems)
    if not items:
        raise InputFileError(source, [(1, "no document in it")])
    return Documents(items, lines, single=False)


def _line(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _said(error: CertificateError) -> str:
    text = str(error).removeprefix("the text is not valid UTF-8 JSON: ")
    return text[:_SHOWN]


def read_identifiers(data: bytes, source: str) -> list[tuple[int, str]]:
    """The certificate identifiers of ``data`` with their line numbers.

    Raises:
        InputFileError: every line that is not UTF-8 or not a 证照标识, or no identifier at all.
    """
    found: list[tuple[int, str]] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            problems.append((number, f"not UTF-8 (byte {error.start + 1})"))
            continue
        if not text or text.startswith("#"):
            continue
        try:
            found.append((number, str(validate_identifier(text))))
        except CertificateError as error:
            shown = text[:60].encode("unicode_escape").decode("ascii")
            problems.append((number, f"{shown!r} is not a 证照标识: {str(error)[:_SHOWN]}"))
    if problems:
        raise InputFileError(source, problems)
    if not found:
        raise InputFileError(source, [(1, "no certificate identifier in it")])
    return found


def parse_reason(text: str) -> int:
    """A status reason by name (``ISSUED_IN_ERROR``, ``issued-in-error``) or number (``1``).

    Raises:
        argparse.ArgumentTypeError: no such reason (the message lists them).
    """
    name = text.strip().upper().replace("-", "_")
    if name in StatusReason.__members__:
        return int(StatusReason[name])
    if name.isdigit() and len(name) <= 3:
        try:
            return int(StatusReason(int(name)))
        except ValueError:
            pass
    choices = ", ".join(f"{r.value} {r.name}" for r in StatusReason)
    raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a reason code; the codes: {choices}")
