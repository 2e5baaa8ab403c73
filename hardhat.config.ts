import "dotenv/config";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

import { readEnv } from "./lib/config";
import "./tasks";

const SOLC_VERSION = "0.8.28";
const env = readEnv();
// --ledger: the plugin (and its USB transport) loads only when a Ledger account is named, so ordinary runs and CI
// never touch it; the device signs for LEDGER_ACCOUNT on localhost and remote (lib/signer.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (env.LEDGER_ACCOUNT) require("@nomicfoundation/hardhat-ledger");
// The OpenZeppelin upgrades plugin (upgrade:proxy, `npm run test:upgrades`) loads only when asked for: with it, every
// compile runs solc a second time (its namespaced-storage pass on solc >= 0.8.20). HARDHAT_UPGRADES=1, or the
// upgrade:proxy task or scripts/deploy-vault.ts on the command line, loads it.
const upgradesPlugin =
  process.env.HARDHAT_UPGRADES === "1" ||
  process.argv.some((a) => a === "upgrade:proxy" || a.endsWith("deploy-vault.ts"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (upgradesPlugin) require("@openzeppelin/hardhat-upgrades");
// Always asked of solc, so the compiler input (and the compile cache) is the same with or without the plugin, which
// adds it: toggling the plugin does not recompile every contract.
const outputSelection = { "*": { "*": ["storageLayout"] } };
const ledger = env.LEDGER_ACCOUNT ? { ledgerAccounts: [env.LEDGER_ACCOUNT] } : {};
const excludedTags = [
  ...(env.FORK_URL ? [] : ["@fork"]),
  ...(process.env.COVERAGE === "1" ? ["@gas"] : []),
  // The proxy-upgrade suite needs the upgrades plugin: `npm run test:upgrades`.
  "@upgrades",
  // The embedded service's suite (HTTP, SQLite, child processes) runs on its own: `npm run test:service`.
  "@service",
];
const serviceSuiteOnly = process.env.SERVICE_TESTS === "1";
// A --grep on the command line (e.g. `--grep @fork`) selects on its own: the exclusions above would invert it.
const cliGrep = process.argv.includes("--grep");

// Offline compilation: Hardhat would download solc; we use the wasm build shipped by the pinned `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten\.clang$/, ""),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 10_000 }, outputSelection },
      },
    ],
    overrides: {
      // The module's spend paths are its product (they must cost less than Safe's AllowanceModule on every row of
      // docs/benchmarks.md): the IR pipeline inlines its small internal functions and ABI decoding, about 300 gas
      // less per direct spend and 650 per relayed one than the legacy pipeline at the same runs.
      "contracts/modules/SpendingLimitModule.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", viaIR: true, optimizer: { enabled: true, runs: 10_000 }, outputSelection },
      },
      // The guard is one singleton near EIP-170's 24,576-byte limit: over 25 KB at 10,000 runs, 24.0 KB at 1,500,
      // with the owner transaction's gas unchanged by the setting within 0.3% of the guard's overhead
      // (docs/benchmarks.md). Its abstract bases (contracts/guards/base/) need no override: solc compiles them in
      // this file's job, with these settings, as part of TreasuryGuard.
      "contracts/guards/TreasuryGuard.sol": {
        version: SOLC_VERSION,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 1500 }, outputSelection },
      },
    },
  },
  paths: {
    ignition: "deploy",
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      ...(env.FORK_URL
        ? { forking: { url: env.FORK_URL, ...(env.FORK_BLOCK_NUMBER ? { blockNumber: env.FORK_BLOCK_NUMBER } : {}) } }
        : {}),
    },
    localhost: {
      url: env.LOCAL_NODE_URL,
      ...ledger,
    },
    // A real chain: its RPC from RPC_URL, checked against CHAIN_ID when set. No keys here: tasks sign through
    // lib/signer.ts (PRIVATE_KEY or MNEMONIC, kept in memory) or a Ledger.
    ...(env.RPC_URL
      ? {
          remote: {
            url: env.RPC_URL,
            ...(env.CHAIN_ID ? { chainId: Number(env.CHAIN_ID) } : {}),
            accounts: [],
            ...ledger,
          },
        }
      : {}),
  },
  mocha: {
    timeout: 120_000,
    // Left out: the @fork suite without FORK_URL (there is nothing to fork), and under coverage (COVERAGE=1, set by
    // `npm run coverage`) the @gas assertions, since instrumentation distorts gas. SERVICE_TESTS=1 runs the @service
    // suite alone.
    ...(cliGrep ? {} : serviceSuiteOnly ? { grep: "@service" } : { grep: excludedTags.join("|"), invert: true }),
    rootHooks: {
      // Hardhat cannot execute calls in the fork block of a chain it has no hardfork history for (EDR #522),
      // which includes any chain running under id 31337: mine one local block before the suite starts.
      async beforeAll() {
        if (!env.FORK_URL) return;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const hre = require("hardhat") as {
          network: { provider: { send(m: string, p?: unknown[]): Promise<unknown> } };
        };
        await hre.network.provider.send("hardhat_mine", ["0x1"]);
      },
    },
  },
  gasReporter: {
    enabled: env.REPORT_GAS ?? false,
    offline: true,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
