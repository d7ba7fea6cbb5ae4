/**
 * Parsing and checking of user input (command-line options, config files, form fields of an app). Every
 * function throws a {@link CliError} whose message names the bad value and says what a good one looks like, so
 * nothing malformed ever reaches a transaction. Browser-safe: no Node-only import (the file reading of the CLI
 * is in ./cli/args.ts).
 */
import { getAddress, isAddress } from "ethers";

/** A failure the user can fix: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** A checksummed address, or a CliError naming the option. */
export function parseAddress(value: string, what: string): string {
  const v = value.trim();
  if (v === "") throw new CliError(`${what} is required: pass a 0x-prefixed 20-byte address`);
  if (!isAddress(v)) throw new CliError(`${what} "${value}" is not an address: pass a 0x-prefixed 20-byte address`);
  return getAddress(v.toLowerCase());
}

/**
 * A decimal string in human units to integer units of `decimals` ("4.5" with 18 -> 4.5e18). Rejects more
 * fraction digits than the token has (no silent rounding), exponents, and empty input.
 */
export function parseAmount(value: string, decimals: number, what: string): bigint {
  const v = value.trim();
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(v);
  if (m === null) throw new CliError(`${what} "${value}" is not a decimal number (examples: 4, -1.5, 0.25)`);
  const frac = m[3] ?? "";
  if (frac.length > decimals) {
    throw new CliError(
      `${what} "${value}" has ${frac.length} decimals but this amount takes at most ${decimals}: round it to ${decimals} places`,
    );
  }
  const units = BigInt(m[2]) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  return m[1] === "-" ? -units : units;
}

/** Integer units back to a decimal string (exact, trailing zeros trimmed). */
export function formatAmount(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const base = 10n ** BigInt(decimals);
  const frac = decimals === 0 ? "" : (a % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${a / base}${frac === "" ? "" : "." + frac}`;
}

/** A whole number >= `min` (shares, nonces, indices). */
export function parseInteger(value: string, what: string, min = 0n): bigint {
  const v = value.trim();
  if (!/^\d+$/.test(v)) throw new CliError(`${what} "${value}" is not a whole number`);
  const n = BigInt(v);
  if (n < min) throw new CliError(`${what} must be at least ${min} (got ${n})`);
  return n;
}

/** A fraction in (0, 1] as WAD ("0.5" -> 5e17). */
export function parseFraction(value: string, what = "--fraction"): bigint {
  const f = parseAmount(value, 18, what);
  if (f <= 0n || f > 10n ** 18n) throw new CliError(`${what} "${value}" must be above 0 and at most 1`);
  return f;
}

/** A comma-separated list ("2,3" or "4,-1"), trimmed, no empties. */
export function parseList(value: string, what: string): string[] {
  const items = value.split(",").map((s) => s.trim());
  if (value.trim() === "" || items.some((s) => s === "")) {
    throw new CliError(`${what} "${value}" must be a comma-separated list with no empty items (example: 2,3)`);
  }
  return items;
}

/** JSON with bigints written as decimal strings. */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x), 2);
}

/**
 * A time in a config: unix seconds (number or digits), an ISO date, or "+<n><s|m|h|d>" relative to `now`
 * (the chain's clock).
 */
export function parseTime(value: unknown, now: bigint, what: string): bigint {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string") {
    const v = value.trim();
    if (/^\d+$/.test(v)) return BigInt(v);
    const rel = /^\+(\d+)([smhd])$/.exec(v);
    if (rel !== null) {
      const mult = { s: 1n, m: 60n, h: 3_600n, d: 86_400n }[rel[2] as "s" | "m" | "h" | "d"];
      return now + BigInt(rel[1]) * mult;
    }
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return BigInt(Math.floor(ms / 1000));
  }
  throw new CliError(
    `${what} "${String(value)}" is not a time: use unix seconds, an ISO date (2026-12-01T12:00:00Z) or "+2h" / "+3d" from now`,
  );
}

/** A unix time as an ISO string without milliseconds. */
export function isoTime(t: bigint): string {
  return new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z");
}
