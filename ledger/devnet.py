"""The embedded development network: the Yangtze River Delta provinces on a local anvil.

Chain accounts come from anvil's well-known development mnemonic, so they are public knowledge:
this module is for development, demos and tests only. Account 0 deploys; accounts 1, 2, 3 act for
Shanghai, Jiangsu and Zhejiang; further accounts are free for tests (a province to add, an
outsider). Each province's node listens on 127.0.0.1:8<first three digits of its code>.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from ledger.anvil import DevAccount, dev_accounts
from ledger.deploy import Deployment, Founder, deploy_ledger
from ledger.sender import TransactionSender

__all__ = [
    "DEV_DEPLOYER_INDEX",
    "DEV_PROVINCES",
    "DEV_THRESHOLD",
    "DevProvince",
    "deploy_dev_ledger",
    "dev_founders",
]


@dataclass(frozen=True, slots=True)
class DevProvince:
    """A founding province of the development network."""

    code: int
    name: str
    account_index: int

    @property
    def account(self) -> DevAccount:
        """The province's chain account (its key is public: development only)."""
        return dev_accounts(self.account_index + 1)[self.account_index]

    @property
    def endpoint(self) -> str:
        """Where the province's node listens by default."""
        return f"http://127.0.0.1:8{str(self.code)[:3]}"


DEV_DEPLOYER_INDEX = 0
DEV_PROVINCES: tuple[DevProvince, ...] = (
    DevProvince(310000, "上海市 Shanghai", 1),
    DevProvince(320000, "江苏省 Jiangsu", 2),
    DevProvince(330000, "浙江省 Zhejiang", 3),
)
DEV_THRESHOLD = 2


def dev_founders() -> list[Founder]:
    """The founding members of the development network, ready for :func:`deploy_ledger`."""
    return [Founder(p.code, p.account.address, p.endpoint) for p in DEV_PROVINCES]


def deploy_dev_ledger(w3: Web3, threshold: int = DEV_THRESHOLD) -> Deployment:
    """Deploy a ledger with the development provinces as founders, from the deployer account."""
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    sender = TransactionSender(w3, deployer.private_key)
    return deploy_ledger(w3, sender, dev_founders(), threshold)
