import type { ContractTransactionResponse } from "ethers";

import { formatProfile, profileTx } from "./profile.js";
import { formatSourceProfile, profileBySource } from "./source-profile.js";

/** Gas used per benchmark key: receipt `gasUsed`, base cost included. */
export type GasTable = Record<string, number>;

/** Keys whose transactions are traced and broken down (`BENCH_PROFILE=<regex>`); none by default. */
const profiled = process.env.BENCH_PROFILE !== undefined ? new RegExp(process.env.BENCH_PROFILE) : undefined;

/** Records the gas of one mined transaction under `key`. */
export type Record_ = (
  key: string,
  tx: Promise<ContractTransactionResponse> | ContractTransactionResponse,
) => Promise<number>;

/** Makes a recorder that writes into `table`; a key recorded twice is a bug in the bench and throws. */
export function recorder(table: GasTable): Record_ {
  return async (key, txOrPromise) => {
    if (key in table) throw new Error(`bench key recorded twice: ${key}`);
    const tx = await txOrPromise;
    const receipt = await tx.wait();
    if (receipt === null) throw new Error(`no receipt for bench key ${key}`);
    if (receipt.status !== 1) throw new Error(`bench transaction for ${key} reverted`);
    const gas = Number(receipt.gasUsed);
    table[key] = gas;
    if (profiled?.test(key) === true) {
      const provider = tx.provider as unknown as Parameters<typeof profileTx>[0];
      console.log(formatProfile(key, gas, await profileTx(provider, receipt.hash, gas)));
      // `BENCH_PROFILE_SOURCE=1`: the same transaction split by Solidity function (bench/source-profile.ts);
      // `BENCH_PROFILE_TOP=<n>` lists that many functions (25 by default).
      if (process.env.BENCH_PROFILE_SOURCE !== undefined) {
        const top = Number(process.env.BENCH_PROFILE_TOP ?? 25);
        console.log(formatSourceProfile(key, await profileBySource(provider, receipt.hash), top));
      }
    }
    return gas;
  };
}

/** Renders the table as aligned text, with targets where one is set. */
export function formatTable(table: GasTable, targets: Record<string, number> = {}): string {
  const keys = Object.keys(table).sort();
  const width = Math.max(...keys.map((k) => k.length), 3);
  const lines = [`${"key".padEnd(width)}  ${"gas".padStart(9)}  ${"target".padStart(9)}  status`];
  for (const k of keys) {
    const t = targets[k];
    const status = t === undefined ? "" : table[k] <= t ? "ok" : `over by ${table[k] - t}`;
    lines.push(
      `${k.padEnd(width)}  ${String(table[k]).padStart(9)}  ${(t === undefined ? "-" : String(t)).padStart(9)}  ${status}`,
    );
  }
  return lines.join("\n");
}

/** What a bench suite gets: a fresh in-process chain and a recorder. */
export interface BenchContext {
  // The connection's `ethers` (hardhat-ethers) and network helpers, typed loosely to keep suites independent
  // of the connection's chain type.
  connection: Awaited<ReturnType<typeof import("hardhat").network.create>>;
  record: Record_;
}

/** A bench suite: one file under bench/suites/ exporting `suite`. */
export interface Suite {
  name: string;
  /** Gas targets from the issues, shown beside the measurements. */
  targets: Record<string, number>;
  run(ctx: BenchContext): Promise<void>;
}

/**
 * Salts as the SDK allocates them (sdk/salts.ts): counted up per (venue, maker), so a maker's orders share
 * fill-record words (four salts a word). Counting starts at 0 here rather than the SDK's random 8-byte start,
 * which adds at most 8 non-zero calldata bytes (about 100 gas) to a real order.
 */
export function saltCounter(): (venue: string, maker: string) => bigint {
  const next = new Map<string, bigint>();
  return (venue, maker) => {
    const key = `${venue.toLowerCase()}:${maker.toLowerCase()}`;
    const salt = next.get(key) ?? 0n;
    next.set(key, salt + 1n);
    return salt;
  };
}
