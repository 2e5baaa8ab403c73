// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

/**
 * @title ISafeModule - what every module of this toolkit shares
 * @notice A singleton module serves many Safes. Its configuration is keyed by the Safe (`msg.sender`) and is accepted
 *         only from a Safe that has this module enabled, i.e. from a multisig transaction of that Safe.
 */
interface ISafeModule {
    /**
     * @notice `account` is not a Safe with this module enabled, so it has no configuration to write.
     * @param account The caller of a configuration function (an EOA, another contract, or a Safe without the module).
     */
    error ModuleNotEnabled(address account);
}
