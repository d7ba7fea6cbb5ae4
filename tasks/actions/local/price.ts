import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { CliError, formatAmount, isoTime, parseAddress, parseAmount } from "../../../sdk/cli/args.js";
import { connect, runCommand, selectSigner } from "../../../sdk/cli/run.js";
import { SESSION_ABIS } from "../../../sdk/sessions/client.js";
import { MockV3Aggregator__factory } from "../../../types/ethers-contracts/index.js";

export interface PriceArgs {
  feed: string;
  price: string;
  account: string;
  json: boolean;
}

/**
 * Local chains only: publishes a new round on a mock Chainlink feed (MockV3Aggregator, as deployed by
 * deploy/modules/LocalMocks.ts) with the answer `--price` in human units (the feed's own decimals), at the
 * current chain time. This is how a price moves on a local node: a feed root settles from the first round at
 * or after its expiry, a margin account falls below maintenance after its short leg rises.
 */
export default async function localPrice(args: PriceArgs, hre: HardhatRuntimeEnvironment) {
  return runCommand(args.json, SESSION_ABIS, async () => {
    const conn = await connect(hre);
    const chainId = (await conn.ethers.provider.getNetwork()).chainId;
    if (chainId !== 31337n)
      throw new CliError(`"local price" only runs on a local chain (31337); this is chain ${chainId}`);
    const feedAddress = parseAddress(args.feed, "--feed");
    const signer = await selectSigner(conn, args.account);
    const feed = MockV3Aggregator__factory.connect(feedAddress, signer);
    let decimals: number;
    let before: bigint;
    try {
      decimals = Number(await feed.decimals());
      before = await feed.latestAnswer();
      await feed.updateAnswer.staticCall(0n);
    } catch {
      throw new CliError(
        `--feed ${feedAddress} is not a mock feed (MockV3Aggregator with updateAnswer): pass one of the LocalMocks feeds`,
      );
    }
    const answer = parseAmount(args.price.trim(), decimals, "--price");
    if (answer <= 0n) throw new CliError(`--price "${args.price.trim()}" must be above 0`);
    const tx = await feed.updateAnswer(answer);
    const receipt = await tx.wait();
    const [roundId, , , updatedAt] = await feed.latestRoundData();
    const json = {
      feed: feedAddress,
      decimals,
      before,
      answer,
      roundId,
      updatedAt,
      txHash: tx.hash,
      gasUsed: receipt?.gasUsed ?? 0n,
    };
    return {
      json,
      text:
        `Feed ${feedAddress}: ${formatAmount(before, decimals)} -> ${formatAmount(answer, decimals)} ` +
        `(round ${roundId} at ${isoTime(updatedAt)}; tx ${tx.hash}, gas ${json.gasUsed})`,
    };
  });
}
