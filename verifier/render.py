# ruff: noqa: RUF001  (Chinese text uses full-width punctuation)
"""Reports in words a clerk understands: one block of text per certificate, English and Chinese.

The first line says the verdict; then every check with a mark (✓ passed, ✗ failed, ! could not
be checked, - skipped) and its message, so the failing check and its reason stand out.
"""

from __future__ import annotations

from verifier.times import format_time
from verifier.types import CheckStatus, Report, Verdict

__all__ = ["render_text"]

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
    for check in report.checks:
        lines.append(f"  {_MARKS[check.status]} {check.type.value:<16} {check.message}")
        if check.status is not CheckStatus.VALID:
            lines.append(f"    {'':<16} {check.message_zh}  [reason {int(check.reason)}]")
    return "\n".join(lines)
