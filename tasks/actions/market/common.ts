/** What every market action shares: the markets address (option or Ignition deployment) and number options. */
import { CliError, parseInteger } from "../../../sdk/cli/args.js";
import { deployedAddress, type Connection } from "../../../sdk/cli/run.js";

export { MARKET_ABIS } from "../../../sdk/markets/client.js";

/** `--markets`, else `Markets#BoundedMarkets` in the chain's Ignition deployment. */
export function marketsAddress(conn: Connection, explicit: string): Promise<string> {
  return deployedAddress(conn, explicit, "Markets#BoundedMarkets", "--markets");
}

/** A branch id (1 = the root market). */
export function parseBranch(value: string, what = "--branch", min = 1n): number {
  const b = parseInteger(value, what, min);
  if (b > 65_535n) throw new CliError(`${what} ${b} is not a branch id (1 to 65535)`);
  return Number(b);
}

/** Hours as a positive number. */
export function parseHours(value: string, what: string): number {
  const h = Number(value);
  if (!Number.isFinite(h) || h <= 0) throw new CliError(`${what} "${value}" must be a positive number of hours`);
  return h;
}
