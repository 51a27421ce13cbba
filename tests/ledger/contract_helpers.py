"""Helpers for the contract tests and the ledger benchmark: keys, roots, block time, clients, and
the gas and throughput measurements both of them report.

The measurements live here, not in the benchmark, so the test suite runs them on every change
(a gas regression shows up in the test output) and ``scripts/benchmarks/ledger.py`` reports the
very same numbers on its own chain.
"""

from __future__ import annotations

import hashlib
import secrets
import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_abi.abi import encode
from web3 import Web3

from ledger.anvil import DevAccount, LocalChain, dev_accounts
from ledger.artifact import load_artifact
from ledger.chain import connect
from ledger.contract import CONTRACT_NAME, HurenLedgerClient
from ledger.deploy import Deployment, deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, dev_founders
from ledger.sender import TransactionSender, TxRequest

ED25519 = 1
"""The contract's algorithm code for Ed25519 keys."""
P256 = 2
"""The contract's algorithm code for ECDSA P-256 keys."""

SHANGHAI, JIANGSU, ZHEJIANG = (p.code for p in DEV_PROVINCES)
ANHUI = 340000
"""A province that is not a founder: the one governance adds."""

CHAIN_ACCOUNTS = 12
"""Dev accounts every test chain funds: 0 deploys, 1-3 are the founders, 4-11 are free."""


def account(index: int) -> DevAccount:
    """Dev account ``index`` (4 and up belong to no founder)."""
    return dev_accounts(CHAIN_ACCOUNTS)[index]


def random_hash() -> bytes:
    """A fresh 32-byte root or digest: the shared chain is never assumed empty."""
    return secrets.token_bytes(32)


def ed25519_spki() -> bytes:
    """A new Ed25519 public key as SubjectPublicKeyInfo DER (44 bytes)."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def p256_spki() -> bytes:
    """A new ECDSA P-256 public key as SubjectPublicKeyInfo DER (91 bytes, uncompressed)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def key_id(spki_der: bytes) -> bytes:
    """The key id the ledger computes: SHA-256 of the SubjectPublicKeyInfo DER."""
    return hashlib.sha256(spki_der).digest()


def latest_time(w3: Web3) -> int:
    """The latest block's timestamp: the contract's clock (never the wall clock)."""
    return int(w3.eth.get_block("latest")["timestamp"])


def block_time(w3: Web3, block_number: int) -> int:
    """The timestamp of block ``block_number``."""
    return int(w3.eth.get_block(block_number)["timestamp"])


def advance_time(w3: Web3, seconds: int) -> int:
    """Move the chain's clock ``seconds`` ahead and mine a block there; returns its time."""
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return latest_time(w3)


def clients_on(
    w3: Web3, address: str, senders: Mapping[int, TransactionSender | None]
) -> dict[int, HurenLedgerClient]:
    """A client per province for the deployment at ``address``, writing through ``senders``
    (reuse the session's senders so each account keeps a single nonce counter)."""
    return {code: HurenLedgerClient(w3, address, sender) for code, sender in senders.items()}


def founder_senders(w3: Web3) -> dict[int, TransactionSender]:
    """A sender per founding province (for a chain nobody else sends to)."""
    return {p.code: TransactionSender(w3, p.account.private_key) for p in DEV_PROVINCES}


def deploy_raw(
    w3: Web3,
    codes: Sequence[int],
    accounts: Sequence[str],
    endpoints: Sequence[str],
    threshold: int,
) -> str:
    """Deploy ``HurenLedger`` with constructor lists as given, even inconsistent ones (which
    :func:`ledger.deploy.deploy_ledger` cannot express); returns the address.

    Raises:
        ContractRevert: the constructor reverted (at gas estimation).
    """
    artifact = load_artifact(CONTRACT_NAME)
    args = encode(
        ["uint32[]", "address[]", "string[]", "uint16"],
        [list(codes), list(accounts), list(endpoints), threshold],
    )
    sender = TransactionSender(w3, account(DEV_DEPLOYER_INDEX).private_key)
    receipt = sender.send(None, bytes.fromhex(artifact.bytecode[2:]) + args)
    return str(receipt["contractAddress"])


@dataclass(frozen=True, slots=True)
class PrivateLedger:
    """A ledger on a chain of its own, for tests that move the clock."""

    w3: Web3
    deployment: Deployment
    clients: dict[int, HurenLedgerClient]


@contextmanager
def private_ledger(threshold: int = 2) -> Iterator[PrivateLedger]:
    """Start an anvil of our own with the founders' ledger on it.

    Moving block time on the session's shared chain would put its clock ahead of the wall
    clock for every later test; a private anvil starts in about 50 ms.
    """
    with LocalChain(accounts=CHAIN_ACCOUNTS) as chain:
        w3 = connect(chain.url)
        deployer = TransactionSender(w3, account(DEV_DEPLOYER_INDEX).private_key)
        deployment = deploy_ledger(w3, deployer, dev_founders(), threshold)
        clients = clients_on(w3, deployment.address, founder_senders(w3))
        yield PrivateLedger(w3, deployment, clients)


# --- measurements shared with scripts/benchmarks/ledger.py --------------------------------------

BATCH_REVOCATIONS = 100
"""Certificates revoked in one ``revokeBatch`` when measuring its gas per certificate."""


def _sender(client: HurenLedgerClient) -> TransactionSender:
    if client.sender is None:
        raise TypeError("measuring needs a client that writes (built with a sender)")
    return client.sender


def gas_profile(client: HurenLedgerClient) -> dict[str, int]:
    """Gas used by each ledger write, in steady state, as ``client``'s province.

    One warm-up of each kind runs first, so the contract's counters and the province's key list
    are already non-zero, as on a ledger in service. ``revokeBatch_per_certificate`` is one
    batch of :data:`BATCH_REVOCATIONS` divided by that number.
    """
    sender = _sender(client)
    root = random_hash()
    client.anchor(root, BATCH_REVOCATIONS)
    client.revoke(random_hash(), root, 1)
    client.register_key(ed25519_spki(), ED25519)

    gas: dict[str, int] = {}
    gas["anchor"] = int(client.anchor(random_hash(), BATCH_REVOCATIONS)["gasUsed"])
    gas["revoke"] = int(client.revoke(random_hash(), root, 1)["gasUsed"])
    digest = random_hash()
    gas["suspend"] = int(client.suspend(digest, root, 10)["gasUsed"])
    gas["reinstate"] = int(client.reinstate(digest, root, 13)["gasUsed"])
    digests = [random_hash() for _ in range(BATCH_REVOCATIONS)]
    batch = int(client.revoke_batch(digests, [root] * len(digests), 3)["gasUsed"])
    gas["revokeBatch_per_certificate"] = batch // len(digests)
    for name, spki, algorithm in (
        ("registerKey_ed25519", ed25519_spki(), ED25519),
        ("registerKey_p256", p256_spki(), P256),
    ):
        receipt = sender.send(client.address, client.calldata("registerKey", spki, algorithm))
        gas[name] = int(receipt["gasUsed"])
    return gas


def anchor_rate(client: HurenLedgerClient, count: int, *, pipelined: bool) -> float:
    """Anchors per second through the Python sender: ``count`` anchors one ``send`` after
    another, or all through the pipelined ``send_many``. Checks every root landed."""
    sender = _sender(client)
    roots = [random_hash() for _ in range(count)]
    start = time.perf_counter()
    if pipelined:
        calls = [TxRequest(client.address, client.calldata("anchor", r, 1)) for r in roots]
        sender.send_many(calls)
    else:
        for root in roots:
            client.anchor(root, 1)
    elapsed = time.perf_counter() - start
    if any(found is None for found in client.anchors_of(roots)):
        raise AssertionError("an anchor sent through the sender is missing on chain")
    return count / elapsed


def median(values: Sequence[float]) -> float:
    """The median of a round's measurements."""
    return float(statistics.median(values))
