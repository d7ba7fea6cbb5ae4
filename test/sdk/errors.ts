import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";

import { decodeError, explainErrors, humanError, revertData } from "../../sdk/errors.js";
import { MARKET_ABIS } from "../../sdk/markets/errors.js";
import { deployMarkets, UNIT } from "../markets/fixture.js";

describe("sdk/errors", () => {
  it("decodes a custom error with named arguments into a plain sentence", async () => {
    const { ethers } = await network.create();
    const [a, b] = await ethers.getSigners();
    const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
    await token.mint(a.address, 5n);
    let caught: unknown;
    try {
      await token.connect(a).transfer(b.address, 7n);
    } catch (e) {
      caught = e;
    }
    const decoded = decodeError(caught, [token]);
    expect(decoded?.name).to.equal("ERC20InsufficientBalance");
    expect(decoded?.args.balance).to.equal(5n);
    expect(decoded?.args.needed).to.equal(7n);
    expect(decoded?.message).to.contain(a.address).and.contain("needs 7");
    expect(humanError(caught, [token]).message).to.match(/^ERC20InsufficientBalance: /);
  });

  it("falls back to name(args) for errors without an explanation, and uses registered ones", async () => {
    const { ethers } = await network.create();
    const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
    const data = token.interface.encodeErrorResult("ERC20InvalidReceiver", [ethers.ZeroAddress]);
    expect(decodeError({ data }, [token])?.message).to.equal(`ERC20InvalidReceiver(receiver=${ethers.ZeroAddress})`);
    explainErrors({ ERC20InvalidReceiver: (a) => `cannot send to ${a.receiver}` });
    expect(decodeError({ data }, [token])?.message).to.equal(`cannot send to ${ethers.ZeroAddress}`);
  });

  it("explains an order too large for its fill record, with the bound", async () => {
    const { ethers } = await network.create();
    const venue = await ethers.deployContract("OrderSigningHarness", ["Ringfence Probe", "1"]);
    const [maker] = await ethers.getSigners();
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const order = { maker: maker.address, taker: ethers.ZeroAddress, size: 2n ** 64n, quote: 1n };
    const probe = { ...order, expiry: now + 3600n, nonce: 0n, salt: 0n };
    let caught: unknown;
    try {
      await venue.connect(maker).fill(probe, "0x", 1n); // the maker for itself: no signature needed
    } catch (e) {
      caught = e;
    }
    const d = decodeError(caught, [venue]);
    expect(d?.name).to.equal("OrderSizeTooLarge");
    expect(d?.message).to.equal(
      `The order's size ${2n ** 64n} does not fit a fill record (at most ${2n ** 64n - 2n}): sign a smaller order.`,
    );
  });

  it("explains a cancel of another trader's resting order (NotYourOrder) and of a key on no root (NoSuchOrder)", async () => {
    const fx = await deployMarkets(await network.create());
    const [, maker, other] = fx.signers;
    const rootId = await fx.createRoot(0n, 100n);
    await fx.fund(maker, 10n * UNIT);
    await (await (fx.core.connect(maker) as Contract).place(await fx.order(maker, rootId, 1, 40, 2n), "0x", 1)).wait();
    const key = await fx.core.orderKeyOf(rootId, 1, 40, 0);
    const refused = async (orderKey: bigint) => {
      try {
        await (fx.core.connect(other) as Contract).cancel.staticCall(orderKey);
      } catch (e) {
        return decodeError(e, MARKET_ABIS);
      }
      expect.fail(`cancel of ${orderKey} did not revert`);
    };
    const notYours = await refused(key);
    expect(notYours?.name).to.equal("NotYourOrder");
    expect(notYours?.message).to.equal(
      `Only the trader who placed resting order ${key} may cancel it; ${await other.getAddress()} has no such open order on its root (the order's OrderAccepted log names its trader).`,
    );
    const noRoot = (rootId + 1n) << 56n;
    expect((await refused(noRoot))?.message).to.equal(
      `No resting order under key ${noRoot}: it was filled or cancelled already, or never rested.`,
    );
  });

  it("finds revert data nested in provider errors and reports none for network failures", () => {
    const data = "0x4e487b710000000000000000000000000000000000000000000000000000000000000011";
    expect(revertData({ info: { error: { data } } })).to.equal(data);
    expect(decodeError({ info: { error: { data } } }, [])?.message).to.contain("overflow");
    expect(decodeError(new Error("socket hang up"), [])).to.equal(undefined);
    expect(humanError(new Error("socket hang up"), []).message).to.equal("socket hang up");
  });

  it("names unknown selectors rather than hiding them", () => {
    expect(decodeError({ data: "0xdeadbeef" }, [])?.name).to.equal("Unknown");
  });
});
