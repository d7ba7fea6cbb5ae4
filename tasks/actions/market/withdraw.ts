import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { collateralOf, withdraw } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface WithdrawArgs {
  amount: string;
  token: string;
  root: string;
  to: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketWithdraw(args: WithdrawArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const markets = await marketsAddress(conn, args.markets);
    const token = await collateralOf(signer, markets, args.token, args.root);
    const r = await withdraw(signer, markets, token, args.amount, args.to);
    const f = (v: bigint) => `${formatAmount(v, token.decimals)} ${token.symbol}`;
    return {
      json: r,
      text: `${r.account} withdrew ${f(r.amount)} to ${r.to}; ${f(r.free)} still free (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
