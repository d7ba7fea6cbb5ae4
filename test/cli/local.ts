/**
 * The local-chain helpers on the in-process chain (chain 31337): `local price` publishes a new round on a mock
 * feed at the chain's clock with the answer in the feed's human units (what a feed root settles from and what
 * moves a margin account), and refuses a non-mock feed, a malformed or non-positive price and a missing feed
 * before any transaction. Every case checks the exit code and the output.
 */
import { expect } from "chai";

import type { MockV3Aggregator } from "../../types/ethers-contracts/index.js";
import localPrice from "../../tasks/actions/local/price.js";
import { capture, hre, sharedConnection } from "./helpers.js";

const base = { feed: "", price: "", account: "0", json: false };

describe("CLI: local price", function () {
  let feed: MockV3Aggregator;
  let address: string;
  let token: string;

  before(async function () {
    const { ethers } = await sharedConnection();
    feed = (await ethers.deployContract("MockV3Aggregator", [8, 190_00000000n])) as unknown as MockV3Aggregator;
    address = await feed.getAddress();
    token = await (await ethers.deployContract("MockERC20", ["Mock", "MCK", 18])).getAddress();
  });

  it("price_publishesANewRoundWithTheAnswerInTheFeedsDecimals", async function () {
    const [round0] = await feed.latestRoundData();
    const r = await capture(() => localPrice({ ...base, feed: address, price: "193.12" }, hre));
    expect(r.exitCode, r.err).to.equal(0);
    const [round1, answer, , updatedAt] = await feed.latestRoundData();
    expect(answer).to.equal(193_12000000n);
    expect(round1).to.equal(round0 + 1n);
    const { ethers } = await sharedConnection();
    expect(updatedAt).to.equal(BigInt((await ethers.provider.getBlock("latest"))!.timestamp));
    expect(r.out).to.match(new RegExp(`^Feed ${address}: 190 -> 193\\.12 \\(round ${round1} at \\d{4}-`));
  });

  it("price_json_reportsBeforeAndAfterInFeedUnits", async function () {
    const r = await capture(() => localPrice({ ...base, feed: address, price: "180", json: true }, hre));
    expect(r.exitCode, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.include({
      feed: address,
      decimals: 8,
      before: "19312000000",
      answer: "18000000000",
    });
    expect(await feed.latestAnswer()).to.equal(180_00000000n);
  });

  it("price_moreDecimalsThanTheFeed_exitsOneAndPublishesNothing", async function () {
    const [round0] = await feed.latestRoundData();
    const r = await capture(() => localPrice({ ...base, feed: address, price: "1.123456789" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain('--price "1.123456789" has 9 decimals but this amount takes at most 8');
    expect((await feed.latestRoundData())[0]).to.equal(round0);
  });

  it("price_zeroOrNotANumber_exitsOneNamingTheOption", async function () {
    const zero = await capture(() => localPrice({ ...base, feed: address, price: "0" }, hre));
    expect(zero.exitCode).to.equal(1);
    expect(zero.err).to.contain('--price "0" must be above 0');
    const word = await capture(() => localPrice({ ...base, feed: address, price: "high" }, hre));
    expect(word.exitCode).to.equal(1);
    expect(word.err).to.contain('--price "high" is not a decimal number');
  });

  it("price_notAMockFeed_exitsOneSayingSo", async function () {
    const r = await capture(() => localPrice({ ...base, feed: token, price: "1" }, hre));
    expect(r.exitCode).to.equal(1);
    expect(r.err).to.contain(`--feed ${token} is not a mock feed (MockV3Aggregator with updateAnswer)`);
  });

  it("price_withoutFeed_exitsOneAskingForIt", async function () {
    const r = await capture(() => localPrice({ ...base, price: "1", json: true }, hre));
    expect(r.exitCode).to.equal(1);
    expect((JSON.parse(r.out) as { error: string }).error).to.equal(
      "--feed is required: pass a 0x-prefixed 20-byte address",
    );
  });
});
