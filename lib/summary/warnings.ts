import { ZeroAddress } from "ethers";

import { isQueueWrapper, type DecodedCall } from "./decode";
import type { AddressBook, KnownAddress } from "./names";

export type WarningCode =
  | "delegatecall"
  | "safe-config"
  | "toolkit-config"
  | "recipient-not-whitelisted"
  | "recipient-new"
  | "look-alike-address"
  | "gas-refund";

export interface Warning {
  code: WarningCode;
  /** The call it is about ("0" = the transaction itself), if any. */
  call?: string;
  message: string;
}

export interface WarningContext {
  safe: string;
  book: AddressBook;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  /** Whether the Safe's guard lets `address` receive outflows instantly; undefined when the Safe has no guard. */
  isWhitelisted?: (address: string) => Promise<boolean>;
  /** Addresses the Safe has paid before (from the transaction service's history), if known. */
  paidBefore?: Set<string>;
}

const CONFIG_CHANGES: Record<string, string> = {
  addOwnerWithThreshold: "adds an owner and sets the threshold",
  removeOwner: "removes an owner and sets the threshold",
  swapOwner: "replaces an owner",
  changeThreshold: "changes the threshold",
  enableModule: "enables a module (a module can move anything the Safe holds)",
  disableModule: "disables a module",
  setGuard: "changes the transaction guard",
  setModuleGuard: "changes the module guard",
  setFallbackHandler: "changes the fallback handler (it decides which signatures count as the Safe's)",
};

/** Settings of the toolkit's modules that decide who can move funds or replace the owners. */
const TOOLKIT_CHANGES: Record<string, string> = {
  configure: "configures guardian recovery: these guardians can replace the owners",
  setGuardians: "changes the guardians, who can replace the owners",
  setPeriods: "changes how long the owners must be inactive, and the delay, before guardians can recover the Safe",
  setActivityRecorder: "changes what counts as the owners' activity for recovery",
  setAllowance: "sets a delegate's allowance: the delegate can spend it every 24 hours without the owners",
  setRecipient: "changes whom a delegate may pay",
  setRecipientRegistry: "changes the list of recipients delegates may pay",
};

/** Arguments that receive an asset or a right to one. */
const RECIPIENT_ARGS = new Set(["to", "spender", "operator"]);

/**
 * Warnings in words, for each call: DELEGATECALLs and their target, changes of the Safe's configuration, recipients
 * the guard has not whitelisted or the Safe never paid, addresses that look like a known one (same first and last
 * four hex digits: address poisoning), and gas refunds.
 */
export async function warningsFor(calls: DecodedCall[], ctx: WarningContext): Promise<Warning[]> {
  const { book, safe } = ctx;
  const warnings: Warning[] = [];
  const isSafe = (a: string) => a.toLowerCase() === safe.toLowerCase() || a === ZeroAddress;
  const batchOf = calls.length > 1;
  for (const call of calls) {
    const where = call.index;
    if (call.operation === 1) {
      const known = book.get(call.to)?.kind === "safe-contract";
      warnings.push({
        code: "delegatecall",
        call: where,
        message: `DELEGATECALL to ${book.label(call.to)}: its code runs as the Safe and can change anything${
          known ? "" : ". This is not a known Safe library: never sign it"
        }`,
      });
    }
    const fn = call.signature?.split("(")[0];
    const onSafe = isSafe(call.to) && (where !== "0" || !batchOf);
    if (fn && onSafe && CONFIG_CHANGES[fn]) {
      const args = call.args.map((a) => `${a.name} ${a.text}`).join(", ");
      warnings.push({ code: "safe-config", call: where, message: `${CONFIG_CHANGES[fn]} (${args})` });
    }
    if (fn && TOOLKIT_CHANGES[fn] && book.get(call.to)?.kind === "toolkit") {
      const args = call.args.map((a) => `${a.name} ${a.text}`).join(", ");
      warnings.push({ code: "toolkit-config", call: where, message: `${TOOLKIT_CHANGES[fn]} (${args})` });
    }
    if (call.signature?.startsWith("migrate")) {
      warnings.push({ code: "safe-config", call: where, message: "changes the Safe's singleton (a Safe upgrade)" });
    }
    // The queue wrapper's own `to` is the inner call's target, whose recipients are checked as call q.
    const wrapper = isQueueWrapper(call, book.get(call.to));
    for (const recipient of wrapper ? [] : recipientsOf(call)) {
      if (isSafe(recipient)) continue;
      if (ctx.isWhitelisted && !(await ctx.isWhitelisted(recipient))) {
        warnings.push({
          code: "recipient-not-whitelisted",
          call: where,
          message: `${book.label(recipient)} is not whitelisted by the guard`,
        });
      }
      if (ctx.paidBefore && !ctx.paidBefore.has(recipient.toLowerCase())) {
        warnings.push({
          code: "recipient-new",
          call: where,
          message: `${book.label(recipient)} was never paid before`,
        });
      }
    }
    for (const address of addressesOf(call)) {
      const twin = lookAlike(address, book.all());
      if (twin) {
        warnings.push({
          code: "look-alike-address",
          call: where,
          message: `${address} looks like ${twin.address} (${twin.name}) but is a different address: check every digit`,
        });
      }
    }
  }
  if (ctx.gasPrice !== 0n || ctx.gasToken !== ZeroAddress || ctx.refundReceiver !== ZeroAddress) {
    warnings.push({
      code: "gas-refund",
      message: `pays a gas refund (gasPrice ${ctx.gasPrice}, gasToken ${book.label(ctx.gasToken)}, receiver ${book.label(
        ctx.refundReceiver,
      )}) out of the Safe`,
    });
  }
  return warnings;
}

/** Who receives value, tokens, an allowance or an operator right through this call. */
export function recipientsOf(call: DecodedCall): string[] {
  const out: string[] = [];
  if (call.value !== 0n) out.push(call.to);
  const fn = call.signature?.split("(")[0];
  if (fn === "setApprovalForAll" && call.args[1]?.value === "false") return out;
  for (const arg of call.args) if (arg.type === "address" && RECIPIENT_ARGS.has(arg.name)) out.push(arg.value);
  return out;
}

function addressesOf(call: DecodedCall): string[] {
  return [call.to, ...call.args.filter((a) => a.type === "address").map((a) => a.value)];
}

/** A known address with the same first and last four hex digits as `address` but a different middle. */
export function lookAlike(address: string, known: KnownAddress[]): KnownAddress | undefined {
  const a = address.toLowerCase();
  return known.find((k) => {
    const b = k.address.toLowerCase();
    return a !== b && a.slice(2, 6) === b.slice(2, 6) && a.slice(-4) === b.slice(-4);
  });
}
