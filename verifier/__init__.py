"""huren's verifier: independent checks of sealed certificates against chain and cryptography.

Use :func:`verify` for one certificate and :func:`verify_many` for a batch, with a
:class:`Web3ChainView` (or any :class:`ChainView`); the :class:`Report` holds every check's
result and the verdict. ``huren verify`` is the command line, :mod:`verifier.service` the
receiving agency's web service.

DESIGN: start-up cost. The chain view stands on web3.py, whose import alone takes about a second
of CPU (its account and BLS modules), and ``import verifier.<module>`` runs this file first. So
the names below are loaded on first use (PEP 562 ``__getattr__``): ``from verifier import
verify`` still works, while ``huren verify --help`` or a file that cannot be read imports none of
the chain stack.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verifier.chain_view import (
        BulkChainView,
        ChainSnapshot,
        ChainView,
        FactsRequest,
        LedgerIdentity,
        Web3ChainView,
    )
    from verifier.exceptions import ChainUnavailableError, VerifierError, VerifierValueError
    from verifier.reasons import Reason
    from verifier.types import CheckResult, CheckStatus, CheckType, Report, Verdict
    from verifier.verdict import REQUIRED_CHECKS, verdict
    from verifier.verify import SealedInput, verify, verify_many

__all__ = [
    "REQUIRED_CHECKS",
    "BulkChainView",
    "ChainSnapshot",
    "ChainUnavailableError",
    "ChainView",
    "CheckResult",
    "CheckStatus",
    "CheckType",
    "FactsRequest",
    "LedgerIdentity",
    "Reason",
    "Report",
    "SealedInput",
    "Verdict",
    "VerifierError",
    "VerifierValueError",
    "Web3ChainView",
    "verdict",
    "verify",
    "verify_many",
]

_HOMES = {
    "verifier.chain_view": (
        "BulkChainView",
        "ChainSnapshot",
        "ChainView",
        "FactsRequest",
        "LedgerIdentity",
        "Web3ChainView",
    ),
    "verifier.exceptions": ("ChainUnavailableError", "VerifierError", "VerifierValueError"),
    "verifier.reasons": ("Reason",),
    "verifier.types": ("CheckResult", "CheckStatus", "CheckType", "Report", "Verdict"),
    "verifier.verdict": ("REQUIRED_CHECKS", "verdict"),
    "verifier.verify": ("SealedInput", "verify", "verify_many"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}
"""Each public name and the module that defines it."""


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'verifier' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """This package's module type: the function :func:`verify` keeps its place.

    The function shares its name with the module that defines it, and importing a submodule
    sets the package's attribute of that name to the submodule, once it has run; so without
    this, ``from verifier import verify`` would give the module after anything imported
    ``verifier.verify``. The eager imports this file made before had the same effect.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOME_OF.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
