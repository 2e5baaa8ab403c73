/**
 * Deploys the example TreasuryVault behind a UUPS proxy owned by the treasury Safe, registered in the upgrades
 * plugin's manifest (.openzeppelin/<network>.json on a real chain), ready for `upgrade:proxy`:
 *
 *   VAULT_OWNER=0xSafe VAULT_TOKEN=0xToken [VAULT_KIND=transparent] [VAULT_PROXY=0xExisting] \
 *     npx hardhat run scripts/deploy-vault.ts --network localhost   (loads the upgrades plugin by itself)
 *
 * With VAULT_PROXY naming a vault of the same owner, nothing is deployed (the script can run again).
 */
import hre from "hardhat";

import { UserError } from "../lib/errors";
import { keyValues } from "../lib/format";
import { deployVault } from "../lib/upgrade/vault";

async function main() {
  const { VAULT_OWNER, VAULT_TOKEN, VAULT_KIND, VAULT_PROXY } = process.env;
  if (!VAULT_OWNER) throw new UserError("Set VAULT_OWNER to the Safe that will own the vault.");
  if (VAULT_KIND !== undefined && VAULT_KIND !== "uups" && VAULT_KIND !== "transparent") {
    throw new UserError(`VAULT_KIND=${VAULT_KIND}: give uups or transparent.`);
  }
  const r = await deployVault(hre, {
    owner: VAULT_OWNER,
    token: VAULT_TOKEN ?? "0x0000000000000000000000000000000000000000",
    kind: VAULT_KIND,
    existing: VAULT_PROXY,
  });
  console.log(
    keyValues([
      ["vault (proxy)", `${r.proxy} (${r.kind})`],
      ["implementation", r.implementation],
      ["owner", r.owner],
      ["token", r.token],
      ["status", r.deployed ? "deployed" : "already deployed: kept"],
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof UserError ? error.message : error);
  process.exitCode = 1;
});
