import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { redeem } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface RedeemArgs {
  root: string;
  trader: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketRedeem(args: RedeemArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await redeem(signer, await marketsAddress(conn, args.markets), args.root, args.trader);
    return {
      json: r,
      text: `Redeemed ${r.trader} on root ${r.rootId}: ${formatAmount(r.payout, r.token.decimals)} ${r.token.symbol} added to its cash (withdraw with "market withdraw") (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
