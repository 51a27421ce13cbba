// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Custom errors of the huren ledger
/// @notice Every revert of the ledger is one of these errors, named `<Component><Problem>`.
/// Clients decode them by name; none is ever renumbered or reused with other arguments.
interface IHurenErrors {
    /// @notice The account is not the chain account of a current member province.
    /// @param account The calling account.
    error ProvinceNotMember(address account);
    /// @notice No current member has this GB/T 2260 code.
    /// @param code The province code.
    error ProvinceUnknown(uint32 code);
    /// @notice The province is already a member.
    /// @param code The province code.
    error ProvinceAlreadyMember(uint32 code);
    /// @notice The code is not a GB/T 2260 province-level division code (six digits ending 0000).
    /// @param code The offending code.
    error ProvinceInvalidCode(uint32 code);
    /// @notice The account already belongs to a member province.
    /// @param account The chain account.
    /// @param code The province that holds it.
    error ProvinceAccountInUse(address account, uint32 code);
    /// @notice A member's chain account may not be the zero address.
    error ProvinceZeroAccount();
    /// @notice The bootstrap lists differ in length or are empty.
    /// @param codes Number of codes given.
    /// @param accounts Number of accounts given.
    /// @param endpoints Number of endpoints given.
    error ProvinceBootstrapMismatch(uint256 codes, uint256 accounts, uint256 endpoints);

    /// @notice The approval threshold must lie between 1 and the number of members.
    /// @param threshold The threshold asked for.
    /// @param members The number of members it would apply to.
    error GovernanceInvalidThreshold(uint16 threshold, uint256 members);
    /// @notice No proposal has this id.
    /// @param id The proposal id.
    error GovernanceUnknownProposal(uint256 id);
    /// @notice The proposal has already been carried out.
    /// @param id The proposal id.
    error GovernanceProposalExecuted(uint256 id);
    /// @notice The province has already approved this proposal.
    /// @param id The proposal id.
    /// @param code The approving province.
    error GovernanceAlreadyApproved(uint256 id, uint32 code);

    /// @notice A key with this id is already registered.
    /// @param keyId SHA-256 of the key's SubjectPublicKeyInfo DER.
    error KeyAlreadyRegistered(bytes32 keyId);
    /// @notice No key with this id is registered.
    /// @param keyId The key id.
    error KeyUnknown(bytes32 keyId);
    /// @notice The key belongs to another province.
    /// @param keyId The key id.
    /// @param owner The province that registered it.
    error KeyNotOwned(bytes32 keyId, uint32 owner);
    /// @notice The algorithm code is not one the ledger knows (1 Ed25519, 2 ECDSA P-256).
    /// @param algorithm The algorithm code.
    error KeyUnsupportedAlgorithm(uint8 algorithm);
    /// @notice The public key is not a SubjectPublicKeyInfo DER of the size its algorithm has.
    /// @param algorithm The algorithm code.
    /// @param length The length given.
    error KeyInvalidPublicKey(uint8 algorithm, uint256 length);
    /// @notice The key was already retired or revoked; its window is closed.
    /// @param keyId The key id.
    /// @param validUntil When its window closed.
    error KeyAlreadyClosed(bytes32 keyId, uint64 validUntil);
    /// @notice The key was already revoked as compromised.
    /// @param keyId The key id.
    error KeyAlreadyRevoked(bytes32 keyId);
    /// @notice A compromise time cannot lie in the future.
    /// @param keyId The key id.
    /// @param compromisedAt The compromise time given.
    /// @param currentTime The block time.
    error KeyCompromiseInFuture(bytes32 keyId, uint64 compromisedAt, uint64 currentTime);

    /// @notice A batch root may not be zero.
    error AnchorZeroRoot();
    /// @notice A batch must hold at least one certificate.
    error AnchorEmptyBatch();
    /// @notice The root is already anchored.
    /// @param root The batch root.
    /// @param code The province that anchored it.
    error AnchorAlreadyAnchored(bytes32 root, uint32 code);
    /// @notice An access-log head must cover more entries than the last one anchored.
    /// @param size The size given.
    /// @param previous The size of the last anchored head.
    error AnchorLogNotGrowing(uint64 size, uint64 previous);

    /// @notice The root was not anchored by the calling province.
    /// @param root The batch root named.
    /// @param code The calling province.
    error StatusRootNotOwned(bytes32 root, uint32 code);
    /// @notice A revoked certificate's status is final.
    /// @param code The issuing province.
    /// @param digest The certificate digest.
    error StatusAlreadyRevoked(uint32 code, bytes32 digest);
    /// @notice The certificate is already suspended.
    /// @param code The issuing province.
    /// @param digest The certificate digest.
    error StatusAlreadySuspended(uint32 code, bytes32 digest);
    /// @notice Only a suspended certificate can be reinstated.
    /// @param code The issuing province.
    /// @param digest The certificate digest.
    error StatusNotSuspended(uint32 code, bytes32 digest);
    /// @notice A status change cannot take effect before the certificate's batch was anchored.
    /// @param digest The certificate digest.
    /// @param effectiveAt The effective time given.
    /// @param anchoredAt When the batch root was anchored.
    error StatusEffectiveBeforeAnchor(bytes32 digest, uint64 effectiveAt, uint64 anchoredAt);
    /// @notice A status change cannot take effect before the previous one did.
    /// @param digest The certificate digest.
    /// @param effectiveAt The effective time given.
    /// @param previous The effective time of the previous change.
    error StatusEffectiveBeforePrevious(bytes32 digest, uint64 effectiveAt, uint64 previous);
    /// @notice A status change cannot take effect in the future.
    /// @param digest The certificate digest.
    /// @param effectiveAt The effective time given.
    /// @param currentTime The block time.
    error StatusEffectiveInFuture(bytes32 digest, uint64 effectiveAt, uint64 currentTime);
    /// @notice The batch form needs one root per digest.
    /// @param digests Number of digests.
    /// @param roots Number of roots.
    error StatusBatchMismatch(uint256 digests, uint256 roots);
}
