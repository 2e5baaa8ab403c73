import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { sortAddresses } from "../../args";
import { isoTime } from "../../format";
import { toolkitAddress } from "../../toolkit";
import { readRecoveryStatus } from "./status";

/**
 * The recovery part of `safe:info` (lib/info InfoPart), for Safes with the toolkit's RecoveryModule enabled:
 * the configuration (compared by --check; guardians sorted, since the module keeps them unordered) and the state
 * that moves by itself (activity, pending recovery, proposal nonce).
 */
export async function recoveryInfo(
  hre: HardhatRuntimeEnvironment,
  info: { configuration: { safe: string; modules: string[] } },
): Promise<{ configuration?: Record<string, unknown>; state?: Record<string, unknown> }> {
  const module = await toolkitAddress(hre, "RecoveryModule");
  if (!info.configuration.modules.includes(module)) return {};
  const s = await readRecoveryStatus(hre.ethers.provider, module, info.configuration.safe);
  return {
    configuration: {
      recovery: {
        module: s.module,
        guardians: sortAddresses(s.guardians),
        threshold: s.threshold,
        inactivityPeriod: s.inactivityPeriod,
        recoveryDelay: s.recoveryDelay,
        activityRecorder: s.activityRecorder,
      },
    },
    state: {
      recovery: {
        state: s.state,
        nonce: s.nonce.toString(),
        lastActivity: isoTime(s.lastActivity),
        recoverableFrom: s.recoverableFrom === null ? "any time" : isoTime(s.recoverableFrom),
        recoverableNow: s.recoverableNow,
        pending: s.pending ?? null,
      },
    },
  };
}
