import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, parseInteger } from "../../../sdk/cli/args.js";
import { indexDeployment } from "../../../sdk/cli/data.js";
import { progressBar } from "../../../sdk/cli/progress.js";
import { connect, deployedAddress, runCommand } from "../../../sdk/cli/run.js";
import { openStore } from "../../../sdk/data/store.js";
import { SESSION_ABIS } from "../../../sdk/sessions/client.js";

export interface DataIndexArgs {
  db: string;
  pg: string;
  fromBlock: string;
  confirmations: string;
  factory: string;
  account: string;
  json: boolean;
}

/** `--pg`, else the RINGFENCE_PG_URL environment variable, else the SQLite file `--db`. */
export function storeUrl(db: string, pg: string): { url: string; label: string } {
  const url = pg !== "" ? pg : (process.env.RINGFENCE_PG_URL ?? "");
  if (url !== "") return { url, label: "PostgreSQL (" + url.replace(/\/\/[^@]*@/, "//***@") + ")" };
  if (db !== ":memory:") mkdirSync(path.dirname(db), { recursive: true });
  return { url: db, label: `SQLite ${db}` };
}

/** `--key`, else RINGFENCE_RELEASE_KEY; empty means no pseudonyms. A key shorter than 16 characters is refused. */
export function releaseKey(key: string): string {
  const k = key !== "" ? key : (process.env.RINGFENCE_RELEASE_KEY ?? "");
  if (k !== "" && k.length < 16)
    throw new CliError("the pseudonymisation key (--key or RINGFENCE_RELEASE_KEY) must be at least 16 characters");
  return k;
}

/** {@link storeUrl} for commands that read a data set: a SQLite file must exist already. */
export function existingStoreUrl(db: string, pg: string): { url: string; label: string } {
  const r = storeUrl(db, pg);
  if (!r.url.startsWith("postgres") && r.url !== ":memory:" && !existsSync(r.url))
    throw new CliError(`no data set at ${r.url}: run "npx hardhat data index" first`);
  return r;
}

export default async function dataIndex(args: DataIndexArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const fromBlock = parseInteger(args.fromBlock, "--from-block");
    // empty: the chain's default depth (sdk/data/reorg.ts defaultConfirmations: 0 local, 12 public)
    const confirmations =
      args.confirmations.trim() === "" ? undefined : Number(parseInteger(args.confirmations, "--confirmations"));
    const conn = await connect(hre);
    const factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
    const { url, label } = storeUrl(args.db, args.pg);
    const store = await openStore(url);
    try {
      const r = await indexDeployment(conn.ethers.provider, store, factory, {
        fromBlock,
        confirmations,
        onProgress: progressBar("indexing blocks"),
      });
      return {
        json: { ...r, store: label },
        text: `Indexed chain ${r.chainId} up to block ${r.toBlock} into ${label}: ${r.events} events from the factory ${r.factory} and ${r.sessions} sessions`,
      };
    } finally {
      await store.close();
    }
  });
}
