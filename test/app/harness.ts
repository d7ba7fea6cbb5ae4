/**
 * The browser test harness of the web trading app (docs/app.md "Tests"): a `hardhat node` on a free port, a
 * physical session on it (and, for the markets pages, a markets root with a sub-market in a mock USDC), the relay, the built app served by `vite preview`, Debian's Chromium through
 * playwright-core, and a test wallet injected into each page. The wallet is EIP-1193 + EIP-6963 in the page;
 * its keys live in this process (ethers `Wallet`): typed data is signed with real secp256k1 signatures and
 * transactions are signed by the key and sent raw (`eth_sendRawTransaction`); every other call is forwarded
 * to the node. The node's unlocked accounts only deploy and fund.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";

import { JsonRpcProvider, Wallet, type TypedDataField } from "ethers";
import { network } from "hardhat";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";

import { startRelay, type Relay } from "../../relay/index.js";
import { deployAaplUsdcSession, deployMarketsRoot, startNode, stopGroup } from "../../scripts/venue.js";
import { postBounds } from "../../sdk/markets/transactions.js";
import { createSessionFromConfig } from "../../sdk/sessions/client.js";
import { physicalLeg, SessionKind, sessionConfig } from "../../sdk/sessions/config.js";
import { deploySessionFamily } from "../../sdk/sessions/deploy.js";
import { firstAfterFixing } from "../../sdk/sessions/fixing.js";
import type { MockERC20 } from "../../types/ethers-contracts/index.js";

export const CHROMIUM = "/usr/bin/chromium";
export const ROOT = path.resolve(import.meta.dirname, "../..");
export const OUT = path.join(ROOT, "out/app");
const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

/** Fails with the fix when Debian's Chromium is missing (CI installs it: `apt-get install chromium`). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the app's browser tests drive Debian's Chromium. Install it with ` +
        "`apt-get install -y chromium` (package chromium, Debian bookworm), then run the tests again.",
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export { startNode, stopGroup };

export interface Chain {
  url: string;
  provider: JsonRpcProvider;
  chainId: bigint;
  factory: string;
  session: string;
  tokens: MockERC20[];
  maker: Wallet;
  taker: Wallet;
  feeds: string[];
  /** Moves chain time (evm_increaseTime + a block). */
  increaseTo(t: bigint): Promise<void>;
}

/**
 * On the node at `url`: two tokens (AAPL 18 decimals, USDC 6) with feeds, the session family, one physical
 * session (1 AAPL + 200 USDC per share; t1 in an hour, t2 in a day); the maker and taker test keys funded with
 * ETH, 100 AAPL and 10,000 USDC, and (unless `subscribed` is false) subscribed for 10 shares each with their
 * own keys and chain time moved past t1.
 */
export async function deployChain(url: string, { subscribed = true } = {}): Promise<Chain> {
  const conn = await network.create({ network: "localhost", override: { url } });
  const { ethers, networkHelpers } = conn;
  const [admin, guardian, feeTo] = await ethers.getSigners();
  const provider = new JsonRpcProvider(url, undefined, { pollingInterval: 200, cacheTimeout: -1 });
  const chainId = (await provider.getNetwork()).chainId;
  const { aapl, usdc, aaplFeed, usdcFeed, factory, session, now } = await deployAaplUsdcSession(conn, {
    admin: admin.address,
    feeRecipient: feeTo.address,
    guardian: guardian.address,
    tradingDays: 1n,
  });

  // fixed test keys (never the node's unlocked accounts): the wallets of the two traders
  const maker = new Wallet("0x" + "a1".repeat(32), provider);
  const taker = new Wallet("0x" + "b2".repeat(32), provider);
  for (const w of [maker, taker]) {
    await (await admin.sendTransaction({ to: w.address, value: 10n * E18 })).wait();
    await (await aapl.mint(w.address, 100n * E18)).wait();
    await (await usdc.mint(w.address, 10_000n * E6)).wait();
    if (!subscribed) continue;
    await (await aapl.connect(w).approve(session, 10n * E18)).wait();
    await (await usdc.connect(w).approve(session, 2_000n * E6)).wait();
    const s = await ethers.getContractAt("PhysicalSession", session);
    await (await s.connect(w).subscribe(10n, [])).wait();
  }
  if (subscribed) await networkHelpers.time.increaseTo(now + 3_600n + 1n);
  return {
    url,
    provider,
    chainId,
    factory: await factory.getAddress(),
    session,
    tokens: [aapl, usdc],
    maker,
    taker,
    feeds: [await aaplFeed.getAddress(), await usdcFeed.getAddress()],
    increaseTo: (t) => networkHelpers.time.increaseTo(t),
  };
}

/** The relay over the chain's session; with `followFactory`, also every session the factory creates later. */
export async function relayFor(
  chain: Chain,
  onError: (e: unknown) => void,
  { followFactory = false } = {},
): Promise<Relay> {
  return startRelay({
    provider: new JsonRpcProvider(chain.url, chain.chainId, {
      staticNetwork: true,
      pollingInterval: 200,
      cacheTimeout: -1,
    }),
    sessions: [chain.session],
    factory: followFactory ? chain.factory : undefined,
    pollMs: 250,
    fromBlock: 0n,
    onError,
  });
}

export interface MarketsChain {
  /** The BoundedMarkets singleton (core; admin and lens answer at the same address). */
  markets: string;
  /** The collateral: a mock USDC (6 decimals) of its own. */
  usdc: MockERC20;
  /** Root over X in [0, 100] (decimals 0; one contract pays 1 USDC), owned by the node's first account. */
  rootId: bigint;
  /** Sub-market [30, 40] under the root market (branch 1). */
  sub: number;
  /** The root's owner posts bounds [min, max] on a market (a collapse settles the root), as the demo does. */
  postBounds(branch: number, min: string, max: string): Promise<void>;
}

/**
 * On the chain of `chain`: the markets family (admin module, core), a mock USDC, one owner-settled root over
 * [0, 100] (expiry in 2 days) with a sub-market [30, 40]; the maker and taker test keys get 1,000 USDC each in
 * their wallets (not deposited: the browser test deposits through the app).
 */
export async function deployMarketsChain(chain: Chain): Promise<MarketsChain> {
  const conn = await network.create({ network: "localhost", override: { url: chain.url } });
  const { ethers } = conn;
  const [owner] = await ethers.getSigners();
  const usdc = (await ethers.deployContract("MockERC20", ["USD Coin (mock)", "USDC", 6])) as unknown as MockERC20;
  const { markets, rootId, sub } = await deployMarketsRoot(conn, await usdc.getAddress(), 2n, 10n);
  for (const w of [chain.maker, chain.taker]) await (await usdc.mint(w.address, 1_000n * E6)).wait();
  return {
    markets,
    usdc,
    rootId,
    sub,
    postBounds: async (branch, min, max) => {
      await postBounds(owner, markets, rootId.toString(), branch, min, max);
    },
  };
}

/**
 * Builds the app (app/dist) and serves it with `vite preview` on a free port, proxying /rpc and /relay (the
 * markets pages need no relay: pass none, and /relay points nowhere).
 */
export async function serveApp(
  chain: Chain,
  relay: Relay | undefined,
  markets = "",
): Promise<{ server: PreviewServer; url: string }> {
  const configFile = path.join(ROOT, "app/vite.config.ts");
  process.env.RF_RPC_URL = chain.url;
  process.env.RF_RELAY_URL = relay?.url ?? `http://127.0.0.1:${await freePort()}`;
  process.env.RF_MARKETS = markets;
  process.env.RF_FACTORY = chain.factory;
  process.env.RF_CHAIN_ID = chain.chainId.toString();
  await build({ configFile, logLevel: "warn" });
  const port = await freePort();
  const server = await preview({ configFile, logLevel: "warn", preview: { port, strictPort: true } });
  return { server, url: `http://127.0.0.1:${port}` };
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  // launch() gives every run a fresh temporary user-data-dir (removed on close)
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

interface RpcReply {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The page side of the test wallet: an EIP-1193 provider announced by EIP-6963, forwarding to the test process. */
const PAGE_WALLET = `(() => {
  const listeners = {};
  const provider = {
    isRingfenceTestWallet: true,
    async request(args) {
      const reply = JSON.parse(await window.__rfWallet(args.method, JSON.stringify(args.params ?? [])));
      if (reply.error) {
        const e = new Error(reply.error.message);
        e.code = reply.error.code;
        e.data = reply.error.data;
        throw e;
      }
      if (args.method === "wallet_switchEthereumChain") (listeners.chainChanged || []).forEach((f) => f(args.params[0].chainId));
      return reply.result;
    },
    on(ev, f) { (listeners[ev] = listeners[ev] || []).push(f); },
    removeListener(ev, f) { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); },
  };
  const info = Object.freeze({
    uuid: "6f1b2c9e-0d1a-4c55-9a57-ringfence-test",
    name: "Ringfence test wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/%3E",
    rdns: "org.ringfence.testwallet",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

export interface WalletLog {
  signed: number;
  sent: string[];
  /** Methods the page called, in order. */
  calls: string[];
}

/** One trader in the browser: a context with the test wallet injected, and a page. */
export interface Trader {
  context: BrowserContext;
  log: WalletLog;
  page: Page;
}

/**
 * A new browser context whose injected wallet signs with `key` (starting on `startChainId`) and one page in it;
 * the page's uncaught errors are appended to `pageErrors`, and every wait on it lasts at most `wait` ms.
 */
export async function openTrader(
  browser: Browser,
  chain: Chain,
  key: Wallet,
  pageErrors: string[],
  { startChainId = chain.chainId, wait = 20_000 }: { startChainId?: bigint; wait?: number } = {},
): Promise<Trader> {
  const { context, log } = await walletContext(browser, chain, key, startChainId);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(wait);
  return { context, log, page };
}

/**
 * A browser context whose pages carry the test wallet of `key`. The wallet starts on `startChainId` (to test
 * the wrong-network prompt) and switches to the node's chain on `wallet_switchEthereumChain`.
 */
export async function walletContext(
  browser: Browser,
  chain: Chain,
  key: Wallet,
  startChainId = chain.chainId,
): Promise<{ context: BrowserContext; log: WalletLog }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const log: WalletLog = { signed: 0, sent: [], calls: [] };
  let current = startChainId;
  const signer = key.connect(chain.provider);
  const forward = async (method: string, params: unknown[]): Promise<RpcReply> => {
    const res = await fetch(chain.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await res.json()) as RpcReply;
    return body.error === undefined ? { result: body.result } : { error: body.error };
  };
  const handle = async (method: string, params: unknown[]): Promise<RpcReply> => {
    log.calls.push(method);
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return { result: [key.address] };
      case "eth_chainId":
        return { result: "0x" + current.toString(16) };
      case "net_version":
        return { result: current.toString() };
      case "wallet_switchEthereumChain": {
        const want = BigInt(String((params[0] as { chainId: string }).chainId));
        if (want !== chain.chainId) return { error: { code: 4902, message: `unknown chain ${want}` } };
        current = want;
        return { result: null };
      }
      case "eth_signTypedData_v4": {
        const [account, text] = params as [string, string];
        if (account.toLowerCase() !== key.address.toLowerCase())
          return { error: { code: 4100, message: `account ${account} is not in this wallet` } };
        const doc = JSON.parse(text) as {
          domain: Record<string, unknown>;
          types: Record<string, TypedDataField[]>;
          message: Record<string, unknown>;
        };
        const { EIP712Domain: _domainType, ...types } = doc.types;
        log.signed++;
        return { result: await key.signTypedData(doc.domain, types, doc.message) };
      }
      case "eth_sendTransaction": {
        const tx = params[0] as { from: string; to?: string; data?: string; value?: string; gas?: string };
        if (tx.from.toLowerCase() !== key.address.toLowerCase())
          return { error: { code: 4100, message: `account ${tx.from} is not in this wallet` } };
        try {
          const sent = await signer.sendTransaction({
            to: tx.to,
            data: tx.data,
            value: tx.value === undefined ? 0n : BigInt(tx.value),
            gasLimit: tx.gas === undefined ? undefined : BigInt(tx.gas),
            chainId: chain.chainId,
          });
          log.sent.push(sent.hash);
          return { result: sent.hash };
        } catch (e) {
          const err = e as { message?: string; info?: { error?: { code: number; message: string; data?: unknown } } };
          return { error: err.info?.error ?? { code: -32603, message: String(err.message ?? e) } };
        }
      }
      default:
        if (current !== chain.chainId) return { error: { code: 4901, message: "the wallet is on another chain" } };
        return forward(method, params);
    }
  };
  await context.exposeFunction("__rfWallet", async (method: string, paramsJson: string) =>
    JSON.stringify(await handle(method, JSON.parse(paramsJson) as unknown[])),
  );
  await context.addInitScript(PAGE_WALLET);
  return { context, log };
}

export function outDir(): string {
  mkdirSync(OUT, { recursive: true });
  return OUT;
}

/** What one browser suite runs against; filled in by the `before` hook of {@link useAppStack}. */
export interface AppStack {
  chain: Chain;
  /** The relay over the chain's session, when the suite asked for one. */
  relay: Relay | undefined;
  app: { server: PreviewServer; url: string };
  browser: Browser;
  /** Uncaught errors of every page opened by {@link AppStack.open}. */
  pageErrors: string[];
  /** Errors the relay reported while following the chain. */
  relayErrors: string[];
  /** A trader's own browser context and page, as {@link openTrader}, each wait on it at most the suite's `wait`. */
  open(key: Wallet, opts?: { startChainId?: bigint }): Promise<Trader>;
  /** A full-page screenshot into out/app/. */
  shot(page: Page, name: string): Promise<Buffer>;
}

export interface AppStackOptions {
  /** As {@link deployChain}: whether the maker and taker subscribe to the session (default true). */
  subscribed?: boolean;
  /** On the deployed chain, before the relay and the app start; may return the markets address the app serves. */
  prepare?: (chain: Chain) => Promise<string | void>;
  /** No relay (`false`), or one that also follows the sessions the factory creates later. */
  relay?: false | { followFactory?: boolean };
  /** Longest wait for anything on a page, in ms (default 20,000: a shared 2-core machine is slow). */
  wait?: number;
}

/**
 * Registers the mocha hooks of one browser suite: before its tests, a `hardhat node` on a free loopback port, the
 * chain, `prepare`, the relay, the built app and Chromium; after them, all of it stopped, whatever failed. Call it
 * at the top of a `describe`; its own `before` hooks run after this one, so the returned stack is ready in them.
 */
export function useAppStack(opts: AppStackOptions = {}): AppStack {
  const wait = opts.wait ?? 20_000;
  const stack = {
    pageErrors: [],
    relayErrors: [],
    shot: (page: Page, name: string) => page.screenshot({ path: path.join(outDir(), name), fullPage: true }),
  } as unknown as AppStack;
  let node: ChildProcess | undefined;
  before(async function () {
    requireChromium();
    const started = await startNode(await freePort());
    node = started.proc;
    const chain = await deployChain(started.url, { subscribed: opts.subscribed ?? true });
    stack.chain = chain;
    const markets = (await opts.prepare?.(chain)) ?? "";
    if (opts.relay !== false) {
      stack.relay = await relayFor(chain, (e) => stack.relayErrors.push(String((e as Error)?.message ?? e)), {
        followFactory: opts.relay?.followFactory ?? false,
      });
    }
    stack.app = await serveApp(chain, stack.relay, markets);
    stack.browser = await launchChromium();
    stack.open = (key, { startChainId } = {}) =>
      openTrader(stack.browser, chain, key, stack.pageErrors, { startChainId, wait });
  });
  after(async () => {
    await stack.browser?.close().catch(() => undefined);
    await stack.app?.server.close().catch(() => undefined);
    await stack.relay?.close().catch(() => undefined);
    await stopGroup(node);
  });
  return stack;
}
