import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount, isoTime } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { reportOutcome } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface ReportArgs {
  root: string;
  outcome: string;
  override: boolean;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketReport(args: ReportArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await reportOutcome(
      signer,
      await marketsAddress(conn, args.markets),
      args.root,
      args.outcome,
      args.override,
    );
    const x = formatAmount(r.x, r.decimals);
    return {
      json: r,
      text: r.settled
        ? `Root ${r.rootId}: the owner overrode the report, settled at X = ${x} (tx ${r.txHash}, gas ${r.gasUsed})`
        : `Root ${r.rootId}: reported X = ${x}; final after the dispute window ends at ${isoTime(r.windowEnd ?? 0n)} ("market finalize") unless the owner overrides (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
