"""Custom errors of the huren contracts: one exception class per Solidity error.

Generated from ledger/artifacts/HurenLedger.json by ``ledger.revert.render_error_module``; do not
edit: regenerate with ``scripts/compile_contracts.py``. Catch these by name, e.g.
``except ProvinceUnknown as error: error.args_by_name['code']``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.revert import ContractRevert

__all__ = [
    "BY_SELECTOR",
    "AnchorAlreadyAnchored",
    "AnchorEmptyBatch",
    "AnchorLogNotGrowing",
    "AnchorZeroRoot",
    "GovernanceAlreadyApproved",
    "GovernanceInvalidThreshold",
    "GovernanceProposalExecuted",
    "GovernanceUnknownProposal",
    "KeyAlreadyClosed",
    "KeyAlreadyRegistered",
    "KeyAlreadyRevoked",
    "KeyCompromiseInFuture",
    "KeyInvalidPublicKey",
    "KeyNotOwned",
    "KeyUnknown",
    "KeyUnsupportedAlgorithm",
    "ProvinceAccountInUse",
    "ProvinceAlreadyMember",
    "ProvinceBootstrapMismatch",
    "ProvinceInvalidCode",
    "ProvinceNotMember",
    "ProvinceUnknown",
    "ProvinceZeroAccount",
    "StatusAlreadyRevoked",
    "StatusAlreadySuspended",
    "StatusBatchMismatch",
    "StatusEffectiveBeforeAnchor",
    "StatusEffectiveBeforePrevious",
    "StatusEffectiveInFuture",
    "StatusNotSuspended",
    "StatusRootNotOwned",
]


class AnchorAlreadyAnchored(ContractRevert):
    """The root is already anchored.

    Solidity::

        error AnchorAlreadyAnchored(bytes32 root, uint32 code)

    Arguments (``args_by_name``):
        root: The batch root.
        code: The province that anchored it.
    """

    error_name = "AnchorAlreadyAnchored"
    signature = "AnchorAlreadyAnchored(bytes32,uint32)"
    selector = bytes.fromhex("bf88013c")
    arg_names = ("root", "code")
    arg_types = ("bytes32", "uint32")


class AnchorEmptyBatch(ContractRevert):
    """A batch must hold at least one certificate.

    Solidity::

        error AnchorEmptyBatch()
    """

    error_name = "AnchorEmptyBatch"
    signature = "AnchorEmptyBatch()"
    selector = bytes.fromhex("d43367da")
    arg_names = ()
    arg_types = ()


class AnchorLogNotGrowing(ContractRevert):
    """An access-log head must cover more entries than the last one anchored.

    Solidity::

        error AnchorLogNotGrowing(uint64 size, uint64 previous)

    Arguments (``args_by_name``):
        size: The size given.
        previous: The size of the last anchored head.
    """

    error_name = "AnchorLogNotGrowing"
    signature = "AnchorLogNotGrowing(uint64,uint64)"
    selector = bytes.fromhex("29a33310")
    arg_names = ("size", "previous")
    arg_types = ("uint64", "uint64")


class AnchorZeroRoot(ContractRevert):
    """A batch root may not be zero.

    Solidity::

        error AnchorZeroRoot()
    """

    error_name = "AnchorZeroRoot"
    signature = "AnchorZeroRoot()"
    selector = bytes.fromhex("47405074")
    arg_names = ()
    arg_types = ()


class GovernanceAlreadyApproved(ContractRevert):
    """The province has already approved this proposal.

    Solidity::

        error GovernanceAlreadyApproved(uint256 id, uint32 code)

    Arguments (``args_by_name``):
        id: The proposal id.
        code: The approving province.
    """

    error_name = "GovernanceAlreadyApproved"
    signature = "GovernanceAlreadyApproved(uint256,uint32)"
    selector = bytes.fromhex("22f432e7")
    arg_names = ("id", "code")
    arg_types = ("uint256", "uint32")


class GovernanceInvalidThreshold(ContractRevert):
    """The approval threshold must lie between 1 and the number of members.

    Solidity::

        error GovernanceInvalidThreshold(uint16 threshold, uint256 members)

    Arguments (``args_by_name``):
        threshold: The threshold asked for.
        members: The number of members it would apply to.
    """

    error_name = "GovernanceInvalidThreshold"
    signature = "GovernanceInvalidThreshold(uint16,uint256)"
    selector = bytes.fromhex("255988d7")
    arg_names = ("threshold", "members")
    arg_types = ("uint16", "uint256")


class GovernanceProposalExecuted(ContractRevert):
    """The proposal has already been carried out.

    Solidity::

        error GovernanceProposalExecuted(uint256 id)

    Arguments (``args_by_name``):
        id: The proposal id.
    """

    error_name = "GovernanceProposalExecuted"
    signature = "GovernanceProposalExecuted(uint256)"
    selector = bytes.fromhex("60bc57ad")
    arg_names = ("id",)
    arg_types = ("uint256",)


class GovernanceUnknownProposal(ContractRevert):
    """No proposal has this id.

    Solidity::

        error GovernanceUnknownProposal(uint256 id)

    Arguments (``args_by_name``):
        id: The proposal id.
    """

    error_name = "GovernanceUnknownProposal"
    signature = "GovernanceUnknownProposal(uint256)"
    selector = bytes.fromhex("997d6dd6")
    arg_names = ("id",)
    arg_types = ("uint256",)


class KeyAlreadyClosed(ContractRevert):
    """The key was already retired or revoked; its window is closed.

    Solidity::

        error KeyAlreadyClosed(bytes32 keyId, uint64 validUntil)

    Arguments (``args_by_name``):
        keyId: The key id.
        validUntil: When its window closed.
    """

    error_name = "KeyAlreadyClosed"
    signature = "KeyAlreadyClosed(bytes32,uint64)"
    selector = bytes.fromhex("fdc95bcc")
    arg_names = ("keyId", "validUntil")
    arg_types = ("bytes32", "uint64")


class KeyAlreadyRegistered(ContractRevert):
    """A key with this id is already registered.

    Solidity::

        error KeyAlreadyRegistered(bytes32 keyId)

    Arguments (``args_by_name``):
        keyId: SHA-256 of the key's SubjectPublicKeyInfo DER.
    """

    error_name = "KeyAlreadyRegistered"
    signature = "KeyAlreadyRegistered(bytes32)"
    selector = bytes.fromhex("b022f12a")
    arg_names = ("keyId",)
    arg_types = ("bytes32",)


class KeyAlreadyRevoked(ContractRevert):
    """The key was already revoked as compromised.

    Solidity::

        error KeyAlreadyRevoked(bytes32 keyId)

    Arguments (``args_by_name``):
        keyId: The key id.
    """

    error_name = "KeyAlreadyRevoked"
    signature = "KeyAlreadyRevoked(bytes32)"
    selector = bytes.fromhex("5789adcd")
    arg_names = ("keyId",)
    arg_types = ("bytes32",)


class KeyCompromiseInFuture(ContractRevert):
    """A compromise time cannot lie in the future.

    Solidity::

        error KeyCompromiseInFuture(bytes32 keyId, uint64 compromisedAt, uint64 currentTime)

    Arguments (``args_by_name``):
        keyId: The key id.
        compromisedAt: The compromise time given.
        currentTime: The block time.
    """

    error_name = "KeyCompromiseInFuture"
    signature = "KeyCompromiseInFuture(bytes32,uint64,uint64)"
    selector = bytes.fromhex("6732772d")
    arg_names = ("keyId", "compromisedAt", "currentTime")
    arg_types = ("bytes32", "uint64", "uint64")


class KeyInvalidPublicKey(ContractRevert):
    """The public key is not a SubjectPublicKeyInfo DER of the size its algorithm has.

    Solidity::

        error KeyInvalidPublicKey(uint8 algorithm, uint256 length)

    Arguments (``args_by_name``):
        algorithm: The algorithm code.
        length: The length given.
    """

    error_name = "KeyInvalidPublicKey"
    signature = "KeyInvalidPublicKey(uint8,uint256)"
    selector = bytes.fromhex("92d065ab")
    arg_names = ("algorithm", "length")
    arg_types = ("uint8", "uint256")


class KeyNotOwned(ContractRevert):
    """The key belongs to another province.

    Solidity::

        error KeyNotOwned(bytes32 keyId, uint32 owner)

    Arguments (``args_by_name``):
        keyId: The key id.
        owner: The province that registered it.
    """

    error_name = "KeyNotOwned"
    signature = "KeyNotOwned(bytes32,uint32)"
    selector = bytes.fromhex("adfbbe01")
    arg_names = ("keyId", "owner")
    arg_types = ("bytes32", "uint32")


class KeyUnknown(ContractRevert):
    """No key with this id is registered.

    Solidity::

        error KeyUnknown(bytes32 keyId)

    Arguments (``args_by_name``):
        keyId: The key id.
    """

    error_name = "KeyUnknown"
    signature = "KeyUnknown(bytes32)"
    selector = bytes.fromhex("9a8256ae")
    arg_names = ("keyId",)
    arg_types = ("bytes32",)


class KeyUnsupportedAlgorithm(ContractRevert):
    """The algorithm code is not one the ledger knows (1 Ed25519, 2 ECDSA P-256).

    Solidity::

        error KeyUnsupportedAlgorithm(uint8 algorithm)

    Arguments (``args_by_name``):
        algorithm: The algorithm code.
    """

    error_name = "KeyUnsupportedAlgorithm"
    signature = "KeyUnsupportedAlgorithm(uint8)"
    selector = bytes.fromhex("65893375")
    arg_names = ("algorithm",)
    arg_types = ("uint8",)


class ProvinceAccountInUse(ContractRevert):
    """The account already belongs to a member province.

    Solidity::

        error ProvinceAccountInUse(address account, uint32 code)

    Arguments (``args_by_name``):
        account: The chain account.
        code: The province that holds it.
    """

    error_name = "ProvinceAccountInUse"
    signature = "ProvinceAccountInUse(address,uint32)"
    selector = bytes.fromhex("cc070dd4")
    arg_names = ("account", "code")
    arg_types = ("address", "uint32")


class ProvinceAlreadyMember(ContractRevert):
    """The province is already a member.

    Solidity::

        error ProvinceAlreadyMember(uint32 code)

    Arguments (``args_by_name``):
        code: The province code.
    """

    error_name = "ProvinceAlreadyMember"
    signature = "ProvinceAlreadyMember(uint32)"
    selector = bytes.fromhex("b88b1721")
    arg_names = ("code",)
    arg_types = ("uint32",)


class ProvinceBootstrapMismatch(ContractRevert):
    """The bootstrap lists differ in length or are empty.

    Solidity::

        error ProvinceBootstrapMismatch(uint256 codes, uint256 accounts, uint256 endpoints)

    Arguments (``args_by_name``):
        codes: Number of codes given.
        accounts: Number of accounts given.
        endpoints: Number of endpoints given.
    """

    error_name = "ProvinceBootstrapMismatch"
    signature = "ProvinceBootstrapMismatch(uint256,uint256,uint256)"
    selector = bytes.fromhex("72e735b2")
    arg_names = ("codes", "accounts", "endpoints")
    arg_types = ("uint256", "uint256", "uint256")


class ProvinceInvalidCode(ContractRevert):
    """The code is not a GB/T 2260 province-level division code (six digits ending 0000).

    Solidity::

        error ProvinceInvalidCode(uint32 code)

    Arguments (``args_by_name``):
        code: The offending code.
    """

    error_name = "ProvinceInvalidCode"
    signature = "ProvinceInvalidCode(uint32)"
    selector = bytes.fromhex("ebd379b1")
    arg_names = ("code",)
    arg_types = ("uint32",)


class ProvinceNotMember(ContractRevert):
    """The account is not the chain account of a current member province.

    Solidity::

        error ProvinceNotMember(address account)

    Arguments (``args_by_name``):
        account: The calling account.
    """

    error_name = "ProvinceNotMember"
    signature = "ProvinceNotMember(address)"
    selector = bytes.fromhex("55785c26")
    arg_names = ("account",)
    arg_types = ("address",)


class ProvinceUnknown(ContractRevert):
    """No current member has this GB/T 2260 code.

    Solidity::

        error ProvinceUnknown(uint32 code)

    Arguments (``args_by_name``):
        code: The province code.
    """

    error_name = "ProvinceUnknown"
    signature = "ProvinceUnknown(uint32)"
    selector = bytes.fromhex("bb3c5955")
    arg_names = ("code",)
    arg_types = ("uint32",)


class ProvinceZeroAccount(ContractRevert):
    """A member's chain account may not be the zero address.

    Solidity::

        error ProvinceZeroAccount()
    """

    error_name = "ProvinceZeroAccount"
    signature = "ProvinceZeroAccount()"
    selector = bytes.fromhex("28859175")
    arg_names = ()
    arg_types = ()


class StatusAlreadyRevoked(ContractRevert):
    """A revoked certificate's status is final.

    Solidity::

        error StatusAlreadyRevoked(uint32 code, bytes32 digest)

    Arguments (``args_by_name``):
        code: The issuing province.
        digest: The certificate digest.
    """

    error_name = "StatusAlreadyRevoked"
    signature = "StatusAlreadyRevoked(uint32,bytes32)"
    selector = bytes.fromhex("f0f115ca")
    arg_names = ("code", "digest")
    arg_types = ("uint32", "bytes32")


class StatusAlreadySuspended(ContractRevert):
    """The certificate is already suspended.

    Solidity::

        error StatusAlreadySuspended(uint32 code, bytes32 digest)

    Arguments (``args_by_name``):
        code: The issuing province.
        digest: The certificate digest.
    """

    error_name = "StatusAlreadySuspended"
    signature = "StatusAlreadySuspended(uint32,bytes32)"
    selector = bytes.fromhex("b12fee54")
    arg_names = ("code", "digest")
    arg_types = ("uint32", "bytes32")


class StatusBatchMismatch(ContractRevert):
    """The batch form needs one root per digest.

    Solidity::

        error StatusBatchMismatch(uint256 digests, uint256 roots)

    Arguments (``args_by_name``):
        digests: Number of digests.
        roots: Number of roots.
    """

    error_name = "StatusBatchMismatch"
    signature = "StatusBatchMismatch(uint256,uint256)"
    selector = bytes.fromhex("be40c06b")
    arg_names = ("digests", "roots")
    arg_types = ("uint256", "uint256")


class StatusEffectiveBeforeAnchor(ContractRevert):
    """A status change cannot take effect before the certificate's batch was anchored.

    Solidity::

        error StatusEffectiveBeforeAnchor(bytes32 digest, uint64 effectiveAt, uint64 anchoredAt)

    Arguments (``args_by_name``):
        digest: The certificate digest.
        effectiveAt: The effective time given.
        anchoredAt: When the batch root was anchored.
    """

    error_name = "StatusEffectiveBeforeAnchor"
    signature = "StatusEffectiveBeforeAnchor(bytes32,uint64,uint64)"
    selector = bytes.fromhex("a9286359")
    arg_names = ("digest", "effectiveAt", "anchoredAt")
    arg_types = ("bytes32", "uint64", "uint64")


class StatusEffectiveBeforePrevious(ContractRevert):
    """A status change cannot take effect before the previous one did.

    Solidity::

        error StatusEffectiveBeforePrevious(bytes32 digest, uint64 effectiveAt, uint64 previous)

    Arguments (``args_by_name``):
        digest: The certificate digest.
        effectiveAt: The effective time given.
        previous: The effective time of the previous change.
    """

    error_name = "StatusEffectiveBeforePrevious"
    signature = "StatusEffectiveBeforePrevious(bytes32,uint64,uint64)"
    selector = bytes.fromhex("c5e3a131")
    arg_names = ("digest", "effectiveAt", "previous")
    arg_types = ("bytes32", "uint64", "uint64")


class StatusEffectiveInFuture(ContractRevert):
    """A status change cannot take effect in the future.

    Solidity::

        error StatusEffectiveInFuture(bytes32 digest, uint64 effectiveAt, uint64 currentTime)

    Arguments (``args_by_name``):
        digest: The certificate digest.
        effectiveAt: The effective time given.
        currentTime: The block time.
    """

    error_name = "StatusEffectiveInFuture"
    signature = "StatusEffectiveInFuture(bytes32,uint64,uint64)"
    selector = bytes.fromhex("cb93de86")
    arg_names = ("digest", "effectiveAt", "currentTime")
    arg_types = ("bytes32", "uint64", "uint64")


class StatusNotSuspended(ContractRevert):
    """Only a suspended certificate can be reinstated.

    Solidity::

        error StatusNotSuspended(uint32 code, bytes32 digest)

    Arguments (``args_by_name``):
        code: The issuing province.
        digest: The certificate digest.
    """

    error_name = "StatusNotSuspended"
    signature = "StatusNotSuspended(uint32,bytes32)"
    selector = bytes.fromhex("93093092")
    arg_names = ("code", "digest")
    arg_types = ("uint32", "bytes32")


class StatusRootNotOwned(ContractRevert):
    """The root was not anchored by the calling province.

    Solidity::

        error StatusRootNotOwned(bytes32 root, uint32 code)

    Arguments (``args_by_name``):
        root: The batch root named.
        code: The calling province.
    """

    error_name = "StatusRootNotOwned"
    signature = "StatusRootNotOwned(bytes32,uint32)"
    selector = bytes.fromhex("b71cd49e")
    arg_names = ("root", "code")
    arg_types = ("bytes32", "uint32")


BY_SELECTOR: Mapping[bytes, type[ContractRevert]] = {
    AnchorAlreadyAnchored.selector: AnchorAlreadyAnchored,
    AnchorEmptyBatch.selector: AnchorEmptyBatch,
    AnchorLogNotGrowing.selector: AnchorLogNotGrowing,
    AnchorZeroRoot.selector: AnchorZeroRoot,
    GovernanceAlreadyApproved.selector: GovernanceAlreadyApproved,
    GovernanceInvalidThreshold.selector: GovernanceInvalidThreshold,
    GovernanceProposalExecuted.selector: GovernanceProposalExecuted,
    GovernanceUnknownProposal.selector: GovernanceUnknownProposal,
    KeyAlreadyClosed.selector: KeyAlreadyClosed,
    KeyAlreadyRegistered.selector: KeyAlreadyRegistered,
    KeyAlreadyRevoked.selector: KeyAlreadyRevoked,
    KeyCompromiseInFuture.selector: KeyCompromiseInFuture,
    KeyInvalidPublicKey.selector: KeyInvalidPublicKey,
    KeyNotOwned.selector: KeyNotOwned,
    KeyUnknown.selector: KeyUnknown,
    KeyUnsupportedAlgorithm.selector: KeyUnsupportedAlgorithm,
    ProvinceAccountInUse.selector: ProvinceAccountInUse,
    ProvinceAlreadyMember.selector: ProvinceAlreadyMember,
    ProvinceBootstrapMismatch.selector: ProvinceBootstrapMismatch,
    ProvinceInvalidCode.selector: ProvinceInvalidCode,
    ProvinceNotMember.selector: ProvinceNotMember,
    ProvinceUnknown.selector: ProvinceUnknown,
    ProvinceZeroAccount.selector: ProvinceZeroAccount,
    StatusAlreadyRevoked.selector: StatusAlreadyRevoked,
    StatusAlreadySuspended.selector: StatusAlreadySuspended,
    StatusBatchMismatch.selector: StatusBatchMismatch,
    StatusEffectiveBeforeAnchor.selector: StatusEffectiveBeforeAnchor,
    StatusEffectiveBeforePrevious.selector: StatusEffectiveBeforePrevious,
    StatusEffectiveInFuture.selector: StatusEffectiveInFuture,
    StatusNotSuspended.selector: StatusNotSuspended,
    StatusRootNotOwned.selector: StatusRootNotOwned,
}
"""Each generated class by its four-byte selector."""
