import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError } from "../../sdk/cli/args.js";
import {
  keeperPass,
  outcomeLine,
  rootTargets,
  sessionTargets,
  type KeeperPass,
  type TargetSource,
} from "../../sdk/cli/keeper.js";
import { connect, deployedAddress, runCommand, selectSigner } from "../../sdk/cli/run.js";
import { marketsInterface } from "../../sdk/markets/abi.js";
import { SESSION_ABIS } from "../../sdk/sessions/client.js";
import { MARGIN_ABIS } from "../../sdk/sessions/margin.js";

export interface KeeperArgs {
  factory: string;
  markets: string;
  loop: boolean;
  interval: string;
  account: string;
  json: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export default async function keeper(args: KeeperArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const interval = Number(args.interval);
    if (!Number.isFinite(interval) || interval <= 0)
      throw new CliError(`--interval "${args.interval}" must be a positive number of seconds`);
    const conn = await connect(hre);
    const signer = await selectSigner(conn, args.account);
    const factory = await deployedAddress(conn, args.factory, "Sessions#SessionFactory", "--factory");
    const sources: TargetSource[] = [(r) => sessionTargets(r, factory)];
    // the markets singleton is optional: an explicit --markets, else the Ignition deployment if it has one
    let markets = "";
    if (args.markets !== "") markets = await deployedAddress(conn, args.markets, "Markets#BoundedMarkets", "--markets");
    else markets = await deployedAddress(conn, "", "Markets#BoundedMarkets", "--markets").catch(() => "");
    // a deployment file of another chain with the same id (the in-process chain and a local node are both 31337)
    if (markets !== "" && args.markets === "" && (await conn.ethers.provider.getCode(markets)) === "0x") markets = "";
    if (markets !== "") sources.push((r) => rootTargets(r, markets));
    const passes: KeeperPass[] = [];
    const print = (p: KeeperPass) =>
      p.outcomes.length === 0
        ? `${p.at} no open sessions`
        : p.outcomes.map((o) => `${p.at} ${outcomeLine(o)}`).join("\n");
    for (;;) {
      const p = await keeperPass(signer, sources, [...MARGIN_ABIS, marketsInterface]);
      passes.push(p);
      if (!args.loop) break;
      process.stdout.write(print(p) + "\n");
      await sleep(interval * 1000);
    }
    return { json: passes, text: passes.map(print).join("\n") };
  });
}
