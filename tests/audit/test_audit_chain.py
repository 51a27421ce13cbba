"""The auditor against a real chain: replay, invariants, comparison, checkpoints, queries, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_history import (
    ANHUI,
    JIANGSU,
    SHANGHAI,
    ZHEJIANG,
    History,
    build_history,
    random_hash,
)
from web3 import Web3

from audit import (
    AuditCheckpointError,
    AuditValueError,
    Checkpoint,
    anchored_between,
    key_active_at,
    run_audit,
    status_of_at,
    was_valid_at,
)
from audit.state import LedgerState
from huren.cli import main
from ledger.devnet import deploy_dev_ledger
from ledger.types import CertificateState


@pytest.fixture(scope="module")
def history(w3: Web3) -> History:
    """A fresh deployment holding a history with every kind of event."""
    return build_history(w3, deploy_dev_ledger(w3))


def test_clean_history_audits_clean(history: History) -> None:
    report = run_audit(history.w3, history.deployment)

    assert report.violations == []
    assert report.comparison is not None and report.comparison.differences == []
    assert report.ok
    state = report.state
    assert state.members == [SHANGHAI, JIANGSU, ANHUI]
    assert state.threshold == 2
    assert len(state.proposals) == 5 and all(p.executed for p in state.proposals.values())
    assert len(state.keys) == 4
    assert len(state.anchors) == 5 and state.certificates() == 3 + 5 + 2 + 4 + 7
    assert state.status_changes == 8 and len(state.statuses) == 7
    assert [h.size for h in state.log_heads[SHANGHAI]] == [5, 8]
    # every view family was read, and the counters were compared
    checked = report.comparison.checked
    for view in ("province", "proposal", "signingKey", "anchorsOf", "statusesOf", "anchorCount"):
        assert checked[view] >= 1, view


def test_rebuilt_history_has_the_details(history: History) -> None:
    state = run_audit(history.w3, history.deployment, compare_views=False).state
    zhejiang, anhui = state.provinces[ZHEJIANG], state.provinces[ANHUI]
    assert not zhejiang.member
    assert len(anhui.accounts) == 2 and anhui.account == anhui.accounts[-1]
    assert state.provinces[SHANGHAI].endpoint == "http://127.0.0.1:9310"
    retired, revoked = state.keys[history.keys["sh_ed"]], state.keys[history.keys["js_ed"]]
    assert retired.valid_until is not None and not retired.revoked
    assert revoked.revoked and revoked.valid_until == revoked.valid_from
    reinstated = state.statuses[(SHANGHAI, history.digests["reinstated"])]
    assert [c.state for c in reinstated.changes] == [
        CertificateState.SUSPENDED,
        CertificateState.ACTIVE,
    ]


def test_point_in_time_questions(history: History) -> None:
    state = run_audit(history.w3, history.deployment, compare_views=False).state
    digest, root = history.digests["suspended"], history.roots["sh1"]
    anchor = state.anchors[root]
    suspended_at = state.statuses[(SHANGHAI, digest)].changes[0].effective_at
    assert was_valid_at(state, SHANGHAI, digest, root, anchor.anchored_at)
    assert not was_valid_at(state, SHANGHAI, digest, root, suspended_at)
    assert not was_valid_at(state, SHANGHAI, digest, root, anchor.anchored_at - 1)  # not yet
    assert not was_valid_at(state, JIANGSU, digest, root, suspended_at)  # not Jiangsu's batch
    # as known before the suspension was recorded, it was active
    before = status_of_at(state, SHANGHAI, digest, suspended_at, known_at=suspended_at - 1)
    assert before.state is CertificateState.ACTIVE
    everything = anchored_between(state, SHANGHAI, 0, 2**63)
    assert [a.root for a in everything] == [history.roots["sh1"], history.roots["sh2"]]
    assert anchored_between(state, SHANGHAI, 0, anchor.anchored_at - 1) == []
    key = state.keys[history.keys["js_ed"]]
    assert not key_active_at(state, key.key_id, key.valid_from)  # revoked from the start
    assert key_active_at(state, history.keys["sh_p256"], key.valid_from)


def test_resume_from_checkpoint_equals_full_replay(history: History, tmp_path: Path) -> None:
    full = run_audit(history.w3, history.deployment, compare_views=False)
    middle = (history.deployment.block_number + full.to_block) // 2
    checkpoint = tmp_path / "audit.checkpoint"

    first = run_audit(history.w3, history.deployment, to_block=middle, checkpoint=checkpoint)
    assert first.resumed_from is None and first.ok  # the views agree at the middle block too
    assert Checkpoint.load(checkpoint).block_number == middle
    resumed = run_audit(
        history.w3, history.deployment, to_block=full.to_block, checkpoint=checkpoint
    )

    assert resumed.resumed_from == middle + 1
    assert 0 < resumed.replay.events < full.replay.events
    assert resumed.state.state_hash() == full.state.state_hash()
    assert resumed.violations == full.violations
    assert Checkpoint.load(checkpoint).state.state_hash() == full.state.state_hash()


def test_altered_checkpoint_is_refused(history: History, tmp_path: Path) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    run_audit(history.w3, history.deployment, checkpoint=checkpoint, compare_views=False)
    good = checkpoint.read_bytes()
    for position in (len(good) // 2, len(good) - 1):  # inside the state, in the last row
        altered = bytearray(good)
        altered[position] ^= 0x01
        checkpoint.write_bytes(bytes(altered))
        with pytest.raises(AuditCheckpointError, match="altered"):
            run_audit(history.w3, history.deployment, checkpoint=checkpoint)
    checkpoint.write_bytes(good[:-7])
    with pytest.raises(AuditCheckpointError, match="altered or damaged"):
        Checkpoint.load(checkpoint)
    checkpoint.write_text(json.dumps({"version": 1, "state": {}}))
    with pytest.raises(AuditCheckpointError, match="replay from the deployment block"):
        Checkpoint.load(checkpoint)


def test_checkpoint_of_another_deployment_is_refused(
    history: History, w3: Web3, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    run_audit(history.w3, history.deployment, checkpoint=checkpoint, compare_views=False)
    with pytest.raises(AuditCheckpointError, match="not"):
        run_audit(w3, deploy_dev_ledger(w3), checkpoint=checkpoint)


def test_block_outside_the_history_is_refused(history: History) -> None:
    with pytest.raises(AuditValueError, match="outside"):
        run_audit(history.w3, history.deployment, to_block=history.deployment.block_number - 1)


def test_sampled_comparison_reads_at_most_the_sample(history: History) -> None:
    report = run_audit(history.w3, history.deployment, sample=2)
    assert report.comparison is not None and report.comparison.sampled
    assert report.comparison.checked["anchorsOf"] == 2
    assert report.comparison.checked["statusesOf"] == 2
    assert report.ok


def test_state_survives_json_round_trip(history: History) -> None:
    state = run_audit(history.w3, history.deployment, compare_views=False).state
    again = LedgerState.from_json(json.loads(json.dumps(state.to_json())))
    assert again == state and again.state_hash() == state.state_hash()


def test_cli_exit_codes_and_json(
    history: History, local_chain: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "deployment.json"
    history.deployment.save(record)
    rpc = str(local_chain.url)
    assert main(["audit", "--deployment", str(record), "--rpc", rpc, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["summary"]["batch_anchors"] == 5

    assert main(["audit", "--deployment", str(record), "--rpc", rpc]) == 0
    assert "CLEAN" in capsys.readouterr().out

    assert main(["audit", "--deployment", str(tmp_path / "missing.json"), "--rpc", rpc]) == 2
    assert "no deployment record" in capsys.readouterr().err


def test_cli_reports_findings_with_exit_code_1(
    history: History, w3: Web3, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deployment record whose deployment transaction is wrong makes the founders' membership
    look unapproved: the audit must say so and exit 1."""
    from dataclasses import replace

    forged = replace(history.deployment, transaction_hash="0x" + random_hash().hex())
    record = tmp_path / "deployment.json"
    forged.save(record)
    rpc = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    assert main(["audit", "--deployment", str(record), "--rpc", rpc, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    names = {v["invariant"] for v in report["violations"]}
    assert names == {"membership_changes_approved"}
