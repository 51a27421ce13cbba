"""``huren verify [FILE...] [--qr PAYLOAD...] [--at TIME] [--json] [--rpc URL...] [--quorum K]``:
verify sealed certificates.

A FILE is a sealed certificate (JSON) or a text file holding a scanned QR payload; ``--qr`` takes
a payload as typed by a scanner. A payload that is only a reference (``HUREN1R:``) cannot be
verified offline: the command says which certificate it names and how to fetch it.

Prints a readable report per file (or one JSON document with every report) and exits with the
verdict: 0 VALID, 1 INVALID, 2 ERROR. With several files, INVALID outranks ERROR, as in the
verdict itself: a definite "no" for one file is the answer a clerk must see first. Several files
are verified as one batch (chain facts fetched in bulk).

The chain is read through every ``--rpc`` endpoint given (default: the embedded chain's): at a
final block ``--quorum K`` of them agree on (default: all), every deciding value proven against
that block's state root, accepted only when K endpoints gave identical answers
(:class:`~verifier.quorum_view.QuorumChainView`; docs/trust.md says what each mode trusts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from certificate.exceptions import CertificateFormatError
from certificate.qr import (
    QR_PREFIX,
    QR_REFERENCE_PREFIX,
    CertificateReference,
    decode_qr_payload,
)
from ledger.defaults import DEFAULT_RPC_URL, default_home
from ledger.exceptions import LedgerError
from verifier.exceptions import VerifierValueError
from verifier.render import render_text
from verifier.times import parse_time
from verifier.types import Verdict

if TYPE_CHECKING:
    from verifier.chain_view import ChainView
    from verifier.verify import SealedInput

__all__ = ["exit_code", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren verify``."""
    parser = subparsers.add_parser(
        "verify",
        help="verify sealed certificate files against the ledger",
        description="Verify sealed certificates: exit 0 VALID, 1 INVALID, 2 ERROR.",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="sealed certificate (JSON), or a text file holding its QR payload",
    )
    parser.add_argument(
        "--qr",
        action="append",
        default=[],
        metavar="PAYLOAD",
        help="a scanned QR payload (HUREN1:...); may be repeated",
    )
    parser.add_argument(
        "--at",
        default=None,
        metavar="TIME",
        help="ask status and validity at this time (Unix seconds, 2026-05-01, or RFC 3339)",
    )
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.add_argument(
        "--rpc",
        action="append",
        default=None,
        metavar="URL",
        help=f"a JSON-RPC endpoint of the chain; repeat for several ({DEFAULT_RPC_URL})",
    )
    parser.add_argument(
        "--quorum",
        type=int,
        default=None,
        metavar="K",
        help="how many endpoints must give identical answers (default: all given)",
    )
    parser.add_argument(
        "--deployment",
        type=Path,
        default=None,
        help="ledger deployment record (default: $HUREN_HOME/deployment.json)",
    )
    parser.set_defaults(handler=_verify)


def _chain(urls: list[str], quorum: int | None, record: Path) -> ChainView:
    """The view through the endpoints (nothing is asked yet: an unreachable chain gives every
    file a report, with ERROR where the chain was needed).

    The chain view is imported here, once the inputs are known to be readable, so ``--help``
    and a refused command line answer at once; it reads through the raw JSON-RPC client, so
    web3.py (a second of imports) is not loaded at all.

    Raises:
        LedgerError: no deployment record, a URL that is not http(s), a quorum outside 1…N.
    """
    from ledger.deploy import Deployment
    from verifier.quorum_view import QuorumChainView

    deployment = Deployment.load(record)
    return QuorumChainView.for_deployment(urls, deployment, quorum=quorum)


def _verify(args: argparse.Namespace) -> int:
    try:
        at = parse_time(args.at) if args.at is not None else None
    except VerifierValueError as error:
        print(f"huren verify: {error}", file=sys.stderr)
        return 2
    if not args.files and not args.qr:
        print("huren verify: give a certificate FILE or --qr PAYLOAD", file=sys.stderr)
        return 2
    sources: list[str] = []
    inputs: list[SealedInput] = []
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as error:
            print(f"huren verify: cannot read {path}: {error.strerror}", file=sys.stderr)
            return 2
        sources.append(str(path))
        inputs.append(data)
    sources += [f"QR payload {index}" for index, _ in enumerate(args.qr, 1)]
    inputs += args.qr
    try:
        inputs = [_from_payload(source, item) for source, item in zip(sources, inputs, strict=True)]
    except _NotVerifiable as problem:
        print(f"huren verify: {problem}", file=sys.stderr)
        return 2
    try:
        chain = _chain(
            args.rpc or [DEFAULT_RPC_URL],
            args.quorum,
            args.deployment or default_home() / "deployment.json",
        )
    except LedgerError as error:
        print(f"huren verify: {error}", file=sys.stderr)
        return 2
    from verifier.verify import verify_many

    reports = verify_many(inputs, chain, at=at)
    if args.json:
        out = [{"file": s, **r.to_json()} for s, r in zip(sources, reports, strict=True)]
        print(json.dumps(out if len(out) > 1 else out[0], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render_text(r, s) for s, r in zip(sources, reports, strict=True)))
    return exit_code([r.verdict for r in reports])


_PAYLOAD_PREFIXES = (QR_PREFIX, QR_REFERENCE_PREFIX)


class _NotVerifiable(Exception):
    """A QR payload that is damaged or only a reference: nothing to verify here."""


def _from_payload(source: str, data: SealedInput) -> SealedInput:
    """The certificate a QR payload holds; anything else is returned unchanged."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if not isinstance(text, str) or not text.lstrip().startswith(_PAYLOAD_PREFIXES):
        return data
    try:
        decoded = decode_qr_payload(text)
    except CertificateFormatError as error:
        raise _NotVerifiable(f"{source}: {error}") from None
    if isinstance(decoded, CertificateReference):
        raise _NotVerifiable(
            f"{source} only names certificate {decoded.certificate_id} of province "
            f"{decoded.issuing_province} (digest 0x{decoded.digest.hex()}); fetch it from the "
            f"issuing province with the holder's consent (the agency service's POST /requests)"
        )
    return decoded


def exit_code(verdicts: list[Verdict]) -> int:
    """The exit code for several verdicts: INVALID outranks ERROR, which outranks VALID."""
    if Verdict.INVALID in verdicts:
        return Verdict.INVALID.exit_code
    if Verdict.ERROR in verdicts:
        return Verdict.ERROR.exit_code
    return Verdict.VALID.exit_code
