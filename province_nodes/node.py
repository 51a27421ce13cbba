"""One province node's services, wired from its settings; the app holds one per province.

Nothing is global: two :class:`ProvinceNode` objects in one process have separate engines, keys,
batchers and access logs, which is how the tests run Shanghai and Zhejiang side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from web3 import Web3

from ledger.chain import connect
from ledger.deploy import Deployment
from ledger.witness_api import WitnessClient
from province_nodes.access_log import AccessLog
from province_nodes.batcher import Batcher, BatcherConfig, CrashPoint, no_crash
from province_nodes.chain import ChainGateway
from province_nodes.consents import ConsentSigner
from province_nodes.db import make_engine, migrate
from province_nodes.envelope import MasterKey
from province_nodes.exceptions import ChainUnavailableError, NodeConfigError
from province_nodes.issuance import Issuer
from province_nodes.keys import KeyRing
from province_nodes.settings import NodeSettings
from province_nodes.status import StatusService
from province_nodes.store_owner import claim_store
from province_nodes.witness import Witness

__all__ = ["ProvinceNode"]

log = logging.getLogger(__name__)


@dataclass
class ProvinceNode:
    """The services of one province node."""

    settings: NodeSettings
    connector: Callable[[str], Web3] = connect
    crash_point: CrashPoint = no_crash
    master: MasterKey = field(init=False)
    started: bool = field(default=False, init=False)
    """Whether :meth:`start` has run (the app's lifespan skips it then)."""

    def __post_init__(self) -> None:
        settings = self.settings
        self.master = settings.master()
        self.engine = make_engine(settings.resolved_database_url())
        try:
            deployment = Deployment.load(settings.deployment_file)
        except Exception as error:
            raise NodeConfigError(str(error)) from error
        chain_key = settings.chain_key.get_secret_value() if settings.chain_key else None
        self.chain = ChainGateway(
            settings.rpc_url,
            deployment,
            chain_key,
            confirmations=settings.confirmations,
            connector=self.connector,
        )
        self.keys = KeyRing(self.engine, self.master)
        self.issuer = Issuer(
            self.engine,
            self.master,
            self.keys,
            settings.province,
            workers=settings.sealing_workers,
        )
        self.access_log = AccessLog(self.engine)
        self.consents = ConsentSigner(self.master)
        self.status = StatusService(self.engine, self.chain, settings.province)
        self.batcher = Batcher(
            self.engine,
            self.chain,
            self.keys,
            self.access_log,
            BatcherConfig(
                province=settings.province,
                batch_size=settings.batch_size,
                batch_interval=settings.batch_interval,
                confirmations=settings.confirmations,
                retry_initial=settings.retry_initial,
                retry_max=settings.retry_max,
                log_anchor_interval=settings.log_anchor_interval,
            ),
            crash_point=self.crash_point,
        )
        self.witness = Witness(
            self.engine,
            self.chain,
            self.keys,
            settings.province,
            confirmations=settings.confirmations,
            client=WitnessClient(timeout=settings.witness_timeout),
        )

    @property
    def province(self) -> int:
        """The province this node serves."""
        return self.settings.province

    def start(self) -> None:
        """Migrate the store, check it is this province's, load keys, register them if the
        chain answers, start anchoring and witnessing. Once only: a second call does nothing."""
        if self.started:
            return
        migrate(self.engine)
        claim_store(self.engine, self.province, self.master)
        pem, passphrase = None, None
        if self.settings.signing_key_file is not None:
            try:
                pem = self.settings.signing_key_file.read_bytes()
            except OSError as error:
                raise NodeConfigError(f"cannot read the signing key file: {error}") from error
            if self.settings.signing_key_passphrase is not None:
                passphrase = self.settings.signing_key_passphrase.get_secret_value().encode()
        self.keys.load_or_create(pem, passphrase)
        self.issuer.pool.prepare(self.keys.active)
        try:
            self.keys.ensure_registered(self.chain)
        except ChainUnavailableError as error:
            log.warning("signing key not registered yet (chain down); will retry: %s", error)
        if self.settings.run_batcher:
            self.batcher.start()
        if self.settings.witness_interval > 0:
            self.witness.start(self.settings.witness_interval)
        self.started = True

    def stop(self) -> None:
        """Stop anchoring, witnessing and the sealing workers; close the store's connections."""
        self.batcher.stop()
        self.witness.stop()
        self.issuer.close()
        self.engine.dispose()
        self.started = False

    def holder_ref(self, id_type: str, id_number: str) -> bytes:
        """The keyed reference under which a holder's certificates are stored."""
        return self.issuer.row_maker.holder_ref(id_type, id_number)
