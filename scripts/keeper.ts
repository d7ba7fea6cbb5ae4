/**
 * The keeper as a script: `npx hardhat run scripts/keeper.ts --network localhost`. Settles every due
 * session of the factory (from the Ignition deployment, or KEEPER_FACTORY) through checkUpkeep /
 * performUpkeep. KEEPER_LOOP=1 keeps it running, one pass every KEEPER_INTERVAL seconds (default 15);
 * KEEPER_ACCOUNT picks the signer (default 0). Safe to run twice at once: a rival's win shows as "skipped".
 * The same thing as a task: `npx hardhat keeper [--loop --interval 15]`.
 */
import hre from "hardhat";

import keeper from "../tasks/actions/keeper.js";

await keeper(
  {
    factory: process.env.KEEPER_FACTORY ?? "",
    markets: process.env.KEEPER_MARKETS ?? "",
    loop: process.env.KEEPER_LOOP === "1",
    interval: process.env.KEEPER_INTERVAL ?? "15",
    account: process.env.KEEPER_ACCOUNT ?? "0",
    json: process.env.KEEPER_JSON === "1",
  },
  hre,
);
