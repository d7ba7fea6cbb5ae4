import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { finalizeReport } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface FinalizeArgs {
  root: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketFinalize(args: FinalizeArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await finalizeReport(signer, await marketsAddress(conn, args.markets), args.root);
    return {
      json: r,
      text: `Root ${r.rootId}: settled at the report, X = ${formatAmount(r.x, r.decimals)} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
