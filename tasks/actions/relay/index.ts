import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, parseAddress, parseInteger } from "../../../sdk/cli/args.js";
import { connect, deployedAddress, runCommand, selectSigner, setIo } from "../../../sdk/cli/run.js";
import { defaultConfirmations } from "../../../sdk/data/reorg.js";
import { listSessions, SESSION_ABIS } from "../../../sdk/sessions/client.js";
import { parseCorsOrigins } from "../../../relay/cors.js";
import { startRelay, type Relay } from "../../../relay/index.js";
import { storeUrl } from "../data/index.js";

export interface RelayArgs {
  host: string;
  port: string;
  db: string;
  pg: string;
  sessions: string;
  factory: string;
  fromBlock: string;
  confirmations: string;
  expiryMargin: string;
  pollMs: string;
  /** Comma-separated origins, or `*` (relay/cors.ts); empty: same-origin only. */
  corsOrigin: string;
  operatorAccount: string;
  json: boolean;
}

/**
 * Starts the relay and keeps it running until `stop` settles (the task: SIGINT or SIGTERM). `onStarted`
 * hears the running relay (tests).
 */
export async function runRelay(
  args: RelayArgs,
  hre: HardhatRuntimeEnvironment,
  stop: Promise<unknown>,
  onStarted?: (r: Relay) => void,
) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const port = Number(parseInteger(args.port, "--port"));
    if (port > 65_535) throw new CliError(`--port ${port} is above 65535`);
    const conn = await connect(hre);
    const provider = conn.ethers.provider;
    const chainId = (await provider.getNetwork()).chainId;
    let sessions: string[];
    let factory: string | undefined;
    // Read before listing: a session the factory creates after this block is found by following it.
    const listedAt = BigInt(await provider.getBlockNumber());
    if (args.sessions.trim() !== "") {
      sessions = args.sessions.split(",").map((s) => parseAddress(s.trim(), "--sessions"));
      if (sessions.length === 0) throw new CliError("--sessions names no session");
    } else {
      factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
      sessions = (await listSessions(provider, factory)).map((s) => s.address);
    }
    let corsOrigins: string[];
    try {
      corsOrigins = parseCorsOrigins(args.corsOrigin);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const { url: dbUrl, label } = storeUrl(args.db, args.pg);
    const confirmations =
      args.confirmations.trim() === "" ? 0 : Number(parseInteger(args.confirmations, "--confirmations"));
    const relay = await startRelay({
      provider,
      sessions,
      storeUrl: dbUrl,
      host: args.host,
      port,
      pollMs: Number(parseInteger(args.pollMs, "--poll-ms", 10n)),
      expiryMarginSec: Number(parseInteger(args.expiryMargin, "--expiry-margin")),
      fromBlock: args.fromBlock.trim() === "" ? listedAt : parseInteger(args.fromBlock, "--from-block"),
      factory,
      confirmations,
      corsOrigins,
      // the matching operator: off unless an account is named
      operator: args.operatorAccount.trim() === "" ? undefined : await selectSigner(conn, args.operatorAccount),
      onMatch: (m) => {
        const io = setIo(undefined);
        setIo(io);
        io.err(
          m.tx !== undefined
            ? `matched ${m.ask} with ${m.bid} (${m.pair}, fraction ${m.fractionWad} WAD): ${m.tx}`
            : `match of ${m.ask} with ${m.bid} refused by the contract: ${m.refused}`,
        );
      },
    });
    onStarted?.(relay);
    // the start line goes to the current error sink (stderr, or a test's capture): stdout stays the result
    const io = setIo(undefined);
    setIo(io);
    io.err(
      `Relay for chain ${chainId} on ${relay.url} (WebSocket ${relay.url.replace("http", "ws")}/ws): ${sessions.length} sessions${factory === undefined ? "" : ` (and every new one of factory ${factory})`}, store ${label}, confirmations ${confirmations} (the data set's default here: ${defaultConfirmations(chainId)}). Ctrl-C stops it.`,
    );
    await stop;
    await relay.close();
    return {
      json: { chainId, url: relay.url, sessions, store: label, stopped: true },
      text: `Relay on ${relay.url} stopped`,
    };
  });
}

export default async function relayTask(args: RelayArgs, hre: HardhatRuntimeEnvironment) {
  const stop = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  return runRelay(args, hre, stop);
}
