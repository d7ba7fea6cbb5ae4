import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError } from "../../../sdk/cli/args.js";
import { buildDataReport, reportText } from "../../../sdk/cli/report.js";
import { connect, runCommand } from "../../../sdk/cli/run.js";
import { openStore } from "../../../sdk/data/store.js";
import { SESSION_ABIS } from "../../../sdk/sessions/client.js";
import { existingStoreUrl, releaseKey } from "./index.js";

export interface DataReportArgs {
  db: string;
  pg: string;
  out: string;
  key: string;
  account: string;
  json: boolean;
}

export default async function dataReport(args: DataReportArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const key = releaseKey(args.key);
    const { url, label } = existingStoreUrl(args.db, args.pg);
    const conn = await connect(hre);
    const store = await openStore(url);
    try {
      const r = await buildDataReport(conn.ethers.provider, store, { key });
      if (r.sessions.length === 0)
        throw new CliError(
          `the data set in ${label} holds no session of chain ${r.chainId}: run "npx hardhat data index" first`,
        );
      mkdirSync(path.dirname(args.out), { recursive: true });
      writeFileSync(args.out, r.html);
      if (!r.ok) process.exitCode = 1;
      const { html: _html, ...summary } = r;
      return { json: { ...summary, file: args.out, store: label }, text: reportText(r, args.out) };
    } finally {
      await store.close();
    }
  });
}
