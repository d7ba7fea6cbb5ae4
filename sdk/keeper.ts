/**
 * The keeper: for each target it asks the contract's own Chainlink Automation interface whether work is
 * due (`checkUpkeep`), simulates `performUpkeep`, and only then sends it. The contracts re-check every
 * condition in `performUpkeep`, so two keepers running at once (or this script beside Chainlink Automation)
 * are safe: the loser's transaction reverts in simulation and is skipped, never half-applied.
 */
import { Contract, type ContractRunner, type Interface, type InterfaceAbi } from "ethers";

import { decodeError } from "./errors.js";

const AUTOMATION_ABI = [
  "function checkUpkeep(bytes checkData) view returns (bool upkeepNeeded, bytes performData)",
  "function performUpkeep(bytes performData)",
];

export interface UpkeepTarget {
  address: string;
  /** Passed to `checkUpkeep` (e.g. an encoded root id for the markets singleton); "0x" for sessions. */
  checkData: string;
  /** For messages: "session 0xab..", "root 3". */
  label: string;
}

export type UpkeepOutcome =
  | { label: string; status: "idle" }
  | { label: string; status: "performed"; txHash: string; gasUsed: bigint }
  | { label: string; status: "skipped"; reason: string };

/**
 * One pass over the targets. `abis` decode the contracts' custom errors into the skip reasons.
 * Never throws for a target's own failure: each outcome says what happened.
 */
export async function keeperTick(
  runner: ContractRunner,
  targets: UpkeepTarget[],
  abis: Array<Interface | InterfaceAbi> = [],
): Promise<UpkeepOutcome[]> {
  const out: UpkeepOutcome[] = [];
  for (const t of targets) {
    const c = new Contract(t.address, AUTOMATION_ABI, runner);
    try {
      const [needed, performData] = (await c.checkUpkeep.staticCall(t.checkData)) as [boolean, string];
      if (!needed) {
        out.push({ label: t.label, status: "idle" });
        continue;
      }
      await c.performUpkeep.staticCall(performData); // a rival keeper may have done it already
      const tx = await c.performUpkeep(performData);
      const receipt = await tx.wait();
      out.push({ label: t.label, status: "performed", txHash: tx.hash as string, gasUsed: receipt?.gasUsed ?? 0n });
    } catch (e) {
      const decoded = decodeError(e, abis);
      out.push({ label: t.label, status: "skipped", reason: decoded?.message ?? (e as Error).message });
    }
  }
  return out;
}
