"""Status histories from the ledger's ``StatusChanged`` logs, over explicit block ranges.

The contract keeps only a certificate's current status; its history (for a status at a past
time) exists only as event logs, which no state proof covers. Every reader of them goes through
:func:`read_status_changes`, which names both ends of its range (never an implicit ``latest``
start) and pages through it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.chain import RpcClient
from ledger.events import EventDecoder
from ledger.status_history import StatusChange, status_change_from_event

__all__ = ["StatusKey", "read_status_changes"]

StatusKey = tuple[int, bytes]
"""``(issuing province, certificate digest)``: how the chain keys a certificate's status."""


def read_status_changes(
    rpc: RpcClient,
    address: str,
    decoder: EventDecoder,
    keys: tuple[Sequence[int], Sequence[bytes]],
    blocks: tuple[int, int],
    page: int,
) -> dict[StatusKey, list[StatusChange]]:
    """``StatusChanged`` events of the provinces and digests in ``keys`` (every combination)
    from block ``blocks[0]`` to ``blocks[1]`` inclusive, ``page`` blocks per request, grouped by
    certificate in chain order.

    Raises whatever the client or the decoder raise for a failed or malformed answer.
    """
    codes, digests = keys
    topics = [
        decoder.topic("StatusChanged"),
        ["0x" + c.to_bytes(32, "big").hex() for c in codes],
        ["0x" + d.hex() for d in digests],
    ]
    found: dict[StatusKey, list[StatusChange]] = {}
    start, last = blocks
    while start <= last:
        end = min(start + page - 1, last)
        query = {"address": address, "topics": topics, "fromBlock": hex(start), "toBlock": hex(end)}
        for log in rpc.call("eth_getLogs", [query]):
            event = decoder.decode(log)
            key = (int(event.args["code"]), bytes(event.args["digest"]))
            found.setdefault(key, []).append(status_change_from_event(event))
        start = end + 1
    for changes in found.values():
        changes.sort(key=lambda c: c.position)
    return found
