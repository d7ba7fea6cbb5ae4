import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseInteger, parseList } from "../../../sdk/cli/args.js";
import { rootText } from "../../../sdk/cli/market-format.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { createRoot, parseDuration, type SourceName } from "../../../sdk/markets/client.js";
import { MARKET_ABIS, marketsAddress } from "./common.js";

export interface CreateRootArgs {
  collateral: string;
  min: string;
  max: string;
  decimals: string;
  payout: string;
  expiresIn: string;
  voidAfter: string;
  source: string;
  reporter: string;
  disputeWindow: string;
  feed: string;
  heartbeat: string;
  maxDelay: string;
  markets: string;
  account: string;
  json: boolean;
}

export default async function marketCreateRoot(args: CreateRootArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, MARKET_ABIS, async () => {
    const input = {
      collateral: args.collateral,
      decimals: Number(parseInteger(args.decimals, "--decimals")),
      min: args.min,
      max: args.max,
      payout: args.payout,
      expiresIn: parseDuration(args.expiresIn, "--expires-in"),
      voidAfter: parseDuration(args.voidAfter, "--void-after"),
      source: args.source as SourceName,
      reporter: args.reporter,
      disputeWindow: parseDuration(args.disputeWindow, "--dispute-window"),
      feeds: args.feed === "" ? [] : parseList(args.feed, "--feed"),
      heartbeat: parseDuration(args.heartbeat, "--heartbeat"),
      maxDelay: parseDuration(args.maxDelay, "--max-delay"),
    };
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const r = await createRoot(signer, await marketsAddress(conn, args.markets), input);
    return {
      json: r,
      text: `Created root ${r.rootId} (tx ${r.txHash}, gas ${r.gasUsed})\n\n${rootText(r.info)}`,
    };
  });
}
