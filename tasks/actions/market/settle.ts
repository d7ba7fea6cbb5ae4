import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { settleRoot } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface SettleArgs {
  root: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketSettle(args: SettleArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await settleRoot(signer, await marketsAddress(conn, args.markets), args.root);
    return {
      json: r,
      text:
        r.outcome === "settled"
          ? `Root ${r.rootId}: settled from the feed at X = ${formatAmount(r.x ?? 0n, r.decimals)} (tx ${r.txHash}, gas ${r.gasUsed})`
          : `Root ${r.rootId}: voided (nothing settled it by its void deadline); redeem returns each trader's net premium (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
