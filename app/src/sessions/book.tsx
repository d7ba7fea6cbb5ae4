/** The relay's book of one leg pair: bids, asks and the depth chart, prices in the legs' own units. */
import type { SessionInfo } from "../sdk.js";
import type { Book } from "../relay.js";
import { fmt } from "../ui/format.js";
import { DepthChart } from "./charts.js";

/** A relay price (leg-j raw units per leg-i raw unit, WAD) as leg-j tokens per leg-i token (WAD). */
function humanPrice(priceWad: bigint, di: number, dj: number): bigint {
  return (priceWad * 10n ** BigInt(di)) / 10n ** BigInt(dj);
}

function pairLegs(pair: string): [number, number] {
  const [i, j] = pair.split("-").map(Number);
  return [i, j];
}

export function BookView({ book, info }: { book: Book; info: SessionInfo }) {
  const [i, j] = pairLegs(book.pair);
  const li = info.legs[i];
  const lj = info.legs[j];
  const row = (side: "bid" | "ask") => (l: Book["bids"][number]) => (
    <tr key={side + l.priceWad} class={side}>
      <td class="num">{fmt(humanPrice(BigInt(l.priceWad), li.decimals, lj.decimals), 18)}</td>
      <td class="num" data-testid="size">
        {fmt(BigInt(l.size), li.decimals)}
      </td>
      <td class="num">{l.orders}</td>
    </tr>
  );
  return (
    <section class="card" data-testid={`book-${book.pair}`}>
      <h3>
        Book {li.symbol} / {lj.symbol}{" "}
        <span class="muted">
          (price in {lj.symbol} per {li.symbol}, size in {li.symbol})
        </span>
      </h3>
      <div class="row">
        <table class="book">
          <thead>
            <tr>
              <th class="num">Bid</th>
              <th class="num">Size</th>
              <th class="num">Orders</th>
            </tr>
          </thead>
          <tbody data-testid="bids">
            {book.bids.length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  no bids
                </td>
              </tr>
            ) : (
              book.bids.map(row("bid"))
            )}
          </tbody>
        </table>
        <table class="book">
          <thead>
            <tr>
              <th class="num">Ask</th>
              <th class="num">Size</th>
              <th class="num">Orders</th>
            </tr>
          </thead>
          <tbody data-testid="asks">
            {book.asks.length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  no asks
                </td>
              </tr>
            ) : (
              book.asks.map(row("ask"))
            )}
          </tbody>
        </table>
        <DepthChart book={book} di={li.decimals} dj={lj.decimals} />
      </div>
    </section>
  );
}
