// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHurenErrors} from "./interfaces/IHurenErrors.sol";
import {IProvinceRegistry} from "./interfaces/IProvinceRegistry.sol";

/// @title Member provinces and their M-of-N governance
/// @notice The deployer bootstraps the first members and threshold; every later change needs
/// `threshold` approvals from current members. Approvals of a province that has since left do
/// not count.
abstract contract ProvinceRegistry is IProvinceRegistry, IHurenErrors {
    mapping(uint32 code => Province) private _provinces;
    mapping(address account => uint32 code) private _codeOf;
    uint32[] private _members;
    uint16 private _threshold;
    mapping(uint256 id => Proposal) private _proposals;
    uint256 private _proposalCount;

    /// @param codes GB/T 2260 codes of the first members.
    /// @param accounts Their chain accounts.
    /// @param endpoints Their node URLs.
    /// @param initialThreshold Approvals a proposal needs.
    constructor(
        uint32[] memory codes,
        address[] memory accounts,
        string[] memory endpoints,
        uint16 initialThreshold
    ) {
        if (codes.length == 0 || codes.length != accounts.length || codes.length != endpoints.length) {
            revert ProvinceBootstrapMismatch(codes.length, accounts.length, endpoints.length);
        }
        for (uint256 i = 0; i < codes.length; ++i) {
            _checkNewMember(codes[i], accounts[i]);
            _addMember(codes[i], accounts[i], endpoints[i]);
        }
        _checkThreshold(initialThreshold, codes.length);
        _setThreshold(initialThreshold);
    }

    /// @inheritdoc IProvinceRegistry
    function propose(
        ProposalKind kind,
        uint32 code,
        address account,
        string calldata endpoint,
        uint16 newThreshold
    ) external returns (uint256 id) {
        uint32 proposer = _callerProvince();
        _checkProposal(kind, code, account, newThreshold);
        id = ++_proposalCount;
        Proposal storage p = _proposals[id];
        p.kind = kind;
        p.code = code;
        p.account = account;
        p.endpoint = endpoint;
        p.threshold = newThreshold;
        p.proposer = proposer;
        emit ProposalCreated(id, proposer, kind, code, account, endpoint, newThreshold);
        _approve(id, proposer);
    }

    /// @inheritdoc IProvinceRegistry
    function approve(uint256 id) external {
        uint32 approver = _callerProvince();
        if (id == 0 || id > _proposalCount) revert GovernanceUnknownProposal(id);
        _approve(id, approver);
    }

    /// @inheritdoc IProvinceRegistry
    function setEndpoint(string calldata endpoint) external {
        uint32 code = _callerProvince();
        _provinces[code].endpoint = endpoint;
        emit ProvinceEndpointChanged(code, endpoint);
    }

    /// @inheritdoc IProvinceRegistry
    function province(uint32 code) external view returns (Province memory) {
        return _provinces[code];
    }

    /// @inheritdoc IProvinceRegistry
    function provinceOf(address account) external view returns (uint32 code) {
        return _codeOf[account];
    }

    /// @inheritdoc IProvinceRegistry
    function members() external view returns (uint32[] memory) {
        return _members;
    }

    /// @inheritdoc IProvinceRegistry
    function threshold() external view returns (uint16) {
        return _threshold;
    }

    /// @inheritdoc IProvinceRegistry
    function proposal(uint256 id) external view returns (Proposal memory) {
        if (id == 0 || id > _proposalCount) revert GovernanceUnknownProposal(id);
        return _proposals[id];
    }

    /// @inheritdoc IProvinceRegistry
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @notice The province acting through `msg.sender`; reverts unless it is a current member.
    function _callerProvince() internal view returns (uint32 code) {
        code = _codeOf[msg.sender];
        if (code == 0) revert ProvinceNotMember(msg.sender);
    }

    function _approve(uint256 id, uint32 approver) private {
        Proposal storage p = _proposals[id];
        if (p.executed) revert GovernanceProposalExecuted(id);
        uint256 approvals = 0;
        for (uint256 i = 0; i < p.approvers.length; ++i) {
            uint32 earlier = p.approvers[i];
            if (earlier == approver) revert GovernanceAlreadyApproved(id, approver);
            if (_provinces[earlier].member) ++approvals;
        }
        p.approvers.push(approver);
        ++approvals;
        emit ProposalApproved(id, approver, approvals);
        if (approvals >= _threshold) _execute(id, p);
    }

    function _execute(uint256 id, Proposal storage p) private {
        // The state may have moved since the proposal was made: check it again.
        _checkProposal(p.kind, p.code, p.account, p.threshold);
        p.executed = true;
        if (p.kind == ProposalKind.AddMember) {
            _addMember(p.code, p.account, p.endpoint);
        } else if (p.kind == ProposalKind.RemoveMember) {
            _removeMember(p.code);
        } else if (p.kind == ProposalKind.ReplaceAccount) {
            _replaceAccount(p.code, p.account);
        } else {
            _setThreshold(p.threshold);
        }
        emit ProposalExecuted(id);
    }

    function _checkProposal(ProposalKind kind, uint32 code, address account, uint16 newThreshold)
        private
        view
    {
        if (kind == ProposalKind.AddMember) {
            _checkNewMember(code, account);
        } else if (kind == ProposalKind.RemoveMember) {
            if (!_provinces[code].member) revert ProvinceUnknown(code);
            _checkThreshold(_threshold, _members.length - 1);
        } else if (kind == ProposalKind.ReplaceAccount) {
            if (!_provinces[code].member) revert ProvinceUnknown(code);
            _checkAccountFree(account);
        } else {
            _checkThreshold(newThreshold, _members.length);
        }
    }

    function _checkNewMember(uint32 code, address account) private view {
        if (code < 110000 || code > 829999 || code % 10000 != 0) revert ProvinceInvalidCode(code);
        if (_provinces[code].member) revert ProvinceAlreadyMember(code);
        _checkAccountFree(account);
    }

    function _checkAccountFree(address account) private view {
        if (account == address(0)) revert ProvinceZeroAccount();
        uint32 holder = _codeOf[account];
        if (holder != 0) revert ProvinceAccountInUse(account, holder);
    }

    function _checkThreshold(uint16 newThreshold, uint256 memberCount) private pure {
        if (newThreshold == 0 || newThreshold > memberCount) {
            revert GovernanceInvalidThreshold(newThreshold, memberCount);
        }
    }

    function _addMember(uint32 code, address account, string memory endpoint) private {
        _provinces[code] = Province({
            account: account,
            joinedAt: uint64(block.timestamp),
            member: true,
            endpoint: endpoint
        });
        _codeOf[account] = code;
        _members.push(code);
        emit ProvinceAdded(code, account, endpoint);
    }

    function _removeMember(uint32 code) private {
        Province storage p = _provinces[code];
        p.member = false;
        delete _codeOf[p.account];
        uint256 last = _members.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (_members[i] == code) {
                // Keep joining order: shift the tail left.
                for (uint256 j = i; j < last; ++j) _members[j] = _members[j + 1];
                _members.pop();
                break;
            }
        }
        emit ProvinceRemoved(code, p.account);
    }

    function _replaceAccount(uint32 code, address account) private {
        Province storage p = _provinces[code];
        address previous = p.account;
        delete _codeOf[previous];
        p.account = account;
        _codeOf[account] = code;
        emit ProvinceAccountReplaced(code, previous, account);
    }

    function _setThreshold(uint16 newThreshold) private {
        uint16 previous = _threshold;
        _threshold = newThreshold;
        emit ThresholdChanged(previous, newThreshold);
    }
}
