"""The issuer-identity check against membership changes, on a ledger of its own.

The check's rule (:func:`verifier.checks.check_issuer_identity`): the issuing province must be a
*current* member. So a certificate anchored while its province was a member becomes INVALID
(``PROVINCE_NOT_MEMBER``) once governance removes the province, though every other check still
passes; and a certificate naming a province that never was a member is INVALID
(``PROVINCE_UNKNOWN``).
"""

from __future__ import annotations

import pytest
from verifier_support import Issuer
from web3 import Web3

from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from ledger.sender import TransactionSender
from ledger.types import ProposalKind
from verifier import verify
from verifier.chain_view import Web3ChainView
from verifier.reasons import Reason
from verifier.types import CheckStatus, CheckType, Verdict

SHANGHAI, JIANGSU, ZHEJIANG = (p.code for p in DEV_PROVINCES)
BEIJING = 110000  # never a member of the development network


@pytest.fixture
def own_ledger(w3: Web3) -> tuple[Deployment, dict[int, HurenLedgerClient]]:
    """A fresh development ledger and a writing client per founding province."""
    deployment = deploy_dev_ledger(w3)
    clients = {
        p.code: HurenLedgerClient(
            w3, deployment.address, TransactionSender(w3, p.account.private_key)
        )
        for p in DEV_PROVINCES
    }
    return deployment, clients


def _remove(clients: dict[int, HurenLedgerClient], code: int) -> None:
    proposal = clients[SHANGHAI].propose(ProposalKind.REMOVE_MEMBER, code=code)
    clients[JIANGSU].approve(proposal)  # the second of threshold 2: carried out now


def test_certificate_of_a_removed_province_fails_only_the_identity_check(
    w3: Web3, own_ledger: tuple[Deployment, dict[int, HurenLedgerClient]]
) -> None:
    deployment, clients = own_ledger
    view = Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
    (certificate,) = Issuer(clients[ZHEJIANG], ZHEJIANG, w3.eth.chain_id).issue()
    assert verify(certificate, view).verdict is Verdict.VALID

    _remove(clients, ZHEJIANG)
    assert ZHEJIANG not in clients[SHANGHAI].members()

    report = verify(certificate, view)
    identity = report.check(CheckType.ISSUER_IDENTITY)
    assert (identity.status, identity.reason) == (CheckStatus.INVALID, Reason.PROVINCE_NOT_MEMBER)
    assert identity.data["province"] == ZHEJIANG
    assert report.verdict is Verdict.INVALID
    assert [c.type for c in report.failed] == [CheckType.ISSUER_IDENTITY]


def test_certificate_of_a_province_that_never_was_a_member_is_invalid(
    w3: Web3, own_ledger: tuple[Deployment, dict[int, HurenLedgerClient]]
) -> None:
    """Only members anchor, so an outsider's certificate can only borrow a member's anchor and
    key (here Shanghai's, for a document naming a Beijing issuer); the identity check refuses
    it on its own account."""
    deployment, clients = own_ledger
    view = Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
    member = Issuer(clients[SHANGHAI], SHANGHAI, w3.eth.chain_id)
    document = member.document()
    document["issuer"] |= {"name": "北京市东城区民政局", "division_code": "110101"}
    (certificate,) = member.anchor([member.seal(document)])
    assert certificate.issuing_province == BEIJING

    report = verify(certificate, view)

    identity = report.check(CheckType.ISSUER_IDENTITY)
    assert (identity.status, identity.reason) == (CheckStatus.INVALID, Reason.PROVINCE_UNKNOWN)
    assert report.check(CheckType.ANCHOR).reason is Reason.ANCHOR_OTHER_PROVINCE
    assert report.check(CheckType.ISSUER_KEY).reason is Reason.KEY_OTHER_PROVINCE
    assert report.verdict is Verdict.INVALID
