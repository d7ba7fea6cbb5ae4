import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import MarketsModule from "./Markets.js";
import SessionsModule from "./Sessions.js";

/** The whole system: both contract families. Deploy with `npx hardhat ignition deploy deploy/modules/Ringfence.ts`. */
export default buildModule("Ringfence", (m) => {
  const sessions = m.useModule(SessionsModule);
  const markets = m.useModule(MarketsModule);
  return { ...sessions, ...markets };
});
