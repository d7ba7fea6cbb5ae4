/**
 * A Safe maker in the browser (issue 10): a 1-of-1 Safe 1.4.1 (deployed from the npm artifacts) whose owner is
 * page A's injected wallet holds an allocation in the session. Page A chooses "sign for my Safe": the order's
 * maker is the Safe and the wallet signs the Safe's EIP-712 SafeMessage over the order digest with
 * eth_signTypedData_v4; the relay checks it through ERC-1271 and page B, another trader, fills it. The Safe's
 * allocation moves on chain. A wallet that is not an owner gets a clear refusal before anything is signed.
 */
import { expect } from "chai";
import { Contract, Interface } from "ethers";

import type { Relay } from "../../relay/index.js";
import { coreAt } from "../../sdk/sessions/client.js";
import { loadSession } from "../../sdk/sessions/index.js";
import { createSafe, deploySafeInfra, safeApprove, safeExec } from "../shared/safe.js";
import { useAppStack, type Chain, type Trader } from "./harness.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
const WAIT = 20_000;
const SUBSCRIBE = new Interface(["function subscribe(uint256 shares, bytes32[] proof)"]);

describe("app: a Safe maker posting through the relay, in a real browser", function () {
  this.timeout(300_000);
  let safe: string;
  // the taker subscribes with its key; the maker's key owns a 1-of-1 Safe that subscribes 10 shares; trading opens
  const stack = useAppStack({
    subscribed: false,
    wait: WAIT,
    prepare: async (chain) => {
      const [aapl, usdc] = chain.tokens;
      await (await aapl.connect(chain.taker).approve(chain.session, 10n * E18)).wait();
      await (await usdc.connect(chain.taker).approve(chain.session, 2_000n * E6)).wait();
      await (await new Contract(chain.session, SUBSCRIBE, chain.taker).subscribe(10n, [])).wait();
      const infra = await deploySafeInfra(chain.maker);
      safe = await (await createSafe(infra, chain.maker, [chain.maker], 1)).getAddress();
      await (await aapl.mint(safe, 10n * E18)).wait();
      await (await usdc.mint(safe, 2_000n * E6)).wait();
      await safeApprove([chain.maker], safe, await aapl.getAddress(), chain.session, 10n * E18);
      await safeApprove([chain.maker], safe, await usdc.getAddress(), chain.session, 2_000n * E6);
      await safeExec([chain.maker], safe, chain.session, SUBSCRIBE.encodeFunctionData("subscribe", [10n, []]));
      const info = await loadSession(chain.provider, chain.session);
      await chain.increaseTo(info.t1 + 1n);
    },
  });
  const { pageErrors, shot } = stack;
  let chain: Chain;
  let relay: Relay | undefined;
  let A: Trader;
  let B: Trader;

  before(async function () {
    ({ chain, relay } = stack);
    const open = async (key: Chain["maker"]) => {
      const trader = await stack.open(key);
      await trader.page.goto(stack.app.url + "/");
      await trader.page.getByTestId("connect").click();
      await trader.page.getByTestId("session-link").first().click();
      await trader.page.getByTestId("legs").waitFor();
      return trader;
    };
    A = await open(chain.maker);
    B = await open(chain.taker);
  });

  /** The relay's orders for the session (GET /sessions/:address/orders). */
  const relayOrders = async (query = ""): Promise<Array<{ order: { maker: string }; status: string }>> =>
    ((await (await fetch(`${relay!.url}/sessions/${chain.session}/orders${query}`)).json()) as { orders: [] }).orders;

  it("a wallet that is not an owner of the Safe is told so and nothing is signed or posted", async () => {
    const signedBefore = B.log.signed;
    await B.page.getByTestId("as-safe").check();
    await B.page.getByTestId("safe-address").fill(safe);
    await B.page.getByTestId("amount").fill("1");
    await B.page.getByTestId("sign-order").click();
    const text = await B.page
      .getByTestId("order-result")
      .getByText(/is not an owner of the Safe/)
      .textContent();
    expect(text).to.contain(`your connected wallet ${chain.taker.address} is not an owner of the Safe ${safe}`);
    expect(text).to.contain(chain.maker.address); // the owners are listed
    expect(B.log.signed).to.equal(signedBefore);
    expect(await relayOrders()).to.deep.equal([]); // nothing reached the relay
    await B.page.getByTestId("as-safe").uncheck();
  });

  it("the owner signs for the Safe, the relay takes it, B fills half, the Safe's allocation moves on chain", async () => {
    const core = coreAt(chain.session, chain.provider);
    expect(await core.allocationOf(safe)).to.deep.equal([10n * E18, 2_000n * E6]);
    const signedBefore = A.log.signed;
    await A.page.getByTestId("as-safe").check();
    await A.page.getByTestId("safe-address").fill(safe);
    await A.page.getByTestId("amount").fill("2");
    await A.page.getByTestId("rate").fill("230");
    expect(await A.page.getByTestId("order-summary").textContent()).to.match(
      /give 2 AAPL, receive 460 USDC as the Safe 0x/,
    );
    expect(await A.page.getByTestId("safe-allocation").textContent()).to.equal(
      "The Safe holds 10 AAPL, 2,000 USDC in this session.",
    );
    await A.page.getByTestId("sign-order").click();
    await A.page.getByTestId("order-result").getByText("Accepted by the relay: open").waitFor();
    await A.page.getByTestId("book-0-1").getByTestId("asks").getByText("230").waitFor();
    expect(A.log.signed).to.equal(signedBefore + 1); // one eth_signTypedData_v4: the SafeMessage
    await shot(A.page, "session-safe-maker.png");
    const posted = await relayOrders();
    expect(posted.map((o) => [String(o.order.maker).toLowerCase(), o.status])).to.deep.equal([
      [safe.toLowerCase(), "open"],
    ]);

    const asks = B.page.getByTestId("book-0-1").getByTestId("asks");
    await asks.getByText("230").waitFor();
    await B.page.getByTestId("fill-open").click();
    await B.page.getByTestId("fill-fraction").fill("0.5");
    await B.page.getByTestId("fill-confirm").click();
    await B.page
      .getByTestId("tx-confirmed")
      .getByText(/filled to 50%/)
      .waitFor();

    // the Safe gave 1 AAPL and received 230 USDC minus the 5 bps maker fee
    expect(await core.allocationOf(safe)).to.deep.equal([
      9n * E18,
      2_000n * E6 + 230n * E6 - (230n * E6 * 5n) / 10_000n,
    ]);
    expect(await core.allocationOf(chain.maker.address)).to.deep.equal([0n, 0n]); // the owner's key holds nothing
    // both pages update from the relay's pushes: the ask shrank to 1 AAPL, B's allocation moved
    await asks.getByTestId("size").getByText(/^1$/).waitFor();
    await A.page.getByTestId("book-0-1").getByTestId("asks").getByTestId("size").getByText(/^1$/).waitFor();
    await B.page.getByTestId("alloc-0").getByText("10.999").waitFor();
    await A.page.getByTestId("safe-allocation").getByText("The Safe holds 9 AAPL, 2,229.885 USDC").waitFor();
    await shot(B.page, "session-safe-filled.png");
    expect((await relayOrders()).map((o) => o.status)).to.deep.equal(["partial"]);
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
