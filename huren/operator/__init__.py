"""A province node's operator at the command line: ``huren issue``, ``revoke``, ``suspend``,
``reinstate`` and ``export``, through the node's HTTP API.

:mod:`~huren.operator.client` is the typed client of that API, :mod:`~huren.operator.settings`
finds the node and the credential, :mod:`~huren.operator.inputs` reads the files the commands
take (every bad line named before anything is sent), :mod:`~huren.operator.cli` the commands.
"""

from huren.operator.client import BulkIssued, BulkRevoked, Issued, NodeClient, StatusPublic
from huren.operator.exceptions import (
    ClientConfigError,
    InputFileError,
    NodeCallError,
    NodeRefusedError,
    NodeUnreachableError,
    OperatorError,
    UsageError,
)

__all__ = [
    "BulkIssued",
    "BulkRevoked",
    "ClientConfigError",
    "InputFileError",
    "Issued",
    "NodeCallError",
    "NodeClient",
    "NodeRefusedError",
    "NodeUnreachableError",
    "OperatorError",
    "StatusPublic",
    "UsageError",
]
