"""The demo's working folder: chain state, deployment record, stores, keys, secrets, logs.

Layout (everything the demo writes lives here, so ``--fresh`` knows exactly what to remove)::

    chain-state.json        anvil's state (``huren chain up`` uses the same files)
    deployment.json         the ledger deployment record
    secrets.json            master keys, key passphrases and bearer tokens (mode 0600)
    keys/<code>.pem         each province's initial signing key, encrypted PKCS#8
    node-<code>/            each province node's SQLite store
    agency/                 the Shanghai agency service's SQLite store
    logs/<service>.log      each service's output
    .lock                   held while a demo runs on this folder

The secrets are random per folder: the nodes run in production mode (no public development
master key), and the tokens stay valid for a later run on the same folder.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from certificate.signing import SigningKey
from certificate.types import SignatureAlgorithm
from huren.demo.exceptions import DemoSetupError

__all__ = ["DemoHome"]

_OWNED = ("chain-state.json", "deployment.json", "secrets.json", "keys", "agency", "logs")


class DemoHome:
    """One demo working folder and the secrets kept in it."""

    def __init__(self, root: Path) -> None:
        # Absolute: the services run with this folder as their working directory.
        self.root = root.absolute()
        self._secrets: dict[str, Any] | None = None

    @property
    def deployment_file(self) -> Path:
        """The ledger deployment record (written by :func:`ledger.cli.start_dev_chain`)."""
        return self.root / "deployment.json"

    def node_dir(self, code: int) -> Path:
        """Where the node of province ``code`` keeps its SQLite store."""
        return self.root / f"node-{code}"

    def node_database_url(self, code: int) -> str:
        """The SQLAlchemy URL of that store."""
        return f"sqlite:///{self.node_dir(code) / f'node-{code}.sqlite3'}"

    @property
    def agency_database_url(self) -> str:
        """The SQLAlchemy URL of the agency service's store."""
        return f"sqlite:///{self.root / 'agency' / 'agency.sqlite3'}"

    def log_file(self, service: str) -> Path:
        """The output file of a service."""
        return self.root / "logs" / f"{service}.log"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder for this run; a second demo on the same folder is refused."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DemoSetupError(
                    f"another huren demo is running on {self.root}; stop it or pass another --home"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def reset(self) -> None:
        """Remove what an earlier demo left here (only the demo's own files and folders)."""
        if not self.root.exists():
            return
        for entry in self.root.iterdir():
            if entry.name in _OWNED or entry.name.startswith("node-"):
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        self._secrets = None

    # --- secrets ---------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        if self._secrets is None:
            path = self.root / "secrets.json"
            try:
                self._secrets = json.loads(path.read_text()) if path.exists() else {}
            except (OSError, ValueError) as error:
                raise DemoSetupError(f"cannot read {path} ({error}); run with --fresh") from None
        return self._secrets

    def _save(self) -> None:
        path = self.root / "secrets.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(self._load(), handle, indent=2)
        temporary.replace(path)

    def secret(self, name: str) -> str | None:
        """A stored secret (master key, passphrase or token), if there is one."""
        value = self._load().get(name)
        return value if isinstance(value, str) else None

    def remember(self, name: str, value: str) -> str:
        """Store a secret durably (0600) and return it."""
        self._load()[name] = value
        self._save()
        return value

    def master_key(self, code: int) -> str:
        """Province ``code``'s master key (32 random bytes, base64), made on first use."""
        name = f"master_key.{code}"
        return self.secret(name) or self.remember(
            name, base64.b64encode(secrets.token_bytes(32)).decode()
        )

    def signing_key(self, code: int) -> tuple[Path, str]:
        """Province ``code``'s initial signing key file and its passphrase, made on first use."""
        name = f"signing_key_passphrase.{code}"
        passphrase = self.secret(name) or self.remember(name, secrets.token_urlsafe(24))
        path = self.root / "keys" / f"{code}.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = SigningKey.generate(SignatureAlgorithm.ED25519).to_pem(passphrase.encode())
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
        return path, passphrase
