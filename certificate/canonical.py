"""RFC 8785 (JCS) canonical JSON, with a fast path for the field triples we hash.

Every field leaf hashes ``JCS([path, value, salt])``. The ``rfc8785`` library is the reference,
but in pure Python it costs about 4 µs per triple, a fifth of the sealing budget for a 25-field
document. :func:`canonical_field` produces the same bytes ten times faster for the value kinds
documents actually hold and falls back to ``rfc8785`` for everything else. Why the fast path is
RFC 8785 exactly:

- strings: RFC 8785 §3.2.2.2 escapes only ``"``, ``\\`` and U+0000-U+001F (``\\b \\f \\n \\r \\t``
  in short form, the rest as lowercase ``\\u00xx``) and writes everything else as UTF-8; this is
  what the C ``json.encoder.encode_basestring`` does, followed by strict UTF-8 encoding (which,
  like ``rfc8785``, refuses lone surrogates);
- integers: JCS serialises numbers as ECMAScript doubles; for integers of magnitude below 2**53
  that is their plain decimal form, which ``str(int)`` gives; larger ones are left to ``rfc8785``
  (which rejects them);
- ``true``, ``false``, ``null`` and the empty array and object are literal;
- an array is ``[`` + its elements joined by ``,`` + ``]``, with no whitespace.

A property test compares both paths on arbitrary inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from json.encoder import encode_basestring

import rfc8785

from certificate.exceptions import CertificateFormatError

_SAFE_INTEGER = 2**53 - 1


def canonicalize(value: object) -> bytes:
    """RFC 8785 canonical form of any JSON value."""
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise CertificateFormatError(
            f"value {value!r:.80} cannot be written as canonical JSON: {exc}"
        ) from exc


def canonical_field(path: str, value: object, salt: str) -> bytes:
    """``JCS([path, value, salt])``, byte-for-byte what ``rfc8785.dumps`` would return."""
    return canonical_fields([(path, value)], [salt])[0]


def canonical_fields(
    fields: Iterable[tuple[str, object]], salts: Iterable[str], *, prefix: str = ""
) -> list[bytes]:
    """``JCS([path, value, salt])`` of each field with its salt, in one tight loop.

    Sealing a document canonicalizes 20-30 fields; doing it in one loop with local names saves
    a function call per field, which is a third of the cost of the whole step. ``prefix`` (an
    ASCII string) is put before each result: ``"\x00"`` gives the preimages of the field leaf
    hashes without copying every triple once more.
    """
    encode = encode_basestring
    safe = _SAFE_INTEGER
    result: list[bytes] = []
    append = result.append
    try:
        for (path, value), salt in zip(fields, salts, strict=True):
            kind = type(value)
            if kind is str:
                text = encode(value)  # type: ignore[arg-type]
            elif kind is int and -safe <= value <= safe:  # type: ignore[operator]
                text = str(value)
            elif value is None:
                text = "null"
            elif value is True:
                text = "true"
            elif value is False:
                text = "false"
            elif (kind is list or kind is dict) and not value:
                text = "[]" if kind is list else "{}"
            else:
                append(prefix.encode() + canonicalize([path, value, salt]))
                continue
            append(f"{prefix}[{encode(path)},{text},{encode(salt)}]".encode())
    except UnicodeEncodeError as exc:
        raise CertificateFormatError(
            f"field {path!r:.80} contains an unpaired surrogate and is not valid Unicode"
        ) from exc
    return result
