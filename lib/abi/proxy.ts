import { Interface } from "ethers";

/**
 * The proxy upgrade calls (ProxyAdmin, UUPS) and the owner read. upgradeToAndCall is checked against OpenZeppelin's
 * UUPSUpgradeable; ProxyAdmin is not compiled here, so upgradeAndCall and owner are checked by selector
 * (test/lib/abi.test.ts).
 */
export const proxyUpgradeInterface = new Interface([
  "function upgradeAndCall(address proxy, address implementation, bytes data) payable",
  "function upgradeToAndCall(address newImplementation, bytes data) payable",
  "function owner() view returns (address)",
]);
