// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Batch anchors and access-log heads
/// @notice A province anchors the RFC 6962 Merkle root of a batch of certificate digests; nothing
/// personal reaches the chain. It also anchors the head of its hash-chained access log.
interface IAnchorRegistry {
    /// @notice An anchored batch.
    /// @param province The anchoring province (0 if the root is unknown).
    /// @param count Certificates in the batch.
    /// @param anchoredAt Block time of anchoring.
    /// @param blockNumber Block of anchoring.
    struct Anchor {
        uint32 province;
        uint32 count;
        uint64 anchoredAt;
        uint64 blockNumber;
    }

    /// @notice An anchored access-log head.
    /// @param root Merkle root of the log's first `size` entries.
    /// @param size Entries covered.
    /// @param anchoredAt Block time of anchoring.
    struct LogHead {
        bytes32 root;
        uint64 size;
        uint64 anchoredAt;
    }

    /// @notice A province anchored a batch root.
    /// @param code The province code.
    /// @param root The batch root.
    /// @param count Certificates in the batch.
    /// @param anchoredAt Block time of anchoring.
    event RootAnchored(uint32 indexed code, bytes32 indexed root, uint32 count, uint64 anchoredAt);
    /// @notice A province anchored the head of its access log.
    /// @param code The province code.
    /// @param root Merkle root of the log's first `size` entries.
    /// @param size Entries covered.
    /// @param anchoredAt Block time of anchoring.
    event AccessLogAnchored(uint32 indexed code, bytes32 root, uint64 size, uint64 anchoredAt);

    /// @notice Anchor the Merkle root of a batch of certificate digests for the calling province.
    /// @param root The RFC 6962 root.
    /// @param count Certificates in the batch.
    function anchor(bytes32 root, uint32 count) external;

    /// @notice Anchor the calling province's access-log head.
    /// @param root Merkle root of the first `size` log entries.
    /// @param size Entries covered; larger than the last anchored head's.
    function anchorAccessLog(bytes32 root, uint64 size) external;

    /// @notice A batch anchor by root.
    /// @param root The batch root.
    /// @return The anchor; `province` is 0 if the root was never anchored.
    function anchorOf(bytes32 root) external view returns (Anchor memory);

    /// @notice Batch anchors for many roots in one call.
    /// @param roots The batch roots.
    /// @return One anchor per root, in order.
    function anchorsOf(bytes32[] calldata roots) external view returns (Anchor[] memory);

    /// @notice The last access-log head a province anchored.
    /// @param code The province code.
    /// @return The head; `size` 0 if none.
    function accessLogHead(uint32 code) external view returns (LogHead memory);

    /// @notice Number of batch roots anchored by all provinces.
    /// @return The count.
    function anchorCount() external view returns (uint256);
}
