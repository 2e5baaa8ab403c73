import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { ZeroAddress } from "ethers";

import SafeArtifact from "@safe-global/safe-smart-account/build/artifacts/contracts/Safe.sol/Safe.json";
import SafeProxyFactoryArtifact from "@safe-global/safe-smart-account/build/artifacts/contracts/proxies/SafeProxyFactory.sol/SafeProxyFactory.json";

/**
 * Treasury: creates a Safe through the canonical SafeProxyFactory with createProxyWithNonce, so the same
 * parameters give the same address on every chain.
 *
 * Parameters are resolved and validated by lib/treasury.ts (`npx hardhat treasury:deploy`), which turns the
 * user-facing file (owners, threshold, saltNonce, safeVersion, l2) into the canonical addresses below, checks
 * them before any transaction, and skips the deployment when the Safe already exists.
 *
 * `setupTo` / `setupData` are Safe.setup's delegatecall hook: installing a guard and modules in the creation
 * transaction is done by pointing them at a setup library, with no change to this module.
 */
export const TREASURY_MODULE_ID = "Treasury";

export default buildModule(TREASURY_MODULE_ID, (m) => {
  const owners = m.getParameter<string[]>("owners");
  const threshold = m.getParameter<number>("threshold");
  const saltNonce = m.getParameter<string>("saltNonce", "0");
  const singletonAddress = m.getParameter<string>("singleton");
  const factoryAddress = m.getParameter<string>("proxyFactory");
  const fallbackHandler = m.getParameter<string>("fallbackHandler");
  const setupTo = m.getParameter<string>("setupTo", ZeroAddress);
  const setupData = m.getParameter<string>("setupData", "0x");

  const singleton = m.contractAt("Safe", SafeArtifact, singletonAddress, { id: "SafeSingleton" });
  const factory = m.contractAt("SafeProxyFactory", SafeProxyFactoryArtifact, factoryAddress, {
    id: "SafeProxyFactory",
  });

  const initializer = m.encodeFunctionCall(
    singleton,
    "setup",
    [owners, threshold, setupTo, setupData, fallbackHandler, ZeroAddress, 0, ZeroAddress],
    { id: "SetupCall" },
  );
  const creation = m.call(factory, "createProxyWithNonce", [singletonAddress, initializer, saltNonce], {
    id: "CreateSafe",
  });
  const safeAddress = m.readEventArgument(creation, "ProxyCreation", "proxy", { id: "SafeAddress" });
  const treasury = m.contractAt("Safe", SafeArtifact, safeAddress, { id: "TreasurySafe" });

  return { treasury };
});
