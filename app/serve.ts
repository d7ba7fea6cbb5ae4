/**
 * `npm run app`: serves the web trading app against a local node (docs/app.md). When nothing answers at
 * 127.0.0.1:8545 (and RF_RPC_URL is not set), it starts `hardhat node` there and sets up a live venue on it
 * (scripts/venue.ts: a physical session open for trading and a markets root with a sub-market, test accounts
 * 1 to 3 funded and subscribed). Otherwise it serves the node that answers, set up as in docs/walkthrough.md
 * (the Sessions and LocalMocks Ignition modules and `scripts/local-setup.ts`; RF_FACTORY and RF_MARKETS name
 * other deployments). Starts the order relay for every session of the factory (unless RF_RELAY_URL names one
 * already running) and Vite's dev server for `app/`, then runs until Ctrl-C (which also stops a node it started).
 *
 *   npx hardhat run app/serve.ts --network localhost
 */
import path from "node:path";

import { JsonRpcProvider } from "ethers";
import { network } from "hardhat";
import { createServer } from "vite";

import { startRelay, type Relay } from "../relay/index.js";
import {
  nodeAnswers,
  postOrders,
  publicTestKey,
  setUpVenue,
  startNode,
  stopGroup,
  type Venue,
} from "../scripts/venue.js";
import { deployedAddress } from "../sdk/cli/run.js";
import { listSessions } from "../sdk/sessions/client.js";

const rpcUrl = process.env.RF_RPC_URL ?? "http://127.0.0.1:8545";
let node: Awaited<ReturnType<typeof startNode>> | undefined;
let venue: Venue | undefined;
if (!(await nodeAnswers(rpcUrl))) {
  if (process.env.RF_RPC_URL !== undefined) {
    console.error(`No node answers at RF_RPC_URL=${rpcUrl}: start it, or unset RF_RPC_URL for a fresh local venue.`);
    process.exit(1);
  }
  console.log("No node at 127.0.0.1:8545: starting one and setting up a local venue (about 20 s)...");
  node = await startNode(8545);
  venue = await setUpVenue(rpcUrl);
  process.env.RF_FACTORY = venue.factory;
  process.env.RF_MARKETS = venue.markets;
}
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
if (venue !== undefined)
  for (const line of await postOrders(process.env.RF_RELAY_URL, venue.sessionOrders)) console.log(`order    ${line}`);
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

if (venue !== undefined) {
  console.log("traders  each subscribed for 10 shares and with 1,000 USDC in the markets; import a key into a browser");
  console.log(
    "         wallet on network http://127.0.0.1:8545, chain 31337 (Hardhat's public test keys: local use only)",
  );
  for (const t of venue.traders) console.log(`         ${t}  ${publicTestKey(t) ?? "(key: see the node's accounts)"}`);
}

const stop = async () => {
  await stopGroup(node?.proc); // the node first: it must never outlive this process
  await server.close();
  await relay?.close();
  process.exit(0);
};
// however this process ends, a node it started ends with it
process.once("exit", () => {
  if (node?.proc.pid !== undefined && node.proc.exitCode === null) {
    try {
      process.kill(-node.proc.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
process.once("SIGHUP", () => void stop());
await new Promise(() => undefined); // serve until a signal arrives
