"""``huren agency``: clerks made, listed and revoked from the command line, the service run from
its configuration file alone, and configuration files that are not settings refused in one line."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import pytest
from service_process import free_port, serving

from certificate.samples import sample_document
from ledger.anvil import LocalChain
from ledger.deploy import Deployment

REPO = Path(__file__).resolve().parents[2]


def _huren(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huren", *args],
        env={**os.environ, "PYTHONPATH": str(REPO), "HUREN_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def config(tmp_path: Path, local_chain: LocalChain, deployment: Deployment) -> Path:
    """An agency's configuration file: production mode, its own SQLite store, the test chain."""
    record = tmp_path / "deployment.json"
    deployment.save(record)
    path = tmp_path / "agency.env"
    path.write_text(
        "\n".join(
            [
                "HUREN_AGENCY_AGENCY_ID=js-gongan-hukou",
                f"HUREN_AGENCY_RPC_URL={local_chain.url}",
                f"HUREN_AGENCY_DEPLOYMENT_FILE={record}",
                f"HUREN_AGENCY_DATABASE_URL=sqlite:///{tmp_path / 'agency.db'}",
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_clerks_from_the_command_line_call_the_served_agency(config: Path, tmp_path: Path) -> None:
    refused = _huren("agency", "serve", "--config", str(config), home=tmp_path)
    assert refused.returncode == 2
    assert "no clerk can call this agency" in refused.stderr
    assert "Traceback" not in refused.stderr

    made = _huren(
        "agency", "clerk", "create", "--config", str(config), "--name", "王芳", home=tmp_path
    )
    assert made.returncode == 0, made.stderr
    wang = made.stdout.strip()
    assert len(wang) == 43 and "clerk 1 (王芳) created" in made.stderr
    other = _huren(
        "agency", "clerk", "create", "--config", str(config), "--name", "李明",
        "--expires-in", "30d", home=tmp_path,
    )  # fmt: skip
    li = other.stdout.strip()

    port = free_port()
    command = [sys.executable, "-m", "huren", "agency", "serve", "--config", str(config)]
    with serving([*command, "--port", str(port)], port, {"HUREN_HOME": str(tmp_path)}) as agency:
        body = {
            "certificate_id": sample_document(
                "driving_licence", seed=secrets.randbelow(2**32), province=310000
            )["identifier"],
            "issuing_province": 440000,  # not a member: refused for good, no node needed
            "consent_token": "t.s",
        }
        answer = httpx.post(
            f"{agency.url}/requests", json=body, headers={"Authorization": f"Bearer {wang}"}
        )
        assert answer.status_code == 201, answer.text
        assert (answer.json()["clerk_id"], answer.json()["clerk_name"]) == (1, "王芳")

        revoked = _huren("agency", "clerk", "revoke", "2", "--config", str(config), home=tmp_path)
        assert (revoked.returncode, revoked.stdout.strip()) == (0, "clerk 2 (李明) revoked")
        refused_li = httpx.post(
            f"{agency.url}/verify", content=b"{}", headers={"Authorization": f"Bearer {li}"}
        )
        assert (refused_li.status_code, refused_li.json()["error"]) == (401, "credential_revoked")

    listed = _huren("agency", "clerk", "list", "--config", str(config), home=tmp_path)
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert rows[0] == ["id", "name", "state", "created", "expires", "revoked"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("1", "王芳", "active"),
        ("2", "李明", "revoked"),
    ]
    assert rows[1][4] == "never" and rows[2][4] != "never"
    missing = _huren("agency", "clerk", "revoke", "7", "--config", str(config), home=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "cannot revoke the clerk: no clerk 7; 'huren agency clerk list' shows them"
    )


_HOSTILE = {
    "not UTF-8": (b"HUREN_AGENCY_AGENCY_ID=js\xff\n", "is not UTF-8 text (byte 25)"),
    "NUL in the id": (b"HUREN_AGENCY_AGENCY_ID=js\x00x\n", "HUREN_AGENCY_AGENCY_ID: Value error"),
    "deep JSON": (
        b"HUREN_AGENCY_AGENCY_ID=js\nHUREN_AGENCY_NODE_TOKENS=" + b"[" * 100_000 + b"\n",
        "cannot be read from",
    ),
    "huge number": (
        b"HUREN_AGENCY_AGENCY_ID=js\nHUREN_AGENCY_MAX_BODY_BYTES=" + b"9" * 5_000 + b"\n",
        "HUREN_AGENCY_MAX_BODY_BYTES: Unable to parse",
    ),
    "unknown setting": (
        b"HUREN_AGENCY_AGENCY_ID=js\nHUREN_AGENCY_CLERK_TOKENS=abc\n",
        "HUREN_AGENCY_CLERK_TOKENS: Extra inputs are not permitted",
    ),
    "no agency id": (b"# nothing here\n", "HUREN_AGENCY_AGENCY_ID: Field required"),
    "bad hash": (
        b'HUREN_AGENCY_AGENCY_ID=js\nHUREN_AGENCY_MODE=dev\nHUREN_AGENCY_CLERK_TOKEN_HASHES=["ab"]\n',
        "not a SHA-256 in hex",
    ),
}


_DRIVER = """
import contextlib, io, json, sys
from huren.cli import main
results = {}
for case, path, port in json.loads(sys.argv[1]):
    for command in (["serve", "--port", port], ["clerk", "create", "--name", "x"]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["agency", *command, "--config", path])
        results.setdefault(case, []).append([command[0], code, err.getvalue()])
print(json.dumps(results))
"""


def test_configuration_files_that_are_no_settings_are_one_line_each(
    tmp_path: Path, local_chain: LocalChain, deployment: Deployment
) -> None:
    """Exit 2 with one line naming the problem, never a traceback or a crash (a file nested
    100,000 deep is what killed processes whose recursion limit web3 had raised): every case
    through ``huren agency serve`` and ``clerk create``, in one process of the command line."""
    record = tmp_path / "deployment.json"
    deployment.save(record)
    cases = []
    for index, (case, (data, _)) in enumerate(_HOSTILE.items()):
        path = tmp_path / f"agency-{index}.env"
        path.write_bytes(
            data
            + f"HUREN_AGENCY_RPC_URL={local_chain.url}\nHUREN_AGENCY_DEPLOYMENT_FILE={record}\n"
            f"HUREN_AGENCY_DATABASE_URL=sqlite:///{tmp_path / f'agency-{index}.db'}\n".encode()
        )
        cases.append((case, str(path), str(free_port())))
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(cases)],
        env={**os.environ, "PYTHONPATH": str(REPO), "HUREN_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    for case, (_, expected) in _HOSTILE.items():
        for command, code, stderr in results[case]:
            assert code == 2, (case, command, stderr)
            assert expected in stderr, (case, command, stderr)
            assert len(stderr.strip().splitlines()) == 1, (case, command, stderr)


def test_a_missing_configuration_file_is_named(tmp_path: Path) -> None:
    done = _huren("agency", "clerk", "list", "--config", str(tmp_path / "nope.env"), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"cannot list the clerks: the configuration file {tmp_path / 'nope.env'} does not exist"
    )
