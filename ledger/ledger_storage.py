"""The ``HurenLedger`` values that decide a verification, read from storage instead of views.

:mod:`ledger.calls` asks the contract's view functions; a node answers those with whatever it
likes. The same values read as storage slots can come with a state proof (``eth_getProof``)
checked against a block's state root (:mod:`ledger.state_proof`), so a node cannot change them
without changing the header. :class:`LedgerStorage` turns a question (the anchor of this root,
the status of this certificate, this signing key, this province) into a :class:`StorageRead`:
the slots that hold the answer, the further slots a ``bytes``/``string`` member announces in its
head word, and how to turn the words into the same record types the view calls give.

Slots come from the compiler's storage layout in the artifact (:mod:`ledger.storage_layout`),
never from numbers written here; a test checks each read against ``eth_getStorageAt`` and the
view functions.

Example::

    storage = LedgerStorage.of(load_artifact("HurenLedger"))
    read = storage.status(310000, digest)
    words = {slot: value for slot, value in proven_words(read.slots)}
    record = read.decode(words)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from ledger._abi import checksum
from ledger.artifact import Artifact
from ledger.exceptions import LedgerAnswerError
from ledger.storage_layout import Location, StorageLayout
from ledger.types import (
    AnchorRecord,
    CertificateState,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)

__all__ = ["LIKELY_ENDPOINT_BYTES", "LIKELY_KEY_BYTES", "LedgerStorage", "StorageRead", "Words"]

T = TypeVar("T")

Words = Mapping[int, int]
"""Storage words by slot, as read (a slot never written reads as 0)."""

LIKELY_KEY_BYTES = 91
"""The longest public key the contract registers (an ECDSA P-256 SubjectPublicKeyInfo)."""
LIKELY_ENDPOINT_BYTES = 96
"""A province node's endpoint URL is usually no longer."""


@dataclass(frozen=True, slots=True)
class StorageRead(Generic[T]):
    """One value read from storage: ``slots`` first; then the slots :meth:`more` names from
    their words (the data of a long ``bytes``/``string``, empty otherwise); then :meth:`decode`
    over all of them.

    ``likely`` are the slots :meth:`more` names for a value of the usual length (a public key
    of the longest registered kind, an endpoint URL of up to 96 bytes): a reader that asks for
    them with ``slots`` saves the second round trip almost always.
    """

    what: str
    slots: tuple[int, ...]
    tail: Callable[[Words], tuple[int, ...]]
    decoder: Callable[[Words], T]
    likely: tuple[int, ...] = ()

    def more(self, words: Words) -> tuple[int, ...]:
        """The further slots the words of :attr:`slots` announce."""
        return self.tail(words)

    def decode(self, words: Words) -> T:
        """The record the words stand for.

        Raises:
            LedgerAnswerError: a needed slot is missing from ``words``, or the words do not
                make a record (a stored enum out of range, a malformed ``bytes`` head).
        """
        try:
            return self.decoder(words)
        except (KeyError, ValueError) as error:
            raise LedgerAnswerError(
                f"the storage of {self.what} does not decode: {error}"
            ) from error


def _no_tail(_: Words) -> tuple[int, ...]:
    return ()


class LedgerStorage:
    """The storage reads of the ledger's deciding values, placed by the contract's layout."""

    def __init__(self, layout: StorageLayout) -> None:
        self.layout = layout
        self._anchors = layout.variable("_anchors")
        self._statuses = layout.variable("_statuses")
        self._keys = layout.variable("_keys")
        self._provinces = layout.variable("_provinces")

    @classmethod
    def of(cls, artifact: Artifact) -> LedgerStorage:
        """The reads of the contract compiled into ``artifact`` (``HurenLedger``)."""
        return cls(StorageLayout.of(artifact))

    def _field(self, struct: Location, label: str) -> Callable[[Words], int]:
        where = self.layout.member(struct, label)
        return lambda words: self.layout.value(where, words[where.slot])

    def anchor(self, root: bytes) -> StorageRead[AnchorRecord | None]:
        """The anchor of a batch root; None if it was never anchored."""
        at = self.layout.entry(self._anchors, root)
        province, count, anchored_at, block_number = (
            self._field(at, label) for label in ("province", "count", "anchoredAt", "blockNumber")
        )

        def decode(words: Words) -> AnchorRecord | None:
            if province(words) == 0:
                return None
            return AnchorRecord(
                root=root,
                province=province(words),
                count=count(words),
                anchored_at=anchored_at(words),
                block_number=block_number(words),
            )

        return StorageRead(f"the anchor of root 0x{root.hex()}", (at.slot,), _no_tail, decode)

    def status(self, code: int, digest: bytes) -> StorageRead[StatusRecord]:
        """A certificate's current status (Active with no changes if it never changed)."""
        at = self.layout.entry(self.layout.entry(self._statuses, code), digest)
        state, reason, effective_at, recorded_at, changes = (
            self._field(at, label)
            for label in ("state", "reason", "effectiveAt", "recordedAt", "changes")
        )

        def decode(words: Words) -> StatusRecord:
            return StatusRecord(
                state=CertificateState(state(words)),
                reason=reason(words),
                effective_at=effective_at(words),
                recorded_at=recorded_at(words),
                changes=changes(words),
            )

        return StorageRead(
            f"the status of certificate 0x{digest.hex()} of province {code}",
            (at.slot,),
            _no_tail,
            decode,
        )

    def signing_key(self, key_id: bytes) -> StorageRead[SigningKeyRecord | None]:
        """A registered signing key (its public key bytes included); None if no key has this
        id."""
        at = self.layout.entry(self._keys, key_id)
        province, algorithm, revoked, valid_from, valid_until = (
            self._field(at, label)
            for label in ("province", "algorithm", "revoked", "validFrom", "validUntil")
        )
        public_key = self.layout.member(at, "publicKey")

        def decode(words: Words) -> SigningKeyRecord | None:
            if valid_from(words) == 0:
                return None
            return SigningKeyRecord(
                key_id=key_id,
                province=province(words),
                algorithm=algorithm(words),
                revoked=bool(revoked(words)),
                valid_from=valid_from(words),
                valid_until=valid_until(words) or None,
                public_key=self._bytes(public_key, words),
            )

        return StorageRead(
            f"signing key 0x{key_id.hex()}",
            (at.slot, public_key.slot),
            lambda words: self.layout.data_slots(public_key, words[public_key.slot]),
            decode,
            self.layout.data_slots_for(public_key, LIKELY_KEY_BYTES),
        )

    def province(self, code: int) -> StorageRead[ProvinceRecord | None]:
        """A province's record (what decides membership: its account, when it joined, whether it
        is a member now; and its node's endpoint); None if it never was a member."""
        at = self.layout.entry(self._provinces, code)
        account, joined_at, member = (
            self._field(at, label) for label in ("account", "joinedAt", "member")
        )
        endpoint = self.layout.member(at, "endpoint")

        def decode(words: Words) -> ProvinceRecord | None:
            if account(words) == 0:
                return None
            return ProvinceRecord(
                code=code,
                account=checksum("0x" + account(words).to_bytes(20, "big").hex()),
                joined_at=joined_at(words),
                member=bool(member(words)),
                endpoint=self._bytes(endpoint, words).decode("utf-8", "replace"),
            )

        return StorageRead(
            f"province {code}",
            (at.slot, endpoint.slot),
            lambda words: self.layout.data_slots(endpoint, words[endpoint.slot]),
            decode,
            self.layout.data_slots_for(endpoint, LIKELY_ENDPOINT_BYTES),
        )

    def _bytes(self, location: Location, words: Words) -> bytes:
        head = words[location.slot]
        data = [words[slot] for slot in self.layout.data_slots(location, head)]
        return self.layout.bytes_value(location, head, data)
