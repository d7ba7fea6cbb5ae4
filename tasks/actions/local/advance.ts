import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, isoTime, parseInteger } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { chainNow, loadSession, SESSION_ABIS } from "../../../sdk/sessions/client.js";
import {
  MockV3Aggregator__factory,
  SessionOracle__factory,
  SessionCore__factory,
} from "../../../types/ethers-contracts/index.js";

export interface AdvanceArgs {
  session: string;
  to: string;
  account: string;
  json: boolean;
}

/**
 * Local chains only: moves the clock to a session's t1 or t2 (or by N seconds) and, for each leg's feed
 * that is a mock (MockV3Aggregator), republishes its latest answer so a fresh round exists after the jump
 * (a fixing at t2 needs the first round at or after t2).
 */
export default async function localAdvance(args: AdvanceArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const conn = await connect(hre);
    const chainId = (await conn.ethers.provider.getNetwork()).chainId;
    if (chainId !== 31337n)
      throw new CliError(`"local advance" only runs on a local chain (31337); this is chain ${chainId}`);
    const signer = await selectSigner(conn, args.account);
    const before = await chainNow(signer);
    let target: bigint;
    let feeds: string[] = [];
    if (args.to === "t1" || args.to === "t2") {
      const info = await loadSession(signer, args.session);
      target = args.to === "t1" ? info.t1 : info.t2 + 1n;
      const s = SessionCore__factory.connect(info.address, signer);
      const oracle = SessionOracle__factory.connect(await s.oracle(), signer);
      const specs = await s.fixingSpecs();
      for (let k = 0; k < info.legs.length; k++) feeds.push(...(await oracle.specAt(specs, k)).feeds);
      feeds = [...new Set(feeds)];
    } else {
      target = before + parseInteger(args.to, "--to (t1, t2 or seconds)", 1n);
    }
    if (target > before) await conn.networkHelpers.time.increaseTo(target);
    const republished: string[] = [];
    for (const f of feeds) {
      const feed = MockV3Aggregator__factory.connect(f, signer);
      try {
        const answer = await feed.latestAnswer();
        await (await feed.updateAnswer(answer)).wait();
        republished.push(f);
      } catch {
        // not a mock feed: nothing to republish
      }
    }
    const after = await chainNow(signer);
    return {
      json: { before, after, republished },
      text:
        `Chain time ${isoTime(before)} -> ${isoTime(after)}` +
        (republished.length > 0 ? `; republished ${republished.length} mock feed rounds` : ""),
    };
  });
}
