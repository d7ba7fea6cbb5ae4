/**
 * The markets' names and input parsing: price ticks on the 0.01 grid, signed quantities, durations, and the
 * names the contract numbers (sources, statuses, order types). Pure functions; browser-safe.
 */
import { CliError, parseAmount, parseInteger } from "../input.js";
import { TICKS } from "./typedData.js";

export const SOURCE_NAMES = ["owner", "callback", "feed"] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];
export const STATUS_NAMES = ["open", "settled", "voided"] as const;
export const ORDER_TYPE_NAMES = ["gtc", "ioc", "post-only"] as const;
export type OrderTypeName = (typeof ORDER_TYPE_NAMES)[number];
/** Largest |quantity| of one order (uint48). */
export const MAX_QUANTITY = (1n << 48n) - 1n;

/** A price tick as a decimal price (45 -> "0.45"). */
/**
 * `maxLevels` for a relayed order: the trader did not sign a bound, and the contract refuses a relay that its
 * submitter's bound would cut short (`RelayedSweepBound`), so a relay sweeps every level of a side (99).
 */
export const RELAY_MAX_LEVELS = BigInt(TICKS - 1);
export const tickPrice = (t: unknown): string => (Number(t) / TICKS).toFixed(2);

/** A price "0.45" in (0, 1) on the 0.01 grid, as its tick (45). */
export function parsePrice(value: string, what = "--price"): number {
  const v = value.trim();
  if (!/^\d*\.?\d+$/.test(v)) throw new CliError(`${what} "${value}" is not a price: write a decimal like 0.45`);
  let units: bigint;
  try {
    units = parseAmount(v, 2, what);
  } catch {
    throw new CliError(`${what} "${value}" is off the 0.01 grid: prices move in steps of 0.01 (e.g. 0.45)`);
  }
  if (units <= 0n || units >= BigInt(TICKS)) {
    throw new CliError(`${what} "${value}" is outside (0, 1): a price must be above 0 and below 1 (0.01 to 0.99)`);
  }
  return Number(units);
}

/** An order's signed quantity from a whole number of contracts and a side. */
export function parseQuantity(value: string, side: string): bigint {
  const q = parseInteger(value, "--quantity", 1n);
  if (q > MAX_QUANTITY) throw new CliError(`--quantity ${q} is above the largest order, ${MAX_QUANTITY} contracts`);
  if (side === "bid" || side === "buy") return q;
  if (side === "offer" || side === "ask" || side === "sell") return -q;
  throw new CliError(`--side "${side}" must be bid or offer`);
}

/** A duration: seconds ("3600") or a number with a unit ("90m", "12h", "7d"). */
export function parseDuration(value: string, what: string): bigint {
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (m === null) throw new CliError(`${what} "${value}" is not a duration: use seconds or 90m, 12h, 7d`);
  const mult = { "": 1n, s: 1n, m: 60n, h: 3_600n, d: 86_400n }[m[2] as "" | "s" | "m" | "h" | "d"];
  return BigInt(m[1]) * mult;
}

/** The index of `value` in `names`, or a CliError listing them. */
export function pick<T extends string>(value: string, names: readonly T[], what: string): number {
  const i = names.indexOf(value as T);
  if (i < 0) throw new CliError(`${what} "${value}" must be one of: ${names.join(", ")}`);
  return i;
}
