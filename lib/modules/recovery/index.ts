/**
 * The RecoveryModule from the tasks' side: input checks (args), the module, its errors and direct sends (contract),
 * the Safe calls that configure or cancel, proposed through the one propose path (plan), the steps guardians and
 * anyone send directly (direct), the status reader (status), the EIP-712 approval guardians sign (approvals) and the
 * recovery part of safe:info (info). The module's rules are in IRecoveryModule and docs/modules.md.
 */

export * from "./approvals";
export * from "./args";
export * from "./contract";
export * from "./direct";
export * from "./info";
export * from "./plan";
export * from "./status";
