// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Certificate signing keys of the member provinces
/// @notice Signing keys are separate from chain accounts. Each has a validity window in block time:
/// it opens at registration and closes when the key is retired (normal rotation) or revoked as
/// compromised at a time that may lie in the past, so certificates anchored before the compromise
/// stay valid and later ones do not.
interface ISigningKeyRegistry {
    /// @notice A registered signing key.
    /// @param province The province that registered it.
    /// @param algorithm 1 Ed25519, 2 ECDSA P-256 with SHA-256.
    /// @param revoked Whether it was revoked as compromised.
    /// @param validFrom Block time of registration.
    /// @param validUntil End of the window (exclusive), 0 while open.
    /// @param publicKey The SubjectPublicKeyInfo DER; its SHA-256 is the key id.
    struct SigningKey {
        uint32 province;
        uint8 algorithm;
        bool revoked;
        uint64 validFrom;
        uint64 validUntil;
        bytes publicKey;
    }

    /// @notice A province registered a signing key.
    /// @param code The province code.
    /// @param keyId SHA-256 of the SubjectPublicKeyInfo DER.
    /// @param algorithm The algorithm code.
    /// @param publicKey The SubjectPublicKeyInfo DER.
    /// @param validFrom Block time from which it may sign.
    event KeyRegistered(
        uint32 indexed code, bytes32 indexed keyId, uint8 algorithm, bytes publicKey, uint64 validFrom
    );
    /// @notice A key was retired in a normal rotation.
    /// @param code The province code.
    /// @param keyId The key id.
    /// @param validUntil The end of its window (the block time).
    event KeyRetired(uint32 indexed code, bytes32 indexed keyId, uint64 validUntil);
    /// @notice A key was revoked as compromised.
    /// @param code The province code.
    /// @param keyId The key id.
    /// @param compromisedAt The compromise time given.
    /// @param validUntil The new end of its window.
    event KeyRevoked(uint32 indexed code, bytes32 indexed keyId, uint64 compromisedAt, uint64 validUntil);

    /// @notice Register a signing key for the calling province.
    /// @param publicKey The SubjectPublicKeyInfo DER (44 bytes Ed25519, 91 bytes P-256).
    /// @param algorithm 1 Ed25519, 2 ECDSA P-256.
    /// @return keyId SHA-256 of `publicKey`.
    function registerKey(bytes calldata publicKey, uint8 algorithm) external returns (bytes32 keyId);

    /// @notice Retire one of the calling province's keys: it signs nothing from now on.
    /// @param keyId The key id.
    function retireKey(bytes32 keyId) external;

    /// @notice Revoke one of the calling province's keys as compromised since `compromisedAt`.
    /// @param keyId The key id.
    /// @param compromisedAt When the compromise began; not in the future; may precede retirement.
    function revokeKey(bytes32 keyId, uint64 compromisedAt) external;

    /// @notice A key by id.
    /// @param keyId The key id.
    /// @return The key; `validFrom` is 0 if unknown.
    function signingKey(bytes32 keyId) external view returns (SigningKey memory);

    /// @notice Whether a key was inside its window at a block time.
    /// @param keyId The key id.
    /// @param time The block time asked about.
    /// @return True if registered at or before `time` and not closed by then.
    function isKeyActiveAt(bytes32 keyId, uint64 time) external view returns (bool);

    /// @notice The ids of every key a province registered, in order.
    /// @param code The province code.
    /// @return The key ids.
    function keysOf(uint32 code) external view returns (bytes32[] memory);

    /// @notice Number of keys registered by all provinces.
    /// @return The count.
    function keyCount() external view returns (uint256);
}
