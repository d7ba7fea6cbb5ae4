/**
 * A session's life in a real browser (docs/app.md "Tests"), around trading: a trader subscribes from the page
 * before t1 (each approval its own transaction signed by the test key, then the subscription; a basket the wallet
 * cannot pay is refused before anything is sent), the keeper settles after t2 through the session's Chainlink
 * Automation interface, and the page shows what the claim pays and claims it. Screenshots land in out/app/.
 */
import path from "node:path";

import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { Contract, Wallet } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PreviewServer } from "vite";

import type { Relay } from "../../relay/index.js";
import { keeperTick } from "../../sdk/keeper.js";
import { coreAt } from "../../sdk/sessions/client.js";
import { SESSION_ABIS } from "../../sdk/sessions/index.js";
import {
  deployChain,
  freePort,
  launchChromium,
  outDir,
  relayFor,
  requireChromium,
  serveApp,
  startNode,
  stopGroup,
  walletContext,
  type Chain,
  type WalletLog,
} from "./harness.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
const WAIT = 20_000;

describe("app: subscribe, keeper settlement and claim in a real browser", function () {
  this.timeout(300_000);
  let node: ChildProcess | undefined;
  let chain: Chain;
  let relay: Relay | undefined;
  let app: { server: PreviewServer; url: string } | undefined;
  let browser: Browser | undefined;
  let A: { context: BrowserContext; log: WalletLog; page: Page };
  const pageErrors: string[] = [];
  const relayErrors: string[] = [];

  before(async function () {
    requireChromium();
    const started = await startNode(await freePort());
    node = started.proc;
    chain = await deployChain(started.url, { subscribed: false });
    relay = await relayFor(chain, (e) => relayErrors.push(String((e as Error)?.message ?? e)));
    app = await serveApp(chain, relay);
    browser = await launchChromium();
    const { context, log } = await walletContext(browser, chain, chain.maker, chain.chainId);
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(WAIT);
    A = { context, log, page };
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await app?.server.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
    await stopGroup(node);
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(outDir(), name), fullPage: true });

  it("subscribes before t1: a basket the wallet cannot pay is refused, approvals go first, then the subscription", async () => {
    await A.page.goto(`${app!.url}/#/session/${chain.session}`);
    await A.page.getByTestId("connect").click();
    const panel = A.page.getByTestId("subscribe");
    await panel.waitFor();

    // 101 shares need 101 AAPL; the wallet holds 100: said before anything is sent, and Subscribe stays off
    await A.page.getByTestId("subscribe-shares").fill("101");
    await A.page
      .getByTestId("subscribe-short")
      .getByText(/Not enough AAPL: 101 shares need 101, the wallet holds 100/)
      .waitFor();
    expect(await A.page.getByTestId("subscribe-send").isDisabled()).to.equal(true);

    await A.page.getByTestId("subscribe-shares").fill("3");
    await A.page.getByTestId("need-AAPL").getByText("3", { exact: true }).first().waitFor();
    expect(await A.page.getByTestId("need-USDC").textContent()).to.match(/USDC600/);
    expect(await A.page.getByTestId("subscribe-send").isDisabled()).to.equal(true); // nothing approved yet
    const sentBefore = A.log.sent.length;
    await A.page.getByTestId("approve-AAPL").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/allowance set to 3 AAPL/)
      .waitFor();
    await A.page.getByTestId("approve-USDC").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/allowance set to 600 USDC/)
      .waitFor();
    await shot(A.page, "session-subscribe.png");
    await A.page.getByTestId("subscribe-send").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/subscribed 3 shares/)
      .waitFor();
    expect(A.log.sent.length).to.equal(sentBefore + 3); // two approvals and the subscription, signed by the key

    // the chain and the page agree: 3 shares, the basket as my allocation, exact approvals used up
    const core = coreAt(chain.session, chain.provider);
    expect((await core.accountOf(chain.maker.address)).shares).to.equal(3n);
    expect(await core.allocationOf(chain.maker.address)).to.deep.equal([3n * E18, 600n * E6]);
    const aapl = new Contract(
      await chain.tokens[0].getAddress(),
      ["function allowance(address,address) view returns (uint256)"],
      chain.provider,
    );
    expect(await aapl.allowance(chain.maker.address, chain.session)).to.equal(0n);
    await A.page.getByTestId("alloc-0").getByText(/^3$/).waitFor();
    expect(await A.page.getByTestId("alloc-1").textContent()).to.equal("600");
  });

  it("the keeper settles after t2 and the page shows what the claim pays, then claims it", async () => {
    const core = coreAt(chain.session, chain.provider);
    const [, t2] = await core.windows();
    await chain.increaseTo(t2 + 1n);
    // each feed reports its first round after t2: the fixing the keeper's upkeep finds
    const feedAbi = ["function updateAnswer(int256)"];
    const admin = await chain.provider.getSigner(0);
    await (await new Contract(chain.feeds[0], feedAbi, admin).updateAnswer(240_00000000n)).wait();
    await (await new Contract(chain.feeds[1], feedAbi, admin).updateAnswer(1_00000000n)).wait();

    const keeper = new Wallet("0x" + "c3".repeat(32), chain.provider);
    await (await admin.sendTransaction({ to: keeper.address, value: E18 })).wait();
    const [outcome] = await keeperTick(
      keeper,
      [{ address: chain.session, checkData: "0x", label: "session" }],
      SESSION_ABIS,
    );
    expect(
      outcome.status,
      JSON.stringify(outcome, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
    ).to.equal("performed");

    await A.page.reload();
    await A.page.getByTestId("connect").click();
    await A.page.getByTestId("claim").waitFor();
    expect(await A.page.getByTestId("phase").textContent()).to.match(/settled/);
    await A.page.getByTestId("claim-pays").getByText("3 AAPL, 600 USDC").waitFor();
    // trading is over: no book, no order entry, only the claim
    await A.page.getByTestId("trading-over").waitFor();
    expect(await A.page.getByTestId("sign-order").count()).to.equal(0);
    await shot(A.page, "session-claim.png");
    const aapl = chain.tokens[0];
    const before = await aapl.balanceOf(chain.maker.address);
    await A.page.getByTestId("claim-send").click();
    await A.page
      .getByTestId("tx-confirmed")
      .getByText(/paid 3 AAPL, 600 USDC/)
      .waitFor();
    expect((await aapl.balanceOf(chain.maker.address)) - before).to.equal(3n * E18);
    expect((await core.accountOf(chain.maker.address)).claimed).to.equal(true);
    await A.page.getByTestId("claimed").waitFor();
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
