"""The auditor checks the witnesses: honest checkpoints are clean; a province whose chain endpoint
lies signs a block that is not the chain's, its peers refuse it, and the auditor reports the fork
with both signed sides; keys not registered for a province and altered signatures are findings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from lying_proxy import lying_proxy
from sqlmodel import col, select
from witness_nodes import JIANGSU, SHANGHAI, ZHEJIANG, WitnessLedger, witness_nodes

from audit import Invariant, WitnessSources, run_audit
from certificate.signing import SigningKey
from huren.cli import main
from ledger.anvil import LocalChain
from ledger.witness import sign_checkpoint
from ledger.witness_api import SignedCheckpointModel, WitnessClient
from province_nodes.db import unit_of_work
from province_nodes.models import WitnessCheckpointRow, WitnessSignatureRow


def _other_block(method: str, params: list[Any], result: Any) -> Any:
    """Every block this endpoint serves has another hash and state root than the chain's."""
    if method != "eth_getBlockByNumber" or not isinstance(result, dict):
        return result
    return {
        **result,
        "hash": "0x" + hashlib.sha256(bytes.fromhex(result["hash"][2:])).hexdigest(),
        "stateRoot": "0x" + hashlib.sha256(bytes.fromhex(result["stateRoot"][2:])).hexdigest(),
    }


def _audit(ledger: WitnessLedger, *urls: str) -> Any:
    return run_audit(
        ledger.w3,
        ledger.deployment,
        witnesses=WitnessSources(WitnessClient(), urls),
        compare_views=False,
    )


def test_a_province_on_a_lying_endpoint_is_refused_and_its_fork_reported(
    tmp_path: Path, local_chain: LocalChain
) -> None:
    with (
        lying_proxy(local_chain.url, _other_block) as lying,
        witness_nodes(tmp_path, local_chain, rpc_urls={JIANGSU: lying}) as ledger,
    ):
        signed = ledger.nodes[ZHEJIANG].node.witness.run_once()
        assert signed is not None
        assert [s.province for s in signed.signatures] == [SHANGHAI, ZHEJIANG]  # Jiangsu refused
        height = signed.checkpoint.block_number
        jiangsu_view = ledger.nodes[JIANGSU].node.witness.store.at(height)
        assert jiangsu_view is not None and jiangsu_view.checkpoint != signed.checkpoint
        evidence = ledger.nodes[ZHEJIANG].get("/witness/conflicts").json()["items"]
        assert [
            SignedCheckpointModel.model_validate(e["claimed"]).to_signed() for e in evidence
        ] == [jiangsu_view]

        report = _audit(ledger)

    assert report.violations == []  # the chain's own history is lawful
    assert report.witness is not None and not report.ok
    assert report.witness.unreachable == {}
    found = {v.invariant: v for v in report.witness.violations}
    assert set(found) == {Invariant.WITNESSES_AGREE, Invariant.WITNESS_MATCHES_CHAIN}
    fork = found[Invariant.WITNESSES_AGREE]
    sides = [SignedCheckpointModel.model_validate(e).to_signed() for e in fork.evidence]
    assert {s.checkpoint for s in sides} == {signed.checkpoint, jiangsu_view.checkpoint}
    assert {tuple(x.province for x in s.signatures) for s in sides} == {
        (SHANGHAI, ZHEJIANG),
        (JIANGSU,),
    }
    wrong = found[Invariant.WITNESS_MATCHES_CHAIN]
    witnessed = SignedCheckpointModel.model_validate(wrong.evidence["witnessed"]).to_signed()
    assert witnessed.checkpoint == jiangsu_view.checkpoint


@pytest.fixture
def witnessed(tmp_path: Path, local_chain: LocalChain) -> Any:
    with witness_nodes(tmp_path, local_chain) as ledger:
        signed = ledger.nodes[ZHEJIANG].node.witness.run_once()
        assert signed is not None and len(signed.signatures) == 3
        yield ledger


def test_honest_witnesses_are_clean(
    witnessed: WitnessLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _audit(witnessed)
    assert report.ok and report.witness is not None
    assert report.witness.violations == [] and report.witness.checkpoints == 1
    assert report.witness.newest is not None
    assert report.witness.newest.provinces == (SHANGHAI, JIANGSU, ZHEJIANG)
    assert report.witness.sources == sorted(n.url for n in witnessed.nodes.values())

    record = tmp_path / "deployment.json"
    witnessed.deployment.save(record)
    rpc = str(witnessed.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    zhejiang, nobody = witnessed.nodes[ZHEJIANG].url, "http://127.0.0.1:9"
    argv = ["audit", "--deployment", str(record), "--rpc", rpc, "--no-compare", "--json"]
    assert main([*argv, "--witness", zhejiang, "--witness", nobody]) == 0
    out = json.loads(capsys.readouterr().out)["witnesses"]
    assert (out["checkpoints"], out["signatures"], out["violations"]) == (1, 3, [])
    assert list(out["unreachable"]) == [nobody]
    assert main([*argv[:-1], "--witness-checkpoints"]) == 0
    assert "3 valid signatures from 3 nodes" in capsys.readouterr().out


def test_unregistered_keys_and_altered_signatures_are_reported(witnessed: WitnessLedger) -> None:
    """Zhejiang's store gains a signature 'of Shanghai' by a key Shanghai never registered;
    Shanghai's store has its own signature altered."""
    zhejiang, shanghai = witnessed.nodes[ZHEJIANG].node, witnessed.nodes[SHANGHAI].node
    latest = zhejiang.witness.store.latest()
    assert latest is not None
    forged = sign_checkpoint(latest.checkpoint, SHANGHAI, SigningKey.generate())
    with unit_of_work(zhejiang.engine) as session:
        row = session.exec(select(WitnessCheckpointRow)).one()
        session.add(
            WitnessSignatureRow(
                checkpoint_id=row.id,
                key_id=forged.key_id,
                province=SHANGHAI,
                signature=forged.signature,
                recorded_at=0,
            )
        )
    with unit_of_work(shanghai.engine) as session:
        own = session.exec(
            select(WitnessSignatureRow).where(col(WitnessSignatureRow.province) == SHANGHAI)
        ).one()
        own.signature = bytes([own.signature[0] ^ 1]) + own.signature[1:]
        session.add(own)

    report = _audit(witnessed)
    assert report.witness is not None and not report.ok
    found = sorted((v.invariant, v.subject) for v in report.witness.violations)
    height = latest.checkpoint.block_number
    assert found == [
        (Invariant.WITNESS_KEY_REGISTERED, f"{witnessed.nodes[ZHEJIANG].url}: block {height}"),
        (Invariant.WITNESS_SIGNATURE_VALID, f"{witnessed.nodes[SHANGHAI].url}: block {height}"),
    ]
    assert report.witness.newest is not None  # Shanghai's genuine signature, served by Zhejiang
    assert report.witness.newest.provinces == (SHANGHAI, JIANGSU, ZHEJIANG)


def test_a_node_cannot_keep_the_auditor_reading(w3: Any, deployment: Any) -> None:
    """One node pages backwards, another serves evidence without end: each is listed as not
    read, and the audit ends."""
    claimed = {
        "checkpoint": {
            "chain_id": deployment.chain_id,
            "contract": deployment.address,
            "block_number": 0,
            "block_hash": "0x" + "11" * 32,
            "state_root": "0x" + "22" * 32,
            "block_time": 0,
        },
        "signatures": [],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params.get("after", "0"))
        if request.url.host == "backwards" and request.url.path == "/witness/checkpoints":
            return httpx.Response(200, json={"items": [], "next_after": max(0, after - 1)})
        if request.url.path == "/witness/conflicts":
            items = [
                {"id": after + i, "claimed": claimed, "ours": None, "recorded_at": 0}
                for i in range(1, 101)
            ]
            return httpx.Response(200, json={"items": items, "next_after": after + 100})
        return httpx.Response(200, json={"items": [], "next_after": None})

    client = WitnessClient(transport=httpx.MockTransport(answer))
    sources = WitnessSources(client, ("http://backwards", "http://endless"))
    report = run_audit(w3, deployment, witnesses=sources, compare_views=False)
    assert report.witness is not None
    unreachable = report.witness.unreachable
    assert "pages backwards" in unreachable["http://backwards"]
    assert "more than 10000 conflicts" in unreachable["http://endless"]
