import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseInteger } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { cancelAll } from "../../../sdk/sessions/client.js";
// margin sessions trade through the same commands: decode their errors too (BelowInitialMargin, ...)
import { MARGIN_ABIS } from "../../../sdk/sessions/margin.js";

export interface CancelAllArgs {
  session: string;
  nonce: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionCancelAll(args: CancelAllArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARGIN_ABIS, async () => {
    const nonce = parseInteger(args.nonce, "--nonce", 1n);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await cancelAll(signer, args.session, nonce, args.factory);
    return {
      json: r,
      text: `Nonce floor in ${r.session} raised from ${r.previous} to ${r.floor}: every order with nonce < ${r.floor} is dead (tx ${r.txHash}, gas ${r.gasUsed})`,
    };
  });
}
