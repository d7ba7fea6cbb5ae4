import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseInteger } from "../../../sdk/cli/args.js";
import { exportDataSet } from "../../../sdk/cli/data.js";
import { connect, runCommand } from "../../../sdk/cli/run.js";
import { openStore } from "../../../sdk/data/store.js";
import { SESSION_ABIS } from "../../../sdk/sessions/client.js";
import { existingStoreUrl, releaseKey } from "./index.js";

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
    const key = releaseKey(args.key);
    const { url, label } = existingStoreUrl(args.db, args.pg);
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
