"""A ledger history with every kind of event, built on a fresh deployment for the audit tests.

Founders Shanghai, Jiangsu, Zhejiang with threshold 2; then keys (Ed25519 and P-256, one retired,
one revoked as compromised), batch anchors, access-log heads, suspend/reinstate/revoke and
revokeBatch, and governance: Anhui added, the threshold raised to 3, Anhui's account replaced,
Zhejiang removed, the threshold lowered to 2, an endpoint changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3

from ledger.anvil import dev_accounts
from ledger.chain import RpcClient
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES
from ledger.sender import TransactionSender
from ledger.types import ProposalKind, StatusReason
from tests.ledger.contract_helpers import ed25519_spki, p256_spki, random_hash

SHANGHAI, JIANGSU, ZHEJIANG = (p.code for p in DEV_PROVINCES)
ANHUI = 340000
ANHUI_ACCOUNT_INDEX, ANHUI_NEW_ACCOUNT_INDEX = 5, 6


def advance(w3: Web3, seconds: int) -> None:
    """Let ``seconds`` of block time pass before the next block (anvil's ``evm_increaseTime``),
    so point-in-time questions have distinct times to ask about."""
    RpcClient.for_web3(w3).call("evm_increaseTime", [seconds])


@dataclass
class History:
    """The deployment and the names of what was written to it."""

    w3: Web3
    deployment: Deployment
    clients: dict[int, HurenLedgerClient]
    roots: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)
    keys: dict[str, bytes] = field(default_factory=dict)

    def client(self, code: int) -> HurenLedgerClient:
        """The client writing as province ``code``."""
        return self.clients[code]


def client_for(w3: Web3, deployment: Deployment, account_index: int) -> HurenLedgerClient:
    """A client writing through dev account ``account_index``."""
    account = dev_accounts(account_index + 1)[account_index]
    return HurenLedgerClient(w3, deployment.address, TransactionSender(w3, account.private_key))


def build_history(w3: Web3, deployment: Deployment) -> History:
    """Write the history described in the module docstring to ``deployment``."""
    clients = {p.code: client_for(w3, deployment, p.account_index) for p in DEV_PROVINCES}
    h = History(w3, deployment, clients)
    sh, js, zj = clients[SHANGHAI], clients[JIANGSU], clients[ZHEJIANG]

    h.keys["sh_ed"] = sh.register_key(ed25519_spki(), 1)
    h.keys["sh_p256"] = sh.register_key(p256_spki(), 2)
    h.keys["js_ed"] = js.register_key(ed25519_spki(), 1)
    sh.retire_key(h.keys["sh_ed"])

    for name, client, count in (("sh1", sh, 3), ("sh2", sh, 5), ("js1", js, 2), ("zj1", zj, 4)):
        h.roots[name] = random_hash()
        client.anchor(h.roots[name], count)
    js_key = js.signing_key(h.keys["js_ed"])
    assert js_key is not None
    js.revoke_key(h.keys["js_ed"], js_key.valid_from)

    advance(w3, 100)
    sh.anchor_access_log(random_hash(), 5)
    sh.anchor_access_log(random_hash(), 8)
    js.anchor_access_log(random_hash(), 1)

    for name in ("suspended", "reinstated", "revoked", "batch1", "batch2", "js_suspended"):
        h.digests[name] = random_hash()
    d, r = h.digests, h.roots
    sh.suspend(d["suspended"], r["sh1"], StatusReason.UNDER_INVESTIGATION)
    advance(w3, 100)
    sh.suspend(d["reinstated"], r["sh1"], StatusReason.UNDER_INVESTIGATION)
    sh.reinstate(d["reinstated"], r["sh1"], StatusReason.INVESTIGATION_CLEARED)
    sh.revoke(d["revoked"], r["sh2"], StatusReason.FRAUD)
    sh.revoke_batch([d["batch1"], d["batch2"]], [r["sh2"], r["sh2"]], StatusReason.SUPERSEDED)
    js.suspend(d["js_suspended"], r["js1"], StatusReason.COURT_ORDER)

    anhui_account = dev_accounts(ANHUI_ACCOUNT_INDEX + 1)[ANHUI_ACCOUNT_INDEX].address
    add = sh.propose(
        ProposalKind.ADD_MEMBER, code=ANHUI, account=anhui_account, endpoint="http://127.0.0.1:8340"
    )
    js.approve(add)
    raise_threshold = zj.propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)
    sh.approve(raise_threshold)
    ah = client_for(w3, deployment, ANHUI_ACCOUNT_INDEX)
    new_account = dev_accounts(ANHUI_NEW_ACCOUNT_INDEX + 1)[ANHUI_NEW_ACCOUNT_INDEX].address
    replace = ah.propose(ProposalKind.REPLACE_ACCOUNT, code=ANHUI, account=new_account)
    sh.approve(replace)
    js.approve(replace)
    ah = client_for(w3, deployment, ANHUI_NEW_ACCOUNT_INDEX)
    clients[ANHUI] = ah
    remove = sh.propose(ProposalKind.REMOVE_MEMBER, code=ZHEJIANG)
    zj.approve(remove)  # Zhejiang votes for its own removal
    ah.approve(remove)
    lower = js.propose(ProposalKind.CHANGE_THRESHOLD, threshold=2)
    ah.approve(lower)
    sh.approve(lower)
    sh.set_endpoint("http://127.0.0.1:9310")
    h.roots["ah1"] = random_hash()
    ah.anchor(h.roots["ah1"], 7)
    h.keys["ah_ed"] = ah.register_key(ed25519_spki(), 1)
    h.digests["ah_revoked"] = random_hash()
    ah.revoke(h.digests["ah_revoked"], h.roots["ah1"], StatusReason.HOLDER_DECEASED)
    return h
