// The one propose -> confirm -> execute / export -> import path over a transaction service (lib/safe/workflow/).
export { fieldsOf, type Approve } from "./common";
export * from "./confirm";
export * from "./execute";
export * from "./offline";
export * from "./propose";
