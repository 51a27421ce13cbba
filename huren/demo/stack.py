"""The demo's running system: the embedded chain, three province nodes and one agency service.

:class:`Stack` starts them in order and stops them in reverse order (agency, nodes, chain), on
success, on error and on Ctrl-C alike. Discovery stays true to production: the agency finds a
province's node through the endpoint registered on chain, so when a development port
(8310/8320/8330) is taken the node listens elsewhere and its province updates its on-chain
endpoint from its own account (``setEndpoint``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine
from web3 import Web3

from huren.demo.exceptions import DemoSetupError
from huren.demo.home import DemoHome
from huren.demo.services import Service, free_port
from ledger.anvil import LocalChain
from ledger.chain import connect
from ledger.cli import start_dev_chain
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES, DevProvince
from ledger.exceptions import LedgerError
from ledger.sender import TransactionSender
from province_nodes.auth import authenticate, create_credential
from province_nodes.db import make_engine, migrate
from province_nodes.exceptions import AuthenticationError
from province_nodes.types import Role
from verifier.service.clerks import authenticate as authenticate_clerk
from verifier.service.clerks import create_clerk
from verifier.service.db import make_engine as make_agency_engine
from verifier.service.db import migrate as migrate_agency
from verifier.service.exceptions import AuthenticationError as ClerkAuthenticationError

__all__ = ["AGENCY", "AgencyInfo", "NodeInfo", "Stack"]

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    """The receiving agency of the story: who it is, in which province."""

    id: str
    name: str
    province: int


AGENCY = AgencyInfo("sh-rsj", "上海市人力资源和社会保障局", 310000)
"""Shanghai's human-resources bureau: it settles talent from other provinces (人才引进落户)."""

WITNESS_INTERVAL = 1.0
"""Seconds between each node's witnessed checkpoints: short, so the story sees them cosigned."""

AGENCY_READS_FROM = (330000,)
"""The provinces whose nodes hold a credential for the agency (the story reads from Zhejiang)."""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A running province node: where it listens and the credentials the demo holds for it."""

    province: DevProvince
    url: str
    tokens: dict[str, str]


@dataclass
class Stack:
    """Everything the demo runs. Use as a context manager: leaving it stops it all."""

    home: DemoHome
    batch_size: int
    batch_interval: float = 0.5
    chain: LocalChain | None = None
    deployment: Deployment | None = None
    reused_deployment: bool = False
    endpoint_updates: list[str] = field(default_factory=list)
    nodes: dict[int, NodeInfo] = field(default_factory=dict)
    agency_url: str = ""
    clerk_token: str = ""
    _services: list[Service] = field(default_factory=list)

    # --- start -----------------------------------------------------------------------------------

    def start_chain(self) -> Web3:
        """Start anvil with its state in the home folder and make sure the ledger is deployed.

        A new deployment (first run, or a chain state that was lost) makes the stores of an
        earlier run meaningless, so they are removed.
        """
        earlier = _load_record(self.home.deployment_file)
        try:
            self.chain, self.deployment = start_dev_chain(self.home.root, None)
        except LedgerError as error:
            raise DemoSetupError(f"the embedded chain did not start: {error}") from error
        self.reused_deployment = earlier == self.deployment
        if not self.reused_deployment:
            for stale in [*self.home.root.glob("node-*"), self.home.root / "agency"]:
                shutil.rmtree(stale, ignore_errors=True)
        return connect(self.chain.url)

    def place_nodes(self, w3: Web3) -> dict[int, str]:
        """Choose each node's URL and make the on-chain registry name it."""
        assert self.deployment is not None
        reader = HurenLedgerClient(w3, self.deployment.address)
        taken: set[int] = set()
        urls: dict[int, str] = {}
        for province in DEV_PROVINCES:
            port = free_port(urlsplit(province.endpoint).port or 0, taken)
            taken.add(port)
            url = urls[province.code] = f"http://127.0.0.1:{port}"
            record = reader.province(province.code)
            if record is not None and record.endpoint != url:
                writer = HurenLedgerClient(
                    w3,
                    self.deployment.address,
                    TransactionSender(w3, province.account.private_key),
                )
                writer.set_endpoint(url)
                self.endpoint_updates.append(f"{province.code}: {record.endpoint} → {url}")
        return urls

    def start_services(self, urls: dict[int, str]) -> None:
        """Start the three province nodes and the agency service, all at once, and wait until
        each answers (they start in parallel: each is a Python process importing a lot)."""
        assert self.chain is not None
        started: list[tuple[Service, NodeInfo]] = []
        for province in DEV_PROVINCES:
            code = province.code
            tokens = self._node_credentials(code)
            key_file, passphrase = self.home.signing_key(code)
            port = urlsplit(urls[code]).port
            service = Service(
                f"node of {province.name} ({code})",
                [
                    sys.executable,
                    "-m",
                    "huren",
                    "node",
                    "serve",
                    "--province",
                    str(code),
                    "--port",
                    str(port),
                ],
                env=_python_env()
                | {
                    "HUREN_NODE_MODE": "production",
                    "HUREN_NODE_DATA_DIR": str(self.home.node_dir(code)),
                    "HUREN_NODE_DATABASE_URL": self.home.node_database_url(code),
                    "HUREN_NODE_RPC_URL": self.chain.url,
                    "HUREN_NODE_DEPLOYMENT_FILE": str(self.home.deployment_file),
                    "HUREN_NODE_CHAIN_KEY": province.account.private_key,
                    "HUREN_NODE_SIGNING_KEY_FILE": str(key_file),
                    "HUREN_NODE_SIGNING_KEY_PASSPHRASE": passphrase,
                    "HUREN_NODE_MASTER_KEY": self.home.master_key(code),
                    "HUREN_NODE_BATCH_SIZE": str(self.batch_size),
                    "HUREN_NODE_BATCH_INTERVAL": str(self.batch_interval),
                    "HUREN_NODE_LOG_ANCHOR_INTERVAL": "1.0",
                    "HUREN_NODE_WITNESS_INTERVAL": str(WITNESS_INTERVAL),
                },
                log_file=self.home.log_file(f"node-{code}"),
                url=urls[code],
                ready_path="/health",
                cwd=self.home.root,
            )
            self._services.append(service)
            service.start()
            started.append((service, NodeInfo(province, urls[code], tokens)))
        agency = self._agency_service(urls)
        for service, info in started:
            service.wait_ready()
            self.nodes[info.province.code] = info
        agency.wait_ready()

    def _node_credentials(self, code: int) -> dict[str, str]:
        """Operator, holder-portal and auditor tokens of a node (minted once, kept in secrets)."""
        engine = make_engine(self.home.node_database_url(code))
        try:
            migrate(engine)
            return {
                role.value: self._credential(engine, f"token.{code}.{role.value}", role)
                for role in (Role.OPERATOR, Role.PORTAL, Role.AUDITOR)
            }
        finally:
            engine.dispose()

    def _credential(
        self, engine: Engine, name: str, role: Role, agency_id: str | None = None
    ) -> str:
        token = self.home.secret(name)
        if token is not None:
            try:
                authenticate(engine, f"Bearer {token}")
                return token
            except AuthenticationError:
                pass  # the store was reset: mint a new one
        minted = create_credential(engine, role, agency_id=agency_id, label="huren demo")
        return self.home.remember(name, minted)

    def _agency_service(self, urls: dict[int, str]) -> Service:
        """Start the Shanghai agency's verification service (``huren agency serve``) with one
        clerk.

        Its credential at the issuing node is minted offline by that node's operator (as
        ``huren node token create`` does); a credential is not tied to the agency's
        registration, which the story does through the node's API before the first request.
        """
        assert self.chain is not None
        node_tokens = {code: self._agency_credential(code) for code in AGENCY_READS_FROM}
        self.clerk_token = self._clerk_token()
        port = free_port(8300, {urlsplit(url).port or 0 for url in urls.values()})
        self.agency_url = f"http://127.0.0.1:{port}"
        service = Service(
            f"agency service of {AGENCY.name} ({AGENCY.id})",
            [sys.executable, "-m", "huren", "agency", "serve", "--port", str(port)],
            env=_python_env()
            | {
                "HUREN_AGENCY_AGENCY_ID": AGENCY.id,
                "HUREN_AGENCY_MODE": "production",
                "HUREN_AGENCY_RPC_URL": self.chain.url,
                "HUREN_AGENCY_DEPLOYMENT_FILE": str(self.home.deployment_file),
                "HUREN_AGENCY_DATABASE_URL": self.home.agency_database_url,
                "HUREN_AGENCY_NODE_TOKENS": json.dumps({str(k): v for k, v in node_tokens.items()}),
            },
            log_file=self.home.log_file("agency"),
            url=self.agency_url,
            ready_path="/openapi.json",
            cwd=self.home.root,
        )
        self._services.append(service)
        service.start()
        return service

    def _clerk_token(self) -> str:
        """The demo clerk's token (created once in the agency's store, as ``huren agency clerk
        create`` does, and kept in secrets)."""
        engine = make_agency_engine(self.home.agency_database_url)
        try:
            migrate_agency(engine)
            token = self.home.secret("token.agency.clerk")
            if token is not None:
                try:
                    authenticate_clerk(engine, f"Bearer {token}", dev=False)
                    return token
                except ClerkAuthenticationError:
                    pass  # the store was reset: create the clerk again
            _, token = create_clerk(engine, "演示窗口 (huren demo)")
            return self.home.remember("token.agency.clerk", token)
        finally:
            engine.dispose()

    def _agency_credential(self, code: int) -> str:
        engine = make_engine(self.home.node_database_url(code))
        try:
            return self._credential(engine, f"token.{code}.{AGENCY.id}", Role.AGENCY, AGENCY.id)
        finally:
            engine.dispose()

    # --- stop ------------------------------------------------------------------------------------

    def check_running(self) -> None:
        """Raise if a service has died (while the demo waits with ``--keep-running``)."""
        for service in self._services:
            if not service.running:
                raise DemoSetupError(f"the {service.name} stopped{service.tail()}")

    def stop(self) -> None:
        """Stop the agency, then the nodes, then the chain (which writes its state file)."""
        services, self._services = self._services, []
        for service in reversed(services):
            service.stop()
        if self.chain is not None:
            chain, self.chain = self.chain, None
            chain.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _python_env() -> dict[str, str]:
    """Child processes import this very checkout, installed or not."""
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": str(_PROJECT_ROOT) + (os.pathsep + path if path else "")}


def _load_record(path: Path) -> Deployment | None:
    """The deployment record of an earlier run, if there is a readable one."""
    try:
        return Deployment.load(path)
    except LedgerError:
        return None
