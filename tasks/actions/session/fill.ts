import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseFraction, readJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { fillText } from "../../../sdk/cli/session-format.js";
import { fillOrder } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface FillArgs {
  order: string;
  fraction: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionFill(args: FillArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const raw = readJsonFile(args.order, "--order");
    const fraction = parseFraction(args.fraction);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await fillOrder(signer, raw, fraction, args.factory);
    return { json: r, text: fillText(r, `${r.taker} filled`) };
  });
}
