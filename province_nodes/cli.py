"""``huren node``: run a province node and mint its credentials.

``huren node serve --province 330000 [--config FILE]`` serves the node's API; settings come
from ``HUREN_NODE_*`` environment variables and the optional dotenv-style ``FILE``.
``huren node token create --province 330000 --role agency --agency-id js-gongan-hukou`` mints a
credential and prints its token once (only its hash is stored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ledger.defaults import default_home
from province_nodes.auth import create_credential
from province_nodes.db import make_engine, migrate, unit_of_work
from province_nodes.exceptions import NodeError
from province_nodes.models import Agency
from province_nodes.settings import NodeSettings
from province_nodes.types import Role

__all__ = ["load_settings", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren node serve`` and ``huren node token create``."""
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
    create.set_defaults(handler=_token_create)


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
    except (NodeError, ValidationError) as error:
        print(f"cannot start the node: {error}", file=sys.stderr)
        return 2
    port = args.port or int("8" + str(args.province)[:3])
    uvicorn.run(app, host=args.host, port=port, log_level="info")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    role = Role(args.role)
    try:
        settings = load_settings(args.province, args.config)
        engine = make_engine(settings.resolved_database_url())
        migrate(engine)
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
        token = create_credential(engine, role, agency_id=args.agency_id, label=args.label)
        engine.dispose()
    except (NodeError, ValidationError) as error:
        print(f"cannot create the credential: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0
