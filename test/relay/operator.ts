/**
 * The optional matching operator: off by default (crossing orders rest); when an operator account is given,
 * the relay proposes `matchOrders` for crossing resting orders, scaling the fraction to what the bid has left,
 * and the result is read back from the chain.
 */
import { expect } from "chai";

import type { MatchAttempt } from "../../relay/operator.js";
import { makeOrder } from "../sessions/fixtures.js";
import { aliceOrder, deployEnv, orderBody, relayOn, request, WAD } from "./helpers.js";

describe("relay: matching operator", function () {
  this.timeout(120_000);

  it("off by default; with an operator, crossing orders are matched on chain and their statuses follow", async () => {
    const env = await deployEnv();
    const ask = await orderBody(env.b, env.physical, env.b.alice, await aliceOrder(env, {}, 2n, 4n)); // 2e6 per leg-0 token
    const bidOrder = await makeOrder(env.b, env.b.bob.address, [0, 1], [1n * 10n ** 18n, -3n * 10n ** 6n]); // pays up to 3e6
    const bid = await orderBody(env.b, env.physical, env.b.bob, bidOrder);

    const plain = await relayOn(env);
    try {
      for (const body of [ask, bid])
        expect((await request(`${plain.url}/sessions/${env.P}/orders`, "POST", body)).status).to.equal(201);
      await plain.sync();
      const book = (await request(`${plain.url}/sessions/${env.P}/book?pair=0-1`, "GET")).body;
      const b0 = (book.books as Array<{ bids: unknown[]; asks: unknown[] }>)[0];
      expect(b0.bids).to.have.length(1);
      expect(b0.asks).to.have.length(1); // crossed, and resting: no operator
    } finally {
      await plain.close();
    }

    const tried: MatchAttempt[] = [];
    const relay = await relayOn(env, { operator: env.b.dave, onMatch: (m) => tried.push(m) });
    try {
      for (const body of [ask, bid]) await request(`${relay.url}/sessions/${env.P}/orders`, "POST", body);
      await relay.sync();
      expect(tried).to.have.length(1);
      expect(tried[0]).to.include({ ask: ask.digest, bid: bid.digest });
      expect(tried[0].tx).to.match(/^0x[0-9a-f]{64}$/);
      // the bid could take 3e6 of leg 1 for 1.5 of leg 0 at the ask's rate: three quarters of the ask (the
      // contract's "wanted" rounds up, so the scaled fraction lands one wei under)
      expect(tried[0].fractionWad).to.be.within((3n * WAD) / 4n - 1n, (3n * WAD) / 4n);
      const a = (await request(`${relay.url}/orders/${String(ask.digest)}`, "GET")).body;
      const b = (await request(`${relay.url}/orders/${String(bid.digest)}`, "GET")).body;
      expect(a).to.include({ status: "partial", filledWad: tried[0].fractionWad.toString() });
      expect(b).to.include({ status: "filled" });
      await relay.sync();
      expect(tried).to.have.length(1); // nothing crosses any more
    } finally {
      await relay.close();
    }
  });
});
