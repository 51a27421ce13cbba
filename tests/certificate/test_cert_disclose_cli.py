"""``huren disclose``: a narrower copy that still proves itself; files and fields it cannot use
are one line each, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from certificate import SealedCertificate, parse_sealed
from certificate.verification import recompute_digest, verify_receipt
from huren.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_a_disclosed_copy_reveals_only_its_fields_and_still_proves_itself(
    anchored: Callable[[str, int], SealedCertificate], tmp_path: Path
) -> None:
    sealed = anchored("real_estate_title", 3)
    whole = tmp_path / "whole.json"
    whole.write_text(sealed.to_json(), encoding="utf-8")
    out = tmp_path / "copy.json"
    fields = ["--field", "/holder/name", "--field", "/face/area"]
    done = subprocess.run(
        [sys.executable, "-m", "huren", "disclose", str(whole), *fields, "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    copy = parse_sealed(out.read_bytes())
    values = copy.disclosed_values()
    assert values["/holder/name"] == sealed.disclosed_values()["/holder/name"]
    assert "/holder/id_number" not in values
    assert sealed.disclosed_values()["/holder/id_number"] not in out.read_text(encoding="utf-8")
    assert recompute_digest(copy) == sealed.digest
    verify_receipt(copy)

    narrower = subprocess.run(
        [sys.executable, "-m", "huren", "disclose", "-"],
        input=out.read_bytes(),
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        timeout=120,
    )
    assert narrower.returncode == 0, narrower.stderr
    assert "/holder/name" not in parse_sealed(narrower.stdout).disclosed_values()


@pytest.mark.parametrize(
    ("content", "fields", "said"),
    [
        (b"[" * 100_000 + b"]" * 100_000, [], "is not a sealed certificate: arrays and objects"),
        (b'{"version": ' + b"9" * 5_000 + b"}", [], "a number is written with more than"),
        (b'{"version": "\xff"}', [], "not valid UTF-8"),
        (b'{"version": "a\x00"}', [], "is not a sealed certificate"),
        (b"", [], "is not a sealed certificate"),
        (None, ["/holder/nickname"], "the certificate has no field '/holder/nickname'"),
        (None, ["holder"], "is not a JSON Pointer"),
        (None, ["/holder/name\x00"], "has no field"),
    ],
)
def test_what_cannot_be_disclosed_is_one_line(
    anchored: Callable[[str, int], SealedCertificate],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    fields: list[str],
    said: str,
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(
        anchored("real_estate_title", 5).to_json().encode() if content is None else content
    )
    out = tmp_path / "out.json"
    options = [option for field in fields for option in ("--field", field)]
    assert main(["disclose", str(path), *options, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert said in error, error
    assert error.startswith("huren disclose: ") and len(error.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left either


def test_a_file_that_is_not_there_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["disclose", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
