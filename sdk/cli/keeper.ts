/**
 * The keeper's discovery and passes: sessions come from the factory's `sessions(i)` list (still-open ones
 * only), roots from the markets contract when one is given (`rootCount()` / `rootIds`). Each pass asks the
 * contracts' own Automation interface through {@link keeperTick}, so a rival keeper's win is reported as
 * "skipped" with the contract's reason, never as a failure.
 */
import { AbiCoder, type ContractRunner, type Interface, type InterfaceAbi } from "ethers";

import { marketsAt } from "../markets/abi.js";
import { keeperTick, type UpkeepOutcome, type UpkeepTarget } from "../keeper.js";
import { SessionCore__factory, SessionFactory__factory } from "../../types/ethers-contracts/index.js";

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
 * One pass: discover, then check and perform each target once through its Automation interface (a margin
 * session's undisputed fallback proposal included: its `checkUpkeep` turns true once the proposal's dispute
 * window has passed, and the fallback path settles at it).
 */
export async function keeperPass(
  runner: ContractRunner,
  sources: TargetSource[],
  abis: Array<Interface | InterfaceAbi>,
): Promise<KeeperPass> {
  const targets: UpkeepTarget[] = [];
  for (const s of sources) targets.push(...(await s(runner)));
  return { at: new Date().toISOString(), outcomes: await keeperTick(runner, targets, abis) };
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
