/** Orders I can fill: the relay's live orders of others, a fill panel with a preview, the fill transaction. */
import { useState } from "preact/hooks";
import type { Signer } from "ethers";

import { isoTime, parseFraction } from "../../../sdk/input.js";
import { amountAt } from "../../../sdk/sessions/orders.js";
import { fillOrder, type AccountInfo, type SessionInfo } from "../sdk.js";
import { toOrderFile, type RelayOrder } from "../relay.js";
import { explain } from "../ui/explain.js";
import { fmt, short, WAD } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";

/** What a fill of `fractionWad` moves, per leg of the order, from the taker's side, and the taker fee. */
function preview(o: RelayOrder, info: SessionInfo, fractionWad: bigint) {
  const mask = BigInt(o.order.legs);
  const out: Array<{ leg: number; symbol: string; decimals: number; taker: bigint; fee: bigint }> = [];
  let n = 0;
  for (let k = 0; k < info.legs.length; k++) {
    if (((mask >> BigInt(k)) & 1n) === 0n) continue;
    const maker = amountAt(BigInt(o.order.amounts[n++]), fractionWad);
    const taker = -maker;
    // physical: the taker fee is taken in the leg the taker receives (docs/sessions.md "Rules")
    const fee = info.kind === "physical" && taker > 0n ? (taker * info.takerFeeBps) / 10_000n : 0n;
    out.push({ leg: k, symbol: info.legs[k].symbol, decimals: info.legs[k].decimals, taker, fee });
  }
  return out;
}

export function describe(o: RelayOrder, info: SessionInfo): string {
  const mask = BigInt(o.order.legs);
  const parts: string[] = [];
  let n = 0;
  for (let k = 0; k < info.legs.length; k++) {
    if (((mask >> BigInt(k)) & 1n) === 0n) continue;
    const a = BigInt(o.order.amounts[n++]);
    parts.push(`${a < 0n ? "gives" : "gets"} ${fmt(a < 0n ? -a : a, info.legs[k].decimals)} ${info.legs[k].symbol}`);
  }
  return parts.join(", ");
}

export function TakeList(props: {
  orders: RelayOrder[];
  info: SessionInfo;
  signer?: Signer;
  trading: boolean;
  me?: AccountInfo;
  track: Track;
  refresh: () => void;
}) {
  const { orders, info, signer, trading, track, refresh } = props;
  // the order as it was when the panel opened: it stays on screen even if the relay drops it meanwhile (the fill
  // then reverts and the decoded reason is shown)
  const [chosen, setChosen] = useState<RelayOrder | undefined>();
  const [fraction, setFraction] = useState("1");
  const [busy, setBusy] = useState(false);
  let fractionWad: bigint | undefined;
  let fracErr = "";
  try {
    fractionWad = parseFraction(fraction, "fraction");
  } catch (e) {
    fracErr = explain(e);
  }
  const remainingWad = chosen === undefined ? WAD : WAD - BigInt(chosen.filledWad);
  return (
    <section class="card" data-testid="take">
      <h3>Orders you can fill</h3>
      {orders.length === 0 ? (
        <p class="muted" data-testid="no-takeable">
          None right now.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Maker</th>
              <th>The maker…</th>
              <th>Status</th>
              <th class="num">Filled</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.digest} data-testid="takeable">
                <td>
                  <code>{short(o.order.maker)}</code>
                </td>
                <td>{describe(o, info)}</td>
                <td>{o.status}</td>
                <td class="num">{fmt(BigInt(o.filledWad) * 100n, 18, 2)}%</td>
                <td>{isoTime(BigInt(o.order.expiry))}</td>
                <td>
                  {signer !== undefined && trading && (
                    <button data-testid="fill-open" onClick={() => setChosen(o)}>
                      Fill…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen !== undefined && signer !== undefined && (
        <div class="panel" data-testid="fill-panel">
          <label>
            Fraction of the whole order to fill (0 to 1; {fmt(remainingWad, 18, 4)} left){" "}
            <input value={fraction} onInput={(e) => setFraction(e.currentTarget.value)} data-testid="fill-fraction" />
          </label>
          {fracErr !== "" ? (
            <p class="error">{fracErr}</p>
          ) : (
            fractionWad !== undefined && (
              <div data-testid="fill-preview">
                <p>
                  <b>Preview</b> (you are the taker):
                </p>
                <ul>
                  {preview(chosen, info, fractionWad).map((p) => (
                    <li key={p.leg}>
                      {p.taker < 0n ? "You give " : "You receive "}
                      <b>
                        {fmt(p.taker < 0n ? -p.taker : p.taker, p.decimals)} {p.symbol}
                      </b>
                      {p.fee > 0n && (
                        <span>
                          {" "}
                          minus the taker fee ≈ {fmt(p.fee, p.decimals)} {p.symbol} ({info.takerFeeBps.toString()} bps)
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
                {info.kind !== "physical" && (
                  <p class="muted">
                    Taker fee: {info.takerFeeBps.toString()} bps of the received amount at the cap, from your deposit.
                  </p>
                )}
              </div>
            )
          )}
          <button
            disabled={busy || fractionWad === undefined}
            data-testid="fill-confirm"
            onClick={() => {
              if (fractionWad === undefined) return;
              setBusy(true);
              void track(
                `Fill ${fraction} of ${short(chosen.digest)}`,
                () => fillOrder(signer, toOrderFile(chosen), fractionWad),
                (r) =>
                  `filled to ${fmt(r.filledAfterWad * 100n, 18, 2)}% in ${short(r.txHash)}: ` +
                  r.legs.map((l) => `${fmt(l.takerDelta, l.decimals)} ${l.symbol}`).join(", "),
              ).then(() => {
                setBusy(false);
                setChosen(undefined);
                refresh();
              });
            }}
          >
            Send fill transaction
          </button>{" "}
          <button class="secondary" onClick={() => setChosen(undefined)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
