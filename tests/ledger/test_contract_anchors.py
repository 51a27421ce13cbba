"""Batch anchors and access-log heads, on the session's ledger."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from contract_helpers import JIANGSU, SHANGHAI, ZHEJIANG, account, block_time, random_hash

from ledger import contract_errors as errors
from ledger.contract import HurenLedgerClient
from ledger.sender import TransactionSender
from ledger.types import AnchorRecord, LogHeadRecord

ClientOf = Callable[[int], HurenLedgerClient]


def test_anchor_records_province_count_time_and_block(ledger_client: ClientOf) -> None:
    client, root = ledger_client(ZHEJIANG), random_hash()
    count = client.anchor_count()

    receipt = client.anchor(root, 4096)

    block = int(receipt["blockNumber"])
    expected = AnchorRecord(root, ZHEJIANG, 4096, block_time(client.w3, block), block)
    assert client.anchor_of(root) == expected
    assert client.anchor_of(root, block=block - 1) is None  # reads at a chosen block
    assert client.anchor_count() == count + 1
    assert client.anchor_count(block=block - 1) == count


def test_anchors_of_answers_many_roots_in_order(ledger_client: ClientOf) -> None:
    shanghai, jiangsu = ledger_client(SHANGHAI), ledger_client(JIANGSU)
    first, second, never = random_hash(), random_hash(), random_hash()
    shanghai.anchor(first, 1)
    jiangsu.anchor(second, 2**32 - 1)

    found = shanghai.anchors_of([second, never, first])

    assert [(a.province, a.count) if a else None for a in found] == [
        (JIANGSU, 2**32 - 1), None, (SHANGHAI, 1)
    ]  # fmt: skip
    assert found[0] == shanghai.anchor_of(second)
    assert shanghai.anchors_of([]) == []


def test_a_root_is_anchored_once_by_anyone(ledger_client: ClientOf) -> None:
    root = random_hash()
    ledger_client(SHANGHAI).anchor(root, 10)

    for code in (SHANGHAI, JIANGSU):
        with pytest.raises(errors.AnchorAlreadyAnchored) as caught:
            ledger_client(code).anchor(root, 11)
        assert caught.value.args_by_name == {"root": root, "code": SHANGHAI}
    record = ledger_client(JIANGSU).anchor_of(root)
    assert record is not None and (record.province, record.count) == (SHANGHAI, 10)


def test_a_zero_root_or_an_empty_batch_is_refused(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)

    with pytest.raises(errors.AnchorZeroRoot) as zero:
        client.anchor(bytes(32), 1)
    root = random_hash()
    with pytest.raises(errors.AnchorEmptyBatch) as empty:
        client.anchor(root, 0)

    assert zero.value.args_by_name == empty.value.args_by_name == {}
    assert client.anchor_of(root) is None


def test_a_non_member_cannot_anchor(ledger_client: ClientOf) -> None:
    outsider = account(5)
    member = ledger_client(SHANGHAI)
    client = member.with_sender(TransactionSender(member.w3, outsider.private_key))
    root = random_hash()

    with pytest.raises(errors.ProvinceNotMember) as batch:
        client.anchor(root, 1)
    with pytest.raises(errors.ProvinceNotMember) as log:
        client.anchor_access_log(root, 1)

    assert batch.value.args_by_name == log.value.args_by_name == {"account": outsider.address}
    assert member.anchor_of(root) is None


def test_access_log_heads_grow_per_province(ledger_client: ClientOf) -> None:
    client = ledger_client(JIANGSU)
    before = client.access_log_head(JIANGSU)
    size = (before.size if before else 0) + 10
    roots = [random_hash(), random_hash()]
    others = {code: ledger_client(code).access_log_head(code) for code in (SHANGHAI, ZHEJIANG)}

    first = client.anchor_access_log(roots[0], size)
    second = client.anchor_access_log(roots[1], size + 1)

    w3 = client.w3
    first_block, second_block = int(first["blockNumber"]), int(second["blockNumber"])
    assert client.access_log_head(JIANGSU) == LogHeadRecord(
        JIANGSU, roots[1], size + 1, block_time(w3, second_block)
    )
    assert client.access_log_head(JIANGSU, block=first_block) == LogHeadRecord(
        JIANGSU, roots[0], size, block_time(w3, first_block)
    )
    assert client.access_log_head(JIANGSU, block=first_block - 1) == before
    assert {code: ledger_client(code).access_log_head(code) for code in others} == others


def test_an_access_log_head_that_does_not_grow_is_refused(ledger_client: ClientOf) -> None:
    client = ledger_client(ZHEJIANG)
    before = client.access_log_head(ZHEJIANG)
    size = (before.size if before else 0) + 5
    client.anchor_access_log(random_hash(), size)

    for smaller in (size, size - 1, 0):
        with pytest.raises(errors.AnchorLogNotGrowing) as caught:
            client.anchor_access_log(random_hash(), smaller)
        assert caught.value.args_by_name == {"size": smaller, "previous": size}
    with pytest.raises(errors.AnchorZeroRoot):
        client.anchor_access_log(bytes(32), size + 1)
    head = client.access_log_head(ZHEJIANG)
    assert head is not None and head.size == size
