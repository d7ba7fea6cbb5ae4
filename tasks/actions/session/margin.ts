import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { marginAccount } from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectAddress } from "../../../sdk/cli/run.js";
import { textTable } from "../../../sdk/report/html.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface MarginArgs {
  session: string;
  account: string;
  factory: string;
  json: boolean;
}

export default async function sessionMargin(args: MarginArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const account = await selectAddress(conn, args.account);
    const r = await marginAccount(conn.ethers.provider, args.session, account, args.factory);
    return {
      json: r,
      text: [
        `Margin of ${r.account} in ${r.session} (quote units, latest oracle prices)`,
        textTable(
          ["equity", "stressed", "gross", "initial", "maintenance", "headroom", "liquidatable"],
          [[r.equity, r.stressed, r.gross, r.initial, r.maintenance, r.headroom, r.liquidatable ? "yes" : "no"]],
        ),
        `dividends due: ${r.dividends} ${r.cashSymbol}`,
      ].join("\n"),
    };
  });
}
