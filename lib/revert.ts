import { Interface } from "ethers";

import { explainGuardError } from "./guard/policy";
import { solidityErrorInterface } from "./abi";

/**
 * Turns a failed call into a sentence a person can act on: the toolkit's custom errors with their arguments, and
 * Safe's GSxxx codes.
 */

const SAFE_CODES: Record<string, string> = {
  GS000: "could not finish initialization",
  GS001: "threshold needs to be defined",
  GS010: "not enough gas to execute the Safe transaction",
  GS011: "could not pay the gas costs with ether",
  GS012: "could not pay the gas costs with token",
  GS013: "the Safe transaction failed: its inner call reverted (safeTxGas and gasPrice are 0)",
  GS020: "signatures data too short: not enough signatures for the threshold",
  GS021: "invalid contract signature location: inside static part",
  GS022: "invalid contract signature location: length not present",
  GS023: "invalid contract signature location: data not complete",
  GS024: "invalid contract signature provided",
  GS025: "hash has not been approved",
  GS026: "invalid owner provided: a signer is not an owner, or signatures are not sorted by owner",
  GS030: "only owners can approve a hash",
  GS031: "method can only be called from this contract",
  GS100: "modules have already been initialized",
  GS101: "invalid module address provided",
  GS102: "module has already been added",
  GS103: "invalid prevModule, module pair provided",
  GS104: "method can only be called from an enabled module",
  GS200: "owners have already been set up",
  GS201: "threshold cannot exceed owner count",
  GS202: "threshold needs to be greater than 0",
  GS203: "invalid owner address provided",
  GS204: "address is already an owner",
  GS205: "invalid prevOwner, owner pair provided",
  GS300: "guard does not implement the guard interface",
  GS301: "module guard does not implement the module guard interface",
};

/** Finds revert data in an ethers / Hardhat error. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const record = e as Record<string, unknown>;
    if (typeof record.data === "string" && record.data.startsWith("0x") && record.data.length >= 10) return record.data;
    for (const key of ["error", "info", "cause", "data"]) {
      const found = walk(record[key]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(error);
}

/**
 * A sentence for a revert: the TreasuryGuard's errors (lib/guard/policy), then errors of the given interfaces
 * (e.g. the modules'), then Error(string) with Safe's GS codes.
 */
export function explainRevert(error: unknown, interfaces: Interface[]): string {
  const data = revertData(error);
  if (data) {
    const guardSentence = explainGuardError(data);
    if (guardSentence) return guardSentence;
    for (const iface of interfaces) {
      const parsed = iface.parseError(data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    }
    const reason = solidityErrorInterface.parseError(data);
    if (reason) {
      const message = String(reason.args[0]);
      return SAFE_CODES[message] ? `Safe ${message}: ${SAFE_CODES[message]}` : message;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = /GS\d{3}/.exec(message)?.[0];
  return code && SAFE_CODES[code] ? `Safe ${code}: ${SAFE_CODES[code]}` : message;
}
