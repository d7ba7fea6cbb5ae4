import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { liquidateAccount } from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface LiquidateArgs {
  session: string;
  target: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionLiquidate(args: LiquidateArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await liquidateAccount(signer, args.session, args.target, args.factory);
    return {
      json: r,
      text: [
        `${r.liquidator} liquidated ${r.account} in ${r.session}`,
        `equity ${r.equity}, stressed ${r.stressed}, penalty ${r.penalty} (quote units)`,
        `compensation paid to the account: ${r.compensation} ${r.cashSymbol}`,
        `tx ${r.txHash} (gas ${r.gasUsed})`,
      ].join("\n"),
    };
  });
}
