import { toBeHex } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { checkProxyUpgraded, runUpgradeCheck, type PreparedUpgrade } from "./proxy";

const LOCAL = new Set(["hardhat", "localhost"]);

/**
 * Runs the prepared upgrade as the Safe would, on a snapshot of a local chain (the in-process network, a fork or
 * `hardhat node`), checks the implementation slot and runs the --check script, then reverts the snapshot: a broken
 * upgrade is found before anyone signs. The guard is not consulted (the Safe is impersonated); the full rehearsal
 * through the Safe and its guard is safe:rehearse.
 */
export async function dryRunProxyUpgrade(
  hre: HardhatRuntimeEnvironment,
  safe: string,
  prepared: PreparedUpgrade,
  script?: string,
): Promise<void> {
  if (!LOCAL.has(hre.network.name)) {
    throw new UserError(
      `--check runs the upgrade on a local chain and ${hre.network.name} is not one: rehearse it on a fork ` +
        "(FORK_URL with the hardhat network, or safe:rehearse once proposed).",
    );
  }
  const raw = hre.network.provider;
  const snapshot = (await raw.request({ method: "evm_snapshot" })) as string;
  try {
    await raw.request({ method: "hardhat_impersonateAccount", params: [safe] });
    await raw.request({ method: "hardhat_setBalance", params: [safe, toBeHex(10n ** 20n)] });
    const signer = await hre.ethers.getSigner(safe);
    try {
      await (await signer.sendTransaction({ to: prepared.call.to, data: prepared.call.data })).wait();
    } catch (error) {
      throw new UserError(`The upgrade call reverts when the Safe sends it: ${(error as Error).message}`);
    }
    await checkProxyUpgraded(hre.ethers.provider, prepared.proxy, prepared.newImplementation);
    if (script) await runUpgradeCheck(hre, { proxy: prepared.proxy, script });
  } finally {
    await raw.request({ method: "hardhat_stopImpersonatingAccount", params: [safe] });
    await raw.request({ method: "evm_revert", params: [snapshot] });
  }
}
