/**
 * Turns a reverted call into a message a person can act on: the custom error's name, its arguments by
 * name, and a sentence saying what went wrong and what to do. Works with any ethers v6 error that carries
 * revert data (CALL_EXCEPTION, estimateGas failures, nested provider errors).
 */
import { Interface, type ErrorDescription, type InterfaceAbi } from "ethers";

export interface DecodedError {
  /** Custom error name, e.g. `OrderExpired`; `Error` for require strings, `Panic` for panics. */
  name: string;
  /** Arguments by name (or position where the ABI has no names). */
  args: Record<string, unknown>;
  /** One sentence for a person. */
  message: string;
  /** Raw revert data, for the record. */
  data: string;
}

type Explain = (a: Record<string, unknown>) => string;

/** Plain-words explanations, keyed by custom error name. Families add theirs with {@link explainErrors}. */
const catalogue = new Map<string, Explain>([
  ["ZeroMaker", () => "The order names no maker."],
  [
    "BadSignature",
    (a) => `The signature does not verify for maker ${a.maker}: sign the order again with the maker's wallet.`,
  ],
  [
    "OrderExpired",
    (a) => `The order expired at ${a.expiry} (chain time now ${a.now_}): ask the maker for a fresh one.`,
  ],
  [
    "NonceBelowFloor",
    (a) => `The maker cancelled this order by raising its nonce floor to ${a.floor} (order nonce ${a.nonce}).`,
  ],
  ["NotPrivateTaker", (a) => `This order is private to ${a.taker}; ${a.caller} cannot take it.`],
  ["NotMaker", (a) => `Only the maker ${a.maker} may do this; the caller was ${a.caller}.`],
  [
    "OrderIsCancelled",
    () =>
      "The order was cancelled by its maker (or another order of the maker with the same salt was: the two share one fill record).",
  ],
  [
    "OrderFullyFilled",
    (a) =>
      `Nothing is left to fill: ${a.filledBefore} of ${a.size} already filled (orders of one maker with one salt share one fill record).`,
  ],
  [
    "OrderSizeTooLarge",
    (a) => `The order's size ${a.size} does not fit a fill record (at most ${a.max}): sign a smaller order.`,
  ],
  ["NonceFloorNotRaised", (a) => `A nonce floor only rises: it is ${a.current}, and ${a.proposed} is not above it.`],
  ["FeeTooHigh", (a) => `A fee of ${a.bps} bps is above the cap of ${a.maxBps} bps.`],
  [
    "FeeAboveSigned",
    (a) => `The venue fee of ${a.venueBps} bps is above the ${a.signedMaxBps} bps the signer accepted.`,
  ],
  [
    "EnforcedPause",
    () => "The venue is halted: trading and new subscriptions are paused (claims and cancels still work).",
  ],
  ["ReentrancyGuardReentrantCall", () => "Re-entrant call rejected."],
  ["SafeERC20FailedOperation", (a) => `The token ${a.token} refused the transfer.`],
  ["AccessControlUnauthorizedAccount", (a) => `Account ${a.account} lacks the role ${a.neededRole}.`],
  ["OwnableUnauthorizedAccount", (a) => `Account ${a.account} is not the owner.`],
  ["ERC20InsufficientBalance", (a) => `Token balance too low: ${a.sender} has ${a.balance}, needs ${a.needed}.`],
  [
    "ERC20InsufficientAllowance",
    (a) => `Token allowance too low: ${a.spender} may spend ${a.allowance}, needs ${a.needed}. Approve first.`,
  ],
]);

const panics: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x32: "array index out of bounds",
  0x41: "out of memory",
};

/** Adds or replaces explanations for custom errors (each family registers its own). */
export function explainErrors(entries: Record<string, Explain>): void {
  for (const [name, fn] of Object.entries(entries)) catalogue.set(name, fn);
}

/** Finds revert data anywhere in an ethers / provider error object. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (e === null || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const rec = e as Record<string, unknown>;
    const d = rec.data;
    if (typeof d === "string" && /^0x[0-9a-fA-F]{8}/.test(d)) return d;
    for (const key of ["error", "info", "cause", "data", "revert"]) {
      const found = walk(rec[key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(error);
}

function argsOf(desc: ErrorDescription): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  desc.fragment.inputs.forEach((input, i) => {
    out[input.name === "" ? String(i) : input.name] = desc.args[i];
  });
  return out;
}

/**
 * Decodes `error` against the ABIs given (contracts, interfaces or raw ABIs). Returns undefined when the
 * error carries no revert data (e.g. a network failure), so callers can rethrow it unchanged.
 */
export function decodeError(
  error: unknown,
  abis: Array<Interface | InterfaceAbi | { interface: Interface }>,
): DecodedError | undefined {
  const data = revertData(error);
  if (data === undefined) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  if (selector === "0x08c379a0" || selector === "0x4e487b71") {
    const desc = Interface.from(["error Error(string reason)", "error Panic(uint256 code)"]).parseError(data);
    if (desc !== null && desc.name === "Error") {
      return { name: "Error", args: { reason: desc.args[0] }, message: String(desc.args[0]), data };
    }
    if (desc !== null) {
      const code = Number(desc.args[0]);
      return {
        name: "Panic",
        args: { code },
        message: `Panic 0x${code.toString(16)}: ${panics[code] ?? "unknown panic"}`,
        data,
      };
    }
  }
  for (const abi of abis) {
    const iface =
      abi instanceof Interface
        ? abi
        : "interface" in (abi as object)
          ? (abi as { interface: Interface }).interface
          : Interface.from(abi as InterfaceAbi);
    let desc: ErrorDescription | null = null;
    try {
      desc = iface.parseError(data);
    } catch {
      desc = null;
    }
    if (desc === null) continue;
    const args = argsOf(desc);
    const explain = catalogue.get(desc.name);
    const fallback = `${desc.name}(${Object.entries(args)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ")})`;
    return { name: desc.name, args, message: explain === undefined ? fallback : explain(args), data };
  }
  return { name: "Unknown", args: {}, message: `The call reverted with unrecognised data ${data.slice(0, 74)}`, data };
}

/** Rethrows `error` as an Error whose message is the decoded explanation (or the original message). */
export function humanError(error: unknown, abis: Array<Interface | InterfaceAbi | { interface: Interface }>): Error {
  const decoded = decodeError(error, abis);
  if (decoded === undefined) return error instanceof Error ? error : new Error(String(error));
  const e = new Error(`${decoded.name}: ${decoded.message}`);
  (e as Error & { decoded?: DecodedError }).decoded = decoded;
  return e;
}
