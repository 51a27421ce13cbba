"""``connect`` and the raw JSON-RPC client: errors, batches, keep-alive, proof-of-authority."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from web3 import Web3

from ledger.anvil import LocalChain
from ledger.chain import RpcClient, connect
from ledger.exceptions import LedgerConnectionError, LedgerRpcError, LedgerValueError

Answer = Callable[[dict[str, Any]], Any]


class FakeNode:
    """A tiny HTTP JSON-RPC server answering from ``answers[method](request)``; optionally
    drops the connection after each response without announcing it (a stale keep-alive)."""

    def __init__(self, answers: dict[str, Answer], *, drop_after_response: bool = False) -> None:
        self.answers = answers
        self.requests = 0
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                node.requests += 1
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if isinstance(payload, list):
                    body: Any = [node.respond(item) for item in reversed(payload)]
                else:
                    body = node.respond(payload)
                status = 200
                if isinstance(body, dict) and body.get("http_status"):
                    status = int(body["http_status"])
                    data = b"<html>bad gateway</html>"
                else:
                    data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                if drop_after_response:
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def respond(self, request: dict[str, Any]) -> Any:
        answer = self.answers.get(request["method"])
        if answer is None:
            error = {"code": -32601, "message": f"the method {request['method']} does not exist"}
            return {"jsonrpc": "2.0", "id": request["id"], "error": error}
        result = answer(request)
        if isinstance(result, dict) and ("error" in result or "http_status" in result):
            return {"jsonrpc": "2.0", "id": request["id"], **result}
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    def __enter__(self) -> FakeNode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_node() -> Iterator[Callable[..., FakeNode]]:
    nodes: list[FakeNode] = []

    def make(answers: dict[str, Answer], **options: Any) -> FakeNode:
        node = FakeNode(answers, **options).__enter__()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.__exit__()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connect_to_nothing_names_url_and_cause() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(LedgerConnectionError) as caught:
        connect(url, timeout=2)
    assert url in str(caught.value)
    assert caught.value.url == url
    assert caught.value.__cause__ is not None
    assert isinstance(caught.value, ConnectionError)


def test_connect_rejects_non_http_urls() -> None:
    with pytest.raises(LedgerValueError):
        connect("ws://127.0.0.1:8545")


def test_connect_and_client(local_chain: LocalChain) -> None:
    w3 = connect(local_chain.url)
    assert w3.eth.chain_id == 31337
    rpc = RpcClient.for_web3(w3)
    assert rpc.url == local_chain.url
    assert int(rpc.call("eth_chainId"), 16) == 31337


def test_client_needs_http_provider() -> None:
    w3 = Web3(Web3.IPCProvider("/nonexistent.ipc"))
    with pytest.raises(LedgerValueError, match="HTTPProvider"):
        RpcClient.for_web3(w3)


def test_rpc_error_becomes_ours(rpc: RpcClient) -> None:
    with pytest.raises(LedgerRpcError) as caught:
        rpc.call("eth_noSuchMethod")
    assert caught.value.code == -32601
    assert caught.value.method == "eth_noSuchMethod"


def test_batch_keeps_request_order(fake_node: Callable[..., FakeNode]) -> None:
    # The fake node answers a batch in reverse order; ids put it right.
    node = fake_node({"echo": lambda request: request["params"][0]})
    with RpcClient(node.url) as rpc:
        assert rpc.batch([("echo", [i]) for i in range(20)]) == list(range(20))
        assert rpc.batch([]) == []


def test_batch_results_hold_errors_in_place(rpc: RpcClient) -> None:
    results = rpc.batch_results(
        [("eth_chainId", []), ("eth_noSuchMethod", []), ("eth_blockNumber", [])]
    )
    assert results[0] == "0x7a69"
    assert isinstance(results[1], LedgerRpcError)
    assert isinstance(results[2], str)
    with pytest.raises(LedgerRpcError):
        rpc.batch([("eth_chainId", []), ("eth_noSuchMethod", [])])


def test_reconnects_after_server_dropped_keep_alive(fake_node: Callable[..., FakeNode]) -> None:
    node = fake_node({"eth_chainId": lambda _: "0x1"}, drop_after_response=True)
    with RpcClient(node.url) as rpc:
        for _ in range(5):
            assert rpc.call("eth_chainId") == "0x1"
    assert node.requests == 5


def test_http_error_without_json(fake_node: Callable[..., FakeNode]) -> None:
    node = fake_node({"eth_chainId": lambda _: {"http_status": 502}})
    with RpcClient(node.url) as rpc, pytest.raises(LedgerConnectionError, match="HTTP 502"):
        rpc.call("eth_chainId")


def test_unreachable_client() -> None:
    rpc = RpcClient(f"http://127.0.0.1:{closed_port()}", timeout=1)
    with rpc, pytest.raises(LedgerConnectionError, match="does not answer"):
        rpc.call("eth_chainId")


def test_basic_auth_from_url(fake_node: Callable[..., FakeNode]) -> None:
    node = fake_node({"eth_chainId": lambda _: "0x1"})
    url = node.url.replace("http://", "http://user:p%40ss@")
    rpc = RpcClient(url)
    assert rpc._headers["Authorization"] == "Basic dXNlcjpwQHNz"  # user:p@ss
    assert rpc.call("eth_chainId") == "0x1"


QBFT_BLOCK = {
    "number": "0x5",
    "hash": "0x" + "ab" * 32,
    "parentHash": "0x" + "cd" * 32,
    "extraData": "0x" + "f8" * 97,  # QBFT/IBFT put validators and seals here: > 32 bytes
    "timestamp": "0x6553f100",
    "gasLimit": "0x1c9c380",
    "gasUsed": "0x0",
    "miner": "0x" + "00" * 20,
    "transactions": [],
    "uncles": [],
    "logsBloom": "0x" + "00" * 256,
    "stateRoot": "0x" + "00" * 32,
    "receiptsRoot": "0x" + "00" * 32,
    "transactionsRoot": "0x" + "00" * 32,
    "sha3Uncles": "0x" + "00" * 32,
    "difficulty": "0x1",
    "nonce": "0x0000000000000000",
    "mixHash": "0x" + "00" * 32,
    "size": "0x100",
}


def test_proof_of_authority_chains_get_the_middleware(fake_node: Callable[..., FakeNode]) -> None:
    node = fake_node(
        {
            "eth_chainId": lambda _: "0x539",
            "eth_getBlockByNumber": lambda _: QBFT_BLOCK,
        }
    )
    w3 = connect(node.url)
    block = w3.eth.get_block("latest")
    assert block["number"] == 5
    assert len(block["proofOfAuthorityData"]) == 97
    plain = connect(node.url, poa=False)
    with pytest.raises(Exception, match=r"(?i)extradata"):
        plain.eth.get_block("latest")
