import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { postBounds } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress, parseBranch } from "./common.js";

export interface PostBoundsArgs {
  root: string;
  branch: string;
  min: string;
  max: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketPostBounds(args: PostBoundsArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const branch = parseBranch(args.branch);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await postBounds(signer, await marketsAddress(conn, args.markets), args.root, branch, args.min, args.max);
    const x = (v: bigint) => formatAmount(v, r.decimals);
    return {
      json: r,
      text:
        `Root ${r.rootId}: possible range now [${x(r.lo)}, ${x(r.hi)}]` +
        (r.settled ? `, collapsed: settled at X = ${x(r.lo)}` : "") +
        ` (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
