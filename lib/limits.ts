import { DAY } from "./format";

/**
 * The contracts' bounds, mirrored once for the TypeScript layers so bad input is refused before anything is signed
 * (test/lib/limits.test.ts reads every one back from the compiled contracts).
 */

/** TreasuryGuard: MIN_DELAY / MAX_DELAY, MIN_EXPIRY / MAX_EXPIRY (seconds), MAX_ASSETS (capped assets per Safe). */
export const GUARD_LIMITS = {
  minDelay: 3600,
  maxDelay: 30 * DAY,
  minExpiry: 3600,
  maxExpiry: 30 * DAY,
  maxAssets: 32,
} as const;

/** RecoveryModule: MAX_GUARDIANS, MAX_OWNERS, MIN/MAX_INACTIVITY_PERIOD and MIN/MAX_RECOVERY_DELAY (seconds). */
export const RECOVERY_LIMITS = {
  maxGuardians: 32,
  maxOwners: 32,
  minInactivityPeriod: DAY,
  maxInactivityPeriod: 3650 * DAY,
  minRecoveryDelay: 3600,
  maxRecoveryDelay: 365 * DAY,
} as const;
