import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, parseInteger } from "../../../sdk/cli/args.js";
import { exportDataSet } from "../../../sdk/cli/data.js";
import { connect, runCommand } from "../../../sdk/cli/run.js";
import { openStore } from "../../../sdk/data/store.js";
import { SESSION_ABIS } from "../../../sdk/sessions/client.js";
import { storeUrl } from "./index.js";

export interface DataExportArgs {
  db: string;
  pg: string;
  out: string;
  key: string;
  delay: string;
  account: string;
  json: boolean;
}

export default async function dataExport(args: DataExportArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const delay = parseInteger(args.delay, "--delay");
    const key = args.key !== "" ? args.key : (process.env.RINGFENCE_RELEASE_KEY ?? "");
    if (key !== "" && key.length < 16)
      throw new CliError("the pseudonymisation key (--key or RINGFENCE_RELEASE_KEY) must be at least 16 characters");
    const { url, label } = storeUrl(args.db, args.pg);
    if (!url.startsWith("postgres") && url !== ":memory:") {
      const { existsSync } = await import("node:fs");
      if (!existsSync(url)) throw new CliError(`no data set at ${url}: run "npx hardhat data index" first`);
    }
    const conn = await connect(hre);
    const store = await openStore(url);
    try {
      const r = await exportDataSet(conn.ethers.provider, store, args.out, { key, delaySeconds: delay });
      return {
        json: { ...r, store: label },
        text: [
          `Exported from ${label}:`,
          `  ${r.orderFlow.file}  ${r.orderFlow.rows} trades`,
          `  ${r.positions.file}  ${r.positions.rows} position rows (one per account, leg and change)`,
          `  addresses ${r.pseudonymised ? "pseudonymised (HMAC-SHA256 under the release key)" : "in clear (no --key given)"}` +
            (r.delaySeconds > 0n ? `, rows younger than ${r.delaySeconds} s held back` : ""),
        ].join("\n"),
      };
    } finally {
      await store.close();
    }
  });
}
