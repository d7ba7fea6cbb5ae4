import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import type { HardhatPlugin } from "hardhat/types/plugins";

import { ringfenceTasks } from "./tasks/index.js";

const require = createRequire(import.meta.url);

/** Quick profile for `npm test`; `npm run test:deep` selects the deep one. */
const quick = {
  fuzz: { runs: 256 },
  invariant: { runs: 64, depth: 25, failOnRevert: false },
};
const deep = {
  fuzz: { runs: 2_000 },
  invariant: { runs: 10_000, depth: 50, failOnRevert: false },
};

const solc = { version: "0.8.30", path: require.resolve("solc/soljson.js") };

/**
 * Chainlink's reference proxy (`DataFeedsLegacyAggregatorProxy`, built for the oracle tests) pins
 * `pragma solidity 0.8.26`, a compiler this machine cannot download. This test-only plugin reads that one file
 * with the pragma widened to `^0.8.26`, so the unchanged source compiles with the project's 0.8.30.
 */
const LEGACY_PROXY = "@chainlink/contracts/src/v0.8/data-feeds/test/helpers/DataFeedsLegacyAggregatorProxy.sol";
const legacyProxyPragma: HardhatPlugin = {
  id: "ringfence-legacy-proxy-pragma",
  hookHandlers: {
    solidity: async () => ({
      default: async () => ({
        readSourceFile: async (context, absolutePath, next) => {
          const text = await next(context, absolutePath);
          return absolutePath.endsWith(LEGACY_PROXY)
            ? text.replace("pragma solidity 0.8.26;", "pragma solidity ^0.8.26;")
            : text;
        },
      }),
    }),
  },
};
const settings = (runs: number) => ({ optimizer: { enabled: true, runs }, evmVersion: "cancun" });
/**
 * Optimised for run-time gas (10,000 runs), except the sessions and the markets admin module, whose code is
 * tuned for size to stay under the 24 KB contract limit (EIP-170).
 */
const compilerProfile = {
  compilers: [{ ...solc, settings: settings(10_000) }],
  overrides: Object.fromEntries([
    ...[
      "contracts/sessions/CashSession.sol",
      // Compiles CashSession into its own build: the same size-tuned code.
      "contracts/sessions/stress/SessionStressLens.sol",
      // The markets admin module inlines the oracle fixing (fixAt, findHints across aggregator phases).
      "contracts/markets/BoundedMarketsAdmin.sol",
    ].map((file) => [file, { ...solc, settings: settings(200) }]),
    // The physical session hosts pool swaps too: 1,000 runs keep it under the limit (about 600 bytes spare).
    ["contracts/sessions/PhysicalSession.sol", { ...solc, settings: settings(1_000) }],
    // The margin session is the largest kind: tuned hardest for size. Test files that deploy it (and the cash
    // session) compile them the same way, so they run the deployable code.
    ...[
      "contracts/sessions/margin/MarginSession.sol",
      "test/solidity/audit/SessionAuditBase.sol",
      "test/solidity/audit/Findings.t.sol",
      "test/solidity/audit/SessionsAudit.t.sol",
      "test/solidity/audit/SessionsCapsAndIsolation.t.sol",
      "test/solidity/sessions/amm/SessionAmmInvariants.t.sol",
      "test/solidity/sessions/SessionInvariants.t.sol",
      "test/solidity/sessions/margin/MarginInvariants.t.sol",
    ].map((file) => [file, { ...solc, settings: settings(1) }]),
  ]),
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, legacyProxyPragma],
  tasks: ringfenceTasks,
  solidity: {
    profiles: {
      default: compilerProfile,
      production: compilerProfile,
    },
    npmFilesToBuild: ["@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol", LEGACY_PROXY],
  },
  paths: {
    tests: { mocha: "test", solidity: "test/solidity" },
    ignition: "deploy",
  },
  test: {
    solidity: { profiles: { default: quick, deep } },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
});
