# ruff: noqa: RUF001  (Chinese text uses full-width punctuation)
"""The demo's story, step by step, each step checking its own outcome.

1. 启动 start the chain, three province nodes and a Shanghai agency service;
2. 签发 issue a few thousand certificates of every type through the nodes' bulk API;
3. 上链 wait until every batch is anchored; figures: rate, batches, gas per certificate;
4. 跨省通办 a Zhejiang holder consents, the Shanghai agency fetches and verifies: VALID;
5. 撤销 Zhejiang revokes that certificate; the agency's copy now verifies INVALID, with why;
6. 密钥轮换 Zhejiang rotates its key; an old and a new certificate both verify VALID;
7. 审计 the auditor replays the whole history, cross-checks Zhejiang's store and the checkpoints
   the three nodes signed as witnesses of the chain (each cosigned by the others): CLEAN.

A step that does not get the expected outcome raises :class:`DemoStepFailed`; the story stops
there and the command exits non-zero.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from web3 import Web3

from audit import StoreClient, WitnessSources, report_json, run_audit
from certificate.samples import SAMPLE_KINDS, sample_document
from huren.demo.api import AgencyAPI, NodeAPI
from huren.demo.exceptions import DemoStepFailed
from huren.demo.stack import AGENCY, Stack
from ledger.contract import HurenLedgerClient
from ledger.devnet import DEV_PROVINCES
from ledger.exceptions import WitnessConflictError, WitnessQuorumError, WitnessSourceError
from ledger.types import StatusReason
from ledger.witness import CheckpointPool, WitnessedCheckpoint
from ledger.witness_api import WitnessClient
from verifier.reasons import status_reason_words

__all__ = ["Story"]

ZHEJIANG = 330000
STORY_KIND = "academic_degree"
KINDS = (STORY_KIND, *(k for k in SAMPLE_KINDS if k != STORY_KIND))
"""Each province issues the types in this order, so its certificates 0 and 7 are degrees."""
DISCLOSED = ("/holder/name", "/face/degree", "/face/major", "/face/awarding_institution")
PURPOSE = "办理人才引进落户，核验学位证书"
SERVICE_ITEM = ("310000-RS-0117", "人才引进落户")
REVOCATION = StatusReason.FRAUD
_MARKS = {"VALID": "[green]✓[/]", "INVALID": "[red]✗[/]", "ERROR": "[yellow]![/]",
          "SKIPPED": "[dim]-[/]"}  # fmt: skip


@dataclass(slots=True)
class _Chunk:
    """One bulk request: one batch of one province."""

    province: int
    ids: list[str]
    receipt: dict[str, Any] | None = None


@dataclass
class Story:
    """Runs the steps against a started :class:`Stack`, printing to ``console``."""

    stack: Stack
    console: Console
    count: int
    batch_size: int
    w3: Web3 | None = None
    nodes: dict[int, NodeAPI] = field(default_factory=dict)
    agency: AgencyAPI | None = None
    seed: int = field(default_factory=lambda: secrets.randbits(40))
    chunks: list[_Chunk] = field(default_factory=list)

    def run(self) -> None:
        """Every step, in order; raises DemoStepFailed at the first one that goes wrong."""
        self.start()
        self.issue()
        copy = self.cross_province()
        self.revoke(copy)
        self.rotate()
        self.audit()

    def _chain(self) -> Web3:
        assert self.w3 is not None, "start() connects to the chain"
        return self.w3

    def heading(self, number: int, chinese: str, english: str) -> None:
        """A numbered step heading, Chinese then English."""
        self.console.print(f"\n[bold]{number}. {chinese}[/]  [bold]{english}[/]")

    def say(self, text: str) -> None:
        """One line of the story, indented under its heading."""
        self.console.print(f"   {text}", highlight=False)

    # --- 1 ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the chain, place and start the nodes, register the agency, start its service."""
        self.heading(1, "启动", "Start the ledger, three province nodes and a Shanghai agency")
        stack = self.stack
        w3 = self.w3 = stack.start_chain()
        assert stack.chain is not None and stack.deployment is not None
        deployment = stack.deployment
        how = "reused" if stack.reused_deployment else "deployed"
        self.say(
            f"chain   {stack.chain.url}  anvil, chain id {deployment.chain_id}; ledger "
            f"{deployment.address} {how} (block {deployment.block_number})"
        )
        urls = stack.place_nodes(w3)
        for update in stack.endpoint_updates:
            self.say(f"        port taken: endpoint on chain updated, {update}")
        stack.start_services(urls)
        for info in stack.nodes.values():
            self.nodes[info.province.code] = NodeAPI(info.url, info.tokens)
            self.say(f"node    {info.province.code} {info.province.name:<16} {info.url}")
        zhejiang = self.nodes[ZHEJIANG]
        zhejiang.register_agency(AGENCY.id, AGENCY.name, AGENCY.province)
        self.agency = AgencyAPI(stack.agency_url, stack.clerk_token)
        self.say(
            f"agency  {AGENCY.name} ({AGENCY.id}) {stack.agency_url}, "
            f"registered with Zhejiang's node"
        )

    # --- 2, 3 ------------------------------------------------------------------------------------

    def _documents(self, province: int, start: int, size: int) -> list[dict[str, Any]]:
        return [
            sample_document(
                KINDS[i % len(KINDS)], seed=self.seed + province * 10**6 + i, province=province
            )
            for i in range(start, start + size)
        ]

    def issue(self) -> None:
        """Issue ``count`` certificates across the three provinces, one bulk request per batch."""
        self.heading(
            2,
            "签发",
            f"Issue {self.count:,} certificates of {len(KINDS)} types "
            f"in {len(DEV_PROVINCES)} provinces",
        )
        shares = {p.code: self.count // len(DEV_PROVINCES) for p in DEV_PROVINCES}
        for p in DEV_PROVINCES[: self.count % len(DEV_PROVINCES)]:
            shares[p.code] += 1
        columns = (TextColumn("   {task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        batch_size = self.batch_size
        started = time.perf_counter()
        with Progress(*columns, console=self.console) as bars:
            tasks = {p.code: bars.add_task(p.name, total=shares[p.code]) for p in DEV_PROVINCES}

            def issue_province(code: int) -> list[_Chunk]:
                done: list[_Chunk] = []
                for start in range(0, shares[code], batch_size):
                    size = min(batch_size, shares[code] - start)
                    ids = self.nodes[code].issue_bulk(self._documents(code, start, size))
                    if len(ids) != size:
                        raise DemoStepFailed(f"{code} issued {len(ids)} of {size} certificates")
                    done.append(_Chunk(code, ids))
                    bars.advance(tasks[code], size)
                return done

            with ThreadPoolExecutor(len(DEV_PROVINCES)) as pool:
                for chunks in pool.map(issue_province, [p.code for p in DEV_PROVINCES]):
                    self.chunks += chunks
        seconds = time.perf_counter() - started
        self.say(
            f"{self.count:,} certificates signed, stored encrypted and batched in "
            f"{seconds:.1f} s: [bold]{self.count / seconds:,.0f} certificates/s[/] "
            f"through the nodes' bulk API"
        )
        self._anchor(started)

    def _anchor(self, started: float) -> None:
        self.heading(3, "上链", "Anchor every batch's Merkle root on the ledger")
        waiting = list(self.chunks)
        deadline = time.monotonic() + 120 + self.count / 50
        columns = (TextColumn("   {task.description:<18}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=self.console) as bars:
            task = bars.add_task("batches anchored", total=len(waiting))
            while waiting:
                for chunk in list(waiting):
                    chunk.receipt = self.nodes[chunk.province].receipt(chunk.ids[-1])
                    if chunk.receipt is not None:
                        waiting.remove(chunk)
                        bars.advance(task)
                if waiting:
                    if time.monotonic() > deadline:
                        raise DemoStepFailed(
                            f"{len(waiting)} batches were not anchored in time; the nodes' logs "
                            f"are in {self.stack.home.root / 'logs'}"
                        )
                    time.sleep(0.2)
        total = time.perf_counter() - started
        transactions = {c.receipt["transaction_hash"] for c in self.chunks if c.receipt}
        gas = sum(
            int(self._chain().eth.get_transaction_receipt(t)["gasUsed"]) for t in transactions
        )
        self.say(
            f"{len(self.chunks)} batches in {len(transactions)} anchor transactions; "
            f"[bold]{gas / self.count:,.0f} gas per certificate[/] "
            f"({gas / len(transactions):,.0f} per batch of up to "
            f"{max(len(c.ids) for c in self.chunks)})"
        )
        self.say(
            f"all {self.count:,} receipts ready {total:.1f} s after the first request: "
            f"[bold]{self.count / total:,.0f} certificates/s[/] issued and anchored"
        )

    # --- 4 ---------------------------------------------------------------------------------------

    def _zhejiang_ids(self) -> list[str]:
        return [i for c in self.chunks if c.province == ZHEJIANG for i in c.ids]

    def _request(self, certificate_id: str) -> dict[str, Any]:
        """Consent by the holder, then the agency's request; the stored request."""
        assert self.agency is not None
        consent = self.nodes[ZHEJIANG].grant_consent(
            certificate_id, AGENCY.id, DISCLOSED, PURPOSE, SERVICE_ITEM
        )
        stored = self.agency.request(certificate_id, ZHEJIANG, consent["token"])
        if stored["outcome"] != "verified":
            raise DemoStepFailed(
                f"the agency's request for {certificate_id} ended {stored['outcome']}: "
                f"{stored['node_error']} {stored['message']}"
            )
        return stored

    def cross_province(self) -> dict[str, Any]:
        """The 跨省通办 request; returns the disclosed copy the agency now holds."""
        self.heading(4, "跨省通办", "A Zhejiang graduate's degree, verified by a Shanghai agency")
        certificate_id = self._zhejiang_ids()[0]
        holder = self._documents(ZHEJIANG, 0, 1)[0]["holder"]["name"]
        self.say(
            f"holder {holder} (浙江) consents on Zhejiang's portal: {AGENCY.name} may read "
            f"{', '.join(DISCLOSED)} once"
        )
        self.say(
            f"申请事由 purpose: {PURPOSE}; 服务事项 service item: "
            f"{SERVICE_ITEM[0]} {SERVICE_ITEM[1]}"
        )
        stored = self._request(certificate_id)
        self.say(
            f"the agency found Zhejiang's node on chain at {stored['endpoint']}, "
            f"fetched certificate {certificate_id} and verified it:"
        )
        content = stored["certificate"]["content"]
        shown = " · ".join(f"{p} {content['fields'][p]['value']}" for p in DISCLOSED)
        self.say(f"   disclosed: {shown}")
        self.say(
            f"   withheld:  {len(content['withheld'])} fields, as salted hashes only "
            f"(e.g. /holder/id_number)"
        )
        report = stored["report"]
        for check in report["checks"]:
            self.say(f"   {_MARKS[check['status']]} {check['type']:<10} {check['message']}")
        self._print_verdict(report)
        self._expect(report, "VALID", "the consented certificate")
        return dict(stored["certificate"])

    def _print_verdict(self, report: dict[str, Any]) -> None:
        self.say(f"   verdict {_verdict(report)}")

    def _expect(self, report: dict[str, Any], verdict: str, what: str) -> None:
        if report["verdict"] != verdict:
            failing = "; ".join(
                f"{c['type']}: {c['message']}" for c in report["checks"] if c["status"] != "VALID"
            )
            raise DemoStepFailed(f"{what} verified {report['verdict']}, not {verdict}: {failing}")

    # --- 5 ---------------------------------------------------------------------------------------

    def revoke(self, copy: dict[str, Any]) -> None:
        """Revoke the certificate on Zhejiang's node; the agency's copy turns INVALID."""
        assert self.agency is not None
        self.heading(5, "撤销", "Zhejiang revokes the degree; the same copy now verifies INVALID")
        certificate_id = self._zhejiang_ids()[0]
        english, chinese = status_reason_words(REVOCATION)
        status = self.nodes[ZHEJIANG].change_status(certificate_id, "revoke", int(REVOCATION))
        if status["state"] != "revoked":
            raise DemoStepFailed(f"after revocation the node reports {status['state']}")
        self.say(
            f"revoked on chain by Zhejiang's account, reason {int(REVOCATION)}: "
            f"{chinese} / {english}"
        )
        report = self.agency.verify(copy)
        self.say("the agency verifies the copy it holds again:")
        for check in report["checks"]:
            if check["status"] != "VALID":
                self.say(f"   {_MARKS[check['status']]} {check['type']:<10} {check['message']}")
                self.say(f"     {'':<10} {check['message_zh']}")
        self._print_verdict(report)
        self._expect(report, "INVALID", "the revoked certificate")
        if not any(c["reason_name"] == "STATUS_REVOKED" for c in report["checks"]):
            raise DemoStepFailed("the report does not say the certificate was revoked")

    # --- 6 ---------------------------------------------------------------------------------------

    def rotate(self) -> None:
        """Rotate Zhejiang's key; an old and a new certificate both verify VALID."""
        self.heading(
            6, "密钥轮换", "Zhejiang rotates its signing key; old and new certificates both verify"
        )
        node = self.nodes[ZHEJIANG]
        rotated = node.rotate_key()
        old_key, new_key = rotated["previous_key_id"], rotated["key_id"]
        self.say(f"key {old_key[:14]}… retired on chain, key {new_key[:14]}… registered and active")
        old_id = self._zhejiang_ids()[len(KINDS)]
        document = sample_document(STORY_KIND, seed=self.seed + 10**9, province=ZHEJIANG)
        new_id = node.issue(document)
        deadline = time.monotonic() + 60
        while node.receipt(new_id) is None:
            if time.monotonic() > deadline:
                raise DemoStepFailed(f"the new certificate {new_id} was not anchored in 60 s")
            time.sleep(0.2)
        for label, certificate_id, key in (("old", old_id, old_key), ("new", new_id, new_key)):
            stored = self._request(certificate_id)
            signed_by = stored["certificate"]["signature"]["key_id"]
            self.say(
                f"{label} certificate …{certificate_id[-28:]}, signed by {signed_by[:14]}…: "
                f"{_verdict(stored['report'])}"
            )
            if signed_by != key:
                raise DemoStepFailed(f"the {label} certificate is signed by {signed_by}, not {key}")
            self._expect(stored["report"], "VALID", f"the {label} certificate")

    # --- 7 ---------------------------------------------------------------------------------------

    def audit(self) -> None:
        """Replay the whole history, compare with the contract, with Zhejiang's store and with
        the checkpoints the nodes witnessed."""
        self.heading(
            7,
            "审计",
            "The auditor replays the whole history, checks Zhejiang's store and the witnesses",
        )
        stack = self.stack
        assert stack.deployment is not None
        zhejiang = stack.nodes[ZHEJIANG]
        store = StoreClient.connect(zhejiang.url, zhejiang.tokens["auditor"])
        witnesses = WitnessClient(timeout=5.0)
        try:
            cosigned = self._cosigned_by_all(witnesses)
            report = run_audit(
                self._chain(), stack.deployment, store=store, witnesses=WitnessSources(witnesses)
            )
        finally:
            store.http.close()
            witnesses.close()
        data = report_json(report)
        s = data["summary"]
        self.say(
            f"replayed {report.replay.events:,} events (blocks {report.replay.from_block:,}–"
            f"{report.replay.to_block:,}) in {report.replay.seconds:.2f} s: "
            f"{s['members']} members, {s['signing_keys']} signing keys, "
            f"{s['batch_anchors']:,} batches of {s['certificates_anchored']:,} certificates, "
            f"status changes {s['status_changes']}, access-log heads {s['access_log_heads']}"
        )
        comparison = report.comparison
        if comparison is not None:
            self.say(
                f"contract views agree with the replay: {sum(comparison.checked.values()):,} "
                f"reads, {len(comparison.differences)} differences"
            )
        if report.store is not None:
            self.say(
                f"Zhejiang's store: {report.store.certificates:,} certificates, each "
                f"anchored and signed inside its key's window; {report.store.log_entries} "
                f"access-log entries, hash chain intact, anchored heads matching: "
                f"{report.store.heads_checked}"
            )
        witness = report.witness
        if witness is not None:
            block = cosigned.checkpoint
            self.say(
                f"witnesses: {witness.checkpoints:,} checkpoints of the chain with "
                f"{witness.signatures:,} valid signatures; the newest cosigned by all three "
                f"provinces: block {block.block_number:,}, hash 0x{block.block_hash.hex()[:16]}…"
            )
        findings = sum(
            len(found.violations if found else [])
            for found in (report, report.store, report.witness)
        )
        self.say(
            f"invariant violations: {findings}; verdict "
            + ("[bold green]CLEAN[/]" if report.ok else "[bold red]FINDINGS[/]")
        )
        if not report.ok:
            first = [
                v for found in (report, report.store, report.witness) if found
                for v in found.violations
            ]  # fmt: skip
            detail = first[0].message if first else "the views disagree with the replay"
            raise DemoStepFailed(f"the audit found problems, e.g. {detail}")

    def _cosigned_by_all(self, client: WitnessClient, wait: float = 20.0) -> WitnessedCheckpoint:
        """The newest checkpoint every province signed, read from the nodes as a verifier reads
        it (each signature checked against the key on chain); waits for the witnesses' next
        passes (one a second) if none is yet."""
        stack = self.stack
        assert stack.deployment is not None
        reader = HurenLedgerClient(self._chain(), stack.deployment.address)
        ledger = (stack.deployment.chain_id, stack.deployment.address)
        deadline = time.monotonic() + wait
        while True:
            pool = CheckpointPool(ledger, reader.signing_key)
            for info in stack.nodes.values():
                try:
                    latest = client.latest(info.url)
                except WitnessSourceError:
                    continue
                if latest is not None:
                    pool.add(latest)
            try:
                return pool.newest(len(stack.nodes))
            except WitnessConflictError as error:
                raise DemoStepFailed(f"the witnesses disagree: {error}") from error
            except WitnessQuorumError as error:
                if time.monotonic() > deadline:
                    raise DemoStepFailed(
                        f"the nodes did not cosign each other's checkpoints in {wait:g} s: {error}"
                    ) from error
            time.sleep(0.5)

    def close(self) -> None:
        """Close the HTTP clients."""
        for api in [*self.nodes.values(), *([self.agency] if self.agency else [])]:
            api.close()


def _verdict(report: dict[str, Any]) -> str:
    """A report's verdict in colour, English and Chinese."""
    verdict = report["verdict"]
    chinese = {"VALID": "有效", "INVALID": "无效", "ERROR": "无法核验"}[verdict]
    colour = "green" if verdict == "VALID" else "red"
    return f"[bold {colour}]{verdict} {chinese}[/]"
