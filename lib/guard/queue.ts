import { Contract, getAddress } from "ethers";
import type { Provider, Signer } from "ethers";

import { UserError } from "../errors";
import { explainRevert } from "../revert";
import { SAFE_SLOTS } from "../safe/state";
import { QUEUE_STATES, type QueueStateName } from "./policy";
import { guardQueueInterface, treasuryGuardErrors } from "../abi";

/** The TreasuryGuard's queue of one Safe, read from the chain (the same on every network and service). */

/** The Safe's call cancelling queue item `id` (msg.sender is the Safe: an owners' transaction, instant). */
export function cancelCall(guard: string, id: number): { to: string; value: string; data: string } {
  return { to: guard, value: "0", data: guardQueueInterface.encodeFunctionData("cancel", [id]) };
}

export interface QueueItem {
  id: number;
  to: string;
  value: bigint;
  data: string;
  operation: number;
  eta: number;
  expiresAt: number;
  vetoes: number;
  state: QueueStateName;
}

/** The Safe's transaction guard, which must be a contract answering policy(). */
export async function guardOf(provider: Provider, safe: string): Promise<Contract> {
  const guard = getAddress("0x" + (await provider.getStorage(safe, SAFE_SLOTS.guard)).slice(26));
  const contract = new Contract(guard, guardQueueInterface, provider);
  try {
    await contract.policy(safe);
  } catch {
    throw new UserError(`Safe ${safe} has no TreasuryGuard (its guard is ${guard}): there is no queue.`);
  }
  return contract;
}

export async function readQueue(provider: Provider, safe: string): Promise<{ guard: string; items: QueueItem[] }> {
  const guard = await guardOf(provider, safe);
  const count = Number((await guard.policy(safe)).queued);
  const items = await Promise.all(
    Array.from({ length: count }, async (_, id) => {
      const q = await guard.queuedTransaction(safe, id);
      return {
        id,
        to: q.to as string,
        value: q.value as bigint,
        data: q.data as string,
        operation: Number(q.operation),
        eta: Number(q.eta),
        expiresAt: Number(q.expiresAt),
        vetoes: Number(q.vetoes),
        state: QUEUE_STATES[Number(q.state)],
      };
    }),
  );
  return { guard: await guard.getAddress(), items };
}

/**
 * Sends guard.execute(safe, id) (anyone, once ready) or guard.veto(safe, id) (an owner) from `sender`; a revert
 * becomes a UserError with the guard's reason as a sentence.
 */
export async function sendQueueCall(
  provider: Provider,
  sender: Signer,
  method: "execute" | "veto",
  safe: string,
  id: number,
): Promise<{ transactionHash: string; gasUsed?: bigint }> {
  const guard = (await guardOf(provider, safe)).connect(sender) as Contract;
  try {
    const tx = await guard[method](safe, id);
    const receipt = await tx.wait();
    return { transactionHash: tx.hash, gasUsed: receipt?.gasUsed };
  } catch (error) {
    const what = method === "execute" ? `Queue item ${id} was not executed` : "The veto was not recorded";
    throw new UserError(`${what}: ${explainRevert(error, [treasuryGuardErrors])}`);
  }
}
