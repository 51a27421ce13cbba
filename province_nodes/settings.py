"""Node settings from the environment (prefix ``HUREN_NODE_``) and an optional dotenv file.

One :class:`NodeSettings` describes one province's node; several can live in one process (tests
run two provinces side by side), so nothing here is read at import time. Outside ``dev`` mode a
missing master key, or the public development one, is refused before anything is opened.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from province_nodes.envelope import MasterKey
from province_nodes.exceptions import NodeConfigError

__all__ = ["DEV_MASTER_KEY", "NodeSettings"]

DEV_MASTER_KEY = base64.b64encode(hashlib.sha256(b"huren development master key").digest()).decode()
"""The development master key: public, so refused outside ``dev`` mode."""


class NodeSettings(BaseSettings):
    """Everything one province node needs; see the field descriptions."""

    model_config = SettingsConfigDict(env_prefix="HUREN_NODE_", extra="forbid", frozen=True)

    province: int = Field(description="GB/T 2260 code of the province this node serves")
    mode: Literal["dev", "production"] = Field(
        default="production", description="dev allows dev secrets"
    )
    data_dir: Path = Field(default=Path("data"), description="where the default SQLite file lives")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in data_dir"
    )
    rpc_url: str = Field(
        default="http://127.0.0.1:8545", description="JSON-RPC endpoint of the chain"
    )
    deployment_file: Path = Field(
        default=Path("deployment.json"), description="ledger deployment record"
    )
    chain_key: SecretStr | None = Field(
        default=None, description="private key of the province's account"
    )
    signing_key_file: Path | None = Field(
        default=None, description="PEM of the initial signing key"
    )
    signing_key_passphrase: SecretStr | None = Field(
        default=None, description="passphrase of that PEM"
    )
    master_key: SecretStr | None = Field(
        default=None, description="32 bytes, base64: wraps data keys"
    )
    batch_size: int = Field(
        default=1024, ge=1, le=65535, description="certificates per anchored batch"
    )
    batch_interval: float = Field(
        default=2.0, gt=0, description="seconds before a partial batch is sent"
    )
    confirmations: int = Field(
        default=0, ge=0, description="blocks on top before a receipt is written"
    )
    retry_initial: float = Field(
        default=0.5, gt=0, description="first backoff after a chain failure, s"
    )
    retry_max: float = Field(default=30.0, gt=0, description="cap of the exponential backoff, s")
    log_anchor_interval: float = Field(
        default=60.0, gt=0, description="seconds between log head anchors"
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="largest request body accepted"
    )
    max_bulk_bytes: int = Field(
        default=256 * 1_048_576, ge=1024, description="largest bulk body accepted"
    )
    max_bulk_items: int = Field(
        default=100_000, ge=1, description="most certificates one bulk request may hold"
    )
    run_batcher: bool = Field(default=True, description="start the anchoring thread with the app")
    witness_interval: float = Field(
        default=60.0,
        ge=0,
        description="seconds between the node's signed checkpoints of the chain, each sent to "
        "the other members' nodes to cosign; 0: none (peers' requests are still cosigned)",
    )
    witness_timeout: float = Field(
        default=10.0, gt=0, description="seconds to wait for a peer node's cosignature"
    )
    sealing_workers: int | None = Field(
        default=None,
        ge=1,
        description="processes sealing large bulk requests; unset: one per core; 1: in-process",
    )

    @field_validator("province")
    @classmethod
    def _province_level(cls, code: int) -> int:
        if not 110000 <= code <= 829999 or code % 10000:
            raise ValueError(f"{code} is not a province-level GB/T 2260 code (e.g. 330000)")
        return code

    def master(self) -> MasterKey:
        """The master key, refusing a missing or development key outside ``dev`` mode."""
        raw = self.master_key.get_secret_value() if self.master_key else None
        if raw is None or raw == DEV_MASTER_KEY:
            if self.mode != "dev":
                raise NodeConfigError(
                    "HUREN_NODE_MASTER_KEY is missing or is the public development key; set 32 "
                    "random bytes in base64 (python -c 'import os,base64;print(base64.b64encode("
                    "os.urandom(32)).decode())'), or HUREN_NODE_MODE=dev for development"
                )
            raw = DEV_MASTER_KEY
        try:
            key = base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise NodeConfigError("HUREN_NODE_MASTER_KEY is not valid base64") from None
        return MasterKey(key)

    def resolved_database_url(self) -> str:
        """The database URL: the configured one, or a SQLite file named after the province."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / f'node-{self.province}.sqlite3'}"
