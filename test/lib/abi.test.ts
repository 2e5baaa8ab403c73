import { expect } from "chai";
import { EventFragment, type Fragment, FunctionFragment, Interface, id } from "ethers";
import hre from "hardhat";

import * as abi from "../../lib/abi";
import { loadArtifact, type SafeContractName } from "../../lib/safe/canonical";

/**
 * The one test of lib/abi: every hand-written fragment against a compiled ABI. Our contracts', Safe's (1.5.0) and
 * OpenZeppelin's must match in everything that reaches the wire: selector or topic, return types, whether a call is
 * a read, and which event arguments are indexed (argument names may differ). Token fragments, which leave out return
 * values the toolkit never reads, must match selectors and topics. The few standard functions no compiled
 * artifact here declares (OpenZeppelin 5 dropped them) are checked against their signature's hash instead.
 */

type Source = { artifact: string } | { safe: SafeContractName };

const ours = (artifact: string): Source[] => [{ artifact }];
const safe = (...names: SafeContractName[]): Source[] => names.map((name) => ({ safe: name }));

/** Each export of lib/abi, where its fragments are compiled, and whether whole signatures must match. */
const SOURCES: Record<string, { sources: Source[]; whole: boolean }> = {
  treasuryGuardInterface: { sources: ours("TreasuryGuard"), whole: true },
  treasuryGuardViews: { sources: ours("TreasuryGuard"), whole: true },
  guardQueueInterface: { sources: ours("TreasuryGuard"), whole: true },
  treasuryGuardQueueEvents: { sources: ours("TreasuryGuard"), whole: true },
  treasuryGuardErrors: { sources: ours("TreasuryGuard"), whole: true },
  spendingLimitInterface: { sources: ours("SpendingLimitModule"), whole: true },
  spendingLimitViews: { sources: ours("SpendingLimitModule"), whole: true },
  recoveryInterface: { sources: ours("RecoveryModule"), whole: true },
  recoveryModuleInterface: { sources: ours("RecoveryModule"), whole: true },
  safeReadInterface: { sources: safe("safe"), whole: true },
  safeConfigInterface: { sources: safe("safe"), whole: true },
  safeExecInterface: { sources: safe("safe", "safeL2"), whole: true },
  safeLibraryInterface: { sources: safe("multiSendCallOnly", "signMessageLib", "safeMigration"), whole: true },
  simulateTxAccessorInterface: { sources: safe("simulateTxAccessor"), whole: true },
  eip1271Interface: { sources: safe("compatibilityFallbackHandler"), whole: false },
  erc20Interface: { sources: ours("IERC20Metadata"), whole: true },
  tokenInterface: {
    sources: ["IERC20", "IERC721", "IERC1155", "IERC1363", "TestHookToken"].flatMap(ours),
    whole: false,
  },
  tokenEvents: { sources: ["IERC20", "IERC721"].flatMap(ours), whole: true },
  proxyUpgradeInterface: { sources: ours("UUPSUpgradeable"), whole: false },
  solidityErrorInterface: { sources: [], whole: false },
};

/** Standard signatures with no compiled artifact in this build: the fragment must hash to the standard's selector. */
const STANDARD_ONLY: Record<string, string> = {
  "increaseAllowance(address,uint256)": "0x39509351",
  "decreaseAllowance(address,uint256)": "0xa457c2d7",
  "isValidSignature(bytes,bytes)": "0x20c13b0b",
  "upgradeAndCall(address,address,bytes)": "0x9623609d",
  "owner()": "0x8da5cb5b",
  "Error(string)": "0x08c379a0",
};

/** What of a fragment reaches the wire; with `whole`, also its return types, read-only flag and indexed arguments. */
function wireForm(fragment: Fragment, whole: boolean): string {
  const signature = fragment.format("sighash");
  if (!whole) return `${fragment.type} ${signature}`;
  if (fragment instanceof FunctionFragment) {
    const returns = fragment.outputs.map((o) => o.format("sighash")).join(",");
    return `function ${signature} returns (${returns})${fragment.constant ? " view" : ""}`;
  }
  if (fragment instanceof EventFragment) {
    return `event ${signature} indexed ${fragment.inputs.map((i) => i.indexed === true).join(",")}`;
  }
  return `${fragment.type} ${signature}`;
}

async function compiledOf(source: Source): Promise<Interface> {
  if ("safe" in source) return new Interface(loadArtifact("1.5.0", source.safe).abi as never);
  return new Interface((await hre.artifacts.readArtifact(source.artifact)).abi);
}

describe("lib/abi: every hand-written fragment against the compiled ABIs", function () {
  it("has a compiled source for every export", function () {
    const exported = Object.entries(abi)
      .filter(([, value]) => value instanceof Interface)
      .map(([name]) => name)
      .sort();
    expect(exported).to.deep.equal(Object.keys(SOURCES).sort());
  });

  for (const [name, { sources, whole }] of Object.entries(SOURCES)) {
    it(`${name} matches ${sources.map((s) => ("safe" in s ? `Safe ${s.safe}` : s.artifact)).join(", ") || "the standard"}`, async function () {
      const written = (abi as unknown as Record<string, Interface>)[name];
      const compiled = await Promise.all(sources.map(compiledOf));
      let checked = 0;
      for (const fragment of written.fragments) {
        if (!["function", "event", "error"].includes(fragment.type)) continue;
        const signature = fragment.format("sighash");
        const found = compiled
          .map((c) => c.fragments.find((f) => f.type === fragment.type && f.format("sighash") === signature))
          .find((f) => f !== undefined);
        if (found) {
          expect(wireForm(found, whole), `${name}: ${signature}`).to.equal(wireForm(fragment, whole));
        } else {
          expect(STANDARD_ONLY[signature], `${name}: ${fragment.type} ${signature} is in no compiled ABI`).to.equal(
            id(signature).slice(0, 10),
          );
        }
        checked++;
      }
      expect(checked, `${name} has fragments`).to.be.greaterThan(0);
    });
  }

  it("names every custom error the modules and the guard declare, so none reaches a person as raw data", async function () {
    for (const [declaring, written] of [
      ["ISpendingLimitModule", abi.spendingLimitViews],
      ["IRecoveryModule", abi.recoveryModuleInterface],
      ["ITreasuryGuard", abi.treasuryGuardErrors],
    ] as const) {
      const declared = new Interface((await hre.artifacts.readArtifact(declaring)).abi);
      declared.forEachError((e) =>
        expect(written.getError(e.name), `${declaring}: error ${e.name}`).to.not.equal(null),
      );
    }
  });
});
