import { expect } from "chai";
import { getAddress, TypedDataEncoder, verifyTypedData, Wallet } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";
import hre from "hardhat";

import { ConfigError, readEnv } from "../../lib/config";
import { protocolKit } from "../../lib/safe/kit";
import { accountSigner, checkChain, ownerSigner } from "../../lib/signer";
import { deployTestSafe } from "../fixtures/safe";

const KEYS = ["PRIVATE_KEY", "MNEMONIC", "ACCOUNT_INDEX", "RPC_URL", "CHAIN_ID", "LEDGER_ACCOUNT"] as const;
const MNEMONIC = "test test test test test test test test test test test junk";

/** Runs `fn` with the given variables set (and the signer variables otherwise unset), then restores them. */
async function withEnv<T>(vars: Partial<Record<(typeof KEYS)[number], string>>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe("lib/signer", function () {
  it("signs with PRIVATE_KEY, and describes it by address only", async function () {
    const wallet = Wallet.createRandom();
    const signer = await withEnv({ PRIVATE_KEY: wallet.privateKey.slice(2) }, () => ownerSigner(hre));
    expect(signer).to.deep.equal({ address: wallet.address, kitSigner: wallet.privateKey, source: "PRIVATE_KEY" });
  });

  it("derives MNEMONIC's account ACCOUNT_INDEX (m/44'/60'/0'/0/i)", async function () {
    const [, second] = await hre.ethers.getSigners();
    const signer = await withEnv({ MNEMONIC, ACCOUNT_INDEX: "1" }, () => ownerSigner(hre));
    expect(signer.address).to.equal(second.address);
    expect(signer.source).to.equal("MNEMONIC");
  });

  it("uses an unlocked account on a local network, and refuses one the node does not have", async function () {
    const [first] = await hre.ethers.getSigners();
    expect((await withEnv({}, () => ownerSigner(hre, { unlocked: first.address }))).source).to.equal("unlocked");
    const stranger = Wallet.createRandom().address;
    await withEnv({}, async () => {
      await expect(ownerSigner(hre, { unlocked: stranger })).to.be.rejectedWith(ConfigError, /not an unlocked account/);
    });
  });

  it("--ledger: names LEDGER_ACCOUNT when it is unset, and refuses a network that does not list it", async function () {
    const [first] = await hre.ethers.getSigners();
    await withEnv({}, async () => {
      await expect(ownerSigner(hre, { ledger: true })).to.be.rejectedWith(ConfigError, /--ledger needs LEDGER_ACCOUNT/);
    });
    await withEnv({ LEDGER_ACCOUNT: first.address }, async () => {
      await expect(ownerSigner(hre, { ledger: true })).to.be.rejectedWith(
        ConfigError,
        /is not a Ledger account of the hardhat network/,
      );
    });
    expect(() => readEnv({ LEDGER_ACCOUNT: "ledger" })).to.throw(ConfigError, /LEDGER_ACCOUNT must be the address/);
  });

  it("--ledger: the SafeTx reaches the device boundary as one eth_signTypedData_v4 of its EIP-712 data", async function () {
    // hardhat-ledger answers eth_signTypedData_v4 for its ledgerAccounts from the device. Here the network lists an
    // account the node holds, so the node answers in the device's place: everything up to the USB transport runs.
    const { address: safe, owners } = await deployTestSafe({ ownerCount: 2, saltNonce: 0x1ed9e7n, fund: 0n });
    const [first, second] = owners;
    const config = hre.network.config as { ledgerAccounts?: string[] };
    const provider = hre.network.provider;
    const original = provider.request.bind(provider);
    const requests: { method: string; params?: unknown }[] = [];
    config.ledgerAccounts = [first.address];
    provider.request = (args) => (requests.push(args as never), original(args));
    try {
      const signer = await withEnv({ LEDGER_ACCOUNT: first.address }, () => ownerSigner(hre, { ledger: true }));
      expect(signer).to.deep.equal({ address: first.address, kitSigner: first.address, source: "ledger" });
      const kit = await protocolKit(hre, safe, { signer: signer.kitSigner });
      const tx = await kit.createTransaction({ transactions: [{ to: second.address, value: "1", data: "0x" }] });
      const signed = await kit.signTransaction(tx);
      const safeTxHash = await kit.getTransactionHash(tx);
      const signing = requests.filter((r) => r.method.startsWith("eth_sign") || r.method === "personal_sign");
      expect(signing.map((r) => r.method)).to.deep.equal(["eth_signTypedData_v4"]);
      const [account, json] = signing[0].params as [string, string];
      expect(getAddress(account)).to.equal(first.address);
      const typed = JSON.parse(json) as {
        domain: TypedDataDomain;
        types: Record<string, TypedDataField[]>;
        message: Record<string, unknown>;
      };
      const { EIP712Domain: _domain, ...types } = typed.types;
      void _domain;
      expect(TypedDataEncoder.hash(typed.domain, types, typed.message)).to.equal(safeTxHash);
      expect(verifyTypedData(typed.domain, types, typed.message, signed.getSignature(first.address)!.data)).to.equal(
        first.address,
      );
    } finally {
      provider.request = original;
      delete config.ledgerAccounts;
    }
  });

  it("names the variables to set when there is no key", async function () {
    await withEnv({}, async () => {
      await expect(ownerSigner(hre)).to.be.rejectedWith(ConfigError, /set PRIVATE_KEY \(or MNEMONIC/);
      await expect(ownerSigner(hre)).to.be.rejectedWith(/^No owner key to sign with/);
      // A delegate or relayer signs from the same sources; the message names its role.
      await expect(accountSigner(hre, {}, "delegate")).to.be.rejectedWith(ConfigError, /^No delegate key to sign with/);
    });
  });

  it("refuses ambiguous or incomplete key settings, naming them", function () {
    const key = Wallet.createRandom().privateKey;
    expect(() => readEnv({ PRIVATE_KEY: key, MNEMONIC })).to.throw(ConfigError, /Both PRIVATE_KEY and MNEMONIC/);
    expect(() => readEnv({ ACCOUNT_INDEX: "2" })).to.throw(ConfigError, /ACCOUNT_INDEX is set but MNEMONIC is not/);
    expect(() => readEnv({ PRIVATE_KEY: "0x1234" })).to.throw(ConfigError, /PRIVATE_KEY must be 32 bytes/);
    expect(() => readEnv({ MNEMONIC: "two words" })).to.throw(ConfigError, /MNEMONIC must have 12 to 24 words/);
    expect(() => readEnv({ CHAIN_ID: "1" })).to.throw(ConfigError, /CHAIN_ID is set but RPC_URL is not/);
  });

  it("checks the chain behind RPC_URL against CHAIN_ID on the remote network", async function () {
    const remote = { ...hre, network: { ...hre.network, name: "remote" } } as typeof hre;
    await withEnv({ RPC_URL: "http://127.0.0.1:1", CHAIN_ID: "1" }, async () => {
      await expect(checkChain(remote)).to.be.rejectedWith(ConfigError, /serves chain 31337 but CHAIN_ID says 1/);
    });
    await withEnv({ RPC_URL: "http://127.0.0.1:1", CHAIN_ID: "31337" }, async () => {
      expect(await checkChain(remote)).to.equal(31337n);
    });
  });
});
