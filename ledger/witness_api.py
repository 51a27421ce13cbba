"""The province nodes' witness API on the wire: its JSON models and a client for it.

Every node serves (``province_nodes.api.witness``), without a credential, since a checkpoint holds
nothing personal:

- ``GET /witness/checkpoints/latest``: the newest checkpoint it holds, with every signature;
- ``GET /witness/checkpoints/{block_number}``: the checkpoint at that height;
- ``GET /witness/checkpoints?after=N&limit=L``: checkpoints above height ``N``, ascending;
- ``GET /witness/conflicts?after=ID&limit=L``: signed checkpoints of other provinces that
  contradicted this node's chain, each with the node's own signed view of that height;
- ``POST /witness/cosign``: a :class:`CosignRequest` (a checkpoint and its requester's
  signature, which is the credential: the node checks it against the key registered on chain)
  answered with the node's :class:`CosignatureModel` once the node's own chain holds the same
  final block; a refusal is a problem body (``witness_mismatch`` with the node's own signed view,
  ``witness_not_final``, …).

The models are the one definition of the wire form: the node declares them as its response
models, :class:`WitnessClient` validates answers with them. Hashes, ids and signatures are
``0x`` hex; numbers are JSON integers, bounded (a block number below 2^63). Answers are read
with a size bound and the JSON shape check of :mod:`certificate.json_input` before parsing.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import httpx2 as httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from web3 import Web3

from certificate.exceptions import CertificateJSONError
from certificate.json_input import read_json
from ledger.exceptions import WitnessRefusedError, WitnessSourceError
from ledger.types import Hash32
from ledger.witness import MAX_HEIGHT, Checkpoint, Cosignature, SignedCheckpoint

__all__ = [
    "CHECKPOINTS_PATH",
    "CONFLICTS_PATH",
    "COSIGN_PATH",
    "MAX_PAGE",
    "MAX_SIGNATURES",
    "CheckpointModel",
    "CheckpointPage",
    "ConflictModel",
    "ConflictPage",
    "CosignRequest",
    "CosignatureModel",
    "SignedCheckpointModel",
    "WitnessClient",
]

CHECKPOINTS_PATH = "/witness/checkpoints"
CONFLICTS_PATH = "/witness/conflicts"
COSIGN_PATH = "/witness/cosign"

MAX_PAGE = 100
"""Most checkpoints or conflicts one page holds."""

MAX_SIGNATURES = 64
"""Most signatures one checkpoint carries on the wire (one per key of ~34 provinces, rotated)."""

_MAX_ANSWER_BYTES = 4 * 1_048_576

M = TypeVar("M", bound=BaseModel)

Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", examples=["0x" + "ab" * 32])]
HexSignature = Annotated[str, Field(pattern=r"^0x(?:[0-9a-fA-F]{2}){1,256}$")]
Height = Annotated[StrictInt, Field(ge=0, le=MAX_HEIGHT)]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckpointModel(_Wire):
    """A block of the ledger's chain as a witness saw it."""

    chain_id: StrictInt = Field(ge=1, le=2**256 - 1, examples=[31337])
    contract: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="the ledger's address")
    block_number: Height
    block_hash: Hex32
    state_root: Hex32
    block_time: Height = Field(description="Unix seconds, the block's timestamp")

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointModel:
        """The wire form of ``checkpoint``."""
        return cls(
            chain_id=checkpoint.chain_id,
            contract=checkpoint.contract,
            block_number=checkpoint.block_number,
            block_hash=_hex(checkpoint.block_hash),
            state_root=_hex(checkpoint.state_root),
            block_time=checkpoint.block_time,
        )

    def to_checkpoint(self) -> Checkpoint:
        """The checkpoint (the contract checksummed)."""
        return Checkpoint(
            chain_id=self.chain_id,
            contract=Web3.to_checksum_address(self.contract),
            block_number=self.block_number,
            block_hash=Hash32(_bytes(self.block_hash)),
            state_root=Hash32(_bytes(self.state_root)),
            block_time=self.block_time,
        )


class CosignatureModel(_Wire):
    """A province's signature of a checkpoint with one of its keys registered on chain."""

    province: StrictInt = Field(ge=110000, le=829999, examples=[330000])
    key_id: Hex32
    signature: HexSignature

    @classmethod
    def of(cls, cosignature: Cosignature) -> CosignatureModel:
        """The wire form of ``cosignature``."""
        return cls(
            province=cosignature.province,
            key_id=_hex(cosignature.key_id),
            signature=_hex(cosignature.signature),
        )

    def to_cosignature(self) -> Cosignature:
        """The cosignature."""
        return Cosignature(self.province, _bytes(self.key_id), _bytes(self.signature))


class SignedCheckpointModel(_Wire):
    """A checkpoint and the signatures a node holds for it (check them: see ledger.witness)."""

    checkpoint: CheckpointModel
    signatures: list[CosignatureModel] = Field(max_length=MAX_SIGNATURES)

    @classmethod
    def of(cls, signed: SignedCheckpoint) -> SignedCheckpointModel:
        """The wire form of ``signed``."""
        return cls(
            checkpoint=CheckpointModel.of(signed.checkpoint),
            signatures=[CosignatureModel.of(s) for s in signed.signatures],
        )

    def to_signed(self) -> SignedCheckpoint:
        """The signed checkpoint."""
        return SignedCheckpoint(
            self.checkpoint.to_checkpoint(), tuple(s.to_cosignature() for s in self.signatures)
        )


class CheckpointPage(_Wire):
    """Checkpoints in ascending height; ``next_after`` continues the listing (null at the end)."""

    items: list[SignedCheckpointModel] = Field(max_length=MAX_PAGE)
    next_after: Height | None


class CosignRequest(_Wire):
    """A checkpoint to cosign, with the requesting province's own signature of it."""

    checkpoint: CheckpointModel
    signature: CosignatureModel


class ConflictModel(_Wire):
    """Evidence: another province's signed checkpoint that this node's chain contradicts, and
    this node's own signed view of the same height (null if it could not sign one)."""

    id: StrictInt = Field(ge=1)
    claimed: SignedCheckpointModel
    ours: SignedCheckpointModel | None
    recorded_at: StrictInt = Field(ge=0, description="Unix seconds")


class ConflictPage(_Wire):
    """Conflicts in the order recorded; ``next_after`` continues the listing (null at the end)."""

    items: list[ConflictModel] = Field(max_length=MAX_PAGE)
    next_after: StrictInt | None


class WitnessClient:
    """Reads province nodes' witness API and asks them to cosign, over one pooled HTTP client.

    The transport is injectable (a test's ASGI app); redirects are not followed.
    """

    def __init__(self, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None):
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def latest(self, url: str) -> SignedCheckpoint | None:
        """The newest checkpoint the node at ``url`` holds (None if it holds none yet).

        Raises:
            WitnessSourceError: unreachable, a refusal, or an answer outside the wire form.
        """
        try:
            answer = self._request("GET", url, f"{CHECKPOINTS_PATH}/latest")
        except WitnessRefusedError as error:
            if error.status == 404:
                return None
            raise
        return _parsed(SignedCheckpointModel, _json(url, answer), url).to_signed()

    def page(self, url: str, after: int = -1, limit: int = MAX_PAGE) -> CheckpointPage:
        """The node's checkpoints above height ``after`` (-1: from the first), ascending."""
        params = {"limit": limit} | ({"after": after} if after >= 0 else {})
        answer = self._request("GET", url, CHECKPOINTS_PATH, params=params)
        return _parsed(CheckpointPage, _json(url, answer), url)

    def conflicts(self, url: str, after: int = 0, limit: int = MAX_PAGE) -> ConflictPage:
        """The evidence of contradicted checkpoints the node recorded after id ``after``."""
        answer = self._request("GET", url, CONFLICTS_PATH, params={"after": after, "limit": limit})
        return _parsed(ConflictPage, _json(url, answer), url)

    def cosign(self, url: str, checkpoint: Checkpoint, signature: Cosignature) -> Cosignature:
        """Ask the node at ``url`` to cosign ``checkpoint`` (signed by us with ``signature``).

        Returns the node's cosignature, unchecked: the caller checks it against the chain.

        Raises:
            WitnessRefusedError: the node refused (``code`` and ``detail`` say why).
            WitnessSourceError: unreachable, or an answer outside the wire form.
        """
        body = CosignRequest(
            checkpoint=CheckpointModel.of(checkpoint), signature=CosignatureModel.of(signature)
        )
        answer = self._request("POST", url, COSIGN_PATH, json=body.model_dump(mode="json"))
        return _parsed(CosignatureModel, _json(url, answer), url).to_cosignature()

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def _request(self, method: str, url: str, path: str, **options: Any) -> tuple[int, bytes]:
        """Send one request; the status and the body, read up to the size bound. Any answer
        other than 200 is raised as a refusal."""
        target = url.rstrip("/") + path
        try:
            with self._http.stream(method, target, **options) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_ANSWER_BYTES:
                        raise WitnessSourceError(
                            f"the node at {url} sent more than {_MAX_ANSWER_BYTES} bytes", url
                        )
                status = response.status_code
        except httpx.InvalidURL as error:
            raise WitnessSourceError(
                f"{url!r:.200} is not a usable node URL: {error}", url
            ) from None
        except httpx.HTTPError as error:
            raise WitnessSourceError(
                f"the node at {url} cannot be reached: {type(error).__name__}: {error}", url
            ) from error
        if status != 200:
            raise _refusal(url, status, bytes(body))
        return status, bytes(body)


def _json(url: str, answer: tuple[int, bytes]) -> Any:
    status, body = answer
    try:
        return read_json(body)
    except CertificateJSONError as error:
        raise WitnessSourceError(
            f"the node at {url} answered no JSON: {error}", url, status
        ) from None


def _parsed(model: type[M], data: Any, url: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise WitnessSourceError(
            f"the node at {url} answered outside the witness API's form: {error}", url, 200
        ) from None


def _refusal(url: str, status: int, body: bytes) -> WitnessRefusedError:
    """The refusal a problem body (``{"error", "message", "detail"}``) describes."""
    code, message, detail = "unknown", body[:200].decode("utf-8", "replace"), None
    try:
        problem = read_json(body)
    except CertificateJSONError:
        problem = None
    if isinstance(problem, dict):
        code = str(problem.get("error", code))[:100]
        message = str(problem.get("message", message))[:500]
        detail = problem.get("detail")
    return WitnessRefusedError(
        f"the node at {url} answered HTTP {status} ({code}): {message}", url, status, code, detail
    )
