"""The node as a witness of the ledger's chain: it signs checkpoints and cosigns its peers'.

**Its own checkpoints** (:meth:`Witness.run_once`, every ``witness_interval`` seconds in a
thread of its own): the newest block that is final for this node (``confirmations`` blocks on
top, the rule its receipts follow) is read from its own chain endpoint, signed with the
province's current signing key (only when the chain's record of that key makes the signature
count at the block's time, checked with :func:`ledger.witness.verify_cosignature` like anyone
else's), stored, and sent to every other member province's node, found at the endpoint its
province registered on chain, to cosign. A cosignature is checked against the peer's key on
chain before it is stored. A peer that refuses with its own signed view of that height gives
evidence of a fork or a lie on one side: its signed statement is kept.

**Peers' checkpoints** (:meth:`Witness.cosign`, ``POST /witness/cosign``): the request's own
signature is its credential: it must count on chain, for a member province (401, 403 otherwise).
The block must be final on this node's chain (425 ``witness_not_final`` otherwise). This node's
view of that height (the checkpoint it already signed there, else what its chain endpoint says)
must equal the request's; else the requester's signed statement is kept as evidence and the
refusal (409 ``witness_mismatch``) carries this node's own signed view. Only then does it sign.

**One block per height**: a witness never signs two different checkpoints at one height. Once it
signed a height, that checkpoint is its view of it; a reorganisation of its chain below a signed
height shows as a mismatch, which is what it is.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from web3 import Web3

from ledger.chain import RpcClient
from ledger.contract import HurenLedgerClient
from ledger.exceptions import WitnessRefusedError, WitnessSignatureError, WitnessSourceError
from ledger.types import Address, SigningKeyRecord
from ledger.witness import (
    Checkpoint,
    Cosignature,
    SignedCheckpoint,
    read_checkpoints,
    sign_checkpoint,
    verify_cosignature,
)
from ledger.witness_api import SignedCheckpointModel, WitnessClient
from province_nodes.chain import ChainGateway, chain_errors
from province_nodes.exceptions import (
    AccessDeniedError,
    AuthenticationError,
    ChainUnavailableError,
    NodeConflictError,
    StoreIntegrityError,
    StoreUnavailableError,
    TooEarlyError,
    WitnessMismatchError,
)
from province_nodes.keys import KeyRing
from province_nodes.witness_store import WitnessStore

__all__ = ["Witness"]

log = logging.getLogger(__name__)


class Witness:
    """One province node's witness: its checkpoints, its peers' cosignatures, its evidence.

    Args:
        engine: the node's store, which holds the witness tables.
        chain: the node's way to its chain endpoint.
        keys: the node's signing keys (the active one signs).
        province: this node's province.
        confirmations: blocks on top of a block before it is final here.
        client: how peers are reached.
    """

    def __init__(
        self,
        engine: Engine,
        chain: ChainGateway,
        keys: KeyRing,
        province: int,
        *,
        confirmations: int,
        client: WitnessClient,
    ) -> None:
        self.chain = chain
        self.keys = keys
        self.province = province
        self.confirmations = confirmations
        self.client = client
        self.ledger: tuple[int, Address] = (
            chain.chain_id,
            Web3.to_checksum_address(chain.deployment.address),
        )
        self.store = WitnessStore(engine, self.ledger)
        self._signing = threading.Lock()
        self._rpc_lock = threading.Lock()
        self._rpc: tuple[Web3, RpcClient] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the loop ------------------------------------------------------------------------------

    def start(self, interval: float) -> None:
        """Make a checkpoint every ``interval`` seconds (the first after one interval) in a
        daemon thread, until :meth:`stop`."""
        self._stop = threading.Event()  # a fresh one: a thread of an earlier start keeps its own
        self._thread = threading.Thread(
            target=self._loop,
            args=(interval, self._stop),
            name=f"witness-{self.province}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop after its current pass."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self, interval: float, stop: threading.Event) -> None:
        while not stop.wait(interval):
            try:
                self.run_once()
            except (ChainUnavailableError, StoreUnavailableError) as error:
                self.chain.reset()
                log.warning("witness pass skipped: %s", error)
            except Exception:  # the loop must outlive any one failure; it is logged in full
                log.exception("witness pass failed")

    # --- own checkpoints -----------------------------------------------------------------------

    def run_once(self) -> SignedCheckpoint | None:
        """Sign the newest final block if this node has not signed it yet, then ask every
        member that has not cosigned this node's newest checkpoint to cosign it.

        Returns that checkpoint with every signature stored for it (None if there is none).

        Raises:
            ChainUnavailableError: the chain cannot be read.
        """
        ledger = self.chain.client()
        final = self._final(ledger)
        newest = self.store.latest(signed_by=self.province)
        first = self.chain.deployment.block_number
        if final >= first and (newest is None or final > newest.checkpoint.block_number):
            newest = self._sign(ledger, self._view(ledger, final)) or newest
        if newest is None or not self._signed_here(newest):
            return None
        self._collect(ledger, newest, self._peers(ledger))
        return self.store.at(newest.checkpoint.block_number)

    def _collect(
        self, ledger: HurenLedgerClient, signed: SignedCheckpoint, peers: dict[int, str]
    ) -> None:
        """Ask each peer that has not signed ``signed`` to cosign it; keep what it answers.

        A peer whose chain has not finalised that block yet (it may wait for more confirmations
        than this node) is asked once more, for this node's newest checkpoint that is final
        there, if it has not signed that one either.
        """
        for code, endpoint in peers.items():
            if self._stop.is_set():
                return  # the node is stopping: the next start asks again
            candidate: SignedCheckpoint | None = signed
            for _attempt in (1, 2):
                if candidate is None or code in {s.province for s in candidate.signatures}:
                    break
                final = self._ask(ledger, code, endpoint, candidate)
                candidate = (
                    None
                    if final is None or final >= candidate.checkpoint.block_number
                    else self.store.latest(signed_by=self.province, at_most=final)
                )

    def _ask(
        self, ledger: HurenLedgerClient, code: int, endpoint: str, signed: SignedCheckpoint
    ) -> int | None:
        """Ask province ``code``'s node to cosign ``signed`` and keep a cosignature that counts;
        returns the peer's final block when it answered that this one is not final there."""
        checkpoint = signed.checkpoint
        ours = next(s for s in signed.signatures if s.province == self.province)
        try:
            theirs = self.client.cosign(endpoint, checkpoint, ours)
        except WitnessRefusedError as refusal:
            self._refused(ledger, code, checkpoint, refusal)
            final = refusal.detail.get("final_block") if isinstance(refusal.detail, dict) else None
            return final if refusal.code == "witness_not_final" and isinstance(final, int) else None
        except WitnessSourceError as error:
            log.info("%s did not cosign block %d: %s", code, checkpoint.block_number, error)
            return None
        if self._counts(ledger, checkpoint, theirs, code):
            with self._signing:
                self.store.record(checkpoint, [theirs])
        return None

    def _refused(
        self,
        ledger: HurenLedgerClient,
        code: int,
        checkpoint: Checkpoint,
        refusal: WitnessRefusedError,
    ) -> None:
        """Log a refusal; keep a mismatch's signed view as evidence when its signature counts."""
        if refusal.code != "witness_mismatch":
            log.info("%s refused to cosign block %d: %s", code, checkpoint.block_number, refusal)
            return
        log.warning(
            "%s's chain contradicts this node's block %d (a fork or a lie on one side): %s",
            code,
            checkpoint.block_number,
            refusal,
        )
        view = _signed_view(refusal.detail)
        if view is None or view.checkpoint.block_number != checkpoint.block_number:
            return
        if view.checkpoint == checkpoint:
            return
        for signature in view.signatures:
            if self._counts(ledger, view.checkpoint, signature, code):
                self._keep_evidence(view.checkpoint, signature)

    def _counts(
        self, ledger: HurenLedgerClient, checkpoint: Checkpoint, signature: Cosignature, code: int
    ) -> bool:
        """Whether ``signature`` counts as province ``code``'s signature of ``checkpoint``."""
        if signature.province != code:
            log.warning("the node of %s answered with a signature of %s", code, signature.province)
            return False
        try:
            verify_cosignature(checkpoint, signature, self._key(ledger, signature.key_id))
        except WitnessSignatureError as error:
            log.warning(
                "%s's signature of block %d does not count: %s",
                code,
                checkpoint.block_number,
                error,
            )
            return False
        return True

    # --- peers' checkpoints --------------------------------------------------------------------

    def cosign(self, checkpoint: Checkpoint, signature: Cosignature) -> Cosignature:
        """This node's signature of a peer's ``checkpoint``, which ``signature`` signs.

        Raises:
            NodeConflictError: ``witness_other_ledger`` (not this node's ledger),
                ``witness_cannot_sign`` (this node's key does not count at that block's time).
            AuthenticationError: the requester's signature does not count on chain.
            AccessDeniedError: ``witness_not_member``: its province is not a member.
            TooEarlyError: ``witness_not_final``: the block is not final on this node's chain.
            WitnessMismatchError: this node's chain holds another block at that height.
            ChainUnavailableError: the chain cannot be read.
        """
        chain_id, contract = self.ledger
        if checkpoint.chain_id != chain_id or checkpoint.contract != contract:
            raise NodeConflictError(
                f"this node witnesses the ledger {contract} on chain {chain_id}, not "
                f"{checkpoint.contract} on chain {checkpoint.chain_id}",
                code="witness_other_ledger",
                detail={"chain_id": chain_id, "contract": contract},
            )
        ledger = self.chain.client()
        self._authenticate(ledger, checkpoint, signature)
        final = self._final(ledger)
        if checkpoint.block_number > final:
            raise TooEarlyError(
                f"block {checkpoint.block_number} is not final on this node's chain yet "
                f"(final: {final}); ask again later",
                code="witness_not_final",
                detail={"final_block": final},
            )
        with self._signing:
            stored = self.store.at(checkpoint.block_number)
            view = stored.checkpoint if stored else self._view(ledger, checkpoint.block_number)
            if view != checkpoint:
                self._keep_evidence(checkpoint, signature)
                raise self._mismatch(ledger, view)
            mine = self._own_signature(ledger, checkpoint)
            if mine is None:
                raise NodeConflictError(
                    f"none of this node's signing keys counts at block "
                    f"{checkpoint.block_number}'s time (registered later, or not yet)",
                    code="witness_cannot_sign",
                )
            self.store.record(checkpoint, [signature, mine])
        return mine

    def _authenticate(
        self, ledger: HurenLedgerClient, checkpoint: Checkpoint, signature: Cosignature
    ) -> None:
        """The request's signature must count on chain for a member province."""
        try:
            verify_cosignature(checkpoint, signature, self._key(ledger, signature.key_id))
        except WitnessSignatureError as error:
            raise AuthenticationError(
                f"the checkpoint's signature does not count: {error}",
                code=f"witness_{error.reason}",
            ) from None
        with chain_errors("read the requester's membership"):
            member = ledger.province(signature.province)
        if member is None or not member.member:
            raise AccessDeniedError(
                f"{signature.province} is not a member province; only members witness",
                code="witness_not_member",
            )

    def _mismatch(self, ledger: HurenLedgerClient, view: Checkpoint) -> WitnessMismatchError:
        """The refusal of a contradicted checkpoint, carrying this node's own signed view."""
        signed = self._sign_locked(ledger, view)
        return WitnessMismatchError(
            f"this node's chain holds block {view.block_number} with hash "
            f"0x{view.block_hash.hex()} and state root 0x{view.state_root.hex()}; the "
            "checkpoint contradicts it (a fork of the chain, or a lie on one side)",
            detail=None if signed is None else SignedCheckpointModel.of(signed).model_dump(),
        )

    # --- signing -------------------------------------------------------------------------------

    def _sign(self, ledger: HurenLedgerClient, checkpoint: Checkpoint) -> SignedCheckpoint | None:
        with self._signing:
            return self._sign_locked(ledger, checkpoint)

    def _sign_locked(
        self, ledger: HurenLedgerClient, checkpoint: Checkpoint
    ) -> SignedCheckpoint | None:
        """``checkpoint`` as stored with this node's signature (added if missing); None when
        another checkpoint is stored at its height, or this node's key does not count there."""
        stored = self.store.at(checkpoint.block_number)
        if stored is not None and stored.checkpoint != checkpoint:
            log.error(
                "the chain endpoint now shows another block %d than the one this node signed "
                "(a reorganisation, or a lying endpoint); keeping the signed one",
                checkpoint.block_number,
            )
            return None
        if stored is not None and self._signed_here(stored):
            return stored
        mine = self._own_signature(ledger, checkpoint)
        if mine is None:
            return stored
        try:
            self.store.record(checkpoint, [mine])
        except StoreIntegrityError:
            return None
        return self.store.at(checkpoint.block_number)

    def _own_signature(
        self, ledger: HurenLedgerClient, checkpoint: Checkpoint
    ) -> Cosignature | None:
        """This node's signature of ``checkpoint`` with the first of its keys (the active one
        first) whose chain record makes it count at the block's time."""
        problems = []
        for key in self.keys.every_key():
            mine = sign_checkpoint(checkpoint, self.province, key)
            try:
                verify_cosignature(checkpoint, mine, self._key(ledger, key.key_id))
            except WitnessSignatureError as error:
                problems.append(str(error))
                continue
            return mine
        log.warning("cannot witness block %d: %s", checkpoint.block_number, "; ".join(problems))
        return None

    def _signed_here(self, signed: SignedCheckpoint) -> bool:
        return any(s.province == self.province for s in signed.signatures)

    def _keep_evidence(self, checkpoint: Checkpoint, signature: Cosignature) -> None:
        statement = checkpoint.statement(signature.province, signature.key_id)
        self.store.record_conflict(statement, signature.signature, checkpoint.block_number)

    # --- the chain (each read turns a transport failure into ChainUnavailableError) ---------------

    def _final(self, ledger: HurenLedgerClient) -> int:
        """The newest block final for this node."""
        with chain_errors("read the chain's head"):
            return ledger.block_number() - self.confirmations

    def _key(self, ledger: HurenLedgerClient, key_id: bytes) -> SigningKeyRecord | None:
        """The chain's record of a signing key (now)."""
        with chain_errors("read a signing key"):
            return ledger.signing_key(key_id)

    def _view(self, ledger: HurenLedgerClient, block_number: int) -> Checkpoint:
        """What this node's chain endpoint says block ``block_number`` is."""
        with self._rpc_lock:
            if self._rpc is None or self._rpc[0] is not ledger.w3:
                self._rpc = (ledger.w3, RpcClient.for_web3(ledger.w3))
            rpc = self._rpc[1]
        chain_id, contract = self.ledger
        with chain_errors(f"read block {block_number}"):
            return read_checkpoints(rpc, chain_id, contract, [block_number])[0]

    def _peers(self, ledger: HurenLedgerClient) -> dict[int, str]:
        """The other member provinces' node endpoints, as registered on chain."""
        peers = {}
        with chain_errors("read the members' endpoints"):
            for code in ledger.members():
                record = ledger.province(code)
                if code != self.province and record is not None and record.endpoint:
                    peers[code] = record.endpoint
        return peers


def _signed_view(detail: Any) -> SignedCheckpoint | None:
    """The signed checkpoint a peer's refusal carries, if it carries one in the wire form."""
    try:
        return SignedCheckpointModel.model_validate(detail).to_signed()
    except (ValidationError, ValueError):
        return None
