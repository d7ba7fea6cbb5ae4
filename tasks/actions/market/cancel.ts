import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, parseInteger, readJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cancelOrder } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface CancelArgs {
  key: string;
  order: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketCancel(args: CancelArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    if ((args.key === "") === (args.order === "")) {
      throw new CliError(
        "pass exactly one of --key <order key> (a resting order) or --order <file> (a signed order not yet submitted)",
      );
    }
    const what =
      args.key !== ""
        ? { orderKey: parseInteger(args.key, "--key", 1n) }
        : { file: readJsonFile(args.order, "--order") };
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await cancelOrder(signer, await marketsAddress(conn, args.markets), what);
    const release =
      "orderKey" in what
        ? "; its collateral is released at your next action on the root, a withdrawal, or `market sync`"
        : "";
    return {
      json: r,
      text: `Cancelled ${r.cancelled} (${r.quantity} contracts)${release} (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
