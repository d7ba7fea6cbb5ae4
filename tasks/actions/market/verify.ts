import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError } from "../../../sdk/cli/args.js";
import { progressBar } from "../../../sdk/cli/progress.js";
import { connect, runCommand } from "../../../sdk/cli/run.js";
import { verifyRootCli } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface VerifyArgs {
  root: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketVerify(args: VerifyArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const r = await verifyRootCli(
      conn.ethers.provider,
      await marketsAddress(conn, args.markets),
      args.root,
      progressBar(`reading root ${args.root}'s log`),
    );
    if (r.problems.length > 0) {
      throw new CliError(
        `root ${r.rootId} does not verify: ${r.problems.length} problem(s) in ${r.records} records: ${r.problems.join("; ")}`,
      );
    }
    return {
      json: r,
      text: `Root ${r.rootId}: ${r.records} chained records (${r.events} events) checked: hash chain, digests, signatures, book and positions agree with the contract; head ${r.head}. No problem found.`,
    };
  });
}
