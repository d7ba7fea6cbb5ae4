/**
 * The keeper's discovery and passes: sessions come from the factory's `sessions(i)` list (still-open ones
 * only), roots from the markets contract when one is given (`rootCount()` / `rootIds`). Each pass asks the
 * contracts' own Automation interface through {@link keeperTick}, so a rival keeper's win is reported as
 * "skipped" with the contract's reason, never as a failure.
 */
import { AbiCoder, type ContractRunner, type Interface, type InterfaceAbi } from "ethers";

import { marketsAt } from "../markets/abi.js";
import { keeperTick, type UpkeepOutcome, type UpkeepTarget } from "../keeper.js";
import {
  MarginModule__factory,
  MarginSession__factory,
  SessionCore__factory,
  SessionFactory__factory,
} from "../../types/ethers-contracts/index.js";
import { decodeError } from "../errors.js";
import { SessionKind } from "../sessions/config.js";

/** Open sessions of a factory as upkeep targets (settled or released ones need nothing more). */
export async function sessionTargets(runner: ContractRunner, factory: string): Promise<UpkeepTarget[]> {
  const f = SessionFactory__factory.connect(factory, runner);
  const n = Number(await f.sessionCount());
  const out: UpkeepTarget[] = [];
  for (let i = 0; i < n; i++) {
    const address = await f.sessions(i);
    if (Number(await SessionCore__factory.connect(address, runner).status()) !== 0) continue;
    out.push({ address, checkData: "0x", label: `session #${i} ${address}` });
  }
  return out;
}

/** A source of extra targets (the markets family plugs its roots in here). */
export type TargetSource = (runner: ContractRunner) => Promise<UpkeepTarget[]>;

export interface KeeperPass {
  at: string;
  outcomes: UpkeepOutcome[];
}

/**
 * A margin session's fallback fixing: when an undisputed proposal is pending, the session's Automation
 * interface cannot help (the fallback release reverts `ProposalExists`), so the keeper finalises it itself
 * once the dispute window has passed: simulated first, so a rival's finalisation (or a last-second dispute)
 * is reported as "skipped" with the contract's reason. Returns `undefined` for anything else (not a session,
 * not a margin session, no pending proposal), which the Automation interface then handles.
 */
export async function marginFinalize(
  runner: ContractRunner,
  target: UpkeepTarget,
  abis: Array<Interface | InterfaceAbi> = [],
): Promise<UpkeepOutcome | undefined> {
  if (target.checkData !== "0x") return undefined;
  let end: bigint;
  try {
    const core = SessionCore__factory.connect(target.address, runner);
    if (Number((await core.config()).kind) !== SessionKind.Margin || Number(await core.status()) !== 0)
      return undefined;
    const module = MarginModule__factory.connect(target.address, runner);
    const [, proposedAt, disputer] = await module.proposal();
    if (proposedAt === 0n || BigInt(disputer) !== 0n) return undefined;
    end = proposedAt + (await module.marginConfig()).disputeWindow;
  } catch {
    return undefined; // not a margin session's surface: leave it to checkUpkeep
  }
  const provider = runner.provider;
  const block = provider === null || provider === undefined ? null : await provider.getBlock("latest");
  if (block === null) return { label: target.label, status: "skipped", reason: "cannot read the latest block" };
  if (BigInt(block.timestamp) <= end) return { label: target.label, status: "idle" };
  const session = MarginSession__factory.connect(target.address, runner);
  try {
    await session.finalizeFixing.staticCall(); // a rival keeper may have finalised already
    const tx = await session.finalizeFixing();
    const receipt = await tx.wait();
    return { label: target.label, status: "performed", txHash: tx.hash, gasUsed: receipt?.gasUsed ?? 0n };
  } catch (e) {
    const decoded = decodeError(e, abis);
    return {
      label: target.label,
      status: "skipped",
      reason: decoded?.message ?? (e as Error).message,
    };
  }
}

/**
 * One pass: discover, then for each target once: a margin session with a pending fallback proposal is
 * finalised when due ({@link marginFinalize}); everything else is checked and performed through its
 * Automation interface.
 */
export async function keeperPass(
  runner: ContractRunner,
  sources: TargetSource[],
  abis: Array<Interface | InterfaceAbi>,
): Promise<KeeperPass> {
  const targets: UpkeepTarget[] = [];
  for (const s of sources) targets.push(...(await s(runner)));
  const outcomes: UpkeepOutcome[] = [];
  const rest: UpkeepTarget[] = [];
  for (const t of targets) {
    const o = await marginFinalize(runner, t, abis);
    if (o === undefined) rest.push(t);
    else outcomes.push(o);
  }
  outcomes.push(...(await keeperTick(runner, rest, abis)));
  return { at: new Date().toISOString(), outcomes };
}

/** A readable line per outcome. */
export function outcomeLine(o: UpkeepOutcome): string {
  if (o.status === "idle") return `idle       ${o.label}: nothing due`;
  if (o.status === "performed") return `performed  ${o.label}: tx ${o.txHash} (gas ${o.gasUsed})`;
  return `skipped    ${o.label}: ${o.reason}`;
}

/**
 * Every root of the bounded-markets singleton as an upkeep target (`checkData = abi.encode(rootId)`); the
 * contract's own `checkUpkeep` says which are due (feed settlement after expiry, or void after the deadline).
 */
export async function rootTargets(runner: ContractRunner, markets: string): Promise<UpkeepTarget[]> {
  const m = marketsAt(markets, runner);
  const n = BigInt(String(await m.rootCount()));
  const out: UpkeepTarget[] = [];
  for (let id = 1n; id <= n; id++) {
    out.push({
      address: markets,
      checkData: AbiCoder.defaultAbiCoder().encode(["uint256"], [id]),
      label: `root ${id} of ${markets}`,
    });
  }
  return out;
}
