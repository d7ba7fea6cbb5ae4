import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { claimDividends } from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface DividendsArgs {
  session: string;
  to: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionDividends(args: DividendsArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await claimDividends(signer, args.session, args.to, args.factory);
    return {
      json: r,
      text: `${r.account} claimed ${r.amount} ${r.cashSymbol} of dividends from ${r.session}, paid to ${r.to}\ntx ${r.txHash} (gas ${r.gasUsed})`,
    };
  });
}
