import { expect } from "chai";
import type { Contract, Signer } from "ethers";
import { network } from "hardhat";

import { ORDER_TYPES } from "../../sdk/markets/typedData.js";
import { fetchRootRecords, verifyRecords, verifyRoot, type ChainRecord } from "../../sdk/markets/verifier.js";
import { deployMarkets, UNIT, type MarketsFixture } from "./fixture.js";

const connection = await network.create();

async function send(fx: MarketsFixture, who: Signer, method: string, ...args: unknown[]) {
  const c = fx.core.connect(who) as Contract;
  await (await c.getFunction(method)(...args)).wait();
}

/** A rainfall root with a sub-market: signed and direct orders, partial fills, self-trade, IOC, cancel, narrowing, settlement. */
async function scenario() {
  const fx = await deployMarkets(connection);
  const [owner, t1, t2, t3, relayer] = fx.signers;
  const rootId = await fx.createRoot(0n, 100n);
  const sub = await fx.createSub(rootId, 1, 30n, 40n);
  for (const t of [t1, t2, t3]) await fx.fund(t, 100n * UNIT);
  const o1 = await fx.order(t1, rootId, 1, 50, 10n);
  await send(fx, relayer, "place", o1, await t1.signTypedData(fx.domain, ORDER_TYPES, o1), 4);
  await send(fx, t2, "place", await fx.order(t2, rootId, 1, 40, -4n), "0x", 4); // better price: trades at 50
  await send(fx, t3, "place", await fx.order(t3, rootId, 1, 45, -10n), "0x", 4); // 6 at 50, 4 rest at 45
  await send(fx, t1, "place", await fx.order(t1, rootId, 1, 45, 2n, 1), "0x", 4); // IOC takes 2 at 45
  await send(fx, t2, "place", await fx.order(t2, rootId, sub, 30, 3n), "0x", 4);
  await send(fx, t3, "place", await fx.order(t3, rootId, sub, 25, -3n), "0x", 4);
  await send(fx, t3, "place", await fx.order(t3, rootId, 1, 46, 1n), "0x", 4); // self-trade: cancels own offer, rests
  await send(fx, t1, "place", await fx.order(t1, rootId, 1, 90, -1n), "0x", 4);
  await send(fx, t1, "cancel", await restingKeyOf(fx, rootId, 90)); // a reduction
  await send(fx, owner, "postBounds", rootId, sub, 35n, 40n); // rainfall is at least 35 mm
  await send(fx, owner, "postBounds", rootId, 1, 37n, 37n); // settles at 37 mm
  await send(fx, t2, "redeem", rootId, await t2.getAddress());
  return { fx, rootId };
}

async function restingKeyOf(fx: MarketsFixture, rootId: bigint, tick: number): Promise<bigint> {
  const [, tail] = await fx.core.level(rootId, 1, tick);
  return await fx.core.orderKeyOf(rootId, 1, tick, Number(tail) - 1);
}

describe("markets verifier", () => {
  let fx: MarketsFixture;
  let rootId: bigint;
  let records: ChainRecord[];

  before(async () => {
    ({ fx, rootId } = await scenario());
    records = await fetchRootRecords(connection.ethers.provider, fx.coreAddress, rootId);
  });

  it("replays a root's events: chain, signatures, book and positions match the contract", async () => {
    const replay = await verifyRoot(connection.ethers.provider, fx.coreAddress, rootId);
    expect(replay.problems).to.deep.equal([]);
    expect(replay.records).to.be.greaterThan(15);
    const kinds = new Set(records.map((r) => r.kind));
    for (const k of ["accept", "fill", "reduce", "bounds", "settled", "redeemed"])
      expect(kinds.has(k as ChainRecord["kind"])).to.equal(true);
    const [t1] = fx.signers.slice(1);
    expect(replay.positions.get(await t1.getAddress())!.get(1)).to.equal(12n);
  });

  it("detects a tampered fill quantity", async () => {
    const tampered = records.map((r) => (r.kind === "fill" ? { ...r, quantity: r.quantity + 1n } : r));
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    expect(replay.problems.some((p) => p.includes("chain head"))).to.equal(true);
  });

  it("detects a tampered order price (digest no longer matches)", async () => {
    const i = records.findIndex((r) => r.kind === "accept");
    const tampered = records.map((r, j) =>
      j === i && r.kind === "accept" ? { ...r, order: { ...r.order, tick: r.order.tick + 1 } } : r,
    );
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    expect(replay.problems.some((p) => p.includes("hashes to"))).to.equal(true);
  });

  it("detects a dropped record", async () => {
    const i = records.findIndex((r) => r.kind === "reduce");
    const tampered = records.filter((_, j) => j !== i);
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    expect(replay.problems.length).to.be.greaterThan(0);
  });

  it("detects a forged signature on a relayed order", async () => {
    const i = records.findIndex((r) => r.kind === "accept" && r.signature !== "0x");
    expect(i).to.be.greaterThanOrEqual(0);
    const acc = records[i];
    if (acc.kind !== "accept") throw new Error("unreachable");
    const forged = await fx.signers[5].signTypedData(fx.domain, ORDER_TYPES, acc.order);
    const tampered = records.map((r, j) => (j === i ? { ...acc, signature: forged } : r));
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    expect(replay.problems.some((p) => p.includes("signature recovers"))).to.equal(true);
  });

  it("detects an unsigned order submitted by someone else", async () => {
    const i = records.findIndex((r) => r.kind === "accept" && r.signature === "0x");
    const acc = records[i];
    if (acc.kind !== "accept") throw new Error("unreachable");
    const tampered = records.map((r, j) => (j === i ? { ...acc, submitter: fx.coreAddress } : r));
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    expect(replay.problems.some((p) => p.includes("unsigned order"))).to.equal(true);
  });
});
