// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Certificate status: revocation and suspension
/// @notice Status is keyed by (issuing province, certificate digest); only the issuing province's
/// account changes it. Each change carries a reason code and two times: when it takes effect
/// (which may be back-dated, never before the batch was anchored nor before the previous change)
/// and when it was recorded (the block time), so "was it valid at T, as known at T'" is answerable
/// from the events.
interface ICertificateStatusRegistry {
    /// @notice A certificate's state. Revoked is final.
    enum CertificateState {
        Active,
        Suspended,
        Revoked
    }

    /// @notice The current status of a certificate.
    /// @param state The state now.
    /// @param reason The reason code of the last change.
    /// @param effectiveAt When the last change took effect.
    /// @param recordedAt Block time of the last change (0 if never changed).
    /// @param changes Number of changes so far.
    struct Status {
        CertificateState state;
        uint8 reason;
        uint64 effectiveAt;
        uint64 recordedAt;
        uint32 changes;
    }

    /// @notice A certificate's status changed.
    /// @param code The issuing province.
    /// @param digest The certificate digest.
    /// @param root The batch root the certificate was anchored in.
    /// @param state The new state (Active for a reinstatement).
    /// @param reason The reason code.
    /// @param effectiveAt When the change takes effect.
    /// @param recordedAt Block time of the change.
    event StatusChanged(
        uint32 indexed code,
        bytes32 indexed digest,
        bytes32 root,
        CertificateState state,
        uint8 reason,
        uint64 effectiveAt,
        uint64 recordedAt
    );

    /// @notice Revoke a certificate of the calling province, for good.
    /// @param digest The certificate digest.
    /// @param root The batch root it was anchored in, by the calling province.
    /// @param reason The reason code.
    /// @param effectiveAt When it takes effect; 0 means now.
    function revoke(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external;

    /// @notice Revoke many certificates of the calling province with one reason and time.
    /// @param digests The certificate digests.
    /// @param roots The batch root of each digest.
    /// @param reason The reason code.
    /// @param effectiveAt When it takes effect; 0 means now.
    function revokeBatch(
        bytes32[] calldata digests,
        bytes32[] calldata roots,
        uint8 reason,
        uint64 effectiveAt
    ) external;

    /// @notice Suspend an active certificate of the calling province.
    /// @param digest The certificate digest.
    /// @param root The batch root it was anchored in.
    /// @param reason The reason code.
    /// @param effectiveAt When it takes effect; 0 means now.
    function suspend(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external;

    /// @notice Reinstate a suspended certificate of the calling province.
    /// @param digest The certificate digest.
    /// @param root The batch root it was anchored in.
    /// @param reason The reason code.
    /// @param effectiveAt When it takes effect; 0 means now.
    function reinstate(bytes32 digest, bytes32 root, uint8 reason, uint64 effectiveAt) external;

    /// @notice A certificate's current status.
    /// @param code The issuing province.
    /// @param digest The certificate digest.
    /// @return The status; Active with 0 changes if never changed.
    function statusOf(uint32 code, bytes32 digest) external view returns (Status memory);

    /// @notice Current statuses of many certificates of one province in one call.
    /// @param code The issuing province.
    /// @param digests The certificate digests.
    /// @return One status per digest, in order.
    function statusesOf(uint32 code, bytes32[] calldata digests) external view returns (Status[] memory);

    /// @notice Number of status changes recorded by all provinces.
    /// @return The count.
    function statusChangeCount() external view returns (uint256);
}
