// Rehearsal on a fork (or a snapshot) before anything risky: lib/rehearsal/<part>.ts, one concern each.
export * from "./chain";
export * from "./execute";
export * from "./expect";
export * from "./fork";
export * from "./invariants";
export * from "./observe";
export * from "./pending";
export * from "./rehearse";
export * from "./report";
export * from "./drill";
export * from "./signing-drill";
