import { expect } from "chai";
import { network } from "hardhat";

import { DAY, WAD, createCash, deployBase, makeOrder, settleWithPrices, sign, subscribeCash } from "./fixtures.js";

const conn = await network.create();
const PER_TOKEN = 10n ** 30n; // 1e36 value units per collateral unit (6 decimals)

async function fixture() {
  const b = await deployBase(conn, 3);
  const session = await createCash(b);
  await subscribeCash(b, session, b.alice, 2n);
  await subscribeCash(b, session, b.bob, 2n);
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return { b, session };
}

describe("CashSession", () => {
  it("subscribe_depositsSharesTimesUnitTimesCapRoundedUp", async () => {
    const b = await deployBase(conn, 3);
    const session = await createCash(b);
    // 3 legs x 1.0 unit x cap 200 = 600 quote per share = 600e6 collateral units.
    expect(await session.depositFor(1n)).to.equal(600_000_000n);
    await expect(subscribeCash(b, session, b.alice, 2n))
      .to.emit(session, "Subscribed")
      .withArgs(b.alice.address, 2n, [1_200_000_000n]);
    expect(await session.totalDeposit()).to.equal(1_200_000_000n);
    await expect(session.connect(b.alice).redeem(1n))
      .to.emit(session, "Redeemed")
      .withArgs(b.alice.address, 1n, [600_000_000n]);
    await session.connect(b.alice).redeem(1n);
    expect(await b.collateral.balanceOf(b.alice.address)).to.equal(1_200_000_000n);
  });

  it("trade_allowsNegativeAllocationsWithinMargin", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    // Alice sells 3 units of leg 0 for 2 units of leg 1: her leg 0 allocation goes to 2 - 3 = -1.
    const order = await makeOrder(b, b.alice.address, [0, 1], [-3n * WAD, 2n * WAD]);
    await expect(session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD)).to.emit(
      session,
      "Traded",
    );
    const xa = await session.allocationOf(b.alice.address);
    expect(xa[0]).to.equal(-1n * WAD);
    expect(xa[1]).to.equal(4n * WAD);
    // worst case: deposit 1200 - 3*cap(200) + 2*floor(50) = 700 quote, minus maker fee in collateral
    const makerFee = (2n * 200n * 10n ** 6n * 5n) / 10_000n;
    const takerFee = (3n * 200n * 10n ** 6n * 10n) / 10_000n;
    expect(await session.worstCaseE36(b.alice.address)).to.equal(-600n * 10n ** 36n + 100n * 10n ** 36n);
    expect(await session.marginE36(b.alice.address)).to.equal(
      (1_200_000_000n - makerFee) * PER_TOKEN - 500n * 10n ** 36n,
    );
    const [, feeDeposit] = await session.accountOf(b.feeTo.address);
    expect(feeDeposit).to.equal(makerFee + takerFee);
    // conservation: sum of allocations over participants == q
    const xb = await session.allocationOf(b.bob.address);
    for (const k of [0, 1, 2]) expect(xa[k] + xb[k]).to.equal(4n * WAD);
  });

  it("reverts_tradeBeyondWorstCaseMargin", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    // Selling 8 of leg 0 (worst at cap 200: -1600) for 1 of leg 1 (+50 at floor) exceeds the 1200 deposit.
    const order = await makeOrder(b, b.alice.address, [0, 1], [-8n * WAD, 1n * WAD]);
    await expect(
      session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD),
    ).to.be.revertedWithCustomError(session, "InsufficientMargin");
  });

  it("settle_clampsToBoxAndPaysDepositPlusDeviation", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-3n * WAD, 2n * WAD]);
    await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD);
    await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
    // leg 0 at 300 (clamped to cap 200), leg 1 at 10 (clamped to floor 50), leg 2 at 120
    await expect(settleWithPrices(b, session, [300e8, 10e8, 120e8]))
      .to.emit(session, "LegFixed")
      .withArgs(0n, 300n * WAD, 200n * WAD);
    expect(await session.settlementPrice(1)).to.equal(50n * WAD);
    const [aDep] = [(await session.accountOf(b.alice.address))[1]];
    const expectedAlice = aDep - 3n * 200n * 10n ** 6n + 2n * 50n * 10n ** 6n;
    await expect(session.connect(b.alice).claim(b.alice.address))
      .to.emit(session, "Claimed")
      .withArgs(b.alice.address, b.alice.address, [expectedAlice]);
    await session.connect(b.bob).claim(b.bob.address);
    await session.connect(b.feeTo).claim(b.feeTo.address);
    // every claim paid: the pool is empty and paid == deposits (no dust at these round prices)
    expect(await session.paid(0)).to.equal(await session.totalDeposit());
    expect(await b.collateral.balanceOf(await session.getAddress())).to.equal(0n);
  });

  it("fallback_returnsDeposits", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-3n * WAD, 2n * WAD]);
    await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD);
    await b.networkHelpers.time.increaseTo(b.now + 3n * DAY + 1n);
    await session.releaseFallback();
    const [, dep] = await session.accountOf(b.alice.address);
    await expect(session.connect(b.alice).claim(b.alice.address))
      .to.emit(session, "Claimed")
      .withArgs(b.alice.address, b.alice.address, [dep]);
  });

  it("dust_accountedAndSweptOnlyAfterClaimDeadline", async () => {
    const { b, session } = await conn.networkHelpers.loadFixture(fixture);
    const order = await makeOrder(b, b.alice.address, [0, 1], [-1n * WAD, 1n * WAD]);
    await session.connect(b.bob).fill(order, await sign(b, session, b.alice, order), WAD / 3n);
    await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
    await settleWithPrices(b, session, [123_45678901n, 67_12345678n, 99e8]);
    for (const who of [b.alice, b.bob, b.feeTo]) await session.connect(who).claim(who.address);
    await expect(session.sweepDust()).to.be.revertedWithCustomError(session, "SweepTooEarly");
    await b.networkHelpers.time.increaseTo(b.now + 10n * DAY + 1n);
    await session.sweepDust();
    expect((await session.paid(0)) + (await session.swept(0))).to.equal(await session.totalDeposit());
    expect(await b.collateral.balanceOf(await session.getAddress())).to.equal(0n);
  });
});
