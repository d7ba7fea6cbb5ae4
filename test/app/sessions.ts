/**
 * The web trading app in a real browser (docs/app.md "Tests"): Debian's Chromium driven by playwright-core, a
 * test wallet injected into each page, against a `hardhat node`, the relay and the built app, all started here
 * and stopped after. Two traders in two browser contexts: the maker signs an order in page A, it reaches page B's
 * book over the relay's WebSocket, B previews and fills half, both pages update; refused orders show the relay's
 * reason; cancel and cancel-all go through the wallet. Screenshots land in out/app/.
 */

import { expect } from "chai";

import { coreAt } from "../../sdk/sessions/client.js";
import { useAppStack, type AppStack, type Chain, type Trader } from "./harness.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
/** Longest wait for anything on a page (the relay polls every 250 ms; a shared 2-core machine is slow). */
const WAIT = 20_000;

describe("app: session trading in a real browser", function () {
  this.timeout(300_000);
  const stack = useAppStack({ wait: WAIT });
  const { pageErrors, shot } = stack;
  let chain: Chain;
  let app: AppStack["app"] | undefined;
  let A: Trader;
  let B: Trader;

  before(async function () {
    ({ chain, app } = stack);
    // the maker's wallet starts on mainnet: the app must ask to switch
    A = await stack.open(chain.maker, { startChainId: 1n });
    B = await stack.open(chain.taker);
  });

  it("discovers the wallet by EIP-6963, asks to switch a wrong network, lists the session", async () => {
    for (const t of [A, B]) {
      await t.page.goto(app!.url + "/");
      await t.page.getByTestId("connect").click();
    }
    expect(await A.page.getByTestId("wrong-network").textContent()).to.match(/on chain 1;.*chain 31337/);
    await A.page.getByTestId("switch-network").click();
    await A.page.getByTestId("wrong-network").waitFor({ state: "detached" });
    expect(A.log.calls).to.include("wallet_switchEthereumChain");
    for (const t of [A, B]) await t.page.getByTestId("session-link").first().waitFor();
    expect(await A.page.getByTestId("sessions").textContent()).to.contain("trading (t1 to t2)");
    await shot(A.page, "sessions.png");
    for (const t of [A, B]) {
      await t.page.getByTestId("session-link").first().click();
      await t.page.getByTestId("legs").waitFor();
    }
    expect(await A.page.getByTestId("alloc-0").textContent()).to.equal("10");
    expect(await A.page.getByTestId("alloc-1").textContent()).to.equal("2,000");
  });

  it("maker signs in page A, the order reaches B's book over WebSocket, B fills half, both pages update", async () => {
    const signedBefore = A.log.signed;
    await A.page.getByTestId("amount").fill("2");
    await A.page.getByTestId("rate").fill("230");
    expect(await A.page.getByTestId("order-summary").textContent()).to.match(/give 2 AAPL, receive 460 USDC/);
    await A.page.getByTestId("sign-order").click();
    await A.page.getByTestId("order-result").getByText("Accepted by the relay: open").waitFor();
    expect(A.log.signed).to.equal(signedBefore + 1); // signed by the wallet through eth_signTypedData_v4

    // B never reloads: the relay's WebSocket push makes the page read the book again
    const asks = B.page.getByTestId("book-0-1").getByTestId("asks");
    await asks.getByText("230").waitFor();
    expect(await asks.textContent()).to.match(/230.*2.*1/);
    expect(await B.page.getByTestId("relay-state").textContent()).to.equal("live (WebSocket)");
    await shot(A.page, "session-maker.png");

    await B.page.getByTestId("fill-open").click();
    await B.page.getByTestId("fill-fraction").fill("0.5");
    const pv = await B.page.getByTestId("fill-preview").textContent();
    expect(pv).to.contain("You give 230 USDC");
    expect(pv).to.match(/You receive 1 AAPL minus the taker fee ≈ 0\.001 AAPL \(10 bps\)/);
    await shot(B.page, "fill-preview.png");
    const sentBefore = B.log.sent.length;
    await B.page.getByTestId("fill-confirm").click();
    await B.page
      .getByTestId("tx-confirmed")
      .getByText(/filled to 50%/)
      .waitFor();
    expect(B.log.sent.length).to.equal(sentBefore + 1); // signed by the test key and sent raw

    // the chain agrees with what the pages will show
    const core = coreAt(chain.session, chain.provider);
    expect(await core.allocationOf(chain.taker.address)).to.deep.equal([
      10n * E18 + E18 - E18 / 1000n,
      2000n * E6 - 230n * E6,
    ]);
    // B: its allocation moved and the ask shrank to 1 AAPL
    await B.page.getByTestId("alloc-0").getByText("10.999").waitFor();
    await asks.getByTestId("size").getByText(/^1$/).waitFor();
    // A: its order is partial at 50 %, its allocation moved, all from relay pushes
    await A.page.getByTestId("my-order-status").getByText("partial").waitFor();
    expect(await A.page.getByTestId("my-order-filled").textContent()).to.equal("50%");
    await A.page.getByTestId("alloc-0").getByText(/^9$/).waitFor();
    // allocation over time, from the chain's events: the subscription, then the one trade (both wallets); the
    // chart is drawn only when its last point equals allocationOf, so its presence checks that too
    for (const p of [A.page, B.page]) await p.locator('[data-testid="allocation-history"][data-points="2"]').waitFor();
    expect(await B.page.getByTestId("allocation-history-incomplete").count()).to.equal(0);
    await shot(B.page, "session-taker-after-fill.png");
  });

  it("refused orders show the relay's reason: underfunded and stale", async () => {
    await A.page.getByTestId("amount").fill("1000");
    await A.page.getByTestId("sign-order").click();
    const result = A.page.getByTestId("order-result");
    await result.getByText(/Refused by the relay: unfundable \(field order\.maker\)/).waitFor();
    await shot(A.page, "refused-order.png");
    expect(await A.page.getByTestId("txlog").textContent()).to.contain("Refused by the relay: unfundable");

    await A.page.getByTestId("amount").fill("1");
    await A.page.getByTestId("expiry").fill("0.001"); // 3.6 s: inside the relay's 30 s expiry margin
    await A.page.getByTestId("sign-order").click();
    await result.getByText(/Refused by the relay: expiring \(field order\.expiry\)/).waitFor();
    // neither reached the book
    const asks = B.page.getByTestId("book-0-1").getByTestId("asks");
    expect(await asks.locator("tr").count()).to.equal(1);
  });

  it("a fill that would revert shows the decoded reason, not hex", async () => {
    // B fills the rest of A's order, but A cancels first: the SDK simulates the fill and decodes the revert
    await B.page.getByTestId("fill-open").click();
    await B.page.getByTestId("fill-fraction").fill("1");
    const cancelled = A.page.getByTestId("my-order").filter({ hasText: "partial" }).getByTestId("cancel");
    await cancelled.click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/^cancelled in/)
      .waitFor();
    await B.page.getByTestId("fill-confirm").click();
    const failed = await B.page.getByTestId("tx-failed").last().textContent({ timeout: WAIT });
    expect(failed).to.not.match(/0x[0-9a-f]{8,}/i);
    expect(failed).to.match(/cancel/i);
    await A.page.getByTestId("my-order-status").getByText("cancelled").first().waitFor();
  });

  it("cancel-all raises the nonce floor and every open order of the maker dies", async () => {
    await A.page.getByTestId("expiry").fill("24");
    await A.page.getByTestId("amount").fill("1");
    await A.page.getByTestId("sign-order").click();
    await A.page.getByTestId("order-result").getByText("Accepted by the relay: open").waitFor();
    await A.page.getByTestId("cancel-all").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/nonce floor 0 → 1/)
      .waitFor();
    await A.page.getByTestId("my-order-status").filter({ hasText: "open" }).waitFor({ state: "detached" });
    expect(await coreAt(chain.session, chain.provider).minNonce(chain.maker.address)).to.equal(1n);
    await B.page.getByTestId("no-takeable").waitFor();
    await shot(A.page, "session-after-cancel-all.png");
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
