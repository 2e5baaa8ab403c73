// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.28;

import {Enum} from "@safe-global/safe-smart-account/contracts/libraries/Enum.sol";
import {IModuleManager} from "@safe-global/safe-smart-account/contracts/interfaces/IModuleManager.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ISafeModule} from "../../interfaces/ISafeModule.sol";

/**
 * @title SafeModule - the base of this toolkit's Safe modules (RecoveryModule, SpendingLimitModule)
 * @notice Configuration is keyed by `msg.sender`: a Safe configures its own entry with a multisig transaction that
 *         calls the module. Any other caller (a guardian, a delegate, another module, an EOA) could only ever write
 *         an entry of its own that no Safe reads, so the setters refuse callers that are not Safes with this module
 *         enabled (_requireEnabledSafe) to make that explicit. Everything else a module does to a Safe goes through
 *         the Safe's execTransactionFromModule[ReturnData] with Operation.Call (never DELEGATECALL): _exec, and the
 *         two transfers a spend makes, encoded by hand because they are the SpendingLimitModule's hot path.
 * @dev No state: the modules' storage layouts are their storage bases' (modules/base/*Storage.sol).
 */
abstract contract SafeModule is ISafeModule {
    /**
     * @dev Reverts with ModuleNotEnabled unless `msg.sender` answers isModuleEnabled(this) with exactly one word
     *      holding true. The low-level call also handles EOAs (no code, empty return) and contracts without the
     *      function (a revert or a fallback's answer is refused, not bubbled).
     */
    function _requireEnabledSafe() internal view {
        (bool ok, bytes memory ret) = msg.sender.staticcall(
            abi.encodeCall(IModuleManager.isModuleEnabled, (address(this)))
        );
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert ModuleNotEnabled(msg.sender);
    }

    /// @dev Has `safe` call `to` with `value` and `data` (Operation.Call); returns the Safe's success flag.
    function _exec(address safe, address to, uint256 value, bytes memory data) internal returns (bool) {
        return IModuleManager(safe).execTransactionFromModule(to, value, data, Enum.Operation.Call);
    }

    /**
     * @dev Has `safe` send `amount` wei to `to` through execTransactionFromModule(to, amount, "", Call) and returns
     *      its boolean result (false: the recipient refused it). Assembly like _execTokenTransfer (hot path): the call
     *      is encoded in scratch memory past the free memory pointer, never advanced. A revert of the Safe call itself
     *      (e.g. the TreasuryGuard's CapExceeded as module guard) is bubbled up; a Safe always returns one word.
     */
    function _execEthTransfer(address safe, address to, uint256 amount) internal returns (bool ok) {
        bytes4 execSelector = IModuleManager.execTransactionFromModule.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation)
            mstore(ptr, execSelector)
            mstore(add(ptr, 0x04), to)
            mstore(add(ptr, 0x24), amount)
            mstore(add(ptr, 0x44), 0x80) // offset of `data` in the arguments
            mstore(add(ptr, 0x64), 0) // Enum.Operation.Call
            mstore(add(ptr, 0x84), 0) // data.length
            if iszero(call(gas(), safe, 0, ptr, 0xa4, 0, 0x20)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // Anything but exactly one word holding 1 (a contract that is not a Safe) is a failure.
            ok := and(eq(returndatasize(), 0x20), eq(mload(0), 1))
        }
    }

    /**
     * @dev Has `safe` call `asset.transfer(to, amount)` through execTransactionFromModuleReturnData and judges the
     *      token's answer like SafeERC20: no return data is success only if the token has code (a call to an account
     *      without code "succeeds"); otherwise the return data must be at least one word and start with 1 (true). A
     *      false return, a revert or malformed data (also a Safe answer not encoded as Solidity does) is a failure
     *      (the caller reverts, so nothing is counted).
     *      A revert of the Safe call itself (e.g. the TreasuryGuard's CapExceeded as module guard) is bubbled up.
     *
     *      Assembly, because this is the hot path (gas target: the whole transaction <= 70,000 gas): it encodes the
     *      call in scratch memory past the free memory pointer (never advanced, so memory-safe) and reads only the
     *      words it needs from the return data instead of copying and ABI-decoding it.
     */
    function _execTokenTransfer(address safe, address asset, address to, uint256 amount) internal returns (bool ok) {
        bytes4 execSelector = IModuleManager.execTransactionFromModuleReturnData.selector;
        bytes4 transferSelector = IERC20.transfer.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // execTransactionFromModuleReturnData(address to, uint256 value, bytes data, uint8 operation)
            mstore(ptr, execSelector)
            mstore(add(ptr, 0x04), asset)
            mstore(add(ptr, 0x24), 0) // value
            mstore(add(ptr, 0x44), 0x80) // offset of `data` in the arguments
            mstore(add(ptr, 0x64), 0) // Enum.Operation.Call
            mstore(add(ptr, 0x84), 0x44) // data.length: transfer(address,uint256)
            mstore(add(ptr, 0xa4), transferSelector)
            mstore(add(ptr, 0xa8), to)
            mstore(add(ptr, 0xc8), amount)
            mstore(add(ptr, 0xe8), 0) // zero the padding of `data` to a whole word (0x44 -> 0x60 bytes)
            if iszero(call(gas(), safe, 0, ptr, 0x104, 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // Returns abi.encode(bool success, bytes returnData): [success][offset = 0x40][length][data...], which
            // is how every Safe (Solidity) encodes it; any other layout is a failure. Only words within the return
            // data are copied (returndatacopy out of bounds would consume all gas), into the call's own scratch
            // memory (0x104 bytes from ptr, already paid for).
            let size := returndatasize()
            switch gt(size, 0x7f)
            case 1 {
                // At least one word of token data: it must be `true`, and the length must fit in what was returned.
                returndatacopy(ptr, 0, 0x80)
                let length := mload(add(ptr, 0x40))
                ok := and(
                    and(eq(mload(ptr), 1), eq(mload(add(ptr, 0x20)), 0x40)),
                    and(and(gt(length, 0x1f), iszero(gt(length, sub(size, 0x60)))), eq(mload(add(ptr, 0x60)), 1))
                )
            }
            default {
                // No token data: success only if the token has code (a call to an account without code "succeeds").
                if eq(size, 0x60) {
                    returndatacopy(ptr, 0, 0x60)
                    ok := and(
                        and(eq(mload(ptr), 1), eq(mload(add(ptr, 0x20)), 0x40)),
                        and(iszero(mload(add(ptr, 0x40))), gt(extcodesize(asset), 0))
                    )
                }
            }
        }
    }
}
