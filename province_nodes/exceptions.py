"""Every error the province node raises on purpose.

Each branch declares its HTTP status once (the number in the drawing); the shared handlers
(:mod:`service_base.problems`) answer an error with that status and its stable ``error`` code, so
a clerk sees a precise message and a client can branch on the code. Errors that are also a
built-in kind inherit it, so ``except ValueError`` still works.

::

    NodeError (ServiceError)                     status 500 unless a branch says otherwise
    ├── NodeConfigError (ValueError)             settings unusable (missing master key, bad PEM)
    │   └── StoreOwnerError                      the store belongs to another province
    ├── NodeInputError (ValueError)              the request is not acceptable input (422)
    ├── NodeNotFoundError (LookupError)          no such certificate, consent, agency (404)
    ├── NodeConflictError                        the request conflicts with stored state (409)
    │   ├── NotAnchoredError                     no receipt yet: the batch is not anchored
    │   └── WitnessMismatchError                 this node's chain holds another block at the
    │                                            height a peer asked it to cosign
    ├── TooEarlyError                            not yet: the block is not final here (425)
    ├── AuthenticationError                      no, unknown, revoked or expired token (401)
    ├── AccessDeniedError (PermissionError)      authenticated but not allowed (403)
    │   └── ConsentError                         the consent does not permit this read
    ├── StoreUnavailableError (ConnectionError)  the database cannot be reached (503)
    ├── ChainUnavailableError (ConnectionError)  the chain cannot be reached (503)
    ├── StoreIntegrityError                      stored data contradicts itself (a batch's
    │                                            members do not hash to its root)
    └── EnvelopeError                            a stored payload cannot be decrypted
        └── WrongMasterKeyError                  the data key does not unwrap: wrong master key
"""

from __future__ import annotations

from service_base.exceptions import ServiceError

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ChainUnavailableError",
    "ConsentError",
    "EnvelopeError",
    "NodeConfigError",
    "NodeConflictError",
    "NodeError",
    "NodeInputError",
    "NodeNotFoundError",
    "NotAnchoredError",
    "StoreIntegrityError",
    "StoreOwnerError",
    "StoreUnavailableError",
    "TooEarlyError",
    "WitnessMismatchError",
    "WrongMasterKeyError",
]


class NodeError(ServiceError):
    """Root of every error raised on purpose by :mod:`province_nodes`.

    ``code`` is the stable machine-readable name served as the problem body's ``error``.
    """

    code = "node_error"


class NodeConfigError(NodeError, ValueError):
    """The node's settings cannot be used (missing or default master key, unreadable key file)."""

    code = "config_invalid"


class StoreOwnerError(NodeConfigError):
    """The store was recorded as another province's: the node refuses to start on it."""

    code = "store_of_another_province"


class NodeInputError(NodeError, ValueError):
    """The request's content is not acceptable: malformed JSON, unknown type, schema violation."""

    status = 422
    code = "invalid_input"


class NodeNotFoundError(NodeError, LookupError):
    """The named certificate, consent or agency does not exist on this node."""

    status = 404
    code = "not_found"

    @classmethod
    def certificate(cls, certificate_id: str) -> NodeNotFoundError:
        """The error for a certificate this node does not hold."""
        return cls(f"no certificate {certificate_id} on this node", code="unknown_certificate")


class NodeConflictError(NodeError):
    """The request conflicts with what is stored (duplicate id, state transition not allowed)."""

    status = 409
    code = "conflict"


class NotAnchoredError(NodeConflictError):
    """The certificate's batch is not anchored yet, so it has no receipt."""

    code = "not_anchored"


class WitnessMismatchError(NodeConflictError):
    """A peer asked this node to cosign a checkpoint its own chain contradicts; ``detail`` is
    this node's own signed view of that height, the evidence the peer can keep."""

    code = "witness_mismatch"


class TooEarlyError(NodeError):
    """The node cannot answer that yet (a block not final on its chain); retry later."""

    status = 425
    code = "too_early"


class AuthenticationError(NodeError):
    """The caller sent no bearer token, one this node does not know, or one revoked or expired
    (``code`` says which)."""

    status = 401
    code = "unauthenticated"


class AccessDeniedError(NodeError, PermissionError):
    """The caller is known but its role or identity does not allow the request."""

    status = 403
    code = "forbidden_role"


class ConsentError(AccessDeniedError):
    """The consent presented does not permit this read; ``code`` names the precise reason."""

    code = "consent_invalid"


class StoreUnavailableError(NodeError, ConnectionError):
    """The database cannot be reached or written; nothing was stored, retry later."""

    status = 503
    code = "database_unavailable"


class ChainUnavailableError(NodeError, ConnectionError):
    """The chain node cannot be reached; the change was not made, retry later."""

    status = 503
    code = "chain_unavailable"


class StoreIntegrityError(NodeError):
    """Stored data contradicts itself; the node stops that work rather than publish it."""

    code = "store_integrity"


class EnvelopeError(NodeError):
    """A stored payload cannot be decrypted: it was altered or belongs to another record."""

    code = "payload_undecryptable"


class WrongMasterKeyError(EnvelopeError):
    """A data key does not unwrap under the configured master key: the master key is wrong."""

    code = "wrong_master_key"
