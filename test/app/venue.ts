/**
 * `npm run app` on a machine with no node: the venue scripts/venue.ts sets up on a fresh `hardhat node` is live
 * and tradeable. A physical session in its trading window with the three traders subscribed, a markets root
 * with a sub-market where the traders' cash is deposited and a bid and an offer rest on each market, and the
 * two signed session orders accepted by a relay (the relay checks them as it checks any order).
 */
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { startRelay, type Relay } from "../../relay/index.js";
import { loadRoot, readBook, traderOnRoot } from "../../sdk/markets/index.js";
import { accountInfo, loadSession } from "../../sdk/sessions/index.js";
import { postOrders, publicTestKey, setUpVenue, startNode, stopGroup, type Venue } from "../../scripts/venue.js";
import { freePort } from "./harness.js";

describe("npm run app: the local venue of a fresh node", function () {
  this.timeout(180_000);
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  let relay: Relay | undefined;
  let venue: Venue;
  let provider: JsonRpcProvider;

  before(async function () {
    node = await startNode(await freePort());
    venue = await setUpVenue(node.url);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: false, cacheTimeout: -1 });
  });

  after(async function () {
    await relay?.close();
    provider?.destroy();
    await stopGroup(node?.proc);
  });

  it("the session trades now and each trader holds 10 shares of the basket", async function () {
    const info = await loadSession(provider, venue.session, venue.factory);
    expect(info.now >= info.t1 && info.now < info.t2, `chain time ${info.now}, window ${info.t1}..${info.t2}`).to.equal(
      true,
    );
    expect(venue.traders).to.have.length(3);
    for (const t of venue.traders) {
      const a = await accountInfo(provider, info, t);
      expect(a.shares).to.equal(10n);
      expect(a.allocation).to.deep.equal([10n * 10n ** 18n, 2_000n * 10n ** 6n]);
      // the printed keys are the node's own test accounts (so a browser wallet can import them)
      expect(publicTestKey(t), t).to.match(/^0x[0-9a-f]{64}$/);
    }
  });

  it("the markets root has its sub-market, a bid and an offer on each market, and the traders' cash", async function () {
    const root = await loadRoot(provider, venue.markets, venue.rootId.toString());
    for (const branch of [1, 2]) {
      const book = await readBook(provider, root, branch);
      expect(book.bids.length, `bids of market ${branch}`).to.equal(1);
      expect(book.asks.length, `offers of market ${branch}`).to.equal(1);
      expect(book.bids[0].tick).to.be.below(book.asks[0].tick);
    }
    const carol = await traderOnRoot(provider, root, venue.traders[2]);
    expect(carol.cash).to.equal(1_000n * 10n ** 6n);
  });

  it("a relay accepts the venue's two signed session orders and books them on both sides", async function () {
    relay = await startRelay({ provider, sessions: [venue.session], port: 0, fromBlock: 0n, pollMs: 250 });
    const lines = await postOrders(relay.url, venue.sessionOrders);
    expect(lines).to.have.length(2);
    for (const line of lines) expect(line).to.match(/ open$/);
    const res = await fetch(`${relay.url}/sessions/${venue.session}/book`);
    const { books } = (await res.json()) as { books: Array<{ pair: string; bids: unknown[]; asks: unknown[] }> };
    expect(books.map((b) => [b.pair, b.bids.length, b.asks.length])).to.deep.equal([["0-1", 1, 1]]);
  });
});
