"""QR benchmark: payload sizes and QR versions per certificate type, encode and decode rates.

For each shipped type, one sample anchored at leaf 0 of a batch of 1,000 (a 10-hash inclusion
proof), full and as the disclosed copy an agency typically receives (holder name, number,
issuing authority): the ``HUREN1:`` payload length, the QR version it needs at level M, and the
plain ``zlib(JSON)`` size for comparison. Then payload encode and decode (decode includes full
validation of the certificate) per second, as medians of ``rounds``.

    python scripts/bench.py --only qr --no-write
"""

from __future__ import annotations

import os
import statistics
import time
import zlib
from typing import TYPE_CHECKING, Any

from certificate import (
    MerkleTree,
    Receipt,
    SealedCertificate,
    SigningKey,
    attach_receipt,
    build_document,
    decode_qr_payload,
    disclose,
    seal,
    sealed_payload,
)
from certificate.qr import qr_version
from certificate.samples import SAMPLE_KINDS, sample_document

if TYPE_CHECKING:  # annotations only: the module also runs loaded from its path alone
    from benchmarks import Measurement

AGENCY_FIELDS = ["/holder/name", "/number", "/issuer/name"]
BATCH = 1000
PAYLOADS = 2000


def _anchored(kind: str, key: SigningKey, seed: int) -> SealedCertificate:
    sealed = seal(build_document(sample_document(kind, seed=seed)), key)
    tree = MerkleTree.from_entries([sealed.digest, *(os.urandom(32) for _ in range(BATCH - 1))])
    return attach_receipt(
        sealed,
        Receipt(
            batch_root=tree.root,
            leaf_index=0,
            tree_size=BATCH,
            inclusion_proof=tuple(tree.inclusion_proof(0)),
            chain_id=31337,
            contract_address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
            transaction_hash=os.urandom(32),
            block_number=1_000_000,
        ),
    )


def _rate(rounds: int, count: int, work: Any, items: list[Any]) -> float:
    rates = []
    for _ in range(rounds):
        start = time.process_time()
        for index in range(count):
            work(items[index % len(items)])
        rates.append(count / (time.process_time() - start))
    return statistics.median(rates)


def run(rounds: int = 5, scale: float = 1.0) -> list[Measurement]:
    """Measure; sizes are exact, rates the median of ``rounds`` rounds of CPU time."""
    key = SigningKey.generate()
    results: list[Measurement] = []
    copies: list[SealedCertificate] = []
    for seed, kind in enumerate(SAMPLE_KINDS):
        anchored = _anchored(kind, key, seed)
        for form, sealed in (("full", anchored), ("disclosed", disclose(anchored, AGENCY_FIELDS))):
            copies.append(sealed)
            payload = sealed_payload(sealed)
            plain = len(zlib.compress(sealed.to_json().encode(), 9))
            results.append(
                {
                    "name": f"HUREN1 payload, {kind}, {form}",
                    "value": len(payload),
                    "unit": "characters",
                    "command_note": (
                        f"QR version {qr_version(payload, error='M')} at level M, "
                        f"{qr_version(payload, error='L')} at L; compact form "
                        f"{(len(payload) - 7) * 2 // 3} bytes vs zlib(JSON) {plain} bytes; "
                        f"anchored in a batch of {BATCH}"
                    ),
                }
            )
    count = max(1, round(PAYLOADS * scale))
    payloads = [sealed_payload(sealed) for sealed in copies]
    where = f"{count:,} payloads of all 7 types, full and disclosed; median of {rounds} rounds"
    results.append(
        {
            "name": "QR payload encodings per second",
            "value": round(_rate(rounds, count, sealed_payload, copies)),
            "unit": "payloads/s",
            "command_note": f"sealed_payload (pack, zlib -9, Base45); {where}, CPU time",
        }
    )
    results.append(
        {
            "name": "QR payload decodings per second",
            "value": round(_rate(rounds, count, decode_qr_payload, payloads)),
            "unit": "payloads/s",
            "command_note": f"decode_qr_payload incl. full validation; {where}, CPU time",
        }
    )
    return results
