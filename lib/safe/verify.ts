import { Contract } from "ethers";
import type { BlockTag, Provider } from "ethers";

import { SignatureError, type SignaturePart } from "./signatures";
import { eip1271Interface, safeReadInterface } from "../abi";

/**
 * The on-chain half of signature checking: EIP-1271 contract owners (through the isValidSignature form the Safe's
 * version calls) and approved hashes. ECDSA parts are already checked by recovery in parseSignatures.
 */

const MAGIC_BYTES32 = "0x1626ba7e";
const MAGIC_LEGACY = "0x20c13b0b";

export interface VerifyContext {
  provider: Provider;
  safe: string;
  /** The Safe's version: it decides which isValidSignature form the Safe calls on a contract owner. */
  version: string;
  /** The hash the owners sign: a safeTxHash or a SafeMessage hash. */
  hash: string;
  /** The EIP-712 encoding whose keccak is `hash` (0x1901 || domain separator || struct hash): the legacy form's data. */
  preimage: string;
  blockTag?: BlockTag;
}

async function callReturns(provider: Provider, to: string, data: string, blockTag: BlockTag): Promise<string> {
  try {
    const result = await provider.call({ to, data, blockTag });
    return result.slice(0, 10).toLowerCase();
  } catch {
    return "0x";
  }
}

/**
 * Safe 1.3.0 and 1.4.1 call a contract owner's legacy `isValidSignature(bytes data, bytes)` with the EIP-712
 * preimage and expect 0x20c13b0b; 1.5.0 calls `isValidSignature(bytes32 hash, bytes)` and expects 0x1626ba7e.
 */
export function callsLegacyEip1271(version: string): boolean {
  return /^1\.[0-4]\./.test(version);
}

/**
 * True when `owner` accepts `data` for the context's hash through the form the Safe calls. Accepting the other form
 * would show a confirmation the Safe rejects (GS024) when it executes.
 */
export async function contractSignatureValid(ctx: VerifyContext, owner: string, data: string): Promise<boolean> {
  const blockTag = ctx.blockTag ?? "latest";
  if (callsLegacyEip1271(ctx.version)) {
    const legacy = eip1271Interface.encodeFunctionData("isValidSignature(bytes,bytes)", [ctx.preimage, data]);
    return (await callReturns(ctx.provider, owner, legacy, blockTag)) === MAGIC_LEGACY;
  }
  const modern = eip1271Interface.encodeFunctionData("isValidSignature(bytes32,bytes)", [ctx.hash, data]);
  return (await callReturns(ctx.provider, owner, modern, blockTag)) === MAGIC_BYTES32;
}

/**
 * Checks the parts that need the chain; throws SignatureError naming the first invalid one. An approved hash counts
 * only if the owner approved it on chain (a proposal cannot rely on the executor's implicit approval).
 */
export async function verifyOnChainParts(ctx: VerifyContext, parts: SignaturePart[]): Promise<void> {
  const safe = new Contract(ctx.safe, safeReadInterface, ctx.provider);
  await Promise.all(
    parts.map(async (part) => {
      if (part.type === "CONTRACT_SIGNATURE") {
        if ((await ctx.provider.getCode(part.owner, ctx.blockTag ?? "latest")) === "0x") {
          throw new SignatureError(`Contract signature for owner ${part.owner}: there is no contract at that address.`);
        }
        if (!(await contractSignatureValid(ctx, part.owner, part.data ?? "0x"))) {
          throw new SignatureError(
            `Contract signature for owner ${part.owner} is not valid: its isValidSignature did not accept ${ctx.hash}.`,
          );
        }
      } else if (part.type === "APPROVED_HASH") {
        const approved: bigint = await safe.approvedHashes(part.owner, ctx.hash, {
          blockTag: ctx.blockTag ?? "latest",
        });
        if (approved === 0n) {
          throw new SignatureError(
            `Approved-hash signature for owner ${part.owner}: that owner has not called approveHash(${ctx.hash}) on ` +
              "the Safe. Approve on chain first, or sign instead.",
          );
        }
      }
    }),
  );
}
