/**
 * Place and take on one market: side, price, contracts, type (good-till-cancel, immediate-or-cancel, post-only)
 * and expiry. Before the wallet signs, the SDK's `orderEffect` replays the order against the chain's book and
 * the trader's state: what trades now and at which prices, what rests or is dropped, and the collateral the
 * order locks (the change of the account's worst-case sum, exactly as the contract will store it), or why the
 * contract will refuse it. The trader's own transaction (`place`, no signature) is sent through the wallet.
 */
import { useState } from "preact/hooks";
import type { Signer } from "ethers";

import { CliError, parseInteger } from "../../../sdk/input.js";
import {
  MAX_QUANTITY,
  ORDER_TYPE_NAMES,
  orderEffect,
  parsePrice,
  placeOrder,
  RELAY_MAX_LEVELS,
  type OrderEffect,
} from "../../../sdk/markets/index.js";
import { explain } from "../ui/explain.js";
import { short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import type { TakeRequest } from "./book.js";
import type { RootData } from "./page.js";
import { inTokens, money, outcome, price } from "./units.js";
import { pageSalts } from "../salts.js";

/** A Take button's request for one market; `nonce` makes the form start again from it. */
export interface Prefill extends TakeRequest {
  branchId: number;
  nonce: number;
}

const TYPE_LABELS: Record<string, string> = {
  gtc: "good-till-cancel (rest the remainder)",
  ioc: "immediate-or-cancel (drop the remainder)",
  "post-only": "post-only (refused if it would trade)",
};

export function OrderEntry(props: {
  data: RootData;
  branchId: number;
  prefill?: Prefill;
  signer: Signer;
  markets: string;
  track: Track;
  refresh: () => void;
}) {
  const { data, branchId, signer, markets, track, refresh } = props;
  const pre = props.prefill?.branchId === branchId ? props.prefill : undefined;
  const { info, me, book } = data;
  const [side, setSide] = useState<"buy" | "sell">(pre?.side ?? "buy");
  const [priceText, setPrice] = useState(pre === undefined ? "0.50" : price(pre.tick));
  const [qtyText, setQty] = useState(pre === undefined ? "10" : pre.quantity.toString());
  const [type, setType] = useState<string>(pre === undefined ? "gtc" : "ioc");
  const [expiry, setExpiry] = useState("24");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const b = info.branches.find((x) => x.branchId === branchId)!;

  let effect: OrderEffect | undefined;
  let inputErr = "";
  try {
    const tick = parsePrice(priceText, "price");
    const q = parseInteger(qtyText, "contracts", 1n);
    if (q > MAX_QUANTITY) throw new CliError(`at most ${MAX_QUANTITY} contracts in one order`);
    if (!(Number(expiry) > 0)) throw new CliError("expiry must be a number of hours above 0");
    if (me !== undefined)
      effect = orderEffect({
        lo: info.lo,
        hi: info.hi,
        unitScale: info.unitScale,
        markets: info.branches,
        state: me,
        order: {
          branchId,
          tick,
          quantity: side === "buy" ? q : -q,
          orderType: ORDER_TYPE_NAMES.indexOf(type as (typeof ORDER_TYPE_NAMES)[number]),
        },
        opposite: side === "buy" ? book.asks : book.bids,
        maxLevels: Number(RELAY_MAX_LEVELS),
      });
  } catch (e) {
    inputErr = explain(e);
  }

  const submit = async () => {
    setBusy(true);
    setResult(undefined);
    let failure = "";
    const r = await track(
      `Place: ${side} ${qtyText} of market #${branchId} at ${priceText} (${type})`,
      () =>
        placeOrder(
          signer,
          markets,
          {
            input: {
              root: info.rootId.toString(),
              branch: branchId,
              price: priceText,
              quantity: qtyText,
              side: side === "buy" ? "bid" : "offer",
              type,
              expiryHours: Number(expiry),
              saltStore: pageSalts,
            },
          },
          RELAY_MAX_LEVELS,
        )
          .catch(inTokens(info))
          .catch((e: unknown) => {
            failure = explain(e);
            throw e;
          }),
      (p) =>
        `traded ${p.traded} contracts, ${p.resting > 0n ? `${p.resting} rest as order key ${p.orderKey}` : "nothing rests"} in ${short(p.txHash)}`,
    );
    setResult(
      r !== undefined
        ? {
            ok: true,
            text: `Placed: traded ${r.traded} contracts${r.fills.length > 0 ? ` (${r.fills.map((f) => `${f.quantity} at ${price(f.tick)}`).join(", ")})` : ""}; ${r.resting > 0n ? `${r.resting} rest in the book` : "nothing rests"}.`,
          }
        : { ok: false, text: failure },
    );
    setBusy(false);
    refresh();
  };

  const cover =
    me === undefined || effect === undefined
      ? undefined
      : me.cash + effect.cashDelta + me.sumWorst + effect.sumWorstDelta;
  return (
    <section class="card" data-testid="order-entry">
      <h3>
        Place or take on market #{branchId}{" "}
        <span class="muted">
          [{outcome(info, b.min)}, {outcome(info, b.max)}] · your own transaction, sent by your wallet
        </span>
      </h3>
      <div class="form">
        <label>
          I want to
          <select value={side} onChange={(e) => setSide(e.currentTarget.value as "buy" | "sell")} data-testid="side">
            <option value="buy">buy (bid)</option>
            <option value="sell">sell (offer)</option>
          </select>
        </label>
        <label>
          Contracts
          <input value={qtyText} onInput={(e) => setQty(e.currentTarget.value)} data-testid="quantity" />
        </label>
        <label>
          at price
          <input value={priceText} onInput={(e) => setPrice(e.currentTarget.value)} data-testid="price" />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.currentTarget.value)} data-testid="order-type">
            {ORDER_TYPE_NAMES.map((n) => (
              <option key={n} value={n}>
                {TYPE_LABELS[n]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires in (hours)
          <input value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} data-testid="expiry" />
        </label>
      </div>
      {inputErr !== "" && <p class="error">{inputErr}</p>}
      {effect !== undefined && me !== undefined && cover !== undefined && (
        <div data-testid="place-preview">
          {effect.refused !== undefined ? (
            <p class="error" data-testid="predicted-refusal">
              The contract will refuse this order:{" "}
              {effect.refused.name === "PostOnlyWouldCross"
                ? `PostOnlyWouldCross: a post-only order at ${price(effect.refused.tick)} would trade against the resting ${price(effect.refused.bestOpposite)}.`
                : `${effect.refused.name}: at most ${effect.refused.max} per trader and root.`}
            </p>
          ) : (
            <>
              <p>
                {effect.traded > 0n ? (
                  <span data-testid="preview-fills">
                    Trades now: <b>{effect.traded.toString()} contracts</b> (
                    {effect.fills.map((f) => `${f.quantity} at ${price(f.tick)}`).join(", ")}), premium{" "}
                    {effect.premium >= 0n ? "paid" : "received"}{" "}
                    {money(info, effect.premium < 0n ? -effect.premium : effect.premium)}.{" "}
                  </span>
                ) : (
                  <span>Nothing trades now. </span>
                )}
                {effect.rests > 0n && <span>{effect.rests.toString()} contracts rest in the book. </span>}
                {effect.dropped > 0n && <span>{effect.dropped.toString()} contracts are dropped. </span>}
                {effect.selfCancelled.length > 0 && (
                  <span>Your own crossing orders are cancelled ({effect.selfCancelled.length}). </span>
                )}
              </p>
              <div class="locks">
                {effect.locks >= 0n ? "This order locks " : "This order releases "}
                <b data-testid="locks" data-units={effect.locks.toString()}>
                  {money(info, effect.locks >= 0n ? effect.locks : -effect.locks)}
                </b>{" "}
                <span class="muted">
                  (the worst case stored for this root goes from {money(info, me.storedWorst)} to{" "}
                  {money(info, effect.worstAfter)})
                </span>
              </div>
              <p class={cover < 0n ? "error" : "muted"} data-testid="cover-after">
                Cash {money(info, me.cash)} → {money(info, me.cash + effect.cashDelta)}; cash plus worst cases after the
                order: {money(info, cover)}
                {cover < 0n
                  ? ` — short by ${money(info, -cover)}: the contract will refuse it (InsufficientCollateral); deposit more or trade smaller.`
                  : " (must stay at or above zero)."}
              </p>
            </>
          )}
        </div>
      )}
      <button disabled={busy || inputErr !== ""} onClick={() => void submit()} data-testid="place-order">
        Send with wallet
      </button>
      {result !== undefined && (
        <p class={result.ok ? "ok" : "error"} data-testid="order-result">
          {result.text}
        </p>
      )}
    </section>
  );
}
