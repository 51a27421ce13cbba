"""``huren node``: run a province node and manage its credentials.

``huren node serve --province 330000 [--config FILE]`` serves the node's API; settings come
from ``HUREN_NODE_*`` environment variables and the optional dotenv-style ``FILE``. The node
starts before it listens, so a store that cannot be opened, or belongs to another province, is
reported in one line (exit status 2) rather than as a server's traceback.

``huren node token create --province 330000 --role agency --agency-id js-gongan-hukou
[--expires-in 90d]`` mints a credential and prints its token once (only its hash is stored);
``huren node token list`` shows every credential with its state; ``huren node token revoke ID``
revokes one at once.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from ledger.defaults import default_home
from province_nodes.auth import (
    create_credential,
    credential_state,
    list_credentials,
    revoke_credential,
)
from province_nodes.db import make_engine, migrate, unit_of_work
from province_nodes.exceptions import NodeError
from province_nodes.models import Agency
from province_nodes.settings import NodeSettings
from province_nodes.store_owner import check_store_owner
from province_nodes.types import Role
from service_base.durations import parse_duration

__all__ = ["load_settings", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren node serve`` and ``huren node token create|list|revoke``."""
    node = subparsers.add_parser("node", help="run a province node, mint its credentials")
    commands = node.add_subparsers(dest="node_command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="serve the province node's HTTP API")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=None, help="default 8 + province prefix")
    serve.set_defaults(handler=_serve)

    token = commands.add_parser("token", help="credentials")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND", required=True)
    create = token_commands.add_parser("create", help="mint a credential, print its token once")
    _common(create)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--agency-id", help="the agency (role agency), e.g. js-gongan-hukou")
    create.add_argument("--agency-name", help="register the agency with this name if new")
    create.add_argument("--agency-province", type=int, help="the agency's province code")
    create.add_argument("--label", default="", help="a note on who holds the credential")
    create.add_argument(
        "--expires-in",
        type=parse_duration,
        metavar="DURATION",
        help="refuse the credential after this long, e.g. 90d, 12h (default: never)",
    )
    create.set_defaults(handler=_token_create)

    listing = token_commands.add_parser("list", help="every credential, its role and state")
    _common(listing)
    listing.set_defaults(handler=_token_list)

    revoke = token_commands.add_parser("revoke", help="refuse a credential from now on")
    _common(revoke)
    revoke.add_argument("credential_id", type=int, help="its id, as 'token list' shows it")
    revoke.set_defaults(handler=_token_revoke)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", type=int, required=True, help="GB/T 2260 code, e.g. 330000")
    parser.add_argument("--config", type=Path, default=None, help="dotenv file of HUREN_NODE_*")


def load_settings(province: int, config: Path | None) -> NodeSettings:
    """Settings from the environment and ``config``; dev mode defaults under ``.huren``."""
    overrides: dict[str, Any] = {"province": province}
    home = default_home()
    defaults: dict[str, Any] = {
        "data_dir": home / f"node-{province}",
        "deployment_file": home / "deployment.json",
    }
    settings = NodeSettings(_env_file=config, **overrides)  # type: ignore[call-arg]
    unset = {k: v for k, v in defaults.items() if k not in settings.model_fields_set}
    return settings.model_copy(update=unset) if unset else settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from province_nodes.app import create_app

    try:
        settings = load_settings(args.province, args.config)
        app = create_app(settings)
        app.state.node.start()  # here, not in the server's lifespan: a failure is one line
    except (NodeError, ValidationError) as error:
        print(f"cannot start the node: {error}", file=sys.stderr)
        return 2
    port = args.port or int("8" + str(args.province)[:3])
    uvicorn.run(app, host=args.host, port=port, log_level="info")
    return 0


def _open_store(args: argparse.Namespace) -> Engine:
    """The node's store, migrated, after checking it is this province's."""
    settings = load_settings(args.province, args.config)
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    check_store_owner(engine, settings.province)
    return engine


def _token_create(args: argparse.Namespace) -> int:
    role = Role(args.role)
    expires_at = int(time.time()) + args.expires_in if args.expires_in else None
    try:
        engine = _open_store(args)
        if role is Role.AGENCY and args.agency_id and args.agency_name:
            with unit_of_work(engine) as session:
                if session.get(Agency, args.agency_id) is None:
                    session.add(
                        Agency(
                            id=args.agency_id,
                            name=args.agency_name,
                            province=args.agency_province or args.province,
                        )
                    )
        token = create_credential(
            engine, role, agency_id=args.agency_id, label=args.label, expires_at=expires_at
        )
        engine.dispose()
    except (NodeError, ValidationError) as error:
        print(f"cannot create the credential: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    try:
        engine = _open_store(args)
        rows = list_credentials(engine)
        engine.dispose()
    except (NodeError, ValidationError) as error:
        print(f"cannot list the credentials: {error}", file=sys.stderr)
        return 2
    print("id\trole\tagency\tstate\tcreated\texpires\tlabel")
    for row in rows:
        expires = _when(row.expires_at) if row.expires_at is not None else "never"
        columns = (row.id, row.role, row.agency_id or "-", credential_state(row).value)
        print(*columns, _when(row.created_at), expires, row.label, sep="\t")
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    try:
        engine = _open_store(args)
        row = revoke_credential(engine, args.credential_id)
        engine.dispose()
    except (NodeError, ValidationError) as error:
        print(f"cannot revoke the credential: {error}", file=sys.stderr)
        return 2
    print(
        f"credential {row.id} ({row.role}{', ' + row.agency_id if row.agency_id else ''}) revoked"
    )
    return 0


def _when(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
