"""Where the operator commands find the node and their credential: options, variables, a file.

The node's URL: ``--node URL``, else ``HUREN_CLIENT_NODE_URL``, else the dotenv file named by
``--config``. The credential is never an option's value (a command line is seen by every user
of the machine and kept in shell histories): ``--token-file FILE``, else
``HUREN_CLIENT_TOKEN_FILE`` or ``HUREN_CLIENT_TOKEN`` (a variable or the configuration file; a
token file named anywhere wins over a token value). A token file holds the token on its first
line, as ``huren node token create … > FILE`` writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from huren.operator.exceptions import ClientConfigError

__all__ = ["ClientSettings", "NodeAccess", "node_access"]

_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,512}")
"""What a bearer token may be (RFC 6750's token68, bounded); the node's are 43 characters."""


class ClientSettings(BaseSettings):
    """The operator commands' settings (prefix ``HUREN_CLIENT_``)."""

    model_config = SettingsConfigDict(env_prefix="HUREN_CLIENT_", extra="forbid", frozen=True)

    node_url: str | None = Field(None, description="the province node's URL, http://host:port")
    token: SecretStr | None = Field(None, description="the credential at the node")
    token_file: Path | None = Field(None, description="a file holding the credential")


@dataclass(frozen=True, slots=True)
class NodeAccess:
    """The node to call and the credential to call it with."""

    url: str
    token: str


def node_access(config: Path | None, node: str | None, token_file: Path | None) -> NodeAccess:
    """The node and credential from the options (``node``, ``token_file``), the environment and
    the configuration file ``config``, in that order.

    Raises:
        ClientConfigError: no URL or no credential anywhere, or a file that cannot be read.
    """
    settings = _settings(config, {"node_url": node, "token_file": token_file})
    if not settings.node_url:
        raise ClientConfigError(
            "which node? give --node URL, or set HUREN_CLIENT_NODE_URL (in the environment or "
            "the --config file)"
        )
    if settings.token_file is not None:
        token = _read_token(settings.token_file)
    elif settings.token is not None:
        token = _checked(settings.token.get_secret_value(), "HUREN_CLIENT_TOKEN")
    else:
        raise ClientConfigError(
            "no credential: give --token-file FILE, or set HUREN_CLIENT_TOKEN_FILE or "
            "HUREN_CLIENT_TOKEN (in the environment or the --config file)"
        )
    return NodeAccess(settings.node_url, token)


def _settings(config: Path | None, options: dict[str, Any]) -> ClientSettings:
    if config is not None and not config.is_file():
        raise ClientConfigError(f"the configuration file {config} does not exist")
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return ClientSettings(_env_file=config, **given)  # type: ignore[call-arg]
    except ValidationError as error:
        problems = [
            f"HUREN_CLIENT_{str(problem['loc'][0]).upper()}: {problem['msg']}"
            if problem["loc"]
            else problem["msg"]
            for problem in error.errors(include_url=False, include_input=False)
        ]
        raise ClientConfigError("; ".join(problems)) from None
    except UnicodeDecodeError as error:
        raise ClientConfigError(
            f"the configuration file {config} is not UTF-8 text (byte {error.start})"
        ) from None
    except (SettingsError, OSError, RecursionError) as error:
        raise ClientConfigError(f"the settings cannot be read: {error}") from None


def _read_token(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ClientConfigError(
            f"the token file {path} cannot be read: {error.strerror or error}"
        ) from None
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        raise ClientConfigError(f"the token file {path} is not UTF-8 text") from None
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return _checked(first, f"the token file {path}")


def _checked(token: str, source: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ClientConfigError(
            f"{source} does not hold a token (16 to 512 letters, digits and -._~+/=, as "
            "'huren node token create' prints it)"
        )
    return token
