import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount, parseInteger } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { textTable } from "../../../sdk/report/html.js";
import { subscribe } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface SubscribeArgs {
  session: string;
  shares: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionSubscribe(args: SubscribeArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const shares = parseInteger(args.shares, "--shares", 1n);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await subscribe(signer, args.session, shares, args.factory);
    return {
      json: r,
      text: [
        `${r.account} subscribed ${r.shares} shares of ${r.session}`,
        textTable(
          ["token", "paid", "approved first"],
          r.pulled.map((p) => [
            p.symbol,
            formatAmount(p.amount, p.decimals),
            p.approved === 0n ? "(allowance sufficed)" : formatAmount(p.approved, p.decimals),
          ]),
        ),
        `tx ${r.txHash} (gas ${r.gasUsed})`,
      ].join("\n"),
    };
  });
}
