"""Where a Solidity contract keeps a value: storage slots derived from solc's storage layout.

The compiler says where each state variable lives (``storageLayout`` in the artifact); the rest
follows Solidity's documented rules ("Layout of State Variables in Storage"), applied here so
that a reader can ask a node for exactly the slots that hold a value, with a state proof, instead
of trusting a view function's answer:

- a value of a fixed-size type (integer, address, bool, enum, ``bytesN``) sits at a
  :class:`Location`: ``numberOfBytes`` bytes starting ``offset`` bytes from the low-order
  (right) end of the 32-byte word at ``slot``; several small values share a word;
- a struct's members sit at their slot and offset relative to the struct's first slot;
- the value of a mapping at slot ``p`` for key ``k`` starts at ``keccak256(pad(k) ‖ p)``, where
  ``pad`` left-pads integers and addresses and right-pads ``bytesN`` to 32 bytes;
- ``bytes`` and ``string`` at slot ``p``: up to 31 bytes are kept in the word itself (data in
  the high-order bytes, ``2·length`` in the lowest byte); longer ones keep ``2·length + 1`` in
  the word and the data in the words from ``keccak256(p)`` on.

Pure arithmetic over the layout: nothing here talks to a node. :mod:`ledger.ledger_storage`
names the huren ledger's values with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from ledger.artifact import Artifact
from ledger.exceptions import LedgerArtifactError, LedgerValueError

__all__ = ["Location", "StorageLayout", "word_bytes"]

_WORD = 32


@dataclass(frozen=True, slots=True)
class Location:
    """Where a stored value starts: its word (``slot``), its byte ``offset`` inside the word
    (counted from the low-order end), and its solc type id (``t_uint32``, ``t_struct(…)…``)."""

    slot: int
    offset: int
    type: str


def word_bytes(word: int) -> bytes:
    """A storage word as its 32 big-endian bytes."""
    return word.to_bytes(_WORD, "big")


class StorageLayout:
    """One contract's storage layout as solc reports it, and the rules that place values in it.

    Raises :class:`~ledger.exceptions.LedgerValueError` for a name, key or member the layout
    does not have, and :class:`~ledger.exceptions.LedgerArtifactError` for a layout it cannot
    read.
    """

    def __init__(self, layout: Mapping[str, Any]) -> None:
        try:
            self._variables = {
                str(item["label"]): Location(int(item["slot"]), int(item["offset"]), item["type"])
                for item in layout["storage"]
            }
            self._types: Mapping[str, Mapping[str, Any]] = dict(layout["types"])
        except (KeyError, TypeError, ValueError) as error:
            raise LedgerArtifactError(f"unreadable storage layout: {error}") from error

    @classmethod
    def of(cls, artifact: Artifact) -> StorageLayout:
        """The layout of a compiled contract."""
        return cls(artifact.storage_layout)

    def variable(self, label: str) -> Location:
        """Where the state variable ``label`` lives."""
        try:
            return self._variables[label]
        except KeyError:
            raise LedgerValueError(f"the layout has no state variable {label!r}") from None

    def member(self, struct: Location, label: str) -> Location:
        """Where member ``label`` of the struct at ``struct`` lives."""
        kind = self._type(struct.type)
        for item in kind.get("members") or ():
            if item["label"] == label:
                return Location(struct.slot + int(item["slot"]), int(item["offset"]), item["type"])
        raise LedgerValueError(f"{kind['label']} has no member {label!r}")

    def entry(self, mapping: Location, key: int | bytes) -> Location:
        """Where the value of the mapping at ``mapping`` for ``key`` starts."""
        kind = self._type(mapping.type)
        if kind.get("encoding") != "mapping":
            raise LedgerValueError(f"{kind['label']} is not a mapping")
        padded = self._padded_key(str(kind["key"]), key)
        slot = int.from_bytes(keccak(padded + word_bytes(mapping.slot)), "big")
        return Location(slot, 0, str(kind["value"]))

    def value(self, location: Location, word: int) -> int:
        """The fixed-size value at ``location``, cut out of its ``word`` (as an unsigned int)."""
        size = self._size(location.type)
        return (word >> (8 * location.offset)) & ((1 << (8 * size)) - 1)

    def data_slots(self, location: Location, word: int) -> tuple[int, ...]:
        """The slots that hold the data of the ``bytes``/``string`` whose head word is ``word``
        (none when it is short enough to live in the head word)."""
        self._check_bytes(location)
        if word & 1 == 0:
            return ()
        return self.data_slots_for(location, (word - 1) // 2)

    def data_slots_for(self, location: Location, length: int) -> tuple[int, ...]:
        """The slots that hold the data of a ``bytes``/``string`` of ``length`` bytes at
        ``location`` if it is kept outside its head word (longer than 31 bytes)."""
        self._check_bytes(location)
        if length < _WORD:
            return ()
        first = int.from_bytes(keccak(word_bytes(location.slot)), "big")
        return tuple(first + index for index in range(-(-length // _WORD)))

    def bytes_value(self, location: Location, word: int, data: Sequence[int] = ()) -> bytes:
        """The ``bytes``/``string`` whose head word is ``word`` and whose data words (in the
        order :meth:`data_slots` names them) are ``data``."""
        self._check_bytes(location)
        if word & 1 == 0:
            length = (word & 0xFF) // 2
            if length >= _WORD:
                raise LedgerValueError(f"a short bytes value cannot be {length} bytes long")
            return word_bytes(word)[:length]
        length = (word - 1) // 2
        if len(data) * _WORD < length:
            raise LedgerValueError(f"{length} bytes need {-(-length // _WORD)} data words")
        return b"".join(word_bytes(w) for w in data)[:length]

    # --- internals ------------------------------------------------------------------------------

    def _type(self, type_id: str) -> Mapping[str, Any]:
        try:
            return self._types[type_id]
        except KeyError:
            raise LedgerArtifactError(f"the storage layout lacks type {type_id!r}") from None

    def _size(self, type_id: str) -> int:
        kind = self._type(type_id)
        if kind.get("encoding") != "inplace" or "members" in kind:
            raise LedgerValueError(f"{kind['label']} is not a single fixed-size value")
        return int(kind["numberOfBytes"])

    def _check_bytes(self, location: Location) -> None:
        kind = self._type(location.type)
        if kind.get("encoding") != "bytes":
            raise LedgerValueError(f"{kind['label']} is not bytes or string")

    def _padded_key(self, key_type: str, key: int | bytes) -> bytes:
        """The 32 bytes a mapping key of ``key_type`` is hashed as."""
        label = str(self._type(key_type)["label"])
        size = self._size(key_type)
        if label.startswith("bytes"):  # bytesN: the value's bytes, right-padded
            if not isinstance(key, bytes) or len(key) != size:
                raise LedgerValueError(f"a {label} key must be {size} bytes, got {key!r:.80}")
            return key.ljust(_WORD, b"\0")
        if isinstance(key, bytes | bool) or not 0 <= key < 1 << (8 * size):
            raise LedgerValueError(f"a {label} key must be an unsigned int, got {key!r:.80}")
        return key.to_bytes(_WORD, "big")
