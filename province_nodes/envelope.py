"""Encryption at rest: each payload under its own AES-256-GCM key, wrapped by the master key.

A sealed envelope is one opaque blob::

    version (1 byte, 0x01) ‖ wrapped data key (40 bytes, AES-KW, RFC 3394)
        ‖ nonce (12 bytes) ‖ ciphertext and tag

The record's id (the certificate id) is the GCM associated data, so an envelope copied onto
another row does not open. A per-record data key keeps the master key's use to key wrapping,
which is what lets the master key rotate by re-wrapping 40 bytes per row. The master key lives in
the node's settings only; the database never sees it.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from province_nodes.exceptions import EnvelopeError, NodeConfigError, WrongMasterKeyError

__all__ = ["MasterKey", "open_envelope", "seal_envelope"]

_VERSION = 1
_WRAPPED = 40
_NONCE = 12
_HEADER = 1 + _WRAPPED + _NONCE


class MasterKey:
    """The province's 32-byte master key; ``repr`` never shows it."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise NodeConfigError(f"the master key must be 32 bytes, got {len(key)}")
        self._key = key

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    def wrap(self, data_key: bytes) -> bytes:
        """Wrap a 32-byte data key (AES-KW, 40 bytes out)."""
        return aes_key_wrap(self._key, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        """Unwrap a data key; a wrong master key raises :class:`WrongMasterKeyError`."""
        try:
            return aes_key_unwrap(self._key, wrapped)
        except InvalidUnwrap:
            raise WrongMasterKeyError(
                "a stored data key does not unwrap under the configured master key: the node is "
                "running with the wrong HUREN_NODE_MASTER_KEY (or the key was altered)"
            ) from None

    def derive(self, label: bytes) -> bytes:
        """A 32-byte secret for one purpose (HKDF-SHA256); the master key itself signs nothing."""
        return HKDF(hashes.SHA256(), 32, salt=None, info=b"huren/" + label).derive(self._key)


def seal_envelope(master: MasterKey, record_id: str, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` for the record ``record_id`` under a fresh data key."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, record_id.encode())
    return bytes((_VERSION,)) + master.wrap(data_key) + nonce + ciphertext


def open_envelope(master: MasterKey, record_id: str, envelope: bytes) -> bytes:
    """Decrypt an envelope made by :func:`seal_envelope` for the same ``record_id``.

    Raises:
        WrongMasterKeyError: the data key does not unwrap (wrong master key).
        EnvelopeError: the envelope is malformed, altered, or belongs to another record.
    """
    if len(envelope) < _HEADER + 16 or envelope[0] != _VERSION:
        raise EnvelopeError(f"the stored payload of {record_id} is not a version-1 envelope")
    data_key = master.unwrap(envelope[1 : 1 + _WRAPPED])
    nonce = envelope[1 + _WRAPPED : _HEADER]
    try:
        return AESGCM(data_key).decrypt(nonce, envelope[_HEADER:], record_id.encode())
    except InvalidTag:
        raise EnvelopeError(
            f"the stored payload of {record_id} fails authentication: it was altered or "
            "copied from another record"
        ) from None
