import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { fixingStep } from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface FixingArgs {
  session: string;
  do: string;
  prices: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionFixing(args: FixingArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await fixingStep(signer, args.session, args.do.trim(), args.prices, args.factory);
    const what =
      r.step === "propose"
        ? `proposed fixings ${r.prices.map((p) => formatAmount(p, 18)).join(", ")}`
        : r.step === "dispute"
          ? `disputed the proposal (bond ${r.bond} cash-leg token units paid, held for the fee recipient)`
          : r.step === "withdraw-bond"
            ? `withdrew ${r.bond} cash-leg token units of forfeited bonds`
            : "finalised the proposal";
    return {
      json: r,
      text: `${r.session}: ${what}; session status: ${r.status}\ntx ${r.txHash} (gas ${r.gasUsed})`,
    };
  });
}
