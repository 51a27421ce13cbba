"""huren's verifier: independent checks of sealed certificates against chain and cryptography.

Use :func:`verify` for one certificate and :func:`verify_many` for a batch, with a
:class:`Web3ChainView` (or any :class:`ChainView`); the :class:`Report` holds every check's
result and the verdict. ``huren verify`` is the command line, :mod:`verifier.service` the
receiving agency's web service.
"""

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
