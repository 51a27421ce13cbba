// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAnchorRegistry} from "./interfaces/IAnchorRegistry.sol";
import {ProvinceRegistry} from "./ProvinceRegistry.sol";

/// @title Batch roots and access-log heads anchored by member provinces
/// @notice A batch anchor fits one storage slot, so anchoring costs one SSTORE and one event
/// whatever the batch size.
abstract contract AnchorRegistry is IAnchorRegistry, ProvinceRegistry {
    mapping(bytes32 root => Anchor) private _anchors;
    mapping(uint32 code => LogHead) private _logHeads;
    uint256 private _anchorCount;

    /// @inheritdoc IAnchorRegistry
    function anchor(bytes32 root, uint32 count) external {
        _anchor(_callerProvince(), root, count);
    }

    /// @inheritdoc IAnchorRegistry
    function anchorAccessLog(bytes32 root, uint64 size) external {
        _anchorAccessLog(_callerProvince(), root, size);
    }

    /// @inheritdoc IAnchorRegistry
    function anchorOf(bytes32 root) external view returns (Anchor memory) {
        return _anchors[root];
    }

    /// @inheritdoc IAnchorRegistry
    function anchorsOf(bytes32[] calldata roots) external view returns (Anchor[] memory found) {
        found = new Anchor[](roots.length);
        for (uint256 i = 0; i < roots.length; ++i) found[i] = _anchors[roots[i]];
    }

    /// @inheritdoc IAnchorRegistry
    function accessLogHead(uint32 code) external view returns (LogHead memory) {
        return _logHeads[code];
    }

    /// @inheritdoc IAnchorRegistry
    function anchorCount() external view returns (uint256) {
        return _anchorCount;
    }

    /// @notice The anchor of `root`, for status checks in derived contracts.
    function _anchorOf(bytes32 root) internal view returns (Anchor storage) {
        return _anchors[root];
    }

    function _anchor(uint32 code, bytes32 root, uint32 count) internal {
        if (root == bytes32(0)) revert AnchorZeroRoot();
        if (count == 0) revert AnchorEmptyBatch();
        Anchor storage existing = _anchors[root];
        if (existing.province != 0) revert AnchorAlreadyAnchored(root, existing.province);
        uint64 anchoredAt = uint64(block.timestamp);
        _anchors[root] = Anchor({
            province: code,
            count: count,
            anchoredAt: anchoredAt,
            blockNumber: uint64(block.number)
        });
        ++_anchorCount;
        emit RootAnchored(code, root, count, anchoredAt);
    }

    function _anchorAccessLog(uint32 code, bytes32 root, uint64 size) internal {
        if (root == bytes32(0)) revert AnchorZeroRoot();
        uint64 previous = _logHeads[code].size;
        if (size <= previous) revert AnchorLogNotGrowing(size, previous);
        uint64 anchoredAt = uint64(block.timestamp);
        _logHeads[code] = LogHead({root: root, size: size, anchoredAt: anchoredAt});
        emit AccessLogAnchored(code, root, size, anchoredAt);
    }
}
