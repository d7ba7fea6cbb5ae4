import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The session-pool family: the stateless oracle adapter, the three session implementations (the margin one
 * with its governance module) (never used
 * directly: sessions are clones of them), the factory that validates configs and clones, and the lens for
 * mark-to-market views. No constructor takes an owner: nothing here is administered after deployment.
 */
export default buildModule("Sessions", (m) => {
  const oracle = m.contract("SessionOracle");
  const physicalImplementation = m.contract("PhysicalSession");
  const cashImplementation = m.contract("CashSession");
  const marginModule = m.contract("MarginModule");
  const marginImplementation = m.contract("MarginSession", [marginModule]);
  const factory = m.contract("SessionFactory", [
    physicalImplementation,
    cashImplementation,
    marginImplementation,
    oracle,
  ]);
  const lens = m.contract("SessionLens");
  return { oracle, physicalImplementation, cashImplementation, marginImplementation, factory, lens };
});
