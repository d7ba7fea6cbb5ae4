/** The `FixingSpec` of contracts/shared/oracle/OracleFixing.sol, as ethers takes it. */
import { ZeroAddress } from "ethers";

export interface FixingSpec {
  /** 0 first round at/after t, 1 median of 3 or 5 feeds, 2 TWAP. */
  kind: number;
  feeds: string[];
  /** Max seconds between a feed's rounds. */
  heartbeat: number;
  /** The fixing round must come within this many seconds after t. */
  maxDelay: number;
  twapWindow: number;
  /** Raw answers at or beyond these are rejected as pinned; 0 = no guard. */
  minAnswer: bigint;
  maxAnswer: bigint;
  sequencerFeed: string;
  sequencerGrace: number;
}

/**
 * A single-feed "first round at or after t" fixing (L1, no sequencer feed). Defaults: a 30-day heartbeat and
 * a 1-day window for the fixing round, no pinned-answer guard; `over` changes any field.
 */
export function firstAfterFixing(feed: string, over: Partial<FixingSpec> = {}): FixingSpec {
  return {
    kind: 0,
    feeds: [feed],
    heartbeat: 30 * 86_400,
    maxDelay: 86_400,
    twapWindow: 0,
    minAnswer: 0n,
    maxAnswer: 0n,
    sequencerFeed: ZeroAddress,
    sequencerGrace: 0,
    ...over,
  };
}
