import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { readJsonFile } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cancelOrder } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface CancelArgs {
  order: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionCancel(args: CancelArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const raw = readJsonFile(args.order, "--order");
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await cancelOrder(signer, raw, args.factory);
    return { json: r, text: `Cancelled order ${r.digest} in ${r.session} (tx ${r.txHash}, gas ${r.gasUsed})` };
  });
}
