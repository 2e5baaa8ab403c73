import { Interface } from "ethers";

import { UserError } from "./errors";

/**
 * Calldata from a human-readable signature and its arguments, for `safe:propose --sig --args`:
 * `--sig "transfer(address,uint256)" --args 0xabc..,1000` or `--args '["0xabc..", "1000"]'` (JSON, for arguments that
 * hold commas: arrays, tuples, strings). Amounts are base units here: the call is passed through exactly.
 */
export function encodeSignatureCall(signature: string, args = ""): string {
  let iface: Interface;
  try {
    iface = new Interface([`function ${signature.trim().replace(/^function\s+/, "")}`]);
  } catch (error) {
    throw new UserError(
      `--sig "${signature}" is not a function signature (${(error as Error).message}): write it like "transfer(address,uint256)".`,
    );
  }
  const fragment = iface.fragments[0] as unknown as { name: string; inputs: { type: string }[] };
  let values: unknown[];
  const text = args.trim();
  if (text.startsWith("[")) {
    try {
      values = JSON.parse(text) as unknown[];
    } catch (error) {
      throw new UserError(`--args is not valid JSON (${(error as Error).message}): give a JSON array or plain a,b,c.`);
    }
  } else {
    values = text === "" ? [] : text.split(",").map((v) => v.trim());
  }
  if (values.length !== fragment.inputs.length) {
    throw new UserError(
      `--sig ${fragment.name} takes ${fragment.inputs.length} argument(s) (${fragment.inputs.map((i) => i.type).join(", ")}) ` +
        `but --args gave ${values.length}.`,
    );
  }
  try {
    return iface.encodeFunctionData(fragment.name, values);
  } catch (error) {
    throw new UserError(
      `--args do not fit ${fragment.name}(${fragment.inputs.map((i) => i.type).join(",")}): ${(error as Error).message.split(" (")[0]}.`,
    );
  }
}
