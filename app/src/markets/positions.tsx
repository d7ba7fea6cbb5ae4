/**
 * My positions on the root: contracts per market (maker fills not yet credited included), resting orders with
 * cancel, the net premium paid, the payoff chart across the root's range of X from the SDK's payoff math, and
 * redemption once the root is settled or voided (what it pays shown before the wallet sends it). A cancel
 * releases its collateral at the trader's next refresh of the root: while the stored worst case is below what a
 * refresh would store, a Sync button releases the difference now.
 */
import type { Signer } from "ethers";

import { cancelOrder, payoffCurve, payoutAt, redeem, syncRoot } from "../../../sdk/markets/index.js";
import { short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import { PayoffChart } from "./charts.js";
import type { RootData } from "./page.js";
import { inTokens, money, outcome, price } from "./units.js";

export function Positions(props: {
  data: RootData;
  signer: Signer;
  markets: string;
  track: Track;
  refresh: () => void;
}) {
  const { data, signer, markets, track, refresh } = props;
  const { info, me } = data;
  if (me === undefined) return null;
  const top = info.branches[0];
  const held = info.branches.filter((b) => (me.positions.get(b.branchId) ?? 0n) !== 0n);
  const curve = payoffCurve({
    from: top.min,
    to: top.max,
    unitScale: info.unitScale,
    markets: info.branches,
    positions: me.positions,
    premiumPaid: me.premiumPaid,
  });
  const final = info.status !== "open";
  // What a refresh would free: the worst case it would store plus the fills it would credit, over the stored one.
  const releasable = me.active && !final ? me.worstNow + me.pendingCash - me.storedWorst : 0n;
  const redemption =
    info.status === "settled"
      ? payoutAt(info.lo, info.unitScale, info.branches, me.positions)
      : info.status === "voided"
        ? me.premiumPaid
        : undefined;
  return (
    <section class="card" data-testid="positions">
      <h3>My positions on root {info.rootId.toString()}</h3>
      {held.length === 0 ? (
        <p class="muted" data-testid="no-positions">
          No positions on this root{me.active && final ? " (redeemed or flat)" : ""}.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Market</th>
              <th class="num">Bounds</th>
              <th class="num">Contracts</th>
              <th class="num">Pays at lo … hi</th>
            </tr>
          </thead>
          <tbody>
            {held.map((b) => {
              const pos = me.positions.get(b.branchId)!;
              return (
                <tr key={b.branchId}>
                  <td>#{b.branchId}</td>
                  <td class="num">
                    [{outcome(info, b.min)}, {outcome(info, b.max)}]
                  </td>
                  <td class={`num ${pos > 0n ? "up" : "down"}`} data-testid={`position-${b.branchId}`}>
                    {pos.toString()}
                  </td>
                  <td class="num">
                    {money(info, payoutAt(info.lo, info.unitScale, [b], me.positions))} …{" "}
                    {money(info, payoutAt(info.hi, info.unitScale, [b], me.positions))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p class="muted">
        Net premium paid into the root: <span data-testid="premium">{money(info, me.premiumPaid)}</span>
        {me.pendingCash !== 0n && <> · maker fills still to credit: {money(info, me.pendingCash)}</>} · worst case held
        for this root: {money(info, me.storedWorst)}
      </p>
      {held.length > 0 && (
        <PayoffChart
          points={curve}
          decimals={info.collateral.decimals}
          outcomeDecimals={info.decimals}
          lo={info.lo}
          hi={info.hi}
          settledAt={info.status === "settled" ? info.lo : undefined}
          symbol={info.collateral.symbol}
        />
      )}
      {me.opens.length > 0 && (
        <table data-testid="my-resting">
          <thead>
            <tr>
              <th>Resting order</th>
              <th>Side</th>
              <th class="num">Price</th>
              <th class="num">Contracts left</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {me.opens.map((o) => (
              <tr key={o.orderKey.toString()} data-testid="my-order">
                <td>
                  #{o.branchId} <span class="muted">key {short("0x" + o.orderKey.toString(16))}</span>
                </td>
                <td>{o.qty > 0n ? "bid" : "offer"}</td>
                <td class="num">{price(o.tick)}</td>
                <td class="num">{(o.qty < 0n ? -o.qty : o.qty).toString()}</td>
                <td>
                  <button
                    class="secondary"
                    data-testid="cancel"
                    onClick={() =>
                      void track(
                        `Cancel order on #${o.branchId} at ${price(o.tick)}`,
                        () => cancelOrder(signer, markets, { orderKey: o.orderKey }),
                        (r) => `cancelled ${r.quantity} contracts in ${short(r.txHash)}`,
                      ).then(refresh)
                    }
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {releasable > 0n && (
        <div class="panel" data-testid="sync-panel">
          <p>
            Cancelled orders and fills on this root free <b data-testid="releasable">{money(info, releasable)}</b> once
            it is synced (your next order here or a withdrawal does it too).
          </p>
          <button
            class="secondary"
            data-testid="sync"
            onClick={() =>
              void track(
                `Sync root ${info.rootId}`,
                () => syncRoot(signer, markets, info.rootId.toString()).catch(inTokens(info)),
                (r) => `synced: ${money(info, r.storedAfter - r.storedBefore)} released in ${short(r.txHash)}`,
              ).then(refresh)
            }
          >
            Sync now
          </button>
        </div>
      )}
      {final && me.active && redemption !== undefined && (
        <div class="panel">
          <p data-testid="redeem-preview">
            The root is {info.status}
            {info.status === "settled" ? ` at X = ${outcome(info, info.lo)}` : ""}: redemption{" "}
            {redemption >= 0n ? "credits" : "debits"} your cash with{" "}
            <b>{money(info, redemption < 0n ? -redemption : redemption)}</b>.
          </p>
          <button
            data-testid="redeem"
            onClick={() =>
              void track(
                `Redeem root ${info.rootId}`,
                () => redeem(signer, markets, info.rootId.toString()).catch(inTokens(info)),
                (r) => `payout ${money(info, r.payout)} credited to your cash in ${short(r.txHash)}`,
              ).then(refresh)
            }
          >
            Redeem
          </button>
        </div>
      )}
    </section>
  );
}
