// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title SafeCanonical - the canonical Safe contracts TreasuryGuard recognises as DELEGATECALL targets
 * @dev The singleton-factory addresses of Safe 1.3.0, 1.4.1 and 1.5.0 (the same on every chain), written once.
 *      Pure and internal: the comparisons are inlined into the guard, no library is deployed.
 */
library SafeCanonical {
    address internal constant MULTI_SEND_CALL_ONLY_130 = 0x40A2aCCbd92BCA938b02010E17A5b8929b49130D;
    address internal constant MULTI_SEND_CALL_ONLY_141 = 0x9641d764fc13c8B624c04430C7356C1C7C8102e2;
    address internal constant MULTI_SEND_CALL_ONLY_150 = 0xA83c336B20401Af773B6219BA5027174338D1836;
    address internal constant MULTI_SEND_130 = 0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761;
    address internal constant MULTI_SEND_141 = 0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526;
    address internal constant MULTI_SEND_150 = 0x218543288004CD07832472D464648173c77D7eB7;
    address internal constant SAFE_MIGRATION_150 = 0x6439e7ABD8Bb915A5263094784C5CF561c4172AC;
    address internal constant SIGN_MESSAGE_LIB_141 = 0xd53cd0aB83D845Ac265BE939c57F53AD838012c9;
    address internal constant SIGN_MESSAGE_LIB_150 = 0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa;

    /// @dev Whether `to` is a canonical MultiSendCallOnly (1.3.0, 1.4.1 or 1.5.0): a batch of CALLs only.
    function isMultiSendCallOnly(address to) internal pure returns (bool) {
        return to == MULTI_SEND_CALL_ONLY_150 || to == MULTI_SEND_CALL_ONLY_141 || to == MULTI_SEND_CALL_ONLY_130;
    }

    /// @dev Whether MultiSendCallOnly at `to` calls the Safe itself for an entry to address(0) (1.5.0 only).
    function zeroMeansSelf(address to) internal pure returns (bool) {
        return to == MULTI_SEND_CALL_ONLY_150;
    }

    /// @dev Whether `to` is a canonical MultiSend (1.3.0, 1.4.1 or 1.5.0), whose entries may DELEGATECALL.
    function isMultiSend(address to) internal pure returns (bool) {
        return to == MULTI_SEND_150 || to == MULTI_SEND_141 || to == MULTI_SEND_130;
    }

    /// @dev Whether `to` is a Safe library the owners may DELEGATECALL after the delay (SafeMigration, SignMessageLib).
    function isSafeLibrary(address to) internal pure returns (bool) {
        return to == SAFE_MIGRATION_150 || to == SIGN_MESSAGE_LIB_150 || to == SIGN_MESSAGE_LIB_141;
    }
}
