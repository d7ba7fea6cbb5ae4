/**
 * The book shows the best price levels however many orders rest: with more resting orders than one read
 * aggregates (BOOK_SCAN_LIMIT), the newest orders at the best prices must still be on top (the relay used
 * to aggregate the oldest 5,000 orders and show their levels).
 */
import { expect } from "chai";
import { ZeroAddress } from "ethers";

import type { Relay } from "../../relay/index.js";
import { BOOK_SCAN_LIMIT } from "../../relay/server.js";
import { hashSessionOrder, sessionDomain, type SessionOrder } from "../../sdk/sessions/orders.js";
import { pairSide } from "../../sdk/sessions/validate.js";
import { DAY } from "../sessions/fixtures.js";
import { deployEnv, relayOn, request, type Env } from "./helpers.js";

const E18 = 10n ** 18n;

describe("relay: book with many resting orders", function () {
  this.timeout(120_000);
  let env: Env;
  let relay: Relay;
  before(async () => {
    env = await deployEnv();
    relay = await relayOn(env);
  });
  after(async () => relay.close());

  /** Writes a resting public order straight into the store (the book reads rows; acceptance is tested elsewhere). */
  async function rest(i: number, side: "bid" | "ask", price6: bigint) {
    const size = E18;
    const amounts = side === "bid" ? [size, -price6] : [-size, price6];
    const o: SessionOrder = {
      maker: "0x" + (i + 1).toString(16).padStart(40, "0"),
      taker: ZeroAddress,
      legs: 3n,
      amounts,
      maxFeeBps: 50n,
      expiry: env.b.now + 100n * DAY,
      nonce: 0n,
      salt: BigInt(i),
    };
    const ps = pairSide(o)!;
    await relay.store.run(
      `INSERT INTO orders (digest, chain_id, session, maker, taker, pair, side, price_wad, order_json, signature, expiry,
         status, reason, filled_wad, created_ms, updated_block, checked_block)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '0x', $10, 'open', '', '0', $11, 0, 0)`,
      [
        hashSessionOrder(o, sessionDomain(env.P, env.b.chainId)),
        env.b.chainId,
        env.P,
        o.maker,
        ZeroAddress,
        ps.pair,
        ps.side,
        ps.priceWad.toString(),
        JSON.stringify({ amounts: amounts.map(String) }),
        o.expiry,
        1_000_000n + BigInt(i), // created in this order: the last ones are the newest
      ],
    );
  }

  it("bookWithMoreOrdersThanTheScanLimit_showsTheNewestBestLevels_notTheOldestOrders", async () => {
    const old = BOOK_SCAN_LIMIT + 100;
    await relay.store.transaction(async () => {
      // old orders far from the middle (bids at 1.0 to 1.099, asks at 3.0 to 3.099), then 20 new ones a side
      for (let i = 0; i < old; i++)
        await rest(i, i % 2 === 0 ? "bid" : "ask", (i % 2 === 0 ? 1_000_000n : 3_000_000n) + BigInt(i % 100) * 1000n);
      for (let i = 0; i < 20; i++) {
        await rest(old + 2 * i, "bid", 1_900_000n + BigInt(i) * 1000n);
        await rest(old + 2 * i + 1, "ask", 2_100_000n - BigInt(i) * 1000n);
      }
    });
    const r = await request(`${relay.url}/sessions/${env.P}/book?pair=0-1&depth=5`, "GET");
    expect(r.status).to.equal(200);
    const [book] = r.body.books as Array<{
      bids: Array<{ priceWad: string; size: string; orders: number }>;
      asks: Array<{ priceWad: string; size: string; orders: number }>;
    }>;
    const wad = (p6: bigint) => ((p6 * 10n ** 18n) / E18).toString();
    expect(book.bids.map((l) => l.priceWad)).to.deep.equal(
      [1_919_000n, 1_918_000n, 1_917_000n, 1_916_000n, 1_915_000n].map(wad),
    );
    expect(book.asks.map((l) => l.priceWad)).to.deep.equal(
      [2_081_000n, 2_082_000n, 2_083_000n, 2_084_000n, 2_085_000n].map(wad),
    );
    expect(book.bids[0]).to.include({ size: E18.toString(), orders: 1 });
    // a level of the old orders: 26 bids rest at 1.098 (every 100th old order from i = 98, even i)
    const deep = await request(`${relay.url}/sessions/${env.P}/book?pair=0-1&depth=50`, "GET");
    const level = (deep.body.books as Array<{ bids: Array<{ priceWad: string; orders: number }> }>)[0].bids.find(
      (l) => l.priceWad === wad(1_098_000n),
    );
    expect(level?.orders).to.equal(Math.ceil((old - 98) / 100));
  });
});
