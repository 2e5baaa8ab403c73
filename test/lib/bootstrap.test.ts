import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { keccak256 } from "ethers";
import hre from "hardhat";

import { bootstrapSafeContracts } from "../../lib/bootstrap";
import { forkInfo } from "../../lib/chain";
import { BOOTSTRAP_SET, canonicalContract, SAFE_VERSIONS, SINGLETON_FACTORY } from "../../lib/safe/canonical";
import * as deployments from "@safe-global/safe-deployments";

// The addresses Safe publishes, written out so that a wrong registry lookup cannot hide a wrong deployment.
const EXPECTED: Record<string, string> = {
  "1.5.0/safe": "0xFf51A5898e281Db6DfC7855790607438dF2ca44b",
  "1.5.0/safeL2": "0xEdd160fEBBD92E350D4D398fb636302fccd67C7e",
  "1.5.0/safeProxyFactory": "0x14F2982D601c9458F93bd70B218933A6f8165e7b",
  "1.5.0/multiSend": "0x218543288004CD07832472D464648173c77D7eB7",
  "1.5.0/multiSendCallOnly": "0xA83c336B20401Af773B6219BA5027174338D1836",
  "1.5.0/compatibilityFallbackHandler": "0x3EfCBb83A4A7AfcB4F68D501E2c2203a38be77f4",
  "1.5.0/signMessageLib": "0x4FfeF8222648872B3dE295Ba1e49110E61f5b5aa",
  "1.5.0/createCall": "0x2Ef5ECfbea521449E4De05EDB1ce63B75eDA90B4",
  "1.5.0/simulateTxAccessor": "0x07EfA797c55B5DdE3698d876b277aBb6B893654C",
  "1.5.0/safeMigration": "0x6439e7ABD8Bb915A5263094784C5CF561c4172AC",
  "1.4.1/safe": "0x41675C099F32341bf84BFc5382aF534df5C7461a",
  "1.4.1/safeL2": "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762",
  "1.4.1/safeProxyFactory": "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67",
  "1.4.1/multiSend": "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
  "1.4.1/multiSendCallOnly": "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
  "1.4.1/compatibilityFallbackHandler": "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99",
  "1.4.1/signMessageLib": "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
  "1.4.1/createCall": "0x9b35Af71d77eaf8d7e40252370304687390A1A52",
  "1.4.1/simulateTxAccessor": "0x3d4BA2E0884aa488718476ca2FB8Efc291A46199",
};

/** Bootstraps, remembering which addresses had code before (a fresh chain: none; a fork of production: all). */
async function bootstrapped() {
  const addresses = [
    SINGLETON_FACTORY,
    ...SAFE_VERSIONS.flatMap((v) => BOOTSTRAP_SET[v].map((n) => canonicalContract(v, n).address)),
  ];
  const before = new Set<string>();
  for (const a of addresses) if ((await hre.ethers.provider.getCode(a)) !== "0x") before.add(a);
  return { result: await bootstrapSafeContracts(hre), before };
}

describe("bootstrapSafeContracts", function () {
  it("deploys every Safe 1.5.0 and 1.4.1 contract at the address safe-deployments lists, with its code", async function () {
    const { result, before } = await loadFixture(bootstrapped);
    expect(await hre.ethers.provider.getCode(SINGLETON_FACTORY)).to.not.equal("0x");
    let checked = 0;
    for (const version of SAFE_VERSIONS) {
      for (const name of BOOTSTRAP_SET[version]) {
        const contract = canonicalContract(version, name);
        expect(contract.address, `${version}/${name}`).to.equal(EXPECTED[`${version}/${name}`]);
        const code = await hre.ethers.provider.getCode(contract.address);
        expect(code, `${version}/${name} has no code`).to.not.equal("0x");
        expect(keccak256(code), `${version}/${name} code hash`).to.equal(contract.codeHash);
        checked += 1;
      }
    }
    expect(checked).to.equal(Object.keys(EXPECTED).length);
    // Exactly the contracts that were missing were deployed (all on a fresh chain, none on a fork of production).
    expect(result.entries).to.have.length(checked + 1);
    for (const entry of result.entries) {
      expect(entry.status, entry.name).to.equal(before.has(entry.address) ? "present" : "deployed");
    }
    if (!(await forkInfo(hre)) && before.size === 0) {
      expect(result.transactions).to.equal(checked + 2); // funding the factory's signer, its presigned deployment, each contract
    }
  });

  it("agrees with the registry's own lookup for the singletons", async function () {
    expect(canonicalContract("1.5.0", "safe").address).to.equal(
      deployments.getSafeSingletonDeployment({ version: "1.5.0" })?.deployments.canonical?.address,
    );
    expect(canonicalContract("1.4.1", "safeProxyFactory").address).to.equal(
      deployments.getProxyFactoryDeployment({ version: "1.4.1" })?.deployments.canonical?.address,
    );
  });

  it("is idempotent: a second run changes nothing and sends no transaction", async function () {
    await loadFixture(bootstrapped);
    const [deployer] = await hre.ethers.getSigners();
    const blockBefore = await hre.ethers.provider.getBlockNumber();
    const nonceBefore = await hre.ethers.provider.getTransactionCount(deployer.address);
    const again = await bootstrapSafeContracts(hre);
    expect(again.transactions).to.equal(0);
    expect(again.entries.every((e) => e.status === "present")).to.equal(true);
    expect(await hre.ethers.provider.getBlockNumber()).to.equal(blockBefore);
    expect(await hre.ethers.provider.getTransactionCount(deployer.address)).to.equal(nonceBefore);
  });
});
