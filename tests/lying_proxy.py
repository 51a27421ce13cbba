"""A JSON-RPC proxy on loopback that forwards to a real node and rewrites chosen answers.

It stands for a compromised or buggy node: the auditor and the verifier talk to it like any node
and must notice the lies (shared by their tests, hence here). ``rewrite(method, params, result)``
sees every call of a request (single or batch) and returns the result to hand back.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Rewrite = Callable[[str, list[Any], Any], Any]


@contextmanager
def lying_proxy(upstream: str, rewrite: Rewrite) -> Iterator[str]:
    """Run the proxy in front of ``upstream`` while the block lasts; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            forwarded = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(forwarded, timeout=30) as response:
                answer = json.loads(response.read())
            request = json.loads(body)
            if isinstance(request, list):
                by_id = {item["id"]: item for item in request}
                answer = [self._lie(by_id.get(item.get("id"), {}), item) for item in answer]
            else:
                answer = self._lie(request, answer)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        @staticmethod
        def _lie(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
            if "result" in answer:
                method, params = request.get("method", ""), request.get("params", [])
                answer = {**answer, "result": rewrite(method, params, answer["result"])}
            return answer

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
