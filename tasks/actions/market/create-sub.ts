import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { createSub, loadRoot } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress, parseBranch } from "./common.js";

export interface CreateSubArgs {
  root: string;
  parent: string;
  min: string;
  max: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketCreateSub(args: CreateSubArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const parent = parseBranch(args.parent, "--parent");
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const markets = await marketsAddress(conn, args.markets);
    const r = await createSub(signer, markets, args.root, parent, args.min, args.max);
    const d = (await loadRoot(conn.ethers.provider, markets, r.rootId)).decimals;
    return {
      json: r,
      text: `Created market ${r.branchId} on root ${r.rootId}: [${formatAmount(r.min, d)}, ${formatAmount(r.max, d)}] under branch ${parent} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
