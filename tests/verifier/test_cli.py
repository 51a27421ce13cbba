"""``huren verify``: readable reports, JSON, and the exit code of the verdict."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from verifier_support import Issuer

from huren.cli import main
from ledger.deploy import Deployment

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def record(tmp_path: Path, deployment: Deployment) -> Path:
    path = tmp_path / "deployment.json"
    deployment.save(path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def test_valid_invalid_and_error_exit_codes(
    issuer: Callable[[int], Issuer],
    local_chain_url: str,
    record: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good, other = issuer(310000).issue(2)
    valid = tmp_path / "good.json"
    valid.write_text(good.to_json())
    tampered = tmp_path / "tampered.json"
    data = json.loads(other.to_json())
    data["content"]["document"]["holder"]["name"] = "王五"
    tampered.write_text(json.dumps(data, ensure_ascii=False))
    chain = ["--rpc", local_chain_url, "--deployment", str(record)]

    code, out = _run(capsys, str(valid), *chain)
    assert code == 0
    assert "VALID: the certificate is genuine" in out and "有效" in out

    code, out = _run(capsys, str(valid), str(tampered), *chain)
    assert code == 1
    assert "✗ integrity" in out
    assert "证照内容在签发后被改动" in out

    code, out = _run(capsys, str(valid), "--json", "--at", "2026-01-01", *chain)
    assert code == 0
    assert json.loads(out)["verdict"] == "VALID"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    code, out = _run(
        capsys, str(valid), "--rpc", f"http://127.0.0.1:{closed}", "--deployment", str(record)
    )
    assert code == 2
    assert "ERROR" in out and "could not be reached" in out


def test_bad_time_is_refused(
    record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    assert main(["verify", str(path), "--at", "yesterday", "--deployment", str(record)]) == 2
    assert "is not a time" in capsys.readouterr().err


def test_hostile_files_are_reported_and_the_others_still_verified(
    issuer: Callable[[int], Issuer], local_chain_url: str, record: Path, tmp_path: Path
) -> None:
    """Run as a process: a file nested 100,000 deep made ``huren verify`` die of a segmentation
    fault (exit 139), one with a 5,000-digit integer printed a traceback and no report."""
    (good,) = issuer(310000).issue(1)
    files = {
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "digits.json": good.to_json()
        .encode()
        .replace(b'"block_number":', b'"block_number":' + b"7" * 5_000),
        "good.json": good.to_json().encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / name) for name in files]
    chain = ["--rpc", local_chain_url, "--deployment", str(record)]
    done = subprocess.run(
        [sys.executable, "-m", "huren", "verify", *paths, "--json", *chain],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # INVALID outranks VALID
    assert "Traceback" not in done.stderr
    reports = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    for name in ("deep.json", "digits.json"):
        assert reports[name]["verdict"] == "INVALID"
        assert reports[name]["checks"][0]["reason_name"] == "FORMAT_JSON_LIMIT"
    assert reports["good.json"]["verdict"] == "VALID"


def _loaded_after(code: str) -> set[str]:
    """Which of web3, eth_account and the chain view a fresh interpreter loaded running ``code``."""
    probe = (
        f"import sys\n{code}\n"
        "print('loaded:', *(m for m in ('web3', 'eth_account', 'verifier.chain_view') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (loaded,) = (line for line in done.stdout.splitlines() if line.startswith("loaded:"))
    return set(loaded.split()[1:])


def test_help_and_refused_command_lines_load_no_chain_stack(tmp_path: Path) -> None:
    """web3.py's import costs about a second: ``huren verify --help``, a bad ``--at`` and an
    unreadable file are answered without it."""
    missing = tmp_path / "missing.json"
    runs = (
        "from huren.cli import main\ntry:\n    main(['verify', '--help'])\nexcept SystemExit:\n"
        "    pass",
        "from huren.cli import main\nassert main(['verify', 'x.json', '--at', 'soon']) == 2",
        f"from huren.cli import main\nassert main(['verify', {str(missing)!r}]) == 2",
    )
    for code in runs:
        assert _loaded_after(code) == set(), code


def test_verifying_against_the_chain_loads_no_web3(
    issuer: Callable[[int], Issuer], local_chain_url: str, record: Path, tmp_path: Path
) -> None:
    """The chain view reads through the raw JSON-RPC client: web3.py's second of imports is
    not paid to verify a file."""
    (sealed,) = issuer(310000).issue(1)
    path = tmp_path / "good.json"
    path.write_text(sealed.to_json())
    run = (
        "import contextlib, io\nfrom huren.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['verify', {str(path)!r}, '--rpc', {local_chain_url!r}, "
        f"'--deployment', {str(record)!r}])\n"
        "assert code == 0, code"
    )
    assert _loaded_after(run) == {"verifier.chain_view"}


def test_the_public_names_load_on_first_use() -> None:
    assert _loaded_after("import verifier; verifier.Verdict; verifier.Reason") == set()
    names = "import verifier\nfor name in verifier.__all__: getattr(verifier, name)"
    assert _loaded_after(names) == {"verifier.chain_view"}
    # the function verify, not its module, even after the module was imported by name
    function = "import verifier.verify\nfrom verifier import verify\nassert callable(verify)"
    assert "verifier.chain_view" in _loaded_after(function)
    done = subprocess.run(
        [sys.executable, "-c", "import verifier; verifier.nothing_of_that_name"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        "AttributeError: module 'verifier' has no attribute 'nothing_of_that_name'" in done.stderr
    )
