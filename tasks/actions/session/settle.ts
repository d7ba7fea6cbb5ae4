import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { textTable } from "../../../sdk/report/html.js";
import { settleSession } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface SettleArgs {
  session: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionSettle(args: SettleArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await settleSession(signer, args.session, args.factory);
    return {
      json: r,
      text: [
        `Session ${r.session}: ${r.outcome} (tx ${r.txHash}, gas ${r.gasUsed})`,
        ...(r.prices.length === 0
          ? []
          : [
              textTable(
                ["leg", "symbol", "fixing", "settlement price"],
                r.prices.map((p) => [p.leg, p.symbol, formatAmount(p.fixing, 18), formatAmount(p.settlement, 18)]),
              ),
            ]),
      ].join("\n"),
    };
  });
}
