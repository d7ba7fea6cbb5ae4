/**
 * `npm run app`: serves the web trading app against a running local node (docs/app.md). Expects
 * `npx hardhat node` on 127.0.0.1:8545 with the local set-up done (the Sessions and LocalMocks Ignition modules
 * and `scripts/local-setup.ts`, as in docs/walkthrough.md). Starts the order relay for every session of the
 * deployed factory (unless RF_RELAY_URL names one already running) and Vite's dev server for `app/`, then runs
 * until Ctrl-C. The markets pages use RF_MARKETS, or the Ignition `Markets` module's singleton when deployed.
 *
 *   npx hardhat run app/serve.ts --network localhost
 */
import path from "node:path";

import { JsonRpcProvider } from "ethers";
import { network } from "hardhat";
import { createServer } from "vite";

import { startRelay, type Relay } from "../relay/index.js";
import { deployedAddress } from "../sdk/cli/run.js";
import { listSessions } from "../sdk/sessions/client.js";

const rpcUrl = process.env.RF_RPC_URL ?? "http://127.0.0.1:8545";
const conn = await network.getOrCreate();
const chainId = (await conn.ethers.provider.getNetwork()).chainId;
const factory = await deployedAddress(conn, process.env.RF_FACTORY ?? "", "Sessions#SessionFactory", "RF_FACTORY");
// the markets pages need the BoundedMarkets singleton: RF_MARKETS, else the Ignition "Markets" module if deployed
let markets = "";
try {
  markets = await deployedAddress(conn, process.env.RF_MARKETS ?? "", "Markets#BoundedMarkets", "RF_MARKETS");
} catch {
  markets = "";
}
const provider = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true });
const sessions = (await listSessions(provider, factory)).map((s) => s.address);

let relay: Relay | undefined;
if (process.env.RF_RELAY_URL === undefined) {
  relay = await startRelay({ provider, sessions, port: Number(process.env.RF_RELAY_PORT ?? 8700), fromBlock: 0n });
  process.env.RF_RELAY_URL = relay.url;
}
process.env.RF_RPC_URL = rpcUrl;
process.env.RF_FACTORY = factory;
process.env.RF_MARKETS = markets;
process.env.RF_CHAIN_ID = chainId.toString();

const server = await createServer({
  configFile: path.join(import.meta.dirname, "vite.config.ts"),
  server: { port: Number(process.env.RF_APP_PORT ?? 5173) },
});
await server.listen();
console.log(`node     ${rpcUrl} (chain ${chainId})`);
console.log(`factory  ${factory} (${sessions.length} sessions)`);
console.log(`markets  ${markets === "" ? "(not deployed: set RF_MARKETS)" : markets}`);
console.log(`relay    ${process.env.RF_RELAY_URL}${relay === undefined ? " (already running)" : ""}`);
console.log(
  `app      ${server.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/"}  (Ctrl-C stops the app and the relay)`,
);

const stop = async () => {
  await server.close();
  await relay?.close();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
await new Promise(() => undefined); // serve until a signal arrives
