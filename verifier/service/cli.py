"""``huren agency``: run a receiving agency's service and manage its clerks.

``huren agency serve [--config FILE]`` serves the agency's API and clerk page; settings come from
``HUREN_AGENCY_*`` environment variables and the optional dotenv-style ``FILE`` (the variables
win). Unset, the deployment record is ``$HUREN_HOME/deployment.json`` and the database a SQLite
file beside it, as for ``huren node``. The service starts (database migrated, chain asked, clerks
checked) before it listens, so a setting, a store or a chain that does not work is reported in
one line, exit status 2, rather than as a server's traceback.

``huren agency clerk create --name NAME [--expires-in 90d]`` stores a clerk and prints their
token once on standard output (only its SHA-256 is stored); ``huren agency clerk list`` shows
every clerk with their state; ``huren agency clerk revoke ID`` refuses a clerk's token from then
on. They open the agency's database directly (its administrator runs them where the service
runs), never the chain; like the service, they first import the token hashes still listed in
``HUREN_AGENCY_CLERK_TOKEN_HASHES`` (see :mod:`verifier.service.clerks`).

Exit status: 0 done, 2 the settings, the configuration file, the database or the input did not
allow it (one line on standard error says why), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy import Engine

from ledger.defaults import default_home
from service_base.durations import parse_duration
from verifier.service.clerks import (
    clerk_state,
    create_clerk,
    import_configured,
    list_clerks,
    revoke_clerk,
)
from verifier.service.db import make_engine, migrate
from verifier.service.exceptions import AgencyConfigError, AgencyError
from verifier.service.settings import AgencySettings

__all__ = ["load_settings", "register"]

DEFAULT_PORT = 8300
T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren agency serve`` and ``huren agency clerk create|list|revoke``."""
    agency = subparsers.add_parser("agency", help="run a receiving agency's service, its clerks")
    commands = agency.add_subparsers(dest="agency_command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="serve the agency's HTTP API and clerk page")
    _config(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"({DEFAULT_PORT})")
    serve.set_defaults(handler=_serve)

    clerk = commands.add_parser("clerk", help="the clerks who may call the service")
    clerk_commands = clerk.add_subparsers(dest="clerk_command", metavar="COMMAND", required=True)
    create = clerk_commands.add_parser("create", help="store a clerk, print their token once")
    _config(create)
    create.add_argument("--name", required=True, help="who the clerk is, e.g. '王芳 (窗口 3)'")
    create.add_argument(
        "--expires-in",
        type=parse_duration,
        metavar="DURATION",
        help="refuse the token after this long, e.g. 90d, 12h (default: never)",
    )
    create.set_defaults(handler=_clerk_create)

    listing = clerk_commands.add_parser("list", help="every clerk and their state")
    _config(listing)
    listing.set_defaults(handler=_clerk_list)

    revoke = clerk_commands.add_parser("revoke", help="refuse a clerk's token from now on")
    _config(revoke)
    revoke.add_argument("clerk_id", type=int, help="their id, as 'clerk list' shows it")
    revoke.set_defaults(handler=_clerk_revoke)


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="dotenv file of HUREN_AGENCY_* settings"
    )


def load_settings(config: Path | None) -> AgencySettings:
    """Settings from the environment and ``config``; unset paths default under ``$HUREN_HOME``.

    Raises:
        AgencyConfigError: ``config`` cannot be read or is not UTF-8 text, or a setting is
            missing or invalid (one line per problem, named as its variable).
    """
    if config is not None and not config.is_file():
        raise AgencyConfigError(f"the configuration file {config} does not exist")
    try:
        settings = AgencySettings(_env_file=config)  # type: ignore[call-arg]
    except ValidationError as error:
        raise AgencyConfigError(_problems(error)) from None
    except UnicodeDecodeError as error:
        raise AgencyConfigError(
            f"the configuration file {config} is not UTF-8 text (byte {error.start})"
        ) from None
    except (SettingsError, OSError, RecursionError) as error:
        raise AgencyConfigError(
            f"the settings cannot be read{f' from {config}' if config else ''}: "
            f"{_first_line(error)}"
        ) from None
    home = default_home()
    defaults: dict[str, Any] = {
        "deployment_file": home / "deployment.json",
        "database_url": f"sqlite:///{home / 'agency.sqlite3'}",
    }
    unset = {k: v for k, v in defaults.items() if k not in settings.model_fields_set}
    return settings.model_copy(update=unset) if unset else settings


def _problems(error: ValidationError) -> str:
    """Each problem of ``error`` on one line, named as its environment variable."""
    lines = []
    for problem in error.errors(include_url=False, include_input=False):
        field = str(problem["loc"][0]) if problem["loc"] else ""
        name = f"HUREN_AGENCY_{field.upper()}" if field else "the settings"
        lines.append(f"{name}: {problem['msg']}")
    return "; ".join(lines)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    cause = error.__cause__ or error.__context__
    if isinstance(error, SettingsError) and cause is not None:
        text = f"{text} ({type(cause).__name__})"
    return text.splitlines()[0][:300]


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ledger.exceptions import LedgerError
    from verifier.service.app import create_app

    try:
        app = create_app(load_settings(args.config))
    except (AgencyError, LedgerError) as error:
        print(f"cannot start the agency: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a SQLite folder that cannot be made
        print(f"cannot start the agency: {error.strerror or error}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _with_store(args: argparse.Namespace, what: str, work: Callable[[Engine], T]) -> T | None:
    """``work`` on the agency's migrated store, with the clerks still configured imported (as
    the service does at start); None (after one line on stderr) if it failed."""
    try:
        settings = load_settings(args.config)
        engine = make_engine(settings.database_url)
        try:
            migrate(engine)
            import_configured(engine, settings.clerk_token_hashes)
            return work(engine)
        finally:
            engine.dispose()
    except AgencyError as error:
        print(f"cannot {what}: {error}", file=sys.stderr)
    except OSError as error:  # a SQLite folder that cannot be made
        print(f"cannot {what}: {error.strerror or error}", file=sys.stderr)
    return None


def _clerk_create(args: argparse.Namespace) -> int:
    expires = datetime.now(UTC) + timedelta(seconds=args.expires_in) if args.expires_in else None
    made = _with_store(
        args, "create the clerk", lambda engine: create_clerk(engine, args.name, expires_at=expires)
    )
    if made is None:
        return 2
    clerk, token = made
    print(token)
    print(f"clerk {clerk.id} ({clerk.name}) created; the token is shown only now", file=sys.stderr)
    return 0


def _clerk_list(args: argparse.Namespace) -> int:
    clerks = _with_store(args, "list the clerks", list_clerks)
    if clerks is None:
        return 2
    print("id\tname\tstate\tcreated\texpires\trevoked")
    for clerk in clerks:
        expires = _when(clerk.expires_at) if clerk.expires_at else "never"
        revoked = _when(clerk.revoked_at) if clerk.revoked_at else "-"
        columns = (clerk.id, clerk.name, clerk_state(clerk).value, _when(clerk.created_at))
        print(*columns, expires, revoked, sep="\t")
    return 0


def _clerk_revoke(args: argparse.Namespace) -> int:
    clerk = _with_store(args, "revoke the clerk", lambda e: revoke_clerk(e, args.clerk_id))
    if clerk is None:
        return 2
    print(f"clerk {clerk.id} ({clerk.name}) revoked")
    return 0


def _when(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
