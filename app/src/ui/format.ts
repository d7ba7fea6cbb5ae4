/** Number and address formatting shared by every page: integer units as human numbers, short addresses. */
import { formatAmount } from "../../../sdk/input.js";

/** 10^18: prices and fractions in WAD. */
export const WAD = 10n ** 18n;

/** Integer units as a human number, cut (not rounded) to `dp` decimals, with thousands separators. */
export function fmt(v: bigint, decimals: number, dp = 6): string {
  const s = formatAmount(v, decimals);
  const [int, frac = ""] = s.replace("-", "").split(".");
  const cut = frac.slice(0, dp).replace(/0+$/, "");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${v < 0n ? "-" : ""}${grouped}${cut === "" ? "" : "." + cut}`;
}

/** An address or hash cut to its ends (0x1234…abcd). */
export const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
