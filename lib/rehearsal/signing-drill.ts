import SafeApiKit from "@safe-global/api-kit";
import { generateTypedData } from "@safe-global/protocol-kit";
import { getAddress, TypedDataEncoder } from "ethers";
import type { Provider, Signer, TypedDataDomain, TypedDataField } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { safeTxData, safeTxHashes } from "../safe/hashes";
import { safeInterface } from "../safe/create";
import { prevalidatedSignatures, safeTxFields, safeTxOf } from "../safe/prevalidated";
import { encodeSignatures, partFromConfirmation } from "../safe/signatures";
import { readSafeState } from "../safe/state";
import { openRehearsalChain } from "./chain";
import { onChainSafeTxHash } from "./execute";
import type { DrillReport } from "./drill";

/**
 * `drill:signing`: the owners' ceremony, propose -> confirm -> execute, for a zero-value transaction of the Safe to
 * itself, on a fork that has another chain id than the real chain: the owners sign with their own keys or devices,
 * a Transaction Service on the fork checks and collects the signatures, and the collected signatures execute it.
 * Safe transaction hashes bind the chain id, so nothing signed in the drill is valid on the real chain.
 */

/** The drill fork's chain id: never the real one (the ids of the chains Safe runs on are far below it). */
export function drillChainId(real: bigint): number {
  const id = 0x5afed11;
  return BigInt(id) === real ? id + 1 : id;
}

export interface SigningDrillOptions {
  safe: string;
  /** The owners taking part, each signing with its own key or device. */
  signers: Signer[];
  /** Starts a Transaction Service on the drill chain (the embedded one) and returns its api-kit URL. */
  startService(provider: Provider, chainId: bigint): Promise<{ url: string; close(): Promise<void> }>;
  blockNumber?: number;
}

export async function signingDrill(hre: HardhatRuntimeEnvironment, options: SigningDrillOptions): Promise<DrillReport> {
  const real = (await hre.ethers.provider.getNetwork()).chainId;
  const chain = await openRehearsalChain(hre, { blockNumber: options.blockNumber, chainId: drillChainId(real) });
  const service = await options.startService(chain.provider, chain.chainId).catch(async (error: Error) => {
    await chain.close();
    throw error;
  });
  try {
    const { provider } = chain;
    const state = await readSafeState(provider, options.safe);
    const safe = state.address;
    const report: DrillReport = {
      drill: "signing",
      safe,
      chainId: chain.chainId,
      mode: chain.mode,
      block: await provider.getBlockNumber(),
      ok: false,
      steps: [],
      outcome: {},
    };
    const step = (name: string, ok: boolean, detail: string) => report.steps.push({ name, ok, detail });
    step(
      "drill-chain",
      chain.chainId !== real || chain.mode === "snapshot",
      chain.chainId !== real
        ? `chain id ${chain.chainId}, not the real ${real}: the drill's signatures are worthless there`
        : "the in-process chain's snapshot (no real chain involved)",
    );

    const signers = await Promise.all(
      options.signers.map(async (s) => ({ signer: s, address: getAddress(await s.getAddress()) })),
    );
    const strangers = signers.filter((s) => !state.owners.includes(s.address)).map((s) => s.address);
    if (strangers.length)
      throw new UserError(`${strangers.join(", ")} is not an owner of ${safe}: only owners take part.`);
    if (signers.length === 0) throw new UserError("No owner signs: give --signers, or configure the owner key.");
    const participants = signers.slice(0, state.threshold);
    const standIns = state.owners
      .filter((o) => !participants.some((p) => p.address === o))
      .slice(0, state.threshold - participants.length);

    const tx = safeTxOf({ to: safe }, state.nonce);
    // protocol-kit's typed data, as every owner's wallet signs it (the types are never re-declared here).
    const typed = generateTypedData({
      safeAddress: safe,
      safeVersion: state.version,
      chainId: chain.chainId,
      data: safeTxData(tx),
    });
    const domain = { ...typed.domain, chainId: chain.chainId } as TypedDataDomain;
    const types = { SafeTx: (typed.types as unknown as Record<string, TypedDataField[]>).SafeTx };
    const message = typed.message as Record<string, unknown>;
    const hashes = safeTxHashes(safe, state.version, chain.chainId, tx);
    const onChain = await onChainSafeTxHash(provider, safe, tx);
    const typedHash = TypedDataEncoder.hash(domain, types, message);
    step(
      "hashes",
      onChain === hashes.hash && typedHash === hashes.hash,
      `safeTxHash ${hashes.hash}; a hardware wallet shows domain hash ${hashes.domainHash} and message hash ${hashes.messageHash}`,
    );

    const api = new SafeApiKit({ chainId: chain.chainId, txServiceUrl: service.url });
    const data = {
      to: tx.to,
      value: "0",
      data: "0x",
      operation: 0,
      safeTxGas: "0",
      baseGas: "0",
      gasPrice: "0",
      gasToken: tx.gasToken,
      refundReceiver: tx.refundReceiver,
      nonce: Number(tx.nonce),
    };
    const [proposer, ...confirmers] = participants;
    await api.proposeTransaction({
      safeAddress: safe,
      safeTransactionData: data,
      safeTxHash: hashes.hash,
      senderAddress: proposer.address,
      senderSignature: await proposer.signer.signTypedData(domain, types, message),
      origin: "drill:signing",
    });
    step("propose", true, `${proposer.address} signed (EIP-712) and proposed it; the service accepted the signature`);
    for (const c of confirmers) {
      await api.confirmTransaction(hashes.hash, await c.signer.signTypedData(domain, types, message));
      step("confirm", true, `${c.address} signed and confirmed; the service accepted the signature`);
    }
    for (const owner of standIns) {
      await chain.send(owner, {
        to: safe,
        data: safeInterface("1.5.0").encodeFunctionData("approveHash", [hashes.hash]),
      });
      step("stand-in", true, `${owner} did not take part: approved the hash on the drill chain in its place`);
    }

    const collected = await api.getTransaction(hashes.hash);
    // The service's confirmations and the stand-ins' approved hashes, encoded as the Safe takes them.
    const signatures = encodeSignatures([
      ...(collected.confirmations ?? []).map(partFromConfirmation),
      ...standIns.map((owner) => ({
        type: "APPROVED_HASH" as const,
        owner,
        signature: prevalidatedSignatures([owner]),
      })),
    ]);
    const executor = standIns[0] ?? participants[0].address;
    let executed = false;
    let detail: string;
    try {
      const receipt = await chain.send(executor, {
        to: safe,
        data: safeInterface("1.5.0").encodeFunctionData("execTransaction", [...safeTxFields(tx), signatures]),
      });
      const nonce = (await readSafeState(provider, safe)).nonce;
      executed = nonce === state.nonce + 1n;
      detail = `executed with the collected signatures in ${receipt.hash}; the Safe's nonce on the drill chain is ${nonce}`;
    } catch (error) {
      detail = `the collected signatures did not execute it: ${(error as Error).message}`;
    }
    step("execute", executed, detail);
    report.ok = report.steps.every((s) => s.ok);
    report.outcome = {
      safeTxHash: hashes.hash,
      signedBy: participants.map((p) => p.address),
      standIns,
      threshold: state.threshold,
      drillChainId: chain.chainId,
    };
    return report;
  } finally {
    await service.close();
    await chain.close();
  }
}
