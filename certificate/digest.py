"""Salted field leaves and the certificate digest (scheme ``huren/certificate/1``).

1. **Fields.** The document's JSON form is flattened: every string, integer, boolean, null, and
   every *empty* array or object, is one field, named by its RFC 6901 JSON Pointer
   (``/holder/name``, ``/related/0/identifier``). Non-empty arrays and objects are not fields
   themselves, only their members are.
2. **Salt.** Each field gets its own 16 random bytes from the operating system's CSPRNG, written
   as 22 characters of unpadded base64url. Without it, the hash of a low-entropy value (an ID
   number, a birth date) could be found by trying every candidate.
3. **Field leaf.** ``SHA-256(0x00 ‖ JCS([path, value, salt]))``, i.e. the RFC 6962 leaf hash of
   the RFC 8785 canonical triple. The path is inside the hash, so a disclosed value cannot be
   moved to another field.
4. **Field root.** The RFC 6962 Merkle Tree Hash of the leaves sorted by path (Unicode code point
   order of the pointer strings, which is also their UTF-8 byte order).
5. **Digest.** ``SHA-256(b"huren/certificate-digest/1" ‖ field root)``.

Domain separation: every RFC 6962 hash, in a field tree or in a batch tree, has a preimage that
starts with 0x00 (leaf) or 0x01 (node); a digest's preimage starts with the label's ``h`` (0x68).
So a digest can never be passed off as a Merkle node or root, e.g. an anchored batch root cannot
be presented as the digest of a fake "all fields withheld" certificate; and a field leaf cannot be
taken for a batch leaf, whose entry would have to be a digest equal to a canonical triple, a
SHA-256 preimage. The version in the label changes whenever any of the five steps changes.

Selective disclosure keeps some fields with their salts and only the leaf hashes of the others;
the root, hence the digest, is recomputed identically from either form.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn, cast

from certificate.canonical import canonical_field, canonical_fields
from certificate.exceptions import CertificateSchemaError, SaltError
from certificate.merkle import LEAF_PREFIX, leaf_hash, root_from_leaf_hashes
from certificate.types import Digest, FieldPath, Hash, Salt

DIGEST_LABEL = b"huren/certificate-digest/1"
"""Prefix of the digest preimage: separates digests from Merkle hashes and versions the scheme."""

SALT_BYTES = 16
SALT_LENGTH = 22
"""Characters of a salt in unpadded base64url."""
_SALT_SHAPE = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")
_SALT_RUN = re.compile(r"(?:[A-Za-z0-9_-]{21}[AQgw])*")
_POINTER_SHAPE = re.compile(r"(/([^~/]|~[01])*)+")

_sha256 = hashlib.sha256
_LEAF_PREFIX = LEAF_PREFIX.decode("ascii")
_BASE64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIX_BITS = bytes(_BASE64URL[b & 63] for b in range(256))
_TWO_BITS = bytes(b"AQgw"[b & 3] for b in range(256))


def _escape(key: object) -> str:
    if type(key) is not str:
        raise CertificateSchemaError(f"object key {key!r} is not a string")
    return key.replace("~", "~0").replace("/", "~1")


def _walk(container: dict[Any, Any] | list[Any], prefix: str, out: list[Any]) -> None:
    append = out.append
    if type(container) is dict:
        for key, value in container.items():
            if type(key) is not str or "~" in key or "/" in key:
                key = _escape(key)
            kind = type(value)
            if (kind is dict or kind is list) and value:
                _walk(value, f"{prefix}/{key}", out)
            else:
                append((f"{prefix}/{key}", value))
    else:
        for index, value in enumerate(container):
            kind = type(value)
            if (kind is dict or kind is list) and value:
                _walk(value, f"{prefix}/{index}", out)
            else:
                append((f"{prefix}/{index}", value))


def flatten(document: Mapping[str, Any]) -> list[tuple[FieldPath, Any]]:
    """The document's fields as ``(JSON Pointer, value)`` pairs in digest order."""
    fields: list[tuple[FieldPath, Any]] = []
    _walk(dict(document), "", fields)
    fields.sort()  # paths are unique, so only paths are ever compared
    return fields


def validate_pointer(path: object) -> FieldPath:
    """Check that ``path`` is a non-empty RFC 6901 JSON Pointer such as ``/holder/name``."""
    # Fast path: a string starting with "/" and without "~" is a pointer (every segment is
    # then "([^~/])*"); only escapes need the regular expression.
    if type(path) is str and path[:1] == "/" and "~" not in path:
        return FieldPath(path)
    if not isinstance(path, str) or not _POINTER_SHAPE.fullmatch(path):
        raise CertificateSchemaError(
            f"field path {path!r} is not a JSON Pointer like '/holder/name' "
            f"('~' must be written '~0' and '/' inside a name '~1')"
        )
    return FieldPath(path)


def validate_pointers(paths: Iterable[object]) -> None:
    """Check many paths as :func:`validate_pointer` does; one loop for the common case."""
    for path in paths:
        if type(path) is not str or path[:1] != "/" or "~" in path:
            validate_pointer(path)


def new_salts(count: int) -> list[Salt]:
    """``count`` fresh salts of 16 bytes each from the operating system's CSPRNG.

    The unpadded base64url form of 16 bytes is 21 characters of 6 bits each and a last character
    carrying the remaining 2 bits (one of ``A Q g w``). Drawing each character directly from
    fresh random bytes (the low 6, resp. 2, bits of one byte each: uniform, as 256 is a multiple
    of 64) gives exactly the base64url encoding of 16 uniformly random bytes. One random draw of
    22 bytes per salt, two ``translate`` calls and one slice per salt, instead of one encoder
    call per salt.
    """
    size = SALT_LENGTH * count
    random = os.urandom(size)
    text = bytearray(random.translate(_SIX_BITS))
    last = slice(SALT_LENGTH - 1, size, SALT_LENGTH)
    text[last] = random[last].translate(_TWO_BITS)
    joined = text.decode("ascii")
    return cast(list[Salt], [joined[i : i + SALT_LENGTH] for i in range(0, size, SALT_LENGTH)])


def validate_salt(salt: object, path: str) -> Salt:
    """Check that a salt is exactly 16 bytes in canonical unpadded base64url."""
    if not isinstance(salt, str) or not _SALT_SHAPE.fullmatch(salt):
        raise SaltError(
            f"salt of field {path} must be 16 bytes written as 22 base64url characters "
            f"(A-Z a-z 0-9 - _, no padding); got {salt!r:.40}"
        )
    return Salt(salt)


def validate_salts(salts: Mapping[str, object]) -> None:
    """Check every salt of a ``{path: salt}`` map as :func:`validate_salt` does, in one pass.

    A full copy carries 20-30 salts; one regular expression over their concatenation (after
    checking that each is a string of exactly 22 characters, so the 22-character blocks are the
    salts) answers for all of them. Only when that fails are they checked one by one, to name
    the bad one.
    """
    values = list(salts.values())
    try:
        joined: str | None = "".join(values)  # type: ignore[arg-type]
    except TypeError:  # not all strings
        joined = None
    if (
        joined is None
        or not set(map(len, values)) <= {SALT_LENGTH}  # type: ignore[arg-type]
        or not _SALT_RUN.fullmatch(joined)
    ):
        for path, salt in salts.items():
            validate_salt(salt, path)


def field_leaf(path: str, value: object, salt: str) -> Hash:
    """The leaf hash of one salted field: ``SHA-256(0x00 ‖ JCS([path, value, salt]))``."""
    return leaf_hash(canonical_field(path, value, salt))


def digest_from_leaves(leaves: Sequence[bytes]) -> Digest:
    """The certificate digest over field leaves already sorted by path."""
    return Digest(_sha256(DIGEST_LABEL + root_from_leaf_hashes(leaves)).digest())


def salted_digest(
    fields: Sequence[tuple[str, Any]], salts: Sequence[str]
) -> tuple[Digest, list[Hash]]:
    """Digest and field leaves of flattened fields with their salts, in the same order."""
    preimages = canonical_fields(fields, salts, prefix=_LEAF_PREFIX)
    leaves = cast(list[Hash], [state.digest() for state in map(_sha256, preimages)])
    return digest_from_leaves(leaves), leaves


def ordered_salts(fields: Sequence[tuple[str, Any]], salts: Mapping[str, str]) -> list[str]:
    """The salt of each field, in the fields' order; every field needs one, and no other."""
    try:
        ordered = [salts[path] for path, _ in fields]
    except KeyError:
        _explain_salt_mismatch([path for path, _ in fields], salts)
    if len(ordered) != len(salts):
        _explain_salt_mismatch([path for path, _ in fields], salts)
    return ordered


def document_digest(document: Mapping[str, Any], salts: Mapping[str, str]) -> Digest:
    """Digest of a whole document given its salt for every field."""
    return fields_digest(flatten(document), salts)


def fields_digest(fields: Sequence[tuple[str, Any]], salts: Mapping[str, str]) -> Digest:
    """Digest of a document already flattened (:func:`flatten`), given its salt for every
    field: for a caller that needs the fields anyway and should not flatten twice."""
    return salted_digest(fields, ordered_salts(fields, salts))[0]


def _explain_salt_mismatch(paths: Iterable[str], salts: Mapping[str, str]) -> NoReturn:
    wanted = set(paths)
    missing = sorted(wanted - salts.keys())
    extra = sorted(salts.keys() - wanted)
    parts = []
    if missing:
        parts.append(f"no salt for field(s) {', '.join(missing[:5])}")
    if extra:
        parts.append(f"salt(s) for unknown field(s) {', '.join(extra[:5])}")
    raise CertificateSchemaError("salts do not match the document's fields: " + "; ".join(parts))


def disclosed_digest(
    disclosed: Mapping[str, tuple[Any, str]], withheld: Mapping[str, bytes]
) -> Digest:
    """Digest of a disclosed copy: revealed ``(value, salt)`` fields plus withheld leaf hashes."""
    both = disclosed.keys() & withheld.keys()
    if both:
        raise CertificateSchemaError(
            f"field(s) {', '.join(sorted(both))} are both disclosed and withheld"
        )
    leaves: dict[str, bytes] = dict(withheld)
    for path, (value, salt) in disclosed.items():
        leaves[path] = field_leaf(path, value, salt)
    return digest_from_leaves([leaves[path] for path in sorted(leaves)])
