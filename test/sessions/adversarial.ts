import { expect } from "chai";
import { network } from "hardhat";

import {
  DAY,
  WAD,
  createPhysical,
  deployBase,
  physicalConfig,
  physicalUnit,
  settleWithPrices,
  subscribePhysical,
  type Base,
} from "./fixtures.js";
import type { PhysicalSession } from "../../types/ethers-contracts/index.js";

const conn = await network.create();

/** A 2-leg physical session whose leg 1 is `token` (an adversarial mock), leg 0 a plain token. */
async function withLeg1(b: Base, token: string): Promise<PhysicalSession> {
  const cfg = await physicalConfig(b);
  cfg.legs = [cfg.legs[0], { ...cfg.legs[1], token, unit: WAD }];
  const addr = await b.factory.createSession.staticCall(cfg);
  await b.factory.createSession(cfg);
  return b.ethers.getContractAt("PhysicalSession", addr);
}

async function fundLeg0(b: Base, session: PhysicalSession, who: { address: string }, shares: bigint) {
  await b.tokens[0].mint(who.address, shares * physicalUnit(0));
  const signer = await b.ethers.getSigner(who.address);
  await b.tokens[0].connect(signer).approve(await session.getAddress(), shares * physicalUnit(0));
}

async function settle2(b: Base, session: PhysicalSession) {
  await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
  return settleWithPrices(b, session, [1e8, 1e8, 1e8, 1e8, 1e8]);
}

describe("Sessions with adversarial tokens", () => {
  it("reverts_feeOnTransferLegAtSubscribe", async () => {
    const b = await deployBase(conn);
    const fot = await b.ethers.deployContract("FeeOnTransferToken", [100]);
    const session = await withLeg1(b, await fot.getAddress());
    await fundLeg0(b, session, b.alice, 1n);
    await fot.mint(b.alice.address, WAD);
    await fot.connect(b.alice).approve(await session.getAddress(), WAD);
    await expect(session.connect(b.alice).subscribe(1n, []))
      .to.be.revertedWithCustomError(session, "TransferShortfall")
      .withArgs(await fot.getAddress(), WAD, WAD - WAD / 100n);
  });

  it("noReturnValueToken_subscribesAndClaims", async () => {
    const b = await deployBase(conn);
    const nrt = await b.ethers.deployContract("NoReturnToken", [18]);
    const session = await withLeg1(b, await nrt.getAddress());
    await fundLeg0(b, session, b.alice, 2n);
    await nrt.mint(b.alice.address, 2n * WAD);
    await nrt.connect(b.alice).approve(await session.getAddress(), 2n * WAD);
    await session.connect(b.alice).subscribe(2n, []);
    expect(await nrt.balanceOf(await session.getAddress())).to.equal(2n * WAD);
    await settle2(b, session);
    await session.connect(b.alice).claim(b.alice.address);
    expect(await nrt.balanceOf(b.alice.address)).to.equal(2n * WAD);
  });

  it("reentrantToken_cannotReenterSubscribe", async () => {
    const b = await deployBase(conn);
    const re = await b.ethers.deployContract("ReentrantToken");
    const session = await withLeg1(b, await re.getAddress());
    await fundLeg0(b, session, b.alice, 1n);
    await re.mint(b.alice.address, WAD);
    await re.connect(b.alice).approve(await session.getAddress(), WAD);
    await re.arm(await session.getAddress(), session.interface.encodeFunctionData("subscribe", [1n, []]));
    await session.connect(b.alice).subscribe(1n, []);
    expect(await re.lastCallSucceeded()).to.equal(false);
    expect((await re.lastRevertData()).slice(0, 10)).to.equal(
      session.interface.getError("ReentrancyGuardReentrantCall")!.selector,
    );
    expect(await session.totalShares()).to.equal(1n);
  });

  it("reentrantToken_cannotReenterClaim", async () => {
    const b = await deployBase(conn);
    const re = await b.ethers.deployContract("ReentrantToken");
    const session = await withLeg1(b, await re.getAddress());
    for (const who of [b.alice, b.bob]) {
      await fundLeg0(b, session, who, 1n);
      await re.mint(who.address, WAD);
      await re.connect(who).approve(await session.getAddress(), WAD);
      await session.connect(who).subscribe(1n, []);
    }
    await settle2(b, session);
    await re.arm(await session.getAddress(), session.interface.encodeFunctionData("claim", [b.alice.address]));
    await session.connect(b.alice).claim(b.alice.address);
    expect(await re.lastCallSucceeded()).to.equal(false);
    expect(await re.balanceOf(b.alice.address)).to.equal(WAD);
  });

  it("blocklistedParticipant_blocksNobodyElsesClaim_andCanRedirect", async () => {
    const b = await deployBase(conn);
    const blk = await b.ethers.deployContract("BlocklistToken", [18]);
    const session = await withLeg1(b, await blk.getAddress());
    for (const who of [b.alice, b.bob]) {
      await fundLeg0(b, session, who, 1n);
      await blk.mint(who.address, WAD);
      await blk.connect(who).approve(await session.getAddress(), WAD);
      await session.connect(who).subscribe(1n, []);
    }
    await settle2(b, session);
    await blk.setBlocked(b.alice.address, true);
    await expect(session.connect(b.alice).claim(b.alice.address)).to.be.revertedWithCustomError(blk, "Blocked");
    await session.connect(b.bob).claim(b.bob.address);
    expect(await blk.balanceOf(b.bob.address)).to.equal(WAD);
    await session.connect(b.alice).claim(b.carol.address);
    expect(await blk.balanceOf(b.carol.address)).to.equal(WAD);
  });

  it("donation_changesNoClaim", async () => {
    const b = await deployBase(conn);
    const session = await createPhysical(b);
    await subscribePhysical(b, session, b.alice, 2n);
    await subscribePhysical(b, session, b.bob, 3n);
    await b.tokens[0].mint(await session.getAddress(), 1_000n * WAD); // donation
    await settle2(b, session);
    await session.connect(b.alice).claim(b.alice.address);
    expect(await b.tokens[0].balanceOf(b.alice.address)).to.equal(2n * WAD);
    expect(await session.paid(0)).to.equal(2n * WAD);
  });
});
