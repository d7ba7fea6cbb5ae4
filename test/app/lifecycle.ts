/**
 * A session's life in a real browser (docs/app.md "Tests"), around trading: a trader subscribes from the page
 * before t1 (each approval its own transaction signed by the test key, then the subscription; a basket the wallet
 * cannot pay is refused before anything is sent), the keeper settles after t2 through the session's Chainlink
 * Automation interface, and the page shows what the claim pays and claims it. Then a margin session: a trader
 * short AAPL sees the margin report, a "close to liquidation" warning as AAPL rises, and "liquidatable now" once
 * it crosses the maintenance margin, as the chain says. Screenshots land in out/app/.
 */
import { expect } from "chai";
import { Contract, Wallet, ZeroAddress } from "ethers";
import { network } from "hardhat";

import { fmt } from "../../app/src/ui/format.js";
import { keeperTick } from "../../sdk/keeper.js";
import { coreAt } from "../../sdk/sessions/client.js";
import { marginConfig, physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import { createMarginSession } from "../../sdk/sessions/margin.js";
import { legMask, sessionDomain, signSessionOrder } from "../../sdk/sessions/orders.js";
import { MarginModule__factory, SessionFactory__factory } from "../../types/ethers-contracts/index.js";
import { SESSION_ABIS } from "../../sdk/sessions/index.js";
import { useAppStack, type AppStack, type Chain, type Trader } from "./harness.js";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
const WAIT = 20_000;

describe("app: subscribe, keeper settlement and claim in a real browser", function () {
  this.timeout(300_000);
  const stack = useAppStack({ subscribed: false, relay: { followFactory: true }, wait: WAIT });
  const { pageErrors, shot } = stack;
  let chain: Chain;
  let app: AppStack["app"] | undefined;
  let A: Trader;

  before(async function () {
    ({ chain, app } = stack);
    A = await stack.open(chain.maker);
  });

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

  it("a margin session: the report, then the liquidation warning as the short leg's price rises", async () => {
    const { ethers } = await network.create({ network: "localhost", override: { url: chain.url } });
    const [admin, guardian, feeTo] = await ethers.getSigners();
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    const spec = (feed: string) => firstAfterFixing(feed, { maxDelay: 3_600, minAnswer: 1n, maxAnswer: 10n ** 30n });
    const [aapl, usdc] = chain.tokens;
    // leg 0: USDC, the cash leg (200 a share); leg 1: AAPL (1 a share), shocked 25%; initial 20%, maintenance 10%
    const cfg = sessionConfig({
      kind: SessionKind.Margin,
      legs: [
        physicalLeg(await usdc.getAddress(), 200n * E6, spec(chain.feeds[1])),
        physicalLeg(await aapl.getAddress(), E18, spec(chain.feeds[0])),
      ],
      t1: now + 3_600n,
      t2: now + 86_400n,
      fallbackDeadline: now + 2n * 86_400n,
      claimDeadline: now + 30n * 86_400n,
      takerFeeBps: 10,
      makerFeeBps: 5,
      feeRecipient: feeTo.address,
      admin: admin.address,
      guardian: guardian.address,
    });
    const factory = SessionFactory__factory.connect(chain.factory, admin);
    const { session } = await createMarginSession(factory, cfg, marginConfig(2, { disputeBond: 25n * E6 }));
    const core = coreAt(session, chain.provider);
    for (const w of [chain.maker, chain.taker]) {
      await (await usdc.connect(w).approve(session, 2_000n * E6)).wait();
      await (await aapl.connect(w).approve(session, 10n * E18)).wait();
      await (await core.connect(w).subscribe(10n, [])).wait();
    }
    await chain.increaseTo(now + 3_601n);
    // the maker sells 15 AAPL (it holds 10: short 5) for 3,450 USDC; the taker fills it
    const order = {
      maker: chain.maker.address,
      taker: ZeroAddress,
      legs: legMask([0, 1]),
      amounts: [3_450n * E6, -15n * E18],
      maxFeeBps: 50n,
      expiry: now + 80_000n,
      nonce: 0n,
      salt: 1n,
    };
    const sig = await signSessionOrder(chain.maker, order, sessionDomain(session, chain.chainId));
    await (await core.connect(chain.taker).fill(order, sig, E18)).wait();

    const module = MarginModule__factory.connect(session, chain.provider);
    const open = async () => {
      await A.page.goto(`${app!.url}/#/session/${session}`);
      await A.page.reload(); // a fresh read of everything (only the hash changed)
      await A.page.getByTestId("connect").click();
      await A.page.getByTestId("margin-report").waitFor();
    };
    // at 240: equity 5,448.275 - 1,200 = 4,248.275 (fee paid in USDC), far above the maintenance margin
    await open();
    expect(await A.page.getByTestId("liquidation-warning").count()).to.equal(0);
    await A.page.getByTestId("relay-state").waitFor(); // the relay follows the factory: it serves the new session
    expect(await A.page.getByTestId("alloc-1").textContent()).to.equal("-5");
    await shot(A.page, "session-margin.png");

    const feedAbi = ["function updateAnswer(int256)"];
    await (
      await new Contract(chain.feeds[0], feedAbi, await chain.provider.getSigner(0)).updateAnswer(700_00000000n)
    ).wait();
    expect((await module.marginOf(chain.maker.address)).liquidatable).to.equal(false);
    await open();
    await A.page
      .getByTestId("liquidation-warning")
      .getByText(/Close to liquidation/)
      .waitFor();

    await (
      await new Contract(chain.feeds[0], feedAbi, await chain.provider.getSigner(0)).updateAnswer(800_00000000n)
    ).wait();
    const m = await module.marginOf(chain.maker.address);
    expect(m.liquidatable).to.equal(true);
    await open();
    const warning = await A.page.getByTestId("liquidation-warning").textContent();
    expect(warning).to.match(/Liquidatable now: stressed equity .* is below the maintenance margin/);
    expect(await A.page.getByTestId("margin-stressed").textContent()).to.equal(fmt(m.stressedE36, 36, 4));
    await shot(A.page, "session-margin-liquidatable.png");
    expect(pageErrors, pageErrors.join("\n")).to.deep.equal([]);
  });
});
