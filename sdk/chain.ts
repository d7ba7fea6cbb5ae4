/**
 * Reads every family needs from the chain itself: the runner's provider and chain time. Browser-safe.
 */
import type { ContractRunner, Provider } from "ethers";

import { CliError } from "./input.js";

/** The runner's provider, or a CliError when it has none. */
export async function providerOf(runner: ContractRunner): Promise<Provider> {
  const p = runner.provider ?? (runner as Provider);
  if (p === null || typeof (p as Provider).getBlock !== "function")
    throw new CliError("no provider to read the chain with");
  return p as Provider;
}

/** Chain time: the latest block's timestamp. */
export async function chainNow(runner: ContractRunner): Promise<bigint> {
  const b = await (await providerOf(runner)).getBlock("latest");
  if (b === null) throw new CliError("cannot read the latest block");
  return BigInt(b.timestamp);
}
