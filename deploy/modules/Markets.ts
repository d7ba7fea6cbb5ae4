import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The bounded-payoff market family: one singleton holding every root, market, book and collateral account.
 * Its admin module (roots, bounds, settlement) and lens (views) run on the singleton's storage through
 * delegatecall, which keeps each piece under the contract size limit; the admin deploys its lens itself.
 */
export default buildModule("Markets", (m) => {
  const admin = m.contract("BoundedMarketsAdmin");
  const markets = m.contract("BoundedMarkets", [admin]);
  return { admin, markets };
});
