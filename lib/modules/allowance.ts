import type { MetaTransactionData } from "@safe-global/types-kit";
import { Contract, getAddress, isAddress, Signature, verifyTypedData, zeroPadValue } from "ethers";
import type { Provider, Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { describeAsset, formatAsset } from "../assets";
import { UserError } from "../errors";
import { treasuryGuardViews } from "../guard/install";
import { explainRevert, revertData } from "../revert";
import { SAFE_SLOTS } from "../safe/state";
import { toolkitAddress } from "../toolkit";
import { spendingLimitInterface, spendingLimitViews } from "./install";
import { signSpend, spendDomain, SPEND_TYPES } from "./spend";

/**
 * Delegates' allowances on the SpendingLimitModule: what the Safe grants (Safe transactions, proposed through the one
 * propose path), what a delegate has left, and the delegate's own spends, direct or signed for a relayer (EIP-712).
 */

const safeModules = ["function isModuleEnabled(address module) view returns (bool)"];

/** The SpendingLimitModule (`module`, default the toolkit's singleton) as `safe` has it enabled, or a UserError. */
export async function spendingModule(hre: HardhatRuntimeEnvironment, safe: string, module?: string): Promise<Contract> {
  const address = getAddress(module ?? (await toolkitAddress(hre, "SpendingLimitModule")));
  const provider = hre.ethers.provider;
  let enabled = false;
  try {
    enabled = (await new Contract(safe, safeModules, provider).isModuleEnabled(address)) as boolean;
  } catch {
    throw new UserError(`${safe} does not answer isModuleEnabled: it is not a Safe on this chain.`);
  }
  if (!enabled) {
    throw new UserError(
      `The SpendingLimitModule ${address} is not enabled on Safe ${safe}: enable it first, or pass --module with ` +
        "the module the Safe uses.",
    );
  }
  return new Contract(address, spendingLimitViews, provider);
}

export interface AllowanceView {
  delegate: string;
  asset: string;
  symbol: string;
  decimals: number;
  /** Per rolling 24 hours, as the module stores it (rounded down to 8 significant digits). */
  allowance: bigint;
  /** What the window counts now. */
  spent: bigint;
  /** What the delegate can spend now. */
  available: bigint;
  /** When `available` next grows if nothing more is spent (unix seconds), or null if it never does. */
  nextIncreaseAt: number | null;
}

async function allowanceLogs(provider: Provider, module: string, safe: string, delegate?: string, fromBlock = 0) {
  const topics = [
    spendingLimitViews.getEvent("AllowanceChanged")!.topicHash,
    zeroPadValue(safe, 32),
    ...(delegate ? [zeroPadValue(delegate, 32)] : []),
  ];
  let logs;
  try {
    logs = await provider.getLogs({ address: module, fromBlock, toBlock: "latest", topics });
  } catch (error) {
    throw new UserError(
      `The node refused the module's events from block ${fromBlock} (${(error as Error).message.slice(0, 200)}): ` +
        "pass --from-block with the block the module was enabled in.",
    );
  }
  return logs.map((l) => spendingLimitViews.parseLog(l)!).filter(Boolean);
}

/** Assets the Safe's allowances and guard caps name, for resolving a token symbol. */
export async function allowanceAssets(provider: Provider, module: Contract, safe: string, fromBlock = 0) {
  const assets = (await allowanceLogs(provider, await module.getAddress(), safe, undefined, fromBlock)).map(
    (l) => l.args[2] as string,
  );
  const guard = getAddress("0x" + (await provider.getStorage(safe, SAFE_SLOTS.guard)).slice(26));
  try {
    assets.push(...((await new Contract(guard, treasuryGuardViews, provider).getCappedAssets(safe)) as string[]));
  } catch {
    // No TreasuryGuard: the allowances' assets are all there is.
  }
  return [...new Set(assets.map((a) => getAddress(a)))];
}

/** The current (non-zero) allowances of `safe`, or of one delegate, with what is left now. */
export async function readAllowances(
  provider: Provider,
  module: Contract,
  safe: string,
  options: { delegate?: string; fromBlock?: number } = {},
): Promise<{ safe: string; module: string; recipientRegistry: string; allowances: AllowanceView[] }> {
  const address = await module.getAddress();
  const logs = await allowanceLogs(provider, address, safe, options.delegate, options.fromBlock);
  const pairs = new Map<string, [string, string]>();
  for (const l of logs) {
    const [delegate, asset] = [getAddress(l.args[1]), getAddress(l.args[2])];
    pairs.set(`${delegate}/${asset}`, [delegate, asset]);
  }
  const allowances = (
    await Promise.all(
      [...pairs.values()].map(async ([delegate, asset]): Promise<AllowanceView> => {
        const [[allowance, spent, available, next], info] = await Promise.all([
          module.getAllowance(safe, delegate, asset) as Promise<[bigint, bigint, bigint, bigint]>,
          describeAsset(provider, asset),
        ]);
        return {
          delegate,
          asset,
          symbol: info.symbol,
          decimals: info.decimals,
          allowance,
          spent,
          available,
          nextIncreaseAt: next === 0n ? null : Number(next),
        };
      }),
    )
  ).filter((a) => a.allowance > 0n);
  return {
    safe: getAddress(safe),
    module: address,
    recipientRegistry: (await module.recipientRegistry(safe)) as string,
    allowances,
  };
}

/**
 * The Safe call that sets `delegate`'s allowance of `asset` to `amount`: lowerAllowance when it does not raise it
 * (a selector the TreasuryGuard trusts, so it stays instant), setAllowance when it does (queued under the guard).
 */
export async function allowanceChange(
  module: Contract,
  safe: string,
  delegate: string,
  asset: string,
  amount: bigint,
): Promise<{ transaction: MetaTransactionData; method: "setAllowance" | "lowerAllowance"; current: bigint }> {
  const [current] = (await module.getAllowance(safe, delegate, asset)) as [bigint];
  const method = amount <= current ? "lowerAllowance" : "setAllowance";
  return {
    transaction: {
      to: await module.getAddress(),
      value: "0",
      data: spendingLimitInterface.encodeFunctionData(method, [delegate, asset, amount]),
    },
    method,
    current,
  };
}

/**
 * Revoking is lowerAllowance(delegate, asset, 0): instant under the guard, and the module voids every outstanding
 * signature of the delegate for the asset for good (SignaturesInvalidated), so a relayer holding one cannot use it
 * even if the allowance is granted again.
 */
export async function revokeChange(module: Contract, safe: string, delegate: string, asset: string) {
  const change = await allowanceChange(module, safe, delegate, asset, 0n);
  if (change.current === 0n) {
    throw new UserError(`${delegate} has no allowance of this asset on ${safe}: there is nothing to revoke.`);
  }
  return change;
}

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

/**
 * The allowances as a part of `safe:info` (lib/info InfoPart): "delegate/asset" -> allowance in base units for
 * `--check`, and what is spent and left now. Nothing for a Safe without the toolkit's SpendingLimitModule.
 */
export async function allowanceInfo(
  hre: HardhatRuntimeEnvironment,
  info: { configuration: { safe: string } },
): Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }> {
  const safe = info.configuration.safe;
  let module: Contract;
  try {
    module = await spendingModule(hre, safe);
  } catch (error) {
    if (error instanceof UserError) return {};
    throw error;
  }
  const view = await readAllowances(hre.ethers.provider, module, safe);
  const key = (a: AllowanceView) => `${a.delegate}/${a.asset}`;
  return {
    configuration: {
      allowances: {
        module: view.module,
        recipientRegistry: view.recipientRegistry,
        ...Object.fromEntries(view.allowances.map((a) => [key(a), a.allowance.toString()])),
      },
    },
    state: {
      allowancesLeft: view.allowances.map((a) => ({
        delegate: a.delegate,
        asset: a.asset,
        symbol: a.symbol,
        spent: a.spent.toString(),
        available: a.available.toString(),
        nextIncreaseAt: a.nextIncreaseAt,
      })),
    },
  };
}
