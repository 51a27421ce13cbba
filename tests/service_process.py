"""A service run as a real process on a free loopback port, for tests that must see it survive.

An in-process test client shares the test's interpreter: a request that crashes the service
(a segmentation fault) would end the test run instead of failing one test. Here the service is
its own process; :meth:`Served.answers` tells whether it is still there and answering.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx

REPO = Path(__file__).resolve().parents[1]

DEEP = b"[" * 100_000 + b"]" * 100_000
"""200 KB: arrays nested 100,000 deep, what crashed the services."""

LONG_NUMBER = b'{"number": ' + b"9" * 5_000 + b"}"
"""An integer of 5,000 digits, more than Python converts (4,300)."""

NOT_UTF8 = b'{"text": "\xff"}'


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running service: its URL and its process."""

    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        """The end of what the process printed (for a failure's message)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def answers(self) -> bool:
        """Whether the process is alive and serves its OpenAPI document."""
        if self.process.poll() is not None:
            return False
        return httpx.get(f"{self.url}/openapi.json", timeout=10).status_code == 200

    def post(self, path: str, body: bytes, token: str | None = None, **headers: str) -> Any:
        """POST ``body`` as JSON (with ``token`` as bearer); the response."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.post(
            f"{self.url}{path}",
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=30,
        )

    def body_routes(self) -> list[tuple[str, str]]:
        """Every (method, path) whose operation takes a request body in the OpenAPI document,
        path parameters filled in (a route without one never reads a body)."""
        spec = httpx.get(f"{self.url}/openapi.json", timeout=10).json()
        return [
            (method.upper(), _filled(path))
            for path, operations in spec["paths"].items()
            for method, operation in operations.items()
            if "requestBody" in operation
        ]


def _filled(path: str) -> str:
    parts = [("x" if part.startswith("{") else part) for part in path.split("/")]
    return "/".join(parts)


@contextmanager
def serving(command: list[str], port: int, env: Mapping[str, str] = {}) -> Iterator[Served]:
    """Start ``command`` (which listens on ``port``), wait until it answers, stop it after."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, "PYTHONPATH": str(REPO), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        served = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_it_answers(served)
            yield served
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_it_answers(served: Served) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if served.answers():
                return
        except httpx.TransportError:
            pass
        if served.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(served.output())
        time.sleep(0.2)
