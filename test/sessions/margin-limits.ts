/**
 * Margin sessions at their limits: the relative (group) stress scenario, the cap of 50 short accounts, and a
 * dividend whose short debits would exceed the cash leg. Fixture as in margin.ts: leg 0 USDC (cash leg, 100 per
 * share), leg 1 an 18-dec equity at 100, leg 2 an 8-dec token at 50; every expected number is computed here.
 */
import { expect } from "chai";
import { Wallet, type HDNodeWallet } from "ethers";
import { network } from "hardhat";

import { ActionKind } from "../../sdk/sessions/config.js";
import { sessionDomain, signSessionOrder } from "../../sdk/sessions/orders.js";
import { WAD, deployBase, makeOrder, sign } from "./fixtures.js";
import {
  DECIMALS,
  E36,
  START8,
  setPrices,
  UNITS,
  createMargin,
  deployMarginLegs,
  e36,
  subscribeMargin,
  unitValue,
  windows,
} from "./margin-fixtures.js";

const conn = await network.create();
const USDC = 10n ** 6n;
const TOKEN1 = 10n ** 18n;

async function env() {
  return deployMarginLegs(await deployBase(conn, 0));
}

describe("MarginSession limits", () => {
  it("groupShock_isTheWorstScenario_whenTheRelativeMoveDominates", async () => {
    const m = await conn.networkHelpers.loadFixture(env);
    // Group A = leg 1 alone, +-30% against the rest; single-leg shocks stay +-25%.
    const h = await createMargin(m, {}, { groupMask: 0b010, groupShockBps: 3_000 });
    await subscribeMargin(m, h, m.alice, 2n);
    await subscribeMargin(m, h, m.bob, 14n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // Alice would hold 200 + 600 - 0.3 fee = 799.7 USDC, 2 - 6 = -4 of leg 1, 2 of leg 2.
    const x = [799_700_000n, -4n * TOKEN1, 2n * 10n ** 8n];
    const p = START8.map((v, k) => unitValue(v, DECIMALS[k]));
    const v = x.map((xi, k) => xi * p[k]);
    const abs = (a: bigint) => (a < 0n ? -a : a);
    const equity = v[0] + v[1] + v[2];
    const gross = abs(v[0]) + abs(v[1]) + abs(v[2]);
    const single = [(abs(v[1]) * 2_500n) / 10_000n, (abs(v[2]) * 2_500n) / 10_000n];
    // A - B = v1 - (v0 + v2) = -400 - 899.7 = -1,299.7 (x 1e36); 30% of it is 389.91, above the single 100.
    const relative = (abs(v[1] - v[0] - v[2]) * 3_000n) / 10_000n;
    expect(relative).to.equal(e36("389.91"));
    expect(relative).to.be.greaterThan(single[0]);
    // Stressed 499.7 - 389.91 = 109.79 < 20% of 1,299.7 = 259.94: the relative scenario alone refuses the trade
    // (without it, 499.7 - 100 = 399.7 would pass, as margin.ts shows).
    const order = await makeOrder(m, m.alice.address, [0, 1], [600n * USDC, -6n * TOKEN1]);
    await expect(h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD))
      .to.be.revertedWithCustomError(h.session, "BelowInitialMargin")
      .withArgs(m.alice.address, equity - relative, (gross * 2_000n) / 10_000n);
    expect(equity - relative).to.equal(e36("109.79"));
  });

  it("reverts_TooManyShortAccounts_atTheFiftyFirst", async () => {
    const m = await conn.networkHelpers.loadFixture(env);
    const h = await createMargin(m);
    // Bob buys from everyone; his 200 shares keep him long in every leg.
    await subscribeMargin(m, h, m.bob, 200n);
    const domain = sessionDomain(h.address, m.chainId);
    const wallets: HDNodeWallet[] = [];
    for (let i = 0; i < 51; i++) {
      const w = Wallet.createRandom().connect(m.ethers.provider);
      await m.networkHelpers.setBalance(w.address, 10n ** 18n);
      for (let k = 0; k < 3; k++) {
        await m.legs[k].mint(w.address, UNITS[k]);
        await m.legs[k].connect(w).approve(h.address, UNITS[k]);
      }
      await h.session.connect(w).subscribe(1n, []);
      wallets.push(w);
    }
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // Each sells 2 of leg 1 (holding 1) for 200 USDC: short 1, well within margin and the cap.
    for (let i = 0; i < 51; i++) {
      const order = await makeOrder(m, wallets[i].address, [0, 1], [200n * USDC, -2n * TOKEN1]);
      const sig = await signSessionOrder(wallets[i], order, domain);
      if (i < 50) {
        await h.session.connect(m.bob).fill(order, sig, WAD);
      } else {
        await expect(h.session.connect(m.bob).fill(order, sig, WAD))
          .to.be.revertedWithCustomError(h.session, "TooManyShortAccounts")
          .withArgs(50n);
      }
    }
    expect((await h.module.shortAccounts()).length).to.equal(50);
  });

  /** 49 signature-only accounts (no subscription) each sell 1 of leg 1 to Bob for `cash` USDC units. */
  async function shortWallets(
    m: Awaited<ReturnType<typeof env>>,
    address: string,
    count: number,
    give: bigint,
    cash: bigint,
  ) {
    const domain = sessionDomain(address, m.chainId);
    const session = await m.ethers.getContractAt("MarginSession", address);
    const wallets: HDNodeWallet[] = [];
    for (let i = 0; i < count; i++) {
      const w = Wallet.createRandom();
      const order = await makeOrder(m, w.address, [0, 1], [cash, -give]);
      await session.connect(m.bob).fill(order, await signSessionOrder(w, order, domain), WAD);
      wallets.push(w);
    }
    return wallets;
  }

  it("dustShorts_cannotFillShortSet_cheaply", async () => {
    const m = await conn.networkHelpers.loadFixture(env);
    // Default config: a short account keeps a stressed equity of at least 10 bps of the pool's value.
    const h = await createMargin(m);
    await subscribeMargin(m, h, m.bob, 200n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // V = 200 shares x (100 + 100 + 50) = 50,000 quote units; the floor is 0.1% of it: 50.
    const floor = e36("50");
    // The attack before the fix: an account that holds nothing signs "give 1 wei of leg 1 for 1 micro-USDC";
    // it passes the initial margin (stressed 1e-6 - 1.25e-16 >= 20% of its gross) and takes a short slot for
    // gas alone: 49 of them filled the set for 49 micro-USDC of locked capital.
    const dust = Wallet.createRandom();
    const order = await makeOrder(m, dust.address, [0, 1], [1n, -1n]);
    const sig = await signSessionOrder(dust, order, sessionDomain(h.address, m.chainId));
    const p = START8.map((v, k) => unitValue(v, DECIMALS[k]));
    const stressed = 1n * p[0] - 1n * p[1] - (1n * p[1] * 2_500n) / 10_000n;
    await expect(h.session.connect(m.bob).fill(order, sig, WAD))
      .to.be.revertedWithCustomError(h.module, "BelowMinShortEquity")
      .withArgs(dust.address, stressed, floor);
    // Now each slot needs 50 quote units of stressed equity: 51 USDC for a 1-wei short passes.
    const wallets = await shortWallets(m, h.address, 49, 1n, 51n * USDC);
    expect((await h.module.shortAccounts()).length).to.equal(49);
    let locked = 0n;
    for (const w of wallets) {
      const x = await h.session.allocationOf(w.address);
      expect(x[1]).to.equal(-1n);
      locked += x[0];
    }
    // The cost of filling 49 slots: 49 x 50.9745 USDC (51 less the 5 bps maker fee) locked until settlement,
    // at least 49 x the floor, against 49 micro-USDC before.
    expect(locked).to.equal(49n * (51n * USDC - 25_500n));
    expect(locked * p[0] >= 49n * floor).to.equal(true);
  });

  it("liquidation_whenShortSetFull_succeeds", async () => {
    const m = await conn.networkHelpers.loadFixture(env);
    const h = await createMargin(m);
    await subscribeMargin(m, h, m.bob, 200n);
    await subscribeMargin(m, h, m.alice, 2n);
    await subscribeMargin(m, h, m.dave, 1n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    // 49 accounts short 1 of leg 1 each (300 USDC of cash against it), then Alice short on two legs: she sells
    // 4 of leg 1 and 4 of leg 2 (holding 2 each) for 600 USDC: [799.7, -2, -2]. The set is full: 50.
    await shortWallets(m, h.address, 49, TOKEN1, 300n * USDC);
    const order = await makeOrder(m, m.alice.address, [0, 1, 2], [600n * USDC, -4n * TOKEN1, -4n * 10n ** 8n]);
    await h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD);
    expect((await h.module.shortAccounts()).length).to.equal(50);
    // Leg 1 at 250: Alice 799.7 - 500 - 100 = 199.7, stressed 199.7 - 125 = 74.7 < 10% of 1,399.7.
    await setPrices(m, [START8[0], 250_00000000n, START8[2]]);
    expect((await h.module.marginOf(m.alice.address)).liquidatable).to.equal(true);
    // Dave [100, 1, 1] takes over her vector and becomes short on both legs: [769.985, -1, -1]. He joins the
    // set while processing leg 1, before Alice leaves it after leg 2; before the fix that reverted
    // TooManyShortAccounts(50) although the set ends no larger.
    await expect(h.session.connect(m.dave).liquidate(m.alice.address))
      .to.emit(h.session, "Liquidated")
      .withArgs(m.alice.address, m.dave.address, e36("199.7"), e36("74.7"), e36("69.985"), 129_715_000n);
    const shorts = await h.module.shortAccounts();
    expect(shorts.length).to.equal(50);
    expect(shorts).to.include(m.dave.address);
    expect(shorts).to.not.include(m.alice.address);
    expect(Array.from(await h.session.allocationOf(m.dave.address))).to.deep.equal([
      769_985_000n,
      -TOKEN1,
      -(10n ** 8n),
    ]);
  });

  it("reverts_dividend_DividendExceedsCashLeg_whenShortsWouldOweMoreThanTheCashBasket", async () => {
    const m = await conn.networkHelpers.loadFixture(env);
    const h = await createMargin(m);
    await subscribeMargin(m, h, m.alice, 2n);
    await subscribeMargin(m, h, m.bob, 14n);
    await subscribeMargin(m, h, m.carol, 14n);
    await m.networkHelpers.time.increaseTo(windows(m).t1);
    const order = await makeOrder(m, m.alice.address, [0, 1], [600n * USDC, -6n * TOKEN1]);
    await h.session.connect(m.bob).fill(order, await sign(m, h.session, m.alice, order), WAD);
    // A 100,000 USDC dividend on leg 1 (basket 30): Alice, short 4, would owe 13,333.33 USDC, more than the
    // 3,000 USDC the cash leg's basket holds.
    const pay = 100_000n * USDC;
    await m.usdc.mint(m.admin.address, pay);
    await m.usdc.connect(m.admin).approve(h.address, pay);
    await h.module.connect(m.admin).scheduleAction(ActionKind.Dividend, 1, pay, 0n);
    await m.networkHelpers.time.increase(3_601);
    for (let k = 0; k < 3; k++) await m.mfeeds[k].updateAnswer(START8[k]);
    const index = (pay * E36) / (30n * TOKEN1);
    const debit = (4n * TOKEN1 * index + E36 - 1n) / E36;
    await expect(h.module.connect(m.admin).executeAction(0))
      .to.be.revertedWithCustomError(h.module, "DividendExceedsCashLeg")
      .withArgs(3_000n * USDC, debit);
  });
});
