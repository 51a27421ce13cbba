"""Errors of the operator's commands (``huren issue``, ``revoke``, ``suspend``, ``reinstate``,
``export``) and of their client of a province node's API.

The tree::

    OperatorError                              the root: catch this to catch every one
    ├── ClientConfigError (ValueError)         no node URL or token, an unreadable token or
    │                                          configuration file
    ├── UsageError (ValueError)                the command line names what cannot be sent: an ID
    │                                          that is no 证照标识, a file that cannot be read
    ├── InputFileError (ValueError)            lines of an input file that are not what the
    │                                          command takes (each named, nothing was sent)
    └── NodeCallError                          a call to the node did not succeed
        ├── NodeUnreachableError (ConnectionError)  no usable answer: unreachable, timed out,
        │                                      failed (5xx) or unreadable; what the call asked
        │                                      may or may not have been done
        └── NodeRefusedError                   the node refused with a problem body (4xx);
                                               nothing of the call was done
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ClientConfigError",
    "InputFileError",
    "NodeCallError",
    "NodeRefusedError",
    "NodeUnreachableError",
    "OperatorError",
    "UsageError",
]


class OperatorError(Exception):
    """Root of the operator commands' errors; the message is written for the operator."""


class ClientConfigError(OperatorError, ValueError):
    """The node's URL or the credential is missing, or its file cannot be read."""


class UsageError(OperatorError, ValueError):
    """The command line names something that cannot be sent (an ID that is no 证照标识, an
    input or output file that cannot be read or written, a time that is none)."""


class InputFileError(OperatorError, ValueError):
    """Lines (or array items: ``unit``) of an input file that the command cannot take;
    ``problems`` holds each one as ``(number, reason)``, in order; the message shows the first
    ten."""

    def __init__(
        self, source: str, problems: Sequence[tuple[int, str]], *, unit: str = "line"
    ) -> None:
        shown = "; ".join(f"{unit} {number}: {reason}" for number, reason in problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(
            f"{source}: {len(problems)} {unit}(s) cannot be taken, nothing was sent: {shown}{more}"
        )
        self.problems = list(problems)


class NodeCallError(OperatorError):
    """A call to the province node did not succeed."""


class NodeUnreachableError(NodeCallError, ConnectionError):
    """The node could not be reached, timed out, failed (5xx) or sent an answer that is not
    what its API promises. Whether the call was carried out is unknown (a timeout may come
    after the node did the work), except for a 503 problem, which the node sends before it
    does anything."""


class NodeRefusedError(NodeCallError):
    """The node refused the call with a problem body: ``status`` (HTTP), ``code`` (its stable
    ``error``), its clerk-readable ``message`` and optional ``detail``."""

    def __init__(self, status: int, code: str, message: str, detail: object = None) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
