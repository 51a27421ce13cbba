"""A service of the demo run as its own process: started, waited for, stopped cleanly.

Each province node and the agency service run as separate Python processes (``huren node
serve`` and uvicorn), so they use every core and stop exactly as they would in production:
SIGTERM, uvicorn's graceful shutdown, the node's lifespan stops its batcher. They run in their
own session, so Ctrl-C reaches only the demo, which then stops them in order (agency, nodes,
chain) instead of all at once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx2 as httpx

from huren.demo.exceptions import DemoSetupError

__all__ = ["Service", "free_port", "port_is_free"]


def port_is_free(port: int) -> bool:
    """Whether a loopback TCP port can be listened on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred: int, taken: set[int]) -> int:
    """``preferred`` if it is free and not ``taken``, else a free port the system picks."""
    if preferred not in taken and port_is_free(preferred):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            return port


class Service:
    """One HTTP service in a child process, with its output in ``log_file``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log_file: Path,
        url: str,
        ready_path: str,
        cwd: Path,
    ) -> None:
        self.name = name
        self.url = url
        self._command = list(command)
        self._env = dict(env)
        self._log_file = log_file
        self._ready_path = ready_path
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Launch the process (without waiting for it to answer)."""
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self._env},
                cwd=self._cwd,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until ``GET url + ready_path`` answers 200.

        Raises:
            DemoSetupError: the process exited or did not answer in time (with its last output).
        """
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                if self._process is None or self._process.poll() is not None:
                    raise DemoSetupError(f"the {self.name} exited during start-up{self.tail()}")
                try:
                    if client.get(self.url + self._ready_path).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise DemoSetupError(
                        f"the {self.name} did not answer at {self.url} within {timeout:g} s"
                        f"{self.tail()}"
                    )
                time.sleep(0.1)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL if it has not exited within ``timeout``."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def tail(self, lines: int = 12) -> str:
        """The last lines of the service's output, as a suffix for an error message."""
        try:
            text = self._log_file.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        shown = "\n    ".join(text)
        return f"; its log {self._log_file} ends with:\n    {shown}" if text else ""
