import { generateTypedData } from "@safe-global/protocol-kit";
import { getAddress, toBeHex } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../../errors";
import { safeTxData, safeTxHashes } from "../hashes";
import { apiKit, protocolKit } from "../kit";
import { serviceCall, serviceRead } from "../service";
import { parseSignatures, SignatureError } from "../signatures";
import { approved, fieldsOf, pendingTransaction, summarize, type Approve } from "./common";

/** Air-gapped and hardware owners: the typed data exported to sign elsewhere, and the signature imported back. */

/** EIP-712 typed data of a pending transaction, as any wallet's eth_signTypedData_v4 takes it, plus the hashes. */
export async function exportTypedData(hre: HardhatRuntimeEnvironment, safeTxHash: string, approve: Approve) {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const summary = await summarize(hre, tx.safe, fieldsOf(tx), api);
  await approved(approve, summary);
  const fields = fieldsOf(tx);
  const typed = generateTypedData({
    safeAddress: tx.safe,
    safeVersion: summary.version,
    chainId: summary.chainId,
    data: safeTxData(fields),
  });
  const domain = { ...typed.domain, chainId: Number(summary.chainId) };
  return {
    typedData: {
      types: typed.types,
      domain,
      primaryType: "SafeTx",
      message: typed.message,
    },
    hashes: summary.hashes,
  };
}

/**
 * Checks an externally made signature (an air-gapped or hardware wallet's eth_signTypedData_v4 of the exported
 * data, v 0/1 or 27/28) recovers to an owner, then posts it as a confirmation.
 */
export async function importSignature(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signature: string,
  expectedSigner?: string,
): Promise<{ owner: string; confirmations: number; threshold: number }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const normalised = normaliseV(signature);
  const { hash } = safeTxHashes(
    tx.safe,
    await kitVersion(hre, tx.safe),
    (await hre.ethers.provider.getNetwork()).chainId,
    fieldsOf(tx),
  );
  if (hash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(`The service's fields for ${safeTxHash} hash to ${hash}: refusing the signature.`);
  }
  let owner: string;
  try {
    const parts = parseSignatures(normalised, hash);
    if (parts.length !== 1 || parts[0].type !== "EOA") {
      throw new SignatureError("Expected one EIP-712 signature (65 bytes, v 27/28 or 0/1).");
    }
    owner = parts[0].owner;
  } catch (error) {
    if (error instanceof SignatureError) throw new UserError(`The signature is not usable: ${error.message}`);
    throw error;
  }
  if (expectedSigner && getAddress(expectedSigner) !== owner) {
    throw new UserError(`The signature recovers to ${owner}, not ${getAddress(expectedSigner)}: it signed other data.`);
  }
  const kit = await protocolKit(hre, tx.safe);
  if (!(await kit.isOwner(owner))) {
    throw new UserError(
      `The signature recovers to ${owner}, which is not an owner of ${tx.safe}: it signed other data.`,
    );
  }
  await serviceCall("accept the confirmation", api.confirmTransaction(safeTxHash, normalised));
  const after = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  return { owner, confirmations: after.confirmations?.length ?? 0, threshold: after.confirmationsRequired };
}

async function kitVersion(hre: HardhatRuntimeEnvironment, safe: string): Promise<string> {
  return (await protocolKit(hre, safe)).getContractVersion();
}

/** Wallets that return v = 0/1 from eth_signTypedData_v4: Safe wants 27/28. */
export function normaliseV(signature: string): string {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new UserError("A signature is 65 bytes of hex (0x + 130 hex digits): copy it whole from the signing wallet.");
  }
  const v = parseInt(signature.slice(-2), 16);
  return v < 27 ? signature.slice(0, -2) + toBeHex(v + 27, 1).slice(2) : signature;
}
