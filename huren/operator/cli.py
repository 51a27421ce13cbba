"""``huren issue``, ``revoke``, ``suspend``, ``reinstate``, ``export``: a node's operator at work.

Each calls one province node's API (:class:`~huren.operator.client.NodeClient`), found as
:mod:`huren.operator.settings` says (``--node``, ``--token-file``, ``--config`` or
``HUREN_CLIENT_*`` variables; a token is never an option's value).

- ``huren issue FILE|-``: one document (the node answers with its sealed copy), or many (a JSON
  array or JSON Lines) in bulk requests of ``--chunk-size`` with progress on standard error.
  Standard output gets each issued certificate's identifier, one a line, in input order.
- ``huren revoke|suspend|reinstate ID --reason CODE [--effective-at TIME]``; ``huren revoke
  --from-file FILE --reason CODE`` revokes every identifier of the file through the contract's
  batch revocation (standard output: ``ID<TAB>revoked`` or ``ID<TAB>already revoked``). A
  reason is a name or number of :class:`~ledger.types.StatusReason`.
- ``huren export ID [--out FILE] [--wait SECONDS]``: the sealed certificate file with its
  receipt (the whole certificate with an operator's credential, a redacted copy with an
  auditor's), checked to be that certificate before it is written.

Exit status: 0 done; 1 the node refused (nothing of the refused request was done, and the
message says which lines were done before it); 2 nothing was sent: the command line, the
settings or an input line is wrong (each bad line is named); 3 the node could not be reached
or failed, so the request that was under way may or may not have been carried out (the message
names its lines); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from certificate.exceptions import CertificateError
from certificate.identifier import validate_identifier
from certificate.sealed_file import parse_sealed
from huren.operator.client import NodeClient, StatusAction
from huren.operator.exceptions import (
    ClientConfigError,
    InputFileError,
    NodeRefusedError,
    NodeUnreachableError,
    OperatorError,
    UsageError,
)
from huren.operator.inputs import Documents, parse_reason, read_documents, read_identifiers
from huren.operator.progress import progress
from huren.operator.settings import node_access
from ledger.types import StatusReason

__all__ = [
    "REFUSED",
    "UNREACHABLE",
    "register_export",
    "register_issue",
    "register_reinstate",
    "register_revoke",
    "register_suspend",
]

# A string: argparse's action class is generic only to type checkers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

REFUSED, NOT_SENT, UNREACHABLE = 1, 2, 3
"""Exit statuses: the node refused; nothing was sent; the node could not be reached."""

_IDS_PER_REQUEST = 1000
"""Identifiers per bulk revocation request (the node takes up to 10,000)."""


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", metavar="URL", help="the node (or HUREN_CLIENT_NODE_URL)")
    parser.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="a file holding the credential (or HUREN_CLIENT_TOKEN_FILE, HUREN_CLIENT_TOKEN)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="dotenv file of HUREN_CLIENT_* settings"
    )


def _client(args: argparse.Namespace) -> NodeClient:
    access = node_access(args.config, args.node, args.token_file)
    return NodeClient(access.url, access.token)


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``handler`` with every error of ours turned into one message and its exit status."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (ClientConfigError, UsageError, InputFileError) as error:
            return _fail(args, str(error), NOT_SENT)
        except NodeRefusedError as error:
            return _fail(args, str(error), REFUSED)
        except NodeUnreachableError as error:
            return _fail(args, str(error), UNREACHABLE)
        except OperatorError as error:
            return _fail(args, str(error), NOT_SENT)

    return run


def _fail(args: argparse.Namespace, message: str, status: int) -> int:
    print(f"huren {args.command}: {message}", file=sys.stderr)
    return status


def _read_input(path: str) -> tuple[bytes, str]:
    """The bytes of ``path`` (``-``: standard input) and how to name it in messages."""
    if path == "-":
        return sys.stdin.buffer.read(), "standard input"
    try:
        return Path(path).read_bytes(), path
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


# --- issue ---------------------------------------------------------------------------------------


def register_issue(subparsers: Subparsers) -> None:
    """Add ``huren issue``."""
    parser = subparsers.add_parser(
        "issue",
        help="issue certificates through a province node (one document, or JSON Lines)",
        description="Issue the document(s) of FILE (- for standard input) at a node; prints "
        "each certificate's identifier. Exit 0 issued, 1 refused, 2 nothing sent, 3 the node "
        "could not be reached.",
    )
    parser.add_argument("file", metavar="FILE", help="a document, an array of them, JSON Lines")
    parser.add_argument(
        "--chunk-size",
        type=_chunk_size,
        default=1000,
        metavar="N",
        help="documents per bulk request (default 1000; each request is all or nothing)",
    )
    _connection(parser)
    parser.set_defaults(handler=_guarded(_issue))


def _chunk_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a number from 1 to 100000")
    return int(text)


def _issue(args: argparse.Namespace) -> int:
    data, source = _read_input(args.file)
    documents = read_documents(data, source)
    with _client(args) as client:
        if documents.single:
            issued = client.issue(json.loads(documents.items[0]))
            print(issued.certificate_id)
            return 0
        return _issue_in_chunks(client, documents, args.chunk_size, source)


def _issue_in_chunks(client: NodeClient, documents: Documents, size: int, source: str) -> int:
    total = len(documents.items)
    with progress(total, "issued") as advance:
        for start in range(0, total, size):
            part = documents.items[start : start + size]
            try:
                answer = client.issue_bulk(b"\n".join(part) + b"\n")
            except NodeRefusedError as error:
                raise NodeRefusedError(
                    error.status,
                    error.code,
                    _refusal(error, documents, start, len(part), source),
                    error.detail,
                ) from None
            except NodeUnreachableError as error:
                raise NodeUnreachableError(
                    f"{error}; {_where(documents, start, len(part), source)}"
                ) from None
            if len(answer.certificate_ids) != len(part):
                raise NodeUnreachableError(
                    f"the node answered {len(answer.certificate_ids)} identifiers for "
                    f"{len(part)} documents; {_where(documents, start, len(part), source)}"
                )
            print("\n".join(answer.certificate_ids), flush=True)
            advance(start + len(part))
    return 0


def _span(documents: Documents, start: int, count: int) -> str:
    first, last = documents.lines[start], documents.lines[start + count - 1]
    return f"lines {first} to {last}" if first != last else f"line {first}"


def _where(documents: Documents, start: int, count: int, source: str) -> str:
    """Which lines were issued, which are in doubt, which were not sent."""
    parts = []
    if start:
        parts.append(f"{_span(documents, 0, start)} were issued (identifiers above)")
    parts.append(f"{_span(documents, start, count)} may or may not be issued")
    rest = len(documents.items) - start - count
    if rest:
        parts.append(f"{_span(documents, start + count, rest)} were not sent")
    return "; ".join(parts) + f" ({source})"


def _refusal(
    error: NodeRefusedError, documents: Documents, start: int, count: int, source: str
) -> str:
    """The node's refusal of a chunk, with its items named by their lines."""
    items = []
    if isinstance(error.detail, list):
        for item in error.detail[:10]:
            if isinstance(item, dict) and isinstance(item.get("index"), int):
                index = item["index"]
                line = documents.lines[start + index] if 0 <= index < count else "?"
                items.append(f"line {line}: {item.get('error')}: {str(item.get('message'))[:200]}")
    said = f"{error.message} ({error.code})" + (": " + "; ".join(items) if items else "")
    done = f"{_span(documents, 0, start)} were issued (identifiers above); " if start else ""
    rest = len(documents.items) - start - count
    after = f"; {_span(documents, start + count, rest)} were not sent" if rest else ""
    return (
        f"{said}. {done}{_span(documents, start, count)} were refused, none of them "
        f"issued{after} ({source}); send from line {documents.lines[start]} on again once "
        "fixed"
    )


# --- revoke, suspend, reinstate ---------------------------------------------------------------


def _status_parser(subparsers: Subparsers, action: StatusAction, help_text: str) -> None:
    parser = subparsers.add_parser(
        action,
        help=help_text,
        description=f"{help_text[0].upper()}{help_text[1:]}. Exit 0 done, 1 refused, 2 nothing "
        "sent, 3 the node could not be reached.",
    )
    if action == "revoke":
        parser.add_argument("certificate_id", nargs="?", metavar="ID", help="证照标识")
        parser.add_argument(
            "--from-file",
            metavar="FILE",
            help="revoke every identifier of FILE (one a line; - for standard input) through "
            "the contract's batch revocation",
        )
    else:
        parser.add_argument("certificate_id", metavar="ID", help="证照标识")
    names = ", ".join(f"{r.value} {r.name}" for r in StatusReason)
    parser.add_argument(
        "--reason", required=True, type=parse_reason, metavar="CODE", help=f"one of: {names}"
    )
    parser.add_argument(
        "--effective-at",
        metavar="TIME",
        help="since when (Unix seconds, 2026-05-01 or RFC 3339; default: now); not before the "
        "certificate's anchor, not in the future",
    )
    _connection(parser)
    parser.set_defaults(handler=_guarded(_change_status), action=action)


def register_revoke(subparsers: Subparsers) -> None:
    """Add ``huren revoke``."""
    _status_parser(subparsers, "revoke", "revoke certificates for good")


def register_suspend(subparsers: Subparsers) -> None:
    """Add ``huren suspend``."""
    _status_parser(subparsers, "suspend", "suspend a certificate")


def register_reinstate(subparsers: Subparsers) -> None:
    """Add ``huren reinstate``."""
    _status_parser(subparsers, "reinstate", "reinstate a suspended certificate")


def _effective_at(text: str | None) -> int:
    if text is None:
        return 0
    from verifier.exceptions import VerifierValueError
    from verifier.times import parse_time

    try:
        return parse_time(text)
    except VerifierValueError as error:
        raise UsageError(f"--effective-at: {error}") from None


def _checked_id(text: str) -> str:
    try:
        return str(validate_identifier(text))
    except CertificateError as error:
        shown = text[:60].encode("unicode_escape").decode("ascii")
        raise UsageError(f"{shown!r} is not a 证照标识: {error}") from None


def _change_status(args: argparse.Namespace) -> int:
    effective_at = _effective_at(args.effective_at)
    if getattr(args, "from_file", None) is not None:
        if args.certificate_id is not None:
            raise UsageError("give an ID or --from-file FILE, not both")
        data, source = _read_input(args.from_file)
        return _revoke_file(args, read_identifiers(data, source), effective_at, source)
    if args.certificate_id is None:
        raise UsageError("give the certificate's ID, or --from-file FILE")
    certificate_id = _checked_id(args.certificate_id)
    with _client(args) as client:
        status = client.change_status(certificate_id, args.action, args.reason, effective_at)
    reason = status.reason
    named = f"{reason} {StatusReason(reason).name}" if reason in set(StatusReason) else reason
    print(f"{status.certificate_id}\t{status.state}\treason {named}")
    return 0


def _revoke_file(
    args: argparse.Namespace, identifiers: list[tuple[int, str]], effective_at: int, source: str
) -> int:
    total = len(identifiers)
    with _client(args) as client, progress(total, "revocations") as advance:
        for start in range(0, total, _IDS_PER_REQUEST):
            part = identifiers[start : start + _IDS_PER_REQUEST]
            lines = f"lines {part[0][0]} to {part[-1][0]} of {source}"
            before = f"the lines before {part[0][0]} are done (above); " if start else ""
            try:
                answer = client.revoke_many([i for _, i in part], args.reason, effective_at)
            except NodeRefusedError as error:
                raise NodeRefusedError(
                    error.status,
                    error.code,
                    f"{error.message}; {before}{lines}: see the node's message (the ledger "
                    "revokes in transactions of 200: those before a refused one are revoked; "
                    "sending the file again skips them)",
                    error.detail,
                ) from None
            except NodeUnreachableError as error:
                raise NodeUnreachableError(
                    f"{error}; {before}{lines} may be revoked in part: send the file again "
                    "(what is revoked already is skipped)"
                ) from None
            for certificate_id in answer.revoked:
                print(f"{certificate_id}\trevoked")
            for certificate_id in answer.already_revoked:
                print(f"{certificate_id}\talready revoked")
            sys.stdout.flush()
            advance(start + len(part))
    return 0


# --- export --------------------------------------------------------------------------------------


def register_export(subparsers: Subparsers) -> None:
    """Add ``huren export``."""
    parser = subparsers.add_parser(
        "export",
        help="the sealed certificate file with its receipt, from its node",
        description="Write the sealed certificate file of ID (the whole certificate with an "
        "operator's credential, without personal data with an auditor's). Exit 0 written, 1 "
        "refused (e.g. not anchored yet), 2 nothing asked, 3 the node could not be reached.",
    )
    parser.add_argument("certificate_id", metavar="ID", help="证照标识")
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for the certificate's anchoring (default: do not wait)",
    )
    _connection(parser)
    parser.set_defaults(handler=_guarded(_export))


def _export(args: argparse.Namespace) -> int:
    certificate_id = _checked_id(args.certificate_id)
    if not 0 <= args.wait <= 3600:
        raise UsageError("--wait must be from 0 to 3600 seconds")
    deadline = time.monotonic() + args.wait
    with _client(args) as client:
        while True:
            try:
                data = client.export(certificate_id)
                break
            except NodeRefusedError as error:
                if error.code != "not_anchored" or time.monotonic() >= deadline:
                    raise
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    _check_export(data, certificate_id)
    if args.out is None:
        sys.stdout.buffer.write(data + b"\n")
        return 0
    _write_atomically(args.out, data + b"\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _check_export(data: bytes, certificate_id: str) -> None:
    """The node's answer must be the anchored sealed certificate asked for."""
    try:
        sealed = parse_sealed(data)
    except CertificateError as error:
        raise NodeUnreachableError(
            f"the node's file is not a sealed certificate: {error}"
        ) from None
    found = sealed.disclosed_values().get("/identifier")
    if found != certificate_id or sealed.receipt is None:
        raise NodeUnreachableError(
            f"the node sent certificate {str(found)[:80]} "
            f"{'without a receipt' if sealed.receipt is None else ''}, not {certificate_id} "
            "with its receipt; nothing was written"
        )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
