"""The audit report: JSON for machines, a short human summary (rich) for people.

Both come from the same :class:`~audit.audit.AuditReport`; the JSON carries every finding
with its evidence, the summary counts them by invariant and shows the first few of each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from audit.audit import AuditReport
from audit.types import Violation
from audit.witness_check import WitnessReport

__all__ = ["render_report", "report_json", "summary"]

_SHOWN = 5  # findings shown per invariant or view in the human summary


def summary(report: AuditReport) -> dict[str, int]:
    """Counts of what the rebuilt ledger holds."""
    state = report.state
    return {
        "events": state.events,
        "members": len(state.members),
        "provinces": len(state.provinces),
        "threshold": state.threshold,
        "proposals": len(state.proposals),
        "signing_keys": len(state.keys),
        "batch_anchors": len(state.anchors),
        "certificates_anchored": state.certificates(),
        "status_changes": state.status_changes,
        "certificates_with_status": len(state.statuses),
        "access_log_heads": sum(len(h) for h in state.log_heads.values()),
    }


def report_json(report: AuditReport) -> dict[str, Any]:
    """The full report as JSON-ready data."""
    comparison = report.comparison
    return {
        "ok": report.ok,
        "deployment": asdict(report.deployment),
        "to_block": report.to_block,
        "resumed_from": report.resumed_from,
        "replay": {
            "from_block": report.replay.from_block,
            "to_block": report.replay.to_block,
            "events": report.replay.events,
            "seconds": round(report.replay.seconds, 4),
            "events_per_second": round(report.replay.events_per_second),
        },
        "summary": summary(report),
        "violations": [v.to_json() for v in report.violations],
        "comparison": None
        if comparison is None
        else {
            "block": comparison.block,
            "checked": comparison.checked,
            "sampled": comparison.sampled,
            "differences": [d.to_json() for d in comparison.differences],
        },
        "store": report.store.to_json() if report.store is not None else None,
        "witnesses": report.witness.to_json() if report.witness is not None else None,
        "seconds": {k: round(v, 4) for k, v in report.seconds.items()},
    }


def render_report(report: AuditReport, console: Console) -> None:
    """Print the human summary."""
    s = summary(report)
    where = (
        f"resumed at block {report.resumed_from}"
        if report.resumed_from is not None
        else f"from block {report.deployment.block_number}"
    )
    console.print(
        f"[bold]huren audit[/] of {report.deployment.address} (chain {report.deployment.chain_id})"
        f" to block {report.to_block}, {where}"
    )
    console.print(
        f"  replayed {report.replay.events:,} events in {report.replay.seconds:.2f} s; the ledger "
        f"holds {s['members']} members (threshold {s['threshold']}), {s['signing_keys']} keys, "
        f"{s['batch_anchors']:,} batches of {s['certificates_anchored']:,} certificates, "
        f"{s['status_changes']:,} status changes, {s['access_log_heads']} access-log heads"
    )
    _render_violations(console, "invariants", report.violations)
    comparison = report.comparison
    if comparison is not None:
        checked = sum(comparison.checked.values())
        sampled = " (sampled)" if comparison.sampled else ""
        if not comparison.differences:
            console.print(
                f"  [green]views agree[/]: {checked:,} reads at block {comparison.block}{sampled}"
            )
        else:
            table = Table("view", "key", "rebuilt", "contract", title="views that disagree")
            for d in comparison.differences[: _SHOWN * 4]:
                table.add_row(d.view, d.key, str(d.rebuilt), str(d.contract))
            console.print(
                f"  [red]{len(comparison.differences)} differences[/] in {checked:,} reads"
            )
            console.print(table)
    if report.store is not None:
        store = report.store
        console.print(
            f"  store of {store.province}: {store.certificates:,} certificates "
            f"({store.anchored:,} anchored), {store.log_entries:,} access-log entries, "
            f"{store.heads_checked} anchored heads"
        )
        _render_violations(console, "store", store.violations)
    if report.witness is not None:
        _render_witnesses(console, report.witness)
    verdict = "[bold green]CLEAN[/]" if report.ok else "[bold red]FINDINGS[/]"
    console.print(f"  verdict: {verdict}")


def _render_witnesses(console: Console, witness: WitnessReport) -> None:
    newest = witness.newest
    newest_text = (
        ""
        if newest is None
        else f"; the newest, block {newest.checkpoint.block_number:,}, signed by "
        + ", ".join(str(p) for p in newest.provinces)
    )
    console.print(
        f"  witnesses: {witness.checkpoints:,} checkpoints with {witness.signatures:,} valid "
        f"signatures from {len(witness.sources)} nodes{newest_text}"
    )
    if witness.revoked:
        console.print(f"    {witness.revoked} signatures by keys revoked since (not counted)")
    for url, error in witness.unreachable.items():
        console.print(f"    [yellow]not read[/] {url}: {error}", markup=True, highlight=False)
    _render_violations(console, "witnesses", witness.violations)


def _render_violations(console: Console, what: str, violations: list[Violation]) -> None:
    if not violations:
        console.print(f"  [green]{what}: all hold[/]")
        return
    counts = Counter(v.invariant for v in violations)
    console.print(f"  [red]{what}: {len(violations)} violations[/]")
    for invariant, count in counts.items():
        console.print(f"    [bold]{invariant}[/]: {count}")
        for v in [v for v in violations if v.invariant == invariant][:_SHOWN]:
            where = ", ".join(f"{e.name}@{e.block_number}:{e.log_index}" for e in v.events) or (
                v.subject or ""
            )
            console.print(f"      {v.message}  [dim]{where}[/]")
