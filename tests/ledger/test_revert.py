"""Revert decoding and the generated error module."""

from __future__ import annotations

import pickle
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ledger import contract_errors
from ledger.artifact import load_artifact
from ledger.chain import RpcClient
from ledger.contract import CONTRACT_NAME
from ledger.deploy import Deployment
from ledger.exceptions import LedgerError
from ledger.revert import (
    ContractRevert,
    ErrorDecoder,
    PanicRevert,
    StringRevert,
    UnknownRevert,
    decode_revert,
    render_error_module,
    revert_data_from_rpc_error,
)

ABI = load_artifact(CONTRACT_NAME).abi


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def error_abi(name: str, *inputs: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "error",
        "name": name,
        "inputs": [{"name": n, "type": t, "internalType": t} for t, n in inputs],
        **extra,
    }


# --- decoding -------------------------------------------------------------------------------------


def test_custom_error_decodes_to_the_generated_class() -> None:
    account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    data = selector("ProvinceAccountInUse(address,uint32)") + encode(
        ["address", "uint32"], [account, 320000]
    )
    revert = decode_revert(data, ABI)
    assert type(revert) is contract_errors.ProvinceAccountInUse
    assert isinstance(revert, ContractRevert) and isinstance(revert, LedgerError)
    assert revert.error_name == "ProvinceAccountInUse"
    assert revert.args_by_name == {"account": account, "code": 320000}  # checksummed
    assert revert.selector == data[:4]
    assert revert.data == data
    assert str(revert) == f"ProvinceAccountInUse(account='{account}', code=320000)"
    assert decode_revert("0x" + data.hex(), ABI).args_by_name == revert.args_by_name


def test_error_without_arguments() -> None:
    revert = decode_revert(selector("AnchorZeroRoot()"), ABI)
    assert type(revert) is contract_errors.AnchorZeroRoot
    assert revert.args_by_name == {}
    assert str(revert) == "AnchorZeroRoot()"


def test_builtin_error_string_and_panic() -> None:
    message = selector("Error(string)") + encode(["string"], ["not allowed"])
    revert = decode_revert(message, ABI)
    assert isinstance(revert, StringRevert)
    assert revert.message == "not allowed" and revert.error_name == "Error"
    panic = decode_revert(selector("Panic(uint256)") + encode(["uint256"], [0x11]), [])
    assert isinstance(panic, PanicRevert)
    assert panic.code == 0x11 and "overflow" in panic.reason
    assert str(panic) == "Panic(0x11: arithmetic overflow or underflow)"


def test_unknown_empty_and_malformed_data() -> None:
    unknown = decode_revert(bytes.fromhex("deadbeef") + b"\x00" * 32, ABI)
    assert type(unknown) is UnknownRevert
    assert unknown.selector == bytes.fromhex("deadbeef")
    assert "0xdeadbeef" in str(unknown)
    empty = decode_revert(b"", ABI)
    assert type(empty) is UnknownRevert and empty.data == b""
    truncated = selector("ProvinceUnknown(uint32)") + b"\x00" * 10
    assert type(decode_revert(truncated, ABI)) is UnknownRevert


def test_error_missing_from_generated_module_gets_its_name() -> None:
    abi = [error_abi("LedgerBrandNew", ("uint256", "amount"), ("bytes32[]", "roots"))]
    data = selector("LedgerBrandNew(uint256,bytes32[])") + encode(
        ["uint256", "bytes32[]"], [7, [b"\x01" * 32]]
    )
    revert = decode_revert(data, abi)
    assert type(revert).__name__ == "LedgerBrandNew" and revert.error_name == "LedgerBrandNew"
    assert revert.args_by_name == {"amount": 7, "roots": (b"\x01" * 32,)}
    assert type(decode_revert(data, abi)) is type(revert)  # one class per error


def test_struct_arguments() -> None:
    abi = [
        {
            "type": "error",
            "name": "StatusTooMany",
            "inputs": [
                {
                    "name": "limits",
                    "type": "tuple[]",
                    "components": [
                        {"name": "who", "type": "address"},
                        {"name": "count", "type": "uint8"},
                    ],
                }
            ],
        }
    ]
    who = "0x" + "ab" * 20
    data = selector("StatusTooMany((address,uint8)[])") + encode(
        ["(address,uint8)[]"], [[(who, 3)]]
    )
    revert = decode_revert(data, abi)
    assert revert.args_by_name == {"limits": ((to_checksum_address(who), 3),)}


def test_generated_decoder_needs_no_abi() -> None:
    data = selector("KeyNotOwned(bytes32,uint32)") + encode(
        ["bytes32", "uint32"], [b"\x07" * 32, 110000]
    )
    revert = ErrorDecoder().decode(data)
    assert isinstance(revert, contract_errors.KeyNotOwned)
    assert revert.args_by_name == {"keyId": b"\x07" * 32, "owner": 110000}


def test_reverts_pickle() -> None:
    data = selector("ProvinceUnknown(uint32)") + encode(["uint32"], [990000])
    revert = decode_revert(data, ABI)
    again = pickle.loads(pickle.dumps(revert))
    assert type(again) is type(revert) and again.args_by_name == revert.args_by_name


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("0x1234abcd", b"\x12\x34\xab\xcd"),
        ({"data": "0x1234abcd"}, b"\x12\x34\xab\xcd"),
        ("Reverted 0x1234abcd", b"\x12\x34\xab\xcd"),
        ("0x", b""),
        ("execution reverted", None),
        (None, None),
        ("0xzz", None),
    ],
)
def test_revert_data_from_rpc_errors(payload: Any, expected: bytes | None) -> None:
    assert revert_data_from_rpc_error(payload) == expected


def test_eth_call_revert_from_the_contract(rpc: RpcClient, deployment: Deployment) -> None:
    from ledger.exceptions import LedgerRpcError

    code = encode(["bytes32", "uint32"], [b"\x00" * 32, 1])
    call = {"from": "0x" + "00" * 19 + "01", "to": deployment.address,
            "data": "0x" + (selector("anchor(bytes32,uint32)") + code).hex()}  # fmt: skip
    with pytest.raises(LedgerRpcError) as caught:
        rpc.call("eth_call", [call, "latest"])
    data = revert_data_from_rpc_error(caught.value.data)
    assert data is not None
    revert = decode_revert(data, ABI)
    assert type(revert) is contract_errors.ProvinceNotMember
    assert revert.args_by_name == {"account": "0x0000000000000000000000000000000000000001"}


# --- code generation ------------------------------------------------------------------------------


def load(source: str) -> types.ModuleType:
    module = types.ModuleType("generated_errors")
    exec(compile(source, "generated_errors.py", "exec"), module.__dict__)
    return module


def test_checked_in_module_covers_the_abi() -> None:
    errors = {e["name"] for e in ABI if e["type"] == "error"}
    generated = {cls.error_name for cls in contract_errors.BY_SELECTOR.values()}
    assert generated == errors
    for cls_selector, cls in contract_errors.BY_SELECTOR.items():
        assert cls_selector == selector(cls.signature) == cls.selector
        assert cls.__name__ == cls.error_name


def test_render_is_pure_and_deterministic() -> None:
    first = render_error_module(ABI)
    assert render_error_module(list(reversed(ABI))) == first
    assert render_error_module([*ABI, *ABI]) == first  # inherited duplicates merged
    module = load(first)
    assert set(module.__all__) == {"BY_SELECTOR", *(e["name"] for e in ABI if e["type"] == "error")}
    cls = module.AnchorAlreadyAnchored
    assert issubclass(cls, ContractRevert)
    assert cls.arg_names == ("root", "code") and cls.arg_types == ("bytes32", "uint32")
    assert "error AnchorAlreadyAnchored(bytes32 root, uint32 code)" in (cls.__doc__ or "")


def test_render_uses_natspec() -> None:
    abi = [error_abi("ProvinceUnknown", ("uint32", "code"))]
    userdoc = {
        "errors": {
            "ProvinceUnknown(uint32)": [
                {"notice": 'No current member has this GB/T 2260 code; see """quotes""" and \\.'}
            ]
        }
    }
    dev = {"details": "Raised by every guarded call.", "params": {"code": "The province code."}}
    devdoc = {"errors": {"ProvinceUnknown(uint32)": [dev]}}
    source = render_error_module(abi, userdoc=userdoc, devdoc=devdoc)
    doc = load(source).ProvinceUnknown.__doc__ or ""
    assert doc.startswith('No current member has this GB/T 2260 code; see """quotes""" and \\.')
    assert "Raised by every guarded call." in doc
    assert "code: The province code." in doc


def test_render_handles_awkward_names() -> None:
    abi = [
        error_abi("Overloaded", ("uint256", "a")),
        error_abi("Overloaded", ("address", "b")),
        error_abi("class"),
        error_abi("Money$Error"),
        error_abi("ContractRevert"),
        error_abi(
            "AVeryLongErrorNameThatGoesOnAndOn",
            *[("uint256", f"argumentNumber{i}") for i in range(8)],
        ),
    ]
    module = load(render_error_module(abi))
    overloads = [c for c in module.BY_SELECTOR.values() if c.error_name == "Overloaded"]
    assert len(overloads) == 2 and len({c.__name__ for c in overloads}) == 2
    assert module.class_.error_name == "class"
    assert module.Money_Error.error_name == "Money$Error"
    assert module.ContractRevert_.__mro__[1] is ContractRevert
    data = selector("Overloaded(address)") + encode(["address"], ["0x" + "00" * 20])
    assert decode_revert(data, abi).error_name == "Overloaded"


def test_rendered_module_is_lint_clean(tmp_path: Path) -> None:
    path = tmp_path / "contract_errors.py"
    long_abi = [
        *ABI,
        error_abi(
            "AVeryLongErrorNameThatGoesOnAndOn", *[("uint256", f"arg{i}") for i in range(12)]
        ),
    ]
    path.write_text(render_error_module(long_abi), encoding="utf-8")
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"  # line length 100, rules
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--config", str(config), "--no-cache", str(path)],
        capture_output=True,
    )
    assert check.returncode == 0, check.stdout.decode()
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--config", str(config), "--check", str(path)],
        capture_output=True,
    )
    assert fmt.returncode == 0, fmt.stdout.decode()
