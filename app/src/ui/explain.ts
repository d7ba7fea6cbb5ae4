/** Any failure as one sentence for the page: relay refusals, input errors, wallet rejections, decoded reverts. */
import { CliError } from "../../../sdk/input.js";
import { RelayError } from "../relay.js";
import { humanErrorOf } from "../sdk.js";

/** Any failure as one sentence: relay refusals with their code and field, reverts decoded by the SDK. */
export function explain(e: unknown): string {
  if (e instanceof RelayError)
    return `Refused by the relay: ${e.code}${e.field === null ? "" : ` (field ${e.field})`}: ${e.message}`;
  if (e instanceof CliError) return e.message;
  const code = (e as { code?: unknown; info?: { error?: { code?: unknown } } })?.code;
  if (code === 4001 || code === "ACTION_REJECTED") return "You rejected the request in the wallet.";
  return humanErrorOf(e).message;
}
