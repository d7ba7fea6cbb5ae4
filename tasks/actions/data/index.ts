import { mkdirSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseInteger } from "../../../sdk/cli/args.js";
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

export default async function dataIndex(args: DataIndexArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const fromBlock = parseInteger(args.fromBlock, "--from-block");
    const confirmations = Number(parseInteger(args.confirmations, "--confirmations"));
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
