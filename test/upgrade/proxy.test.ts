import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { getCreateAddress, parseEther } from "ethers";
import hre, { ethers } from "hardhat";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { DAY } from "../../lib/format";
import { readQueue } from "../../lib/guard/queue";
import {
  adminOf,
  checkProxyUpgraded,
  implementationOf,
  prepareProxyUpgrade,
  proxyKindOf,
  runUpgradeCheck,
  upgradesOf,
} from "../../lib/upgrade/proxy";
import { deployVault } from "../../lib/upgrade/vault";
import type { TxService } from "../../service";
import { hermetic } from "../fixtures/hermetic";
import { api } from "../fixtures/service";
import { captured, confirmAndExecute, guardedTreasury, pendingAtNonce, withEmbeddedService } from "../fixtures/tasks";
import { proxyUpgradeInterface } from "../../lib/abi";

/** The plugin's own ERC1967Proxy build, for a proxy deployed without the plugin (so missing from its manifest). */
const ERC1967Proxy = JSON.parse(
  readFileSync(
    require.resolve("@openzeppelin/upgrades-core/artifacts/@openzeppelin/contracts-v5/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json"),
    "utf8",
  ),
) as { abi: unknown[]; bytecode: string };
const CHECK = "scripts/checks/vault-v2.ts";

/** upgrade:proxy with the OpenZeppelin upgrades plugin (HARDHAT_UPGRADES=1: `npm run test:upgrades`). */
describe("upgrade:proxy through the Safe @upgrades", function () {
  hermetic();
  const ctx = withEmbeddedService();
  let svc: TxService;
  let dir: string;
  let salt = 12_000;

  before(async function () {
    svc = ctx.svc;
    dir = mkdtempSync(join(tmpdir(), "proxy-checks-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A guarded treasury and a TreasuryVault it owns behind a `kind` proxy holding 500 TST, 10 already released. */
  async function vaultOf(kind: "uups" | "transparent", owner?: string) {
    const token = await (await ethers.getContractFactory("TestERC20")).deploy();
    const t = await guardedTreasury(salt++, await token.getAddress());
    const vaultOwner = owner ?? t.safe;
    const Vault = await ethers.getContractFactory("TreasuryVault");
    const vault = await hre.upgrades.deployProxy(Vault, [vaultOwner, await token.getAddress()], {
      kind,
      ...(kind === "transparent" ? { initialOwner: vaultOwner } : {}),
    });
    const proxy = await vault.getAddress();
    await (await token.mint(proxy, parseEther("500"))).wait();
    await hre.network.provider.request({ method: "hardhat_impersonateAccount", params: [vaultOwner] });
    await hre.network.provider.request({ method: "hardhat_setBalance", params: [vaultOwner, "0x56bc75e2d63100000"] });
    const asOwner = await ethers.getSigner(vaultOwner);
    await (await vault.connect(asOwner).getFunction("release")(t.alice.address, parseEther("10"))).wait();
    await hre.network.provider.request({ method: "hardhat_stopImpersonatingAccount", params: [vaultOwner] });
    return { ...t, proxy, vault: await ethers.getContractAt("TreasuryVaultV2", proxy) };
  }

  const propose = (
    safe: string,
    proxy: string,
    contract: string,
    signer: string,
    extra: Record<string, unknown> = {},
  ) => captured(() => hre.run("upgrade:proxy", { safe, proxy, contract, signer, yes: true, json: true, ...extra }));

  /** Executes the pending queue wrapper, waits out the guard's delay and runs the queued upgrade. */
  async function executeQueued(t: Awaited<ReturnType<typeof vaultOf>>) {
    await confirmAndExecute(svc, t.safe, t.owners[1].address);
    const { items } = await readQueue(ethers.provider, t.safe);
    const id = items.length - 1;
    await time.increase(DAY + 1);
    await (await t.guard.connect(t.relayer).execute(t.safe, id)).wait();
  }

  it("refuses an incompatible layout before anything is deployed or proposed, with the plugin's report", async function () {
    const t = await vaultOf("uups");
    const [deployer] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(deployer.address);
    const pendingBefore = (await api(svc).getPendingTransactions(t.safe)).count;
    await expect(propose(t.safe, t.proxy, "TreasuryVaultBadV2", t.owners[0].address)).to.be.rejectedWith(
      /TreasuryVaultBadV2 cannot replace the implementation of 0x[0-9a-fA-F]{40}: the upgrades plugin refused it \(nothing was deployed or proposed\)\.\nNew storage layout is incompatible\n\ncontracts\/test\/TreasuryVaultBadV2.sol:\d+: Inserted `released`[\s\S]*TreasuryVault: Deleted `released`/,
    );
    expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    expect(await ethers.provider.getCode(getCreateAddress({ from: deployer.address, nonce }))).to.equal("0x");
    expect((await api(svc).getPendingTransactions(t.safe)).count).to.equal(pendingBefore);
  });

  for (const kind of ["uups", "transparent"] as const) {
    it(`upgrades a ${kind} proxy to V2 through the Safe and the guard's queue, state kept, --check run`, async function () {
      const t = await vaultOf(kind);
      expect(await proxyKindOf(ethers.provider, t.proxy)).to.equal(kind);
      const before = await implementationOf(ethers.provider, t.proxy);
      const out = JSON.parse(await propose(t.safe, t.proxy, "TreasuryVaultV2", t.owners[0].address, { check: CHECK }));
      expect(out.kind).to.equal(kind);
      expect(out.currentImplementation).to.equal(before);
      expect(out.queued, "the proxy is not a trusted target: the upgrade is delayed").to.not.equal(undefined);
      const pending = await pendingAtNonce(svc, t.safe);
      expect(pending.to).to.equal(await t.guard.getAddress());
      expect(await implementationOf(ethers.provider, t.proxy), "the dry run was reverted").to.equal(before);

      await executeQueued(t);
      expect(await implementationOf(ethers.provider, t.proxy)).to.equal(out.newImplementation);
      expect(await t.vault.version()).to.equal("2");
      expect(await t.vault.owner()).to.equal(t.safe);
      expect(await t.vault.released()).to.equal(parseEther("10"));
      expect(await t.vault.releaseCap()).to.equal(0n);
      await expect(t.vault.connect(t.stranger).setReleaseCap(1n))
        .to.be.revertedWithCustomError(t.vault, "NotOwner")
        .withArgs(t.stranger.address);
      await runUpgradeCheck(hre, { proxy: t.proxy, script: CHECK });
      const failing = join(dir, `failing-${kind}.js`);
      writeFileSync(failing, 'module.exports = async () => { throw new Error("balance is off"); };\n');
      await expect(runUpgradeCheck(hre, { proxy: t.proxy, script: failing })).to.be.rejectedWith(
        `The check ${failing} failed against ${t.proxy}: balance is off`,
      );
    });
  }

  it("reports a failing --check on the dry run and proposes nothing", async function () {
    const t = await vaultOf("uups");
    const failing = join(dir, "not-v3.js");
    writeFileSync(failing, 'module.exports = async () => { throw new Error("expected version 3"); };\n');
    const pendingBefore = (await api(svc).getPendingTransactions(t.safe)).count;
    await expect(
      propose(t.safe, t.proxy, "TreasuryVaultV2", t.owners[0].address, { check: failing }),
    ).to.be.rejectedWith(`The check ${failing} failed against ${t.proxy}: expected version 3`);
    expect((await api(svc).getPendingTransactions(t.safe)).count).to.equal(pendingBefore);
  });

  it("refuses when the Safe does not own the UUPS proxy or the transparent proxy's ProxyAdmin", async function () {
    const [, , , , , , , , , , , outsider] = await ethers.getSigners();
    const uups = await vaultOf("uups", outsider.address);
    await expect(
      prepareProxyUpgrade(hre, { safe: uups.safe, proxy: uups.proxy, contract: "TreasuryVaultV2" }),
    ).to.be.rejectedWith(
      `The UUPS proxy ${uups.proxy} is owned by ${outsider.address}, not the Safe ${uups.safe}: the Safe cannot upgrade it.`,
    );
    const transparent = await vaultOf("transparent", outsider.address);
    const admin = await adminOf(ethers.provider, transparent.proxy);
    await expect(
      prepareProxyUpgrade(hre, { safe: transparent.safe, proxy: transparent.proxy, contract: "TreasuryVaultV2" }),
    ).to.be.rejectedWith(
      `The ProxyAdmin ${admin} of ${transparent.proxy} is owned by ${outsider.address}, not the Safe ${transparent.safe}: ` +
        "the Safe cannot upgrade it. Transfer the ProxyAdmin's ownership to the Safe first.",
    );
  });

  it("deploy-vault's deployVault registers a UUPS vault owned by the Safe, and keeps it when run again", async function () {
    const token = await (await ethers.getContractFactory("TestERC20")).deploy();
    const t = await guardedTreasury(salt++, await token.getAddress());
    const first = await deployVault(hre, { owner: t.safe, token: await token.getAddress() });
    expect(first).to.include({ kind: "uups", owner: t.safe, deployed: true });
    expect(await hre.upgrades.erc1967.getImplementationAddress(first.proxy)).to.equal(first.implementation);
    const again = await deployVault(hre, { owner: t.safe, token: await token.getAddress(), existing: first.proxy });
    expect(again).to.deep.equal({ ...first, deployed: false });
    await expect(
      deployVault(hre, { owner: t.owners[0].address, token: t.safe, existing: first.proxy }),
    ).to.be.rejectedWith(
      `The vault ${first.proxy} is owned by ${t.safe}, not ${t.owners[0].address}: give another VAULT_PROXY.`,
    );
  });

  it("says how to load the plugin when it is not loaded, and refuses what is not an ERC-1967 proxy", async function () {
    expect(() => upgradesOf({ ...hre, upgrades: undefined } as unknown as typeof hre)).to.throw(
      "The OpenZeppelin upgrades plugin is not loaded: load the plugin: HARDHAT_UPGRADES=1 (upgrade:proxy loads it).",
    );
    const [plain] = await ethers.getSigners();
    await expect(proxyKindOf(ethers.provider, plain.address)).to.be.rejectedWith(
      `${plain.address} is not an ERC-1967 proxy (its implementation slot is empty): check the address.`,
    );
  });

  it("passes --call through upgradeToAndCall: the new implementation runs it as the Safe during the upgrade", async function () {
    const t = await vaultOf("uups");
    const out = JSON.parse(
      await propose(t.safe, t.proxy, "TreasuryVaultV2", t.owners[0].address, {
        call: "setReleaseCap(uint256)",
        callArgs: "5",
      }),
    );
    const setCap = t.vault.interface.encodeFunctionData("setReleaseCap", [5n]);
    expect(out.call.data).to.equal(
      proxyUpgradeInterface.encodeFunctionData("upgradeToAndCall", [out.newImplementation, setCap]),
    );
    await executeQueued(t);
    await checkProxyUpgraded(ethers.provider, t.proxy, out.newImplementation);
    expect(await t.vault.releaseCap()).to.equal(5n);
    await expect(checkProxyUpgraded(ethers.provider, t.proxy, out.currentImplementation)).to.be.rejectedWith(
      `The implementation slot of ${t.proxy} holds ${out.newImplementation}, not the expected ${out.currentImplementation}.`,
    );
  });

  it("registers a proxy deployed without the plugin from --from (forceImport), and asks for it when missing", async function () {
    const token = await (await ethers.getContractFactory("TestERC20")).deploy();
    const t = await guardedTreasury(salt++, await token.getAddress());
    const implementation = await (await ethers.getContractFactory("TreasuryVault")).deploy();
    const init = implementation.interface.encodeFunctionData("initialize", [t.safe, await token.getAddress()]);
    const factory = new ethers.ContractFactory(ERC1967Proxy.abi as never, ERC1967Proxy.bytecode, t.owners[0]);
    const proxy = await (await factory.deploy(await implementation.getAddress(), init)).getAddress();
    const args = { safe: t.safe, proxy, contract: "TreasuryVaultV2" };
    await expect(prepareProxyUpgrade(hre, args)).to.be.rejectedWith(
      `${proxy} is not in the upgrades plugin's manifest (.openzeppelin/): name its current implementation's contract with --from`,
    );
    await expect(
      prepareProxyUpgrade(hre, { ...args, contract: "TreasuryVaultBadV2", from: "TreasuryVault" }),
    ).to.be.rejectedWith(/TreasuryVaultBadV2 cannot replace the implementation[\s\S]*Inserted `released`/);
    const prepared = await prepareProxyUpgrade(hre, { ...args, from: "TreasuryVault" });
    expect(prepared).to.include({
      kind: "uups",
      currentImplementation: await implementation.getAddress(),
      admin: proxy,
    });
    expect(await ethers.provider.getCode(prepared.newImplementation)).to.not.equal("0x");
  });
});
