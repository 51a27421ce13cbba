"""``huren demo``: the whole system on the embedded chain, as a short story with figures.

Exit codes: 0 every step did what it should; 1 a step did not (the message says which and
why); 2 the system could not be started; 130 interrupted (everything was stopped cleanly).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from rich.console import Console

from audit.exceptions import AuditError
from huren.demo.exceptions import DemoSetupError, DemoStepFailed
from huren.demo.home import DemoHome
from ledger.defaults import default_home
from ledger.exceptions import LedgerError

if TYPE_CHECKING:
    from huren.demo.stack import Stack

__all__ = ["register"]

MIN_COUNT = 30
"""Each province needs two certificates of the story's type (its 1st and 8th)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren demo``."""
    demo = subparsers.add_parser(
        "demo",
        help="run the whole system on the embedded chain and tell what happens",
        description="Start the embedded chain, three province nodes and a Shanghai agency; "
        "issue, anchor, request across provinces, revoke, rotate a key, audit.",
    )
    demo.add_argument(
        "--home",
        type=Path,
        default=None,
        help="working folder (default .huren/demo, or $HUREN_HOME/demo)",
    )
    demo.add_argument(
        "--count",
        type=_count,
        default=3000,
        help=f"certificates to issue across the provinces (≥ {MIN_COUNT})",
    )
    demo.add_argument(
        "--batch-size",
        type=_positive,
        default=250,
        help="certificates per bulk request and anchored batch",
    )
    demo.add_argument(
        "--fresh",
        action="store_true",
        help="start over: remove the chain, stores and keys of earlier runs",
    )
    demo.add_argument(
        "--keep-running",
        action="store_true",
        help="leave everything running afterwards, until Ctrl-C",
    )
    demo.set_defaults(handler=_demo)


def _count(text: str) -> int:
    value = int(text)
    if value < MIN_COUNT:
        raise argparse.ArgumentTypeError(f"needs at least {MIN_COUNT} certificates")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def _demo(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every ``huren`` command (the demo's own node processes
    # run ``huren node serve``) builds the full parser, and should not import the demo's story.
    from huren.demo.stack import Stack
    from huren.demo.story import Story

    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    home = DemoHome(args.home or default_home() / "demo")
    started = time.perf_counter()
    console.print("[bold]huren demo — 电子证照跨省互认 mutual recognition of e-certificates[/]")
    console.print(f"working folder {home.root}" + (" (starting fresh)" if args.fresh else ""))
    try:
        with home.locked(), _sigterm_interrupts():
            if args.fresh:
                home.reset()
            with Stack(home, batch_size=args.batch_size) as stack:
                story = Story(stack, console, count=args.count, batch_size=args.batch_size)
                try:
                    story.run()
                    console.print(
                        f"\n[bold green]✓ every step did what it should[/] "
                        f"({time.perf_counter() - started:.0f} s)"
                    )
                    if args.keep_running:
                        _serve(stack, console)
                finally:
                    story.close()
                    console.print("stopping the agency, the nodes and the chain…")
    except DemoStepFailed as error:
        errors.print(f"\n[bold red]✗ the demo failed:[/] {error}")
        return 1
    except (DemoSetupError, LedgerError, AuditError) as error:
        errors.print(f"\n[bold red]✗ the system could not run:[/] {error}")
        return 2
    except KeyboardInterrupt:
        errors.print("interrupted; everything was stopped")
        return 130
    console.print(f"stopped; the chain and the stores are kept in {home.root} for the next run")
    return 0


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so ``kill`` stops the services cleanly too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve(stack: Stack, console: Console) -> None:
    """Print where everything runs and the tokens to call it; wait for Ctrl-C."""
    from huren.demo.stack import AGENCY

    assert stack.chain is not None
    home = stack.home.root
    console.print("\n[bold]运行中 Running[/] — press Ctrl-C to stop")
    console.print(f"   chain    {stack.chain.url}  (deployment record {home / 'deployment.json'})")
    for info in stack.nodes.values():
        tokens = ", ".join(f"{role} {token}" for role, token in info.tokens.items())
        console.print(f"   node     {info.province.code} {info.url}/docs  tokens: {tokens}")
    console.print(
        f"   agency   {stack.agency_url}/  ({AGENCY.name}); clerk token {stack.clerk_token}"
    )
    console.print(
        f"   try      huren chain status --rpc {stack.chain.url} "
        f"--deployment {home / 'deployment.json'}"
    )
    try:
        while True:
            time.sleep(1.0)
            stack.check_running()
    except KeyboardInterrupt:
        console.print()
