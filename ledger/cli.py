"""``huren chain``: run the embedded development chain and inspect any deployment.

``huren chain up`` starts anvil with its state in a file, deploys the ledger with the Yangtze
River Delta provinces on first start (and reuses the deployment on later starts, so a restart
continues the same history), prints the deployment and runs until interrupted.
``huren chain status`` reads a deployment's state over plain JSON-RPC, so it works against any
EVM chain, not only the embedded one.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from web3 import Web3

from certificate.divisions import PROVINCES
from ledger.anvil import LocalChain
from ledger.chain import connect
from ledger.contract import HurenLedgerClient
from ledger.defaults import DEFAULT_RPC_PORT, DEFAULT_RPC_URL, default_home
from ledger.deploy import Deployment
from ledger.devnet import deploy_dev_ledger
from ledger.exceptions import LedgerError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren chain up`` and ``huren chain status``."""
    chain = subparsers.add_parser("chain", help="run the development chain, inspect a deployment")
    commands = chain.add_subparsers(dest="chain_command", metavar="COMMAND", required=True)

    up = commands.add_parser("up", help="start anvil, deploy the ledger, run until interrupted")
    up.add_argument("--home", type=Path, default=None, help="working folder (default .huren)")
    up.add_argument("--port", type=int, default=DEFAULT_RPC_PORT, help="JSON-RPC port")
    up.set_defaults(handler=_chain_up)

    status = commands.add_parser("status", help="block height, members, keys, anchors, statuses")
    status.add_argument("--rpc", default=DEFAULT_RPC_URL)
    status.add_argument("--deployment", type=Path, default=None, help="deployment record file")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_chain_status)


def start_dev_chain(home: Path, port: int | None) -> tuple[LocalChain, Deployment]:
    """Start the embedded chain in ``home`` and make sure the ledger is deployed on it."""
    home.mkdir(parents=True, exist_ok=True)
    chain = LocalChain(state=home / "chain-state.json", state_interval=5, port=port).start()
    try:
        w3 = connect(chain.url)
        record = home / "deployment.json"
        if record.exists():
            deployment = Deployment.load(record)
            if deployment.is_live(w3):
                return chain, deployment
        deployment = deploy_dev_ledger(w3)
        deployment.save(record)
        return chain, deployment
    except BaseException:
        chain.stop()
        raise


def _chain_up(args: argparse.Namespace) -> int:
    home: Path = args.home or default_home()
    try:
        chain, deployment = start_dev_chain(home, args.port)
    except LedgerError as error:
        print(f"huren chain up: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        w3 = connect(chain.url)
        print(f"chain      {chain.url}  (chain id {deployment.chain_id}, state in {home})")
        print(f"ledger     {deployment.address}  (deployed in block {deployment.block_number})")
        print(f"record     {home / 'deployment.json'}")
        _print_status(_status(w3, deployment))
        print("running; press Ctrl-C to stop (the chain's state is kept for the next start)")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        chain.stop()
    return 0


def _chain_status(args: argparse.Namespace) -> int:
    record: Path = args.deployment or default_home() / "deployment.json"
    try:
        deployment = Deployment.load(record)
        w3 = connect(args.rpc)
        if w3.eth.chain_id != deployment.chain_id:
            print(
                f"huren chain status: {args.rpc} is chain {w3.eth.chain_id}, "
                f"the record names chain {deployment.chain_id}",
                file=sys.stderr,
            )
            return 2
        status = _status(w3, deployment)
    except LedgerError as error:
        print(f"huren chain status: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        _print_status(status)
    return 0


def _status(w3: Web3, deployment: Deployment) -> dict[str, Any]:
    """Everything ``chain status`` shows, read at one block."""
    block = w3.eth.block_number
    ledger = HurenLedgerClient(w3, deployment.address)
    provinces = []
    for code in ledger.members(block=block):
        record = ledger.province(code, block=block)
        keys = [ledger.signing_key(k, block=block) for k in ledger.keys_of(code, block=block)]
        provinces.append(
            {
                "code": code,
                "name": PROVINCES.get(code, "?"),  # type: ignore[call-overload]
                "account": record.account if record else None,
                "endpoint": record.endpoint if record else None,
                "keys": [
                    {
                        "key_id": "0x" + k.key_id.hex(),
                        "algorithm": k.algorithm,
                        "valid_from": k.valid_from,
                        "valid_until": k.valid_until,
                        "revoked": k.revoked,
                    }
                    for k in keys
                    if k is not None
                ],
            }
        )
    return {
        "deployment": asdict(deployment),
        "block": block,
        "threshold": ledger.threshold(block=block),
        "members": provinces,
        "proposals": ledger.proposal_count(block=block),
        "keys": ledger.key_count(block=block),
        "anchors": ledger.anchor_count(block=block),
        "status_changes": ledger.status_change_count(block=block),
    }


def _print_status(status: dict[str, Any]) -> None:
    members = status["members"]
    print(
        f"block {status['block']}: {len(members)} members, threshold {status['threshold']}, "
        f"{status['keys']} signing keys, {status['anchors']} batch anchors, "
        f"{status['status_changes']} status changes, {status['proposals']} proposals"
    )
    for member in members:
        print(f"  {member['code']} {member['name']:<8} {member['account']}  {member['endpoint']}")
        for key in member["keys"]:
            state = "revoked" if key["revoked"] else "retired" if key["valid_until"] else "active"
            print(f"      key {key['key_id'][:18]}…  alg {key['algorithm']}  {state}")
