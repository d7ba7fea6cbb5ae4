/** The SDK as the app uses it: the browser-safe session client and the revert decoder bound to its ABIs. */
import { humanError } from "../../sdk/errors.js";
import { SESSION_ABIS } from "../../sdk/sessions/index.js";

export * from "../../sdk/sessions/index.js";

/** `error` as an Error whose message is the SDK's decoded explanation of the revert (or the original message). */
export const humanErrorOf = (error: unknown): Error => humanError(error, SESSION_ABIS);
