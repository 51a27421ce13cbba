// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISigningKeyRegistry} from "./interfaces/ISigningKeyRegistry.sol";
import {ProvinceRegistry} from "./ProvinceRegistry.sol";

/// @title Signing keys with validity windows in block time
/// @notice The key id is computed here from the public key, so an id on chain always names the
/// key whose bytes are stored with it.
abstract contract SigningKeyRegistry is ISigningKeyRegistry, ProvinceRegistry {
    uint8 private constant _ED25519 = 1;
    uint8 private constant _ECDSA_P256 = 2;
    uint256 private constant _ED25519_SPKI_LENGTH = 44;
    uint256 private constant _P256_SPKI_LENGTH = 91;

    mapping(bytes32 keyId => SigningKey) private _keys;
    mapping(uint32 code => bytes32[]) private _keysOf;
    uint256 private _keyCount;

    /// @inheritdoc ISigningKeyRegistry
    function registerKey(bytes calldata publicKey, uint8 algorithm) external returns (bytes32 keyId) {
        return _registerKey(_callerProvince(), publicKey, algorithm);
    }

    /// @inheritdoc ISigningKeyRegistry
    function retireKey(bytes32 keyId) external {
        _retireKey(_callerProvince(), keyId);
    }

    /// @inheritdoc ISigningKeyRegistry
    function revokeKey(bytes32 keyId, uint64 compromisedAt) external {
        _revokeKey(_callerProvince(), keyId, compromisedAt);
    }

    /// @inheritdoc ISigningKeyRegistry
    function signingKey(bytes32 keyId) external view returns (SigningKey memory) {
        return _keys[keyId];
    }

    /// @inheritdoc ISigningKeyRegistry
    function isKeyActiveAt(bytes32 keyId, uint64 time) external view returns (bool) {
        SigningKey storage k = _keys[keyId];
        return k.validFrom != 0 && k.validFrom <= time && (k.validUntil == 0 || time < k.validUntil);
    }

    /// @inheritdoc ISigningKeyRegistry
    function keysOf(uint32 code) external view returns (bytes32[] memory) {
        return _keysOf[code];
    }

    /// @inheritdoc ISigningKeyRegistry
    function keyCount() external view returns (uint256) {
        return _keyCount;
    }

    function _registerKey(uint32 code, bytes calldata publicKey, uint8 algorithm)
        internal
        returns (bytes32 keyId)
    {
        uint256 expected;
        if (algorithm == _ED25519) expected = _ED25519_SPKI_LENGTH;
        else if (algorithm == _ECDSA_P256) expected = _P256_SPKI_LENGTH;
        else revert KeyUnsupportedAlgorithm(algorithm);
        if (publicKey.length != expected) revert KeyInvalidPublicKey(algorithm, publicKey.length);
        keyId = sha256(publicKey);
        if (_keys[keyId].validFrom != 0) revert KeyAlreadyRegistered(keyId);
        uint64 validFrom = uint64(block.timestamp);
        _keys[keyId] = SigningKey({
            province: code,
            algorithm: algorithm,
            revoked: false,
            validFrom: validFrom,
            validUntil: 0,
            publicKey: publicKey
        });
        _keysOf[code].push(keyId);
        ++_keyCount;
        emit KeyRegistered(code, keyId, algorithm, publicKey, validFrom);
    }

    function _retireKey(uint32 code, bytes32 keyId) internal {
        SigningKey storage k = _ownedKey(code, keyId);
        if (k.validUntil != 0) revert KeyAlreadyClosed(keyId, k.validUntil);
        uint64 validUntil = uint64(block.timestamp);
        k.validUntil = validUntil;
        emit KeyRetired(code, keyId, validUntil);
    }

    function _revokeKey(uint32 code, bytes32 keyId, uint64 compromisedAt) internal {
        SigningKey storage k = _ownedKey(code, keyId);
        if (k.revoked) revert KeyAlreadyRevoked(keyId);
        uint64 currentTime = uint64(block.timestamp);
        if (compromisedAt > currentTime) revert KeyCompromiseInFuture(keyId, compromisedAt, currentTime);
        // The window closes at the compromise, or stays closed earlier if already retired;
        // a compromise before registration empties it (validUntil == validFrom).
        uint64 validUntil = compromisedAt < k.validFrom ? k.validFrom : compromisedAt;
        if (k.validUntil != 0 && k.validUntil < validUntil) validUntil = k.validUntil;
        k.revoked = true;
        k.validUntil = validUntil;
        emit KeyRevoked(code, keyId, compromisedAt, validUntil);
    }

    function _ownedKey(uint32 code, bytes32 keyId) private view returns (SigningKey storage k) {
        k = _keys[keyId];
        if (k.validFrom == 0) revert KeyUnknown(keyId);
        if (k.province != code) revert KeyNotOwned(keyId, k.province);
    }
}
