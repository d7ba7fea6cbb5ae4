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
