import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { hermetic } from "../fixtures/hermetic";
import { rpcServer } from "../fixtures/service";

/** `npx hardhat tx-service --network localhost` in its own process: serves that chain, says where, stops on SIGINT. */
describe("tx-service task @service", function () {
  hermetic();
  this.timeout(120_000);

  it("serves the selected network's chain to other processes, prints its URL and chain id, and stops on SIGINT", async function () {
    const rpc = await rpcServer();
    const dir = mkdtempSync(join(tmpdir(), "tx-service-task-"));
    const child = spawn(
      "node_modules/.bin/hardhat",
      ["tx-service", "--network", "localhost", "--port", "0", "--db", join(dir, "t.sqlite")],
      { env: { ...process.env, LOCAL_NODE_URL: rpc.url, SERVICE_TESTS: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /on (http:\/\/127\.0\.0\.1:\d+\/api)/.exec(out);
          if (m) {
            clearInterval(timer);
            resolve(m[1]);
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`tx-service exited with ${code}: ${out}`));
        });
      });
      expect(out).to.match(/chain 31337, database /);
      const about = (await (await fetch(`${url}/v1/about`)).json()) as { name: string; settings: { chain_id: string } };
      expect(about).to.deep.include({ name: "Safe Transaction Service" });
      expect(about.settings.chain_id).to.equal("31337");
      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      expect(out).to.match(/Stopping: finishing requests and closing the database/);
    } finally {
      child.kill("SIGKILL");
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
