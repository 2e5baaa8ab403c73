import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";

/**
 * Restores the chain after the calling suite, so its deployments (bootstrap, Safes at predictable addresses) never
 * leak into suites that expect a fresh chain. Call at the top of a describe block.
 */
export function hermetic(): void {
  let snapshot: SnapshotRestorer;
  before(async function () {
    snapshot = await takeSnapshot();
  });
  after(async function () {
    await snapshot.restore();
  });
}
