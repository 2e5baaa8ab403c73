import { expect } from "chai";
import { Wallet } from "ethers";
import hre from "hardhat";

import { ConfigError, readEnv } from "../../lib/config";
import { checkChain, ownerSigner } from "../../lib/signer";

const KEYS = ["PRIVATE_KEY", "MNEMONIC", "ACCOUNT_INDEX", "RPC_URL", "CHAIN_ID"] as const;
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
    expect((await withEnv({}, () => ownerSigner(hre, first.address))).source).to.equal("unlocked");
    const stranger = Wallet.createRandom().address;
    await withEnv({}, async () => {
      await expect(ownerSigner(hre, stranger)).to.be.rejectedWith(ConfigError, /not an unlocked account/);
    });
  });

  it("names the variables to set when there is no key", async function () {
    await withEnv({}, async () => {
      await expect(ownerSigner(hre)).to.be.rejectedWith(ConfigError, /set PRIVATE_KEY \(or MNEMONIC/);
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
