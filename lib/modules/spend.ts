import { Signature } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";

/** SpendingLimitModule's EIP-712 `Spend` (ISpendingLimitModule.SPEND_TYPEHASH), for relayed spends. */
export const SPEND_TYPES = {
  Spend: [
    { name: "safe", type: "address" },
    { name: "delegate", type: "address" },
    { name: "asset", type: "address" },
    { name: "to", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface SpendMessage {
  safe: string;
  delegate: string;
  asset: string;
  to: string;
  amount: bigint;
  /** The window's current relay nonce: SpendingLimitModule.getNonce(safe, delegate, asset). */
  nonce: bigint;
  deadline: bigint;
}

export function spendDomain(module: string, chainId: bigint): TypedDataDomain {
  return { name: "SpendingLimitModule", version: "1", chainId, verifyingContract: module };
}

/** The delegate's EIP-2098 compact signature (`r`, `vs`) of a relayed spend, as spendWithSignature takes it. */
export async function signSpend(
  delegate: Signer,
  domain: TypedDataDomain,
  message: SpendMessage,
): Promise<{ r: string; vs: string }> {
  const { r, yParityAndS } = Signature.from(await delegate.signTypedData(domain, SPEND_TYPES, message));
  return { r, vs: yParityAndS };
}
