"""The province's signing keys: kept encrypted in the store, registered on chain, rotated.

Exactly one key is *active* (new certificates are signed with it). Private keys are stored as
encrypted PKCS#8 inside an envelope under the master key, with the key id as associated data.

Rotation keeps old certificates verifiable: a verifier accepts a signature if the key was active
on chain when the certificate's batch was anchored. So the order is: register the new key on
chain, switch issuance to it, anchor everything still queued (signed by the old key, anchored
while the old key is still open), and only then retire the old key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, func
from sqlmodel import col, select

from certificate.signing import SigningKey
from certificate.types import SignatureAlgorithm
from province_nodes.chain import ChainGateway, chain_errors
from province_nodes.db import unit_of_work
from province_nodes.envelope import MasterKey, open_envelope, seal_envelope
from province_nodes.exceptions import NodeConfigError
from province_nodes.models import BatchRow, SigningKeyRow

__all__ = ["KeyRing"]


class KeyRing:
    """The node's signing keys. ``issuing`` is held while a certificate is signed and stored,
    so a rotation switches keys between issuances, never during one."""

    def __init__(self, engine: Engine, master: MasterKey) -> None:
        self.engine = engine
        self._master = master
        self._passphrase = master.derive(b"signing-key-pem")
        self._active: SigningKey | None = None
        self._loaded: dict[bytes, SigningKey] = {}
        self.issuing = threading.Lock()

    def _store(self, key: SigningKey, *, active: bool) -> None:
        pem = key.to_pem(self._passphrase)
        with unit_of_work(self.engine) as session:
            session.add(
                SigningKeyRow(
                    key_id=key.key_id,
                    algorithm=int(key.algorithm),
                    public_key=key.spki_der,
                    private_envelope=seal_envelope(self._master, key.key_id.hex(), pem),
                    created_at=int(time.time()),
                    active=active,
                )
            )

    def _load(self, row: SigningKeyRow) -> SigningKey:
        pem = open_envelope(self._master, row.key_id.hex(), row.private_envelope)
        return SigningKey.from_pem(pem, self._passphrase)

    def load_or_create(self, pem: bytes | None = None, passphrase: bytes | None = None) -> None:
        """Load the active key; on first start import ``pem`` (or generate an Ed25519 key)."""
        with unit_of_work(self.engine) as session:
            row = session.exec(select(SigningKeyRow).where(col(SigningKeyRow.active))).first()
        if row is not None:
            self._active = self._load(row)
            return
        if pem is not None:
            if not passphrase:
                raise NodeConfigError(
                    "the signing key file needs HUREN_NODE_SIGNING_KEY_PASSPHRASE"
                )
            key = SigningKey.from_pem(pem, passphrase)
        else:
            key = SigningKey.generate(SignatureAlgorithm.ED25519)
        self._store(key, active=True)
        self._active = key

    @property
    def active(self) -> SigningKey:
        """The key new certificates are signed with."""
        if self._active is None:
            raise NodeConfigError("no signing key loaded; call load_or_create() first")
        return self._active

    def every_key(self) -> list[SigningKey]:
        """Every key this province holds, the active one first, then the newest first: the
        witness signs a block with whichever of them was valid at the block's time (a block
        from before a rotation is signed with the key retired since)."""
        with unit_of_work(self.engine) as session:
            rows = list(
                session.exec(select(SigningKeyRow).order_by(col(SigningKeyRow.created_at).desc()))
            )
        keys = [self.active]
        for row in rows:
            if row.key_id == self.active.key_id:
                continue
            if row.key_id not in self._loaded:
                self._loaded[row.key_id] = self._load(row)
            keys.append(self._loaded[row.key_id])
        return keys

    def ensure_registered(self, chain: ChainGateway) -> int:
        """Register on chain every stored key not yet there; returns how many were registered.

        Asks the chain first, so a registration whose answer was lost is not sent twice.
        """
        with unit_of_work(self.engine) as session:
            pending = list(
                session.exec(select(SigningKeyRow).where(col(SigningKeyRow.registered).is_(False)))
            )
        registered = 0
        for row in pending:
            ledger = chain.client()
            with chain_errors("register the signing key"):
                if ledger.signing_key(row.key_id) is None:
                    ledger.register_key(row.public_key, row.algorithm)
                    registered += 1
            with unit_of_work(self.engine) as session:
                stored = session.get(SigningKeyRow, row.key_id)
                if stored is not None:
                    stored.registered = True
                    session.add(stored)
        return registered

    def _after_last_anchor(self) -> None:
        """Wait until the wall clock is past the second of the last anchor.

        Key windows are half-open in block time, ``[valid_from, valid_until)``: a retirement
        mined in the same second as the last anchor signed by the old key would leave that
        anchor outside the window. The next block's time is at least the current time, so one
        second past the last anchor is enough.
        """
        with unit_of_work(self.engine) as session:
            last = session.exec(select(func.max(BatchRow.anchored_at))).one()
        if last is not None:
            time.sleep(max(0.0, min(last + 1 - time.time(), 2.0)))

    def rotate(
        self,
        chain: ChainGateway,
        drain: Callable[[], None],
        algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519,
    ) -> SigningKey:
        """Replace the active key: register the new one, switch, drain the queue, retire the old.

        ``drain`` anchors every queued certificate (the batcher's ``flush``).
        """
        new = SigningKey.generate(algorithm)
        self._store(new, active=False)
        self.ensure_registered(chain)
        old = self.active
        with self.issuing:
            with unit_of_work(self.engine) as session:
                for row in session.exec(select(SigningKeyRow)):
                    row.active = row.key_id == new.key_id
                    session.add(row)
            self._active = new
        drain()
        self._after_last_anchor()
        ledger = chain.client()
        with chain_errors("retire the old signing key"):
            record = ledger.signing_key(old.key_id)
            if record is not None and record.valid_until is None:
                ledger.retire_key(old.key_id)
        with unit_of_work(self.engine) as session:
            stored = session.get(SigningKeyRow, old.key_id)
            if stored is not None:
                stored.retired_at = int(time.time())
                session.add(stored)
        return new
