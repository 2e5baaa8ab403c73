import { HttpError } from "@safe-global/api-kit";
import { expect } from "chai";

import { READ_RETRY, serviceCall, serviceRead, ServiceRequestError } from "../../../lib/safe/service";

/** A read that fails with the given statuses, in order, then answers "ok". */
function flaky(statuses: number[]) {
  let calls = 0;
  const read = async () => {
    const status = statuses[calls++];
    if (status !== undefined) throw new HttpError(status, `status ${status}`, { detail: `the service said ${status}` });
    return "ok";
  };
  return { read, calls: () => calls };
}

describe("lib/safe/service: reads retried on 429 and 5xx, writes sent once", function () {
  it("retries 429 and 503 with exponential backoff, then returns the answer", async function () {
    const slept: number[] = [];
    const f = flaky([429, 503, 502]);
    expect(await serviceRead("list", f.read, READ_RETRY, async (ms) => void slept.push(ms))).to.equal("ok");
    expect(f.calls()).to.equal(4);
    expect(slept).to.deep.equal([500, 1000, 2000]);
  });

  it("gives up after the last attempt with the service's own message", async function () {
    const slept: number[] = [];
    const f = flaky([429, 429, 429, 429, 429, 429]);
    const error = await serviceRead("list pending transactions", f.read, READ_RETRY, async (ms) => {
      slept.push(ms);
    }).then(
      () => expect.fail("a read that never succeeds returned"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ServiceRequestError);
    expect((error as Error).message).to.equal(
      'The transaction service refused to list pending transactions (HTTP 429): status 429. {"detail":"the service said 429"}',
    );
    expect(f.calls()).to.equal(READ_RETRY.attempts);
    expect(slept).to.deep.equal([500, 1000, 2000, 4000]);
  });

  it("does not retry a refusal (4xx other than 429) or a write", async function () {
    const read = flaky([404]);
    await expect(serviceRead("find 0x01", read.read, READ_RETRY, async () => undefined)).to.be.rejectedWith(
      ServiceRequestError,
      /refused to find 0x01 \(HTTP 404\)/,
    );
    expect(read.calls()).to.equal(1);
    const write = flaky([503]);
    await expect(serviceCall("accept the proposal", write.read())).to.be.rejectedWith(/\(HTTP 503\)/);
    expect(write.calls()).to.equal(1);
  });
});
