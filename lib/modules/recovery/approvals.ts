import { getAddress, TypedDataEncoder, verifyTypedData } from "ethers";
import type { Provider, Signer, TypedDataDomain } from "ethers";

import { UserError } from "../../errors";
import { keyValues } from "../../format";
import type { GuardianSignatureInput, RecoveryProposal } from "./args";
import { recoveryContract } from "./contract";

/** The EIP-712 approval guardians sign: typed data, digest, signatures made here, and checks of collected ones. */

/** RecoveryModule's EIP-712 `Recovery` (RECOVERY_TYPEHASH); `address[]` hashes as the module's encodePacked does. */
export const RECOVERY_TYPES = {
  Recovery: [
    { name: "safe", type: "address" },
    { name: "newOwners", type: "address[]" },
    { name: "newThreshold", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

/** The module's EIP-712 name and version (its domain separator's). */
const RECOVERY_DOMAIN = { name: "RecoveryModule", version: "1" } as const;

export function recoveryDomain(module: string, chainId: bigint): TypedDataDomain {
  return { ...RECOVERY_DOMAIN, chainId, verifyingContract: getAddress(module) };
}

/** The digest guardians sign, as getRecoveryHash computes it. */
export function recoveryHash(module: string, chainId: bigint, proposal: RecoveryProposal): string {
  return TypedDataEncoder.hash(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal);
}

/** The typed data as any wallet's eth_signTypedData_v4 takes it (numbers as decimal strings). */
export function recoveryTypedData(module: string, chainId: bigint, proposal: RecoveryProposal) {
  return {
    domain: { ...RECOVERY_DOMAIN, chainId: chainId.toString(), verifyingContract: getAddress(module) },
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      ...RECOVERY_TYPES,
    },
    primaryType: "Recovery",
    message: {
      safe: proposal.safe,
      newOwners: proposal.newOwners,
      newThreshold: proposal.newThreshold.toString(),
      nonce: proposal.nonce.toString(),
    },
  };
}

/** A guardian's approval signature, as `recovery:approve --sign` writes it and `--signatures` reads it. */
export interface RecoveryApproval {
  module: string;
  chainId: string;
  safe: string;
  newOwners: string[];
  newThreshold: number;
  nonce: string;
  recoveryHash: string;
  guardian: string;
  signature: string;
  typedData: ReturnType<typeof recoveryTypedData>;
}

/** The guardian's EIP-712 signature of the proposal (checked against getRecoveryHash before it is handed out). */
export async function signRecoveryApproval(
  guardian: Signer,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
): Promise<RecoveryApproval> {
  const signature = await guardian.signTypedData(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal);
  return {
    module: getAddress(module),
    chainId: chainId.toString(),
    safe: proposal.safe,
    newOwners: proposal.newOwners,
    newThreshold: proposal.newThreshold,
    nonce: proposal.nonce.toString(),
    recoveryHash: recoveryHash(module, chainId, proposal),
    guardian: await guardian.getAddress(),
    signature,
    typedData: recoveryTypedData(module, chainId, proposal),
  };
}

/**
 * Refuses signatures that cannot count before anything is sent: a file for another proposal (owners, threshold or
 * nonce), a guardian twice, an EOA guardian whose signature recovers to someone else. Contract guardians (EIP-1271)
 * are left to the module.
 */
export async function checkSignatures(
  provider: Provider,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
  inputs: GuardianSignatureInput[],
): Promise<{ guardian: string; signature: string }[]> {
  const hash = recoveryHash(module, chainId, proposal);
  const seen = new Set<string>();
  for (const input of inputs) {
    if (input.recoveryHash !== undefined && input.recoveryHash.toLowerCase() !== hash.toLowerCase()) {
      throw new UserError(
        `--signatures: ${input.source} signs recovery ${input.recoveryHash}, not this one (${hash}): its owners, ` +
          "threshold or nonce differ (approvals of an older nonce are void: sign again).",
      );
    }
    if (seen.has(input.guardian)) throw new UserError(`--signatures: two signatures of ${input.guardian}.`);
    seen.add(input.guardian);
    if ((await provider.getCode(input.guardian)) === "0x") {
      let recovered: string;
      try {
        recovered = verifyTypedData(recoveryDomain(module, chainId), RECOVERY_TYPES, proposal, input.signature);
      } catch {
        throw new UserError(`--signatures: the signature given for ${input.guardian} is not a valid ECDSA signature.`);
      }
      if (recovered !== input.guardian) {
        throw new UserError(
          `--signatures: the signature given for ${input.guardian} was made by ${recovered}, for other data or by another key.`,
        );
      }
    }
  }
  return inputs.map(({ guardian, signature }) => ({ guardian, signature }));
}

/** The module's getRecoveryHash of the proposal, checked against the EIP-712 digest computed here. */
export async function checkedRecoveryHash(
  provider: Provider,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
): Promise<string> {
  const onChainHash = (await recoveryContract(module, provider).getRecoveryHash(
    proposal.safe,
    proposal.newOwners,
    proposal.newThreshold,
    proposal.nonce,
  )) as string;
  if (recoveryHash(module, chainId, proposal) !== onChainHash) {
    throw new Error("The approval's EIP-712 hash differs from the module's getRecoveryHash.");
  }
  return onChainHash;
}

/** `recovery:approve --export`: the proposal and its typed data, for a guardian's wallet that is not here. */
export function recoveryExport(module: string, chainId: bigint, proposal: RecoveryProposal, hash: string) {
  return {
    module,
    chainId: chainId.toString(),
    ...proposal,
    nonce: proposal.nonce.toString(),
    recoveryHash: hash,
    typedData: recoveryTypedData(module, chainId, proposal),
  };
}

/** signRecoveryApproval by `guardian`, refused with a UserError if it is not a guardian of the proposal's Safe. */
export async function signAsGuardian(
  guardian: Signer,
  provider: Provider,
  module: string,
  chainId: bigint,
  proposal: RecoveryProposal,
): Promise<RecoveryApproval> {
  const address = await guardian.getAddress();
  if (!(await recoveryContract(module, provider).isGuardian(proposal.safe, address))) {
    throw new UserError(`${address} is not a guardian of ${proposal.safe}: sign with a guardian's key.`);
  }
  return signRecoveryApproval(guardian, module, chainId, proposal);
}

/** The human layout of an --export written to `out`. */
export function formatRecoveryExport(exported: { recoveryHash: string }, out: string): string {
  return keyValues([
    ["recovery", exported.recoveryHash],
    ["written to", out],
    ["then", "the guardian signs typedData (eth_signTypedData_v4); submit with --signatures guardian:0xsig"],
  ]);
}

/** The human layout of a signed approval, printed (or written to `out`) for whoever submits it. */
export function formatRecoveryApproval(approval: RecoveryApproval, out?: string): string {
  return keyValues([
    ["signed by", approval.guardian],
    ["recovery", approval.recoveryHash],
    ["new owners", `${approval.newOwners.join(", ")} (threshold ${approval.newThreshold})`],
    ["nonce", approval.nonce],
    [out ? "written to" : "signature", out ?? approval.signature],
    ["then", `recovery:approve ... --signatures ${out ?? `${approval.guardian}:<signature>`} (anyone sends it)`],
  ]);
}
