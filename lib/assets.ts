import { Contract, getAddress, isAddress, parseUnits, ZeroAddress } from "ethers";
import type { Provider } from "ethers";

import { UserError } from "./errors";
import { formatAmount } from "./format";
import { erc20Interface } from "./abi";

/**
 * Assets as people name them in task arguments: "ETH", a token address, or the symbol of a token the Safe's
 * configuration already names (a cap, an allowance). A symbol is never looked up anywhere else: anyone can deploy a
 * token called USDC, so an unknown symbol, or one that two known tokens share, is refused and the address asked for.
 */

export interface Asset {
  /** ZeroAddress for ETH. */
  address: string;
  symbol: string;
  decimals: number;
}

export const ETH: Asset = { address: ZeroAddress, symbol: "ETH", decimals: 18 };

/** The asset's symbol and decimals read from the chain (ETH for address(0)), or undefined if it has no symbol(). */
export async function assetInfo(provider: Provider, address: string): Promise<Asset | undefined> {
  if (getAddress(address) === ZeroAddress) return ETH;
  const token = new Contract(address, erc20Interface, provider);
  const [symbol, decimals] = await Promise.all([
    token.symbol().catch(() => undefined),
    token.decimals().catch(() => undefined),
  ]);
  if (symbol === undefined) return undefined;
  // An ERC721 collection answers symbol() but not decimals(): the guard counts its tokens one by one.
  return {
    address: getAddress(address),
    symbol: String(symbol),
    decimals: decimals === undefined ? 0 : Number(decimals),
  };
}

/** Like assetInfo, for display: an asset that does not answer gets its address as symbol and 0 decimals. */
export async function describeAsset(provider: Provider, address: string): Promise<Asset> {
  return (await assetInfo(provider, address)) ?? { address: getAddress(address), symbol: address, decimals: 0 };
}

/**
 * Resolves `--name value`: "ETH", a token address (which must answer symbol() and decimals()), or the symbol of one
 * of `known` (addresses the Safe's configuration names, or a function that reads them, called only for a symbol),
 * case-insensitively.
 */
export async function resolveAsset(
  provider: Provider,
  value: string,
  name: string,
  known: Iterable<string> | (() => Promise<Iterable<string>>) = [],
): Promise<Asset> {
  const text = value.trim();
  if (text.toUpperCase() === "ETH") return ETH;
  const symbol: string = text; // (isAddress narrows `text` below)
  if (isAddress(text)) {
    const info = await assetInfo(provider, text);
    if (!info) {
      throw new UserError(
        `--${name} ${text} does not answer symbol() and decimals(): it is not an ERC20 on this chain.`,
      );
    }
    return info;
  }
  if (/^0x/i.test(symbol)) throw new UserError(`--${name} ${symbol} is not an address (0x + 40 hex digits).`);
  const tokens = (
    await Promise.all(
      [...new Set([...(typeof known === "function" ? await known() : known)].map((a) => getAddress(a)))]
        .filter((a) => a !== ZeroAddress)
        .map((a) => assetInfo(provider, a)),
    )
  ).filter((t): t is Asset => t !== undefined);
  const matches = tokens.filter((t) => t.symbol.toLowerCase() === symbol.toLowerCase());
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new UserError(
      `--${name} ${symbol} is ambiguous: ${matches.map((m) => m.address).join(", ")} all call themselves ${symbol}. ` +
        "Give the token's address.",
    );
  }
  const names = tokens.map((t) => `${t.symbol} (${t.address})`).join(", ");
  throw new UserError(
    `--${name} ${symbol}: unknown token symbol. Give "ETH" or the token's address` +
      (names ? `; the tokens this Safe's configuration names are ${names}.` : "."),
  );
}

/** `--name value` as a non-negative amount in the asset's units (e.g. 1.5), in base units. */
export function parseAmount(value: string, asset: Asset, name: string, options: { allowZero?: boolean } = {}): bigint {
  const text = value.trim();
  const fraction = text.split(".")[1] ?? "";
  if (!/^\d+(\.\d+)?$/.test(text) || fraction.length > asset.decimals) {
    throw new UserError(
      `--${name} ${value} is not an amount of ${asset.symbol}: give a plain decimal number of ${asset.symbol} ` +
        `(e.g. 1.5) with at most ${asset.decimals} decimals.`,
    );
  }
  const amount = parseUnits(text, asset.decimals);
  if (amount === 0n && !options.allowZero) throw new UserError(`--${name} must be more than 0 ${asset.symbol}.`);
  return amount;
}

export const formatAsset = (amount: bigint, asset: Asset) => formatAmount(amount, asset.decimals, asset.symbol);
