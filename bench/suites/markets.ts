/**
 * Gas of the bounded-payoff markets (issue 3). Receipt gas, base cost included. Traders are in steady state
 * where the key says so: `market.place` is a placement by a trader already active on the root (funded, one
 * earlier order placed and cancelled), which is how a market maker places all day; `market.take` fully
 * takes one resting order; `market.take10` sweeps ten resting orders (five makers) at one price;
 * `market.place@kN` places while the trader already holds N markets on the root (collateral check over N
 * markets; the book it joins is in use in every case); `market.place@k8inner` is `@k8` on a tree whose
 * sub-markets lie strictly inside the root's range (more candidate outcomes); `market.place@o8` places the 8th
 * open order of a trader on a root (the open-order cap);
 * `market.place@safe` is `market.place` for a Safe trader (1-of-1 Safe 1.4.1) whose signed order a relayer
 * submits (ERC-1271 check of the owner's signature through the Safe's fallback handler).
 * `market.take.dead63` is issue 12's griefed book: a 100-lot bid meets 63 cancelled entries in front of one
 * live offer, then a second level (it trades all 100); `market.take.deadMax` steps over MAX_SKIP (512)
 * cancelled entries, the most one call steps over, and takes the live offer behind them: the worst case of
 * dead entries for one taker (one more and the sweep stops there with reason 4).
 */
import type { Contract, Signer } from "ethers";

import { marketsAt } from "../../sdk/markets/abi.js";
import { marketsDomain, orderDigest, type MarketOrder } from "../../sdk/markets/typedData.js";
import { signDigestAsSafe } from "../../sdk/safe.js";
import { createSafe, deploySafeInfra, safeApprove, safeExec } from "../../test/shared/safe.js";
import { saltCounter, type BenchContext, type Suite } from "../lib.js";

export const suite: Suite = {
  name: "markets",
  // Issue 11's targets. `market.place@k8` must grow linearly in markets: at most k1 + 7 x the marginal cost of a
  // market measured between k1 and k4 ((k4 - k1) / 3); that target is set by `run` from the measured figures.
  targets: {
    "market.place": 90_000,
    "market.take": 110_000,
    "market.take10": 200_000,
    "market.cancel": 50_000,
  },
  async run({ connection, record }: BenchContext) {
    const { ethers } = connection;
    const signers: Signer[] = await ethers.getSigners();
    const [owner, a, b, c, ...rest] = signers;
    const makers = rest.slice(0, 5);
    const adminImpl = await ethers.deployContract("BoundedMarketsAdmin");
    const deployed = await ethers.deployContract("BoundedMarkets", [await adminImpl.getAddress()]);
    const coreAddress = await deployed.getAddress();
    const core = marketsAt(coreAddress, owner);
    const token = (await ethers.deployContract("MockERC20", ["USD Coin", "USDC", 6])) as unknown as Contract;
    const tokenAddress = await token.getAddress();
    const as = (s: Signer) => core.connect(s) as Contract;
    const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const saltOf = saltCounter();
    const order = async (
      trader: Signer,
      rootId: bigint,
      branchId: number,
      tick: number,
      quantity: bigint,
    ): Promise<MarketOrder> => ({
      rootId,
      branchId,
      tick,
      quantity,
      orderType: 0,
      expiry: (await now()) + 86_400n,
      nonce: 0n,
      salt: saltOf(coreAddress, await trader.getAddress()),
      trader: await trader.getAddress(),
    });
    const place = async (s: Signer, rootId: bigint, branch: number, tick: number, q: bigint) =>
      (await as(s).place(await order(s, rootId, branch, tick, q), "0x", 4)).wait();
    const fund = async (s: Signer, amount: bigint) => {
      await (await token.mint(await s.getAddress(), amount)).wait();
      await (await (token.connect(s) as Contract).approve(coreAddress, amount)).wait();
      return as(s).deposit(tokenAddress, amount);
    };

    const t = await now();
    const params = {
      collateral: tokenAddress,
      unitScale: 10_000n,
      decimals: 0,
      min: 0n,
      max: 100n,
      expiry: t + 86_400n,
      voidDeadline: t + 10n * 86_400n,
      source: 0,
      reporter: ethers.ZeroAddress,
      disputeWindow: 0,
    };
    const rootId: bigint = await core.createRoot.staticCall(params);
    await record("market.createRoot", core.createRoot(params));
    await record("market.createSub", core.createSub(rootId, 1, 30n, 40n));
    for (let i = 2; i <= 8; i++) await (await core.createSub(rootId, 1, BigInt(i), 100n)).wait();

    await record("market.deposit", await fund(a, 1_000_000_000n));
    for (const s of [b, c, ...makers]) await (await fund(s, 1_000_000_000n)).wait();

    // Steady state: a and b are active on the root (a position and a resting order each), and the book has
    // orders on both sides, including at the price a is about to join.
    await place(a, rootId, 1, 40, 2n);
    await place(b, rootId, 1, 40, -1n);
    await place(b, rootId, 1, 70, -1n);
    await place(makers[1], rootId, 1, 50, 1n);

    await record("market.place", as(a).place(await order(a, rootId, 1, 50, 10n), "0x", 4));
    const [head50] = await core.level(rootId, 1, 50);
    await record("market.take", as(b).place(await order(b, rootId, 1, 50, -1n), "0x", 4)); // takes makers[1]'s order
    if ((await core.level(rootId, 1, 50))[0] !== head50 + 1n)
      throw new Error("market.take must fully take one resting order");
    const [, tail50] = await core.level(rootId, 1, 50);
    await record("market.cancel", as(a).cancel(await core.orderKeyOf(rootId, 1, 50, Number(tail50) - 1))); // a's resting bid

    for (let i = 0; i < 10; i++) await place(makers[i % 5], rootId, 1, 48, 3n);
    const [head48] = await core.level(rootId, 1, 48);
    await record("market.take10", as(b).place(await order(b, rootId, 1, 48, -30n), "0x", 4));
    const [head48After, tail48] = await core.level(rootId, 1, 48);
    if (head48After !== tail48 || BigInt(tail48) - BigInt(head48) !== 10n)
      throw new Error("market.take10 must sweep exactly ten resting orders");

    // Trader c holds k markets on the root, then places a resting order on one of them. A liquidity provider of
    // its own keeps an offer resting on each market, so each of these placements joins a book already in use:
    // the k figures differ only by the markets held (no book word written from zero in some and not others).
    // For the same reason c keeps a bid resting below the book before the series: every measured order then
    // joins c's order word in use, where the first (k1) would otherwise write it from zero (+17.1k) and the
    // others not.
    const lp = rest[6];
    await (await fund(lp, 1_000_000_000n)).wait();
    await place(c, rootId, 1, 5, 1n);
    const kGas: Record<number, number> = {};
    for (let branch = 1; branch <= 8; branch++) {
      await place(lp, rootId, branch, 60, -2n);
      await place(c, rootId, branch, 60, 1n);
      if (branch === 1 || branch === 4) {
        kGas[branch] = await record(
          `market.place@k${branch}`,
          as(c).place(await order(c, rootId, branch, 30, 1n), "0x", 4),
        );
      }
    }
    await record("market.place@k8", as(c).place(await order(c, rootId, 8, 30, 1n), "0x", 4));
    suite.targets["market.place@k8"] = kGas[1] + Math.floor((7 * (kGas[4] - kGas[1])) / 3);

    // The same on a tree whose sub-markets lie inside the root's range (bounds [5i + 10, 5i + 40]): each market
    // held adds its bounds to the collateral check's candidate outcomes, where on the root above every
    // sub-market's upper bound is the root's own.
    const treeRoot: bigint = await core.createRoot.staticCall(params);
    await (await core.createRoot(params)).wait();
    for (let i = 2; i <= 8; i++)
      await (await core.createSub(treeRoot, 1, BigInt(5 * i + 10), BigInt(5 * i + 40))).wait();
    const e = rest[7];
    await (await fund(e, 1_000_000_000n)).wait();
    for (let branch = 1; branch <= 8; branch++) {
      await place(lp, treeRoot, branch, 60, -2n);
      await place(e, treeRoot, branch, 60, 1n);
    }
    await record("market.place@k8inner", as(e).place(await order(e, treeRoot, 8, 30, 1n), "0x", 4));

    // At the open-order cap: a trader with 7 resting orders on the root places its 8th.
    const d = makers[2];
    for (let i = 0; i < 7; i++) await place(d, rootId, 1, 2 + i, 1n);
    await record("market.place@o8", as(d).place(await order(d, rootId, 1, 9, 1n), "0x", 4));

    // Griefed levels on a fresh root: `n` cancelled entries in front of a live offer at `tick`.
    const griefRoot: bigint = await core.createRoot.staticCall({ ...params, expiry: (await now()) + 86_400n });
    await (await core.createRoot({ ...params, expiry: (await now()) + 86_400n })).wait();
    const g = makers[3];
    const taker = rest[5]; // a trader of its own, so the keys of a, b and c keep their meaning
    await (await fund(taker, 1_000_000_000n)).wait();
    const deadInFront = async (tick: number, n: number, live: bigint) => {
      await place(makers[4], griefRoot, 1, tick, -1n); // first in line, so the cancels below are not
      for (let i = 0; i < n; i++) {
        const [, tail] = await core.level(griefRoot, 1, tick);
        await place(g, griefRoot, 1, tick, -1n);
        await (await as(g).cancel(await core.orderKeyOf(griefRoot, 1, tick, Number(tail)))).wait();
      }
      await place(makers[0], griefRoot, 1, tick, live);
      await place(c, griefRoot, 1, tick, 1n); // takes the first: the head stands on the dead entries
    };
    await deadInFront(50, 63, -1n);
    await place(makers[1], griefRoot, 1, 51, -200n);
    const [, traded63] = (await as(taker).place.staticCall(await order(taker, griefRoot, 1, 60, 100n), "0x", 4)) as [
      bigint,
      bigint,
    ];
    if (traded63 !== 100n) throw new Error("market.take.dead63 must trade the whole 100-lot bid");
    await record("market.take.dead63", as(taker).place(await order(taker, griefRoot, 1, 60, 100n), "0x", 4));
    await deadInFront(40, 512, -1n);
    await record("market.take.deadMax", as(taker).place(await order(taker, griefRoot, 1, 40, 1n), "0x", 4));
    const [head40, tail40, , live40] = await core.level(griefRoot, 1, 40);
    if (live40 !== 0n || head40 !== tail40)
      throw new Error("market.take.deadMax must step over the MAX_SKIP dead entries and take the live offer behind");

    await record("market.postBounds", core.postBounds(rootId, 1, 0n, 90n));
    await record("market.settle", core.postBounds(rootId, 1, 70n, 70n));
    await record("market.redeem", core.redeem(rootId, await a.getAddress()));

    // A Safe trader (1-of-1 Safe 1.4.1, CompatibilityFallbackHandler) on a second root, in the steady state of
    // market.place: its signed orders are relayed (ERC-1271 check of its owner's signature), it already holds a
    // position and the book has orders on both sides.
    const infra = await deploySafeInfra(owner);
    const safeOwner = makers[3];
    const relayer = makers[4];
    const safe = await (await createSafe(infra, owner, [safeOwner], 1)).getAddress();
    await (await token.mint(safe, 1_000_000_000n)).wait();
    await safeApprove([safeOwner], safe, tokenAddress, coreAddress, 1_000_000_000n);
    await safeExec(
      [safeOwner],
      safe,
      coreAddress,
      core.interface.encodeFunctionData("deposit", [tokenAddress, 1_000_000_000n]),
    );
    const t2 = await now();
    const params2 = { ...params, expiry: t2 + 86_400n, voidDeadline: t2 + 10n * 86_400n };
    const root2: bigint = await core.createRoot.staticCall(params2);
    await (await core.createRoot(params2)).wait();
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const safeOrder = async (tick: number, quantity: bigint): Promise<[MarketOrder, string]> => {
      const o: MarketOrder = {
        rootId: root2,
        branchId: 1,
        tick,
        quantity,
        orderType: 0,
        expiry: (await now()) + 86_400n,
        nonce: 0n,
        salt: saltOf(coreAddress, safe),
        trader: safe,
      };
      return [
        o,
        await signDigestAsSafe([safeOwner], chainId, safe, orderDigest(marketsDomain(chainId, coreAddress), o)),
      ];
    };
    const [s1, sig1] = await safeOrder(40, 2n);
    await (await as(relayer).place(s1, sig1, 4)).wait();
    await place(b, root2, 1, 40, -1n);
    await place(b, root2, 1, 70, -1n);
    await place(makers[1], root2, 1, 50, 1n);
    const [s2, sig2] = await safeOrder(50, 10n);
    await record("market.place@safe", as(relayer).place(s2, sig2, 4));
  },
};
