import { getAddress, isAddress } from "ethers";
import { task, types } from "hardhat/config";

import { UserError } from "../lib/errors";
import { formatAmount, table, toJson } from "../lib/format";
import { guardOf, readQueue } from "../lib/guard/queue";
import { explainRevert } from "../lib/revert";
import { treasuryGuardErrors } from "../lib/guard/policy";
import { checkChain, ethersSigner, ownerSigner } from "../lib/signer";
import { userFacing } from "./util";

function safeArg(value: string): string {
  if (!isAddress(value)) throw new UserError(`--safe ${value} is not an address.`);
  return getAddress(value);
}

const when = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

task<{ safe: string; json: boolean }>("queue:list", "List the TreasuryGuard's queue of a Safe, with states and times")
  .addParam("safe", "The Safe")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { guard, items } = await readQueue(hre.ethers.provider, safeArg(args.safe));
      if (args.json) {
        console.log(toJson({ guard, items }));
        return;
      }
      if (items.length === 0) {
        console.log(`No queued transactions (guard ${guard}).`);
        return;
      }
      console.log(
        table(
          items.map((i) => ({
            id: i.id,
            state: i.state,
            to: i.to,
            value: formatAmount(i.value),
            data: i.data.length > 2 ? `${i.data.slice(0, 10)}… (${(i.data.length - 2) / 2} bytes)` : "-",
            "executable from": when(i.eta),
            until: when(i.expiresAt),
            vetoes: i.vetoes,
          })),
        ),
      );
    }),
  );

interface IdArgs {
  safe: string;
  id: number;
  signer?: string;
  json: boolean;
}

task<IdArgs>("queue:execute", "Run a queued transaction once its delay is over (anyone may send it)")
  .addParam("safe", "The Safe")
  .addParam("id", "Queue id (queue:list)", undefined, types.int)
  .addOptionalParam("signer", "Unlocked local account that sends it (local networks; otherwise PRIVATE_KEY/MNEMONIC)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      await checkChain(hre);
      const safe = safeArg(args.safe);
      const guard = await guardOf(hre.ethers.provider, safe);
      const sender = await ethersSigner(hre, await ownerSigner(hre, args.signer));
      try {
        const tx = await (guard.connect(sender) as typeof guard).execute(safe, args.id);
        const receipt = await tx.wait();
        console.log(
          args.json
            ? toJson({ transactionHash: tx.hash, gasUsed: receipt?.gasUsed })
            : `Executed queue item ${args.id}: ${tx.hash}`,
        );
      } catch (error) {
        throw new UserError(`Queue item ${args.id} was not executed: ${explainRevert(error, [treasuryGuardErrors])}`);
      }
    }),
  );

task<IdArgs>("queue:veto", "Veto a queued transaction as an owner (enough vetoes cancel it)")
  .addParam("safe", "The Safe")
  .addParam("id", "Queue id (queue:list)", undefined, types.int)
  .addOptionalParam("signer", "Unlocked local account to veto with (local networks; otherwise PRIVATE_KEY/MNEMONIC)")
  .addFlag("json", "Print JSON")
  .setAction(async (args, hre) =>
    userFacing(async () => {
      await checkChain(hre);
      const safe = safeArg(args.safe);
      const guard = await guardOf(hre.ethers.provider, safe);
      const required = await guard.cancelThreshold(safe);
      const sender = await ethersSigner(hre, await ownerSigner(hre, args.signer));
      try {
        const tx = await (guard.connect(sender) as typeof guard).veto(safe, args.id);
        await tx.wait();
      } catch (error) {
        throw new UserError(`The veto was not recorded: ${explainRevert(error, [treasuryGuardErrors])}`);
      }
      const item = (await readQueue(hre.ethers.provider, safe)).items[args.id];
      console.log(
        args.json
          ? toJson({ id: args.id, vetoes: item.vetoes, required, state: item.state })
          : `Vetoed: ${item.vetoes} of ${required} vetoes; the item is ${item.state}.`,
      );
    }),
  );
