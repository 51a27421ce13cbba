// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Registry of member provinces and their M-of-N governance
/// @notice Members are keyed by GB/T 2260 province-level division code (e.g. 330000 Zhejiang).
/// Adding or removing a member, replacing its chain account and changing the threshold all go
/// through proposals that need `threshold` approvals from current members.
interface IProvinceRegistry {
    /// @notice What a proposal changes.
    enum ProposalKind {
        AddMember,
        RemoveMember,
        ReplaceAccount,
        ChangeThreshold
    }

    /// @notice A member province.
    /// @param account The chain account that acts for the province.
    /// @param joinedAt Block time at which it became a member.
    /// @param member Whether it is a member now.
    /// @param endpoint The base URL of the province's node.
    struct Province {
        address account;
        uint64 joinedAt;
        bool member;
        string endpoint;
    }

    /// @notice A governance proposal.
    /// @param kind What it changes.
    /// @param code The province it concerns (unused for ChangeThreshold).
    /// @param account The new account (AddMember, ReplaceAccount).
    /// @param threshold The new threshold (ChangeThreshold).
    /// @param proposer The proposing province.
    /// @param executed Whether it has been carried out.
    /// @param endpoint The new member's node URL (AddMember).
    /// @param approvers Provinces that approved it, in order.
    struct Proposal {
        ProposalKind kind;
        uint32 code;
        address account;
        uint16 threshold;
        uint32 proposer;
        bool executed;
        string endpoint;
        uint32[] approvers;
    }

    /// @notice A province became a member.
    /// @param code The province code.
    /// @param account Its chain account.
    /// @param endpoint Its node URL.
    event ProvinceAdded(uint32 indexed code, address account, string endpoint);
    /// @notice A province stopped being a member.
    /// @param code The province code.
    /// @param account The chain account it had.
    event ProvinceRemoved(uint32 indexed code, address account);
    /// @notice A member's chain account was replaced.
    /// @param code The province code.
    /// @param previous The old account.
    /// @param account The new account.
    event ProvinceAccountReplaced(uint32 indexed code, address previous, address account);
    /// @notice A member changed its node URL.
    /// @param code The province code.
    /// @param endpoint The new URL.
    event ProvinceEndpointChanged(uint32 indexed code, string endpoint);
    /// @notice The number of approvals a proposal needs changed.
    /// @param previous The old threshold (0 at deployment).
    /// @param threshold The new threshold.
    event ThresholdChanged(uint16 previous, uint16 threshold);
    /// @notice A member proposed a change; its own approval is counted at once.
    /// @param id The proposal id.
    /// @param proposer The proposing province.
    /// @param kind What it changes.
    /// @param code The province it concerns.
    /// @param account The new account, if any.
    /// @param endpoint The new member's node URL, if any.
    /// @param threshold The new threshold, if any.
    event ProposalCreated(
        uint256 indexed id,
        uint32 indexed proposer,
        ProposalKind kind,
        uint32 code,
        address account,
        string endpoint,
        uint16 threshold
    );
    /// @notice A member approved a proposal.
    /// @param id The proposal id.
    /// @param code The approving province.
    /// @param approvals Approvals from current members so far.
    event ProposalApproved(uint256 indexed id, uint32 indexed code, uint256 approvals);
    /// @notice A proposal reached its threshold and was carried out.
    /// @param id The proposal id.
    event ProposalExecuted(uint256 indexed id);

    /// @notice Propose a membership or threshold change; the caller's approval is counted at once,
    /// so with a threshold of 1 the change is carried out in the same call.
    /// @param kind What to change.
    /// @param code The province concerned (ignored for ChangeThreshold).
    /// @param account The new account (AddMember, ReplaceAccount).
    /// @param endpoint The new member's node URL (AddMember).
    /// @param threshold The new threshold (ChangeThreshold).
    /// @return id The proposal id.
    function propose(
        ProposalKind kind,
        uint32 code,
        address account,
        string calldata endpoint,
        uint16 threshold
    ) external returns (uint256 id);

    /// @notice Approve a proposal; it is carried out when approvals reach the threshold.
    /// @param id The proposal id.
    function approve(uint256 id) external;

    /// @notice Change the calling member's own node URL.
    /// @param endpoint The new URL.
    function setEndpoint(string calldata endpoint) external;

    /// @notice A province's record (member or former member).
    /// @param code The province code.
    /// @return The province record; `account` is zero if it never was a member.
    function province(uint32 code) external view returns (Province memory);

    /// @notice The province whose chain account this is, or 0.
    /// @param account The chain account.
    /// @return code The province code.
    function provinceOf(address account) external view returns (uint32 code);

    /// @notice The codes of all current members, in joining order.
    /// @return The member codes.
    function members() external view returns (uint32[] memory);

    /// @notice Approvals a proposal needs.
    /// @return The threshold.
    function threshold() external view returns (uint16);

    /// @notice A proposal by id.
    /// @param id The proposal id.
    /// @return The proposal.
    function proposal(uint256 id) external view returns (Proposal memory);

    /// @notice Number of proposals made so far; ids run from 1 to this.
    /// @return The count.
    function proposalCount() external view returns (uint256);
}
