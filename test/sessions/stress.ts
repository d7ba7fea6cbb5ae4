import { expect } from "chai";
import { network } from "hardhat";

import {
  formatStressTable,
  parseScenarios,
  participants,
  runStress,
  ScenarioError,
  toShocks,
} from "../../sdk/sessions/stress.js";
import type { SessionStressLens } from "../../types/ethers-contracts/index.js";
import {
  DAY,
  WAD,
  createCash,
  createPhysical,
  deployBase,
  makeOrder,
  physicalUnit,
  sign,
  subscribeCash,
  subscribePhysical,
} from "./fixtures.js";

const conn = await network.create();
const E36 = 10n ** 36n;

async function physical(fees: { takerFeeBps: number; makerFeeBps: number }) {
  const b = await deployBase(conn);
  const session = await createPhysical(b, fees);
  await subscribePhysical(b, session, b.alice, 10n);
  await subscribePhysical(b, session, b.bob, 10n);
  const lens = (await b.ethers.deployContract("SessionStressLens")) as unknown as SessionStressLens;
  await b.networkHelpers.time.increaseTo(b.now + DAY);
  return { b, session, lens };
}
const noFees = () => physical({ takerFeeBps: 0, makerFeeBps: 0 });
const withFees = () => physical({ takerFeeBps: 10, makerFeeBps: 5 });

describe("Stress testing", () => {
  describe("SessionStressLens", () => {
    it("stress_physical_knownPnlByHand", async () => {
      const { b, session, lens } = await conn.networkHelpers.loadFixture(noFees);
      // Alice gives 2 of leg 0 (price 100) for 3 of leg 1 (price 110) from Bob; no fees.
      const o = await makeOrder(b, b.alice.address, [0, 1], [-2n * physicalUnit(0), 3n * physicalUnit(1)]);
      await session.connect(b.bob).fill(o, await sign(b, session, b.alice, o), WAD);
      // Scenario: leg 0 +10% only, so S' = (110, 110, 120, 130, 140).
      const shock = [11n * 10n ** 17n, WAD, WAD, WAD, WAD];
      const res = await lens.stress(await session.getAddress(), [b.alice.address, b.bob.address], [shock]);
      // Base: Alice -2*100 + 3*110 = +130; Bob -130.
      expect(res[0].pnlE36).to.deep.equal([130n * E36, -130n * E36]);
      // Shocked: Alice -2*110 + 3*110 = +110; Bob -110.
      expect(res[1].pnlE36).to.deep.equal([110n * E36, -110n * E36]);
      expect(res[1].prices[0]).to.equal(110n * WAD);
      // Value: Alice holds (8, 13, 10, 10, 10): 8*110 + 13*110 + 10*(120 + 130 + 140) = 6,210.
      expect(res[1].valueE36[0]).to.equal(6_210n * E36);
      expect(res[1].aggregatePnlE36).to.equal(0n);
    });

    it("stress_physical_aggregateNetsToZero_property", async () => {
      const { b, session, lens } = await conn.networkHelpers.loadFixture(withFees);
      let seed = 7n;
      const rnd = (m: bigint) => {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
        return (seed >> 17n) % m;
      };
      const accounts = [b.alice.address, b.bob.address, b.feeTo.address];
      for (let round = 0; round < 8; round++) {
        const p = Number(rnd(5n));
        const q = (p + 1 + Number(rnd(4n))) % 5;
        const [lo, hi] = p < q ? [p, q] : [q, p];
        const give = 1n + rnd(physicalUnit(lo));
        const get = 1n + rnd(physicalUnit(hi));
        const [maker, taker] = round % 2 === 0 ? [b.alice, b.bob] : [b.bob, b.alice];
        const o = await makeOrder(b, maker.address, [lo, hi], [-give, get]);
        await session.connect(taker).fill(o, await sign(b, session, maker, o), WAD);
        const scenarios = [0, 1, 2].map(() => [0, 1, 2, 3, 4].map(() => rnd(3n * WAD)));
        const res = await lens.stress(await session.getAddress(), accounts, scenarios);
        for (const r of res) {
          expect(r.aggregatePnlE36).to.equal(0n);
          expect(r.pnlE36.reduce((s, v) => s + v, 0n)).to.equal(0n);
        }
      }
    });

    it("stress_cash_headroomIsDepositPlusDeviationAtClampedPrices", async () => {
      const b = await deployBase(conn);
      const session = await createCash(b, { takerFeeBps: 0, makerFeeBps: 0 });
      await subscribeCash(b, session, b.alice, 1n);
      await subscribeCash(b, session, b.bob, 1n);
      await b.networkHelpers.time.increaseTo(b.now + DAY);
      // Alice sells 1 unit of leg 0 for 1 unit of leg 1 (boxes [50, 200]); deposit 5 * 200 = 1,000 each.
      const o = await makeOrder(b, b.alice.address, [0, 1], [-WAD, WAD]);
      await session.connect(b.bob).fill(o, await sign(b, session, b.alice, o), WAD);
      const lens = (await b.ethers.deployContract("SessionStressLens")) as unknown as SessionStressLens;
      // Leg 0 x3 (100 -> 300, clamped to 200), leg 1 x0.1 (110 -> 11, clamped to 50).
      const res = await lens.stress(
        await session.getAddress(),
        [b.alice.address, b.bob.address],
        [[3n * WAD, WAD / 10n, WAD, WAD, WAD]],
      );
      expect(res[1].pnlE36).to.deep.equal([-150n * E36, 150n * E36]);
      expect(res[1].valueE36).to.deep.equal([850n * E36, 1_150n * E36]);
      // Base: -100 + 110 = +10 for Alice.
      expect(res[0].pnlE36[0]).to.equal(10n * E36);
      expect(res[1].aggregatePnlE36).to.equal(0n);
    });

    it("stress_reverts_whenShockLengthOrSizeWrong", async () => {
      const { b, session, lens } = await conn.networkHelpers.loadFixture(noFees);
      await expect(lens.stress(await session.getAddress(), [b.alice.address], [[WAD]]))
        .to.be.revertedWithCustomError(lens, "ShockLength")
        .withArgs(0n, 5n, 1n);
      await expect(
        lens.stress(await session.getAddress(), [b.alice.address], [[WAD, WAD, WAD, WAD, 10n ** 24n + 1n]]),
      ).to.be.revertedWithCustomError(lens, "ShockTooLarge");
    });
  });

  describe("SDK", () => {
    it("participants_fromEvents_includeTradersAndFeeRecipient", async () => {
      const { b, session } = await conn.networkHelpers.loadFixture(withFees);
      // Dave never subscribed; he receives allocation by taking an order of Alice that only gives.
      const o = await makeOrder(b, b.alice.address, [0], [-physicalUnit(0)]);
      await session.connect(b.dave).fill(o, await sign(b, session, b.alice, o), WAD);
      const got = await participants(session as never);
      expect(got).to.deep.equal([b.alice.address, b.bob.address, b.dave.address, b.feeTo.address].sort());
    });

    it("runStress_andTable_labelScenariosAndNetToZero", async () => {
      const { b, session, lens } = await conn.networkHelpers.loadFixture(withFees);
      const o = await makeOrder(b, b.alice.address, [0, 2], [-physicalUnit(0), physicalUnit(2)]);
      await session.connect(b.bob).fill(o, await sign(b, session, b.alice, o), WAD);
      const scenarios = parseScenarios(
        JSON.stringify({
          scenarios: [
            { name: "crash", kind: "level", shock: -0.3 },
            { name: "steep", kind: "curve", legs: [0, 1, 2], short: "-0.1", long: "0.1" },
          ],
        }),
        5,
      );
      const accounts = await participants(session as never);
      const report = await runStress(lens as never, await session.getAddress(), accounts, scenarios);
      expect(report.scenarios.map((s) => s.name)).to.deep.equal(["crash", "steep"]);
      for (const r of [report.base, ...report.scenarios]) expect(r.aggregatePnlE36).to.equal(0n);
      const table = formatStressTable(report, { [b.alice.address]: "alice" });
      expect(table).to.contain("crash").and.to.contain("steep").and.to.contain("alice").and.to.contain("aggregate");
    });

    it("toShocks_turnsEachKindIntoPerLegShocks", () => {
      expect(toShocks({ name: "l", kind: "level", shock: -0.25 }, 3)).to.deep.equal([
        75n * 10n ** 16n,
        75n * 10n ** 16n,
        75n * 10n ** 16n,
      ]);
      expect(toShocks({ name: "r", kind: "relative", up: [0], down: [2], size: "0.1" }, 3)).to.deep.equal([
        11n * 10n ** 17n,
        WAD,
        9n * 10n ** 17n,
      ]);
      // steepener across legs 3, 1, 0 (short to long): -10%, 0%, +10%; leg 2 untouched
      expect(toShocks({ name: "c", kind: "curve", legs: [3, 1, 0], short: -0.1, long: 0.1 }, 4)).to.deep.equal([
        11n * 10n ** 17n,
        WAD,
        WAD,
        9n * 10n ** 17n,
      ]);
      expect(toShocks({ name: "x", kind: "legs", shocks: [0, "-1", 0.5] }, 3)).to.deep.equal([
        WAD,
        0n,
        15n * 10n ** 17n,
      ]);
    });

    it("parseScenarios_rejectsBadInputWithClearMessages", () => {
      const bad: [string, RegExp][] = [
        ["{", /not valid JSON/],
        ["{}", /expected an array/],
        ["[]", /the list is empty/],
        ['[{"kind":"level","shock":0.1}]', /scenario\[0\]: "name" must be a non-empty string/],
        [
          '[{"name":"a","kind":"level","shock":0.1},{"name":"a","kind":"level","shock":0.1}]',
          /"a"\): the name is used twice/,
        ],
        [
          '[{"name":"a","kind":"twist","shock":0.1}]',
          /kind must be "level", "relative", "curve" or "legs", got "twist"/,
        ],
        ['[{"name":"a","kind":"level","shock":-1.5}]', /would make a price negative; a shock must be >= -1/],
        ['[{"name":"a","kind":"level","shock":"1e-3"}]', /plain decimal/],
        ['[{"name":"a","kind":"level","shock":true}]', /shock must be a number/],
        ['[{"name":"a","kind":"relative","up":[0],"down":[0],"size":0.1}]', /leg 0 is in both "up" and "down"/],
        [
          '[{"name":"a","kind":"relative","up":[7],"down":[0],"size":0.1}]',
          /up\[0\] = 7 is out of range \(the session has 3 legs: 0..2\)/,
        ],
        ['[{"name":"a","kind":"relative","up":[1],"down":[0],"size":-0.1}]', /size must be >= 0/],
        ['[{"name":"a","kind":"curve","legs":[1],"short":0,"long":0.1}]', /legs needs at least 2 legs/],
        ['[{"name":"a","kind":"curve","legs":[1,1],"short":0,"long":0.1}]', /legs\[1\] = 1 appears twice/],
        ['[{"name":"a","kind":"curve","legs":[0,1.5],"short":0,"long":0.1}]', /legs\[1\] must be an integer leg index/],
        ['[{"name":"a","kind":"legs","shocks":[0.1]}]', /one change per leg \(3\), got 1/],
      ];
      for (const [text, msg] of bad) {
        expect(() => parseScenarios(text, 3), text).to.throw(ScenarioError, msg);
      }
    });
  });
});
