"""Agency service settings, from the environment (prefix ``HUREN_AGENCY_``) or arguments.

Nothing is read at import time: :func:`verifier.service.create_app` takes an
:class:`AgencySettings`, so several agencies can run in one process (as the tests do).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.exceptions import LedgerValueError
from ledger.finality import Finality
from ledger.quorum import Endpoints

__all__ = ["AgencySettings", "hash_token"]


def hash_token(token: str) -> str:
    """The SHA-256 hex of a bearer token: what the settings hold instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AgencySettings(BaseSettings):
    """One receiving agency's verification service; see the field descriptions."""

    model_config = SettingsConfigDict(env_prefix="HUREN_AGENCY_", extra="forbid", frozen=True)

    agency_id: str = Field(description="this agency's id at the province nodes, e.g. sh-gongan")
    mode: Literal["dev", "production"] = Field("production", description="dev allows no tokens")
    rpc_url: str = Field("http://127.0.0.1:8545", description="JSON-RPC endpoint of the chain")
    rpc_urls: tuple[str, ...] = Field(
        (),
        description="several JSON-RPC endpoints of the chain (JSON list), read instead of rpc_url; "
        "each should be another province's validator",
    )
    rpc_quorum: int | None = Field(
        None, ge=1, description="how many endpoints must give identical answers (default: all)"
    )
    finality: str = Field(
        "finalized",
        description="which block is final: 'finalized' or 'safe' (the node's tag where it has a "
        "real one, else its head), or a number of confirmations below the head",
    )
    deployment_file: Path = Field(Path("deployment.json"), description="ledger deployment record")
    database_url: str = Field("sqlite:///data/agency.db", description="SQLAlchemy URL")
    node_token: SecretStr | None = Field(
        None, description="bearer token this agency presents to every province node"
    )
    node_tokens: dict[int, SecretStr] = Field(
        default_factory=dict, description="per-province tokens (code → token), override the one"
    )
    clerk_token_hashes: tuple[str, ...] = Field(
        (),
        description="superseded by 'huren agency clerk create': SHA-256 hex of clerks' tokens, "
        "imported once at start as clerks named configured-<first 8 hex digits>",
    )
    node_timeout: float = Field(10.0, gt=0, description="seconds to wait for a province node")
    request_wait_seconds: float = Field(
        15.0,
        ge=0,
        description="how long a request waits for an identical one that is being run before "
        "answering 409 request_in_progress",
    )
    request_lease_seconds: float = Field(
        120.0,
        gt=0,
        description="how long a run of a request holds it; a run older than this is taken for "
        "dead (its process stopped) and the next retry takes the request over",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="largest request body accepted")
    chain_cache_seconds: float = Field(
        5.0, ge=0, description="how long signing keys and province records are cached"
    )

    @field_validator("finality")
    @classmethod
    def _finality_is_a_setting(cls, value: str) -> str:
        Finality.parse(value)  # raises LedgerValueError, a ValueError
        return value

    @model_validator(mode="after")
    def _quorum_fits_the_endpoints(self) -> AgencySettings:
        try:
            Endpoints.of_urls(self.endpoints, self.rpc_quorum).close()
        except LedgerValueError as error:
            raise ValueError(f"HUREN_AGENCY_RPC_URLS or _RPC_QUORUM: {error}") from error
        return self

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The chain's endpoints: ``rpc_urls``, else ``rpc_url`` alone."""
        return self.rpc_urls or (self.rpc_url,)

    @model_validator(mode="after")
    def _lease_outlasts_the_node(self) -> AgencySettings:
        if self.request_lease_seconds <= self.node_timeout:
            raise ValueError(
                "HUREN_AGENCY_REQUEST_LEASE_SECONDS must exceed HUREN_AGENCY_NODE_TIMEOUT: a run "
                "waits that long for the node, and a run older than its lease is taken for dead"
            )
        return self

    def token_for(self, province: int) -> str | None:
        """The bearer token for the node of ``province``, or None if none is configured."""
        token = self.node_tokens.get(province, self.node_token)
        return token.get_secret_value() if token is not None else None

    @field_validator("agency_id")
    @classmethod
    def _agency_id_as_nodes_know_it(cls, value: str) -> str:
        if len(value) > 64 or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
            raise ValueError(
                "an agency id is lowercase words joined by hyphens, at most 64 characters, as "
                "the province nodes register it (e.g. js-gongan-hukou)"
            )
        return value
