# ruff: noqa: RUF001  (Chinese text uses full-width punctuation)
"""Reports in words a clerk understands: one block of text per certificate, English and Chinese.

The first line says the verdict; then what the chain's answers rest on (:func:`describe_trust`:
which endpoints, which block, how many values were proven, who disagreed); then every check with
a mark (✓ passed, ✗ failed, ! could not be checked, - skipped) and its message, so the failing
check and its reason stand out.
"""

from __future__ import annotations

from verifier.times import format_time
from verifier.types import BlockSource, CheckStatus, Report, Trust, Verdict

__all__ = ["describe_trust", "render_text"]

_MARKS = {
    CheckStatus.VALID: "✓",
    CheckStatus.INVALID: "✗",
    CheckStatus.ERROR: "!",
    CheckStatus.SKIPPED: "-",
}

_HEADLINES = {
    Verdict.VALID: (
        "VALID: the certificate is genuine and in force.",
        "有效：证照真实且在有效期内。",
    ),
    Verdict.INVALID: (
        "INVALID: do not accept this certificate.",
        "无效：请勿采信此证照。",
    ),
    Verdict.ERROR: (
        "ERROR: the certificate could not be fully checked; try again later.",
        "无法核验：证照未能完成核验，请稍后重试。",
    ),
}


def render_text(report: Report, source: str | None = None) -> str:
    """The report as text: verdict, what was checked, each check's outcome and reason."""
    english, chinese = _HEADLINES[report.verdict]
    lines = [f"{source}" if source else "certificate", f"  {english}", f"  {chinese}"]
    if report.certificate_id:
        lines.append(
            f"  certificate {report.certificate_id}, issued by province {report.issuing_province}"
        )
    lines.append(
        f"  checked at {format_time(report.checked_at)}"
        + (
            f", status and validity as of {format_time(report.at)}"
            if report.at != report.checked_at
            else ""
        )
    )
    if report.trust is not None:
        english, chinese = describe_trust(report.trust)
        lines += [f"  trust: {english}", f"  信任：{chinese}"]
        for endpoint, problem in report.trust.disagreed.items():
            lines.append(f"  ! endpoint {endpoint}: {problem}")
    for check in report.checks:
        lines.append(f"  {_MARKS[check.status]} {check.type.value:<16} {check.message}")
        if check.status is not CheckStatus.VALID:
            lines.append(f"    {'':<16} {check.message_zh}  [reason {int(check.reason)}]")
    return "\n".join(lines)


def describe_trust(trust: Trust) -> tuple[str, str]:
    """What the chain's answers in a report rest on, in English and Chinese."""
    block = f"block {trust.block_number}" if trust.block_number is not None else "no block"
    block_zh = f"区块 {trust.block_number}" if trust.block_number is not None else "未确定区块"
    if trust.block_source is BlockSource.LATEST:
        return (
            f"every answer of {', '.join(trust.endpoints)} was trusted (no quorum, no proofs)",
            f"完全信任 {'、'.join(trust.endpoints)} 的答复（未经多节点比对，未经状态证明）",
        )
    agreeing = [e for e in trust.endpoints if e not in trust.disagreed]
    if trust.block_source is BlockSource.GIVEN:
        head = f"{block} was given; {len(agreeing)} of {len(trust.endpoints)} endpoints hold it"
        head_zh = f"{block_zh} 由外部给定，{len(trust.endpoints)} 个节点中有 {len(agreeing)} 个持有"
    elif len(trust.endpoints) == 1:
        head = f"the header of {block} from {trust.endpoints[0]} was trusted"
        head_zh = f"信任 {trust.endpoints[0]} 提供的{block_zh}的区块头"
    else:
        head = (
            f"{len(agreeing)} of {len(trust.endpoints)} endpoints agreed on {block} "
            f"(quorum {trust.quorum})"
        )
        head_zh = (
            f"{len(trust.endpoints)} 个节点中有 {len(agreeing)} 个就{block_zh}达成一致"
            f"（法定数 {trust.quorum}）"
        )
    if trust.proofs_checked:
        head += f"; {trust.proofs_checked} stored values proven against its state root"
        head_zh += f"；{trust.proofs_checked} 项存储数值经状态证明核对"
    if trust.histories_compared:
        head += f"; {trust.histories_compared} status histories compared, not proven"
        head_zh += f"；{trust.histories_compared} 条状态历史经节点比对（无状态证明）"
    return head, head_zh
