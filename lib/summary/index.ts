import { Contract, getAddress, ZeroAddress } from "ethers";
import type { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { formatAmount } from "../format";
import { describeVerdict, type Verdict } from "../guard/policy";
import { canonicalAddresses, DEFAULT_SAFE_VERSION, isSafeVersion } from "../safe/canonical";
import { safeInterface } from "../safe/create";
import { safeTxHashes } from "../safe/hashes";
import { decodeCalls, type DecodedCall } from "./decode";
import { AddressBook } from "./names";
import { simulate, simulateWithAccessor, type Simulation } from "./simulate";
import type { SafeTxFields } from "./types";
import { recipientsOf, warningsFor, type Warning } from "./warnings";

export type { DecodedCall, SafeTxFields, Simulation, Warning };
export { formatSummary } from "./format";

/** keccak256("guard_manager.guard.address") */
const GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8";

/** What a signer sees before signing (propose, confirm, reject, export): the five parts of the summary. */
export interface SignerSummary {
  safe: string;
  chainId: bigint;
  version: string;
  /** 1. The calls the Safe will make, decoded. */
  calls: DecodedCall[];
  /** 2. Warnings in words. */
  warnings: Warning[];
  /** 3. The guard's verdict (its on-chain classify view) and what each capped asset has left after it. */
  verdict:
    | (Verdict & { remainingAfter: { asset: string; symbol: string; text: string; remaining: bigint | null }[] })
    | { unavailable: string };
  /** 4. The transaction run on a copy of the chain. */
  simulation: Simulation | { unavailable: string };
  /** 5. The hashes a hardware wallet shows (EIP-712: domain hash and message hash) and the Safe transaction hash. */
  hashes: { safeTxHash: string; domainHash: string; messageHash: string };
}

export interface SummaryOptions {
  /** Addresses the Safe paid before (the service's history); without it, "never paid before" is not judged. */
  paidBefore?: Set<string>;
  /** Run the simulation (default true); "accessor" runs only the offline SimulateTxAccessor fallback. */
  simulate?: boolean | "accessor";
}

/** Builds the summary of a Safe transaction of `safe` on the selected network. Reads only; sends nothing. */
export async function buildSummary(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  tx: SafeTxFields,
  options: SummaryOptions = {},
): Promise<SignerSummary> {
  const provider = hre.ethers.provider;
  const safeContract = new Contract(safe, safeInterface("1.5.0"), provider);
  const [owners, threshold, version, { chainId }] = await Promise.all([
    safeContract.getOwners() as Promise<string[]>,
    safeContract.getThreshold() as Promise<bigint>,
    safeContract.VERSION() as Promise<string>,
    provider.getNetwork(),
  ]);
  const book = await AddressBook.create(hre, safe, owners);
  const guardAddress = getAddress("0x" + (await provider.getStorage(safe, GUARD_SLOT)).slice(26));
  const guard =
    guardAddress === ZeroAddress ? undefined : await hre.ethers.getContractAt("TreasuryGuard", guardAddress);
  if (guard) {
    book.add(guardAddress, "TreasuryGuard (this Safe's guard)", "toolkit");
    if (!book.interfaces.has(guardAddress.toLowerCase()))
      book.interfaces.set(guardAddress.toLowerCase(), guard.interface);
  }
  for (const paid of options.paidBefore ?? []) book.add(paid, "paid before", "recipient");

  const calls = await decodeCalls(tx, book, safe);
  const warnings = await warningsFor(calls, {
    safe,
    book,
    gasPrice: tx.gasPrice,
    gasToken: tx.gasToken,
    refundReceiver: tx.refundReceiver,
    isWhitelisted: guard ? (a) => guard.isRecipient(safe, a).catch(() => false) : undefined,
    paidBefore: options.paidBefore,
  });

  let verdict: SignerSummary["verdict"] = { unavailable: "the Safe has no guard" };
  if (guard) {
    try {
      const [v, reason, outflows] = await guard.classify(safe, tx.to, tx.value, tx.data, tx.operation, tx.gasPrice);
      const described = describeVerdict({ verdict: v, reason, outflows });
      const remainingAfter = [];
      for (const o of described.outflows) {
        const available = (await guard.remaining(safe, o.asset)).available;
        const left = available >= o.amount ? available - o.amount : null;
        const token = o.asset === ZeroAddress ? { symbol: "ETH", decimals: 18 } : await book.token(o.asset);
        const fmt = (x: bigint) => (token ? formatAmount(x, token.decimals, token.symbol) : `${x} base units`);
        remainingAfter.push({
          asset: o.asset,
          symbol: token?.symbol ?? o.asset,
          remaining: left,
          text: left === null ? `over the cap: only ${fmt(available)} left now` : `${fmt(left)} left afterwards`,
        });
      }
      verdict = { ...described, remainingAfter };
    } catch (e) {
      verdict = { unavailable: `the guard at ${guardAddress} did not classify it (${(e as Error).message})` };
    }
  }

  let simulation: SignerSummary["simulation"] = { unavailable: "not requested" };
  if (options.simulate !== false) {
    try {
      const accounts = calls.flatMap(recipientsOf);
      const tokens = calls.filter((c) => c.signature && (book.get(c.to)?.kind ?? "token") === "token").map((c) => c.to);
      const decoders = [...book.interfaces.values()];
      const run =
        options.simulate === "accessor"
          ? await accessorSimulation(hre, safe, version, tx, decoders)
          : await simulate(
              hre,
              { safe, tx, owners: owners.slice(0, Number(threshold)), accounts, tokens },
              decoders,
            ).catch(
              // No fork to be had (the RPC refuses, or is offline): Safe's accessor still gives success and gas.
              (forkError: Error) =>
                accessorSimulation(hre, safe, version, tx, decoders).catch(() => Promise.reject(forkError)),
            );
      // Every balance change in the asset's units and symbol, as the signer compares it with the intent.
      for (const b of run.balances) {
        const token = b.asset === ZeroAddress ? { symbol: "ETH", decimals: 18 } : await book.token(b.asset);
        const sign = b.delta > 0n ? "+" : "-";
        const size = b.delta < 0n ? -b.delta : b.delta;
        b.text = sign + (token ? formatAmount(size, token.decimals, token.symbol) : `${size} base units of ${b.asset}`);
      }
      simulation = run;
    } catch (e) {
      simulation = { unavailable: `the simulation could not run: ${(e as Error).message}` };
    }
  }

  return {
    safe: getAddress(safe),
    chainId,
    version,
    calls,
    warnings,
    verdict,
    simulation,
    hashes: hashesOf(safe, version, chainId, tx),
  };
}

function accessorSimulation(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  version: string,
  tx: SafeTxFields,
  decoders: Interface[],
) {
  const accessor = canonicalAddresses(isSafeVersion(version) ? version : DEFAULT_SAFE_VERSION).simulateTxAccessor;
  return simulateWithAccessor(hre.ethers.provider, safe, accessor, tx, decoders);
}

/** The EIP-712 hashes of a SafeTx (lib/safe/hashes), as the summary shows them. */
export function hashesOf(safe: string, version: string, chainId: bigint, tx: SafeTxFields): SignerSummary["hashes"] {
  const { hash, domainHash, messageHash } = safeTxHashes(safe, version, chainId, tx);
  return { safeTxHash: hash, domainHash, messageHash };
}
