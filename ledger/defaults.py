"""Where the embedded default keeps its state and listens, for every command that uses it.

Kept apart from the commands themselves so that a command line (``huren verify``, ``huren
audit``) can name the defaults without importing the chain tooling.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_RPC_PORT", "DEFAULT_RPC_URL", "default_home"]

DEFAULT_RPC_PORT = 8545
"""The JSON-RPC port ``huren chain up`` listens on."""

DEFAULT_RPC_URL = f"http://127.0.0.1:{DEFAULT_RPC_PORT}"
"""The JSON-RPC endpoint of the embedded chain started by ``huren chain up``."""


def default_home() -> Path:
    """The working folder of the embedded default (``$HUREN_HOME`` or ``./.huren``)."""
    return Path(os.environ.get("HUREN_HOME", ".huren"))
