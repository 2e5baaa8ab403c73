import { expect } from "chai";

import { ConfigError, readEnv } from "../../lib/config";

describe("readEnv", function () {
  it("accepts an empty environment with defaults", function () {
    const env = readEnv({});
    expect(env.LOCAL_NODE_URL).to.equal("http://127.0.0.1:8545");
    expect(env.FORK_URL).to.equal(undefined);
  });

  it("parses FORK_URL and pins FORK_BLOCK_NUMBER as a number", function () {
    expect(readEnv({ FORK_URL: "http://127.0.0.1:8545", FORK_BLOCK_NUMBER: "123" })).to.deep.include({
      FORK_URL: "http://127.0.0.1:8545",
      FORK_BLOCK_NUMBER: 123,
    });
  });

  it("names the variable at fault", function () {
    expect(() => readEnv({ FORK_URL: "not a url" })).to.throw(ConfigError, /FORK_URL: FORK_URL must be an http/);
    expect(() => readEnv({ FORK_URL: "http://x", FORK_BLOCK_NUMBER: "latest" })).to.throw(
      ConfigError,
      /FORK_BLOCK_NUMBER/,
    );
    expect(() => readEnv({ FORK_BLOCK_NUMBER: "5" })).to.throw(
      ConfigError,
      /FORK_BLOCK_NUMBER is set but FORK_URL is not/,
    );
  });

  it("treats empty strings as unset", function () {
    expect(readEnv({ FORK_URL: "" }).FORK_URL).to.equal(undefined);
  });
});
