"""``huren issue``, ``revoke``, ``suspend``, ``reinstate``, ``export`` against a real node process.

The node runs as ``huren node serve`` from its configuration file (dev mode, its own SQLite
store, the session's chain, anchoring every fraction of a second); its credentials are minted
with ``huren node token create`` into token files, as an operator would. The end-to-end flows
run the commands as processes; the many refusals run the same ``main`` in this process, which
is the command line without the interpreter's start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from service_process import free_port, serving

from certificate.samples import sample_document
from certificate.sealed_file import FullContent, parse_sealed
from huren.cli import main
from huren.operator import BulkIssued, BulkRevoked, Issued, StatusPublic
from ledger.anvil import LocalChain
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES

REPO = Path(__file__).resolve().parents[1]
ZHEJIANG = 330000


@dataclass(frozen=True)
class Node:
    """The running node, its configuration and one token file per role."""

    url: str
    config: Path
    tokens: dict[str, Path]
    folder: Path

    def options(self, role: str = "operator") -> list[str]:
        return ["--node", self.url, "--token-file", str(self.tokens[role])]


@pytest.fixture(scope="module")
def node(
    tmp_path_factory: pytest.TempPathFactory, local_chain: LocalChain, deployment: Deployment
) -> Iterator[Node]:
    folder = tmp_path_factory.mktemp("operator")
    record = folder / "deployment.json"
    deployment.save(record)
    chain_key = next(p for p in DEV_PROVINCES if p.code == ZHEJIANG).account.private_key
    config = folder / "node.env"
    config.write_text(
        "\n".join(
            [
                "HUREN_NODE_MODE=dev",
                f"HUREN_NODE_DATA_DIR={folder / 'data'}",
                f"HUREN_NODE_RPC_URL={local_chain.url}",
                f"HUREN_NODE_DEPLOYMENT_FILE={record}",
                f"HUREN_NODE_CHAIN_KEY={chain_key}",
                "HUREN_NODE_BATCH_INTERVAL=0.2",
                "HUREN_NODE_BATCH_SIZE=64",
                "HUREN_NODE_SEALING_WORKERS=1",
            ]
        ),
        encoding="utf-8",
    )
    tokens: dict[str, Path] = {}
    for role in ("operator", "auditor", "portal"):
        tokens[role] = folder / f"{role}.token"
        with tokens[role].open("w") as out, contextlib.redirect_stdout(out):
            argv = ["node", "token", "create", "--province", str(ZHEJIANG)]
            assert main([*argv, "--config", str(config), "--role", role]) == 0
    port = free_port()
    command = [sys.executable, "-m", "huren", "node", "serve", "--province", str(ZHEJIANG)]
    with serving([*command, "--config", str(config), "--port", str(port)], port) as served:
        yield Node(served.url, config, tokens, folder)


def _huren(*args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "huren", *args],
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _documents(count: int) -> list[dict[str, object]]:
    base = secrets.randbelow(2**31)
    return [
        sample_document("driving_licence", seed=base + i, province=ZHEJIANG) for i in range(count)
    ]


def test_issue_export_disclose_and_verify_from_the_command_line(
    node: Node, tmp_path: Path, local_chain: LocalChain
) -> None:
    (document,) = _documents(1)
    source = tmp_path / "document.json"
    source.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    issued = _huren("issue", str(source), *node.options())
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout.strip() == document["identifier"]

    whole = tmp_path / "whole.json"
    exported = _huren(
        "export", str(document["identifier"]), "--wait", "60", "--out", str(whole), *node.options()
    )
    assert exported.returncode == 0, exported.stderr
    assert isinstance(parse_sealed(whole.read_bytes()).content, FullContent)

    shown = tmp_path / "shown.json"
    disclosed = _huren("disclose", str(whole), "--field", "/holder/name", "--out", str(shown))
    assert disclosed.returncode == 0, disclosed.stderr
    chain = ["--rpc", local_chain.url, "--deployment", str(node.folder / "deployment.json")]
    verified = _huren("verify", str(whole), str(shown), "--json", *chain)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert [r["verdict"] for r in json.loads(verified.stdout)] == ["VALID", "VALID"]

    revoked = _huren("revoke", str(document["identifier"]), "--reason", "fraud", *node.options())
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.split("\t")[:2] == [document["identifier"], "revoked"]
    assert "6 FRAUD" in revoked.stdout
    again = _huren("verify", str(shown), *chain)
    assert again.returncode == 1 and "revoked" in again.stdout  # INVALID

    redacted = _huren("export", str(document["identifier"]), *node.options("auditor"))
    assert redacted.returncode == 0, redacted.stderr
    assert str(document["holder"]["name"]) not in redacted.stdout  # type: ignore[index]


def test_json_lines_in_chunks_with_progress_then_a_bulk_revocation(
    node: Node, tmp_path: Path
) -> None:
    documents = _documents(25)
    lines = b"\n".join(json.dumps(d, ensure_ascii=False).encode() for d in documents) + b"\n\n"
    issued = _huren("issue", "-", "--chunk-size", "10", *node.options(), stdin=lines)
    assert issued.returncode == 0, issued.stderr
    ids = issued.stdout.split()
    assert ids == [d["identifier"] for d in documents]
    assert issued.stderr.splitlines() == [
        "issued: 10 of 25",
        "issued: 20 of 25",
        "issued: 25 of 25",
    ]
    assert main(["export", ids[-1], "--wait", "60", *node.options()]) == 0  # the last batch
    assert _huren("suspend", ids[0], "--reason", "10", *node.options()).returncode == 0
    reinstated = _huren("reinstate", ids[0], "--reason", "investigation-cleared", *node.options())
    assert reinstated.stdout.split("\t")[1] == "active", reinstated.stderr

    listing = tmp_path / "revoke.txt"
    listing.write_text(
        "# to revoke\n" + "\n".join([*ids[:20], ids[3], ""]) + "\n", encoding="utf-8"
    )
    assert main(["revoke", ids[5], "--reason", "2", *node.options()]) == 0
    bulk = _huren("revoke", "--from-file", str(listing), "--reason", "1", *node.options())
    assert bulk.returncode == 0, bulk.stderr
    outcome = dict(line.split("\t") for line in bulk.stdout.splitlines())
    assert outcome == {i: "revoked" for i in ids[:20] if i != ids[5]} | {ids[5]: "already revoked"}
    assert bulk.stderr.strip() == "revocations: 21 of 21"


def test_a_refused_chunk_names_its_lines_and_the_earlier_ones_are_issued(
    node: Node, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    documents = _documents(6)
    documents[4]["number"] = ""  # the schema wants a number
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in documents))
    assert main(["issue", str(path), "--chunk-size", "3", *node.options()]) == 1
    captured = capsys.readouterr()
    assert captured.out.split() == [d["identifier"] for d in documents[:3]]
    assert "line 5: " in captured.err
    assert "lines 1 to 3 were issued" in captured.err
    assert "lines 4 to 6 were refused, none of them issued" in captured.err
    assert "send from line 4 on again once fixed" in captured.err


_BAD_LINES = [
    (b'{"format": "\xff"}', "not UTF-8 (byte 13 of the line)"),
    (b'{"format": "x\x00"}', "Invalid control character"),
    (b"[" * 40 + b"]" * 40, "nested more than 32 deep"),
    (b"[" * 100_000 + b"]" * 100_000, "nested more than 32 deep"),
    (b'{"n": ' + b"9" * 5_000 + b"}", "more than 100 characters"),
    (b'{"n": 1e999}', "beyond what a 64-bit float holds"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"a": 1} {"b": 2}', "Extra data"),
]


def test_lines_that_are_no_documents_are_named_and_nothing_is_sent(
    node: Node, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    documents = _documents(3)
    good = [json.dumps(d, ensure_ascii=False).encode() for d in documents]
    lines = [good[0], *[bad for bad, _ in _BAD_LINES], good[1], good[2]]
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert main(["issue", str(path), *node.options()]) == 2
    error = capsys.readouterr().err
    assert f"{len(_BAD_LINES)} line(s) cannot be taken, nothing was sent" in error
    for number, (_, said) in enumerate(_BAD_LINES, 2):
        assert f"line {number}: " in error
        assert said in error.split(f"line {number}: ")[1], (number, said)
    for document in documents:  # none was issued
        assert main(["export", str(document["identifier"]), *node.options()]) == 1
        assert "unknown_certificate" in capsys.readouterr().err


def test_identifier_files_and_command_lines_that_cannot_be_sent(
    node: Node, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listing = tmp_path / "ids.txt"
    good = str(_documents(1)[0]["identifier"])
    listing.write_bytes(b"\n".join([good.encode(), b"\xff\xfe", b"not-an-id", b"1.2.156\x00"]))
    assert main(["revoke", "--from-file", str(listing), "--reason", "1", *node.options()]) == 2
    error = capsys.readouterr().err
    assert "3 line(s) cannot be taken, nothing was sent" in error
    assert "line 2: not UTF-8" in error and "line 3: 'not-an-id' is not a 证照标识" in error
    assert "line 4: '1.2.156\\\\x00' is not a 证照标识" in error

    for argv, said in [
        (["revoke", "x\x00y", "--reason", "1"], "is not a 证照标识"),
        (["revoke", good, "--from-file", str(listing), "--reason", "1"], "not both"),
        (["revoke", "--reason", "1"], "give the certificate's ID"),
        (["export", good, "--wait", "-1"], "--wait must be"),
        (["suspend", good, "--reason", "10", "--effective-at", "soon"], "is not a time"),
        (["issue", str(tmp_path / "missing.jsonl")], "cannot read"),
    ]:
        assert main([*argv, *node.options()]) == 2, argv
        assert said in capsys.readouterr().err, argv
    with pytest.raises(SystemExit) as usage:
        main(["revoke", good, "--reason", "bogus", *node.options()])
    assert usage.value.code == 2
    assert "0 UNSPECIFIED, 1 ISSUED_IN_ERROR" in capsys.readouterr().err


def test_where_the_node_and_the_credential_come_from(
    node: Node, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = str(_documents(1)[0]["identifier"])
    token = node.tokens["operator"].read_text().strip()

    def refusal(*argv: str) -> tuple[int, str]:
        code = main(["export", good, *argv])
        return code, capsys.readouterr().err

    assert refusal("--token-file", str(node.tokens["operator"]))[1].endswith(
        "which node? give --node URL, or set HUREN_CLIENT_NODE_URL (in the environment or the "
        "--config file)\n"
    )
    assert "no credential" in refusal("--node", node.url)[1]
    bad_token = tmp_path / "bad.token"
    for content, said in [(b"\xff" * 40, "is not UTF-8"), (b"", "does not hold a token")]:
        bad_token.write_bytes(content)
        assert said in refusal("--node", node.url, "--token-file", str(bad_token))[1]
    assert "cannot be read" in refusal("--node", node.url, "--token-file", str(tmp_path))[1]

    config = tmp_path / "client.env"
    config.write_text(f"HUREN_CLIENT_NODE_URL={node.url}\nHUREN_CLIENT_TOKEN={token}\n")
    code, error = refusal("--config", str(config))
    assert code == 1 and "(unknown_certificate, HTTP 404)" in error
    monkeypatch.setenv("HUREN_CLIENT_NODE_URL", node.url)
    monkeypatch.setenv("HUREN_CLIENT_TOKEN", "x" * 43)
    code, error = refusal()
    assert code == 1 and "(unauthenticated, HTTP 401)" in error
    config.write_bytes(b"HUREN_CLIENT_TOKEN_FILEX=1\n")
    assert "HUREN_CLIENT_TOKEN_FILEX: Extra inputs" in refusal("--config", str(config))[1]

    closed = f"http://127.0.0.1:{free_port()}"
    code, error = refusal("--node", closed, "--token-file", str(node.tokens["operator"]))
    assert code == 3 and "could not be reached" in error
    code, error = refusal("--node", "ftp://x", "--token-file", str(node.tokens["operator"]))
    assert code == 3 and "is not a node URL" in error


def test_the_clients_answers_are_the_nodes_response_models(node: Node) -> None:
    """The client checks each answer against its own models; they must be the node's."""
    spec = httpx.get(f"{node.url}/openapi.json", timeout=30).json()
    schemas = spec["components"]["schemas"]
    for model in (Issued, BulkIssued, StatusPublic, BulkRevoked):
        schema = schemas[model.__name__]
        assert set(model.model_fields) == set(schema["properties"]), model.__name__
