import type Safe from "@safe-global/protocol-kit";
import type { SafeMultisigTransactionResponse } from "@safe-global/types-kit";
import { getAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../../errors";
import type { OwnerSigner } from "../../signer";
import { safeTxHashes } from "../hashes";
import { apiKit, protocolKit } from "../kit";
import { safeTransactionFromService } from "../service";
import { parseSignatures, partFromConfirmation, SignatureError } from "../signatures";
import { executeSigned, type ExecutionResult } from "../transactions";
import { verifyOnChainParts } from "../verify";
import { fieldsOf, pendingTransaction } from "./common";

/** Executing a pending transaction with the confirmations the service holds, each checked first. */
export async function executeTransaction(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signer: OwnerSigner,
): Promise<ExecutionResult & { stale: string[] }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const kit = await protocolKit(hre, tx.safe, { signer: signer.kitSigner });
  const [threshold, nonce] = await Promise.all([kit.getThreshold(), kit.getNonce()]);
  if (Number(tx.nonce) < nonce) {
    throw new UserError(
      `${safeTxHash} is for nonce ${tx.nonce}, which another transaction already used (the Safe is at nonce ` +
        `${nonce}): it can never run. Propose it again at a new nonce if it is still wanted.`,
    );
  }
  if (Number(tx.nonce) > nonce) {
    throw new UserError(
      `${safeTxHash} is for nonce ${tx.nonce} but the Safe is at nonce ${nonce}: execute (or reject) nonce ${nonce} first.`,
    );
  }
  const { valid, stale } = await checkConfirmations(hre, kit, safeTxHash, tx);
  if (valid.length < threshold) {
    const staleText = stale.length
      ? ` ${stale.join(", ")} signed but ${stale.length === 1 ? "is" : "are"} no longer an owner (stale; not counted).`
      : "";
    throw new UserError(
      `${safeTxHash} has ${valid.length} valid confirmation(s) of the ${threshold} the Safe needs now.${staleText} ` +
        "Collect more from current owners (safe:confirm), then execute.",
    );
  }
  const safeTx = await safeTransactionFromService(kit, { ...tx, confirmations: valid });
  return { ...(await executeSigned(hre, tx.safe, safeTx, signer.kitSigner)), stale };
}

/**
 * Checks, before executing, that the service's fields hash to `safeTxHash` and that every confirmation of a current
 * owner is that owner's valid signature of that hash; confirmations of removed owners are stale, returned by name
 * and left out (the threshold is checked against the owners of now). The Safe checks signatures too, but it takes an approved-hash part (v = 1) of the
 * executor without any approval: a service that lists one for the executor would make the executor's own
 * transaction the missing signature for something it never saw summarised.
 */
async function checkConfirmations(
  hre: HardhatRuntimeEnvironment,
  kit: Safe,
  safeTxHash: string,
  tx: SafeMultisigTransactionResponse,
): Promise<{ valid: NonNullable<SafeMultisigTransactionResponse["confirmations"]>; stale: string[] }> {
  const version = await kit.getContractVersion();
  const { chainId } = await hre.ethers.provider.getNetwork();
  const { hash, preimage } = safeTxHashes(tx.safe, version, chainId, fieldsOf(tx));
  if (hash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(`The service's fields for ${safeTxHash} hash to ${hash}: refusing to execute.`);
  }
  const owners = (await kit.getOwners()).map((o) => getAddress(o));
  const valid: NonNullable<SafeMultisigTransactionResponse["confirmations"]> = [];
  const stale: string[] = [];
  for (const confirmation of tx.confirmations ?? []) {
    try {
      const part = partFromConfirmation(confirmation);
      if (!owners.includes(part.owner)) {
        // Signed while an owner (the service checked then); the owners of now decide.
        stale.push(part.owner);
        continue;
      }
      if (part.type === "EOA" || part.type === "ETH_SIGN") {
        const [parsed] = parseSignatures(part.signature, hash);
        if (parsed.owner !== part.owner || parsed.type !== part.type) {
          throw new SignatureError(`its signature recovers to ${parsed.owner}, not ${part.owner}.`);
        }
      } else {
        await verifyOnChainParts({ provider: hre.ethers.provider, safe: tx.safe, version, hash, preimage }, [part]);
      }
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      throw new UserError(
        `The service's confirmation of ${confirmation.owner} for ${safeTxHash} is not valid (${error.message}): ` +
          "refusing to execute.",
      );
    }
    valid.push(confirmation);
  }
  return { valid, stale };
}
