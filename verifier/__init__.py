"""huren's verifier: independent checks of sealed certificates against chain and cryptography.

Use :func:`verify` for one certificate and :func:`verify_many` for a batch, with a
:class:`QuorumChainView` (one or more endpoints, state proofs, a quorum), a
:class:`Web3ChainView` (one endpoint's view calls, trusted) or any :class:`ChainView`; the
:class:`Report` holds every check's result, the verdict and what the chain's answers rest on
(:class:`Trust`). ``huren verify`` is the command line, :mod:`verifier.service` the
receiving agency's web service.

DESIGN: start-up cost. ``import verifier.<module>`` runs this file first, and the chain views
stand on the ABI codec, the state-proof tries and the rest of the chain stack. So the names
below are loaded on first use (PEP 562 ``__getattr__``): ``from verifier import verify`` still
works, while ``huren verify --help`` or a file that cannot be read imports none of the chain
stack.
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
    from verifier.exceptions import (
        ChainDisagreementError,
        ChainUnavailableError,
        VerifierError,
        VerifierValueError,
    )
    from verifier.quorum_view import QuorumChainView
    from verifier.reasons import Reason
    from verifier.types import (
        BlockSource,
        CheckResult,
        CheckStatus,
        CheckType,
        Report,
        Trust,
        Verdict,
    )
    from verifier.verdict import REQUIRED_CHECKS, verdict
    from verifier.verify import SealedInput, verify, verify_many

__all__ = [
    "REQUIRED_CHECKS",
    "BlockSource",
    "BulkChainView",
    "ChainDisagreementError",
    "ChainSnapshot",
    "ChainUnavailableError",
    "ChainView",
    "CheckResult",
    "CheckStatus",
    "CheckType",
    "FactsRequest",
    "LedgerIdentity",
    "QuorumChainView",
    "Reason",
    "Report",
    "SealedInput",
    "Trust",
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
    "verifier.exceptions": (
        "ChainDisagreementError",
        "ChainUnavailableError",
        "VerifierError",
        "VerifierValueError",
    ),
    "verifier.quorum_view": ("QuorumChainView",),
    "verifier.reasons": ("Reason",),
    "verifier.types": (
        "BlockSource",
        "CheckResult",
        "CheckStatus",
        "CheckType",
        "Report",
        "Trust",
        "Verdict",
    ),
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
