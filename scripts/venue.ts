/**
 * A local venue for `npm run app` when no node is running: starts `hardhat node` on 127.0.0.1 and puts on it what
 * the demo trades, live: the session family and a physical session on AAPL and USDC (mock tokens and feeds)
 * whose trading window is open, and the markets family with a root over rainfall [0, 100] mm and a sub-market
 * [30, 40], in mock USDC. Hardhat's test accounts 1 to 3 (their well-known keys, for a browser wallet on this
 * local chain only) hold AAPL and USDC, are subscribed to the session for 10 shares each, and have 1,000 USDC
 * deposited in the markets. Account 0 deploys and owns the root; account 4 receives the session's fees.
 * Accounts 1 and 2 rest a bid and an offer on each market and sign one session order each for the relay.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { HDNodeWallet, getAddress } from "ethers";
import { network } from "hardhat";

import { createRoot, createSub, deposit, placeOrder, tokenInfo } from "../sdk/markets/index.js";
import { signOrder, type OrderFile } from "../sdk/sessions/index.js";
import { createSessionFromConfig } from "../sdk/sessions/client.js";
import { physicalLeg, SessionKind, sessionConfig } from "../sdk/sessions/config.js";
import { deploySessionFamily } from "../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../sdk/sessions/fixing.js";
import type { MockERC20 } from "../types/ethers-contracts/index.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

/** True when a JSON-RPC node answers `eth_chainId` at `url` within `timeoutMs`. */
export async function nodeAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok && typeof ((await res.json()) as { result?: unknown }).result === "string";
  } catch {
    return false;
  }
}

/** `hardhat node` on 127.0.0.1:`port`, in its own process group; resolves once it listens. */
export async function startNode(port: number, timeoutMs = 60_000): Promise<{ proc: ChildProcess; url: string }> {
  const cli = path.join(ROOT, "node_modules/hardhat/dist/src/cli.js");
  const proc = spawn(process.execPath, [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start in ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      log += d.toString();
      if (/Started HTTP and WebSocket JSON-RPC server/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${log}`));
    });
  });
  // keep draining its output so the pipe never fills
  proc.stdout?.removeAllListeners("data").on("data", () => undefined);
  proc.stderr?.removeAllListeners("data").on("data", () => undefined);
  proc.removeAllListeners("exit");
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** Stops a process group started here (SIGTERM, then SIGKILL after 3 s). */
export async function stopGroup(proc: ChildProcess | undefined): Promise<void> {
  if (proc?.pid === undefined || proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 3_000);
  await exited;
  clearTimeout(timer);
}

/** Hardhat's public test mnemonic (the default accounts of `hardhat node`): for local chains only. */
const HARDHAT_TEST_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The private key of the node's account `address` when it is one of Hardhat's default test accounts (index 0 to
 * 19 of the public test mnemonic), else undefined. Such keys are public: a local chain's, never a real one's.
 */
export function publicTestKey(address: string): string | undefined {
  for (let i = 0; i < 20; i++) {
    const w = HDNodeWallet.fromPhrase(HARDHAT_TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
    if (w.address === getAddress(address)) return w.privateKey;
  }
  return undefined;
}

export interface Venue {
  factory: string;
  session: string;
  markets: string;
  rootId: bigint;
  /** The accounts set up to trade (Hardhat's test accounts 1 to 3). */
  traders: string[];
  tokens: { AAPL: string; USDC: string };
  /** Signed session orders to post to the relay once it runs (it checks them like any order). */
  sessionOrders: OrderFile[];
}

/** Posts `orders` to the relay at `relayUrl`; returns one line per order (accepted, or the relay's reason). */
export async function postOrders(relayUrl: string, orders: OrderFile[]): Promise<string[]> {
  const lines: string[] = [];
  for (const o of orders) {
    const res = await fetch(`${relayUrl}/sessions/${o.session}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(o),
    });
    const body = (await res.json()) as { status?: string; code?: string; message?: string };
    lines.push(res.ok ? `${o.digest} ${body.status ?? ""}` : `${o.digest} refused: ${body.code} ${body.message}`);
  }
  return lines;
}

/**
 * On `conn`'s chain: AAPL (18 decimals) and USDC (6) mock tokens with mock feeds at 230 and 1, the session family,
 * and a physical session of 1 AAPL + 200 USDC a share, t1 in an hour, trading for `tradingDays` days, fees
 * 10 bps taker / 5 bps maker. The npm run app venue and the browser tests' chain both start from it.
 */
export async function deployAaplUsdcSession(
  conn: Awaited<ReturnType<typeof network.create>>,
  opts: { admin: string; feeRecipient: string; guardian?: string; tradingDays: bigint },
) {
  const { ethers, networkHelpers } = conn;
  const aapl = (await ethers.deployContract("MockERC20", ["Apple (mock)", "AAPL", 18])) as unknown as MockERC20;
  const usdc = (await ethers.deployContract("MockERC20", ["USD Coin (mock)", "USDC", 6])) as unknown as MockERC20;
  const aaplFeed = await ethers.deployContract("MockV3Aggregator", [8, 230_00000000n]);
  const usdcFeed = await ethers.deployContract("MockV3Aggregator", [8, 1_00000000n]);
  const { factory } = await deploySessionFamily(ethers);
  const now = BigInt(await networkHelpers.time.latest());
  const spec = async (feed: { getAddress(): Promise<string> }) =>
    firstAfterFixing(await feed.getAddress(), { maxDelay: 3_600, minAnswer: 1n, maxAnswer: 10n ** 30n });
  const t2 = now + 3_600n + opts.tradingDays * 86_400n;
  const config = sessionConfig({
    kind: SessionKind.Physical,
    legs: [
      physicalLeg(await aapl.getAddress(), 1n * E18, await spec(aaplFeed)),
      physicalLeg(await usdc.getAddress(), 200n * E6, await spec(usdcFeed)),
    ],
    t1: now + 3_600n,
    t2,
    fallbackDeadline: t2 + 2n * 86_400n,
    claimDeadline: t2 + 30n * 86_400n,
    takerFeeBps: 10,
    makerFeeBps: 5,
    feeRecipient: opts.feeRecipient,
    admin: opts.admin,
    ...(opts.guardian === undefined ? {} : { guardian: opts.guardian }),
  });
  const { session } = await createSessionFromConfig(factory, config);
  return { aapl, usdc, aaplFeed, usdcFeed, factory, session, now };
}

/**
 * The markets family (admin module, core) and one root over [0, 100] settled by its owner (account 0), paid in
 * `collateral` one unit a contract, with a sub-market [30, 40]; the root expires in `expiryDays` and may be
 * voided `voidDays` after that.
 */
export async function deployMarketsRoot(
  conn: Awaited<ReturnType<typeof network.create>>,
  collateral: string,
  expiryDays: bigint,
  voidDays: bigint,
): Promise<{ markets: string; rootId: bigint; sub: number }> {
  const [owner] = await conn.ethers.getSigners();
  const admin = await conn.ethers.deployContract("BoundedMarketsAdmin");
  const core = await conn.ethers.deployContract("BoundedMarkets", [await admin.getAddress()]);
  const markets = await core.getAddress();
  const { rootId } = await createRoot(owner, markets, {
    collateral,
    decimals: 0,
    min: "0",
    max: "100",
    payout: "1",
    expiresIn: expiryDays * 86_400n,
    voidAfter: voidDays * 86_400n,
    source: "owner",
  });
  const { branchId: sub } = await createSub(owner, markets, rootId.toString(), 1, "30", "40");
  return { markets, rootId, sub };
}

/** Deploys and funds the venue described at the top of this file on the (fresh) node at `url`. */
export async function setUpVenue(url: string): Promise<Venue> {
  const conn = await network.create({ network: "localhost", override: { url } });
  const { ethers, networkHelpers } = conn;
  const [owner, alice, bob, carol, feeDesk] = await ethers.getSigners();
  const traders = [alice, bob, carol];
  const { aapl, usdc, factory, session, now } = await deployAaplUsdcSession(conn, {
    admin: owner.address,
    feeRecipient: feeDesk.address,
    tradingDays: 7n,
  });
  const physical = await ethers.getContractAt("PhysicalSession", session);
  for (const w of traders) {
    await (await aapl.mint(w.address, 100n * E18)).wait();
    await (await usdc.mint(w.address, 20_000n * E6)).wait();
    await (await aapl.connect(w).approve(session, 10n * E18)).wait();
    await (await usdc.connect(w).approve(session, 2_000n * E6)).wait();
    await (await physical.connect(w).subscribe(10n, [])).wait();
  }
  await networkHelpers.time.increaseTo(now + 3_600n + 1n); // trading opens at t1

  const { markets, rootId } = await deployMarketsRoot(conn, await usdc.getAddress(), 7n, 30n);
  const collateral = await tokenInfo(owner, await usdc.getAddress());
  for (const w of traders) await deposit(w, markets, collateral, "1000");
  // a book to look at: resting good-till-cancel orders of accounts 1 and 2 on both markets
  const rest = async (w: (typeof traders)[number], branch: number, side: string, price: string, quantity: string) =>
    placeOrder(
      w,
      markets,
      { input: { root: rootId.toString(), branch, price, quantity, side, type: "gtc", expiryHours: 24 * 6 } },
      99n,
    );
  await rest(alice, 1, "bid", "0.40", "20");
  await rest(bob, 1, "offer", "0.55", "15");
  await rest(alice, 2, "bid", "0.25", "10");
  await rest(bob, 2, "offer", "0.45", "10");
  // signed session orders for the relay's book: account 1 sells 1 AAPL at 235 USDC, account 2 buys 1 at 225
  const sessionOrders: OrderFile[] = [
    await signOrder(alice, { session, legs: [0, 1], amounts: ["-1", "235"], expiryHours: 24 * 6 }),
    await signOrder(bob, { session, legs: [0, 1], amounts: ["1", "-225"], expiryHours: 24 * 6 }),
  ];
  await conn.close();
  return {
    factory: await factory.getAddress(),
    session,
    markets,
    rootId,
    traders: traders.map((w) => w.address),
    tokens: { AAPL: await aapl.getAddress(), USDC: await usdc.getAddress() },
    sessionOrders,
  };
}
