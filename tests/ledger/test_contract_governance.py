"""Province registry and M-of-N governance of ``HurenLedger``, on the session's anvil.

Governance changes the member set, so every test here deploys a pristine ledger (one
transaction) and acts through the session's province senders.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from contract_helpers import (
    ANHUI,
    JIANGSU,
    SHANGHAI,
    ZHEJIANG,
    account,
    clients_on,
    deploy_raw,
    random_hash,
)
from web3 import Web3

from ledger import contract_errors as errors
from ledger.contract import HurenLedgerClient
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from ledger.sender import TransactionSender
from ledger.types import ProposalKind

Clients = dict[int, HurenLedgerClient]

FOUNDER_CODES = [p.code for p in DEV_PROVINCES]
FOUNDER_ACCOUNTS = [p.account.address for p in DEV_PROVINCES]
FOUNDER_ENDPOINTS = [p.endpoint for p in DEV_PROVINCES]
ANHUI_ACCOUNT = account(4)
OUTSIDER = account(5)
ANHUI_ENDPOINT = "http://127.0.0.1:8340"
ZERO_ADDRESS = "0x" + "00" * 20


@pytest.fixture
def fresh(w3: Web3, ledger_client: Callable[[int], HurenLedgerClient]) -> Clients:
    """A pristine ledger (founders, threshold 2) with a client per founder."""
    address = deploy_dev_ledger(w3).address
    return clients_on(w3, address, {code: ledger_client(code).sender for code in FOUNDER_CODES})


def as_account(client: HurenLedgerClient, private_key: str) -> HurenLedgerClient:
    """The same ledger, writing as another account (a new member, an outsider)."""
    return client.with_sender(TransactionSender(client.w3, private_key))


def add_anhui(clients: Clients) -> int:
    """Shanghai proposes Anhui, Jiangsu approves: the threshold-2 path. Returns the proposal id."""
    pid = clients[SHANGHAI].propose(
        ProposalKind.ADD_MEMBER, code=ANHUI, account=ANHUI_ACCOUNT.address, endpoint=ANHUI_ENDPOINT
    )
    clients[JIANGSU].approve(pid)
    return pid


# --- bootstrap -------------------------------------------------------------------------------


def test_deployment_bootstraps_the_founders_in_order(fresh: Clients) -> None:
    client = fresh[SHANGHAI]

    assert client.members() == FOUNDER_CODES
    assert client.threshold() == 2
    assert client.proposal_count() == 0
    for founder in DEV_PROVINCES:
        record = client.province(founder.code)
        assert record is not None
        assert (record.code, record.account, record.member, record.endpoint) == (
            founder.code, founder.account.address, True, founder.endpoint
        )  # fmt: skip
        assert record.joined_at > 0
        assert client.province_of(founder.account.address) == founder.code
    assert client.province(ANHUI) is None
    assert client.province_of(OUTSIDER.address) is None


@pytest.mark.parametrize(
    ("codes", "accounts", "endpoints"),
    [
        ([], [], []),
        (FOUNDER_CODES[:2], FOUNDER_ACCOUNTS, FOUNDER_ENDPOINTS),
        (FOUNDER_CODES, FOUNDER_ACCOUNTS[:2], FOUNDER_ENDPOINTS),
        (FOUNDER_CODES, FOUNDER_ACCOUNTS, FOUNDER_ENDPOINTS[:1]),
    ],
)
def test_constructor_rejects_mismatched_or_empty_lists(
    w3: Web3, codes: list[int], accounts: list[str], endpoints: list[str]
) -> None:
    with pytest.raises(errors.ProvinceBootstrapMismatch) as caught:
        deploy_raw(w3, codes, accounts, endpoints, 1)

    assert caught.value.args_by_name == {
        "codes": len(codes), "accounts": len(accounts), "endpoints": len(endpoints)
    }  # fmt: skip


@pytest.mark.parametrize("code", [330100, 999999, 100000, 830000, 0, 110001])
def test_constructor_rejects_codes_that_are_not_province_level(w3: Web3, code: int) -> None:
    with pytest.raises(errors.ProvinceInvalidCode) as caught:
        deploy_raw(w3, [SHANGHAI, code], FOUNDER_ACCOUNTS[:2], FOUNDER_ENDPOINTS[:2], 1)

    assert caught.value.args_by_name == {"code": code}


def test_constructor_accepts_the_edges_of_the_code_range(w3: Web3) -> None:
    address = deploy_raw(w3, [110000, 820000], FOUNDER_ACCOUNTS[:2], FOUNDER_ENDPOINTS[:2], 2)

    assert HurenLedgerClient(w3, address).members() == [110000, 820000]


def test_constructor_rejects_a_zero_account(w3: Web3) -> None:
    with pytest.raises(errors.ProvinceZeroAccount) as caught:
        deploy_raw(w3, FOUNDER_CODES, [*FOUNDER_ACCOUNTS[:2], ZERO_ADDRESS], FOUNDER_ENDPOINTS, 2)

    assert caught.value.args_by_name == {}


def test_constructor_rejects_a_repeated_code_or_account(w3: Web3) -> None:
    with pytest.raises(errors.ProvinceAlreadyMember) as member:
        deploy_raw(w3, [SHANGHAI, SHANGHAI], FOUNDER_ACCOUNTS[:2], FOUNDER_ENDPOINTS[:2], 1)
    with pytest.raises(errors.ProvinceAccountInUse) as in_use:
        deploy_raw(w3, FOUNDER_CODES[:2], [FOUNDER_ACCOUNTS[0]] * 2, FOUNDER_ENDPOINTS[:2], 1)

    assert member.value.args_by_name == {"code": SHANGHAI}
    assert in_use.value.args_by_name == {"account": FOUNDER_ACCOUNTS[0], "code": SHANGHAI}


@pytest.mark.parametrize("threshold", [0, 4])
def test_constructor_rejects_a_threshold_outside_one_to_members(w3: Web3, threshold: int) -> None:
    with pytest.raises(errors.GovernanceInvalidThreshold) as caught:
        deploy_raw(w3, FOUNDER_CODES, FOUNDER_ACCOUNTS, FOUNDER_ENDPOINTS, threshold)

    assert caught.value.args_by_name == {"threshold": threshold, "members": 3}


# --- the four proposal kinds, below and at threshold ----------------------------------------


def test_add_member_needs_the_second_approval(fresh: Clients) -> None:
    shanghai, jiangsu = fresh[SHANGHAI], fresh[JIANGSU]

    pid = shanghai.propose(
        ProposalKind.ADD_MEMBER, code=ANHUI, account=ANHUI_ACCOUNT.address, endpoint=ANHUI_ENDPOINT
    )
    pending = shanghai.proposal(pid)
    assert (pending.kind, pending.code, pending.account, pending.endpoint) == (
        ProposalKind.ADD_MEMBER, ANHUI, ANHUI_ACCOUNT.address, ANHUI_ENDPOINT
    )  # fmt: skip
    assert (pending.proposer, pending.executed, pending.approvers) == (SHANGHAI, False, (SHANGHAI,))
    assert shanghai.province(ANHUI) is None  # one approval of two does nothing

    jiangsu.approve(pid)

    done = shanghai.proposal(pid)
    assert done.executed and done.approvers == (SHANGHAI, JIANGSU)
    assert shanghai.members() == [*FOUNDER_CODES, ANHUI]
    anhui = shanghai.province(ANHUI)
    assert anhui is not None and anhui.member
    assert (anhui.account, anhui.endpoint) == (ANHUI_ACCOUNT.address, ANHUI_ENDPOINT)
    assert shanghai.province_of(ANHUI_ACCOUNT.address) == ANHUI
    # The new member acts at once: it anchors and it approves.
    as_account(shanghai, ANHUI_ACCOUNT.private_key).anchor(random_hash(), 1)


def test_remove_member_keeps_joining_order_and_ends_its_powers(fresh: Clients) -> None:
    shanghai, zhejiang = fresh[SHANGHAI], fresh[ZHEJIANG]
    add_anhui(fresh)

    pid = zhejiang.propose(ProposalKind.REMOVE_MEMBER, code=JIANGSU)
    assert shanghai.members() == [*FOUNDER_CODES, ANHUI]
    shanghai.approve(pid)

    assert shanghai.members() == [SHANGHAI, ZHEJIANG, ANHUI]
    jiangsu = shanghai.province(JIANGSU)
    assert jiangsu is not None and not jiangsu.member
    assert shanghai.province_of(jiangsu.account) is None
    with pytest.raises(errors.ProvinceNotMember) as caught:
        fresh[JIANGSU].anchor(random_hash(), 1)
    assert caught.value.args_by_name == {"account": jiangsu.account}


def test_replace_account_moves_the_province_to_the_new_account(fresh: Clients) -> None:
    shanghai, zhejiang = fresh[SHANGHAI], fresh[ZHEJIANG]
    new_account = account(6)
    old_account = DEV_PROVINCES[2].account.address

    pid = shanghai.propose(ProposalKind.REPLACE_ACCOUNT, code=ZHEJIANG, account=new_account.address)
    assert shanghai.province_of(old_account) == ZHEJIANG
    zhejiang.approve(pid)  # the province may approve its own account change

    record = shanghai.province(ZHEJIANG)
    assert record is not None and record.account == new_account.address and record.member
    assert shanghai.province_of(new_account.address) == ZHEJIANG
    assert shanghai.province_of(old_account) is None
    with pytest.raises(errors.ProvinceNotMember):
        zhejiang.anchor(random_hash(), 1)
    root = random_hash()
    as_account(shanghai, new_account.private_key).anchor(root, 2)
    anchored = shanghai.anchor_of(root)
    assert anchored is not None and anchored.province == ZHEJIANG


def test_change_threshold_applies_to_the_next_proposal(fresh: Clients) -> None:
    shanghai, jiangsu, zhejiang = fresh[SHANGHAI], fresh[JIANGSU], fresh[ZHEJIANG]

    pid = shanghai.propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)
    assert shanghai.threshold() == 2
    jiangsu.approve(pid)
    assert shanghai.threshold() == 3

    pid = shanghai.propose(ProposalKind.CHANGE_THRESHOLD, threshold=1)
    jiangsu.approve(pid)
    assert not shanghai.proposal(pid).executed  # two of three no longer suffice
    zhejiang.approve(pid)
    assert shanghai.proposal(pid).executed and shanghai.threshold() == 1

    pid = zhejiang.propose(ProposalKind.CHANGE_THRESHOLD, threshold=2)  # threshold 1: at once
    assert shanghai.proposal(pid).executed and shanghai.threshold() == 2


def test_approvals_of_a_removed_member_stop_counting(fresh: Clients) -> None:
    shanghai, jiangsu, zhejiang = fresh[SHANGHAI], fresh[JIANGSU], fresh[ZHEJIANG]
    pending = zhejiang.propose(ProposalKind.CHANGE_THRESHOLD, threshold=1)
    removal = shanghai.propose(ProposalKind.REMOVE_MEMBER, code=ZHEJIANG)
    jiangsu.approve(removal)
    assert shanghai.members() == [SHANGHAI, JIANGSU]

    shanghai.approve(pending)  # Zhejiang's approval no longer counts: 1 of 2
    assert not shanghai.proposal(pending).executed
    assert shanghai.threshold() == 2
    jiangsu.approve(pending)

    assert shanghai.proposal(pending).executed
    assert shanghai.proposal(pending).approvers == (ZHEJIANG, SHANGHAI, JIANGSU)
    assert shanghai.threshold() == 1


def test_a_proposal_is_checked_again_when_it_executes(fresh: Clients) -> None:
    shanghai, jiangsu, zhejiang = fresh[SHANGHAI], fresh[JIANGSU], fresh[ZHEJIANG]
    stale = zhejiang.propose(
        ProposalKind.ADD_MEMBER, code=ANHUI, account=account(7).address, endpoint=ANHUI_ENDPOINT
    )
    add_anhui(fresh)  # Anhui joins through another proposal in the meantime

    with pytest.raises(errors.ProvinceAlreadyMember) as caught:
        shanghai.approve(stale)

    assert caught.value.args_by_name == {"code": ANHUI}
    assert shanghai.proposal(stale).approvers == (ZHEJIANG,)
    assert not shanghai.proposal(stale).executed
    assert jiangsu.province_of(account(7).address) is None


def test_set_endpoint_changes_only_the_callers_province(fresh: Clients) -> None:
    fresh[JIANGSU].set_endpoint("https://huren.js.gov.cn/node")

    jiangsu, shanghai = fresh[JIANGSU].province(JIANGSU), fresh[JIANGSU].province(SHANGHAI)
    assert jiangsu is not None and jiangsu.endpoint == "https://huren.js.gov.cn/node"
    assert shanghai is not None and shanghai.endpoint == DEV_PROVINCES[0].endpoint


# --- governance errors --------------------------------------------------------------------------


def test_approving_twice_or_after_execution_is_refused(fresh: Clients) -> None:
    shanghai, jiangsu = fresh[SHANGHAI], fresh[JIANGSU]
    pid = shanghai.propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)

    with pytest.raises(errors.GovernanceAlreadyApproved) as twice:
        shanghai.approve(pid)
    jiangsu.approve(pid)
    with pytest.raises(errors.GovernanceProposalExecuted) as late:
        fresh[ZHEJIANG].approve(pid)

    assert twice.value.args_by_name == {"id": pid, "code": SHANGHAI}
    assert late.value.args_by_name == {"id": pid}


@pytest.mark.parametrize("offset", [0, 1, 1000])
def test_approving_an_unknown_proposal_is_refused(fresh: Clients, offset: int) -> None:
    shanghai = fresh[SHANGHAI]
    shanghai.propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)
    unknown = 0 if offset == 0 else shanghai.proposal_count() + offset

    with pytest.raises(errors.GovernanceUnknownProposal) as caught:
        fresh[JIANGSU].approve(unknown)

    assert caught.value.args_by_name == {"id": unknown}


@pytest.mark.parametrize("threshold", [0, 4])
def test_a_threshold_outside_one_to_members_cannot_be_proposed(
    fresh: Clients, threshold: int
) -> None:
    with pytest.raises(errors.GovernanceInvalidThreshold) as caught:
        fresh[SHANGHAI].propose(ProposalKind.CHANGE_THRESHOLD, threshold=threshold)

    assert caught.value.args_by_name == {"threshold": threshold, "members": 3}


def test_removal_that_would_leave_fewer_members_than_the_threshold_is_refused(
    fresh: Clients,
) -> None:
    pid = fresh[SHANGHAI].propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)
    fresh[JIANGSU].approve(pid)

    with pytest.raises(errors.GovernanceInvalidThreshold) as caught:
        fresh[SHANGHAI].propose(ProposalKind.REMOVE_MEMBER, code=ZHEJIANG)

    assert caught.value.args_by_name == {"threshold": 3, "members": 2}


@pytest.mark.parametrize("code", [330100, 999999])
def test_adding_an_invalid_code_is_refused(fresh: Clients, code: int) -> None:
    with pytest.raises(errors.ProvinceInvalidCode) as caught:
        fresh[SHANGHAI].propose(ProposalKind.ADD_MEMBER, code=code, account=ANHUI_ACCOUNT.address)

    assert caught.value.args_by_name == {"code": code}


def test_adding_a_member_or_a_used_account_or_no_account_is_refused(fresh: Clients) -> None:
    shanghai = fresh[SHANGHAI]

    with pytest.raises(errors.ProvinceAlreadyMember) as member:
        shanghai.propose(ProposalKind.ADD_MEMBER, code=JIANGSU, account=ANHUI_ACCOUNT.address)
    with pytest.raises(errors.ProvinceAccountInUse) as in_use:
        shanghai.propose(ProposalKind.ADD_MEMBER, code=ANHUI, account=FOUNDER_ACCOUNTS[1])
    with pytest.raises(errors.ProvinceZeroAccount):
        shanghai.propose(ProposalKind.ADD_MEMBER, code=ANHUI)

    assert member.value.args_by_name == {"code": JIANGSU}
    assert in_use.value.args_by_name == {"account": FOUNDER_ACCOUNTS[1], "code": JIANGSU}
    assert shanghai.proposal_count() == 0


def test_removing_or_replacing_a_non_member_is_refused(fresh: Clients) -> None:
    shanghai = fresh[SHANGHAI]

    with pytest.raises(errors.ProvinceUnknown) as removal:
        shanghai.propose(ProposalKind.REMOVE_MEMBER, code=ANHUI)
    with pytest.raises(errors.ProvinceUnknown) as replacement:
        shanghai.propose(ProposalKind.REPLACE_ACCOUNT, code=ANHUI, account=account(6).address)
    with pytest.raises(errors.ProvinceAccountInUse) as taken:
        shanghai.propose(ProposalKind.REPLACE_ACCOUNT, code=ZHEJIANG, account=FOUNDER_ACCOUNTS[0])

    assert removal.value.args_by_name == {"code": ANHUI}
    assert replacement.value.args_by_name == {"code": ANHUI}
    assert taken.value.args_by_name == {"account": FOUNDER_ACCOUNTS[0], "code": SHANGHAI}


def test_a_non_member_can_neither_propose_nor_approve_nor_set_an_endpoint(fresh: Clients) -> None:
    shanghai = fresh[SHANGHAI]
    pid = shanghai.propose(ProposalKind.CHANGE_THRESHOLD, threshold=3)
    outsider = as_account(shanghai, OUTSIDER.private_key)

    attempts: list[Callable[[], object]] = [
        lambda: outsider.propose(ProposalKind.CHANGE_THRESHOLD, threshold=1),
        lambda: outsider.approve(pid),
        lambda: outsider.set_endpoint("http://evil.example"),
    ]
    for attempt in attempts:
        with pytest.raises(errors.ProvinceNotMember) as caught:
            attempt()
        assert caught.value.args_by_name == {"account": OUTSIDER.address}
    assert shanghai.proposal(pid).approvers == (SHANGHAI,)
