import { task, types } from "hardhat/config";

import { UserError } from "../lib/errors";
import { formatAmount, isoTime, table, toJson } from "../lib/format";
import { cancelCall, guardOf, readQueue, sendQueueCall } from "../lib/guard/queue";
import { addressArg, HELP, proposeCalls, senderOf, type SignerArgs, userFacing, proposing } from "./util";

task<{ safe: string; json: boolean }>("queue:list", "List the TreasuryGuard's queue of a Safe, with states and times")
  .addParam("safe", "The Safe")
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const { guard, items } = await readQueue(hre.ethers.provider, addressArg(args.safe, "safe"));
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
            "executable from": isoTime(i.eta),
            until: isoTime(i.expiresAt),
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
  ledger?: boolean;
  json: boolean;
}

task<IdArgs>("queue:execute", "Run a queued transaction once its delay is over (anyone may send it)")
  .addParam("safe", "The Safe")
  .addParam("id", "Queue id (queue:list)", undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      const sender = await senderOf(hre, args);
      const r = await sendQueueCall(hre.ethers.provider, sender, "execute", addressArg(args.safe, "safe"), args.id);
      console.log(args.json ? toJson(r) : `Executed queue item ${args.id}: ${r.transactionHash}`);
    }),
  );

proposing(
  task<IdArgs & SignerArgs>(
    "queue:cancel",
    "Propose the Safe's cancellation of a queued transaction (a Safe transaction: the owners sign it like any other)",
  )
    .addParam("safe", "The Safe")
    .addParam("id", "Queue id (queue:list)", undefined, types.int),
).setAction(async (args, hre) =>
  userFacing(async () => {
    const safe = addressArg(args.safe, "safe");
    const { guard, items } = await readQueue(hre.ethers.provider, safe);
    const item = items[args.id];
    if (!item)
      throw new UserError(`Queue item ${args.id} does not exist: the queue has ${items.length} item(s) (queue:list).`);
    if (item.state !== "waiting" && item.state !== "ready") {
      throw new UserError(`Queue item ${args.id} is ${item.state}: only a waiting or ready item can be cancelled.`);
    }
    await proposeCalls(hre, args, safe, [cancelCall(guard, args.id)], `queue:cancel ${args.id}`);
  }),
);

task<IdArgs>("queue:veto", "Veto a queued transaction as an owner (enough vetoes cancel it)")
  .addParam("safe", "The Safe")
  .addParam("id", "Queue id (queue:list)", undefined, types.int)
  .addOptionalParam("signer", HELP.signer)
  .addFlag("ledger", HELP.ledger)
  .addFlag("json", HELP.json)
  .setAction(async (args, hre) =>
    userFacing(async () => {
      // senderOf checks the chain before anything is sent.
      const sender = await senderOf(hre, args);
      const safe = addressArg(args.safe, "safe");
      const required = await (await guardOf(hre.ethers.provider, safe)).cancelThreshold(safe);
      await sendQueueCall(hre.ethers.provider, sender, "veto", safe, args.id);
      const item = (await readQueue(hre.ethers.provider, safe)).items[args.id];
      console.log(
        args.json
          ? toJson({ id: args.id, vetoes: item.vetoes, required, state: item.state })
          : `Vetoed: ${item.vetoes} of ${required} vetoes; the item is ${item.state}.`,
      );
    }),
  );
