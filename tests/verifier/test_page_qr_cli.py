"""``huren verify --qr PAYLOAD`` and scanned payloads saved as text files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from verifier_support import Issuer

from certificate import disclose, reference_payload, sealed_payload
from huren.cli import main
from ledger.deploy import Deployment
from ledger.types import StatusReason


@pytest.fixture
def chain_args(tmp_path: Path, deployment: Deployment, local_chain_url: str) -> list[str]:
    record = tmp_path / "deployment.json"
    deployment.save(record)
    return ["--rpc", local_chain_url, "--deployment", str(record)]


def test_payloads_from_the_command_line_and_from_files(
    issuer: Callable[[int], Issuer],
    chain_args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    jiangsu = issuer(320000)
    good, revoked = jiangsu.issue(2)
    assert revoked.receipt is not None
    jiangsu.client.revoke(revoked.digest, revoked.receipt.batch_root, int(StatusReason.FRAUD))
    scanned = tmp_path / "scan.txt"
    scanned.write_text(sealed_payload(disclose(revoked, ["/holder/name"])) + "\n")

    code = main(["verify", "--qr", sealed_payload(good), *chain_args])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("QR payload 1") and "VALID: the certificate is genuine" in out

    code = main(["verify", str(scanned), "--qr", sealed_payload(good), "--json", *chain_args])
    reports = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(r["file"], r["verdict"]) for r in reports] == [
        (str(scanned), "INVALID"),
        ("QR payload 1", "VALID"),
    ]
    status = next(c for c in reports[0]["checks"] if c["type"] == "status")
    assert status["reason_name"] == "STATUS_REVOKED"


def test_references_and_damage_are_explained(
    issuer: Callable[[int], Issuer],
    chain_args: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (sealed,) = issuer(330000).issue()
    assert main(["verify", "--qr", reference_payload(sealed), *chain_args]) == 2
    message = capsys.readouterr().err
    assert "only names certificate" in message and "holder's consent" in message
    assert sealed.digest.hex() in message

    assert main(["verify", "--qr", "HUREN1:ABC", *chain_args]) == 2
    assert "QR payload 1: the payload does not decompress" in capsys.readouterr().err

    assert main(["verify", *chain_args]) == 2
    assert "give a certificate FILE or --qr PAYLOAD" in capsys.readouterr().err
