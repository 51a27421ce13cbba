"""huren's province node: issuance, durable anchoring, encrypted store under access control, and
a witness of the chain.

Run one with ``huren node serve --province 330000`` or build the app in code::

    app = create_app(NodeSettings(province=330000, mode="dev", chain_key=...))

Issuing flows one way, a module per step: :mod:`~province_nodes.issuance` (the node's
``Issuer``: store and queue, one by one or in bulk) has :mod:`~province_nodes.row_maker` validate,
seal and encrypt each document (on every core for a large bulk request:
:mod:`~province_nodes.sealing_pool`); :mod:`~province_nodes.batching` cuts batches under a Merkle
root; :mod:`~province_nodes.batcher` anchors them durably and stores each certificate's receipt.

The other pieces: :mod:`~province_nodes.status`, :mod:`~province_nodes.keys`,
:mod:`~province_nodes.envelope` (encryption at rest), :mod:`~province_nodes.auth` and
:mod:`~province_nodes.consents` (access control), :mod:`~province_nodes.access_log`
(hash-chained log with anchored heads), :mod:`~province_nodes.inputs` (what the API accepts:
identifiers, bounded text), :mod:`~province_nodes.store_owner` (a store serves one province),
:mod:`~province_nodes.witness` with :mod:`~province_nodes.witness_store` (checkpoints of the chain
signed by this province and cosigned by the others).
"""

from province_nodes.app import create_app
from province_nodes.exceptions import (
    AccessDeniedError,
    AuthenticationError,
    ChainUnavailableError,
    ConsentError,
    EnvelopeError,
    NodeConfigError,
    NodeConflictError,
    NodeError,
    NodeInputError,
    NodeNotFoundError,
    NotAnchoredError,
    StoreIntegrityError,
    StoreOwnerError,
    StoreUnavailableError,
    TooEarlyError,
    WitnessMismatchError,
    WrongMasterKeyError,
)
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import BatchState, CredentialState, Role, StoredState

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "BatchState",
    "ChainUnavailableError",
    "ConsentError",
    "CredentialState",
    "EnvelopeError",
    "NodeConfigError",
    "NodeConflictError",
    "NodeError",
    "NodeInputError",
    "NodeNotFoundError",
    "NodeSettings",
    "NotAnchoredError",
    "ProvinceNode",
    "Role",
    "StoreIntegrityError",
    "StoreOwnerError",
    "StoreUnavailableError",
    "StoredState",
    "TooEarlyError",
    "WitnessMismatchError",
    "WrongMasterKeyError",
    "create_app",
]
