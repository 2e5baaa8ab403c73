import type { TxService } from "../../service";
import { rpcServer, service } from "../service/helpers";

/** What a task printed with console.log while `run` ran. */
export async function captured(run: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await run();
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

/**
 * Mocha hooks for a suite of task tests: the in-process chain served over HTTP, the embedded service on it, and
 * TX_SERVICE_URL pointing the tasks at that service (restored afterwards). `ctx.svc` is the running service.
 */
export function withEmbeddedService(): { svc: TxService; rpcUrl: string } {
  const ctx = {} as { svc: TxService; rpcUrl: string };
  let rpc: Awaited<ReturnType<typeof rpcServer>> | undefined;
  const previousUrl = process.env.TX_SERVICE_URL;
  before(async function () {
    rpc = await rpcServer();
    ctx.rpcUrl = rpc.url;
    ctx.svc = await service(rpc.url);
    process.env.TX_SERVICE_URL = ctx.svc.url;
  });
  after(async function () {
    if (previousUrl === undefined) delete process.env.TX_SERVICE_URL;
    else process.env.TX_SERVICE_URL = previousUrl;
    await ctx.svc?.close();
    await rpc?.close();
  });
  return ctx;
}
