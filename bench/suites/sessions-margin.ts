/**
 * Margin session gas, on a 3-leg session (a 6-decimal cash leg, a splittable equity, a second equity) with three
 * subscribers: a fill that takes the maker short (margin check at the latest oracle prices), the liquidation of
 * that short after the equity tripled, a 2-for-1 split executed after the token's own split, and a dividend
 * claim. Every number is a receipt's gasUsed (base cost included).
 */
import { ZeroAddress } from "ethers";

import type { BenchContext, Suite } from "../lib.js";
import { legMask, sessionDomain, signSessionOrder } from "../../sdk/sessions/orders.js";
import type {
  MarginModule,
  MarginSession,
  MockAggregator,
  MockERC20,
  MockSplitToken,
} from "../../types/ethers-contracts/index.js";
import { ActionKind, marginConfig, physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { deploySessionFamily } from "../../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";

const DAY = 86_400n;
const E18 = 10n ** 18n;
const USDC = 10n ** 6n;

async function run({ connection, record }: BenchContext): Promise<void> {
  const { ethers, networkHelpers } = connection;
  const [admin, feeTo, alice, bob, carol] = await ethers.getSigners();
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const start = BigInt(await networkHelpers.time.latest());

  const usdc = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as MockERC20;
  const eq = (await ethers.deployContract("MockSplitToken", ["Equity", "EQ", 18])) as unknown as MockSplitToken;
  const nv = (await ethers.deployContract("MockERC20", ["Second equity", "NV", 18])) as unknown as MockERC20;
  const tokens = [usdc, eq, nv];
  const units = [100n * USDC, E18, E18];
  const prices = [1_00000000n, 100_00000000n, 100_00000000n];
  const feeds: MockAggregator[] = [];
  const legs = [];
  for (let k = 0; k < 3; k++) {
    const f = (await ethers.deployContract("MockAggregator", [8, `feed ${k}`])) as unknown as MockAggregator;
    await f.pushRound(prices[k], start);
    feeds.push(f);
    legs.push(physicalLeg(await tokens[k].getAddress(), units[k], firstAfterFixing(await f.getAddress())));
  }
  const { factory } = await deploySessionFamily(ethers);
  const cfg = sessionConfig({
    kind: SessionKind.Margin,
    legs,
    t1: start + DAY,
    t2: start + 10n * DAY,
    fallbackDeadline: start + 11n * DAY,
    claimDeadline: start + 12n * DAY,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: feeTo.address,
    admin: admin.address,
  });
  const addr = await factory.createMarginSession.staticCall(cfg, marginConfig(3, { disputeBond: 100n * USDC }));
  await (await factory.createMarginSession(cfg, marginConfig(3, { disputeBond: 100n * USDC }))).wait();
  const session = (await ethers.getContractAt("MarginSession", addr)) as unknown as MarginSession;
  const module = (await ethers.getContractAt("MarginModule", addr)) as unknown as MarginModule;

  for (const who of [alice, bob, carol]) {
    for (let k = 0; k < 3; k++) {
      await tokens[k].mint(who.address, 100n * units[k]);
      await tokens[k].connect(who).approve(addr, 100n * units[k]);
    }
    await (await session.connect(who).subscribe(10n, [])).wait();
  }
  await usdc.mint(admin.address, 1_000n * USDC);
  await usdc.connect(admin).approve(addr, 1_000n * USDC);
  await networkHelpers.time.increaseTo(start + DAY);
  const refresh = async () => {
    const now = BigInt(await networkHelpers.time.latest());
    for (let k = 0; k < 3; k++) await feeds[k].pushRound(prices[k], now);
  };
  await refresh();

  // Alice sells 20 EQ (she holds 10) for 2,000 USDC: she ends short 10 EQ; Bob fills.
  const domain = sessionDomain(addr, chainId);
  const expiry = start + 9n * DAY;
  const order = {
    maker: alice.address,
    legs: legMask([0, 1]),
    amounts: [2_000n * USDC, -20n * E18],
    maxFeeBps: 50n,
    expiry,
    nonce: 0n,
    salt: 1n,
    taker: ZeroAddress,
  };
  const sig = await signSessionOrder(alice, order, domain);
  await record("session.fillShort", session.connect(bob).fill(order, sig, E18));

  // The equity triples: Alice's stressed equity falls below the maintenance margin; Carol liquidates her.
  prices[1] = 300_00000000n;
  await refresh();
  await record("session.liquidate", session.connect(carol).liquidate(alice.address));

  // A 2-for-1 split of EQ: scheduled, the token splits, executed after the delay.
  await (await module.connect(admin).scheduleAction(ActionKind.Split, 1, 2, 1)).wait();
  await networkHelpers.time.increase(3_601);
  await eq.split(2, 1);
  await record("session.split", module.connect(admin).executeAction(0));

  // A dividend of 300 USDC on NV; Bob (long NV) claims his share.
  await (await module.connect(admin).scheduleAction(ActionKind.Dividend, 2, 300n * USDC, 0)).wait();
  await networkHelpers.time.increase(3_601);
  await (await module.connect(admin).executeAction(1)).wait();
  await record("session.dividendClaim", module.connect(bob).claimDividends(bob.address));
}

export const suite: Suite = {
  name: "sessions-margin",
  targets: {},
  run,
};
