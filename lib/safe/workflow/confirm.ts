import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../../errors";
import type { OwnerSigner } from "../../signer";
import type { SignerSummary } from "../../summary";
import { apiKit, protocolKit } from "../kit";
import { safeTransactionFromService, serviceCall, serviceRead } from "../service";
import { approved, fieldsOf, pendingTransaction, summarize, type Approve } from "./common";

/** A further owner's signature of a pending transaction, after its summary. */
export async function confirmTransaction(
  hre: HardhatRuntimeEnvironment,
  safeTxHash: string,
  signer: OwnerSigner,
  approve: Approve,
): Promise<{ confirmations: number; threshold: number; summary: SignerSummary }> {
  const api = await apiKit(hre);
  const tx = await pendingTransaction(api, safeTxHash);
  const kit = await protocolKit(hre, tx.safe, { signer: signer.kitSigner });
  if (!(await kit.isOwner(signer.address))) {
    throw new UserError(`${signer.address} is not an owner of ${tx.safe}: sign with an owner's key.`);
  }
  const summary = await summarize(hre, tx.safe, fieldsOf(tx), api);
  if (summary.hashes.safeTxHash.toLowerCase() !== safeTxHash.toLowerCase()) {
    throw new UserError(
      `The service's fields for ${safeTxHash} hash to ${summary.hashes.safeTxHash}: refusing to sign.`,
    );
  }
  await approved(approve, summary);
  const signed = await kit.signTransaction(await safeTransactionFromService(kit, { ...tx, confirmations: [] }));
  await serviceCall(
    "accept the confirmation",
    api.confirmTransaction(safeTxHash, signed.getSignature(signer.address)!.data),
  );
  const after = await serviceRead(`find ${safeTxHash}`, () => api.getTransaction(safeTxHash));
  return { confirmations: after.confirmations?.length ?? 0, threshold: after.confirmationsRequired, summary };
}
