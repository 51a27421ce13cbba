// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICertificateStatusRegistry} from "./interfaces/ICertificateStatusRegistry.sol";
import {AnchorRegistry} from "./AnchorRegistry.sol";

/// @title Revocation and suspension of certificates by their issuing province
/// @notice The caller names the batch root its certificate was anchored in; the root must have been
/// anchored by the caller's province, which both proves ownership of the status and bounds how far
/// back a change may take effect. Effective times never decrease, so a certificate's history read in
/// record order is also in effect order.
abstract contract CertificateStatusRegistry is ICertificateStatusRegistry, AnchorRegistry {
    mapping(uint32 code => mapping(bytes32 digest => Status)) private _statuses;
    uint256 private _statusChangeCount;

    /// @inheritdoc ICertificateStatusRegistry
    function revoke(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external {
        _change(_callerProvince(), digest, root, CertificateState.Revoked, reason, effectiveAt);
    }

    /// @inheritdoc ICertificateStatusRegistry
    function revokeBatch(
        bytes32[] calldata digests,
        bytes32[] calldata roots,
        uint8 reason,
        uint64 effectiveAt
    ) external {
        if (digests.length != roots.length) revert StatusBatchMismatch(digests.length, roots.length);
        uint32 code = _callerProvince();
        for (uint256 i = 0; i < digests.length; ++i) {
            _change(code, digests[i], roots[i], CertificateState.Revoked, reason, effectiveAt);
        }
    }

    /// @inheritdoc ICertificateStatusRegistry
    function suspend(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external {
        _change(_callerProvince(), digest, root, CertificateState.Suspended, reason, effectiveAt);
    }

    /// @inheritdoc ICertificateStatusRegistry
    function reinstate(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external {
        _change(_callerProvince(), digest, root, CertificateState.Active, reason, effectiveAt);
    }

    /// @inheritdoc ICertificateStatusRegistry
    function statusOf(uint32 code, bytes32 digest) external view returns (Status memory) {
        return _statuses[code][digest];
    }

    /// @inheritdoc ICertificateStatusRegistry
    function statusesOf(uint32 code, bytes32[] calldata digests)
        external
        view
        returns (Status[] memory found)
    {
        found = new Status[](digests.length);
        mapping(bytes32 => Status) storage byDigest = _statuses[code];
        for (uint256 i = 0; i < digests.length; ++i) found[i] = byDigest[digests[i]];
    }

    /// @inheritdoc ICertificateStatusRegistry
    function statusChangeCount() external view returns (uint256) {
        return _statusChangeCount;
    }

    function _change(
        uint32 code,
        bytes32 digest,
        bytes32 root,
        CertificateState state,
        uint8 reason,
        uint64 effectiveAt
    ) internal {
        Anchor storage batch = _anchorOf(root);
        if (batch.province != code) revert StatusRootNotOwned(root, code);
        Status storage current = _statuses[code][digest];
        if (current.state == CertificateState.Revoked) revert StatusAlreadyRevoked(code, digest);
        if (state == CertificateState.Suspended && current.state == CertificateState.Suspended) {
            revert StatusAlreadySuspended(code, digest);
        }
        if (state == CertificateState.Active && current.state != CertificateState.Suspended) {
            revert StatusNotSuspended(code, digest);
        }
        uint64 recordedAt = uint64(block.timestamp);
        if (effectiveAt == 0) effectiveAt = recordedAt;
        if (effectiveAt > recordedAt) revert StatusEffectiveInFuture(digest, effectiveAt, recordedAt);
        if (effectiveAt < batch.anchoredAt) {
            revert StatusEffectiveBeforeAnchor(digest, effectiveAt, batch.anchoredAt);
        }
        if (effectiveAt < current.effectiveAt) {
            revert StatusEffectiveBeforePrevious(digest, effectiveAt, current.effectiveAt);
        }
        current.state = state;
        current.reason = reason;
        current.effectiveAt = effectiveAt;
        current.recordedAt = recordedAt;
        ++current.changes;
        ++_statusChangeCount;
        emit StatusChanged(code, digest, root, state, reason, effectiveAt, recordedAt);
    }
}
