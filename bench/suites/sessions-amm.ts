/**
 * Session AMM gas: a 2-leg exact-in swap against a weighted AMM in a 5-leg physical session, after warm-up
 * swaps so that every account already holds both legs. `session.swap` is the trader's own call to the session
 * (`swapWithPool`: no order, no signature); `session.swap@signed` is a signed swap order submitted to the AMM,
 * which fills it through the session's `fill` (the relayed path). Every number is a receipt's gasUsed (base
 * cost included).
 */
import { saltCounter, type BenchContext, type Suite } from "../lib.js";
import { signExactIn } from "../../sdk/sessions/amm.js";
import { sessionDomain } from "../../sdk/sessions/orders.js";
import type {
  MockAggregator,
  MockERC20,
  PhysicalSession,
  SessionAmm,
  SessionFactory,
} from "../../types/ethers-contracts/index.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import { physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { deploySessionFamily } from "../../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";

const DAY = 86_400n;
const WAD = 10n ** 18n;

async function run({ connection, record }: BenchContext): Promise<void> {
  const { ethers, networkHelpers } = connection;
  const [admin, feeTo, alice, bob, lp] = await ethers.getSigners();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const start = BigInt(await networkHelpers.time.latest());

  const tokens: MockERC20[] = [];
  const feeds: MockAggregator[] = [];
  const legs = [];
  for (let k = 0; k < 5; k++) {
    tokens.push(await ethers.deployContract("MockERC20", [`Leg ${k}`, `L${k}`, 18]));
    const f = await ethers.deployContract("MockAggregator", [8, `feed ${k}`]);
    await f.pushRound(100_00000000n, start);
    feeds.push(f);
    legs.push(physicalLeg(await tokens[k].getAddress(), WAD, firstAfterFixing(await f.getAddress())));
  }
  const { factory } = await deploySessionFamily(ethers);
  const cfg = sessionConfig({
    kind: SessionKind.Physical,
    legs,
    t1: start + DAY,
    t2: start + 3n * DAY,
    fallbackDeadline: start + 4n * DAY,
    claimDeadline: start + 5n * DAY,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: feeTo.address,
    admin: admin.address,
  });
  const { session: addr } = await createSessionFromConfig(factory, cfg);
  const session = (await ethers.getContractAt("PhysicalSession", addr)) as unknown as PhysicalSession;

  const weights = [2n * 10n ** 17n, 2n * 10n ** 17n, 2n * 10n ** 17n, 2n * 10n ** 17n, 2n * 10n ** 17n];
  const amm = (await ethers.deployContract("SessionAmm", [
    addr,
    lp.address,
    weights,
    30n,
    200n,
  ])) as unknown as SessionAmm;
  for (const who of [alice, bob, lp]) {
    for (let k = 0; k < 5; k++) {
      await tokens[k].mint(who.address, 1_000n * WAD);
      await tokens[k].connect(who).approve(who === lp ? await amm.getAddress() : addr, 1_000n * WAD);
    }
  }
  await (await session.connect(alice).subscribe(10n, [])).wait();
  await (await session.connect(bob).subscribe(10n, [])).wait();
  await (await amm.connect(lp).subscribe(1_000n, [])).wait();
  await networkHelpers.time.increase(DAY);

  const domain = sessionDomain(addr, chainId);
  const expiry = BigInt(await networkHelpers.time.latest()) + DAY;
  const saltOf = saltCounter();
  // Warm-up: Alice and Bob each swap both ways so every allocation slot involved is already non-zero.
  for (const [who, i, j] of [
    [alice, 0, 1],
    [alice, 1, 0],
    [bob, 1, 0],
    [bob, 0, 1],
  ] as const) {
    const s = await signExactIn(amm, who, domain, i, j, WAD / 10n, {
      maxFeeBps: 50n,
      expiry,
      nonce: 0n,
      salt: saltOf(addr, who.address),
    });
    await (await amm.swapExactIn(s.order, s.signature)).wait();
  }
  const s = await signExactIn(amm, alice, domain, 0, 1, WAD / 10n, {
    maxFeeBps: 50n,
    expiry,
    nonce: 0n,
    salt: saltOf(addr, alice.address),
  });
  await record("session.swap@signed", amm.connect(alice).swapExactIn(s.order, s.signature));
  await record("session.swap", session.connect(alice).swapWithPool(await amm.getAddress(), 0, 1, WAD / 10n, 0n, false));
}

export const suite: Suite = {
  name: "sessions-amm",
  targets: { "session.swap": 90_000 },
  run,
};
