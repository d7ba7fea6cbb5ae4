/**
 * Local walkthrough set-up, for `npx hardhat node` only: after the Sessions and LocalMocks Ignition modules
 * are deployed, mints mock AAPL and NVDA to accounts 1-3 and mock USDC to accounts 0-3 (the organiser pays
 * dividends in USDC; traders deposit it into markets), writes the demo session config to
 * out/local-session.json (human units, times relative to the chain clock) and creates the session through
 * the same client the `session create` task uses. Also writes out/local-margin-session.json, a margin
 * session on USDC (cash leg), AAPL and NVDA for `session create --file` (not created here). Prints every
 * address.
 *
 *   npx hardhat run scripts/local-setup.ts --network localhost
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { network } from "hardhat";

import { deployedAddress } from "../sdk/cli/run.js";
import { createSession, type SessionConfigFile } from "../sdk/sessions/client.js";
import { MockERC20__factory } from "../types/ethers-contracts/index.js";

const conn = await network.getOrCreate();
const { ethers } = conn;
const chainId = (await ethers.provider.getNetwork()).chainId;
if (chainId !== 31337n)
  throw new Error(`local-setup mints mock tokens and must only run on a local chain (31337), not ${chainId}`);

const [organiser, alice, bob, carol, feeDesk] = await ethers.getSigners();
const factory = await deployedAddress(conn, "", "Sessions#SessionFactory", "--factory");
const aapl = await deployedAddress(conn, "", "LocalMocks#AAPL", "--aapl");
const nvda = await deployedAddress(conn, "", "LocalMocks#NVDA", "--nvda");
const aaplUsd = await deployedAddress(conn, "", "LocalMocks#AAPL_USD", "--aapl-feed");
const nvdaUsd = await deployedAddress(conn, "", "LocalMocks#NVDA_USD", "--nvda-feed");
const usdc = await deployedAddress(conn, "", "LocalMocks#USDC", "--usdc");
const usdcUsd = await deployedAddress(conn, "", "LocalMocks#USDC_USD", "--usdc-feed");

for (const token of [aapl, nvda]) {
  const t = MockERC20__factory.connect(token, organiser);
  for (const who of [alice, bob, carol]) await (await t.mint(who.address, 1_000n * 10n ** 18n)).wait();
}
const usdcToken = MockERC20__factory.connect(usdc, organiser);
for (const who of [organiser, alice, bob, carol]) await (await usdcToken.mint(who.address, 10_000n * 10n ** 6n)).wait();

/** Windows and fees of both local sessions: trading opens in an hour and closes a day later. */
const common = {
  t1: "+1h",
  t2: "+1d",
  fallbackDeadline: "+2d",
  claimDeadline: "+30d",
  takerFeeBps: 10,
  makerFeeBps: 5,
  feeRecipient: feeDesk.address,
};
const fixing = (feed: string) => ({ feeds: [feed], heartbeat: 3 * 86_400, maxDelay: 6 * 3_600 });
const config: SessionConfigFile = {
  kind: "physical",
  mode: "in-kind",
  legs: [
    { token: aapl, unit: "1", feed: aaplUsd, fixing: fixing(aaplUsd) },
    { token: nvda, unit: "2", feed: nvdaUsd, fixing: fixing(nvdaUsd) },
  ],
  ...common,
  participation: "open",
};
/** A margin session: 100 USDC (cash leg), 1 AAPL and 1 NVDA per share; margin defaults, a 25 USDC dispute bond. */
const margin: SessionConfigFile = {
  kind: "margin",
  legs: [
    { token: usdc, unit: "100", fixing: fixing(usdcUsd) },
    { token: aapl, unit: "1", fixing: fixing(aaplUsd) },
    { token: nvda, unit: "1", fixing: fixing(nvdaUsd) },
  ],
  ...common,
  margin: { cashLeg: 0, disputeBond: "25" },
};
mkdirSync("out", { recursive: true });
writeFileSync("out/local-session.json", JSON.stringify(config, null, 2) + "\n");
writeFileSync("out/local-margin-session.json", JSON.stringify(margin, null, 2) + "\n");
const { session } = await createSession(organiser, factory, config);

console.log(`factory   ${factory}`);
console.log(`AAPL      ${aapl}   feed ${aaplUsd}`);
console.log(`NVDA      ${nvda}   feed ${nvdaUsd}`);
console.log(`USDC      ${usdc}   feed ${usdcUsd}`);
console.log(
  `minted    1000 AAPL and 1000 NVDA to accounts 1 (${alice.address}), 2 (${bob.address}), 3 (${carol.address})`,
);
console.log(`minted    10000 USDC to accounts 0 (${organiser.address}) to 3`);
console.log(`config    out/local-session.json (created below), out/local-margin-session.json (for "session create")`);
console.log(`session   ${session}`);
