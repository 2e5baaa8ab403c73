import { Contract, getAddress, isAddress, Signature, verifyTypedData } from "ethers";
import type { Provider, Signer } from "ethers";

import { describeAsset, formatAsset } from "../../assets";
import { UserError } from "../../errors";
import { explainRevert, revertData } from "../../revert";
import { signSpend, spendDomain, SPEND_TYPES } from "../spend";
import { spendingLimitViews } from "../../abi";

/** The delegate's own spends, direct or signed for a relayer (EIP-712), and what a refused one means. */

/** A sentence for a failed spend: the module's error by name with amounts in the asset's units, or the guard's. */
export async function explainSpendError(provider: Provider, error: unknown): Promise<string> {
  const data = revertData(error);
  const parsed = data ? spendingLimitViews.parseError(data) : null;
  if (!parsed || parsed.name === "Error" || parsed.name === "Panic") {
    return explainRevert(error, [spendingLimitViews]);
  }
  const a = parsed.args;
  const amount = async (asset: string, value: bigint) => formatAsset(value, await describeAsset(provider, asset));
  switch (parsed.name) {
    case "AllowanceExceeded":
      return `AllowanceExceeded: ${await amount(a.asset, a.requested)} is more than the ${await amount(a.asset, a.available)} ${a.delegate} may still spend now (allowance:show says when it grows).`;
    case "NoAllowance":
      return `NoAllowance: ${a.delegate} has no allowance of ${a.asset} on ${a.safe}.`;
    case "UnknownDelegate":
      return `UnknownDelegate: ${a.delegate} has no allowance at all on ${a.safe}.`;
    case "RecipientNotAllowed":
      return `RecipientNotAllowed: ${a.delegate} may not pay ${a.recipient} (neither its own whitelist nor the Safe's registry has it).`;
    case "SignatureExpired":
      return `SignatureExpired: the signature was valid until ${new Date(Number(a.deadline) * 1000).toISOString()}.`;
    case "InvalidSignature":
      return `InvalidSignature: the signature recovers to ${a.signer}, not to the delegate ${a.delegate} (or another spend ran since it was signed).`;
    default:
      return `${parsed.name}(${a.map(String).join(", ")})`;
  }
}

async function sent(provider: Provider, send: () => Promise<{ hash: string; wait(): Promise<unknown> }>) {
  try {
    const tx = await send();
    await tx.wait();
    return { transactionHash: tx.hash };
  } catch (error) {
    throw new UserError(`The spend was refused; nothing moved: ${await explainSpendError(provider, error)}`);
  }
}

export interface SpendRequest {
  safe: string;
  asset: string;
  to: string;
  amount: bigint;
}

/** The delegate (`sender`) spends directly. */
export async function spendDirect(module: Contract, sender: Signer, request: SpendRequest) {
  const m = module.connect(sender) as Contract;
  return sent(module.runner!.provider!, () => m.spend(request.safe, request.asset, request.to, request.amount));
}

/** A relayed spend as the delegate signed it: everything spendWithSignature needs, and the EIP-712 domain's parts. */
export interface SignedSpend extends SpendRequest {
  module: string;
  chainId: bigint;
  delegate: string;
  nonce: bigint;
  deadline: bigint;
  /** EIP-2098 compact signature. */
  r: string;
  vs: string;
}

/** The delegate signs a spend for a relayer: the window's current nonce, valid for `validFor` seconds from now. */
export async function signRelayedSpend(
  module: Contract,
  delegate: Signer,
  request: SpendRequest,
  validFor: number,
): Promise<SignedSpend> {
  const provider = module.runner!.provider!;
  const [address, { chainId }, latest] = await Promise.all([
    module.getAddress(),
    provider.getNetwork(),
    provider.getBlock("latest"),
  ]);
  const delegateAddress = getAddress(await delegate.getAddress());
  const nonce = (await module.getNonce(request.safe, delegateAddress, request.asset)) as bigint;
  const deadline = BigInt(latest!.timestamp + validFor);
  const message = { ...request, delegate: delegateAddress, nonce, deadline };
  const { r, vs } = await signSpend(delegate, spendDomain(address, chainId), message);
  return { module: address, chainId, ...message, r, vs };
}

/** Reads the JSON that `allowance:spend --relay` writes, or a UserError saying which field is wrong. */
export function parseSignedSpend(text: string, source: string): SignedSpend {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(
      `${source} is not JSON (${(error as Error).message}): give the file allowance:spend --relay wrote.`,
    );
  }
  const field = (name: string, check: (v: string) => boolean, what: string): string => {
    const v = raw[name];
    if (typeof v !== "string" || !check(v)) throw new UserError(`${source}: "${name}" must be ${what}.`);
    return v;
  };
  const addr = (name: string) => getAddress(field(name, isAddress, "an address"));
  const uint = (name: string) => BigInt(field(name, (v) => /^\d+$/.test(v), "a decimal integer"));
  const word = (name: string) => field(name, (v) => /^0x[0-9a-fA-F]{64}$/.test(v), "32 bytes of hex");
  return {
    module: addr("module"),
    chainId: uint("chainId"),
    safe: addr("safe"),
    delegate: addr("delegate"),
    asset: addr("asset"),
    to: addr("to"),
    amount: uint("amount"),
    nonce: uint("nonce"),
    deadline: uint("deadline"),
    r: word("r"),
    vs: word("vs"),
  };
}

/** The compact (r, vs) form of a 65-byte or 64-byte signature given on the command line. */
export function compactSignature(signature: string, name: string): { r: string; vs: string } {
  try {
    const s = Signature.from(signature);
    return { r: s.r, vs: s.yParityAndS };
  } catch {
    throw new UserError(`--${name} is not a signature (0x + 130 hex digits, or 128 for the compact form).`);
  }
}

/**
 * A relayer submits a delegate's signed spend, after checking it here: this chain and module, not expired, signed
 * with the window's current nonce (no other spend of the asset ran since), and recovering to the delegate.
 */
export async function relaySpend(module: Contract, relayer: Signer, signed: SignedSpend) {
  const provider = module.runner!.provider!;
  const [address, { chainId }, latest] = await Promise.all([
    module.getAddress(),
    provider.getNetwork(),
    provider.getBlock("latest"),
  ]);
  if (signed.chainId !== chainId || getAddress(signed.module) !== address) {
    throw new UserError(
      `The signature is for module ${signed.module} on chain ${signed.chainId}, not ${address} on chain ${chainId}.`,
    );
  }
  if (signed.deadline <= BigInt(latest!.timestamp)) {
    throw new UserError(`The signature expired at ${new Date(Number(signed.deadline) * 1000).toISOString()}.`);
  }
  const nonce = (await module.getNonce(signed.safe, signed.delegate, signed.asset)) as bigint;
  if (nonce !== signed.nonce) {
    throw new UserError(
      "The signature is void: another spend of this asset by the delegate ran since it was signed (or the Safe " +
        "revoked the allowance). Ask the delegate for a new one.",
    );
  }
  const { module: _m, chainId: _c, r, vs, ...message } = signed;
  void _m;
  void _c;
  const signer = verifyTypedData(
    spendDomain(address, chainId),
    SPEND_TYPES,
    message,
    Signature.from({ r, yParityAndS: vs }),
  );
  if (getAddress(signer) !== signed.delegate) {
    throw new UserError(
      `The signature recovers to ${signer}, not to the delegate ${signed.delegate}: it was made by someone else, ` +
        "or for other arguments (safe, asset, to, amount, deadline). Nothing was sent.",
    );
  }
  const m = module.connect(relayer) as Contract;
  return sent(provider, () =>
    m.spendWithSignature(
      signed.safe,
      signed.delegate,
      signed.asset,
      signed.to,
      signed.amount,
      signed.deadline,
      signed.r,
      signed.vs,
    ),
  );
}
