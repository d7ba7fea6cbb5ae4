import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { marginSessionReport } from "../../../sdk/cli/margin.js";
import { connect, runCommand, selectAddress } from "../../../sdk/cli/run.js";
import { sessionText } from "../../../sdk/cli/session-format.js";
import { accountInfo, loadSession, SESSION_ABIS } from "../../../sdk/sessions/client.js";

export interface ShowArgs {
  session: string;
  account: string;
  factory: string;
  json: boolean;
}

export default async function sessionShow(args: ShowArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const conn = await connect(hre);
    const info = await loadSession(conn.ethers.provider, args.session, args.factory);
    const who = await selectAddress(conn, args.account);
    const acct = await accountInfo(conn.ethers.provider, info, who);
    if (info.kind !== "margin") return { json: { session: info, account: acct }, text: sessionText(info, acct) };
    // a margin session adds its configuration, stress, shorts, gap, leg states and the account's margin
    const margin = await marginSessionReport(conn.ethers.provider, info, who);
    return { json: { session: info, account: acct, margin }, text: sessionText(info, acct, margin) };
  });
}
