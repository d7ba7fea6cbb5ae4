import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cancelMarket } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress, parseBranch } from "./common.js";

export interface CancelMarketArgs {
  root: string;
  branch: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketCancelMarket(args: CancelMarketArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const branch = parseBranch(args.branch, "--branch", 0n);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await cancelMarket(signer, await marketsAddress(conn, args.markets), args.root, branch);
    return {
      json: r,
      text: `Cancelled ${r.cancelled} resting orders (${r.contracts} contracts) on root ${r.rootId} ${branch === 0 ? "(every branch)" : `branch ${branch}`} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
