import { encodeMultiSendData } from "@safe-global/protocol-kit";
import type { MetaTransactionData } from "@safe-global/types-kit";
import { Interface, ZeroAddress } from "ethers";

import { canonicalContract, type SafeVersion } from "./canonical";

/**
 * Stands for "the Safe itself" in a SafeCall. At creation the Safe's address is not known yet (it depends on
 * the initializer that carries these calls), so self-calls are encoded as calls to address(0), which
 * MultiSendCallOnly v1.5.0 replaces with address(this), i.e. the Safe.
 */
export const SAFE_SELF = ZeroAddress;

/**
 * A call the Safe makes to configure itself: to itself (setGuard, setModuleGuard, enableModule, ...) or to a
 * contract it configures (a guard's policy setters). msg.sender is the Safe in both install paths below.
 */
export interface SafeCall {
  /** Target, or SAFE_SELF for the Safe itself. */
  to: string;
  data: string;
  value?: bigint;
}

function toMeta(calls: SafeCall[], self: string): MetaTransactionData[] {
  return calls.map((c) => ({
    to: c.to === SAFE_SELF ? self : c.to,
    value: (c.value ?? 0n).toString(),
    data: c.data,
    operation: 0,
  }));
}

/** `multiSend(calls)` on the canonical MultiSendCallOnly of `version`, with protocol-kit's MultiSend encoding. */
function multiSendCallOnly(calls: SafeCall[], self: string, version: SafeVersion): { to: string; data: string } {
  if (calls.length === 0) throw new Error("an install batch needs at least one call");
  const multiSend = canonicalContract(version, "multiSendCallOnly");
  const data = new Interface(multiSend.abi as never).encodeFunctionData("multiSend", [
    encodeMultiSendData(toMeta(calls, self)),
  ]);
  return { to: multiSend.address, data };
}

/**
 * Safe.setup's `to`/`data` hook for installing in the creation transaction: the new Safe delegatecalls the
 * canonical MultiSendCallOnly v1.5.0, which makes each call from the Safe's own address. The v1.5.0 library is
 * used for Safes of either version: it is stateless, and only it resolves SAFE_SELF.
 */
export function setupHook(calls: SafeCall[]): { setupTo: string; setupData: string } {
  const { to, data } = multiSendCallOnly(calls, SAFE_SELF, "1.5.0");
  return { setupTo: to, setupData: data };
}

/**
 * The same calls as one Safe transaction for an existing Safe: a DELEGATECALL to its version's MultiSendCallOnly
 * (for execution with pre-validated signatures; people use installTransactions through protocol-kit).
 */
export function installBatch(
  safeAddress: string,
  calls: SafeCall[],
  version: SafeVersion,
): { to: string; value: bigint; data: string; operation: 1 } {
  return { ...multiSendCallOnly(calls, safeAddress, version), value: 0n, operation: 1 };
}

/**
 * The same calls for an existing Safe, as protocol-kit transactions: `buildSafeTransaction` batches them through
 * MultiSendCallOnly into one Safe transaction. Self-calls get the Safe's address.
 */
export function installTransactions(safeAddress: string, calls: SafeCall[]): MetaTransactionData[] {
  return toMeta(calls, safeAddress);
}
