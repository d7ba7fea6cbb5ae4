import { Wallet, type Signer } from "ethers";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, parseAddress, parseInteger } from "../../../sdk/cli/args.js";
import { connect, deployedAddress, runCommand, selectSigner, setIo, type Connection } from "../../../sdk/cli/run.js";
import { defaultConfirmations } from "../../../sdk/data/reorg.js";
import { MARKET_ABIS } from "../../../sdk/markets/errors.js";
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
  /** BoundedMarkets address ("" = the deployment's, if any). */
  markets?: string;
  /** Roots served, comma-separated ("" = every root). */
  roots?: string;
  marketsFromBlock?: string;
  /** Relayer of signed market orders: an account index or address, or a configuration variable's name. */
  relayer?: string;
  json: boolean;
}

/** `--markets`, else the deployment's `Markets#BoundedMarkets` when the chain has one, else none. */
async function marketsToServe(conn: Connection, explicit: string): Promise<string | undefined> {
  if (explicit.trim() !== "") return parseAddress(explicit, "--markets");
  // deployedAddress refuses on the in-process chain, without a deployment file and without the key: all "none".
  try {
    return await deployedAddress(conn, "", "Markets#BoundedMarkets", "--markets");
  } catch {
    return undefined;
  }
}

/**
 * `--relayer`: an account index or address of the network (`selectSigner`), or the name of a Hardhat
 * configuration variable (environment variable or keystore) holding the relayer's private key.
 */
export async function relayerSigner(
  hre: HardhatRuntimeEnvironment,
  conn: Connection,
  value: string,
): Promise<Signer | undefined> {
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+$/.test(v) || /^0x[0-9a-fA-F]{40}$/.test(v)) return selectSigner(conn, v);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))
    throw new CliError(
      `--relayer "${v}" is neither an account index nor the name of a configuration variable (letters, digits, _)`,
    );
  let key: string;
  try {
    key = await hre.hooks.runHandlerChain(
      "configurationVariables",
      "fetchValue",
      [configVariable(v)],
      async (_ctx, variable) => {
        const found = process.env[variable.name];
        if (found === undefined) throw new CliError(`the configuration variable ${variable.name} is not set`);
        return found;
      },
    );
  } catch (e) {
    throw new CliError(
      `--relayer ${v}: ${(e as Error).message}; set it (environment variable or "npx hardhat keystore set ${v}") to the relayer's private key`,
    );
  }
  try {
    return new Wallet(key.trim(), conn.ethers.provider);
  } catch {
    throw new CliError(`--relayer ${v}: the configuration variable does not hold a private key (0x + 64 hex digits)`);
  }
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
  return runCommand(args.json, [...SESSION_ABIS, ...MARKET_ABIS], async () => {
    const port = Number(parseInteger(args.port, "--port"));
    if (port > 65_535) throw new CliError(`--port ${port} is above 65535`);
    const conn = await connect(hre);
    const provider = conn.ethers.provider;
    const chainId = (await provider.getNetwork()).chainId;
    const markets = await marketsToServe(conn, args.markets ?? "");
    let sessions: string[] = [];
    let factory: string | undefined;
    // Read before listing: a session the factory creates after this block is found by following it.
    const listedAt = BigInt(await provider.getBlockNumber());
    if (args.sessions.trim() !== "") {
      sessions = args.sessions.split(",").map((s) => parseAddress(s.trim(), "--sessions"));
      if (sessions.length === 0) throw new CliError("--sessions names no session");
    } else {
      try {
        factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
        sessions = (await listSessions(provider, factory)).map((s) => s.address);
      } catch (e) {
        // markets alone are enough to serve
        if (markets === undefined) throw e;
      }
    }
    if (sessions.length === 0 && factory === undefined && markets === undefined)
      throw new CliError("no session to serve: create one, or name them with --sessions (or serve markets: --markets)");
    const roots =
      (args.roots ?? "").trim() === ""
        ? undefined
        : (args.roots as string).split(",").map((r) => parseInteger(r.trim(), "--roots", 1n));
    const relayer = markets === undefined ? undefined : await relayerSigner(hre, conn, args.relayer ?? "");
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
      markets:
        markets === undefined
          ? undefined
          : {
              address: markets,
              roots,
              fromBlock:
                (args.marketsFromBlock ?? "").trim() === ""
                  ? undefined
                  : parseInteger(args.marketsFromBlock as string, "--markets-from-block"),
              relayer,
            },
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
      `Relay for chain ${chainId} on ${relay.url} (WebSocket ${relay.url.replace("http", "ws")}/ws): ${sessions.length} sessions${factory === undefined ? "" : ` (and every new one of factory ${factory})`}, ${
        relay.markets === undefined
          ? "no markets"
          : `markets ${relay.markets.address} roots [${[...relay.markets.roots.keys()].join(", ")}] (relayer ${relay.markets.relayer === undefined ? "off" : relay.markets.relayerAddress})`
      }, store ${label}, confirmations ${confirmations} (the data set's default here: ${defaultConfirmations(chainId)}). Ctrl-C stops it.`,
    );
    await stop;
    await relay.close();
    return {
      json: {
        chainId,
        url: relay.url,
        sessions,
        markets: relay.markets?.address ?? null,
        roots: relay.markets === undefined ? [] : [...relay.markets.roots.keys()],
        store: label,
        stopped: true,
      },
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
