/** My orders at the relay in one session: status, filled share, cancel one, cancel all (nonce floor). */
import type { Signer } from "ethers";

import { cancelAll, cancelOrder, type AccountInfo, type SessionInfo } from "../sdk.js";
import { toOrderFile, type RelayOrder } from "../relay.js";
import { fmt, short } from "../ui/format.js";
import type { Track } from "../ui/txlog.js";
import { describe } from "./take.js";

/** Relay statuses of an order that can still trade. */
export const LIVE = new Set(["open", "partial"]);
/** Orders that may still fill later and so are worth cancelling: in the book, unfundable now, or waiting for t1 or an unpause. */
const CANCELLABLE = new Set(["open", "partial", "unfundable", "waiting"]);

export function MyOrders(props: {
  orders: RelayOrder[];
  info: SessionInfo;
  me: AccountInfo;
  signer: Signer;
  track: Track;
  refresh: () => void;
}) {
  const { orders, info, me, signer, track, refresh } = props;
  const liveCount = orders.filter((o) => CANCELLABLE.has(o.status)).length;
  return (
    <section class="card" data-testid="my-orders">
      <h3>
        My orders{" "}
        <button
          class="secondary"
          disabled={liveCount === 0}
          data-testid="cancel-all"
          onClick={() =>
            void track(
              "Cancel all (raise nonce floor)",
              () => cancelAll(signer, info.address, me.nonceFloor + 1n),
              (r) => `nonce floor ${r.previous} → ${r.floor} in ${short(r.txHash)}`,
            ).then(refresh)
          }
        >
          Cancel all
        </button>
      </h3>
      {orders.length === 0 ? (
        <p class="muted">You have no orders at the relay in this session.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Terms</th>
              <th>Status</th>
              <th class="num">Filled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.digest} data-testid="my-order">
                <td>
                  <code>{short(o.digest)}</code>
                </td>
                <td>{describe(o, info).replace(/gives/g, "give").replace(/gets/g, "get")}</td>
                <td data-testid="my-order-status">
                  {o.status}
                  {o.reason !== "" && <span class="muted"> ({o.reason})</span>}
                </td>
                <td class="num" data-testid="my-order-filled">
                  {fmt(BigInt(o.filledWad) * 100n, 18, 2)}%
                </td>
                <td>
                  {CANCELLABLE.has(o.status) && (
                    <button
                      class="secondary"
                      data-testid="cancel"
                      onClick={() =>
                        void track(
                          `Cancel ${short(o.digest)}`,
                          () => cancelOrder(signer, toOrderFile(o)),
                          (r) => `cancelled in ${short(r.txHash)}`,
                        ).then(refresh)
                      }
                    >
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
