/**
 * Issue 12 fault 6 at the SDK: a relayed order's outcome does not depend on the relayer's maxLevels. The
 * client relays over every level, and the contract's refusal of a lower bound decodes to a sentence.
 */
import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";

import { decodeError } from "../../sdk/errors.js";
import { MARKET_ABIS, placeOrder, RELAY_MAX_LEVELS, signOrder } from "../../sdk/markets/client.js";
import { ORDER_TYPES } from "../../sdk/markets/typedData.js";
import { deployMarkets, UNIT, type MarketsFixture } from "./fixture.js";

const connection = await network.create();

async function bookWithTwoBidLevels(): Promise<{ fx: MarketsFixture; rootId: bigint; t1: Signer; relayer: Signer }> {
  const fx = await deployMarkets(connection);
  const [, t1, t2, , relayer] = fx.signers;
  const rootId = await fx.createRoot(0n, 100n);
  for (const t of [t1, t2]) await fx.fund(t, 100n * UNIT);
  const c2 = fx.core.connect(t2) as Contract;
  await (await c2.place(await fx.order(t2, rootId, 1, 50, 1n), "0x", 4)).wait();
  await (await c2.place(await fx.order(t2, rootId, 1, 49, 1n), "0x", 4)).wait();
  return { fx, rootId, t1, relayer };
}

describe("markets relay (issue 12, fault 6)", () => {
  it("relayedOrder_sweepsEveryLevel_whateverMaxLevelsTheRelayerPasses", async () => {
    const { fx, rootId, t1, relayer } = await bookWithTwoBidLevels();
    const file = await signOrder(t1, fx.coreAddress, {
      root: rootId.toString(),
      branch: 1,
      price: "0.40",
      quantity: "3",
      side: "offer",
      type: "gtc",
      expiryHours: 1,
    });
    const r = await placeOrder(relayer, fx.coreAddress, { file }, 1n);
    expect(r.submitter).to.equal(await relayer.getAddress());
    expect(r.traded).to.equal(2n); // both levels, though the relayer asked for one
    expect(r.resting).to.equal(1n); // the rest rests, as the trader signed
    expect(r.reductions).to.deep.equal([]);
  });

  it("reverts_relayedOrder_RelayedSweepBound_decodesToASentence_andConsumesNothing", async () => {
    const { fx, rootId, t1, relayer } = await bookWithTwoBidLevels();
    const o = await fx.order(t1, rootId, 1, 40, -3n);
    const sig = await t1.signTypedData(fx.domain, ORDER_TYPES, o);
    const c = fx.core.connect(relayer) as Contract;
    let caught: unknown;
    try {
      await c.place.staticCall(o, sig, 1);
    } catch (e) {
      caught = e;
    }
    const d = decodeError(caught, MARKET_ABIS);
    expect(d?.name).to.equal("RelayedSweepBound");
    expect(d?.args.maxLevels).to.equal(1n);
    expect(d?.args.submitter).to.equal(await relayer.getAddress());
    expect(d?.message).to.contain(`maxLevels ${RELAY_MAX_LEVELS}`);
    const digest = await fx.core.orderDigest(o);
    expect(await fx.core.filledOf(o.trader, o.salt)).to.equal(0n);
    // The trader's own submission keeps its own bound: one level, the remainder dropped (reason 3).
    const own = fx.core.connect(t1) as Contract;
    const [, traded] = (await own.place.staticCall(o, "0x", 1)) as [bigint, bigint];
    expect(traded).to.equal(1n);
  });
});
