/**
 * Release of the data set: CSV with addresses pseudonymised by a keyed hash (HMAC-SHA256 under a secret
 * release key, so nobody without the key can link a pseudonym to an address by hashing candidates) and an
 * optional release delay (rows younger than the delay are held back).
 */
import { createHmac } from "node:crypto";

/** A stable pseudonym for an address under `key`: `p_` and 16 hex characters. */
export function pseudonym(address: string, key: string): string {
  if (key.length < 16) throw new Error("the pseudonymisation key must be at least 16 characters");
  return "p_" + createHmac("sha256", key).update(address.toLowerCase()).digest("hex").slice(0, 16);
}

const quote = (v: unknown): string => {
  const s = typeof v === "bigint" ? v.toString() : v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Renders rows as CSV with a header; the columns are taken in the order given. */
export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  const lines = [columns.join(",")];
  for (const r of rows) lines.push(columns.map((c) => quote(r[c])).join(","));
  return lines.join("\n") + "\n";
}

export interface ReleaseOptions {
  /** Secret key for pseudonyms; without one, addresses are written as they are. */
  key?: string;
  /** Columns holding addresses, to pseudonymise. */
  addressColumns: string[];
  /** Rows whose `timeColumn` is later than `now - delaySeconds` are held back. */
  delaySeconds?: bigint;
  timeColumn?: string;
  now?: bigint;
}

/** Applies pseudonyms and the release delay. */
export function release(rows: Array<Record<string, unknown>>, opts: ReleaseOptions): Array<Record<string, unknown>> {
  const delay = opts.delaySeconds ?? 0n;
  const cutoff = (opts.now ?? BigInt(Math.floor(Date.now() / 1000))) - delay;
  return rows
    .filter((r) => delay === 0n || opts.timeColumn === undefined || BigInt(r[opts.timeColumn] as bigint) <= cutoff)
    .map((r) => {
      if (opts.key === undefined) return r;
      const out = { ...r };
      for (const c of opts.addressColumns) {
        if (typeof out[c] === "string" && out[c] !== "") out[c] = pseudonym(out[c] as string, opts.key);
      }
      return out;
    });
}
