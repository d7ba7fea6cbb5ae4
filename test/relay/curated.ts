/**
 * Curated sessions: the relay refuses (403 `not_admitted`) an order whose maker, or private taker, the
 * contract would refuse as a party (`NotAllowed`): a role session's maker without PARTICIPANT_ROLE, a Merkle
 * session's maker not admitted on chain (no proof at the relay could make its order fillable: fill takes
 * none). A maker that loses its role is marked `unfundable` at the next pass.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, concat, getBytes, keccak256 } from "ethers";

import { startRelay, type Relay } from "../../relay/index.js";
import { Participation } from "../../sdk/sessions/config.js";
import {
  createCash,
  createPhysical,
  DAY,
  deployBase,
  makeOrder,
  subscribeCash,
  subscribePhysical,
  type Base,
} from "../sessions/fixtures.js";
import { createMargin, deployMarginLegs, subscribeMargin, windows } from "../sessions/margin-fixtures.js";
import { orderBody, request } from "./helpers.js";
import type { PhysicalSession } from "../../types/ethers-contracts/index.js";

const leaf = (a: string) => keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(["address"], [a])));
const hashPair = (a: string, b: string) =>
  BigInt(a) < BigInt(b) ? keccak256(concat([getBytes(a), getBytes(b)])) : keccak256(concat([getBytes(b), getBytes(a)]));

describe("relay: admission in curated sessions", function () {
  this.timeout(120_000);
  let b: Base;
  let role: PhysicalSession;
  let merkle: PhysicalSession;
  let R: string;
  let M: string;
  let relay: Relay;

  before(async () => {
    b = await deployBase(await network.create(), 3);
    role = await createPhysical(b, { participation: Participation.Role });
    merkle = await createPhysical(b, {
      participation: Participation.Merkle,
      merkleRoot: hashPair(leaf(b.alice.address), leaf(b.bob.address)),
    });
    await role.connect(b.admin).grantRole(await role.PARTICIPANT_ROLE(), b.alice.address);
    await subscribePhysical(b, role, b.alice, 5n);
    // alice proves her leaf while subscribing; bob is on the list but has not proved it yet
    for (let k = 0; k < b.tokens.length; k++) {
      const unit = 10n ** BigInt([18, 6, 8][k % 3]);
      await b.tokens[k].mint(b.alice.address, 5n * unit);
      await b.tokens[k].connect(b.alice).approve(await merkle.getAddress(), 5n * unit);
    }
    await merkle.connect(b.alice).subscribe(5n, [leaf(b.bob.address)]);
    R = (await role.getAddress()).toLowerCase();
    M = (await merkle.getAddress()).toLowerCase();
    relay = await startRelay({
      provider: b.ethers.provider,
      sessions: [R, M],
      pollMs: 3_600_000,
      fromBlock: 0n,
      onError: () => undefined,
    });
  });
  after(async () => relay.close());

  const post = async (session: PhysicalSession, who: typeof b.alice, over: { taker?: string } = {}) => {
    const o = await makeOrder(b, who.address, [0, 1], [-1n * 10n ** 18n, 1n * 10n ** 6n], over);
    const body = await orderBody(b, session, who, o);
    return request(`${relay.url}/sessions/${(await session.getAddress()).toLowerCase()}/orders`, "POST", body);
  };

  it("roleSession_refusesAMakerWithoutTheRole_403NotAdmitted_acceptsAParticipant", async () => {
    const bob = await post(role, b.bob);
    expect(bob.status, JSON.stringify(bob.body)).to.equal(403);
    expect(bob.body).to.include({ code: "not_admitted", field: "order.maker" });
    expect(String(bob.body.message)).to.contain("PARTICIPANT_ROLE");
    const alice = await post(role, b.alice);
    expect(alice.status, JSON.stringify(alice.body)).to.equal(201);
  });

  it("roleSession_refusesAPrivateTakerWithoutTheRole_onTheTakerField", async () => {
    const r = await post(role, b.alice, { taker: b.carol.address });
    expect(r.status).to.equal(403);
    expect(r.body).to.include({ code: "not_admitted", field: "order.taker" });
  });

  it("roleSession_revokedMaker_marksItsOrderUnfundableAtTheNextPass", async () => {
    const r = await post(role, b.alice);
    expect(r.status).to.equal(201);
    await role.connect(b.admin).revokeRole(await role.PARTICIPANT_ROLE(), b.alice.address);
    await relay.sync();
    const got = await request(`${relay.url}/orders/${String(r.body.digest)}`, "GET");
    expect(got.body).to.include({ status: "unfundable" });
    expect(String(got.body.reason)).to.contain("PARTICIPANT_ROLE");
  });

  it("merkleSession_refusesAMakerNotAdmittedOnChain_untilItCallsAdmitWithItsProof", async () => {
    const before = await post(merkle, b.bob);
    expect(before.status).to.equal(403);
    expect(before.body).to.include({ code: "not_admitted", field: "order.maker" });
    expect(String(before.body.message)).to.contain("admit(proof)");
    const alice = await post(merkle, b.alice);
    expect(alice.status, JSON.stringify(alice.body)).to.equal(201);
    // bob proves his leaf on chain: admitted now, his order goes on to the next check (he holds nothing yet)
    await merkle.connect(b.bob).admit([leaf(b.alice.address)]);
    const after = await post(merkle, b.bob);
    expect(after.status, JSON.stringify(after.body)).to.equal(422);
    expect(after.body).to.include({ code: "unfundable" });
    const rows = await relay.store.all<{ maker: string }>("SELECT maker FROM orders WHERE session = $1", [M]);
    expect(rows.map((r) => r.maker)).to.deep.equal([b.alice.address.toLowerCase()]);
  });
});

describe("relay: funding in curated cash and margin sessions", function () {
  this.timeout(120_000);

  it("curatedCashSession_marginCheckedFromAnAdmittedMaker_notSkippedAtTheProbesAdmission", async () => {
    const b = await deployBase(await network.create(), 3);
    const cash = await createCash(b, { participation: Participation.Role });
    for (const who of [b.alice, b.bob]) {
      await cash.connect(b.admin).grantRole(await cash.PARTICIPANT_ROLE(), who.address);
      await subscribeCash(b, cash, who, 10n);
    }
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const C = (await cash.getAddress()).toLowerCase();
    const relay = await startRelay({
      provider: b.ethers.provider,
      sessions: [C],
      pollMs: 3_600_000,
      fromBlock: 0n,
      onError: () => undefined,
    });
    try {
      const send = async (who: typeof b.alice, amounts: bigint[]) =>
        request(
          `${relay.url}/sessions/${C}/orders`,
          "POST",
          await orderBody(b, cash, who, await makeOrder(b, who.address, [0, 1], amounts)),
        );
      const ok = await send(b.bob, [-1n * 10n ** 18n, 1n * 10n ** 18n]);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      // selling 10,000 units of leg 0 needs far more margin than 10 shares' deposit: simulated from bob
      const big = await send(b.alice, [-10_000n * 10n ** 18n, 1n]);
      expect(big.status, JSON.stringify(big.body)).to.equal(422);
      expect(big.body).to.include({ code: "unfundable", field: "order.maker" });
    } finally {
      await relay.close();
    }
  });
  it("curatedCashSessions_firstMaker_marginCheckedWithTheProbeAdmittedForTheSimulationOnly", async () => {
    // no other maker in the store: the simulated fill runs from the probe, admitted by a state override of
    // that eth_call alone (role: hasRole; Merkle: accountOf(probe).admitted), so the margin rule is reached
    const b = await deployBase(await network.create(), 3);
    const roleCash = await createCash(b, { participation: Participation.Role });
    await roleCash.connect(b.admin).grantRole(await roleCash.PARTICIPANT_ROLE(), b.alice.address);
    await subscribeCash(b, roleCash, b.alice, 10n);
    const merkleCash = await createCash(b, {
      participation: Participation.Merkle,
      merkleRoot: hashPair(leaf(b.alice.address), leaf(b.bob.address)),
    });
    const dep = await merkleCash.depositFor(10n);
    await b.collateral.mint(b.alice.address, dep);
    await b.collateral.connect(b.alice).approve(await merkleCash.getAddress(), dep);
    await merkleCash.connect(b.alice).subscribe(10n, [leaf(b.bob.address)]);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const sessions = [roleCash, merkleCash];
    const addrs = await Promise.all(sessions.map(async (x) => (await x.getAddress()).toLowerCase()));
    const relay = await startRelay({
      provider: b.ethers.provider,
      sessions: addrs,
      pollMs: 3_600_000,
      fromBlock: 0n,
      onError: () => undefined,
    });
    try {
      for (const [i, session] of sessions.entries()) {
        const send = async (amounts: bigint[]) =>
          request(
            `${relay.url}/sessions/${addrs[i]}/orders`,
            "POST",
            await orderBody(b, session, b.alice, await makeOrder(b, b.alice.address, [0, 1], amounts)),
          );
        // selling 10,000 units of leg 0 needs far more margin than 10 shares' deposit
        const big = await send([-10_000n * 10n ** 18n, 1n]);
        expect(big.status, JSON.stringify(big.body)).to.equal(422);
        expect(big.body).to.include({ code: "unfundable", field: "order.maker" });
        // nothing of the override stays: the probe is still not admitted on chain
        const probe = "0x000000000000000000000000000000000000bEEF";
        if (i === 0) expect(await roleCash.hasRole(await roleCash.PARTICIPANT_ROLE(), probe)).to.equal(false);
        else expect((await merkleCash.accountOf(probe)).admitted).to.equal(false);
        const ok = await send([-1n * 10n ** 18n, 1n * 10n ** 18n]);
        expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      }
      const stored = await relay.store.all<{ n: bigint }>("SELECT COUNT(*) AS n FROM orders");
      expect(stored[0].n).to.equal(2n);
    } finally {
      await relay.close();
    }
  });
  it("curatedMarginSession_firstMaker_marginCheckedWithTheProbeAdmittedForTheSimulationOnly", async () => {
    const m = await deployMarginLegs(await deployBase(await network.create(), 3));
    const mh = await createMargin(m, { participation: Participation.Role });
    await mh.session.connect(m.admin).grantRole(await mh.session.PARTICIPANT_ROLE(), m.alice.address);
    await subscribeMargin(m, mh, m.alice, 2n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    const S = mh.address.toLowerCase();
    const relay = await startRelay({
      provider: m.ethers.provider,
      sessions: [S],
      pollMs: 3_600_000,
      fromBlock: 0n,
      onError: () => undefined,
    });
    try {
      const send = async (amounts: bigint[]) =>
        request(
          `${relay.url}/sessions/${S}/orders`,
          "POST",
          await orderBody(m, mh.session, m.alice, await makeOrder(m, m.alice.address, [0, 1], amounts)),
        );
      // a short of 10,000 tokens of leg 1 for 1 USDC: far beyond what 2 shares margin
      const big = await send([1n, -10_000n * 10n ** 18n]);
      expect(big.status, JSON.stringify(big.body)).to.equal(422);
      expect(big.body).to.include({ code: "unfundable", field: "order.maker" });
      // 1 token of leg 1 for 100 USDC: within what she holds
      const ok = await send([100n * 10n ** 6n, -1n * 10n ** 18n]);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
    } finally {
      await relay.close();
    }
  });
});
