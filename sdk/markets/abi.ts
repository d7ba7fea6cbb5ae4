/**
 * One ABI for the bounded markets: the core, its admin module and its lens share one address (the core
 * delegates what it does not define), so clients talk to the core through the union of the three ABIs.
 */
import { Contract, Interface, type ContractRunner, type InterfaceAbi, type JsonFragment } from "ethers";

import {
  BoundedMarkets__factory,
  BoundedMarketsAdmin__factory,
  BoundedMarketsLens__factory,
} from "../../types/ethers-contracts/index.js";

function union(...abis: ReadonlyArray<ReadonlyArray<JsonFragment>>): JsonFragment[] {
  const seen = new Set<string>();
  const out: JsonFragment[] = [];
  for (const abi of abis) {
    for (const f of abi) {
      if (f.type === "constructor" || f.type === "fallback" || f.type === "receive") continue;
      const key = `${f.type}:${f.name ?? ""}:${JSON.stringify((f.inputs ?? []).map((i) => i.type))}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

/** The union ABI (functions, events and errors of core, admin and lens). */
export const marketsAbi: InterfaceAbi = union(
  BoundedMarkets__factory.abi as ReadonlyArray<JsonFragment>,
  BoundedMarketsAdmin__factory.abi as ReadonlyArray<JsonFragment>,
  BoundedMarketsLens__factory.abi as ReadonlyArray<JsonFragment>,
);

/** The union interface. */
export const marketsInterface = new Interface(marketsAbi);

/** A contract handle on the core address that speaks every function of core, admin and lens. */
export function marketsAt(address: string, runner?: ContractRunner | null): Contract {
  return new Contract(address, marketsInterface, runner ?? null);
}
