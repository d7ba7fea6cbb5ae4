/**
 * Paths of the session core, the physical and cash kinds and the factory that the main suites leave unexecuted:
 * the int128 range of a subscription, role-curated participation, a zero match fraction, upkeep before t2, the
 * factory's constructor checks, `encodeArgs` and the token-decimals checks.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { Participation } from "../../sdk/sessions/config.js";
import type { MockERC20 } from "../../types/ethers-contracts/index.js";
import {
  DAY,
  WAD,
  cashConfig,
  createCash,
  createPhysical,
  deployBase,
  makeOrder,
  physicalConfig,
  settleWithPrices,
  sign,
  subscribePhysical,
} from "./fixtures.js";

const conn = await network.create();
/** SessionMath.MAX_AMOUNT: the largest allocation magnitude (int128 max). */
const MAX_AMOUNT = 2n ** 127n - 1n;
/** The fewest shares whose basket of a one-WAD-unit leg leaves the int128 range. */
const TOO_MANY = MAX_AMOUNT / 10n ** 18n + 1n;

describe("Session core uncovered paths", () => {
  it("test_physicalSubscribe_revertsAmountOutOfRange_whenTotalBasketPassesInt128", async () => {
    const b = await deployBase(conn, 2);
    const session = await createPhysical(b);
    await expect(session.connect(b.alice).subscribe(TOO_MANY, []))
      .to.be.revertedWithCustomError(session, "AmountOutOfRange")
      .withArgs(TOO_MANY * 10n ** 18n);
  });

  it("test_cashSubscribe_revertsAmountOutOfRange_whenTotalBasketPassesInt128", async () => {
    const b = await deployBase(conn, 2);
    const session = await createCash(b);
    await expect(session.connect(b.alice).subscribe(TOO_MANY, []))
      .to.be.revertedWithCustomError(session, "AmountOutOfRange")
      .withArgs(TOO_MANY * 10n ** 18n);
  });

  it("test_subscribe_revertsNotAllowed_whenRoleSessionAndCallerLacksTheRole", async () => {
    const b = await deployBase(conn, 2);
    const session = await createPhysical(b, { participation: Participation.Role });
    await expect(session.connect(b.alice).subscribe(1n, []))
      .to.be.revertedWithCustomError(session, "NotAllowed")
      .withArgs(b.alice.address);
    // With the role the same subscription goes through.
    await session.connect(b.admin).grantRole(await session.PARTICIPANT_ROLE(), b.alice.address);
    await subscribePhysical(b, session, b.alice, 1n);
    expect((await session.accountOf(b.alice.address)).shares).to.equal(1n);
  });

  it("test_fill_revertsNotAllowed_whenMerkleSessionAndMakerNeverAdmitted", async () => {
    const b = await deployBase(conn, 2);
    const session = await createPhysical(b, {
      participation: Participation.Merkle,
      merkleRoot: "0x" + "33".repeat(32),
    });
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    expect((await session.accountOf(b.alice.address)).admitted).to.equal(false);
    // A validly signed order of a maker who never proved membership cannot trade.
    const o = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
    await expect(session.connect(b.bob).fill(o, await sign(b, session, b.alice, o), WAD))
      .to.be.revertedWithCustomError(session, "NotAllowed")
      .withArgs(b.alice.address);
  });

  it("test_matchOrders_revertsZeroFill_whenFractionAIsZero", async () => {
    const b = await deployBase(conn, 2);
    const session = await createPhysical(b);
    await b.networkHelpers.time.increaseTo(b.now + DAY);
    const a = await makeOrder(b, b.alice.address, [0, 1], [-1n, 1n]);
    const o = await makeOrder(b, b.bob.address, [0, 1], [1n, -1n]);
    await expect(session.matchOrders(a, "0x", o, "0x", 0n)).to.be.revertedWithCustomError(session, "ZeroFill");
  });

  it("test_checkUpkeep_returnsFalse_beforeT2", async () => {
    const b = await deployBase(conn, 2);
    const session = await createPhysical(b);
    await b.networkHelpers.time.increaseTo(b.now + 2n * DAY - 10n);
    expect(await session.checkUpkeep("0x")).to.deep.equal([false, "0x"]);
    // From t2, with fresh rounds, upkeep is needed and settles.
    await b.networkHelpers.time.increaseTo(b.now + 2n * DAY);
    await settleWithPrices(b, session, [100_00000000n, 110_00000000n]);
    expect(await session.status()).to.equal(1n);
  });

  it("test_factoryConstructor_revertsInvalidConfig_whenAnAddressHasNoCode", async () => {
    const b = await deployBase(conn, 0);
    const code = await b.physicalImpl.getAddress();
    const oracle = await b.oracle.getAddress();
    const eoa = b.dave.address;
    const F = await b.ethers.getContractFactory("SessionFactory");
    const cases: Array<[string[], string]> = [
      [[code, code, code, eoa], "oracle"],
      [[eoa, code, code, oracle], "physicalImplementation"],
      [[code, eoa, code, oracle], "cashImplementation"],
      [[code, code, eoa, oracle], "marginImplementation"],
    ];
    for (const [args, field] of cases) {
      await expect(F.deploy(args[0], args[1], args[2], args[3]))
        .to.be.revertedWithCustomError(b.factory, "InvalidConfig")
        .withArgs(field, 0n);
    }
  });

  it("test_encodeArgs_returnsTheImmutableArgsTheCloneCarries", async () => {
    const b = await deployBase(conn, 2);
    const cfg = await physicalConfig(b);
    const args = await b.factory.encodeArgs(cfg);
    const session = await createPhysical(b);
    const code = await b.ethers.provider.getCode(await session.getAddress());
    expect(args.length).to.be.greaterThan(2);
    expect(code.toLowerCase().endsWith(args.slice(2).toLowerCase())).to.equal(true);
    const cash = await b.factory.encodeArgs(await cashConfig(b));
    expect(cash).to.not.equal(args);
  });

  it("test_encodeArgs_revertsInvalidConfig_whenTokenHasMoreThan18Decimals", async () => {
    const b = await deployBase(conn, 2);
    b.tokens[1] = (await b.ethers.deployContract("MockERC20", ["Wide", "W", 19])) as unknown as MockERC20;
    await expect(b.factory.encodeArgs(await physicalConfig(b)))
      .to.be.revertedWithCustomError(b.factory, "InvalidConfig")
      .withArgs("token", 1n);
  });

  it("test_encodeArgs_revertsInvalidConfig_whenTokenHasNoDecimals", async () => {
    const b = await deployBase(conn, 3);
    // A contract without decimals(): the call reverts and the factory reports the leg's token.
    b.tokens[2] = b.lens as unknown as MockERC20;
    await expect(b.factory.encodeArgs(await physicalConfig(b)))
      .to.be.revertedWithCustomError(b.factory, "InvalidConfig")
      .withArgs("token", 2n);
  });
});
