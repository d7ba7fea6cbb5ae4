import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { rootText } from "../../../sdk/cli/market-format.js";
import { connect, runCommand, selectAddress } from "../../../sdk/cli/run.js";
import { loadRoot, rootAccount } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface ShowArgs {
  root: string;
  account: string;
  markets: string;
  json: boolean;
}

export default async function marketShow(args: ShowArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const info = await loadRoot(conn.ethers.provider, await marketsAddress(conn, args.markets), args.root);
    const who = await selectAddress(conn, args.account);
    const acct = await rootAccount(conn.ethers.provider, info, who);
    return { json: { root: info, account: acct }, text: rootText(info, acct) };
  });
}
