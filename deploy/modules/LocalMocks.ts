import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Mock tokens and Chainlink feeds for local networks only (the in-process chain and `npx hardhat node`).
 * Public test networks use the real feeds listed in deploy/feeds.json. Anyone can mint these tokens and
 * anyone can push answers to these feeds: never deploy this module to a public network.
 */
export default buildModule("LocalMocks", (m) => {
  const usdc = m.contract("MockERC20", ["Mock USD Coin", "USDC", 6], { id: "USDC" });
  const aapl = m.contract("MockERC20", ["Mock Apple", "AAPL", 18], { id: "AAPL" });
  const nvda = m.contract("MockERC20", ["Mock Nvidia", "NVDA", 18], { id: "NVDA" });
  const aaplUsd = m.contract("MockV3Aggregator", [8, 190_00000000n], { id: "AAPL_USD" });
  const nvdaUsd = m.contract("MockV3Aggregator", [8, 120_00000000n], { id: "NVDA_USD" });
  // the cash leg of a margin session is priced too: USDC at 1.00
  const usdcUsd = m.contract("MockV3Aggregator", [8, 1_00000000n], { id: "USDC_USD" });
  return { usdc, aapl, nvda, aaplUsd, nvdaUsd, usdcUsd };
});
