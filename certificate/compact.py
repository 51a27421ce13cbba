"""The compact binary form of a sealed certificate, small enough for a QR code.

A sealed certificate's JSON spends most of its bytes on hashes, salts and signatures written as
hex and base64url text, and even after compression text-coded random bytes cost about a quarter
more than the bytes themselves. The compact form separates the two kinds of content: a JSON
*skeleton* (everything readable: field paths and values, state, province, receipt numbers) and a
*blob* of raw bytes in an order the skeleton fixes, then compresses both with zlib. A disclosed
copy of the largest sample type (a birth certificate, 23 withheld fields, a 10-hash proof)
shrinks from 2,590 bytes (zlib of the JSON) to 2,170, which is what lets it fit a version-40 QR
code at error correction level M.

Layout (before zlib)::

    uint32 big-endian   length of the skeleton
    skeleton            RFC 8785 JSON:
                        {"state", "province",
                         "full": {"document": {…}, "salted": [paths]}           (full copy)
                         | "disclosed": {"fields": {path: value}, "withheld": [paths]},
                         "receipt": null | {"leaf_index", "tree_size", "chain_id",
                                            "block_number", "contract_address", "proof_length"}}
    blob                digest 32 ‖ key id 32 ‖ signature 64
                        ‖ salt 16 per salted or disclosed path, in skeleton order
                        ‖ leaf hash 32 per withheld path, in skeleton order
                        ‖ batch root 32 ‖ transaction hash 32 ‖ proof hashes 32 each (if receipt)

Decoding rebuilds the sealed-certificate JSON and validates it like any file, so a compact form
can never carry what the JSON form could not. The form is versioned by the QR payload's prefix
(:mod:`certificate.qr`); any change to this layout needs a new prefix.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from certificate.canonical import canonicalize
from certificate.exceptions import QRPayloadError
from certificate.json_input import read_json
from certificate.sealed_file import (
    SEALED_FORMAT,
    FullContent,
    SealedCertificate,
    sealed_from_json,
)

__all__ = ["MAX_UNPACKED_BYTES", "pack_sealed", "unpack_sealed"]

MAX_UNPACKED_BYTES = 1_048_576
"""Largest decompressed form accepted: far above any certificate, far below a zip bomb."""

_LENGTH = struct.Struct(">I")
_SALT_BYTES = 16
_HASH_BYTES = 32


def _salt_bytes(salt: str) -> bytes:
    return base64.urlsafe_b64decode(salt + "==")


def _salt_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def pack_sealed(sealed: SealedCertificate) -> bytes:
    """The compact form of ``sealed``: zlib of skeleton and blob, deterministic for a given file."""
    blob = bytearray(sealed.digest + sealed.signature.key_id + sealed.signature.value)
    skeleton: dict[str, Any] = {"state": sealed.state.value, "province": sealed.issuing_province}
    content = sealed.content
    if isinstance(content, FullContent):
        salted = sorted(content.salts)
        blob += b"".join(_salt_bytes(content.salts[path]) for path in salted)
        skeleton["full"] = {
            "document": content.document.model_dump(mode="json"),
            "salted": salted,
        }
    else:
        disclosed = sorted(content.fields)
        withheld = sorted(content.withheld)
        blob += b"".join(_salt_bytes(content.fields[path].salt) for path in disclosed)
        blob += b"".join(content.withheld[path] for path in withheld)
        skeleton["disclosed"] = {
            "fields": {path: content.fields[path].value for path in disclosed},
            "withheld": withheld,
        }
    receipt = sealed.receipt
    skeleton["receipt"] = None
    if receipt is not None:
        blob += receipt.batch_root + receipt.transaction_hash + b"".join(receipt.inclusion_proof)
        skeleton["receipt"] = {
            "leaf_index": receipt.leaf_index,
            "tree_size": receipt.tree_size,
            "chain_id": receipt.chain_id,
            "block_number": receipt.block_number,
            "contract_address": receipt.contract_address,
            "proof_length": len(receipt.inclusion_proof),
        }
    text = canonicalize(skeleton)
    return zlib.compress(_LENGTH.pack(len(text)) + text + bytes(blob), 9)


def unpack_sealed(data: bytes) -> SealedCertificate:
    """The sealed certificate ``data`` (from :func:`pack_sealed`) holds, validated.

    Raises:
        QRPayloadError: not zlib, too large, cut short, trailing bytes, or a malformed skeleton.
        CertificateFormatError: the rebuilt certificate is not a valid sealed certificate.
    """
    raw = _inflate(data)
    if len(raw) < _LENGTH.size:
        raise QRPayloadError("the compact certificate is empty; the payload is incomplete")
    (length,) = _LENGTH.unpack_from(raw)
    end = _LENGTH.size + length
    if end > len(raw):
        raise QRPayloadError("the compact certificate is cut short inside its field list")
    try:
        skeleton = read_json(raw[_LENGTH.size : end])
        value = _rebuild(skeleton, _Blob(raw[end:]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, QRPayloadError):
            raise
        raise QRPayloadError(
            f"the compact certificate's structure is damaged ({type(error).__name__}: {error})"
        ) from None
    return sealed_from_json(value)


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_UNPACKED_BYTES + 1)
    except zlib.error as error:
        raise QRPayloadError(
            f"the payload does not decompress ({error}); it was damaged or is not a huren "
            f"certificate"
        ) from None
    if len(raw) > MAX_UNPACKED_BYTES:
        raise QRPayloadError(
            f"the payload expands to more than {MAX_UNPACKED_BYTES} bytes; refused"
        )
    if not inflater.eof:
        raise QRPayloadError("the payload is cut short; scan or paste all of it")
    if inflater.unused_data:
        raise QRPayloadError("the payload has bytes after its end; it was damaged")
    return raw


class _Blob:
    """Reads the blob front to back; every read must be there, and all of it must be read."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, size: int, what: str) -> bytes:
        chunk = self._data[self._at : self._at + size]
        if len(chunk) != size:
            raise QRPayloadError(f"the compact certificate is cut short in {what}")
        self._at += size
        return chunk

    def hex(self, size: int, what: str) -> str:
        return "0x" + self.take(size, what).hex()

    def finish(self) -> None:
        if self._at != len(self._data):
            raise QRPayloadError(
                f"the compact certificate has {len(self._data) - self._at} unexpected bytes"
            )


def _rebuild(skeleton: dict[str, Any], blob: _Blob) -> dict[str, Any]:
    """The sealed-certificate JSON from a skeleton and its blob (validated by the caller)."""
    digest = blob.hex(_HASH_BYTES, "the digest")
    signature = {
        "key_id": blob.hex(_HASH_BYTES, "the key id"),
        "value": blob.hex(64, "the signature"),
    }
    content: dict[str, Any]
    if "full" in skeleton:
        full = skeleton["full"]
        salts = {path: _salt_text(blob.take(_SALT_BYTES, "a salt")) for path in full["salted"]}
        content = {"form": "full", "document": full["document"], "salts": salts}
    else:
        disclosed = skeleton["disclosed"]
        fields = {
            path: {"value": value, "salt": _salt_text(blob.take(_SALT_BYTES, "a salt"))}
            for path, value in disclosed["fields"].items()
        }
        withheld = {path: blob.hex(_HASH_BYTES, "a leaf hash") for path in disclosed["withheld"]}
        content = {"form": "disclosed", "fields": fields, "withheld": withheld}
    receipt = None
    if skeleton["receipt"] is not None:
        numbers = skeleton["receipt"]
        receipt = {
            "batch_root": blob.hex(_HASH_BYTES, "the batch root"),
            "transaction_hash": blob.hex(_HASH_BYTES, "the transaction hash"),
            "inclusion_proof": [
                blob.hex(_HASH_BYTES, "the inclusion proof")
                for _ in range(_count(numbers["proof_length"]))
            ],
            **{
                key: numbers[key]
                for key in (
                    "leaf_index",
                    "tree_size",
                    "chain_id",
                    "block_number",
                    "contract_address",
                )
            },
        }
    blob.finish()
    return {
        "version": SEALED_FORMAT,
        "state": skeleton["state"],
        "issuing_province": skeleton["province"],
        "digest": digest,
        "content": content,
        "signature": signature,
        "receipt": receipt,
    }


def _count(value: object) -> int:
    if type(value) is not int or not 0 <= value <= 64:
        raise QRPayloadError(f"the compact certificate's proof length {value!r} is not 0-64")
    return value
