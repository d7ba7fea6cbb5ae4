/**
 * The chain-side checks of a submitted order, after its shape passed sdk/sessions/validate.ts. In order,
 * cheapest first (a flood of invalid orders costs little): chain, legs of this session, session still
 * trading, expiry (and the margin), fee, maker allowed, signature (ECDSA first, offline, as the contract
 * recovers; else ERC-1271 `isValidSignature` by eth_call for a maker with code), admission in a curated session (maker, and a private taker),
 * nonce floor, cancelled or filled (`filled(digest)`), funding
 * (relay/chain.ts `fundingShortfall`). Each refusal is an {@link OrderRejected} naming its field.
 */
import { ZeroAddress } from "ethers";

import { OrderRejected, isEoaSignature, type ParsedSubmission } from "../sdk/sessions/validate.js";
import { providerOracle, signatureVerdict } from "../sdk/signatures.js";
import {
  admissionShortfall,
  CANCELLED,
  filledOf,
  fundingShortfall,
  nonceFloorOf,
  sessionOver,
  WAD,
  type SessionContext,
  type SessionState,
} from "./chain.js";
import type { RelayCore } from "./core.js";

const no = (code: string, field: string | null, message: string, status = 400): never => {
  throw new OrderRejected({ code, field, message }, status);
};

export async function checkSubmission(
  core: RelayCore,
  ctx: SessionContext,
  st: SessionState,
  p: ParsedSubmission,
): Promise<{ filledWad: bigint; block: bigint }> {
  const { order } = p;
  const provider = core.provider;
  // the block of the state read just before (relay/core.ts `state`: one getBlock per head)
  const block = st.block;
  if (p.chainId !== core.chainId)
    no("wrong_chain", "chainId", `the order is signed for chain ${p.chainId}; this relay serves chain ${core.chainId}`);
  if (order.legs >> BigInt(ctx.legCount) !== 0n)
    no("bad_legs", "order.legs", `order.legs names a leg this session lacks (it has legs 0 to ${ctx.legCount - 1})`);
  if (sessionOver(ctx, st))
    no(
      "session_closed",
      "session",
      st.status !== 0 ? "the session is final: no order can trade" : `trading ended at t2 = ${ctx.info.t2}`,
      409,
    );
  if (order.expiry <= st.now)
    no("expired", "order.expiry", `the order expired at ${order.expiry}; chain time is ${st.now}`);
  if (order.expiry <= st.now + BigInt(core.expiryMarginSec))
    no(
      "expiring",
      "order.expiry",
      `the order expires at ${order.expiry}, within this relay's margin of ${core.expiryMarginSec} s of chain time ${st.now}`,
    );
  if (order.maxFeeBps < ctx.info.makerFeeBps)
    no(
      "fee_above_signed",
      "order.maxFeeBps",
      `the session charges makers ${ctx.info.makerFeeBps} bps, above the ${order.maxFeeBps} bps the order accepts`,
    );
  if (order.maker.toLowerCase() === ctx.info.feeRecipient.toLowerCase())
    no("maker_not_allowed", "order.maker", `the fee recipient ${order.maker} may not trade in this session`);
  // The contract's rule (OrderSigning, sdk/signatures.ts): ECDSA first, recovered as OpenZeppelin does (offline);
  // only when it fails, a maker with code is asked ERC-1271 (an EIP-7702 account signing with its own key
  // passes by ECDSA whatever its code answers).
  if (!(await core.timed("signature recovery", () => isEoaSignature(p)))) {
    const verdict = await core.timed("chain: ERC-1271", () =>
      signatureVerdict(p.digest, p.signature, order.maker, providerOracle(provider)),
    );
    if (verdict === "no-code" || verdict === "refused")
      no(
        "bad_signature",
        "signature",
        verdict === "no-code"
          ? `the signature does not recover to the maker ${order.maker} over digest ${p.digest}`
          : `the maker contract ${order.maker} does not accept the signature (ERC-1271 isValidSignature)`,
      );
  }
  // Curated sessions: the contract refuses a fill unless maker and taker are admitted (docs/relay.md).
  const notMaker = await core.timed("chain: admission", () =>
    admissionShortfall(provider, ctx, order.maker, core.blockCache),
  );
  if (notMaker !== undefined) no("not_admitted", "order.maker", notMaker, 403);
  if (order.taker !== ZeroAddress) {
    const notTaker = await admissionShortfall(provider, ctx, order.taker, core.blockCache);
    if (notTaker !== undefined) no("not_admitted", "order.taker", `the order's private taker: ${notTaker}`, 403);
  }
  const floor = await core.timed("chain: nonce floor", () =>
    nonceFloorOf(provider, ctx.address, order.maker, core.blockCache),
  );
  if (order.nonce < floor)
    no("nonce_below_floor", "order.nonce", `the order's nonce ${order.nonce} is below the maker's floor ${floor}`);
  const filled = await core.timed("chain: filled", () => filledOf(provider, ctx.address, order));
  if (filled === CANCELLED) no("cancelled", "digest", `the order ${p.digest} was cancelled on chain`, 409);
  if (filled >= WAD) no("filled", "digest", `the order ${p.digest} is fully filled`, 409);
  const short = await core.timed(`chain: funding (${ctx.info.kind})`, async () =>
    fundingShortfall(
      provider,
      ctx,
      st,
      order,
      p.signature,
      filled,
      core.blockCache,
      await core.fundingProbe(ctx, order),
    ),
  );
  if (short !== undefined)
    no("unfundable", "order.maker", `the maker cannot fund the rest of this order now: ${short}`, 422);
  return { filledWad: filled, block };
}
