import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { syncRoot } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface SyncArgs {
  root: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketSync(args: SyncArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await syncRoot(signer, await marketsAddress(conn, args.markets), args.root);
    const f = (v: bigint) => `${formatAmount(v, r.collateral.decimals)} ${r.collateral.symbol}`;
    return {
      json: r,
      text: `Synced root ${r.rootId}: stored worst case ${f(r.storedBefore)} -> ${f(r.storedAfter)} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
