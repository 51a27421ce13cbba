# ruff: noqa: RUF001  (Chinese messages use full-width punctuation, as Chinese text should)
"""Reason codes of check results, numbered once and never renumbered.

Every :class:`~verifier.types.CheckResult` carries one reason code. Codes are grouped by
hundreds per check type; ``0`` means the check passed. A code, once released, keeps its meaning
forever: retire a code by leaving it unused, never reuse or renumber it. Each code has an English
and a Chinese message template, filled from the result's ``data``.

=====  ==================================  ========  =============================================
Code   Name                                Status    Meaning
=====  ==================================  ========  =============================================
0      OK                                  VALID     the check passed
1      SKIPPED_FORMAT                      SKIPPED   not checked: the file is not a certificate
100    FORMAT_NOT_JSON                     INVALID   the file is not JSON
101    FORMAT_WRONG_VERSION                INVALID   unknown sealed-certificate format version
102    FORMAT_SCHEMA                       INVALID   does not match the sealed-certificate schema
103    FORMAT_JSON_LIMIT                   INVALID   nested too deep or a number too long to read
200    DIGEST_MISMATCH                     INVALID   fields/salts/hidden leaves do not give digest
300    SIGNATURE_INVALID                   INVALID   the signature does not verify
301    SIGNATURE_KEY_UNKNOWN               INVALID   no key with the named id exists on chain
302    SIGNATURE_ALGORITHM_MISMATCH        INVALID   key's algorithm differs from the document's
400    KEY_UNKNOWN                         INVALID   the signing key is not registered on chain
401    KEY_OTHER_PROVINCE                  INVALID   the key belongs to another province
402    KEY_NOT_YET_REGISTERED              INVALID   key registered after the batch was anchored
403    KEY_CLOSED_BEFORE_ANCHOR            INVALID   key retired before the batch was anchored
404    KEY_REVOKED_BEFORE_ANCHOR           INVALID   key compromised before the batch was anchored
405    KEY_NEEDS_ANCHOR                    SKIPPED   not checked: no anchor time to check against
500    ANCHOR_NO_RECEIPT                   INVALID   not anchored yet: the file has no receipt
501    ANCHOR_PROOF_INVALID                INVALID   the inclusion proof does not give the root
502    ANCHOR_ROOT_NOT_ANCHORED            INVALID   the batch root is not anchored on chain
503    ANCHOR_OTHER_PROVINCE               INVALID   the root was anchored by another province
504    ANCHOR_WRONG_CHAIN                  ERROR     receipt names another chain than ours
505    ANCHOR_WRONG_CONTRACT               ERROR     receipt names another ledger contract
506    ANCHOR_RECEIPT_MISMATCH             INVALID   receipt's block differs from the chain's
600    STATUS_REVOKED                      INVALID   revoked (at the time asked)
601    STATUS_SUSPENDED                    INVALID   suspended (at the time asked)
602    STATUS_REINSTATED                   VALID     active again after a suspension
700    VALIDITY_EXPIRED                    INVALID   past its valid-until date
701    VALIDITY_NOT_YET_VALID              INVALID   before its valid-from date
702    VALIDITY_UNREADABLE                 INVALID   a validity date is not a calendar date
800    PROVINCE_UNKNOWN                    INVALID   the issuing province never was a member
801    PROVINCE_NOT_MEMBER                 INVALID   the issuing province is no longer a member
900    CHAIN_UNAVAILABLE                   ERROR     the chain could not be asked
901    CHAIN_DISAGREEMENT                  ERROR     endpoints disagree, or an answer's proof fails
=====  ==================================  ========  =============================================

Why a receipt for another chain or contract is ERROR, not INVALID: the certificate may be
perfectly good on the ledger it names; this verifier just is not connected to it, so it cannot
answer. It never checks such a receipt against the wrong ledger (a root anchored there would
prove nothing here).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from ledger.types import StatusReason

__all__ = ["MESSAGES", "PASSED", "STATUS_REASON_WORDS", "Reason", "describe", "status_reason_words"]


class Reason(IntEnum):
    """Why a check came out as it did; see the module docstring for the table."""

    OK = 0
    SKIPPED_FORMAT = 1
    FORMAT_NOT_JSON = 100
    FORMAT_WRONG_VERSION = 101
    FORMAT_SCHEMA = 102
    FORMAT_JSON_LIMIT = 103
    DIGEST_MISMATCH = 200
    SIGNATURE_INVALID = 300
    SIGNATURE_KEY_UNKNOWN = 301
    SIGNATURE_ALGORITHM_MISMATCH = 302
    KEY_UNKNOWN = 400
    KEY_OTHER_PROVINCE = 401
    KEY_NOT_YET_REGISTERED = 402
    KEY_CLOSED_BEFORE_ANCHOR = 403
    KEY_REVOKED_BEFORE_ANCHOR = 404
    KEY_NEEDS_ANCHOR = 405
    ANCHOR_NO_RECEIPT = 500
    ANCHOR_PROOF_INVALID = 501
    ANCHOR_ROOT_NOT_ANCHORED = 502
    ANCHOR_OTHER_PROVINCE = 503
    ANCHOR_WRONG_CHAIN = 504
    ANCHOR_WRONG_CONTRACT = 505
    ANCHOR_RECEIPT_MISMATCH = 506
    STATUS_REVOKED = 600
    STATUS_SUSPENDED = 601
    STATUS_REINSTATED = 602
    VALIDITY_EXPIRED = 700
    VALIDITY_NOT_YET_VALID = 701
    VALIDITY_UNREADABLE = 702
    PROVINCE_UNKNOWN = 800
    PROVINCE_NOT_MEMBER = 801
    CHAIN_UNAVAILABLE = 900
    CHAIN_DISAGREEMENT = 901


MESSAGES: Mapping[Reason, tuple[str, str]] = {
    Reason.SKIPPED_FORMAT: (
        "Not checked, because the file is not a readable certificate.",
        "未检查：文件不是可读取的电子证照。",
    ),
    Reason.FORMAT_NOT_JSON: (
        "The file is not a certificate: it is not valid JSON ({problem}).",
        "文件不是电子证照：不是有效的 JSON（{problem}）。",
    ),
    Reason.FORMAT_WRONG_VERSION: (
        "The file uses certificate format {found!r}, which this verifier does not know "
        "(expected {expected!r}).",
        "文件使用的证照格式版本 {found!r} 无法识别（应为 {expected!r}）。",
    ),
    Reason.FORMAT_SCHEMA: (
        "The file is not a well-formed sealed certificate: {problem}",
        "文件不是格式正确的电子证照：{problem}",
    ),
    Reason.FORMAT_JSON_LIMIT: (
        "The file is not a certificate: it nests too deep or holds too long a number to be "
        "read ({problem}).",
        "文件不是电子证照：内容嵌套过深或数字过长，未予读取（{problem}）。",
    ),
    Reason.DIGEST_MISMATCH: (
        "The certificate's content was changed after it was issued: its fields do not match "
        "the digest the issuer signed.",
        "证照内容在签发后被改动：字段与签发机关签名的摘要不一致。",
    ),
    Reason.SIGNATURE_INVALID: (
        "The issuer's signature does not match this certificate.",
        "签发机关的电子签名与本证照不符。",
    ),
    Reason.SIGNATURE_KEY_UNKNOWN: (
        "The signing key named in the certificate ({key_id}) is not registered on the ledger, "
        "so the signature cannot be trusted.",
        "证照所列签名密钥（{key_id}）未在账本上登记，签名不可信。",
    ),
    Reason.SIGNATURE_ALGORITHM_MISMATCH: (
        "The certificate says it was signed with {document_algorithm}, but its key is "
        "registered for {key_algorithm}.",
        "证照声明的签名算法为 {document_algorithm}，但该密钥登记的算法为 {key_algorithm}。",
    ),
    Reason.KEY_UNKNOWN: (
        "The signing key {key_id} is not registered on the ledger.",
        "签名密钥 {key_id} 未在账本上登记。",
    ),
    Reason.KEY_OTHER_PROVINCE: (
        "The signing key belongs to province {key_province}, not to the issuing province "
        "{province}.",
        "签名密钥属于 {key_province}，而非签发省份 {province}。",
    ),
    Reason.KEY_NOT_YET_REGISTERED: (
        "The signing key was registered only after the certificate was anchored.",
        "签名密钥在证照上链之后才登记。",
    ),
    Reason.KEY_CLOSED_BEFORE_ANCHOR: (
        "The signing key had already been retired when the certificate was anchored.",
        "证照上链时，签名密钥已停用。",
    ),
    Reason.KEY_REVOKED_BEFORE_ANCHOR: (
        "The signing key was reported compromised before the certificate was anchored.",
        "签名密钥在证照上链之前已被申报泄露。",
    ),
    Reason.KEY_NEEDS_ANCHOR: (
        "Not checked: without a valid anchor there is no time at which the key must have "
        "been active.",
        "未检查：缺少有效的上链记录，无法判断签名时密钥是否有效。",
    ),
    Reason.ANCHOR_NO_RECEIPT: (
        "The certificate has not been anchored on the ledger yet (it has no receipt).",
        "证照尚未上链（缺少上链回执）。",
    ),
    Reason.ANCHOR_PROOF_INVALID: (
        "The certificate's proof of inclusion does not lead to the batch it names.",
        "证照的默克尔包含证明与所列批次不符。",
    ),
    Reason.ANCHOR_ROOT_NOT_ANCHORED: (
        "The batch this certificate belongs to was never recorded on the ledger.",
        "证照所属批次从未在账本上登记。",
    ),
    Reason.ANCHOR_OTHER_PROVINCE: (
        "The batch was recorded on the ledger by province {anchor_province}, not by the "
        "issuing province {province}.",
        "该批次由 {anchor_province} 登记上链，而非签发省份 {province}。",
    ),
    Reason.ANCHOR_WRONG_CHAIN: (
        "The certificate was anchored on chain {receipt_chain_id}, but this verifier is "
        "connected to chain {chain_id}; it cannot be checked here.",
        "证照登记在链 {receipt_chain_id} 上，而本核验系统连接的是链 {chain_id}，无法核验。",
    ),
    Reason.ANCHOR_WRONG_CONTRACT: (
        "The certificate was anchored in ledger contract {receipt_contract}, but this "
        "verifier uses {contract}; it cannot be checked here.",
        "证照登记在账本合约 {receipt_contract} 中，而本核验系统使用 {contract}，无法核验。",
    ),
    Reason.ANCHOR_RECEIPT_MISMATCH: (
        "The receipt says the batch was anchored in block {receipt_block}, but the ledger "
        "recorded it in block {block_number}.",
        "回执所列上链区块为 {receipt_block}，但账本记录为区块 {block_number}。",
    ),
    Reason.STATUS_REVOKED: (
        "The certificate was revoked by its issuer (reason: {status_reason}), effective {when}.",
        "证照已被签发机关注销（原因：{status_reason_zh}），自 {when} 起生效。",
    ),
    Reason.STATUS_SUSPENDED: (
        "The certificate is suspended by its issuer (reason: {status_reason}), effective {when}.",
        "证照已被签发机关暂停使用（原因：{status_reason_zh}），自 {when} 起生效。",
    ),
    Reason.STATUS_REINSTATED: (
        "The certificate is in force: it was suspended and reinstated on {when}.",
        "证照有效：曾被暂停，已于 {when} 恢复。",
    ),
    Reason.VALIDITY_EXPIRED: (
        "The certificate expired: it was valid until {valid_until}.",
        "证照已过有效期：有效期至 {valid_until}。",
    ),
    Reason.VALIDITY_NOT_YET_VALID: (
        "The certificate is not yet in force: it is valid from {valid_from}.",
        "证照尚未生效：自 {valid_from} 起有效。",
    ),
    Reason.VALIDITY_UNREADABLE: (
        "The certificate's period of validity ({valid_from} to {valid_until}) is not written "
        "as calendar dates.",
        "证照有效期（{valid_from} 至 {valid_until}）不是有效的日期。",
    ),
    Reason.PROVINCE_UNKNOWN: (
        "The issuing province {province} is not a member of the ledger.",
        "签发省份 {province} 不是账本成员。",
    ),
    Reason.PROVINCE_NOT_MEMBER: (
        "The issuing province {province} is no longer a member of the ledger.",
        "签发省份 {province} 已不再是账本成员。",
    ),
    Reason.CHAIN_UNAVAILABLE: (
        "The ledger could not be reached, so this could not be checked; try again later "
        "({problem}).",
        "无法连接区块链账本，暂时无法核验，请稍后重试（{problem}）。",
    ),
    Reason.CHAIN_DISAGREEMENT: (
        "The ledger's endpoints did not give one trustworthy answer (they disagree, or an "
        "answer failed its state proof), so this could not be checked; report it to the "
        "ledger's operators ({problem}).",
        "区块链节点的答复不一致或未通过状态证明，无法核验，请报告账本运维方（{problem}）。",
    ),
}


PASSED: Mapping[str, tuple[str, str]] = {
    "format": ("The file is a well-formed sealed certificate.", "文件是格式正确的电子证照。"),
    "integrity": (
        "The content is unchanged since issuance: it hashes to the signed digest.",
        "证照内容自签发以来未被改动。",
    ),
    "signature": ("The issuer's signature is genuine.", "签发机关的电子签名真实有效。"),
    "issuer_key": (
        "The signing key is registered to the issuing province and was in force when the "
        "certificate was anchored.",
        "签名密钥已登记在签发省份名下，且在证照上链时有效。",
    ),
    "anchor": (
        "The certificate is recorded on the ledger by the issuing province (block {block_number}).",
        "证照已由签发省份登记上链（区块 {block_number}）。",
    ),
    "status": (
        "The certificate has not been revoked or suspended.",
        "证照未被注销或暂停。",
    ),
    "validity": ("The certificate is within its period of validity.", "证照在有效期内。"),
    "issuer_identity": (
        "The issuing province {province} is a member of the ledger.",
        "签发省份 {province} 是账本成员。",
    ),
}
"""What a passed check says, by check type."""

STATUS_REASON_WORDS: Mapping[int, tuple[str, str]] = {
    StatusReason.UNSPECIFIED: ("unspecified", "未说明"),
    StatusReason.ISSUED_IN_ERROR: ("issued in error", "错误发证"),
    StatusReason.HOLDER_REQUEST: ("at the holder's request", "持证人申请"),
    StatusReason.SUPERSEDED: ("replaced by a new certificate", "换发、补发"),
    StatusReason.DETAILS_CHANGED: ("registered details changed", "登记事项变更"),
    StatusReason.HOLDER_DECEASED: ("the holder died", "持证人死亡"),
    StatusReason.FRAUD: ("obtained by fraud", "以欺骗等不正当手段取得"),
    StatusReason.COURT_ORDER: ("court order", "司法裁定"),
    StatusReason.ADMINISTRATIVE_PENALTY: ("administrative penalty", "行政处罚吊销"),
    StatusReason.ENTITY_DISSOLVED: ("the holder organisation was dissolved", "主体注销"),
    StatusReason.UNDER_INVESTIGATION: ("under investigation", "调查核实中"),
    StatusReason.LOST_OR_STOLEN: ("lost or stolen", "遗失、被盗"),
    StatusReason.KEY_COMPROMISE: ("the signing key was compromised", "签名密钥泄露"),
    StatusReason.INVESTIGATION_CLEARED: ("investigation cleared", "核查无误"),
}
"""Clerk-facing words for the on-chain status reason codes (:class:`ledger.types.StatusReason`)."""


def status_reason_words(code: int) -> tuple[str, str]:
    """English and Chinese words for an on-chain status reason code, known or not."""
    return STATUS_REASON_WORDS.get(code, (f"reason code {code}", f"原因代码 {code}"))


def describe(reason: Reason, data: Mapping[str, Any], check_type: str) -> tuple[str, str]:
    """The English and Chinese messages of a result, filled from its ``data``.

    A passed check (``Reason.OK``) says what was established for its ``check_type``.
    """
    english, chinese = PASSED[check_type] if reason is Reason.OK else MESSAGES[reason]
    return english.format_map(data), chinese.format_map(data)
