import { expect } from "chai";
import { HDNodeWallet, type Contract, type Filter, type Provider, type Signer } from "ethers";
import { network } from "hardhat";

import { tradersOfKeys } from "../../sdk/markets/reads.js";
import { orderDigest, ORDER_TYPES, type MarketOrder } from "../../sdk/markets/typedData.js";
import { fetchRootRecords, verifyRecords, verifyRoot, type ChainRecord } from "../../sdk/markets/verifier.js";
import { approveDigestOnChain, signDigestAsSafe } from "../../sdk/safe.js";
import { createSafe, deploySafeInfra, safeApprove, safeExec, type SafeInfra } from "../shared/safe.js";
import { deployMarkets, UNIT, type MarketsFixture } from "./fixture.js";

const connection = await network.create();

/** The key of default account `index` (Hardhat's mnemonic), for a raw-digest ECDSA signature a mock wallet checks. */
function ownerKey(index: number, expected: string): HDNodeWallet {
  const w = HDNodeWallet.fromPhrase(
    "test test test test test test test test test test test junk",
    undefined,
    `m/44'/60'/0'/0/${index}`,
  );
  expect(w.address).to.equal(expected);
  return w;
}

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

  it("tradersOfKeys names a fill's maker from its acceptance, at the fill's block and once the record is gone", async () => {
    const fills = records.filter((r) => r.kind === "fill");
    const first = fills[0];
    const t1 = await fx.signers[1].getAddress();
    const atFill = await tradersOfKeys(connection.ethers.provider, fx.coreAddress, [first.makerKey], first.blockNumber);
    expect(atFill.get(first.makerKey)).to.equal(t1);
    // t1 acted on the root since: the fill was credited and the filled-out order's lane cleared
    const latest = await connection.ethers.provider.getBlockNumber();
    expect(await fx.core.restingOrder(first.makerKey)).to.deep.equal([0n, 0n]);
    const now = await tradersOfKeys(connection.ethers.provider, fx.coreAddress, [first.makerKey], latest);
    expect(now.get(first.makerKey)).to.equal(t1);
    // every fill's maker, as the replay's book has it
    const all = await tradersOfKeys(
      connection.ethers.provider,
      fx.coreAddress,
      fills.map((f) => f.makerKey),
      latest,
    );
    expect(all.size).to.equal(new Set(fills.map((f) => f.makerKey)).size);
  });

  it("tradersOfKeys_namesBothMakersOfOneStorageSlot_aFullyFilledOne_andTheLastAcceptanceUnderAReusedKey", async () => {
    const f = await deployMarkets(connection);
    const [, t1, t2, t3] = f.signers;
    const root = await f.createRoot(0n, 100n);
    for (const t of [t1, t2, t3]) await f.fund(t, 100n * UNIT);
    const place = async (t: Signer, q: bigint, type = 0) =>
      send(f, t, "place", await f.order(t, root, 1, 60, q, type), "0x", 4);
    await place(t1, -3n); // key 0 of the level
    await place(t2, -5n); // key 1: the same storage slot as key 0
    await place(t3, 4n, 1); // IOC under key 2: fills t1's 3 (in full) and 1 of t2's, rests nothing
    await place(t1, -2n); // rests under key 2, reused: t1's refresh also clears its filled-out key 0
    const keys = await Promise.all([0, 1, 2].map((i) => f.core.orderKeyOf(root, 1, 60, i)));
    expect(await f.core.restingOrder(keys[0])).to.deep.equal([0n, 0n]);
    expect(await f.core.restingOrder(keys[1])).to.deep.equal([4n, 1n]);
    const latest = await connection.ethers.provider.getBlockNumber();
    const traders = await tradersOfKeys(connection.ethers.provider, f.coreAddress, keys, latest);
    expect(keys.map((k) => traders.get(k))).to.deep.equal(await Promise.all([t1, t2, t1].map((t) => t.getAddress())));
    // as of the block before t1's second order, key 2 names the IOC's trader (its last acceptance then)
    const before = await tradersOfKeys(connection.ethers.provider, f.coreAddress, [keys[2]], latest - 1);
    expect(before.get(keys[2])).to.equal(await t3.getAddress());
    // Read newest first one block at a time, the scan stops once every key is named: the four acceptances
    // are the last four blocks, so it asks for the root's creation and at most those four blocks.
    const provider = connection.ethers.provider;
    let calls = 0;
    const counting: Provider = new Proxy(provider, {
      get(target, prop) {
        if (prop === "provider") return counting;
        if (prop === "getLogs")
          return (filter: Filter) => {
            calls++;
            return target.getLogs(filter);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const created = (
      await provider.getLogs({
        address: f.coreAddress,
        fromBlock: 0,
        topics: [f.core.interface.getEvent("RootCreated")!.topicHash],
      })
    )
      .map((l) => l.blockNumber)
      .pop()!;
    expect(latest - created).to.be.greaterThan(8, "the root is older than the blocks the scan needs");
    const stepped = await tradersOfKeys(counting, f.coreAddress, keys, latest, 1);
    expect(keys.map((k) => stepped.get(k))).to.deep.equal(keys.map((k) => traders.get(k)));
    expect(calls).to.be.at.most(1 + 4);
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

  it("detects a trader's salt accepted twice (the contract keeps one fill record per trader and salt)", async () => {
    const accepts = records.flatMap((r, j) => (r.kind === "accept" ? [{ r, j }] : []));
    const first = accepts[0];
    const again = accepts.find((a) => a.j > first.j && a.r.trader === first.r.trader)!;
    expect(again, "the scenario has two orders of one trader").to.not.equal(undefined);
    const tampered = records.map((r, j) =>
      j === again.j && r.kind === "accept" && first.r.kind === "accept"
        ? { ...r, order: { ...r.order, salt: first.r.order.salt } }
        : r,
    );
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, tampered);
    const said = replay.problems.filter((p) => p.includes("was already accepted in record"));
    expect(said, replay.problems.join("\n")).to.have.length(1);
    expect(said[0]).to.contain(`record ${again.j} `).and.contain(`record ${first.j}`);
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

/**
 * Fault 15 (ERC-1271 traders) in the verifier: a contract trader's order is placed by a relayer either with the
 * wallet's signature or with an empty one that the wallet approves (a Safe after SignMessageLib.signMessage). The
 * verifier must follow the contract: the empty signature is valid when `isValidSignature(digest, "")` returns the
 * magic value in the record's block, and an order the trader submits itself needs no signature at all.
 */
describe("markets verifier: ERC-1271 traders (Safe 1.4.1 and mocks)", () => {
  let fx: MarketsFixture;
  let rootId: bigint;
  let infra: SafeInfra;
  let owner: Signer;
  let relayer: Signer;
  let counterparty: Signer;
  let salt = 1_000_000n;

  const orderFor = async (trader: string, tick: number, quantity: bigint): Promise<MarketOrder> => ({
    rootId,
    branchId: 1,
    tick,
    quantity,
    orderType: 0,
    expiry: (await fx.now()) + 3_600n,
    nonce: 0n,
    salt: ++salt,
    trader,
  });

  /** Mints `amount` to the Safe and deposits it in the markets from the Safe (two Safe transactions). */
  const fundSafe = async (safe: string, amount: bigint) => {
    await (await fx.token.mint(safe, amount)).wait();
    await safeApprove([owner], safe, await fx.token.getAddress(), fx.coreAddress, amount);
    await safeExec(
      [owner],
      safe,
      fx.coreAddress,
      fx.core.interface.encodeFunctionData("deposit", [await fx.token.getAddress(), amount]),
    );
  };

  before(async () => {
    fx = await deployMarkets(connection);
    [, , , , relayer, , owner, counterparty] = fx.signers;
    rootId = await fx.createRoot(0n, 100n);
    await fx.fund(counterparty, 100n * UNIT);
    infra = await deploySafeInfra(fx.signers[0]);
  });

  it("fault15_safeApprovedOnChain_emptySignatureRelayed_verifies_andNotBeforeTheApprovalBlock", async () => {
    const safe = await (await createSafe(infra, fx.signers[0], [owner], 1)).getAddress();
    await fundSafe(safe, 20n * UNIT);
    const order = await orderFor(safe, 40, 5n);
    const digest = orderDigest(fx.domain, order);
    const before = await connection.ethers.provider.getBlockNumber();
    await approveDigestOnChain([owner], safe, infra.signMessageLib, digest);
    await send(fx, relayer, "place", order, "0x", 4);
    // The counterparty hits the Safe's bid: the Safe's position moves like any trader's.
    await send(fx, counterparty, "place", await fx.order(counterparty, rootId, 1, 40, -2n), "0x", 4);
    expect(await fx.core.positionOf(safe, rootId, 1)).to.equal(2n);

    const replay = await verifyRoot(connection.ethers.provider, fx.coreAddress, rootId);
    expect(replay.problems).to.deep.equal([]);
    expect(replay.positions.get(safe)!.get(1)).to.equal(2n);

    // Asked in a block before the approval, the Safe does not approve: the verifier reads the record's block.
    const records = await fetchRootRecords(connection.ethers.provider, fx.coreAddress, rootId);
    const moved = records.map((r) => (r.kind === "accept" && r.trader === safe ? { ...r, blockNumber: before } : r));
    const early = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, moved);
    expect(early.problems.filter((p) => p.includes("does not approve its digest"))).to.have.length(1);
  });

  it("fault15_safeOwnerSignatureRelayed_verifies_andATamperedOneIsReported", async () => {
    const safe = await (await createSafe(infra, fx.signers[0], [owner], 1)).getAddress();
    await fundSafe(safe, 20n * UNIT);
    const order = await orderFor(safe, 70, -3n);
    const chainId = (await connection.ethers.provider.getNetwork()).chainId;
    const sig = await signDigestAsSafe([owner], chainId, safe, orderDigest(fx.domain, order));
    await send(fx, relayer, "place", order, sig, 4);
    const records = await fetchRootRecords(connection.ethers.provider, fx.coreAddress, rootId);
    const replay = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, records);
    expect(replay.problems).to.deep.equal([]);
    // The same record with the signature dropped: this Safe never approved the digest on chain.
    const unsigned = records.map((r) => (r.kind === "accept" && r.signature === sig ? { ...r, signature: "0x" } : r));
    const bad = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, unsigned);
    expect(bad.problems.filter((p) => p.includes(`wallet ${safe} does not approve its digest`))).to.have.length(1);
  });

  it("fault15_safeSubmittingItsOwnUnsignedOrder_verifies", async () => {
    const safe = await (await createSafe(infra, fx.signers[0], [owner], 1)).getAddress();
    await fundSafe(safe, 20n * UNIT);
    const order = await orderFor(safe, 30, 4n);
    await safeExec([owner], safe, fx.coreAddress, fx.core.interface.encodeFunctionData("place", [order, "0x", 4]));
    const records = await fetchRootRecords(connection.ethers.provider, fx.coreAddress, rootId);
    const acc = records.find((r) => r.kind === "accept" && r.trader === safe && r.order.salt === order.salt);
    expect(acc?.kind === "accept" ? acc.submitter : "").to.equal(safe);
    expect((await verifyRoot(connection.ethers.provider, fx.coreAddress, rootId)).problems).to.deep.equal([]);
  });

  it("fault15_mockWallets_emptySignatureApprovedVerifies_unapprovedIsReported", async () => {
    const { ethers } = connection;
    const ownerAddr = await owner.getAddress();
    const approveAll = await ethers.deployContract("MockERC1271ApproveAll", [ownerAddr]);
    const honest = await ethers.deployContract("MockERC1271Wallet", [ownerAddr]);
    for (const w of [approveAll, honest]) {
      const addr = await w.getAddress();
      await (await fx.token.mint(addr, 20n * UNIT)).wait();
      await (
        await (w.connect(owner) as unknown as Contract).approve(await fx.token.getAddress(), fx.coreAddress)
      ).wait();
      const dep = fx.core.interface.encodeFunctionData("deposit", [await fx.token.getAddress(), 20n * UNIT]);
      await (await (w.connect(owner) as unknown as Contract).execute(fx.coreAddress, dep)).wait();
    }
    // The approve-all wallet accepts an empty signature: relayed unsigned, it is validly placed.
    const a = await orderFor(await approveAll.getAddress(), 20, 1n);
    await send(fx, relayer, "place", a, "0x", 4);
    // The honest wallet accepts only its owner's ECDSA signature over the digest.
    const h = await orderFor(await honest.getAddress(), 21, 1n);
    const hSig = ownerKey(6, ownerAddr).signingKey.sign(orderDigest(fx.domain, h)).serialized;
    await send(fx, relayer, "place", h, hSig, 4);
    const records = await fetchRootRecords(connection.ethers.provider, fx.coreAddress, rootId);
    expect((await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, records)).problems).to.deep.equal(
      [],
    );
    // Dropping the honest wallet's signature: it does not approve an empty one, and the verifier says so.
    const honestAddr = await honest.getAddress();
    const unsigned = records.map((r) =>
      r.kind === "accept" && r.trader === honestAddr ? { ...r, signature: "0x" } : r,
    );
    const bad = await verifyRecords(connection.ethers.provider, fx.coreAddress, rootId, unsigned);
    expect(bad.problems.filter((p) => p.includes(`wallet ${honestAddr} does not approve its digest`))).to.have.length(
      1,
    );
  });
});
