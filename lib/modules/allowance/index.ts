// Delegates' allowances on the SpendingLimitModule: reading them (read.ts), the Safe's grants and revocations
// (change.ts), and the delegate's spends, direct or relayed (spend.ts).
export * from "./read";
export * from "./change";
export * from "./spend";
