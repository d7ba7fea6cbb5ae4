/**
 * One market's book as the chain holds it: bids and offers best first (price, contracts, orders, cumulative
 * contracts), a depth chart, and a Take button per level that fills the order form with an immediate-or-cancel
 * order sweeping the book down to that level.
 */
import type { MarketBook, RootInfo } from "../../../sdk/markets/index.js";
import { DepthChart } from "./charts.js";
import { outcome, price } from "./units.js";

/** What a Take button puts in the order form. */
export interface TakeRequest {
  side: "buy" | "sell";
  tick: number;
  quantity: bigint;
}

export function MarketBookView(props: {
  info: RootInfo;
  book: MarketBook;
  /** The keys of my open orders on the root: the book does not say whose an order is, my own list does. */
  ownKeys: ReadonlySet<bigint>;
  canTake: boolean;
  onTake: (t: TakeRequest) => void;
}) {
  const { info, book, ownKeys, canTake, onTake } = props;
  const b = info.branches.find((x) => x.branchId === book.branchId)!;
  const mine = (l: MarketBook["bids"][number]) => l.entries.some((e) => ownKeys.has(e.orderKey));
  const side = (levels: MarketBook["bids"], kind: "bid" | "ask") => {
    let cum = 0n;
    return levels.map((l) => {
      cum += l.size;
      const upTo = cum;
      return (
        <tr key={kind + l.tick} class={kind} data-testid="level">
          <td class="num">{price(l.tick)}</td>
          <td class="num" data-testid="level-size">
            {l.size.toString()}
          </td>
          <td class="num">
            {l.entries.length}
            {mine(l) ? " (mine)" : ""}
          </td>
          <td class="num muted">{upTo.toString()}</td>
          <td>
            {canTake && (
              <button
                class="secondary small"
                data-testid="take"
                title={`${kind === "bid" ? "Sell" : "Buy"} ${upTo} contracts immediately, down to ${price(l.tick)}`}
                onClick={() => onTake({ side: kind === "bid" ? "sell" : "buy", tick: l.tick, quantity: upTo })}
              >
                {kind === "bid" ? "Sell" : "Buy"} {upTo.toString()}
              </button>
            )}
          </td>
        </tr>
      );
    });
  };
  const head = (label: string) => (
    <thead>
      <tr>
        <th class="num">{label}</th>
        <th class="num">Contracts</th>
        <th class="num">Orders</th>
        <th class="num">Cum.</th>
        <th />
      </tr>
    </thead>
  );
  const empty = (what: string) => (
    <tr>
      <td colSpan={5} class="muted">
        no {what}
      </td>
    </tr>
  );
  return (
    <section class="card" data-testid="market-book">
      <h3>
        Book of market #{book.branchId}{" "}
        <span class="muted">
          [{outcome(info, b.min)}, {outcome(info, b.max)}] · price per contract (0.01 to 0.99 of{" "}
          {info.collateral.symbol} payout), best first
        </span>
      </h3>
      <div class="row">
        <table class="book">
          {head("Bid")}
          <tbody data-testid="book-bids">{book.bids.length === 0 ? empty("bids") : side(book.bids, "bid")}</tbody>
        </table>
        <table class="book">
          {head("Ask")}
          <tbody data-testid="book-asks">{book.asks.length === 0 ? empty("offers") : side(book.asks, "ask")}</tbody>
        </table>
      </div>
      <DepthChart book={book} />
      {book.truncated && <p class="muted">A level lists more entries than were read: its size counts those read.</p>}
    </section>
  );
}
