/**
 * Session pool gas: create, subscribe, fill, match, cancel-all (first and repeat raise), settle, claim (5 legs), a fill after 1,000
 * subscribers, settle with 32 legs, and a fill of a Safe maker's order (`session.fill@safe`: a 1-of-1 Safe 1.4.1
 * whose owner signed the Safe message; the session checks it through ERC-1271). Every number is a receipt's gasUsed (base cost included).
 */
import { AbiCoder, Wallet, ZeroAddress, type Signer } from "ethers";

import { saltCounter, type BenchContext, type Suite } from "../lib.js";
import { signDigestAsSafe } from "../../sdk/safe.js";
import {
  hashSessionOrder,
  legMask,
  sessionDomain,
  signSessionOrder,
  type SessionOrder,
} from "../../sdk/sessions/orders.js";
import type { MockAggregator, MockERC20, PhysicalSession, SessionFactory } from "../../types/ethers-contracts/index.js";
import { physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { deploySessionFamily } from "../../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import { createSafe, deploySafeInfra, safeApprove, safeExec } from "../../test/shared/safe.js";

const DAY = 86_400n;
const WAD = 10n ** 18n;

async function run({ connection, record }: BenchContext): Promise<void> {
  const { ethers, networkHelpers } = connection;
  const [admin, feeTo, alice, bob, carol] = await ethers.getSigners();
  const chainId = (await ethers.provider.getNetwork()).chainId;

  const tokens: MockERC20[] = [];
  const feeds: MockAggregator[] = [];
  const start = BigInt(await networkHelpers.time.latest());
  for (let k = 0; k < 32; k++) {
    tokens.push(await ethers.deployContract("MockERC20", [`Leg ${k}`, `L${k}`, 18]));
    const f = await ethers.deployContract("MockAggregator", [8, `feed ${k}`]);
    await f.pushRound(100_00000000n + BigInt(k), start);
    feeds.push(f);
  }
  const { factory } = await deploySessionFamily(ethers);

  async function config(n: number, t0: bigint) {
    const legs = [];
    for (let k = 0; k < n; k++)
      legs.push(physicalLeg(await tokens[k].getAddress(), WAD, firstAfterFixing(await feeds[k].getAddress())));
    return sessionConfig({
      kind: SessionKind.Physical,
      legs,
      t1: t0 + DAY,
      t2: t0 + 2n * DAY,
      fallbackDeadline: t0 + 3n * DAY,
      claimDeadline: t0 + 4n * DAY,
      takerFeeBps: 10,
      makerFeeBps: 5,
      feeRecipient: feeTo.address,
      admin: admin.address,
    });
  }

  async function create(n: number, key?: string): Promise<PhysicalSession> {
    const cfg = await config(n, BigInt(await networkHelpers.time.latest()));
    const addr = await factory.createSession.staticCall(cfg);
    if (key !== undefined) await record(key, factory.createSession(cfg));
    else await (await factory.createSession(cfg)).wait();
    return ethers.getContractAt("PhysicalSession", addr);
  }

  async function subscribe(s: PhysicalSession, who: Signer, n: number, shares: bigint, key?: string) {
    const addr = await who.getAddress();
    for (let k = 0; k < n; k++) {
      await tokens[k].mint(addr, shares * WAD);
      await tokens[k].connect(who).approve(await s.getAddress(), shares * WAD);
    }
    const tx = s.connect(who).subscribe(shares, []);
    if (key !== undefined) await record(key, tx);
    else await (await tx).wait();
  }

  const saltOf = saltCounter();
  async function order(
    s: PhysicalSession,
    maker: Signer,
    amounts: bigint[],
    legs = [0, 1],
  ): Promise<[SessionOrder, string]> {
    const o: SessionOrder = {
      maker: await maker.getAddress(),
      taker: ZeroAddress,
      legs: legMask(legs),
      amounts,
      maxFeeBps: 50n,
      expiry: BigInt(await networkHelpers.time.latest()) + 30n * DAY,
      nonce: 0n,
      salt: saltOf(await s.getAddress(), await maker.getAddress()),
    };
    return [o, await signSessionOrder(maker, o, sessionDomain(await s.getAddress(), chainId))];
  }

  /** Warm-up fill so that every account (fee recipient included) already holds both legs. */
  async function warmFill(s: PhysicalSession, maker: Signer, taker: Signer) {
    const [o, sig] = await order(s, maker, [-1n * WAD, 1n * WAD]);
    await (await s.connect(taker).fill(o, sig, WAD)).wait();
  }

  // ---- 5 legs: create, subscribe, fill, match, cancel-all, settle, claim
  const s5 = await create(5, "session.create");
  await subscribe(s5, bob, 5, 10n);
  await subscribe(s5, carol, 5, 10n);
  await subscribe(s5, alice, 5, 10n, "session.subscribe");
  await networkHelpers.time.increase(DAY);
  await warmFill(s5, alice, bob);
  await warmFill(s5, carol, alice);
  await warmFill(s5, bob, carol);

  // Steady state: the maker's order shares a fill-record word with its earlier one (salts 0 and 1).
  const [fo, fsig] = await order(s5, alice, [-2n * WAD, 3n * WAD]);
  await record("session.fill", s5.connect(bob).fill(fo, fsig, WAD / 2n));
  // The first order of a new word (salt 4 after 0-3): the fill record is a fresh slot.
  const [pad, psig] = await order(s5, alice, [-1n * WAD, 1n * WAD]);
  const [pad2, psig2] = await order(s5, alice, [-1n * WAD, 1n * WAD]);
  await (await s5.connect(bob).fill(pad, psig, WAD)).wait();
  await (await s5.connect(bob).fill(pad2, psig2, WAD)).wait();
  const [nw, nwsig] = await order(s5, alice, [-2n * WAD, 3n * WAD]);
  await record("session.fill@newword", s5.connect(bob).fill(nw, nwsig, WAD / 2n));

  const [ma, msa] = await order(s5, alice, [-2n * WAD, 3n * WAD]);
  const [mb, msb] = await order(s5, bob, [2n * WAD, -4n * WAD]);
  await record("session.match", s5.connect(carol).matchOrders(ma, msa, mb, msb, WAD / 2n));
  // Cancel-all: the first raise by a maker writes a fresh slot (zero -> nonzero); the repeat raise, the figure
  // Polymarket's incrementNonce compares with, rewrites it (nonzero -> nonzero).
  await record("session.cancelAll@first", s5.connect(alice).raiseNonceFloor(1n));
  await record("session.cancelAll", s5.connect(alice).raiseNonceFloor(2n));

  await networkHelpers.time.increase(DAY);
  for (let k = 0; k < 32; k++)
    await feeds[k].pushRound(101_00000000n + BigInt(k), BigInt(await networkHelpers.time.latest()) + 1n);
  const hints5 = await hintsOf(s5);
  await record("session.settle", s5.settle(hints5));
  await record("session.claim", s5.connect(alice).claim(alice.address));

  // ---- 32 legs: settle
  const s32 = await create(32);
  await subscribe(s32, alice, 32, 1n);
  await networkHelpers.time.increase(2n * DAY);
  for (let k = 0; k < 32; k++)
    await feeds[k].pushRound(102_00000000n + BigInt(k), BigInt(await networkHelpers.time.latest()) + 1n);
  await record("session.settle@n32", s32.settle(await hintsOf(s32)));

  // ---- fill after 1,000 subscribers
  const sm = await create(5);
  await subscribe(sm, bob, 5, 10n);
  await subscribe(sm, carol, 5, 10n);
  await subscribe(sm, alice, 5, 10n);
  for (let i = 0; i < 1_000; i++) {
    const w = Wallet.createRandom().connect(ethers.provider);
    await networkHelpers.setBalance(w.address, 10n ** 18n);
    await subscribe(sm, w, 5, 1n);
  }
  await networkHelpers.time.increase(DAY);
  await warmFill(sm, alice, bob);
  await warmFill(sm, carol, alice);
  const [fo2, fsig2] = await order(sm, alice, [-2n * WAD, 3n * WAD]);
  await record("session.fill@m1000", sm.connect(bob).fill(fo2, fsig2, WAD / 2n));

  // ---- a Safe maker (1-of-1 Safe 1.4.1, CompatibilityFallbackHandler): the fill checks its owner's signature
  // through ERC-1271. Same steady state as session.fill: warm fills first, then half of a fresh order.
  const infra = await deploySafeInfra(admin);
  const safe = await (await createSafe(infra, admin, [carol], 1)).getAddress();
  const ss = await create(5);
  await subscribe(ss, bob, 5, 10n);
  await subscribe(ss, carol, 5, 10n);
  await subscribe(ss, alice, 5, 10n);
  for (let k = 0; k < 5; k++) {
    await (await tokens[k].mint(safe, 10n * WAD)).wait();
    await safeApprove([carol], safe, await tokens[k].getAddress(), await ss.getAddress(), 10n * WAD);
  }
  await safeExec([carol], safe, await ss.getAddress(), ss.interface.encodeFunctionData("subscribe", [10n, []]));
  await networkHelpers.time.increase(DAY);
  const safeOrder = async (amounts: bigint[]): Promise<[SessionOrder, string]> => {
    const o: SessionOrder = {
      maker: safe,
      taker: ZeroAddress,
      legs: legMask([0, 1]),
      amounts,
      maxFeeBps: 50n,
      expiry: BigInt(await networkHelpers.time.latest()) + 30n * DAY,
      nonce: 0n,
      salt: saltOf(await ss.getAddress(), safe),
    };
    const digest = hashSessionOrder(o, sessionDomain(await ss.getAddress(), chainId));
    return [o, await signDigestAsSafe([carol], chainId, safe, digest)];
  };
  const [wo, wsig] = await safeOrder([-1n * WAD, 1n * WAD]);
  await (await ss.connect(bob).fill(wo, wsig, WAD)).wait();
  await warmFill(ss, carol, alice);
  const [so, ssig] = await safeOrder([-2n * WAD, 3n * WAD]);
  await record("session.fill@safe", ss.connect(bob).fill(so, ssig, WAD / 2n));

  async function hintsOf(s: PhysicalSession): Promise<bigint[][]> {
    const [needed, data] = await s.checkUpkeep("0x");
    if (!needed) throw new Error("bench: no fixing available for settlement");
    const decoded = AbiCoder.defaultAbiCoder().decode(["bool", "uint80[][]"], data);
    return (decoded[1] as unknown as bigint[][]).map((h) => Array.from(h));
  }
}

export const suite: Suite = {
  name: "sessions",
  targets: {
    "session.fill": 70_000,
    "session.fill@safe": 95_000,
    "session.match": 95_000,
    "session.cancelAll": 30_000,
  },
  run,
};
