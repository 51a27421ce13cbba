"""huren's verifier: independent checks of sealed certificates against chain and cryptography.

Use :func:`verify` for one certificate and :func:`verify_many` for a batch, with a
:class:`QuorumChainView` (one or more endpoints, state proofs, a quorum), a
:class:`Web3ChainView` (one endpoint's view calls, trusted) or any :class:`ChainView`; the
:class:`Report` holds every check's result, the verdict and what the chain's answers rest on
(:class:`Trust`). ``huren verify`` is the command line, :mod:`verifier.service` the
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
from verifier.exceptions import (
    ChainDisagreementError,
    ChainUnavailableError,
    VerifierError,
    VerifierValueError,
)
from verifier.quorum_view import QuorumChainView
from verifier.reasons import Reason
from verifier.types import BlockSource, CheckResult, CheckStatus, CheckType, Report, Trust, Verdict
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
