import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { readJsonFile } from "../../../sdk/cli/args.js";
import { connect, deployedAddress, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { sessionText } from "../../../sdk/cli/session-format.js";
import { createSession, loadSession, SESSION_ABIS, type SessionConfigFile } from "../../../sdk/sessions/client.js";

export interface CreateArgs {
  file: string;
  factory: string;
  account: string;
  json: boolean;
}

export default async function sessionCreate(args: CreateArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const file = readJsonFile(args.file, "--file") as SessionConfigFile;
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
    const r = await createSession(signer, factory, file);
    const info = await loadSession(conn.ethers.provider, r.session);
    return {
      json: { ...r, info },
      text: `Created session ${r.session} (tx ${r.txHash}, gas ${r.gasUsed})\n\n${sessionText(info)}`,
    };
  });
}
