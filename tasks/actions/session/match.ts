import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount, parseFraction, readJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { fillText } from "../../../sdk/cli/session-format.js";
import { matchOrders } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface MatchArgs {
  a: string;
  b: string;
  fraction: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionMatch(args: MatchArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const a = readJsonFile(args.a, "--a");
    const b = readJsonFile(args.b, "--b");
    const fraction = parseFraction(args.fraction);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await matchOrders(signer, a, b, fraction, args.factory);
    return {
      json: r,
      text: fillText(r, `Matched (b = ${r.taker}, ${formatAmount(r.filledAfterB * 100n, 18)}% of b filled)`),
    };
  });
}
