/**
 * The web app's markets pages in a real browser (docs/app.md "Tests"): Debian's Chromium driven by playwright-core,
 * a test wallet injected into each page, against a `hardhat node` with a markets root ([0, 100], a sub-market
 * [30, 40]) in a mock USDC, and the built app; no relay (the book is read from the chain on every new block).
 * Trader A deposits (approval shown) and places a good-till-cancel bid from page A, B sees it in its book and takes
 * it from page B; positions on both pages match the chain; the "locks" figure shown before signing equals the
 * change of the lens's `account` sumWorst; a crossing post-only order is refused with the decoded reason; after
 * the owner collapses the bounds, A redeems and the cash on the page matches the chain. Screenshots:
 * out/app/markets-*.png.
 */
import { expect } from "chai";
import { parseUnits, type Contract } from "ethers";
import type { Page } from "playwright-core";

import { marketsAt } from "../../sdk/markets/abi.js";
import {
  deployMarketsChain,
  useAppStack,
  type AppStack,
  type Chain,
  type MarketsChain,
  type Trader,
} from "./harness.js";

const E6 = 10n ** 6n;
/** Longest wait for anything on a page (a shared 2-core machine is slow). */
const WAIT = 30_000;

describe("app: markets in a real browser", function () {
  this.timeout(400_000);
  let mk: MarketsChain;
  const stack = useAppStack({
    relay: false,
    wait: WAIT,
    prepare: async (chain) => {
      mk = await deployMarketsChain(chain);
      return mk.markets;
    },
  });
  const { pageErrors, shot } = stack;
  let chain: Chain;
  let core: Contract;
  let usdc: string;
  let app: AppStack["app"] | undefined;
  let A: Trader;
  let B: Trader;

  before(async function () {
    ({ chain, app } = stack);
    core = marketsAt(mk.markets, chain.provider);
    usdc = await mk.usdc.getAddress();
    A = await stack.open(chain.maker);
    B = await stack.open(chain.taker);
  });

  const account = async (who: string) => {
    const [cash, sumWorst] = (await core.account(who, usdc)) as [bigint, bigint];
    return { cash, sumWorst };
  };
  /** The page's text of a test id once it matches `re`. */
  const textOf = async (page: Page, id: string, re: RegExp) => {
    await page.getByTestId(id).getByText(re).first().waitFor();
    return (await page.getByTestId(id).first().textContent()) ?? "";
  };

  it("lists the root, shows its tree with bounds, range and status", async () => {
    for (const t of [A, B]) {
      await t.page.goto(app!.url + "/#/markets");
      await t.page.getByTestId("connect").click();
      await t.page.getByTestId("root-link").first().waitFor();
    }
    expect(await A.page.getByTestId("roots").textContent()).to.match(/Root 1.*USDC.*\[0, 100\].*\[0, 100\]/);
    await shot(A.page, "markets-roots.png");
    for (const t of [A, B]) {
      await t.page.getByTestId("root-link").first().click();
      await t.page.getByTestId("tree").waitFor();
    }
    expect(await A.page.getByTestId("root-range").textContent()).to.equal("[0, 100]");
    expect(await A.page.getByTestId("root-possible").textContent()).to.equal("[0, 100]");
    expect(await A.page.getByTestId("root-status").textContent()).to.equal("trading (before expiry)");
    expect(await A.page.getByTestId(`bounds-${mk.sub}`).textContent()).to.equal("[30, 40]");
    expect(await A.page.getByTestId("market-node").count()).to.equal(2);
  });

  it("A deposits (the approval is its own transaction), places a GTC bid; the 'locks' figure equals the sumWorst change", async () => {
    await A.page.getByTestId("deposit-amount").fill("100");
    expect(await A.page.getByTestId("approval-note").textContent()).to.contain("approves exactly 100 USDC");
    const sent0 = A.log.sent.length;
    await A.page.getByTestId("deposit").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^cash now 100 USDC/)
      .waitFor();
    expect(A.log.sent.length).to.equal(sent0 + 2); // approve, then deposit: both signed by A's key
    expect(await A.page.getByTestId("txlog").textContent()).to.match(/Approve 100 USDC for the markets contract/);
    expect((await account(chain.maker.address)).cash).to.equal(100n * E6);
    await textOf(A.page, "cash", /^100 USDC$/);

    await A.page.getByTestId(`market-link-${mk.sub}`).click();
    await A.page.getByTestId("market-book").getByText(`Book of market #${mk.sub}`).waitFor();
    await A.page.getByTestId("side").selectOption("buy");
    await A.page.getByTestId("quantity").fill("10");
    await A.page.getByTestId("price").fill("0.50");
    await A.page.getByTestId("order-type").selectOption("gtc");
    const locks = A.page.getByTestId("locks");
    // 10 contracts at 0.50 lock 5 USDC, plus one unit per contract for the settlement rounding
    await locks.getByText("5.00001 USDC").waitFor();
    const locked = BigInt((await locks.getAttribute("data-units"))!);
    expect(locked).to.equal(5n * E6 + 10n);
    await shot(A.page, "markets-place-preview.png");
    const before = await account(chain.maker.address);
    await A.page.getByTestId("place-order").click();
    await A.page
      .getByTestId("order-result")
      .getByText(/Placed: traded 0 contracts; 10 rest in the book/)
      .waitFor();
    const after = await account(chain.maker.address);
    expect(before.sumWorst - after.sumWorst).to.equal(locked);
    expect(after.cash).to.equal(before.cash);
    // the book stores no trader: A's page marks the level as its own from A's open orders (lens traderRoot)
    await A.page.getByTestId("book-bids").getByText("1 (mine)").waitFor();
  });

  it("B sees the bid on a new block, takes it from its page; both positions update and match the chain", async () => {
    await B.page.getByTestId("deposit-amount").fill("100");
    await B.page.getByTestId("deposit").click();
    await B.page
      .getByTestId("tx-confirmed")
      .getByText(/^cash now 100 USDC/)
      .waitFor();
    await B.page.getByTestId(`market-link-${mk.sub}`).click();
    // B never reloads: the page reads the chain's book again on every block
    const bids = B.page.getByTestId("book-bids");
    await bids.getByText("0.50").waitFor();
    expect(await bids.getByTestId("level-size").textContent()).to.equal("10");
    expect(await bids.textContent()).to.not.contain("(mine)");
    await B.page.getByTestId("take").click();
    expect(await B.page.getByTestId("side").inputValue()).to.equal("sell");
    expect(await B.page.getByTestId("quantity").inputValue()).to.equal("10");
    expect(await B.page.getByTestId("order-type").inputValue()).to.equal("ioc");
    const preview = await B.page.getByTestId("place-preview").textContent();
    expect(preview).to.match(/Trades now: 10 contracts \(10 at 0\.50\), premium received 5 USDC/);
    const locked = BigInt((await B.page.getByTestId("locks").getAttribute("data-units"))!);
    expect(locked).to.equal(10n * E6); // short 10 contracts of [30, 40]: owes up to 10 USDC at X >= 40
    await shot(B.page, "markets-take-preview.png");
    const before = await account(chain.taker.address);
    await B.page.getByTestId("place-order").click();
    await B.page
      .getByTestId("order-result")
      .getByText(/Placed: traded 10 contracts \(10 at 0\.50\); nothing rests/)
      .waitFor();
    const after = await account(chain.taker.address);
    expect(before.sumWorst - after.sumWorst).to.equal(locked);
    expect(after.cash - before.cash).to.equal(5n * E6); // the premium received

    const onChain = async (who: string) => BigInt(await core.positionOf(who, mk.rootId, mk.sub));
    expect(await onChain(chain.taker.address)).to.equal(-10n);
    expect(await onChain(chain.maker.address)).to.equal(10n);
    await textOf(B.page, `position-${mk.sub}`, /^-10$/);
    await textOf(A.page, `position-${mk.sub}`, /^10$/);
    await A.page.getByTestId("book-bids").getByText("no bids").waitFor();
    await A.page.getByTestId("payoff-chart").waitFor();
    await shot(A.page, "markets-after-take-a.png");
    await shot(B.page, "markets-after-take-b.png");
  });

  it("a post-only order that would cross is refused with the decoded reason", async () => {
    await A.page.getByTestId("quantity").fill("5");
    await A.page.getByTestId("price").fill("0.45");
    await A.page.getByTestId("order-type").selectOption("gtc");
    await A.page.getByTestId("place-order").click();
    await A.page
      .getByTestId("order-result")
      .getByText(/5 rest in the book/)
      .waitFor();
    await B.page.getByTestId("book-bids").getByText("0.45").waitFor();
    await B.page.getByTestId("side").selectOption("sell");
    await B.page.getByTestId("quantity").fill("5");
    await B.page.getByTestId("price").fill("0.40");
    await B.page.getByTestId("order-type").selectOption("post-only");
    expect(await B.page.getByTestId("predicted-refusal").textContent()).to.contain("PostOnlyWouldCross");
    const sent = B.log.sent.length;
    await B.page.getByTestId("place-order").click();
    const failed = await textOf(B.page, "order-result", /PostOnlyWouldCross/);
    expect(failed).to.contain("The post-only order at 0.40 would trade against the resting 0.45");
    expect(failed).to.not.match(/0x[0-9a-f]{8,}/i);
    expect(await B.page.getByTestId("tx-failed").last().textContent()).to.contain("PostOnlyWouldCross");
    expect(B.log.sent.length).to.equal(sent); // refused in the simulation: nothing was sent
    await shot(B.page, "markets-post-only-refused.png");
    // A cancels its 0.45 bid from its positions panel
    await A.page.getByTestId("my-order").getByTestId("cancel").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^cancelled 5 contracts/)
      .waitFor();
    await A.page.getByTestId("my-order").waitFor({ state: "detached" });
    // The cancel left the stored worst case as it was; the page offers to release it, and Sync does.
    const locked = await account(chain.maker.address);
    const releasable = parseUnits((await A.page.getByTestId("releasable").textContent())!.replace(/ USDC$/, ""), 6);
    expect(releasable > 0n).to.equal(true);
    await shot(A.page, "markets-sync-after-cancel.png");
    await A.page.getByTestId("sync").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^synced: /)
      .waitFor();
    await A.page.getByTestId("sync-panel").waitFor({ state: "detached" });
    const released = await account(chain.maker.address);
    expect(released.cash + released.sumWorst - (locked.cash + locked.sumWorst)).to.equal(releasable);
  });

  it("after the owner collapses the bounds, A redeems and its cash matches the chain; then withdraws", async () => {
    await mk.postBounds(1, "33", "33"); // the owner settles the root at X = 33
    await textOf(A.page, "root-status", /settled/);
    expect(await A.page.getByTestId("root-possible").textContent()).to.equal("[33, 33]");
    // long 10 of [30, 40] at X = 33: 10 * 0.3 USDC
    expect(await A.page.getByTestId("redeem-preview").textContent()).to.match(/credits your cash with 3 USDC/);
    await shot(A.page, "markets-settled.png");
    const before = await account(chain.maker.address);
    await A.page.getByTestId("redeem").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^payout 3 USDC credited/)
      .waitFor();
    const after = await account(chain.maker.address);
    expect(after.cash - before.cash).to.equal(3n * E6);
    expect(after.cash).to.equal(98n * E6); // 100 deposited, 5 premium paid, 3 redeemed
    expect(after.sumWorst).to.equal(0n);
    await textOf(A.page, "cash", /^98 USDC$/);
    await textOf(A.page, "free", /^98 USDC$/);

    await A.page.getByTestId("withdraw-amount").fill("98");
    await A.page.getByTestId("withdraw").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^paid 98 USDC/)
      .waitFor();
    expect((await account(chain.maker.address)).cash).to.equal(0n);
    expect(await mk.usdc.balanceOf(chain.maker.address)).to.equal(998n * E6);
    await textOf(A.page, "wallet-balance", /^998 USDC$/);
    await shot(A.page, "markets-after-redeem.png");
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
