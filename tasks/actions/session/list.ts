import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { connect, deployedAddress, runCommand } from "../../../sdk/cli/run.js";
import { sessionListText } from "../../../sdk/cli/session-format.js";
import { listSessions, SESSION_ABIS } from "../../../sdk/sessions/client.js";

export interface ListArgs {
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionList(args: ListArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const conn = await connect(hre);
    const factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
    const rows = await listSessions(conn.ethers.provider, factory);
    return { json: { factory, sessions: rows }, text: `Factory ${factory}\n` + sessionListText(rows) };
  });
}
