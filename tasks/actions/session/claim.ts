import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { textTable } from "../../../sdk/report/html.js";
import { claim } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface ClaimArgs {
  session: string;
  to: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionClaim(args: ClaimArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await claim(signer, args.session, args.to, args.factory);
    return {
      json: r,
      text: [
        `${r.account} claimed from ${r.session}, paid to ${r.to}`,
        textTable(
          ["token", "amount"],
          r.paid.map((p) => [p.symbol, formatAmount(p.amount, p.decimals)]),
        ),
        `tx ${r.txHash} (gas ${r.gasUsed})`,
      ].join("\n"),
    };
  });
}
