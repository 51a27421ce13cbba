"""``huren verify --rpc URL --rpc URL … [--quorum K]`` and the agency's endpoint settings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lying_proxy import lying_proxy
from pydantic import ValidationError
from verifier_support import Issuer

from certificate.sealed_file import SealedCertificate
from huren.cli import main
from ledger.anvil import LocalChain
from ledger.deploy import Deployment
from ledger.quorum import public_url
from ledger.types import StatusReason
from verifier.service import AgencySettings, create_app


def _honest(method: str, params: list[Any], result: Any) -> Any:
    return result


def _header_lie(method: str, params: list[Any], result: Any) -> Any:
    if method == "eth_getBlockByNumber" and isinstance(result, dict):
        return {**result, "stateRoot": "0x" + "cd" * 32}
    return result


@pytest.fixture
def record(tmp_path: Path, deployment: Deployment) -> Path:
    path = tmp_path / "deployment.json"
    deployment.save(path)
    return path


@pytest.fixture
def proxies(local_chain: LocalChain) -> Iterator[Callable[..., list[str]]]:
    with ExitStack() as stack:
        yield lambda *rewrites: [
            stack.enter_context(lying_proxy(local_chain.url, r)) for r in rewrites
        ]


@pytest.fixture
def files(issuer: Callable[[int], Issuer], tmp_path: Path) -> tuple[Path, Path]:
    """A good certificate's file and a revoked one's."""
    shanghai = issuer(310000)
    good, bad = shanghai.issue(2)
    assert bad.receipt is not None
    shanghai.client.revoke(bad.digest, bad.receipt.batch_root, StatusReason.FRAUD)
    return _write(tmp_path / "good.json", good), _write(tmp_path / "revoked.json", bad)


def _write(path: Path, sealed: SealedCertificate) -> Path:
    path.write_text(sealed.to_json())
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_two_endpoints_must_agree(
    files: tuple[Path, Path],
    record: Path,
    proxies: Callable[..., list[str]],
    local_chain: LocalChain,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good, _ = files
    (honest,) = proxies(_honest)
    chain = ["--deployment", str(record), "--rpc", local_chain.url, "--rpc", honest]
    code, out, _ = _run(capsys, str(good), "--json", *chain)
    assert code == 0
    trust = json.loads(out)["trust"]
    assert trust["endpoints"] == [public_url(local_chain.url), honest]
    assert trust["quorum"] == 2 and trust["disagreed"] == {}
    assert trust["proofs_checked"] > 0 and trust["block_source"] == "agreed"


def test_one_liar_of_two_is_an_error_and_of_three_is_outvoted(
    files: tuple[Path, Path],
    record: Path,
    proxies: Callable[..., list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    good, revoked = files
    liar, honest, other = proxies(_header_lie, _honest, _honest)
    deployment = ["--deployment", str(record)]

    code, out, _ = _run(capsys, str(good), *deployment, "--rpc", liar, "--rpc", honest)
    assert code == 2
    assert f"! endpoint {liar}" in out and "did not give one trustworthy answer" in out

    three = ["--rpc", liar, "--rpc", honest, "--rpc", other, "--quorum", "2"]
    code, out, _ = _run(capsys, str(revoked), *deployment, *three)
    assert code == 1
    assert "✗ status" in out and f"! endpoint {liar}" in out
    assert "2 of 3 endpoints agreed on block" in out
    code, _, _ = _run(capsys, str(good), *deployment, *three)
    assert code == 0


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--rpc", "http://a.example", "--quorum", "2"], "quorum of 2 is not between 1 and 1"),
        (["--rpc", "http://a.example", "--quorum", "0"], "quorum of 0"),
        (["--rpc", "http://a.example", "--rpc", "http://a.example"], "named twice"),
        (["--rpc", "file:///etc/passwd"], "not an http"),
    ],
)
def test_bad_endpoint_options_are_refused(
    files: tuple[Path, Path],
    record: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    problem: str,
) -> None:
    good, _ = files
    code, out, err = _run(capsys, str(good), "--deployment", str(record), *args)
    assert code == 2 and out == ""
    assert problem in err


def test_agency_reads_through_its_endpoints(
    files: tuple[Path, Path],
    record: Path,
    proxies: Callable[..., list[str]],
    tmp_path: Path,
) -> None:
    good, revoked = files
    liar, honest, other = proxies(_header_lie, _honest, _honest)
    settings = AgencySettings(
        agency_id="js-gongan-hukou",
        mode="dev",
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        deployment_file=record,
        rpc_urls=(liar, honest, other),
        rpc_quorum=2,
    )
    with TestClient(create_app(settings)) as agency:
        answer = agency.post("/verify", content=revoked.read_bytes())
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["verdict"] == "INVALID"
        assert report["trust"]["endpoints"] == [liar, honest, other]
        assert list(report["trust"]["disagreed"]) == [liar]
        assert agency.post("/verify", content=good.read_bytes()).json()["verdict"] == "VALID"


@pytest.mark.parametrize(
    "fields",
    [
        {"rpc_urls": ("http://a.example",), "rpc_quorum": 2},
        {"rpc_urls": ("http://a.example", "http://a.example")},
        {"rpc_urls": ("ftp://a.example",)},
        {"finality": "latest"},
    ],
)
def test_agency_endpoint_settings_are_checked(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AgencySettings(agency_id="x", mode="dev", **fields)


def test_agency_defaults_to_its_one_endpoint() -> None:
    settings = AgencySettings(agency_id="x", mode="dev", rpc_url="http://chain.example:8545")
    assert settings.endpoints == ("http://chain.example:8545",)
    assert settings.finality == "finalized" and settings.rpc_quorum is None
