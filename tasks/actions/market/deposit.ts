import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { collateralOf, deposit } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface DepositArgs {
  amount: string;
  token: string;
  root: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketDeposit(args: DepositArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const markets = await marketsAddress(conn, args.markets);
    const token = await collateralOf(signer, markets, args.token, args.root);
    const r = await deposit(signer, markets, token, args.amount);
    const f = (v: bigint) => `${formatAmount(v, token.decimals)} ${token.symbol}`;
    return {
      json: r,
      text:
        `${r.account} deposited ${f(r.amount)}` +
        (r.approved === 0n ? " (allowance sufficed)" : ` (approved exactly ${f(r.approved)} first)`) +
        `; cash now ${f(r.cash)} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
