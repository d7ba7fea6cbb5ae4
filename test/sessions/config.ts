import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash } from "ethers";

import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import {
  cashLeg,
  Participation,
  physicalLeg,
  SessionKind,
  sessionConfig,
  SettlementMode,
} from "../../sdk/sessions/config.js";
import { DAY, WAD, deployBase, physicalUnit, spec, type Base } from "./fixtures.js";

const conn = await network.create();

async function fixture() {
  return deployBase(conn, 2);
}

/** Windows of 1, 2, 3 and 4 days from the fixture's start. */
function windows(b: Base) {
  return { t1: b.now + DAY, t2: b.now + 2n * DAY, fallbackDeadline: b.now + 3n * DAY, claimDeadline: b.now + 4n * DAY };
}

describe("Session config builder (sdk/sessions/config.ts)", () => {
  it("defaults_physical_inKindOpenNoFeesAdminGuards_andTheFactoryStoresThem", async () => {
    const b = await conn.networkHelpers.loadFixture(fixture);
    const legs = [
      physicalLeg(await b.tokens[0].getAddress(), physicalUnit(0), spec(await b.feeds[0].getAddress())),
      physicalLeg(await b.tokens[1].getAddress(), physicalUnit(1), spec(await b.feeds[1].getAddress())),
    ];
    const cfg = sessionConfig({
      kind: SessionKind.Physical,
      legs,
      ...windows(b),
      feeRecipient: b.feeTo.address,
      admin: b.alice.address,
    });
    expect(cfg).to.deep.include({
      mode: SettlementMode.InKind,
      collateral: ZeroAddress,
      takerFeeBps: 0,
      makerFeeBps: 0,
      participation: Participation.Open,
      merkleRoot: ZeroHash,
      guardian: b.alice.address,
    });
    const { session } = await createSessionFromConfig(b.factory, cfg);
    const s = await b.ethers.getContractAt("PhysicalSession", session);
    const c = await s.config();
    expect([c.kind, c.mode, c.legCount, c.feeRecipient, c.takerFeeBps, c.makerFeeBps, c.participation]).to.deep.equal([
      0n,
      0n,
      2n,
      b.feeTo.address,
      0n,
      0n,
      0n,
    ]);
    expect(await s.hasRole(await s.GUARDIAN_ROLE(), b.alice.address)).to.equal(true);
    expect(await s.hasRole(await s.DEFAULT_ADMIN_ROLE(), b.alice.address)).to.equal(true);
  });

  it("defaults_cash_settlesInCash_andTheFactoryAcceptsIt", async () => {
    const b = await conn.networkHelpers.loadFixture(fixture);
    const cfg = sessionConfig({
      kind: SessionKind.Cash,
      legs: [cashLeg(WAD, 50n * WAD, 200n * WAD, spec(await b.feeds[0].getAddress()))],
      collateral: await b.collateral.getAddress(),
      ...windows(b),
      feeRecipient: b.feeTo.address,
      admin: b.admin.address,
    });
    expect(cfg.mode).to.equal(SettlementMode.Cash);
    expect(cfg.legs[0]).to.deep.include({ token: ZeroAddress, unit: WAD, floor: 50n * WAD, cap: 200n * WAD });
    const { session } = await createSessionFromConfig(b.factory, cfg);
    const c = await (await b.ethers.getContractAt("CashSession", session)).config();
    expect([c.kind, c.mode]).to.deep.equal([1n, 2n]);
  });

  it("explicitValuesWin_andAnUndefinedFieldKeepsItsDefault", () => {
    const base = {
      kind: SessionKind.Physical,
      legs: [],
      t1: 1n,
      t2: 2n,
      fallbackDeadline: 3n,
      claimDeadline: 4n,
      feeRecipient: "0x" + "11".repeat(20),
      admin: "0x" + "22".repeat(20),
    };
    const explicit = sessionConfig({
      ...base,
      mode: SettlementMode.ValueWeighted,
      takerFeeBps: 10,
      makerFeeBps: 5,
      participation: Participation.Merkle,
      merkleRoot: "0x" + "33".repeat(32),
      guardian: "0x" + "44".repeat(20),
    });
    expect(explicit).to.deep.include({
      mode: 1,
      takerFeeBps: 10,
      makerFeeBps: 5,
      participation: 2,
      merkleRoot: "0x" + "33".repeat(32),
      guardian: "0x" + "44".repeat(20),
    });
    const withUndefined = sessionConfig({ ...base, mode: undefined, guardian: undefined, collateral: undefined });
    expect(withUndefined).to.deep.include({ mode: 0, guardian: base.admin, collateral: ZeroAddress });
  });

  it("reverts_createFromConfig_whenWindowsAreOutOfOrder_beforeAnythingIsSent", async () => {
    const b = await conn.networkHelpers.loadFixture(fixture);
    const cfg = sessionConfig({
      kind: SessionKind.Physical,
      legs: [physicalLeg(await b.tokens[0].getAddress(), physicalUnit(0), spec(await b.feeds[0].getAddress()))],
      t1: b.now + 2n * DAY,
      t2: b.now + DAY, // before t1
      fallbackDeadline: b.now + 3n * DAY,
      claimDeadline: b.now + 4n * DAY,
      feeRecipient: b.feeTo.address,
      admin: b.admin.address,
    });
    const block = await b.ethers.provider.getBlockNumber();
    await expect(createSessionFromConfig(b.factory, cfg))
      .to.be.revertedWithCustomError(b.factory, "InvalidConfig")
      .withArgs("t2", cfg.t2);
    expect(await b.ethers.provider.getBlockNumber()).to.equal(block);
    expect(await b.factory.sessionCount()).to.equal(0n);
  });
});
