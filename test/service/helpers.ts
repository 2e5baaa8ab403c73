import SafeApiKit from "@safe-global/api-kit";
import { concat, getBytes, toBeHex, zeroPadValue } from "ethers";
import type { Signer } from "ethers";
import hre from "hardhat";

import { serveChain } from "../../lib/chain";
import { protocolKit } from "../../lib/safe/kit";
import { safeTransactionFromService } from "../../lib/safe/service";
import { startTxService, type TxService, type TxServiceOptions } from "../../service";

/** The in-process Hardhat network served over HTTP, exactly as `npx hardhat node` serves it. */
export const rpcServer = () => serveChain(hre);

/** A service on a fresh in-memory database, reading the chain through `rpcUrl`; fast polling, no head cache. */
export async function service(rpcUrl: string, options: Partial<TxServiceOptions> = {}): Promise<TxService> {
  return startTxService({ rpcUrl, db: ":memory:", pollIntervalMs: 50, headTtlMs: 0, ...options });
}

/** Unmodified api-kit pointed at the service. */
export function api(service: TxService, apiKey?: string): SafeApiKit {
  return new SafeApiKit({ chainId: service.chainId, txServiceUrl: service.url, apiKey });
}

/** Waits until the indexer has caught up with the chain's head. */
export async function indexed(service: TxService): Promise<void> {
  await service.indexer.sync();
}

/** An owner's EIP-712 signature of a transaction the service holds, through protocol-kit (as a task signs it). */
export async function confirmAs(api: SafeApiKit, safe: string, signer: string, safeTxHash: string): Promise<string> {
  const kit = await protocolKit(hre, safe, { signer });
  const safeTx = await safeTransactionFromService(kit, await api.getTransaction(safeTxHash));
  const signed = await kit.signTransaction(safeTx);
  const signature = signed.getSignature(signer)!.data;
  await api.confirmTransaction(safeTxHash, signature);
  return signature;
}

/**
 * The standalone contract signature of `ownerSafe` (an owner that is itself a Safe with the stock fallback handler)
 * for `hash`: its owner signs the SafeMessage {message: hash} of the owner Safe, and the result is
 * `{r = ownerSafe}{s = 65}{v = 0}{length}{signature}` as services store it.
 */
export async function nestedSafeSignature(ownerSafe: string, ownerSigner: Signer, hash: string): Promise<string> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const inner = await ownerSigner.signTypedData(
    { chainId, verifyingContract: ownerSafe },
    { SafeMessage: [{ name: "message", type: "bytes" }] },
    { message: hash },
  );
  return concat([zeroPadValue(ownerSafe, 32), toBeHex(65, 32), "0x00", toBeHex(getBytes(inner).length, 32), inner]);
}
