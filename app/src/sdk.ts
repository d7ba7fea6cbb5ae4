/**
 * The SDK as the app uses it: the browser-safe session client, and the revert decoder bound to the ABIs of both
 * families (sessions first; the markets' module registers its explanations, which understand both shapes of
 * the one shared error name, `TradingClosed`). The markets pages import ../../sdk/markets/index.js directly.
 */
import { humanError } from "../../sdk/errors.js";
import { MARKET_ABIS } from "../../sdk/markets/errors.js";
import { SESSION_ABIS } from "../../sdk/sessions/index.js";

export * from "../../sdk/sessions/index.js";

/** `error` as an Error whose message is the SDK's decoded explanation of the revert (or the original message). */
export const humanErrorOf = (error: unknown): Error => humanError(error, [...SESSION_ABIS, ...MARKET_ABIS]);
