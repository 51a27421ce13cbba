// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CertificateStatusRegistry} from "./CertificateStatusRegistry.sol";
import {ProvinceRegistry} from "./ProvinceRegistry.sol";
import {SigningKeyRegistry} from "./SigningKeyRegistry.sol";

/// @title The huren ledger: provinces, signing keys, batch anchors and certificate status
/// @notice One deployment serves every member province; its address and chain id are named in
/// each certificate's receipt.
contract HurenLedger is SigningKeyRegistry, CertificateStatusRegistry {
    /// @notice Deploy with the founding members; the deployer has no powers afterwards.
    /// @param codes GB/T 2260 codes of the founding provinces.
    /// @param accounts Their chain accounts.
    /// @param endpoints Their node URLs.
    /// @param initialThreshold Approvals a governance proposal needs.
    constructor(
        uint32[] memory codes,
        address[] memory accounts,
        string[] memory endpoints,
        uint16 initialThreshold
    ) ProvinceRegistry(codes, accounts, endpoints, initialThreshold) {}
}
