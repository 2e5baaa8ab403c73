/** The fields of a Safe transaction, as signed (EIP-712 SafeTx) and executed. */
export interface SafeTxFields {
  to: string;
  value: bigint;
  data: string;
  /** 0 = CALL, 1 = DELEGATECALL */
  operation: number;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  nonce: bigint;
}
