/**
 * Safe makers end to end through the commands (fault 15, ERC-1271 wallets, with real Safe 1.4.1 wallets deployed
 * from the npm artifacts): `session order --safe` and `market order --safe` write an order the Safe's owner signed,
 * a taker fills it / a relayer places it, and `market verify` accepts a root where a Safe's order went in with an
 * empty signature after an on-chain approval (SignMessageLib). A 2-of-3 Safe fills with two owner signatures
 * concatenated in owner order by the SDK, and is refused with one or with an unsorted concatenation.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { concat, type Contract, type Signer } from "ethers";

import { readJsonFile } from "../../sdk/cli/args.js";
import { marketsAt } from "../../sdk/markets/abi.js";
import { createRoot, deposit, openMarkets, tokenInfo, type MarketOrderFile } from "../../sdk/markets/index.js";
import { approveDigestOnChain, safeMessageHash, signDigestAsSafe, signSafeMessage } from "../../sdk/safe.js";
import {
  accountInfo,
  createSession,
  fillOrder,
  loadSession,
  orderToFile,
  subscribe,
  type OrderFile,
  type SessionConfigFile,
} from "../../sdk/sessions/index.js";
import { hashSessionOrder, legMask, sessionDomain, type SessionOrder } from "../../sdk/sessions/orders.js";
import marketOrder from "../../tasks/actions/market/order.js";
import marketPlace from "../../tasks/actions/market/place.js";
import marketVerify from "../../tasks/actions/market/verify.js";
import sessionFill from "../../tasks/actions/session/fill.js";
import sessionOrder from "../../tasks/actions/session/order.js";
import { WAD, type Base } from "../sessions/fixtures.js";
import { createSafe, deploySafeInfra, safeApprove, safeExec, type SafeInfra } from "../shared/safe.js";
import { capture, deployShared, hre, sharedConnection, tempDir } from "./helpers.js";

/** Account indices: 4 bob (taker), 14 relayer, 15-17 Safe owners, 18 not an owner. */
const BOB = "4";
const RELAYER = "14";
const OWNER = "15";
const STRANGER = "18";

describe("CLI: Safe makers (fault 15, ERC-1271)", function () {
  let b: Base;
  let infra: SafeInfra;
  let owners: Signer[];
  let dir: string;

  before(async function () {
    b = await deployShared(3);
    const signers = await b.ethers.getSigners();
    owners = [signers[15], signers[16], signers[17]];
    infra = await deploySafeInfra(b.admin);
    dir = tempDir();
  });

  describe("session order --safe", function () {
    let session: string;
    let factory: string;
    let safe1: string;
    let safe23: string;
    let base: Parameters<typeof sessionOrder>[0];

    /** From the Safe: approve every leg token and subscribe `shares` (each Safe transaction signed by `signers`). */
    const subscribeSafe = async (safe: string, signers: Signer[], shares: bigint) => {
      const s = (await b.ethers.getContractAt("SessionCore", session)) as unknown as Contract;
      for (const [k, t] of b.tokens.entries()) {
        const amount = shares * 10n ** BigInt([18, 6, 8][k]);
        await (await t.mint(safe, amount)).wait();
        await safeApprove(signers, safe, await t.getAddress(), session, amount);
      }
      await safeExec(signers, safe, session, s.interface.encodeFunctionData("subscribe", [shares, []]));
    };

    before(async function () {
      factory = await b.factory.getAddress();
      const cfg: SessionConfigFile = {
        kind: "physical",
        legs: await Promise.all(
          b.tokens.map(async (t, k) => ({
            token: await t.getAddress(),
            unit: "1",
            feed: await b.feeds[k].getAddress(),
          })),
        ),
        t1: "+1d",
        t2: "+2d",
        fallbackDeadline: "+3d",
        claimDeadline: "+10d",
        takerFeeBps: 10,
        makerFeeBps: 5,
        feeRecipient: b.feeTo.address,
      };
      session = (await createSession(b.admin, factory, cfg)).session;
      safe1 = await (await createSafe(infra, b.admin, [owners[0]], 1)).getAddress();
      safe23 = await (await createSafe(infra, b.admin, owners, 2)).getAddress();
      await subscribeSafe(safe1, [owners[0]], 10n);
      await subscribeSafe(safe23, [owners[0], owners[1]], 10n);
      for (let k = 0; k < 3; k++) await b.tokens[k].mint(b.bob.address, 10n * 10n ** BigInt([18, 6, 8][k]));
      await subscribe(b.bob, session, 10n, factory);
      await b.networkHelpers.time.increaseTo((await loadSession(b.ethers.provider, session)).t1);
      base = {
        session,
        legs: "0,1",
        amounts: "-1,2",
        taker: "",
        expiryHours: "24",
        nonce: "",
        maxFeeBps: "",
        out: path.join(dir, "safe-session-order.json"),
        safe: safe1,
        factory,
        account: OWNER,
        json: false,
      };
    });

    it("fault15_sessionOrderSafe_ownerSignsForTheSafe_andBobFillsIt", async function () {
      const r = await capture(() => sessionOrder(base, hre));
      expect(r.exitCode, r.err).to.equal(0);
      expect(r.out).to.contain(`by the Safe ${safe1} (owner ${await owners[0].getAddress()})`);
      const file = readJsonFile(base.out, "order") as OrderFile;
      expect(file.order.maker).to.equal(safe1);
      // One owner of a 1-of-1 Safe: 65 bytes over the Safe message of the order digest.
      expect(file.signature.length).to.equal(2 + 130);
      const f = await capture(() =>
        sessionFill({ order: base.out, fraction: "1", factory, account: BOB, json: true }, hre),
      );
      expect(f.exitCode, f.err).to.equal(0);
      const info = await loadSession(b.ethers.provider, session);
      const s = await accountInfo(b.ethers.provider, info, safe1);
      expect(s.allocation[0]).to.equal(9n * WAD); // gave 1 L0
      expect(s.allocation[1]).to.equal(10n * 10n ** 6n + 2n * 10n ** 6n - (2n * 10n ** 6n * 5n) / 10_000n); // got 2 L1 less the maker fee
    });

    it("fault15_sessionOrderSafe_refusedForANonOwner_aThresholdAboveOne_andASafeWithoutTheHandler", async function () {
      const noHandler = await (await createSafe(infra, b.admin, [owners[0]], 1, null)).getAddress();
      const cases: Array<[Partial<typeof base>, RegExp]> = [
        [{ account: STRANGER }, /is not an owner of the Safe 0x[0-9a-fA-F]{40} \(owners: /],
        [{ safe: safe23 }, /needs 2 owner signatures and this command signs as one owner/],
        [{ safe: noHandler }, /does not accept its owner's signature through ERC-1271: its fallback handler/],
        [{ safe: b.alice.address }, /--safe 0x[0-9a-fA-F]{40} is not a Safe on this network/],
      ];
      for (const [over, re] of cases) {
        const r = await capture(() => sessionOrder({ ...base, ...over, out: path.join(dir, "refused.json") }, hre));
        expect(r.exitCode, JSON.stringify(over)).to.equal(1);
        expect(r.err).to.match(re);
      }
    });

    it("fault15_twoOfThreeSafe_fillsWithTwoSortedOwnerSignatures_notWithOneOrUnsorted", async function () {
      const info = await loadSession(b.ethers.provider, session);
      const order: SessionOrder = {
        maker: safe23,
        taker: "0x0000000000000000000000000000000000000000",
        legs: legMask([0, 1]),
        amounts: [-1n * WAD, 2n * 10n ** 6n],
        maxFeeBps: 10n,
        expiry: info.now + 3_600n,
        nonce: 0n,
        salt: 23n,
      };
      const domain = sessionDomain(session, b.chainId);
      const digest = hashSessionOrder(order, domain);
      const fileWith = (signature: string): OrderFile => orderToFile(b.chainId, session, order, signature, digest, []);
      // One owner is not enough for a threshold of 2.
      const one = await signDigestAsSafe([owners[2]], b.chainId, safe23, digest);
      await expect(fillOrder(b.bob, fileWith(one), WAD, factory)).to.be.rejectedWith(/BadSignature/);
      // Two owners, concatenated against owner order: the Safe rejects it (GS026), so the fill does.
      const parts = [
        await signSafeMessage(owners[2], b.chainId, safe23, digest),
        await signSafeMessage(owners[0], b.chainId, safe23, digest),
      ].sort((x, y) => (BigInt(x.owner) > BigInt(y.owner) ? -1 : 1));
      await expect(fillOrder(b.bob, fileWith(concat(parts.map((p) => p.signature))), WAD, factory)).to.be.rejectedWith(
        /BadSignature/,
      );
      // The SDK sorts by owner address whatever order the owners come in.
      const two = await signDigestAsSafe([owners[2], owners[0]], b.chainId, safe23, digest);
      expect(two).to.equal(concat([...parts].reverse().map((p) => p.signature)));
      const r = await fillOrder(b.bob, fileWith(two), WAD, factory);
      expect(r.filledAfterWad).to.equal(WAD);
      // What each owner signed is the handler's Safe message hash of the order digest.
      const safe = (await b.ethers.getContractAt(
        ["function getMessageHashForSafe(address safe, bytes message) view returns (bytes32)"],
        infra.handler,
      )) as unknown as Contract;
      expect(await safe.getMessageHashForSafe(safe23, digest)).to.equal(safeMessageHash(b.chainId, safe23, digest));
    });
  });

  describe("market order --safe, place, verify", function () {
    let markets: string;
    let rootId: string;
    let safe: string;
    const common = () => ({ markets, json: false });
    const orderArgs = (out: string, price: string) => ({
      root: rootId,
      branch: "1",
      side: "bid",
      price,
      quantity: "5",
      type: "gtc",
      expiryHours: "12",
      nonce: "",
      out,
      safe,
      account: OWNER,
      ...common(),
    });
    const placeArgs = (file: string) => ({
      order: file,
      root: "",
      branch: "1",
      side: "",
      price: "",
      quantity: "",
      type: "gtc",
      expiryHours: "24",
      maxLevels: "8",
      account: RELAYER,
      ...common(),
      json: true,
    });

    before(async function () {
      const conn = await sharedConnection();
      const admin = await conn.ethers.deployContract("BoundedMarketsAdmin");
      markets = await (await conn.ethers.deployContract("BoundedMarkets", [await admin.getAddress()])).getAddress();
      const usdc = (await conn.ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as Contract;
      const usdcAddr = await usdc.getAddress();
      const root = await createRoot(b.admin, markets, {
        collateral: usdcAddr,
        decimals: 0,
        min: "0",
        max: "100",
        payout: "1",
        expiresIn: 86_400n,
        voidAfter: 7n * 86_400n,
        source: "owner",
      });
      rootId = root.rootId.toString();
      safe = await (await createSafe(infra, b.admin, [owners[0]], 1)).getAddress();
      await (await usdc.mint(safe, 100n * 10n ** 6n)).wait();
      await safeApprove([owners[0]], safe, usdcAddr, markets, 100n * 10n ** 6n);
      const m = await openMarkets(b.ethers.provider, markets);
      await safeExec(
        [owners[0]],
        safe,
        markets,
        m.interface.encodeFunctionData("deposit", [usdcAddr, 100n * 10n ** 6n]),
      );
      // A counterparty with cash of its own, to trade against the Safe's bids.
      await (await usdc.mint(b.bob.address, 100n * 10n ** 6n)).wait();
      await deposit(b.bob, markets, await tokenInfo(b.ethers.provider, usdcAddr), "100");
    });

    it("fault15_marketOrderSafe_relayedWithTheOwnersSignature", async function () {
      const file = path.join(dir, "safe-bid.json");
      const o = await capture(() => marketOrder(orderArgs(file, "0.40"), hre));
      expect(o.exitCode, o.err).to.equal(0);
      expect(o.out).to.contain(`by the Safe ${safe} (owner ${await owners[0].getAddress()}): bid 5 @ 0.40`);
      const p = await capture(() => marketPlace(placeArgs(file), hre));
      expect(p.exitCode, p.err).to.equal(0);
      const pj = JSON.parse(p.out) as { trader: string; submitter: string; resting: string };
      expect(pj.trader).to.equal(safe);
      expect(pj.submitter).to.equal(await (await b.ethers.getSigners())[14].getAddress());
      expect(pj.resting).to.equal("5");
    });

    it("fault15_marketVerify_acceptsASafeOrderApprovedOnChainAndRelayedUnsigned", async function () {
      const file = path.join(dir, "safe-bid-onchain.json");
      expect((await capture(() => marketOrder(orderArgs(file, "0.45"), hre))).exitCode).to.equal(0);
      const f = readJsonFile(file, "order") as MarketOrderFile;
      await approveDigestOnChain([owners[0]], safe, infra.signMessageLib, f.digest);
      writeFileSync(file, JSON.stringify({ ...f, signature: "0x" }));
      const p = await capture(() => marketPlace(placeArgs(file), hre));
      expect(p.exitCode, p.err).to.equal(0);
      // Bob's offer crosses both Safe bids: the Safe ends long 10 contracts.
      await (
        await (marketsAt(markets, b.bob) as Contract).place(
          {
            rootId: BigInt(rootId),
            branchId: 1,
            tick: 40,
            quantity: -10n,
            orderType: 0,
            expiry: f.order.expiry,
            nonce: 0n,
            salt: 99n,
            trader: b.bob.address,
          },
          "0x",
          8,
        )
      ).wait();
      expect(await marketsAt(markets, b.ethers.provider).positionOf(safe, BigInt(rootId), 1)).to.equal(10n);
      const v = await capture(() => marketVerify({ root: rootId, account: "0", ...common() }, hre));
      expect(v.err).to.equal("");
      expect(v.exitCode).to.equal(0);
      expect(v.out).to.match(/No problem found\.$/);
    });
  });
});
