/** What each part of the demo hands back to the report: blocks for the HTML, lines for the terminal. */
import type { network } from "hardhat";

import type { Block } from "../../sdk/report/html.js";

export type Connection = Awaited<ReturnType<typeof network.create>>;

export interface Check {
  label: string;
  ok: boolean;
  detail?: string;
}

export interface DemoPart {
  title: string;
  blocks: Block[];
  /** Plain-text tables and lines for the terminal summary. */
  summary: string[];
  checks: Check[];
}

export const WAD = 10n ** 18n;
export const DAY = 86_400n;

/**
 * The demo sessions' calendar and fees: trading opens in a day and lasts a week, the fallback two days after,
 * claims for a month; takers pay 10 bps, makers 5, to the fee desk.
 */
export function demoTerms(now: bigint, feeDesk: { address: string }, organiser: { address: string }) {
  return {
    t1: now + DAY,
    t2: now + 8n * DAY,
    fallbackDeadline: now + 10n * DAY,
    claimDeadline: now + 40n * DAY,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: feeDesk.address,
    admin: organiser.address,
  };
}

/** A decimal string of `v / 10^decimals` with at most `places` decimals (for tables). */
export function units(v: bigint, decimals: number, places = 4): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const base = 10n ** BigInt(decimals);
  const whole = a / base;
  let frac = (a % base).toString().padStart(decimals, "0").slice(0, places).replace(/0+$/, "");
  if (decimals === 0) frac = "";
  return `${neg ? "-" : ""}${whole}${frac.length > 0 ? "." + frac : ""}`;
}

/** The same as a JS number, for charts only (never for checks). */
export const asNumber = (v: bigint, decimals: number): number => Number(v) / 10 ** decimals;

export function check(label: string, ok: boolean, detail?: string): Check {
  return { label, ok, detail };
}
