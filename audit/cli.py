"""``huren audit``: replay the ledger, check its invariants, compare views, a store and the
witnesses' checkpoints.

Exit codes: 0 every invariant holds and everything agrees, 1 findings, 2 the audit could not run
(no deployment record, chain or store unreachable, unusable checkpoint).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from web3 import Web3

from audit.audit import AuditReport, run_audit
from audit.exceptions import AuditError
from audit.replay import Progress
from audit.report import render_report, report_json
from audit.store_check import StoreClient
from audit.witness_check import WitnessSources
from ledger.chain import connect
from ledger.defaults import DEFAULT_RPC_URL, default_home
from ledger.deploy import Deployment
from ledger.exceptions import LedgerError
from ledger.witness_api import WitnessClient

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren audit``."""
    audit = subparsers.add_parser(
        "audit",
        help="replay the ledger's events, check invariants, compare views, a store and the "
        "witnesses' checkpoints",
    )
    audit.add_argument("--deployment", type=Path, default=None, help="deployment record file")
    audit.add_argument("--rpc", default=DEFAULT_RPC_URL, help="JSON-RPC")
    audit.add_argument("--to-block", type=int, default=None, help="last block to replay")
    audit.add_argument("--checkpoint", type=Path, default=None, help="resume from / save to")
    audit.add_argument("--store", default=None, help="a province node's base URL to cross-check")
    audit.add_argument("--store-token", default=None, help="bearer token of role auditor")
    audit.add_argument(
        "--witness-checkpoints",
        action="store_true",
        help="check the checkpoints every member's node (its endpoint on chain) signed",
    )
    audit.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="URL",
        help="a province node to collect witness checkpoints from instead (repeatable)",
    )
    audit.add_argument("--sample", type=int, default=None, help="max anchors/statuses to compare")
    audit.add_argument("--no-compare", action="store_true", help="skip the view comparison")
    audit.add_argument("--json", action="store_true", help="print the JSON report")
    audit.set_defaults(handler=_audit)


def _audit(args: argparse.Namespace) -> int:
    errors = Console(stderr=True)
    if args.store is not None and not args.store_token:
        errors.print("huren audit: --store needs --store-token (a token of role auditor)")
        return 2
    try:
        deployment = Deployment.load(args.deployment or default_home() / "deployment.json")
        w3 = connect(args.rpc)
        store = StoreClient.connect(args.store, args.store_token) if args.store else None
        witnesses = (
            WitnessSources(WitnessClient(), tuple(args.witness))
            if args.witness or args.witness_checkpoints
            else None
        )
        report = _run(args, w3, deployment, store, witnesses, errors)
    except (LedgerError, AuditError) as error:
        errors.print(f"huren audit: {error}", markup=False, highlight=False)
        return 2
    if args.json:
        print(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    else:
        render_report(report, Console())
    return 0 if report.ok else 1


def _run(
    args: argparse.Namespace,
    w3: Web3,
    deployment: Deployment,
    store: StoreClient | None,
    witnesses: WitnessSources | None,
    errors: Console,
) -> AuditReport:
    """Run the audit, with a progress bar on a terminal."""

    def audit(progress: Progress | None) -> AuditReport:
        return run_audit(
            w3,
            deployment,
            to_block=args.to_block,
            checkpoint=args.checkpoint,
            store=store,
            witnesses=witnesses,
            compare_views=not args.no_compare,
            sample=args.sample,
            progress=progress,
        )

    if not errors.is_terminal:
        return audit(None)
    head = w3.eth.block_number
    columns = (TextColumn("replaying"), BarColumn(), TextColumn("block {task.completed:,.0f}"))
    with ProgressBar(*columns, TimeElapsedColumn(), console=errors, transient=True) as bar:
        task = bar.add_task("replay", total=head, completed=deployment.block_number)
        return audit(lambda block: bar.update(task, completed=block))
