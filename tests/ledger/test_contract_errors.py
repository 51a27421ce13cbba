"""Every custom error of the contract has its generated exception class and a contract test.

A new error added to ``IHurenErrors.sol`` fails here until the bindings are regenerated and a
test in ``tests/ledger/test_contract_*.py`` makes the contract raise it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from web3 import Web3

from ledger import contract_errors
from ledger.artifact import load_artifact
from ledger.contract import CONTRACT_NAME
from ledger.revert import ContractRevert

TESTS = Path(__file__).parent
RAISED = re.compile(r"pytest\.raises\(errors\.(\w+)\)")


def abi_errors() -> dict[str, str]:
    """Signature of each custom error in the deployed contract's ABI, by name."""
    abi: list[dict[str, Any]] = [dict(item) for item in load_artifact(CONTRACT_NAME).abi]
    return {
        item["name"]: f"{item['name']}({','.join(p['type'] for p in item['inputs'])})"
        for item in abi
        if item["type"] == "error"
    }


def test_every_abi_error_has_its_generated_class() -> None:
    for name, signature in abi_errors().items():
        cls = getattr(contract_errors, name)
        assert issubclass(cls, ContractRevert)
        assert (cls.error_name, cls.signature) == (name, signature)
        assert cls.selector == Web3.keccak(text=signature)[:4]
        assert contract_errors.BY_SELECTOR[cls.selector] is cls


def test_every_abi_error_is_raised_by_a_contract_test() -> None:
    raised: set[str] = set()
    for path in TESTS.glob("test_contract_*.py"):
        raised |= set(RAISED.findall(path.read_text(encoding="utf-8")))

    assert sorted(set(abi_errors()) - raised) == []
    assert sorted(raised - set(abi_errors())) == []
